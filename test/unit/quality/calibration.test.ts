import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DEFAULT_FORM } from '../../../src/quality/default-form.js';
import { calibrationReport, type CalibrationReport } from '../../../src/quality/calibration.js';
import type { Answer, AnswerValue } from '../../../src/quality/scoring.js';

const full: Answer[] = DEFAULT_FORM.sections.flatMap((s) => s.questions.map((q): Answer => ({
  questionId: q.id, value: q.kind === 'yes-no' ? { kind: 'yes-no', answer: 'yes' } : q.kind === 'scale' ? { kind: 'scale', value: q.max } : { kind: 'choice', option: q.options[0]!.id },
})));
const change = (answers: Answer[], id: string, value: AnswerValue, comment = 'why'): Answer[] => answers.map((a) => (a.questionId === id ? { questionId: id, value, comment } : a));
const report = (r: CalibrationReport) => { assert.equal(r.kind, 'report'); return r as Extract<CalibrationReport, { kind: 'report' }>; };

test('calibration: deviations per question in points of the weight, N/A mismatches apart, totals against the reference', () => {
  const reference = change(full, 'listening', { kind: 'scale', value: 3 });
  const kind = full; // listening 5: +50 on listening
  const strict = change(change(reference, 'closing', { kind: 'yes-no', answer: 'no' }), 'hold', { kind: 'na' });
  const r = report(calibrationReport(DEFAULT_FORM, reference, [{ evaluator: 'ann', answers: reference }, { evaluator: 'ben', answers: kind }, { evaluator: 'cy', answers: strict }]));
  assert.deepEqual(r.form, { id: 'default', version: 1 });
  const [ann, ben, cy] = r.evaluators;
  assert.equal(ann!.totalDeviation, 0);
  assert.equal(ann!.meanAbsoluteDeviation, 0);
  assert.deepEqual(ben!.questions.listening, { kind: 'scored', deviation: 50 });
  assert.equal(ben!.meanAbsoluteDeviation, 50 / 14);
  // Relationship goes from 5/6 to 6/6 of its weight: +16.67 points on a section of weight 25 out of 100 = +4.17 in total.
  assert.ok(Math.abs(ben!.totalDeviation! - (25 * (100 - 500 / 6)) / 100) < 1e-9, String(ben!.totalDeviation));
  assert.deepEqual(cy!.questions.closing, { kind: 'scored', deviation: -100 });
  assert.deepEqual(cy!.questions.hold, { kind: 'na-mismatch', referenceNa: 'answered' });
  assert.deepEqual(cy!.questions['objection-handling'], { kind: 'scored', deviation: 0 });
  assert.equal(cy!.naMismatches, 1);
  assert.equal(cy!.meanAbsoluteDeviation, 100 / 13);
});

test('calibration: an evaluator missing a fatal failure is far off in total', () => {
  const reference = change(full, 'only-needed', { kind: 'yes-no', answer: 'no' });
  const r = report(calibrationReport(DEFAULT_FORM, reference, [{ evaluator: 'dan', answers: full }]));
  assert.equal(r.evaluators[0]!.totalDeviation, 100);
});

test('calibration: answers that do not fit the form name who gave them', () => {
  const r = calibrationReport(DEFAULT_FORM, full, [{ evaluator: 'eve', answers: full.slice(1) }]);
  assert.deepEqual(r, { kind: 'invalid', who: 'eve', problems: [{ problem: 'unanswered', questionId: 'greeting' }] });
  assert.equal(calibrationReport(DEFAULT_FORM, [], []).kind, 'invalid');
});

test('property: each evaluator\'s row depends only on their answers and the reference, and the reference against itself is all zeros', () => {
  const scaleArb = (id: string) => fc.integer({ min: 1, max: 5 }).map((v): Answer => ({ questionId: id, value: { kind: 'scale', value: v }, comment: 'c' }));
  const entryArb = fc.tuple(scaleArb('courtesy'), scaleArb('listening'), scaleArb('clarity'), scaleArb('needs'))
    .map((xs) => xs.reduce((acc, x) => change(acc, x.questionId, x.value), full));
  fc.assert(fc.property(entryArb, fc.array(entryArb, { minLength: 1, maxLength: 4 }), (reference, entries) => {
    const named = entries.map((answers, i) => ({ evaluator: `e${i}`, answers }));
    const all = report(calibrationReport(DEFAULT_FORM, reference, named));
    named.forEach((e, i) => assert.deepEqual(report(calibrationReport(DEFAULT_FORM, reference, [e])).evaluators[0], all.evaluators[i]));
    const self = report(calibrationReport(DEFAULT_FORM, reference, [{ evaluator: 'ref', answers: reference }])).evaluators[0]!;
    assert.equal(self.totalDeviation, 0);
    assert.ok(Object.values(self.questions).every((q) => q.kind === 'both-na' || (q.kind === 'scored' && q.deviation === 0)));
  }), { numRuns: 100 });
});
