import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { planDialogue, stepDialogue, concludeRecording, acceptedKeys, type CallerInput } from '../../../src/policy/consent.js';
import { decideSampling } from '../../../src/policy/sampling.js';
import { lineSchema } from '../../../src/config/schema.js';

const line = (l: object) => lineSchema.parse(l);
const key = fc.constantFrom('0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#');
const input: fc.Arbitrary<CallerInput> = fc.oneof(
  key.map((k) => ({ kind: 'key' as const, key: k })),
  fc.constant({ kind: 'timeout' as const }),
  fc.constant({ kind: 'hangup' as const }),
);

test('what the caller hears, by line and sampling outcome', () => {
  const table = [
    { l: { mode: 'never' }, draw: 0, plan: 'silent' },
    { l: { mode: 'mandatory' }, draw: 0.9, plan: 'inform' },
    { l: { mode: 'consent' }, draw: 0.9, plan: 'consent' },
    { l: { mode: 'sampled', rate: 0.25 }, draw: 0.1, plan: 'objection' },
    { l: { mode: 'sampled', rate: 0.25 }, draw: 0.9, plan: 'objection' },
    { l: { mode: 'sampled', rate: 0.25, announce: 'when-recording' }, draw: 0.1, plan: 'objection' },
    { l: { mode: 'sampled', rate: 0.25, announce: 'when-recording' }, draw: 0.9, plan: 'silent' },
  ];
  for (const row of table) {
    const l = line(row.l);
    assert.equal(planDialogue(l, decideSampling(l, { draw: row.draw })).kind, row.plan, JSON.stringify(row));
  }
});

test('the keys offered: objection or accept key, plus the information key', () => {
  const l = line({ mode: 'sampled', objectionKey: '9', infoKey: '0' });
  assert.equal(acceptedKeys(planDialogue(l, decideSampling(l, { draw: 0 }))), '90');
  const m = line({ mode: 'mandatory' });
  assert.equal(acceptedKeys(planDialogue(m, decideSampling(m, { draw: 0 }))), '0', 'the default information key, as the prompts say');
  const bare = line({ mode: 'mandatory', infoKey: 'none' });
  assert.equal(acceptedKeys(planDialogue(bare, decideSampling(bare, { draw: 0 }))), '', 'no key cuts a mandatory notice without an information key');
});

test('table: one dialogue step', () => {
  const sampledL = line({ mode: 'sampled', objectionKey: '9', infoKey: '0', maxInfoReplays: 1 });
  const consentL = line({ mode: 'consent', acceptKey: '1', infoKey: '0', maxInfoReplays: 1 });
  const sp = planDialogue(sampledL, decideSampling(sampledL, { draw: 0 }));
  const cp = planDialogue(consentL, decideSampling(consentL, { draw: 0 }));
  const rows: Array<[typeof sp, CallerInput, number, string]> = [
    [sp, { kind: 'key', key: '9' }, 0, 'done:objected'],
    [sp, { kind: 'timeout' }, 0, 'done:no-objection'],
    [sp, { kind: 'key', key: '0' }, 0, 'play-info-then-ask-again'],
    [sp, { kind: 'key', key: '0' }, 1, 'done:no-objection'],
    [sp, { kind: 'key', key: '5' }, 0, 'ask-again'],
    [sp, { kind: 'hangup' }, 0, 'done:caller-hung-up'],
    [cp, { kind: 'key', key: '1' }, 0, 'done:accepted'],
    [cp, { kind: 'timeout' }, 0, 'done:declined'],
    [cp, { kind: 'key', key: '7' }, 1, 'done:declined'],
    [cp, { kind: 'key', key: '0' }, 0, 'play-info-then-ask-again'],
  ];
  for (const [plan, inp, replays, want] of rows) {
    const s = stepDialogue(plan, inp, replays);
    assert.equal(s.next === 'done' ? `done:${s.outcome}` : s.next, want, JSON.stringify({ plan: plan.kind, inp, replays }));
  }
});

test('any key sequence ends the dialogue within maxInfoReplays + 1 steps', () => {
  fc.assert(fc.property(
    fc.constantFrom('sampled', 'consent', 'mandatory'), fc.integer({ min: 0, max: 5 }), fc.array(input, { minLength: 7, maxLength: 7 }),
    (mode, maxInfoReplays, inputs) => {
      const l = line({ mode, infoKey: '0', maxInfoReplays });
      const plan = planDialogue(l, decideSampling(l, { draw: 0 }));
      let replays = 0;
      for (const inp of inputs) {
        const s = stepDialogue(plan, inp, replays);
        if (s.next === 'done') return;
        replays++;
        assert.ok(replays <= maxInfoReplays, 'replayed past the limit');
      }
      assert.fail('dialogue did not end');
    },
  ));
});

test('an objection is always honoured, and a consent line never records without the accept key', () => {
  fc.assert(fc.property(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (d, rate) => {
    const s = line({ mode: 'sampled', rate });
    assert.equal(concludeRecording(decideSampling(s, { draw: d }), 'objected').decision, 'skip');
    const c = line({ mode: 'consent' });
    for (const o of ['declined', 'not-asked', 'no-objection', 'caller-hung-up'] as const) {
      assert.equal(concludeRecording(decideSampling(c, { draw: d }), o).decision, 'skip');
    }
    assert.equal(concludeRecording(decideSampling(c, { draw: d }), 'accepted').decision, 'record');
  }));
});

test('a mandatory line records whatever the caller presses', () => {
  const m = line({ mode: 'mandatory' });
  for (const o of ['informed', 'objected', 'no-objection'] as const) {
    assert.deepEqual(concludeRecording(decideSampling(m, { draw: 0.5 }), o), { decision: 'record', reason: 'mandatory' });
  }
});
