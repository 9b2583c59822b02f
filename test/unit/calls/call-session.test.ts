import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CallRegistry } from '../../../src/calls/call-registry.js';
import { TRANSITIONS, canTransition } from '../../../src/calls/call-state.js';
import { FakeDialogue, FakeControl, makeDeps, callInfo } from '../../support/fake-call.js';
import type { CallerInput } from '../../../src/policy/consent.js';

const LINES = `
  always: { mode: sampled, rate: 1, objectionKey: '9', infoKey: '0' }
  nobody: { mode: sampled, rate: 0, announce: when-recording }
  regulated: { mode: mandatory }
  optin: { mode: consent, acceptKey: '1' }
  off: { mode: never }`;

const rows: Array<{ name: string; line: string; inputs: CallerInput[]; decision: string; consent: string; asked: number; recorded: boolean }> = [
  { name: 'caller objects', line: 'always', inputs: [{ kind: 'key', key: '9' }], decision: 'skip', consent: 'objected', asked: 1, recorded: false },
  { name: 'caller silent on a sampled line', line: 'always', inputs: [{ kind: 'timeout' }], decision: 'record', consent: 'no-objection', asked: 1, recorded: true },
  { name: 'not sampled, announce when-recording: silence', line: 'nobody', inputs: [], decision: 'skip', consent: 'not-asked', asked: 0, recorded: false },
  { name: 'information key then silence', line: 'always', inputs: [{ kind: 'key', key: '0' }, { kind: 'timeout' }], decision: 'record', consent: 'no-objection', asked: 2, recorded: true },
  { name: 'information key then objection', line: 'always', inputs: [{ kind: 'key', key: '0' }, { kind: 'key', key: '9' }], decision: 'skip', consent: 'objected', asked: 2, recorded: false },
  { name: 'mandatory line', line: 'regulated', inputs: [{ kind: 'key', key: '9' }], decision: 'record', consent: 'informed', asked: 1, recorded: true },
  { name: 'consent accepted', line: 'optin', inputs: [{ kind: 'key', key: '1' }], decision: 'record', consent: 'accepted', asked: 1, recorded: true },
  { name: 'consent not given', line: 'optin', inputs: [{ kind: 'timeout' }], decision: 'skip', consent: 'declined', asked: 1, recorded: false },
  { name: 'never line', line: 'off', inputs: [], decision: 'skip', consent: 'not-asked', asked: 0, recorded: false },
  { name: 'unknown line is not recorded', line: 'typo', inputs: [], decision: 'skip', consent: 'not-asked', asked: 0, recorded: false },
  { name: 'caller hangs up during the notice', line: 'regulated', inputs: [{ kind: 'hangup' }], decision: 'skip', consent: 'caller-hung-up', asked: 1, recorded: false },
];

for (const row of rows) {
  test(`dialogue: ${row.name}`, async () => {
    const deps = makeDeps(LINES, new FakeControl());
    const reg = new CallRegistry(deps);
    const ch = new FakeDialogue(callInfo(row.line), [...row.inputs], deps.recordingsDir);
    await reg.consent(ch);
    assert.equal(ch.outcome.CALLVAULT_DECISION, row.decision);
    assert.equal(ch.outcome.CALLVAULT_CONSENT, row.consent);
    assert.equal(ch.asked.length, row.asked);
    assert.equal(ch.started.length, row.recorded ? 1 : 0);
    assert.equal(ch.outcome.CALLVAULT_RECORDING_ID !== undefined, row.recorded);
  });
}

test('a recording that cannot start leaves the call unrecorded, not blocked', async () => {
  const deps = makeDeps(LINES, new FakeControl());
  const reg = new CallRegistry(deps);
  const ch = new FakeDialogue(callInfo('regulated'), [], deps.recordingsDir, true);
  await reg.consent(ch);
  assert.equal(ch.outcome.CALLVAULT_DECISION, 'skip');
  assert.equal(ch.outcome.CALLVAULT_REASON, 'start-failed');
});

async function recordedCall(mode: 'ok' | 'reject' | 'hang') {
  const control = new FakeControl(mode);
  const deps = makeDeps(LINES, control);
  const reg = new CallRegistry(deps);
  const info = callInfo('regulated');
  const ch = new FakeDialogue(info, [], deps.recordingsDir);
  await reg.consent(ch);
  const req = { pbx: 'asterisk' as const, callId: info.callId, channel: info.channel, recordingId: ch.outcome.CALLVAULT_RECORDING_ID ?? null };
  return { control, deps, reg, info, ch, req };
}

test('payment: a confirmed mute pauses, exit resumes, and the interval is kept', async () => {
  const { deps, reg, req, info, ch } = await recordedCall('ok');
  deps.clock.t += 10_000;
  assert.equal(await reg.paymentEnter(req), 'confirmed');
  deps.clock.t += 30_000;
  assert.equal(await reg.paymentExit(req), 'resumed');
  deps.clock.t += 5_000;
  assert.deepEqual(reg.get(info.callId)?.pauses, [{ startOffsetMs: 10_000, endOffsetMs: 40_000, outcome: 'muted' }]);
  reg.handle({ type: 'hangup', callId: info.callId });
  reg.handle({ type: 'recording-finished', callId: info.callId, recordingId: req.recordingId! });
  await reg.drain();
  const spool = deps.config.storage.spool;
  const meta = JSON.parse(readFileSync(join(spool, `${req.recordingId}.json`), 'utf8'));
  assert.equal(meta.recordingId, ch.outcome.CALLVAULT_RECORDING_ID);
  assert.equal(meta.line, 'regulated');
  assert.equal(meta.purpose, 'regulatory');
  assert.deepEqual(meta.pauses, [{ startOffsetMs: 10_000, endOffsetMs: 40_000, outcome: 'muted' }]);
  assert.deepEqual(readdirSync(spool).sort(), [`${req.recordingId}.json`, `${req.recordingId}.wav`]);
  assert.equal(reg.size, 0);
});

