/**
 * Dead air with a frozen daemon, on the real sandbox Asterisk: a real
 * `callvault run` is stopped (SIGSTOP) just before the payment-enter request.
 * Asterisk's AGI waits forever once connected, so only the watchdog killing
 * the daemon ends the wait; then the payment must fail closed (recording
 * stopped before any card audio) and the call go on. The dead air is
 * reported, not asserted as a target: bench/frozen-daemon.ts gives the
 * spread. Fails (never skips) without the sandbox.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { ensureSandbox, Caller } from './support/call-harness.js';
import { dialplanWatcher, frozenDaemonCall, TALK_S } from './support/frozen-daemon.js';
import { readWav } from '../support/goertzel.js';
import { assertNoCardAudio } from './support/asterisk-payment-audio.js';
import type { AmiClient } from '../../src/pbx/asterisk/ami-client.js';

const caller = new Caller();
let watcher: AmiClient;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

before(async () => {
  ensureSandbox();
  await caller.start();
  watcher = await dialplanWatcher();
});
after(async () => {
  await watcher.stop();
  await caller.stop();
});

test('daemon frozen before payment-enter: the watchdog kills it, the payment fails closed, the call goes on', async (t) => {
  const call = await frozenDaemonCall(caller, watcher, await freePort());
  const r = call.result;
  assert.deepEqual(r.phases, ['consent', 'talk', 'payment', 'talk2', 'done'], 'the call ran to its end');
  assert.equal(r.vars.CALLVAULT_DECISION, 'record', 'recorded before the freeze');
  assert.equal(call.daemonEnd, 'SIGKILL', 'the watchdog killed the frozen daemon (the test only sent SIGSTOP)');
  assert.equal(r.vars.CALLVAULT_PAUSE, 'stopped', 'the dialplan stopped the recording itself');
  assert.notEqual(call.deadAirMs, null, 'the AGI and the priority after it were both seen');
  t.diagnostic(`dead air from the payment-enter request to the dialplan going on: ${call.deadAirMs!.toFixed(0)} ms (watchdog ops.watchdogMs default, stopped ${TALK_S * 1000 - 300} ms into the talk)`);
  // A functional bound, not a target: far below a caller giving up, far above the watchdog.
  assert.ok(call.deadAirMs! < 10_000, `dead air ${call.deadAirMs} ms`);
  const pcm = readWav(call.wav);
  // Stopped at the payment: the file holds the talk and the dead air (the
  // recording runs on while the dialplan waits for the frozen daemon), and
  // ends before the card audio could start.
  const seconds = pcm.samples.length / pcm.rate;
  const limit = TALK_S + call.deadAirMs! / 1000 + 0.5;
  assert.ok(seconds < limit, `the recording stopped at the payment (${seconds.toFixed(2)} s long, at most ${limit.toFixed(2)} s)`);
  assertNoCardAudio(pcm, 'frozen daemon', 50);
});
