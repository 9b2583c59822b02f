/**
 * The watchdog: bounds how long a frozen daemon can hold a caller. The
 * daemon's own deadlines run on its event loop, so they cannot help when
 * that loop is stuck (a SIGSTOP, a blocking call, a host swapping), and the
 * PBXs wait for it: Asterisk's AGI waits forever once connected, and
 * mod_event_socket waits 25 s for the first command on an outbound socket.
 * What ends the wait is the socket closing, so the daemon must die.
 *
 * A small shell process outside the daemon reads a heartbeat the daemon
 * writes from its event loop. If none comes for `timeoutMs`, it kills the
 * daemon with SIGKILL (which works on a stopped process too); the kernel
 * closes its sockets, the dialplan goes on (the payment fails closed), and
 * systemd (Restart=always) or the operator starts a new daemon, which adopts
 * the calls in progress. If the daemon exits, the pipe closes and the
 * watchdog exits without killing anything.
 *
 * In the daemon the same heartbeat timer is the stall detector: a tick that
 * comes much later than due means the loop was blocked, and is logged.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from '../log/logger.js';

export interface WatchdogOptions {
  /** No heartbeat for this long: the daemon is killed. */
  timeoutMs: number;
  logger: Logger;
  /** The process to kill (the daemon itself). */
  pid?: number;
}

// `read -t` times out with a status above 128; end of file (the daemon is
// gone) returns 1: then there is nothing to kill. Fractional timeouts are bash's.
const SCRIPT = `
while :; do
  IFS= read -r -t "$1" _
  status=$?
  [ "$status" -eq 0 ] || break
done
if [ "$status" -gt 128 ]; then
  echo "callvault: watchdog: no heartbeat from the daemon (pid $2) for $1 s: killing it so that the PBX's sockets close" >&2
  kill -KILL "$2"
fi
`;

export class Watchdog {
  readonly #options: WatchdogOptions;
  #child: ChildProcess | null = null;
  #timer: NodeJS.Timeout | null = null;
  #lastTick = 0;

  constructor(options: WatchdogOptions) {
    this.#options = options;
  }

  /** How often the heartbeat is written: several per timeout, so one late tick does not kill. */
  get intervalMs(): number {
    return Math.max(50, Math.floor(this.#options.timeoutMs / 6));
  }

  start(): void {
    if (this.#child) return;
    const pid = this.#options.pid ?? process.pid;
    const seconds = (this.#options.timeoutMs / 1000).toFixed(3);
    const child = spawn('bash', ['-c', SCRIPT, 'callvault-watchdog', seconds, String(pid)], { stdio: ['pipe', 'ignore', 'inherit'], detached: true });
    child.on('error', (err) => this.#options.logger.error({ err }, 'watchdog: could not start; a frozen daemon would hold calls'));
    child.stdin?.on('error', () => undefined);
    // detached: a signal to the daemon's process group (a Ctrl-Z) must not stop the watchdog too.
    // The watchdog must never keep the daemon alive.
    child.unref();
    (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    this.#child = child;
    this.#lastTick = performance.now();
    const every = this.intervalMs;
    this.#timer = setInterval(() => {
      const now = performance.now();
      const late = now - this.#lastTick - every;
      this.#lastTick = now;
      if (late > every * 2) this.#options.logger.warn({ stalledMs: Math.round(late + every) }, 'daemon: event loop stalled');
      child.stdin?.write('\n');
    }, every);
    this.#timer.unref();
    this.#options.logger.info({ timeoutMs: this.#options.timeoutMs, watchdogPid: child.pid }, 'watchdog: started');
  }

  /** Closes the pipe: the watchdog exits without killing. */
  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.#child?.stdin?.end();
    this.#child = null;
  }
}