for (const mode of ['reject', 'hang'] as const) {
  test(`payment fails closed when the mute is ${mode === 'reject' ? 'refused' : 'never confirmed'}`, async () => {
    const { control, reg, req, info } = await recordedCall(mode);
    assert.equal(await reg.paymentEnter(req), 'failed');
    assert.ok(control.calls.includes('stop'), 'the session asked the PBX to stop the recording');
    assert.equal(reg.get(info.callId)?.state.kind, 'stopped-closed');
    assert.equal(await reg.paymentExit(req), 'stays-stopped');
    assert.equal(await reg.paymentEnter(req), 'failed', 'a second payment on a stopped recording still fails closed');
  });
}

test('payment: an unmute that fails leaves the pause open as muted-to-end, and a later unmute that works makes it a plain pause again', async () => {
  const { control, deps, reg, req, info } = await recordedCall('ok');
  deps.clock.t += 10_000;
  assert.equal(await reg.paymentEnter(req), 'confirmed');
  control.mode = 'reject';
  deps.clock.t += 5_000;
  assert.equal(await reg.paymentExit(req), 'failed');
  assert.deepEqual(reg.get(info.callId)?.pauses, [{ startOffsetMs: 10_000, endOffsetMs: null, outcome: 'muted-to-end' }], 'the metadata says the silence runs to the end');
  control.mode = 'ok';
  deps.clock.t += 5_000;
  assert.equal(await reg.paymentExit(req), 'resumed');
  assert.deepEqual(reg.get(info.callId)?.pauses, [{ startOffsetMs: 10_000, endOffsetMs: 20_000, outcome: 'muted' }]);
});

test('after a daemon restart a payment request with a recording id adopts the call and still pauses', async () => {
  const control = new FakeControl('ok');
  const deps = makeDeps(LINES, control);
  const reg = new CallRegistry(deps);
  const req = { pbx: 'asterisk' as const, callId: '1764000000.999', channel: 'Local/a;2', recordingId: '20261128T100000Z-0badf00d' };
  assert.equal(await reg.paymentEnter(req), 'confirmed');
  assert.deepEqual(control.calls, ['mute']);
  assert.equal(await reg.paymentEnter({ ...req, callId: 'x', recordingId: null }), 'not-recording');
  assert.equal(await reg.paymentEnter({ ...req, callId: 'y', recordingId: '../../etc/passwd' }), 'not-recording');
});

test('the transition table: every target reached by some event is a known state, and illegal moves are refused', () => {
  const kinds = Object.keys(TRANSITIONS);
  for (const [from, events] of Object.entries(TRANSITIONS)) {
    for (const targets of Object.values(events)) for (const t of targets ?? []) assert.ok(kinds.includes(t), `${from} -> ${t}`);
  }
  assert.equal(canTransition('paused', 'hangup', 'ended'), true);
  assert.equal(canTransition('stopped-closed', 'resume', 'recording'), false);
  assert.equal(canTransition('handed-off', 'start', 'starting'), false);
});

test('alignWavChannels: a mono header over interleaved stereo (MixMonitor D) becomes a stereo header; data untouched', async () => {
  const { alignWavChannels } = await import('../../../src/calls/spool-handoff.js');
  const { writeFileSync, readFileSync, mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'cv-wav-'));
  const path = join(dir, 'x.wav');
  const data = Buffer.from([1, 0, 2, 0, 3, 0, 4, 0]);
  const head = Buffer.alloc(44);
  head.write('RIFF', 0, 'latin1'); head.writeUInt32LE(36 + data.length, 4); head.write('WAVEfmt ', 8, 'latin1');
  head.writeUInt32LE(16, 16); head.writeUInt16LE(1, 20); head.writeUInt16LE(1, 22); head.writeUInt32LE(8000, 24);
  head.writeUInt32LE(16000, 28); head.writeUInt16LE(2, 32); head.writeUInt16LE(16, 34); head.write('data', 36, 'latin1'); head.writeUInt32LE(data.length, 40);
  writeFileSync(path, Buffer.concat([head, data]));
  await alignWavChannels(path, 2);
  const out = readFileSync(path);
  assert.deepEqual([out.readUInt16LE(22), out.readUInt32LE(24), out.readUInt32LE(28), out.readUInt16LE(32)], [2, 8000, 32000, 4]);
  assert.deepEqual(out.subarray(44), data);
  await alignWavChannels(path, 2);
  assert.deepEqual(readFileSync(path), out, 'idempotent');
  // A stereo header is taken as it is (FreeSWITCH with RECORD_STEREO set by the integrator's dialplan).
  assert.equal(await alignWavChannels(path, 1), 2);
  assert.deepEqual(readFileSync(path), out, 'nothing rewritten');
});
