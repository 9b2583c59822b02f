/**
 * Reconcile after a (re)connect judges the calls by a snapshot the PBX gave
 * over a round trip. CI caught the race on the real FreeSWITCH: a call whose
 * consent socket arrived while the first inventory was on its way was
 * missing from it, reconcile took it for gone and ended its session in the
 * middle of the dialogue, and the dialplan read CALLVAULT_DECISION=record
 * with no recording. These tests hold the inventory open while calls open
 * and hang up, then let it answer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CallRegistry } from '../../../src/calls/call-registry.js';
import { RecordingJournal } from '../../../src/calls/recording-journal.js';
import type { PbxInventory, RunningRecording } from '../../../src/pbx/call-control.js';
import type { CallerInput, PromptName } from '../../../src/policy/consent.js';
import { FakeControl, FakeDialogue, callInfo, makeDeps } from '../../support/fake-call.js';

const LINES = `
  regulated: { mode: mandatory }`;

/** A dialogue whose first prompt waits until the test lets the caller answer. */
class HeldDialogue extends FakeDialogue {
  #release: () => void = () => undefined;
  #asking: () => void = () => undefined;
  readonly asking = new Promise<void>((resolve) => { this.#asking = resolve; });
  override async ask(prompt: PromptName): Promise<CallerInput> {
    this.#asking();
    await new Promise<void>((resolve) => { this.#release = resolve; });
    return super.ask(prompt);
  }
  release(): void { this.#release(); }
}

/** An inventory the test answers when it chooses. */
function heldInventory() {
  let answer: (v: PbxInventory) => void = () => undefined;
  const reply = new Promise<PbxInventory>((resolve) => { answer = resolve; });
  return { ask: () => reply, answer };
}

test('reconcile: a call that opened while the inventory was on its way keeps its dialogue and is recorded', async () => {
  const deps = makeDeps(LINES, new FakeControl());
  const registry = new CallRegistry(deps);
  const inventory = heldInventory();
  const reconciled = registry.reconcile(inventory.ask);
  const info = callInfo('regulated');
  const ch = new HeldDialogue(info, [], deps.recordingsDir);
  const consent = registry.consent(ch);
  await ch.asking;
  // The snapshot was taken before this call existed: neither running nor live.
  inventory.answer({ running: [], live: new Set() });
  await reconciled;
  assert.equal(registry.get(info.callId)?.state.kind, 'dialogue', 'the dialogue goes on');
  ch.release();
  await consent;
  assert.equal(ch.outcome.CALLVAULT_DECISION, 'record');
  assert.ok(ch.outcome.CALLVAULT_RECORDING_ID, 'a recording id goes with "record"');
  assert.deepEqual(ch.started, [ch.outcome.CALLVAULT_RECORDING_ID]);
  assert.equal(registry.get(info.callId)?.state.kind, 'recording');
});

test('reconcile: a call opened before the inventory and missing from it is ended; its dialogue then tells the dialplan "skip"', async () => {
  const deps = makeDeps(LINES, new FakeControl());
  const registry = new CallRegistry(deps);
  const info = callInfo('regulated');
  const ch = new HeldDialogue(info, [], deps.recordingsDir);
  const consent = registry.consent(ch);
  await ch.asking;
  await registry.reconcile(async () => ({ running: [], live: new Set() }));
  assert.equal(registry.get(info.callId), undefined, 'the PBX no longer has the channel: its session is dropped');
  ch.release();
  await consent;
  assert.equal(ch.outcome.CALLVAULT_DECISION, 'skip', 'never "record" without a recording');
  assert.equal(ch.outcome.CALLVAULT_REASON, 'caller-hung-up');
  assert.equal(ch.outcome.CALLVAULT_RECORDING_ID, undefined);
  assert.deepEqual(ch.started, [], 'nothing was started on a channel that is gone');
});

test('reconcile: a recording whose call hung up while the inventory was on its way is not adopted', async () => {
  const deps = makeDeps(LINES, new FakeControl());
  const journal = new RecordingJournal(deps.config.storage.dir);
  const registry = new CallRegistry({ ...deps, journal });
  const gone = callInfo('regulated');
  const stays = callInfo('regulated');
  const running: RunningRecording[] = [
    { info: gone, recordingId: '20261128T100000Z-00000001', paused: false },
    { info: stays, recordingId: '20261128T100000Z-00000002', paused: false },
  ];
  const inventory = heldInventory();
  const reconciled = registry.reconcile(inventory.ask);
  registry.handle({ type: 'hangup', callId: gone.callId });
  inventory.answer({ running, live: new Set([gone.callId, stays.callId]) });
  const seen = await reconciled;
  assert.equal(registry.get(gone.callId), undefined, 'no session for a call that already ended');
  assert.equal(registry.get(stays.callId)?.state.kind, 'recording', 'the other is adopted');
  assert.deepEqual(seen.running.map((r) => r.recordingId), [running[1]!.recordingId], 'orphan recovery is told the ended one no longer runs');
});

test('reconcile: a hangup before the inventory was asked for is no reason to refuse its answer', async () => {
  const deps = makeDeps(LINES, new FakeControl());
  const registry = new CallRegistry(deps);
  const earlier = callInfo('regulated');
  registry.handle({ type: 'hangup', callId: earlier.callId });
  const recordingId = '20261128T100000Z-00000003';
  // The same call id again (a PBX that reuses ids across a restart): it runs now.
  const seen = await registry.reconcile(async () => ({ running: [{ info: earlier, recordingId, paused: false }], live: new Set([earlier.callId]) }));
  assert.equal(registry.get(earlier.callId)?.state.kind, 'recording');
  assert.equal(seen.running.length, 1);
});
