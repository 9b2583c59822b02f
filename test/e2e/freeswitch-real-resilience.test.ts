/**
 * Faults on the real FreeSWITCH: the daemon down before a call, killed or
 * frozen during one (the payment fails closed in the dialplan, and a frozen
 * daemon is killed by its watchdog instead of holding the caller 25 s),
 * restarted mid-call (the new one adopts the recording and masks the
 * payment), and FreeSWITCH itself restarted.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { readWav } from '../support/goertzel.js';
import { CARD_HZ, channelOf, toneWindows } from '../support/payment-audio.js';
import { ChildDaemon } from './support/call-harness.js';
import { FsDaemon, repo, sleep } from './support/freeswitch-harness.js';
import { RealFreeSwitch, sandbox, writeRealFsStack, waitFor, waitForSpool, startAttached, type FsSandbox, type RealCall } from './support/freeswitch-real.js';
import type { EslEvent } from '../../src/pbx/freeswitch/esl-event.js';

const LINES = `
  regulated: { mode: mandatory, digitTimeoutMs: 1000 }`;

let sb: FsSandbox;
let fs: RealFreeSwitch;

before(async () => {
  sb = sandbox();
  fs = await RealFreeSwitch.connect(sb);
});
after(async () => {
  await fs?.close();
});

const micros = (ev: EslEvent): number => Number(ev.get('Event-Date-Timestamp'));
const execOf = (r: RealCall, app: string, part = '') => r.events.filter((e) => e.name === 'CHANNEL_EXECUTE' && e.get('Application') === app && (e.get('Application-Data') ?? '').includes(part));

/** No card audio in any channel of the file, in 10 ms windows. */
function assertNoCardAudio(path: string): void {
  const pcm = readWav(path);
  for (let c = 0; c < pcm.channels; c++) assert.deepEqual(toneWindows(channelOf(pcm, c), pcm.rate, CARD_HZ).map((w) => w.atMs), [], `card audio in ${path}`);
}

/** The payment failed closed in the dialplan: recording stopped before the card IVR ran, announced, never restarted. */
function assertFailedClosed(r: RealCall): void {
  assert.equal(r.vars.CALLVAULT_PAUSE, 'stopped', 'the dialplan stopped the recording itself');
  const stop = r.events.find((e) => e.name === 'RECORD_STOP');
  const ivr = execOf(r, 'play_and_get_digits', 'demo_card_digits')[0];
  assert.ok(stop && ivr, 'the recording stopped and the payment IVR ran');
  assert.ok(micros(stop) <= micros(ivr), 'stopped before the payment IVR');
  assert.equal(r.events.filter((e) => e.name === 'RECORD_START').length, 1, 'nothing restarted the recording');
  assert.ok(r.events.some((e) => e.name === 'CUSTOM' && e.get('Event-Subclass') === 'callvault::fail_closed'), 'the dialplan announced the fail-closed stop');
  assert.ok(execOf(r, 'hangup').length === 1, 'the call ran to its end');
}

test('real freeswitch: daemon down before the call: the call runs to its end, unrecorded', async () => {
  const r = await fs.call('sip', 'regulated', { headers: { Socket: '127.0.0.1:9' } });
  assert.equal(r.vars.CALLVAULT_DECISION, 'skip');
  assert.equal(r.vars.CALLVAULT_CONSENT, 'error');
  assert.equal(r.events.filter((e) => e.name === 'RECORD_START').length, 0);
  assert.ok(execOf(r, 'hangup').length === 1, 'the call ran to its end');
  assert.equal(r.vars.CALLVAULT_PAUSE, undefined, 'the payment steps skipped the daemon: nothing to pause');
});

