/**
 * Dead air when the daemon freezes just before a payment: N calls on the
 * sandbox PBX, each with a real `callvault run` stopped (SIGSTOP) shortly
 * before payment-enter, so that only its watchdog (ops.watchdogMs, default
 * 1.5 s) ends the caller's wait. Prints min / median / max in ms, measured on
 * the PBX's side (Asterisk: Newexten of the AGI, then of the next priority).
 * Figures, not a pass/fail: the e2e test (test/e2e/call-frozen-daemon.test.ts)
 * holds the rules.
 *
 *   node --import tsx bench/frozen-daemon.ts [--pbx asterisk|freeswitch] [--calls N]
 *
 * Exit codes: 0 done, 1 a call did not behave (daemon not killed, no dead air
 * seen), 2 usage or a PBX mode not implemented here.
 */
import { createServer } from 'node:net';
import { parseArgs } from 'node:util';
import { ensureSandbox, Caller } from '../test/e2e/support/call-harness.js';
import { dialplanWatcher, frozenDaemonCall } from '../test/e2e/support/frozen-daemon.js';

type Mode = (calls: number) => Promise<number[]>;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

const asterisk: Mode = async (calls) => {
  ensureSandbox();
  const caller = new Caller();
  await caller.start();
  const watcher = await dialplanWatcher();
  const out: number[] = [];
  try {
    for (let i = 0; i < calls; i++) {
      const call = await frozenDaemonCall(caller, watcher, await freePort());
      if (call.deadAirMs === null || call.daemonEnd !== 'SIGKILL' || call.result.vars.CALLVAULT_PAUSE !== 'stopped') {
        throw new Error(`call ${i + 1}: daemon ended by ${call.daemonEnd}, pause ${call.result.vars.CALLVAULT_PAUSE ?? 'unset'}, dead air ${call.deadAirMs ?? 'not seen'}`);
      }
      out.push(call.deadAirMs);
      process.stderr.write(`call ${i + 1}/${calls}: ${call.deadAirMs.toFixed(0)} ms\n`);
    }
  } finally {
    await watcher.stop();
    await caller.stop();
  }
  return out;
};

// A FreeSWITCH mode belongs here, with the same shape (test/e2e/support/freeswitch-real.ts has the caller).
const MODES: Record<string, Mode | null> = { asterisk, freeswitch: null };

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { pbx: { type: 'string', default: 'asterisk' }, calls: { type: 'string', default: '5' } } });
  const calls = Number(values.calls);
  if (!(values.pbx! in MODES) || !Number.isInteger(calls) || calls < 1) {
    process.stderr.write('frozen-daemon: error: usage: bench/frozen-daemon.ts [--pbx asterisk|freeswitch] [--calls N]\n');
    return 2;
  }
  const mode = MODES[values.pbx!];
  if (mode === null || mode === undefined) {
    process.stderr.write(`frozen-daemon: error: --pbx ${values.pbx}: not implemented here\n`);
    return 2;
  }
  let figures: number[];
  try {
    figures = (await mode(calls)).sort((a, b) => a - b);
  } catch (err) {
    process.stderr.write(`frozen-daemon: error: ${(err as Error).message}\n`);
    return 1;
  }
  const mid = figures.length >> 1;
  const median = figures.length % 2 ? figures[mid]! : (figures[mid - 1]! + figures[mid]!) / 2;
  process.stdout.write(`frozen daemon before payment-enter, ${values.pbx}, ${calls} calls: dead air min ${figures[0]!.toFixed(0)} ms, median ${median.toFixed(0)} ms, max ${figures.at(-1)!.toFixed(0)} ms\n`);
  return 0;
}

process.exitCode = await main();
process.exit();
