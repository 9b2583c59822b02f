/**
 * The call path end to end on FreeSWITCH: the real daemon (Daemon and the
 * adapter createAdapter builds from a freeswitch config) against the Event
 * Socket simulator, which runs dialplan/freeswitch/callvault.xml itself
 * (XML hunt, execute_extension, the socket application, uuid_record with a
 * mask that writes zeros). Mirrors test/e2e/call-path.test.ts and
 * call-resilience.test.ts for Asterisk.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { KeyedHasher } from '../../src/privacy/keyed-hash.js';
import { readWav } from '../support/goertzel.js';
import type { FakeFreeSwitch, SimChannel } from '../support/esl-server/index.js';
import { startFakeFreeSwitch, writeFsStack, FsDaemon, placeDemoCall, closedPort, sleep, type FsStack } from './support/freeswitch-harness.js';

const LINES = `
  always: { mode: sampled, rate: 1, objectionKey: '9', infoKey: '0', digitTimeoutMs: 1000 }
  half: { mode: sampled, rate: 0.5, announce: when-recording, digitTimeoutMs: 1000 }
  regulated: { mode: mandatory, infoKey: '0', digitTimeoutMs: 1000 }
  optin: { mode: consent, acceptKey: '1', digitTimeoutMs: 1000 }
  closed: { mode: never }`;

let fs: FakeFreeSwitch;
let stack: FsStack;
let daemon: FsDaemon;

before(async () => {
  fs = await startFakeFreeSwitch();
  stack = writeFsStack(LINES, fs.port);
  daemon = new FsDaemon(stack);
  await daemon.start();
  fs.globals.set('CALLVAULT_SOCKET', daemon.socket);
});
after(async () => {
  await daemon.stop();
  await fs.stop();
});

async function waitFor(what: string, ok: () => boolean, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > until) assert.fail(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

async function waitForSpool(recordingId: string): Promise<Record<string, unknown>> {
  const path = join(stack.spool, `${recordingId}.json`);
  await waitFor(`spool metadata for ${recordingId}`, () => existsSync(path));
  return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
}

/** No DTMF digit and none of the payment speech reached any file of this channel. */
function assertNoCardData(ch: SimChannel): void {
  for (const rec of ch.recordingHistory) {
    const captured = rec.captured;
    assert.deepEqual(captured.filter((c) => c.kind === 'dtmf'), [], 'no key pressed during the payment is in the recording');
    assert.ok(!captured.some((c) => c.kind === 'speech' && c.text.includes('card')), 'no card number spoken during the payment is in the recording');
  }
}

const table: Array<{ name: string; line: string; keys: string[]; decision: string; consent: string; recorded: boolean }> = [
  { name: 'caller objects with the key: no file', line: 'always', keys: ['9'], decision: 'skip', consent: 'objected', recorded: false },
  { name: 'mandatory line: recorded, the key does nothing', line: 'regulated', keys: ['9'], decision: 'record', consent: 'informed', recorded: true },
  { name: 'consent line with the accept key: recorded', line: 'optin', keys: ['1'], decision: 'record', consent: 'accepted', recorded: true },
  { name: 'consent line without the accept key: not recorded', line: 'optin', keys: [], decision: 'skip', consent: 'declined', recorded: false },
  { name: 'never line: no notice, not recorded', line: 'closed', keys: [], decision: 'skip', consent: 'not-asked', recorded: false },
  { name: 'information key, full notice, then objection', line: 'always', keys: ['0', '9'], decision: 'skip', consent: 'objected', recorded: false },
  { name: 'sampled line, silent caller: recorded (rate 1)', line: 'always', keys: [], decision: 'record', consent: 'no-objection', recorded: true },
];

for (const row of table) {
  test(`freeswitch call: ${row.name}`, async () => {
    const r = await placeDemoCall(fs, row.line, { consentKeys: row.keys });
    assert.equal(r.vars.CALLVAULT_DECISION, row.decision);
    assert.equal(r.vars.CALLVAULT_CONSENT, row.consent);
    assert.equal(r.channel.recordingHistory.length, row.recorded ? 1 : 0, 'uuid_record started exactly when the decision says so');
    if (row.recorded) {
      const id = r.vars.CALLVAULT_RECORDING_ID!;
      assert.match(id, /^\d{8}T\d{6}Z-[0-9a-f]{8}$/);
      assert.equal(r.channel.recordingHistory[0]!.path, join(stack.recordings, `${id}.wav`));
      assert.equal(r.vars.CALLVAULT_PAUSE, 'off', 'the payment pause was confirmed and lifted');
      await waitForSpool(id);
    } else {
      assert.equal(r.vars.CALLVAULT_RECORDING_ID, undefined);
    }
    assertNoCardData(r.channel);
  });
}

