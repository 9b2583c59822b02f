/**
 * The call path on the real FreeSWITCH 1.10.12 of scripts/freeswitch-sandbox,
 * over a loopback leg and over a real SIP call with RTP and RFC 2833 keys:
 * the consent outcomes, the keyed sampling draw, and the payment checked in
 * the audio itself (10 ms windows: no card audio anywhere in the file; the
 * pause in the metadata where the silence is), mono and stereo.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { EslEvent } from '../../src/pbx/freeswitch/esl-event.js';
import { KeyedHasher } from '../../src/privacy/keyed-hash.js';
import { readWav, type Pcm } from '../support/goertzel.js';
import { CARD_HZ, channelOf, silentSpans, toneWindows } from '../support/payment-audio.js';
import { FsDaemon, repo, type FsStack } from './support/freeswitch-harness.js';
import { RealFreeSwitch, sandbox, writeRealFsStack, waitForSpool, startAttached, type FsSandbox, type Transport } from './support/freeswitch-real.js';

const LINES = `
  always: { mode: sampled, rate: 1, objectionKey: '9', infoKey: '0', digitTimeoutMs: 1500 }
  half: { mode: sampled, rate: 0.5, announce: when-recording, digitTimeoutMs: 1000 }
  regulated: { mode: mandatory, digitTimeoutMs: 1000 }
  optin: { mode: consent, acceptKey: '1', digitTimeoutMs: 1500 }
  closed: { mode: never }`;

let sb: FsSandbox;
let fs: RealFreeSwitch;
let stack: FsStack;
let daemon: FsDaemon;

before(async () => {
  sb = sandbox();
  fs = await RealFreeSwitch.connect(sb);
  stack = writeRealFsStack(sb, LINES);
  daemon = new FsDaemon(stack);
  await startAttached(daemon);
});
after(async () => {
  await daemon?.stop();
  await fs?.close();
});

const TRANSPORTS: Transport[] = ['loopback', 'sip'];

const table: Array<{ name: string; line: string; keys: string[]; decision: string; consent: string; recorded: boolean }> = [
  { name: 'caller objects with the key: no file', line: 'always', keys: ['9'], decision: 'skip', consent: 'objected', recorded: false },
  { name: 'mandatory line: recorded', line: 'regulated', keys: [], decision: 'record', consent: 'informed', recorded: true },
  { name: 'consent line with the accept key: recorded', line: 'optin', keys: ['1'], decision: 'record', consent: 'accepted', recorded: true },
  { name: 'consent line without the accept key: not recorded', line: 'optin', keys: [], decision: 'skip', consent: 'declined', recorded: false },
  { name: 'never line: not recorded', line: 'closed', keys: [], decision: 'skip', consent: 'not-asked', recorded: false },
  { name: 'information key, full notice, then objection', line: 'always', keys: ['0', '9'], decision: 'skip', consent: 'objected', recorded: false },
  { name: 'sampled line, silent caller: recorded (rate 1)', line: 'always', keys: [], decision: 'record', consent: 'no-objection', recorded: true },
];

/** Every check of a recorded call with a payment, made on the file FreeSWITCH wrote. */
function assertPaymentAudio(pcm: Pcm, pauses: Array<{ startOffsetMs: number; endOffsetMs: number | null; outcome: string }>, label: string): void {
  for (let c = 0; c < pcm.channels; c++) {
    const card = toneWindows(channelOf(pcm, c), pcm.rate, CARD_HZ);
    assert.deepEqual(card.map((w) => w.atMs), [], `${label}: card audio (1 kHz) in channel ${c + 1} of the recording, 10 ms windows at these offsets`);
  }
  const mixed = pcm.channels === 1 ? pcm.samples : channelOf(pcm, 0);
  assert.ok(toneWindows(mixed, pcm.rate, 440).length > 50, `${label}: the caller (440 Hz) is in the recording`);
  const spans = silentSpans(pcm);
  assert.equal(pauses.length, 1, `${label}: one pause in the metadata`);
  assert.equal(pauses[0]!.outcome, 'muted');
  assert.equal(spans.length, 1, `${label}: one muted span in the audio (${JSON.stringify(spans)})`);
  const [span] = spans;
  // The metadata must say where the card data is not: within 20 ms of the audio.
  assert.ok(Math.abs(span!.fromMs - pauses[0]!.startOffsetMs) <= 20, `${label}: pause starts at ${pauses[0]!.startOffsetMs} ms in the metadata, ${span!.fromMs} ms in the audio`);
  assert.ok(Math.abs(span!.toMs - pauses[0]!.endOffsetMs!) <= 20, `${label}: pause ends at ${pauses[0]!.endOffsetMs} ms in the metadata, ${span!.toMs} ms in the audio`);
}