test('real freeswitch: daemon killed during the call: the payment fails closed, and the next start archives the orphan', async () => {
  const stack = writeRealFsStack(sb, LINES);
  const first = new ChildDaemon(stack, 0);
  await first.start();
  const r = await fs.call('sip', 'regulated', { atTalk: () => first.kill('SIGKILL') });
  assertFailedClosed(r);
  const id = r.vars.CALLVAULT_RECORDING_ID!;
  const second = new ChildDaemon(stack, 0);
  await second.start();
  try {
    const meta = await waitForSpool(stack, id);
    assert.equal(meta.line, 'regulated', 'the journal kept the line');
    // The daemon was dead when the dialplan failed closed: its db note says so.
    assert.deepEqual((meta.pauses as Array<{ outcome: string }>).map((p) => p.outcome), ['stopped']);
    assertNoCardAudio(join(stack.spool, `${id}.wav`));
  } finally {
    await second.kill('SIGTERM');
  }
});

test('real freeswitch: daemon frozen (SIGSTOP) at the payment: its watchdog kills it, the payment fails closed', async (t) => {
  const stack = writeRealFsStack(sb, LINES);
  const d = new ChildDaemon(stack, 0);
  await d.start();
  let frozen = false;
  try {
    // Freeze the daemon just before the dialplan asks it to pause (the talk
    // lasts 1.5 s): the payment socket connects to a daemon that cannot answer.
    const r = await fs.call('loopback', 'regulated', {
      atTalk: async () => {
        await sleep(1_300);
        d.child!.kill('SIGSTOP');
        frozen = true;
      },
    });
    assert.ok(frozen);
    assertFailedClosed(r);
    const socket = execOf(r, 'socket').at(-1)!;
    const check = execOf(r, 'execute_extension', 'callvault-payment-check')[0]!;
    const deadAirMs = (micros(check) - micros(socket)) / 1000;
    t.diagnostic(`dead air with a frozen daemon (FreeSWITCH): ${deadAirMs.toFixed(0)} ms`);
    // Without the watchdog mod_event_socket waits 25 s for the first command.
    assert.ok(deadAirMs < 10_000, `the caller waited ${deadAirMs} ms`);
    await waitFor('the watchdog to kill the daemon', () => d.child!.exitCode !== null || d.child!.signalCode !== null, 5_000);
    assert.equal(d.child!.signalCode, 'SIGKILL');
  } finally {
    await d.kill('SIGKILL');
  }
});

test('real freeswitch: daemon restarted during the call: the new one adopts the recording and masks the payment', async () => {
  const stack = writeRealFsStack(sb, LINES);
  let daemon = new FsDaemon(stack);
  await startAttached(daemon);
  try {
    const r = await fs.call('sip', 'regulated', {
      atTalk: async () => {
        await daemon.stop();
        daemon = new FsDaemon(stack);
        await startAttached(daemon);
      },
    });
    assert.equal(r.vars.CALLVAULT_PAUSE, 'off', 'the new daemon confirmed the mask and lifted it');
    const id = r.vars.CALLVAULT_RECORDING_ID!;
    const meta = await waitForSpool(stack, id);
    assert.deepEqual((meta.pauses as Array<{ outcome: string }>).map((p) => p.outcome), ['muted']);
    assertNoCardAudio(join(stack.spool, `${id}.wav`));
  } finally {
    await daemon.stop();
  }
});

test('real freeswitch restarted: the daemon reconnects and later calls are recorded', async () => {
  const stack = writeRealFsStack(sb, LINES);
  const daemon = new FsDaemon(stack);
  await startAttached(daemon);
  try {
    const before = daemon.adapter.link().reconnects;
    await fs.close();
    execFileSync(join(repo, 'scripts/freeswitch-sandbox'), ['restart'], { stdio: 'ignore' });
    fs = await RealFreeSwitch.connect(sb);
    await waitFor('the inbound link back up', () => daemon.adapter.link().state === 'up' && daemon.adapter.link().reconnects > before, 30_000);
    const r = await fs.call('sip', 'regulated');
    assert.equal(r.vars.CALLVAULT_DECISION, 'record');
    await waitForSpool(stack, r.vars.CALLVAULT_RECORDING_ID!);
    await sleep(5_500); // the status file is written every 5 s
    const status = JSON.parse(readFileSync(join(stack.storage, 'run', 'status.json'), 'utf8')) as { pbx: string; link: { state: string; reconnects: number } };
    assert.equal(status.pbx, 'freeswitch');
    assert.equal(status.link.state, 'up');
  } finally {
    await daemon.stop();
  }
});