test('freeswitch call: the consent key ends the notice at once (barge-in)', async () => {
  const r = await placeDemoCall(fs, 'always', { consentKeys: ['9'] });
  const pagd = r.channel.appLog.find((a) => a.app === 'playback' && a.arg?.includes('notice-objection'));
  assert.ok(pagd && pagd.endedAt !== null);
  assert.ok(pagd.endedAt - pagd.startedAt < 300 + 1000, `the prompt ran ${pagd.endedAt - pagd.startedAt} ms: the key cut the prompt and the wait`);
  assert.equal(r.vars.CALLVAULT_CONSENT, 'objected');
});

test('freeswitch call: silent callers on a 50% line are recorded exactly when the keyed draw says so', async () => {
  const hasher = KeyedHasher.fromFile(stack.hashKey);
  const calls = await Promise.all(Array.from({ length: 10 }, () => placeDemoCall(fs, 'half', {})));
  for (const r of calls) {
    const expected = hasher.unit('sampling', r.channel.callUuid) < 0.5;
    assert.equal(r.channel.recordingHistory.length > 0, expected, `call ${r.channel.uuid}: draw ${hasher.unit('sampling', r.channel.callUuid)}`);
    assert.equal(r.vars.CALLVAULT_DECISION, expected ? 'record' : 'skip');
  }
});

test('freeswitch payment: masked, not cut; the keys pressed while masked are not in the recording; WAV and JSON in the spool', async () => {
  const r = await placeDemoCall(fs, 'regulated', { cardDigits: '411111111111' });
  const id = r.vars.CALLVAULT_RECORDING_ID!;
  assert.equal(r.vars.CALLVAULT_PAUSE, 'off');
  assert.equal(r.vars.sensitive_dtmf, undefined, 'sensitive_dtmf lifted after the payment');
  const rec = r.channel.recordingHistory[0]!;
  assert.deepEqual(rec.segments.map((s) => s.kind), ['audio', 'silence', 'audio']);
  assert.ok(rec.segments[1]!.suppressed >= 14, 'the 12 digits, # and the spoken number reached the mask, not the file');
  assertNoCardData(r.channel);
  assert.ok(rec.captured.some((c) => c.kind === 'speech' && c.text.includes('after the payment')), 'the recording resumed after the payment');
  // No DTMF event left FreeSWITCH for the card digits (sensitive_dtmf): only the consent digits could have.
  const dtmf = fs.events.filter((e) => e.name === 'DTMF' && e.uuid === r.channel.uuid);
  assert.equal(dtmf.length, 0, 'no DTMF event for the card digits');

  const meta = await waitForSpool(id);
  assert.equal(meta.purpose, 'regulatory');
  assert.equal(meta.pbx, 'freeswitch');
  const pauses = meta.pauses as Array<{ startOffsetMs: number; endOffsetMs: number; outcome: string }>;
  assert.equal(pauses.length, 1);
  assert.equal(pauses[0]!.outcome, 'muted');
  assert.ok(existsSync(join(stack.spool, `${id}.wav`)));
  assert.ok(!existsSync(join(stack.recordings, `${id}.wav`)), 'moved out of the directory FreeSWITCH wrote to');
  // The file: tone before and after, zeros over the masked span, and the timeline kept.
  const pcm = readWav(join(stack.spool, `${id}.wav`));
  const seg = rec.segments;
  const at = (t: number) => Math.round(((t - seg[0]!.from) * pcm.rate) / 1000);
  const masked = pcm.samples.subarray(at(seg[1]!.from) + 8, at(seg[1]!.to!) - 8);
  assert.ok(masked.length > pcm.rate * 0.1, 'the masked span is in the file');
  assert.ok(masked.every((s) => s === 0), 'the masked span is silence');
  const before = pcm.samples.subarray(0, at(seg[1]!.from));
  assert.ok(before.some((s) => Math.abs(s) > 1000), 'audio before the payment');
  assert.equal(pcm.samples.length, at(rec.stoppedAt!), 'the file lasts as long as the call: masked, not cut');
});

const failClosed: Array<{ name: string; fault: (fs: FakeFreeSwitch) => () => void }> = [
  { name: 'uuid_record mask answers -ERR', fault: (f) => { f.faults.refuseMask = true; return () => { f.faults.refuseMask = false; }; } },
  {
    name: 'uuid_record mask gets no reply (FreeSWITCH stalls)',
    fault: (f) => { f.faults.stallOn = (line) => line.startsWith('api uuid_record') && line.includes(' mask '); return () => { f.faults.stallOn = null; }; },
  },
  {
    name: 'the inbound Event Socket is down during the call',
    fault: (f) => {
      f.faults.rejectInbound = true;
      for (const l of [...f.listeners]) if (l.mode.kind === 'inbound') l.drop();
      return () => { f.faults.rejectInbound = false; };
    },
  },
];

