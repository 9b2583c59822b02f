/**
 * The call path over real SIP: sipp callers and agents (test/e2e/support/sip-ua.ts)
 * call the sandbox Asterisk's chan_pjsip on 127.0.0.1, send G.711 RTP and
 * RFC 4733 keys, and the real daemon decides, records and archives. The
 * archived file is then opened as a person would (age -d, opusinfo,
 * opusdec) and listened to with a Goertzel filter in 10 ms windows: the
 * caller's 440 Hz on the caller's channel, the agent's 600 Hz on the other,
 * and never the 1 kHz the caller sends inside the payment window. Fails,
 * never skips, when the sandbox or sipp is missing.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { KeyedHasher } from '../../src/privacy/keyed-hash.js';
import { ensureSandbox, writeStack, InProcessDaemon, listWavs, sleep, waitForArchived, decryptWithStandardTools, type StackFiles } from './support/call-harness.js';
import { TONES, type PhaseStep, type SipRig } from './support/sip-ua.js';
import { SipCalls, type SipCallResult } from './support/sip-call.js';
import { channelOf, toneWindows } from '../support/payment-audio.js';
import { assertNoCardAudio } from './support/asterisk-payment-audio.js';
import { RecordingIndex } from '../../src/index/index.js';

const LINES = `
  always: { mode: sampled, rate: 1, objectionKey: '9', digitTimeoutMs: 1000 }
  half: { mode: sampled, rate: 0.5, announce: when-recording, digitTimeoutMs: 1000 }
  regulated: { mode: mandatory }`;

let files: StackFiles;
let daemon: InProcessDaemon;
let rig: SipRig;
let calls: SipCalls;

before(async () => {
  ensureSandbox();
  files = writeStack(LINES, '', { stereo: true });
  daemon = new InProcessDaemon(files, [], { archive: true });
  await daemon.start();
  calls = await SipCalls.open();
  rig = calls.rig;
});
after(async () => {
  await calls?.close();
  await daemon?.stop();
});

/** The IVR flow's phases, the caller silent during the notice and 440 Hz while talking. */
function ivrSteps(opts: { payment: boolean; consent?: Partial<PhaseStep>; talk?: PhaseStep['tone'] }): PhaseStep[] {
  const talk = opts.talk ?? TONES.caller;
  return [
    { phase: 'consent', tone: 'silence', ...opts.consent },
    { phase: 'talk', tone: talk },
    ...(opts.payment ? [{ phase: 'payment', tone: TONES.card }, { phase: 'talk2', tone: talk }] : []),
    { phase: 'done', tone: 'keep' },
  ];
}

/** No file for this call: no recording id, nothing written by MixMonitor, nothing indexed. */
async function assertNotRecorded(r: SipCallResult, wavsBefore: Set<string>): Promise<void> {
  assert.equal(r.vars.CALLVAULT_RECORDING_ID ?? '', '', 'no recording id on the caller\'s channel');
  await sleep(300);
  assert.deepEqual(listWavs(files.recordings).filter((f) => !wavsBefore.has(f)), [], 'MixMonitor wrote no file for this call');
  const path = join(files.storage, 'index.sqlite');
  if (!existsSync(path)) return;
  const index = RecordingIndex.open(path, { readonly: true });
  try {
    assert.deepEqual(index.listRecordings({ linkedId: r.linkedid }).map((row) => row.id), [], 'nothing indexed for this call');
  } finally {
    index.close();
  }
}

test('sip: the caller objects with an RFC 4733 key during the notice: no file', async () => {
  const before = new Set(listWavs(files.recordings));
  const r = await calls.place({ line: 'always', headers: { Talk: '1', Payment: '0' }, steps: ivrSteps({ payment: false, consent: { dtmf: { keys: '9', afterMs: 1500 } } }) }, daemon.agiPort);
  assert.deepEqual(r.phases, ['consent', 'talk', 'done'], 'the call ran to its end');
  assert.match(r.channel, /^PJSIP\/caller-/);
  assert.deepEqual({ decision: r.vars.CALLVAULT_DECISION, consent: r.vars.CALLVAULT_CONSENT }, { decision: 'skip', consent: 'objected' });
  await assertNotRecorded(r, before);
});

