/**
 * The daemon's standing inbound Event Socket connection: connects and
 * authenticates, subscribes to the events the adapter needs, and when the
 * connection drops (FreeSWITCH restart, network cut, a desync) reconnects
 * with a doubling backoff. Every change is observable (`up` / `down` and a
 * LinkStatus for status and metrics): the daemon must report an outage, not
 * hide it. While the link is down, commands fail at once with
 * CV_ERR_ESL_CLOSED; nothing is queued, because a payment pause must fail
 * closed now, not succeed late. A command that times out drops the
 * connection: FreeSWITCH answers in order, so a stalled listener would make
 * every later command time out too.
 */
import { EventEmitter } from 'node:events';
import { CallvaultError, isCallvaultError } from '../../errors.js';
import { silentLogger, type Logger } from '../../log/logger.js';
import type { LinkStatus } from '../call-control.js';
import { EslConnection } from './esl-connection.js';
import type { EslEvent } from './esl-event.js';

export interface EslInboundLinkOptions {
  readonly host: string;
  readonly port: number;
  /** Never logged. */
  readonly password: string;
  readonly commandTimeoutMs: number;
  /** The `event plain ...` subscription, sent after every (re)connect. */
  readonly events: readonly string[];
  readonly logger?: Logger;
  /** First retry delay; doubles up to `maxBackoffMs`. */
  readonly minBackoffMs?: number;
  readonly maxBackoffMs?: number;
}

export interface EslInboundLinkEvents {
  up: [];
  down: [reason: string];
  event: [EslEvent];
}

export class EslInboundLink extends EventEmitter<EslInboundLinkEvents> {
  readonly #options: EslInboundLinkOptions;
  readonly #log: Logger;
  #conn: EslConnection | null = null;
  #status: LinkStatus = { state: 'down', since: Date.now(), reconnects: 0, lastError: null };
  #everUp = false;
  #stopped = true;
  #timer: NodeJS.Timeout | null = null;
  #backoffMs: number;
  readonly #upWaiters = new Set<() => void>();

  constructor(options: EslInboundLinkOptions) {
    super();
    this.#options = options;
    this.#log = (options.logger ?? silentLogger).child({ component: 'esl-inbound' });
    this.#backoffMs = options.minBackoffMs ?? 200;
  }

  status(): LinkStatus {
    return { ...this.#status };
  }

  get connected(): boolean {
    return this.#conn !== null && !this.#conn.closed;
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    void this.#attempt();
  }

  /** Resolves once the link is up, or after `timeoutMs` (false). */
  waitUp(timeoutMs: number): Promise<boolean> {
    if (this.connected) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (v: boolean) => { clearTimeout(t); this.#upWaiters.delete(onUp); resolve(v); };
      const onUp = () => done(true);
      const t = setTimeout(() => done(false), timeoutMs);
      this.#upWaiters.add(onUp);
    });
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const conn = this.#conn;
    this.#conn = null;
    if (conn && !conn.closed) await conn.exit({ timeoutMs: 500 }).catch(() => conn.close());
    this.#set('down', null);
  }

  /** `api <cmd>` on the live connection; CV_ERR_ESL_CLOSED at once when the link is down. */
  async api(cmd: string, timeoutMs = this.#options.commandTimeoutMs): Promise<string> {
    const conn = this.#conn;
    if (!conn || conn.closed) throw new CallvaultError('CV_ERR_ESL_CLOSED', [], { hint: 'the inbound Event Socket link is down; callvault is reconnecting' });
    try {
      return await conn.api(cmd, { timeoutMs });
    } catch (err) {
      // Replies come strictly in order: after one is late, every later command waits behind it.
      // A fresh connection answers at once; this one would make every payment pause fail.
      if (isCallvaultError(err, 'CV_ERR_ESL_TIMEOUT')) {
        this.#log.warn({ err }, 'esl: inbound command timed out; dropping the connection to reconnect');
        conn.close();
      }
      throw err;
    }
  }

  #set(state: LinkStatus['state'], lastError: string | null): void {
    this.#status = { state, since: Date.now(), reconnects: this.#status.reconnects, lastError: lastError ?? this.#status.lastError };
  }

  async #attempt(): Promise<void> {
    if (this.#stopped) return;
    this.#set('connecting', null);
    const o = this.#options;
    let conn: EslConnection;
    try {
      conn = await EslConnection.connect({ host: o.host, port: o.port, password: o.password, commandTimeoutMs: o.commandTimeoutMs, logger: o.logger ?? silentLogger });
      await conn.subscribe('plain', o.events);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      this.#set('down', reason);
      if (this.#backoffMs === (o.minBackoffMs ?? 200)) this.#log.warn({ err }, 'esl: inbound connection failed; retrying with backoff');
      this.#schedule();
      return;
    }
    if (this.#stopped) { conn.close(); return; }
    this.#conn = conn;
    this.#backoffMs = o.minBackoffMs ?? 200;
    if (this.#everUp) this.#status.reconnects++;
    this.#everUp = true;
    this.#set('up', null);
    conn.on('event', (ev) => {
      try { this.emit('event', ev); } catch (err) { this.#log.error({ err }, 'esl: inbound event handler failed'); }
    });
    conn.once('close', (reason) => {
      if (this.#conn === conn) this.#conn = null;
      if (this.#stopped) return;
      const why = reason?.message ?? 'closed';
      this.#set('down', why);
      this.#log.warn({ reason: reason?.code ?? 'exit' }, 'esl: inbound connection lost; reconnecting');
      this.emit('down', why);
      this.#schedule();
    });
    this.#log.info('esl: inbound connection up');
    for (const w of [...this.#upWaiters]) w();
    this.emit('up');
  }

  #schedule(): void {
    if (this.#stopped) return;
    const delay = this.#backoffMs;
    this.#backoffMs = Math.min(this.#backoffMs * 2, this.#options.maxBackoffMs ?? 5_000);
    this.#timer = setTimeout(() => { this.#timer = null; void this.#attempt(); }, delay);
    this.#timer.unref();
  }
}
