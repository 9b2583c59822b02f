/**
 * One call on the sandbox Asterisk whose daemon (a real `callvault run`)
 * freezes just before the payment: SIGSTOP shortly before the dialplan's
 * payment-enter AGI, so the request lands on a process that cannot answer
 * and only the daemon's watchdog (ops.watchdogMs) can end the wait by
 * killing it. Shared by test/e2e/call-frozen-daemon.test.ts (the rules) and
 * bench/frozen-daemon.ts (the figures).
 *
 * Dead air is measured on Asterisk's side: Newexten events (class dialplan,
 * so the `read = all` manager user) say when the channel entered the AGI
 * application of callvault-payment-enter and when it went on to the next
 * priority. The manager does not stamp events here (no timestampevents), so
 * the times are when they reached this process over loopback.
 */
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { AmiClient } from '../../../src/pbx/asterisk/ami-client.js';
import { silentLogger } from '../../../src/log/logger.js';
import { ChildDaemon, sandboxEnv, sleep, writeStack, type CallResult, type Caller, type StackFiles } from './call-harness.js';

export const TALK_S = 2;
/** How long before the payment-enter request the daemon is stopped: inside the watchdog's 1.5 s, so the kill lands after the request. */
export const FREEZE_LEAD_MS = 300;

export interface FrozenCall {
  result: CallResult;
  files: StackFiles;
  /** From the dialplan entering AGI(payment-enter) to its next priority (ms); null if either was not seen. */
  deadAirMs: number | null;
  /** How the daemon ended: 'SIGKILL' when the watchdog killed it. */
  daemonEnd: string;
  /** The recording as Asterisk left it (the daemon was gone, nothing handed it off). */
  wav: string;
}

/** A manager connection that sees the dialplan (Newexten), as the read = all user. */
export async function dialplanWatcher(): Promise<AmiClient> {
  const env = sandboxEnv();
  const ami = new AmiClient({
    host: env.CALLVAULT_ASTERISK_AMI_HOST!, port: Number(env.CALLVAULT_ASTERISK_AMI_PORT), username: env.CALLVAULT_ASTERISK_AMI_USER_ALL!, secret: env.CALLVAULT_ASTERISK_AMI_SECRET_ALL!,
    logger: silentLogger, heartbeat: false,
  });
  ami.start();
  await ami.waitConnected(15_000);
  return ami;
}

export async function frozenDaemonCall(caller: Caller, watcher: AmiClient, port: number): Promise<FrozenCall> {
  const files = writeStack(`
  always: { mode: sampled, rate: 1 }`);
  const daemon = new ChildDaemon(files, port);
  await daemon.start();
  const child = daemon.child!;
  const ended = new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? `exit ${code}`)));
  let enteredAt: number | null = null;
  let wentOnAt: number | null = null;
  let agiChannel = '';
  const offExten = watcher.onEvent('Newexten', (e) => {
    const now = performance.timeOrigin + performance.now();
    if (enteredAt === null && e.fields.Application === 'AGI' && (e.fields.AppData ?? '').includes('/payment-enter')) {
      enteredAt = now;
      agiChannel = e.fields.Uniqueid ?? '';
    } else if (enteredAt !== null && wentOnAt === null && e.fields.Uniqueid === agiChannel) {
      wentOnAt = now;
    }
  });
  let freeze: NodeJS.Timeout | undefined;
  const offTalk = caller.ami.onEvent('UserEvent', (e) => {
    if (e.fields.UserEvent !== 'CallvaultTestPhase' || e.fields.Phase !== 'talk') return;
    freeze = setTimeout(() => { if (child.exitCode === null) child.kill('SIGSTOP'); }, TALK_S * 1000 - FREEZE_LEAD_MS);
  });
  try {
    const result = await caller.call('tones', 'always', port, { vars: { CALLVAULT_TEST_TALK: String(TALK_S), CALLVAULT_TEST_PAYMENT: '2' } });
    const daemonEnd = await Promise.race([ended, sleep(10_000).then(() => 'still running')]);
    const id = result.vars.CALLVAULT_RECORDING_ID ?? '';
    const wav = join(files.recordings, `${id}.wav`);
    // MixMonitor touches <id>.done once the file is closed.
    for (const until = Date.now() + 10_000; id !== '' && !existsSync(join(files.recordings, `${id}.done`)) && Date.now() < until;) await sleep(100);
    return { result, files, deadAirMs: enteredAt !== null && wentOnAt !== null ? wentOnAt - enteredAt : null, daemonEnd, wav };
  } finally {
    clearTimeout(freeze);
    offTalk();
    offExten();
    // Whatever happened, no daemon outlives the call (a stopped one would hold the port).
    if (child.exitCode === null && child.signalCode === null) { child.kill('SIGKILL'); await ended; }
  }
}
