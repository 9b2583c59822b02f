/**
 * The call path end to end on a real Asterisk 22 (scripts/asterisk-sandbox):
 * scripted callers press keys and play tones through Local channels, the
 * real daemon decides, Asterisk's MixMonitor records, and the recordings are
 * checked sample by sample. Fails (never skips) if the sandbox cannot start.
 * One table of scenarios, run by call-path.test.ts with the strict manager
 * user and by call-path-read-all.test.ts with a `read = all` one; both end
 * by proving the daemon's AMI link never dropped.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { KeyedHasher } from '../../../src/privacy/keyed-hash.js';
import { AMI_EVENT_CLASSES } from '../../../src/pbx/asterisk/asterisk-adapter.js';
import type { AmiClient } from '../../../src/pbx/asterisk/ami-client.js';
import { ensureSandbox, writeStack, Caller, InProcessDaemon, MixMonitorEnds, EventClasses, everyEventClient, waitForSpool, listWavs, sleep, sandboxCommand, playedPrompts, agiReplyTo, type StackFiles, type AmiUserKind } from './call-harness.js';
import { readWav } from '../../support/goertzel.js';
import { assertNoCardAudio, assertPauseMatchesAudio } from './asterisk-payment-audio.js';

const LINES = `
  always: { mode: sampled, rate: 1, objectionKey: '9', infoKey: '0' }
  half: { mode: sampled, rate: 0.5, announce: when-recording }
  regulated: { mode: mandatory, infoKey: '0' }
  optin: { mode: consent, acceptKey: '1', digitTimeoutMs: 2000 }
  closed: { mode: never }`;

/** Defines the call-path tests, the daemon logging in as `amiUser`. */
export function callPathScenarios(amiUser: AmiUserKind): void {
  let files: StackFiles;
  let daemon: InProcessDaemon;
  const caller = new Caller();
  let ends: MixMonitorEnds | null = null;
  let every: AmiClient | null = null;
  let classes: EventClasses;
  let everyClasses: EventClasses | null = null;

  before(async () => {
    ensureSandbox();
    files = writeStack(LINES, '', { amiUser });
    await sandboxCommand('cli', 'agi set debug on');
    daemon = new InProcessDaemon(files);
    await daemon.start();
    classes = new EventClasses(daemon.adapter.ami);
    if (amiUser === 'read-all') {
      every = everyEventClient();
      every.start();
      await every.waitConnected(15_000);
      ends = new MixMonitorEnds(every);
      everyClasses = new EventClasses(every);
    }
    await caller.start();
  });
  after(async () => {
    ends?.off();
    classes.off();
    everyClasses?.off();
    await every?.stop();
    await caller.stop();
    await daemon.stop();
  });

  function recordedWavs(): Set<string> { return new Set(listWavs(files.recordings)); }

  async function expectNoRecording(before: Set<string>, r: { vars: Record<string, string> }): Promise<void> {
    assert.equal(r.vars.CALLVAULT_RECORDING_ID ?? '', '', 'no recording id on the channel');
    await sleep(300);
    const added = [...recordedWavs()].filter((f) => !before.has(f));
    assert.deepEqual(added, [], 'MixMonitor wrote no file for this call');
  }

  // uncut: a prompt that a key pressed during it, not offered there, must not have cut.
  const table: Array<{ name: string; scenario: string; line: string; decision: string; consent: string; recorded: boolean; uncut?: string }> = [
    { name: 'caller objects with the key: no file', scenario: 'object', line: 'always', decision: 'skip', consent: 'objected', recorded: false },
    { name: 'mandatory line: recorded, the key does nothing, not even cut the notice', scenario: 'object', line: 'regulated', decision: 'record', consent: 'informed', recorded: true, uncut: 'notice-mandatory' },
    { name: 'consent line with the accept key: recorded', scenario: 'accept', line: 'optin', decision: 'record', consent: 'accepted', recorded: true },
    { name: 'consent line without the accept key: not recorded', scenario: 'tones', line: 'optin', decision: 'skip', consent: 'declined', recorded: false },
    { name: 'never line: no notice, not recorded', scenario: 'tones', line: 'closed', decision: 'skip', consent: 'not-asked', recorded: false },
    { name: 'information key, full notice, then objection', scenario: 'info', line: 'always', decision: 'skip', consent: 'objected', recorded: false },
  ];

  for (const row of table) {
    test(`call: ${row.name}`, async () => {
      const before = recordedWavs();
      const r = await caller.call(row.scenario, row.line, daemon.agiPort, { vars: { CALLVAULT_TEST_PAYMENT: '0' } });
      assert.deepEqual(r.phases, ['consent', 'talk', 'done'], 'the call ran to its end');
      assert.equal(r.vars.CALLVAULT_DECISION, row.decision);
      assert.equal(r.vars.CALLVAULT_CONSENT, row.consent);
      if (row.uncut) {
        // Asterisk's own trace: the reply to the prompt's command says no key ended it (result=0), where a cut shows result=57 ('9').
        assert.match(agiReplyTo(r.channel, row.uncut) ?? 'no AGI trace', /^200 result=0 endpos=\d+/, `${row.uncut} played to its end`);
      }
      if (row.recorded) {
        const meta = await waitForSpool(files.spool, r.vars.CALLVAULT_RECORDING_ID!);
        assert.equal(meta.line, row.line);
        assert.equal(meta.consent, row.consent);
        assert.equal(meta.caller, '+33612345678');
        const pcm = readWav(join(files.spool, `${r.vars.CALLVAULT_RECORDING_ID}.wav`));
        assert.ok(pcm.samples.length > 8000, 'the recording holds audio');
      } else {
        await expectNoRecording(before, r);
      }
    });
  }

  test('call: silent callers on a 50% line are recorded exactly when the keyed draw says so', async () => {
    const hasher = KeyedHasher.fromFile(join(files.dir, 'hash.key'));
    const outcomes: Array<{ expected: boolean; got: boolean }> = [];
    for (let i = 0; i < 6; i++) {
      const before = recordedWavs();
      const r = await caller.call('tones', 'half', daemon.agiPort, { vars: { CALLVAULT_TEST_PAYMENT: '0', CALLVAULT_TEST_TALK: '1' } });
      const expected = hasher.unit('sampling', r.uniqueid) < 0.5;
      const got = r.vars.CALLVAULT_DECISION === 'record';
      outcomes.push({ expected, got });
      assert.equal(got, expected, `call ${r.uniqueid}: draw ${hasher.unit('sampling', r.uniqueid)}`);
      // announce: when-recording: an unrecorded caller hears nothing and is not asked.
      assert.equal(r.vars.CALLVAULT_CONSENT, expected ? 'no-objection' : 'not-asked');
      if (got) await waitForSpool(files.spool, r.vars.CALLVAULT_RECORDING_ID!);
      else await expectNoRecording(before, r);
    }
  });

  test('payment: the recording holds the 440 Hz before and after, no 1 kHz in any 10 ms window, and the metadata\'s pause on the muted span within 20 ms', async (t) => {
    const r = await caller.call('tones', 'always', daemon.agiPort, { vars: { CALLVAULT_TEST_PAYMENT: '3', CALLVAULT_TEST_TALK: '2' } });
    assert.deepEqual(r.phases, ['consent', 'talk', 'payment', 'talk2', 'done']);
    assert.equal(r.vars.CALLVAULT_PAUSE, 'confirmed');
    const id = r.vars.CALLVAULT_RECORDING_ID!;
    const meta = await waitForSpool(files.spool, id);
    const pauses = meta.pauses as Array<{ startOffsetMs: number; endOffsetMs: number; outcome: string }>;
    assert.equal(pauses.length, 1);
    assert.equal(pauses[0]!.outcome, 'muted');
    assert.ok(pauses[0]!.endOffsetMs - pauses[0]!.startOffsetMs >= 2900, `pause lasted ${pauses[0]!.endOffsetMs - pauses[0]!.startOffsetMs} ms`);
    const pcm = readWav(join(files.spool, `${id}.wav`));
    // The muted span is silence, not a cut: the timeline keeps the payment's length.
    assert.ok(pcm.samples.length / pcm.rate >= 2 + 3 + 2 - 0.5, `recording lasts ${pcm.samples.length / pcm.rate} s`);
    assertNoCardAudio(pcm, 'mono payment', 300);
    const err = assertPauseMatchesAudio(pcm, pauses, 'mono payment');
    t.diagnostic(`pause offsets, metadata minus audio: start ${err.startErrMs} ms, end ${err.endErrMs} ms`);
  });

  test('the archive hand-off is complete: WAV and JSON in the spool, nothing left where the PBX wrote', async () => {
    const r = await caller.call('tones', 'regulated', daemon.agiPort, { vars: { CALLVAULT_TEST_PAYMENT: '0', CALLVAULT_TEST_TALK: '1' } });
    const id = r.vars.CALLVAULT_RECORDING_ID!;
    const meta = await waitForSpool(files.spool, id);
    assert.equal(meta.purpose, 'regulatory');
    assert.equal(meta.decision, 'mandatory');
    assert.ok(existsSync(join(files.spool, `${id}.wav`)));
    assert.ok(!existsSync(join(files.recordings, `${id}.wav`)), 'moved out of the PBX directory');
    assert.ok(!existsSync(join(files.recordings, `${id}.done`)), 'completion marker removed');
    assert.ok(Date.parse(meta.endedAt as string) >= Date.parse(meta.startedAt as string));
    assert.equal(JSON.parse(readFileSync(join(files.spool, `${id}.json`), 'utf8')).recordingId, id);
  });

  test("the channel's language picks the prompts: a French channel hears the French notice", async () => {
    const r = await caller.call('tones', 'always', daemon.agiPort, { vars: { CALLVAULT_TEST_PAYMENT: '0', CALLVAULT_TEST_TALK: '1', CALLVAULT_TEST_LANGUAGE: 'fr' } });
    assert.equal(r.vars.CALLVAULT_DECISION, 'record');
    assert.deepEqual(playedPrompts(r.channel), ['fr/callvault/notice-objection'], 'Asterisk played the French notice, once');
    const meta = await waitForSpool(files.spool, r.vars.CALLVAULT_RECORDING_ID!);
    assert.equal(meta.language, 'fr');
  });

  test('the AMI link stayed up through every call: no disconnect, no reconnect', async () => {
    // One more recorded call; with read = all, wait until a client that asked
    // for every class read past that recording's last event (the TestEvent and
    // its extra blank line); a Ping then flushes anything Asterisk queued before it.
    const r = await caller.call('tones', 'regulated', daemon.agiPort, { vars: { CALLVAULT_TEST_PAYMENT: '0', CALLVAULT_TEST_TALK: '1' } });
    const id = r.vars.CALLVAULT_RECORDING_ID!;
    await waitForSpool(files.spool, id);
    if (ends !== null) await ends.waitFor(id);
    const ping = await daemon.adapter.ami.ping().then(() => 'answered', (err: unknown) => String((err as { code?: string }).code ?? err));
    const st = daemon.adapter.ami.stats();
    assert.deepEqual({ ping, disconnects: st.disconnects, reconnects: st.reconnects, connects: st.connects }, { ping: 'answered', disconnects: 0, reconnects: 0, connects: 1 });
    if (every !== null) assert.deepEqual(every.stats().disconnects, 0, 'the every-class client read every event without dropping the link');
  });

  test('the daemon received only the event classes it asked for at Login, whatever its user may read', () => {
    // With read = all, Asterisk itself keeps dialplan, agi, dtmf and reporting
    // events away (main/manager.c: an event goes out only within the Login's Events: mask).
    assert.ok((classes.seen.get('call') ?? 0) > 0, `the daemon received call events (${JSON.stringify([...classes.seen])})`);
    assert.deepEqual(classes.outside(AMI_EVENT_CLASSES), {});
    // The same calls as seen by a client that asked for every class: those events were there to send.
    if (everyClasses !== null) assert.ok((everyClasses.seen.get('dialplan') ?? 0) > 0, `Asterisk sent dialplan events to the every-class client (${JSON.stringify([...everyClasses.seen])})`);
  });
}