test('sip: silent callers on a 50% line are recorded exactly when the keyed draw of their Linkedid says so', async () => {
  const hasher = KeyedHasher.fromFile(join(files.dir, 'hash.key'));
  for (let i = 0; i < 4; i++) {
    const before = new Set(listWavs(files.recordings));
    const r = await calls.place({ line: 'half', headers: { Talk: '1', Payment: '0' }, steps: ivrSteps({ payment: false, talk: 'silence' }) }, daemon.agiPort);
    const draw = hasher.unit('sampling', r.linkedid);
    const expected = draw < 0.5;
    assert.equal(r.vars.CALLVAULT_DECISION === 'record', expected, `call ${r.linkedid}: draw ${draw}`);
    // announce: when-recording: an unrecorded caller hears nothing and is not asked.
    assert.equal(r.vars.CALLVAULT_CONSENT, expected ? 'no-objection' : 'not-asked');
    if (expected) await waitForArchived(files, r.vars.CALLVAULT_RECORDING_ID!);
    else await assertNotRecorded(r, before);
  }
});

test('sip: payment: the 1 kHz the caller sends as RTP inside the payment window is in no 10 ms window of the archived file', async () => {
  const r = await calls.place({ line: 'regulated', headers: { Talk: '2', Payment: '3' }, steps: ivrSteps({ payment: true }) }, daemon.agiPort);
  assert.deepEqual(r.phases, ['consent', 'talk', 'payment', 'talk2', 'done']);
  assert.equal(r.vars.CALLVAULT_DECISION, 'record');
  const row = await waitForArchived(files, r.vars.CALLVAULT_RECORDING_ID!);
  assert.equal(row.pauses.length, 1);
  assert.equal(row.pauses[0]!.outcome, 'muted');
  const { pcm } = decryptWithStandardTools(files, row);
  assert.equal(pcm.channels, 2);
  // Caller's 440 Hz before and after (2 s each: at least 300 windows), no 1 kHz anywhere.
  assertNoCardAudio(pcm, 'decoded Opus, SIP caller', 300);
});

test('sip: control: the same 1 kHz sent outside a payment window is in the file (the check above can fail)', async () => {
  const r = await calls.place({ line: 'regulated', headers: { Talk: '2', Payment: '0' }, steps: ivrSteps({ payment: false, talk: TONES.card }) }, daemon.agiPort);
  const row = await waitForArchived(files, r.vars.CALLVAULT_RECORDING_ID!);
  const { pcm } = decryptWithStandardTools(files, row);
  const card = toneWindows(channelOf(pcm, 0), pcm.rate, TONES.card).length;
  assert.ok(card >= 150, `the caller's 1 kHz is on the caller's channel (${card} windows of 10 ms)`);
});

test('sip: stereo: the caller\'s 440 Hz on the caller\'s channel, the agent\'s 600 Hz on the other', async () => {
  const agent = await rig.agent({ agent: 'agent1' });
  const r = await calls.place({
    line: 'regulated', headers: { Flow: 'dial-agent1' },
    steps: [{ phase: 'consent', tone: 'silence' }, { phase: 'dial', tone: TONES.caller, hangupAfterMs: 4000 }],
  }, daemon.agiPort);
  assert.equal(await agent.sipp.done(20_000), 0, `agent1's scenario ran to its end\n${agent.sipp.report()}`);
  assert.equal(r.vars.CALLVAULT_DECISION, 'record');
  const row = await waitForArchived(files, r.vars.CALLVAULT_RECORDING_ID!);
  assert.equal(row.channels, 2);
  const { pcm } = decryptWithStandardTools(files, row);
  const caller = channelOf(pcm, 0);
  const other = channelOf(pcm, 1);
  const count = (s: Int16Array, hz: number) => toneWindows(s, pcm.rate, hz).length;
  const seen = { callerOnCaller: count(caller, TONES.caller), agentOnCaller: count(caller, TONES.agent), agentOnOther: count(other, TONES.agent), callerOnOther: count(other, TONES.caller) };
  assert.ok(seen.callerOnCaller >= 200 && seen.agentOnOther >= 200, `each tone on its own channel: ${JSON.stringify(seen)}`);
  assert.ok(seen.agentOnCaller <= 5 && seen.callerOnOther <= 5, `and not on the other: ${JSON.stringify(seen)}`);
  // The agent heard the caller: what Asterisk sent to agent1's RTP port holds the 440 Hz.
  const heard = toneWindows(agent.heard.samples(), 8000, TONES.caller).length;
  assert.ok(heard >= 200, `agent1 heard the caller over RTP (${heard} windows)`);
});