for (const row of failClosed) {
  test(`freeswitch payment fails closed: ${row.name}`, async () => {
    let heal: () => void = () => undefined;
    const r = await placeDemoCall(fs, 'regulated', { atPayment: () => undefined, atTalk: () => { heal = row.fault(fs); } });
    heal();
    assert.equal(r.vars.CALLVAULT_PAUSE, 'stopped', 'the dialplan stopped the recording itself');
    const rec = r.channel.recordingHistory[0]!;
    assert.deepEqual(rec.segments.map((s) => s.kind), ['audio'], 'never masked: stopped');
    assert.ok(rec.stoppedAt !== null && rec.stoppedAt <= r.channel.appLog.find((a) => a.arg?.includes('demo_card_digits'))!.startedAt, 'stopped before the payment IVR ran');
    assertNoCardData(r.channel);
    assert.ok(!rec.captured.some((c) => c.kind === 'speech' && c.text.includes('after the payment')), 'nothing restarted the recording');
    const failEvent = fs.events.find((e) => e.name === 'CUSTOM' && e.get('Event-Subclass') === 'callvault::fail_closed' && e.uuid === r.channel.uuid);
    assert.ok(failEvent, 'the dialplan announced the fail-closed stop');
    // The part recorded before the payment is still archived, marked stopped.
    const meta = await waitForSpool(r.vars.CALLVAULT_RECORDING_ID!);
    const pauses = meta.pauses as Array<{ outcome: string }>;
    assert.equal(pauses.at(-1)?.outcome, 'stopped');
    await waitFor('the inbound link back up', () => daemon.adapter.link().state === 'up');
  });
}

test('freeswitch: daemon down before the call: the call runs to its end, unrecorded', async () => {
  const port = await closedPort();
  const r = await placeDemoCall(fs, 'regulated', {}, { CALLVAULT_SOCKET: `127.0.0.1:${port}` });
  assert.equal(r.vars.CALLVAULT_DECISION, 'skip');
  assert.equal(r.vars.CALLVAULT_CONSENT, 'error');
  assert.equal(r.channel.recordingHistory.length, 0);
  assert.ok(r.channel.appLog.some((a) => a.app === 'playback' && a.arg === 'silence_stream://1500' && a.endedAt !== null && a.startedAt > r.channel.appLog.find((b) => b.arg?.includes('demo_card_digits'))!.startedAt), 'the call reached its end');
  assert.equal(r.vars.CALLVAULT_PAUSE, undefined, 'payment steps skipped the daemon: nothing to pause');
});

test('freeswitch: an outbound socket without async full is refused, and the call goes on unrecorded', async () => {
  const { channel, done } = fs.runDialplan({ callerNumber: '+33600000000', destination: 'x', context: 'none' });
  await done;
  assert.equal(channel.hangupCause, 'NO_ROUTE_DESTINATION');
  const ch = fs.createChannel({ callerNumber: '+33600000001', destination: 'callvault-consent', variables: { CALLVAULT_LINE: 'regulated', CALLVAULT_ACTION: 'consent' } });
  ch.answer();
  await ch.execute('socket', `${daemon.socket} full`);
  assert.equal(ch.variables.get('CALLVAULT_DECISION'), undefined, 'nothing set on a static socket');
  assert.equal(ch.recordingHistory.length, 0);
  ch.hangup();
});

test('freeswitch: daemon restarted during the call: the new one adopts the recording (inventory) and masks the payment', async () => {
  const r = await placeDemoCall(fs, 'regulated', {
    atTalk: async () => {
      await daemon.stop();
      daemon = new FsDaemon(stack);
      await daemon.start();
      fs.globals.set('CALLVAULT_SOCKET', daemon.socket);
    },
  });
  assert.equal(r.vars.CALLVAULT_PAUSE, 'off', 'the new daemon confirmed the mask and lifted it');
  const rec = r.channel.recordingHistory[0]!;
  assert.deepEqual(rec.segments.map((x) => x.kind), ['audio', 'silence', 'audio']);
  assertNoCardData(r.channel);
  const meta = await waitForSpool(r.vars.CALLVAULT_RECORDING_ID!);
  assert.deepEqual((meta.pauses as Array<{ outcome: string }>).map((p) => p.outcome), ['muted']);
});

test('freeswitch restarted: the daemon reconnects and later calls are recorded', async () => {
  const reconnects = daemon.adapter.link().reconnects;
  await fs.restart(300);
  await waitFor('the inbound link back up', () => daemon.adapter.link().state === 'up' && daemon.adapter.link().reconnects > reconnects);
  const r = await placeDemoCall(fs, 'regulated', {});
  assert.equal(r.vars.CALLVAULT_DECISION, 'record');
  await waitForSpool(r.vars.CALLVAULT_RECORDING_ID!);
  const status = JSON.parse(readFileSync(join(stack.storage, 'run', 'status.json'), 'utf8')) as { pbx: string; link: { state: string } };
  assert.equal(status.pbx, 'freeswitch');
});

test('freeswitch: nothing is left where FreeSWITCH writes once calls are handed off', async () => {
  await sleep(200);
  const left = readdirSync(stack.recordings).filter((f) => f.endsWith('.wav'));
  assert.deepEqual(left, []);
});