/**
 * What the daemon ran on the channel before and after the first notice, as
 * FreeSWITCH reported it: one multiset (the offered keys as terminators, the
 * last terminator used cleared) right before the playback, nothing else
 * between the socket and the notice, and the terminators the channel had
 * when it opened the socket put back right after.
 */
function assertNoticeApps(events: readonly EslEvent[], label: string): void {
  const execs = events.filter((e) => e.name === 'CHANNEL_EXECUTE');
  const socket = execs.findIndex((e) => e.get('Application') === 'socket');
  const notice = execs.findIndex((e) => e.get('Application') === 'playback' && /\/notice-[a-z]+\.wav$/.test(e.get('Application-Data') ?? ''));
  assert.ok(socket >= 0 && notice > socket, `${label}: a notice played from the consent socket`);
  const between = execs.slice(socket + 1, notice).map((e) => [e.get('Application'), e.get('Application-Data') ?? '']);
  assert.equal(between.length, 1, `${label}: one application between the socket and the notice, not ${JSON.stringify(between)}`);
  const [app, data] = between[0]!;
  assert.equal(app, 'multiset', label);
  const m = /^playback_terminators=([0-9*#]+) playback_terminator_used=$/.exec(data!);
  assert.ok(m, `${label}: multiset sets the offered keys and clears the last terminator (${data})`);
  assert.equal(execs[notice]!.variable('playback_terminators'), m[1], `${label}: the notice plays with the offered keys as terminators`);
  const atSocket = execs[socket]!.variable('playback_terminators');
  const restore = execs[notice + 1];
  assert.ok(restore, `${label}: something ran after the notice`);
  const put = [restore.get('Application'), restore.get('Application-Data')];
  assert.deepEqual(put, atSocket === undefined ? ['unset', 'playback_terminators'] : ['set', `playback_terminators=${atSocket}`], `${label}: the channel's own terminators are put back`);
}

for (const transport of TRANSPORTS) {
  test(`real freeswitch over ${transport}: consent outcomes, all calls at once`, async () => {
    const results = await Promise.all(table.map((row) => fs.call(transport, row.line, { consentKeys: row.keys })));
    for (const [i, r] of results.entries()) {
      const row = table[i]!;
      assert.equal(r.vars.CALLVAULT_DECISION, row.decision, row.name);
      assert.equal(r.vars.CALLVAULT_CONSENT, row.consent, row.name);
      // The lines whose notice takes a key (a mandatory notice is a plain playback).
      if (row.line === 'always' || row.line === 'optin') assertNoticeApps(r.events, row.name);
      const started = r.events.filter((e) => e.name === 'RECORD_START');
      assert.equal(started.length, row.recorded ? 1 : 0, `${row.name}: uuid_record started exactly when the decision says so`);
      if (!row.recorded) { assert.equal(r.vars.CALLVAULT_RECORDING_ID, undefined, row.name); continue; }
      const id = r.vars.CALLVAULT_RECORDING_ID!;
      assert.equal(r.vars.CALLVAULT_PAUSE, 'off', `${row.name}: the payment pause was confirmed and lifted`);
      assert.equal(r.vars.sensitive_dtmf, undefined, `${row.name}: sensitive_dtmf lifted after the payment`);
      const meta = await waitForSpool(stack, id);
      assert.equal(meta.pbx, 'freeswitch');
      assert.ok(!existsSync(join(sb.recordings, `${id}.wav`)), 'moved out of the directory FreeSWITCH writes to');
      assertPaymentAudio(readWav(join(stack.spool, `${id}.wav`)), meta.pauses as never, `${transport} ${row.name}`);
    }
  });

  test(`real freeswitch over ${transport}: the keys pressed during the payment raise no DTMF event`, async () => {
    const r = await fs.call(transport, 'regulated', { cardDigits: '4111111111111111' });
    const pay = r.events.findIndex((e) => e.name === 'CHANNEL_EXECUTE' && (e.get('Application-Data') ?? '').includes('demo_card_digits'));
    assert.ok(pay > 0);
    const after = r.events.slice(pay).filter((e) => e.name === 'DTMF');
    assert.deepEqual(after, [], 'sensitive_dtmf: no DTMF event for the card keys');
    // The IVR got the keys all the same: the payment itself worked.
    const done = r.events.slice(pay).find((e) => e.name === 'CHANNEL_EXECUTE_COMPLETE' && e.get('Application') === 'play_and_get_digits');
    assert.equal(done?.variable('demo_card_digits')?.length, 16);
  });
}

test('real freeswitch: silent callers on a 50% line are recorded exactly when the keyed draw says so', async () => {
  const hasher = KeyedHasher.fromFile(stack.hashKey);
  const calls = await Promise.all(Array.from({ length: 8 }, (_, i) => fs.call(i % 2 === 0 ? 'loopback' : 'sip', 'half')));
  for (const r of calls) {
    const callUuid = r.events[0]!.get('Channel-Call-UUID')!;
    const expected = hasher.unit('sampling', callUuid) < 0.5;
    assert.equal(r.vars.CALLVAULT_DECISION, expected ? 'record' : 'skip', `call ${r.uuid}: draw ${hasher.unit('sampling', callUuid)}`);
  }
});

test('real freeswitch: CALLVAULT_SOCKET from vars.xml is the one in force (callvault.xml overrides nothing)', async () => {
  assert.notEqual(sb.socket, '127.0.0.1:8084', 'the sandbox sets another address than the example one');
  assert.equal((await fs.api('global_getvar CALLVAULT_SOCKET')).trim(), sb.socket);
  // And a call that names no socket of its own reaches the daemon listening there.
  const r = await fs.call('loopback', 'regulated');
  assert.equal(r.vars.CALLVAULT_DECISION, 'record');
});

test('real freeswitch: stereo, caller on the left and agent on the right, card audio on neither', async () => {
  const stereoStack = writeRealFsStack(sb, LINES, { outbound: '127.0.0.1:0', freeswitch: '    stereo: true' });
  const d = new FsDaemon(stereoStack);
  await startAttached(d);
  try {
    for (const transport of TRANSPORTS) {
      const r = await fs.call(transport, 'regulated', { headers: { Socket: d.socket } });
      const id = r.vars.CALLVAULT_RECORDING_ID!;
      const meta = await waitForSpool(stereoStack, id);
      assert.equal(meta.channels, 2);
      const pcm = readWav(join(stereoStack.spool, `${id}.wav`));
      assert.equal(pcm.channels, 2);
      assertPaymentAudio(pcm, meta.pauses as never, `stereo ${transport}`);
      const [left, right] = [channelOf(pcm, 0), channelOf(pcm, 1)];
      assert.ok(toneWindows(left, pcm.rate, 440).length > 50, 'the caller is on the left');
      assert.equal(toneWindows(left, pcm.rate, 600).length, 0, 'the agent is not on the left');
      assert.ok(toneWindows(right, pcm.rate, 600).length > 50, 'the agent is on the right');
      assert.equal(toneWindows(right, pcm.rate, 440).length, 0, 'the caller is not on the right');
    }
  } finally {
    await d.stop();
  }
});

test('real freeswitch: an integrator\'s RECORD_STEREO=true with a mono config is handed off as the stereo file it is', async () => {
  const r = await fs.call('loopback', 'regulated', { headers: { Stereo: 'true' } });
  const id = r.vars.CALLVAULT_RECORDING_ID!;
  const meta = await waitForSpool(stack, id);
  const pcm = readWav(join(stack.spool, `${id}.wav`));
  assert.equal(pcm.channels, 2, 'FreeSWITCH wrote stereo');
  assert.equal(meta.channels, 2, 'the metadata takes the channel count from the file');
  assertPaymentAudio(pcm, meta.pauses as never, 'integrator stereo');
});

/** How long a playback of `file` ran on the recorded leg (FreeSWITCH's own timestamps), and how it ended. */
function playbackOf(r: { events: import('../../src/pbx/freeswitch/esl-event.js').EslEvent[] }, file: string): { ms: number; response: string } {
  const start = r.events.find((e) => e.name === 'CHANNEL_EXECUTE' && e.get('Application') === 'playback' && (e.get('Application-Data') ?? '').endsWith(file));
  const done = r.events.find((e) => e.name === 'CHANNEL_EXECUTE_COMPLETE' && e.get('Application') === 'playback' && (e.get('Application-Data') ?? '').endsWith(file));
  assert.ok(start && done, `a playback of ${file}`);
  return { ms: (Number(done.get('Event-Date-Timestamp')) - Number(start.get('Event-Date-Timestamp'))) / 1000, response: done.get('Application-Response') ?? '' };
}

test('real freeswitch: a key that means nothing on a mandatory line does not cut its notice; the information key does', async () => {
  const notice = readWav(join(repo, 'prompts/en/notice-mandatory.wav'));
  const noticeMs = (notice.samples.length / notice.rate) * 1000;
  const ignored = await fs.call('sip', 'regulated', { consentKeys: ['9'] });
  const played = playbackOf(ignored, 'en/notice-mandatory.wav');
  assert.equal(played.response, 'FILE PLAYED');
  assert.ok(played.ms >= noticeMs - 100, `the notice (${noticeMs.toFixed(0)} ms) played ${played.ms.toFixed(0)} ms although 9 was pressed`);
  assert.equal(ignored.vars.CALLVAULT_DECISION, 'record');
  const info = await fs.call('sip', 'regulated', { consentKeys: ['0'] });
  const cut = playbackOf(info, 'en/notice-mandatory.wav');
  assert.ok(cut.ms < noticeMs - 200, `the information key cut the notice (${cut.ms.toFixed(0)} of ${noticeMs.toFixed(0)} ms)`);
  assert.ok(info.events.some((e) => e.name === 'CHANNEL_EXECUTE' && (e.get('Application-Data') ?? '').endsWith('en/notice-full.wav')), 'then the full notice played');
});

test('real freeswitch: no language set means prompts.defaultLanguage; CALLVAULT_LANGUAGE wins; a language without prompts falls back', async () => {
  const frStack = writeRealFsStack(sb, LINES, { outbound: '127.0.0.1:0', defaultLanguage: 'fr' });
  const d = new FsDaemon(frStack);
  await startAttached(d);
  try {
    const cases: Array<{ language?: string; played: string }> = [{ played: 'fr' }, { language: 'en', played: 'en' }, { language: 'de', played: 'fr' }];
    const calls = await Promise.all(cases.map((c) => fs.call('loopback', 'regulated', { headers: { Socket: d.socket, ...(c.language ? { Language: c.language } : {}) } })));
    for (const [i, r] of calls.entries()) {
      const want = cases[i]!.played;
      assert.equal(r.vars.CALLVAULT_DECISION, 'record', `${cases[i]!.language ?? 'unset'}: recorded (${r.vars.CALLVAULT_REASON ?? r.vars.CALLVAULT_CONSENT})`);
      assert.ok(r.events.some((e) => e.name === 'CHANNEL_EXECUTE' && e.get('Application') === 'playback' && (e.get('Application-Data') ?? '').endsWith(`/${want}/notice-mandatory.wav`)), `${cases[i]!.language ?? 'unset'}: the ${want} notice played`);
      const meta = await waitForSpool(frStack, r.vars.CALLVAULT_RECORDING_ID!);
      assert.equal(meta.language, want, 'the metadata says which language was played');
    }
  } finally {
    await d.stop();
  }
});
