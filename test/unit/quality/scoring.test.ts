import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DEFAULT_FORM } from '../../../src/quality/default-form.js';
import { scoreEvaluation, type Answer, type AnswerValue, type Score, type ScoreResult } from '../../../src/quality/scoring.js';
import type { EvaluationForm, Question, Section } from '../../../src/quality/form.js';

const yes: AnswerValue = { kind: 'yes-no', answer: 'yes' };
const no: AnswerValue = { kind: 'yes-no', answer: 'no' };
const na: AnswerValue = { kind: 'na' };
const scale = (value: number): AnswerValue => ({ kind: 'scale', value });
const choice = (option: string): AnswerValue => ({ kind: 'choice', option });
const a = (questionId: string, value: AnswerValue, comment?: string): Answer => ({ questionId, value, comment });

function scored(r: ScoreResult): Score {
  assert.equal(r.kind, 'scored', r.kind === 'invalid' ? JSON.stringify(r.problems) : '');
  return r as Score;
}
const close = (actual: number | null, expected: number) => assert.ok(actual !== null && Math.abs(actual - expected) < 1e-9, `${actual} != ${expected}`);

// The worked example of docs/quality.md, "A worked example": keep the two in step.
const worked: Answer[] = [
  a('greeting', yes), a('identity-check', na), a('hold', yes), a('closing', no),
  a('information-correct', choice('corrected'), 'price of the option given wrong, then corrected'), a('commitments', yes), a('mandatory-notices', yes),
  a('needs', scale(4)), a('record-complete', yes), a('only-needed', yes),
  a('courtesy', scale(5)), a('listening', scale(3), 'cut the customer off twice'), a('clarity', scale(4)), a('objection-handling', na),
];

test('worked example: 66.67 / 75 / 90 / 75 by section, 75.92 in total, below the 80 mark, one critical failure', () => {
  const s = scored(scoreEvaluation(DEFAULT_FORM, worked));
  assert.deepEqual(s.form, { id: 'default', version: 1 });
  const by = Object.fromEntries(s.sections.map((x) => [x.sectionId, x.percent]));
  close(by.procedures!, 200 / 3); // (1 + 1 + 0) / 3, identity-check N/A
  close(by.accuracy!, 75); // (1.5 + 1 + 2) / 6
  close(by.collection!, 90); // (1.5 + 1 + 2) / 5
  close(by.relationship!, 75); // (2 + 1 + 0.75) / 5, objection-handling N/A
  close(s.percent, (25 * 200 / 3 + 30 * 75 + 20 * 90 + 25 * 75) / 100); // 75.9166...
  assert.equal(Math.round(s.percent! * 100) / 100, 75.92);
  assert.deepEqual(s.outcome, { outcome: 'failed', reason: 'below-pass-mark' });
  close(s.critical.percent, 70); // (1.5 + 2) / 5, critical questions of accuracy only
  assert.deepEqual(s.critical.failed, ['information-correct']);
  assert.deepEqual(s.fatal.failed, []);
});

test('worked example with a fatal failure: 0 and failed, the score before it kept (67.92)', () => {
  const answers = worked.map((x) => (x.questionId === 'only-needed' ? a('only-needed', no, 'asked for the card number before the pause') : x));
  const s = scored(scoreEvaluation(DEFAULT_FORM, answers));
  assert.equal(s.percent, 0);
  assert.deepEqual(s.outcome, { outcome: 'failed', reason: 'fatal' });
  assert.deepEqual(s.fatal.failed, ['only-needed']);
  close(s.percentBeforeFatal, (25 * 200 / 3 + 30 * 75 + 20 * 50 + 25 * 75) / 100);
  assert.equal(Math.round(s.percentBeforeFatal! * 100) / 100, 67.92);
});

test('full marks everywhere pass at 100', () => {
  const full = DEFAULT_FORM.sections.flatMap((sec) => sec.questions.map((q) => a(q.id, q.kind === 'yes-no' ? yes : q.kind === 'scale' ? scale(q.max) : choice(q.options[0]!.id))));
  const s = scored(scoreEvaluation(DEFAULT_FORM, full));
  assert.equal(s.percent, 100);
  assert.deepEqual(s.outcome, { outcome: 'passed' });
  assert.equal(s.critical.percent, 100);
});

// Answers that do not fit the form: every problem is reported, nothing is scored.
const invalid: Array<[string, (xs: Answer[]) => Answer[], Array<{ problem: string; questionId: string }>]> = [
  ['an unanswered question', (xs) => xs.filter((x) => x.questionId !== 'hold'), [{ problem: 'unanswered', questionId: 'hold' }]],
  ['N/A where forbidden', (xs) => xs.map((x) => (x.questionId === 'greeting' ? a('greeting', na) : x)), [{ problem: 'na-forbidden', questionId: 'greeting' }]],
  ['a scale out of range', (xs) => xs.map((x) => (x.questionId === 'courtesy' ? a('courtesy', scale(6)) : x)), [{ problem: 'out-of-range', questionId: 'courtesy' }]],
  ['a scale between two steps', (xs) => xs.map((x) => (x.questionId === 'courtesy' ? a('courtesy', scale(4.5)) : x)), [{ problem: 'out-of-range', questionId: 'courtesy' }]],
  ['an unknown option', (xs) => xs.map((x) => (x.questionId === 'information-correct' ? a('information-correct', choice('maybe'), 'x') : x)), [{ problem: 'unknown-option', questionId: 'information-correct' }]],
  ['a yes/no given to a scale', (xs) => xs.map((x) => (x.questionId === 'needs' ? a('needs', yes) : x)), [{ problem: 'wrong-kind', questionId: 'needs' }]],
  ['a failed critical question without its comment', (xs) => xs.map((x) => (x.questionId === 'information-correct' ? a('information-correct', choice('wrong'), '  ') : x)), [{ problem: 'comment-required', questionId: 'information-correct' }]],
  ['an unknown question and a duplicate', (xs) => [...xs, a('smile', yes), a('hold', no)], [{ problem: 'unknown-question', questionId: 'smile' }, { problem: 'duplicate-answer', questionId: 'hold' }]],
];
for (const [name, change, problems] of invalid) {
  test(`answers with ${name} are not scored, the problem names the question`, () => {
    const r = scoreEvaluation(DEFAULT_FORM, change(worked));
    assert.deepEqual(r, { kind: 'invalid', form: { id: 'default', version: 1 }, problems });
  });
}

test('a required comment is due even for an N/A; an on-failure one only when the answer fails', () => {
  const form: EvaluationForm = { ...DEFAULT_FORM, sections: [{ ...DEFAULT_FORM.sections[0]!, questions: DEFAULT_FORM.sections[0]!.questions.map((q) => (q.id === 'hold' ? { ...q, comment: 'required' as const } : q)) }] };
  const base = [a('greeting', yes), a('identity-check', yes), a('closing', yes)];
  assert.deepEqual(scoreEvaluation(form, [...base, a('hold', na)]), { kind: 'invalid', form: { id: 'default', version: 1 }, problems: [{ problem: 'comment-required', questionId: 'hold' }] });
  assert.equal(scoreEvaluation(form, [...base, a('hold', na, 'no hold in this call')]).kind, 'scored');
  assert.equal(scoreEvaluation(DEFAULT_FORM, worked.map((x) => (x.questionId === 'listening' ? a('listening', scale(4)) : x))).kind, 'scored');
});

// --- property tests -------------------------------------------------------------

const label = { fr: 'q', en: 'q' };
const questionArb = (id: string): fc.Arbitrary<Question> => fc.record({
  weight: fc.integer({ min: 1, max: 20 }),
  na: fc.constantFrom('allowed' as const, 'forbidden' as const),
  severity: fc.constantFrom('normal' as const, 'normal' as const, 'critical' as const, 'fatal' as const),
  kind: fc.constantFrom('yes-no' as const, 'scale' as const, 'choice' as const),
  passAt: fc.constantFrom(0.5, 0.75, 1),
}).map(({ kind, ...r }): Question => {
  const common = { id, label, comment: 'optional' as const, ...r };
  if (kind === 'yes-no') return { ...common, kind };
  if (kind === 'scale') return { ...common, kind, min: 1, max: 5 };
  return { ...common, kind, options: [{ id: 'top', label, points: 1 }, { id: 'half', label, points: 0.5 }, { id: 'none', label, points: 0 }] };
});

const formArb: fc.Arbitrary<EvaluationForm> = fc.array(fc.tuple(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 5 })), { minLength: 1, maxLength: 4 })
  .chain((shape) => fc.tuple(...shape.map(([weight, n], si) => fc.tuple(...Array.from({ length: n }, (_, qi) => questionArb(`q${si}-${qi}`))).map((questions): Section => ({ id: `s${si}`, label, weight, questions })))))
  .map((sections) => ({ id: 'f', version: 1, title: label, passMark: 70, sections }));

const valueArb = (q: Question): fc.Arbitrary<AnswerValue> => {
  const real: fc.Arbitrary<AnswerValue> = q.kind === 'yes-no' ? fc.constantFrom(yes, no)
    : q.kind === 'scale' ? fc.integer({ min: q.min, max: q.max }).map(scale)
    : fc.constantFrom(...q.options.map((o) => choice(o.id)));
  return q.na === 'allowed' ? fc.oneof(real, fc.constant(na)) : real;
};
const answersArb = (form: EvaluationForm) => fc.tuple(...form.sections.flatMap((s) => s.questions.map((q) => valueArb(q).map((v) => a(q.id, v)))));
const evaluationArb = formArb.chain((form) => answersArb(form).map((answers) => ({ form, answers })));

const isFatal = (form: EvaluationForm, id: string) => form.sections.some((s) => s.questions.some((q) => q.id === id && q.severity === 'fatal'));

test('property: the total is in [0, 100] (or not scorable when all is N/A), and answer order does not matter', () => {
  fc.assert(fc.property(evaluationArb, fc.integer(), ({ form, answers }, seed) => {
    const s = scored(scoreEvaluation(form, answers));
    if (s.percent === null) assert.deepEqual(s.outcome, { outcome: 'not-scorable' });
    else assert.ok(s.percent >= 0 && s.percent <= 100);
    const shuffled = [...answers].sort((x, y) => ((x.questionId.length * 31 + seed) % 7) - ((y.questionId.length * 31 + seed) % 7));
    assert.deepEqual(scored(scoreEvaluation(form, shuffled)).percent, s.percent);
  }), { numRuns: 300 });
});

test('property: scaling every question weight of a section, or every section weight, does not change the score', () => {
  fc.assert(fc.property(evaluationArb, fc.integer({ min: 2, max: 1000 }), fc.nat(), ({ form, answers }, k, pick) => {
    const base = scored(scoreEvaluation(form, answers));
    const si = pick % form.sections.length;
    const inSection: EvaluationForm = { ...form, sections: form.sections.map((s, i) => (i !== si ? s : { ...s, questions: s.questions.map((q) => ({ ...q, weight: q.weight * k })) })) };
    const sections: EvaluationForm = { ...form, sections: form.sections.map((s) => ({ ...s, weight: s.weight * k })) };
    for (const f of [inSection, sections]) {
      const s = scored(scoreEvaluation(f, answers));
      if (base.percent === null) assert.equal(s.percent, null); else close(s.percent, base.percent);
      assert.deepEqual(s.outcome, base.outcome);
    }
  }), { numRuns: 300 });
});

test('property: N/A on a question scores exactly as the form without that question', () => {
  fc.assert(fc.property(evaluationArb, fc.nat(), ({ form, answers }, pick) => {
    const target = answers[pick % answers.length]!.questionId;
    const withNa = answers.map((x) => (x.questionId === target ? a(target, na) : x));
    const naForm: EvaluationForm = { ...form, sections: form.sections.map((s) => ({ ...s, questions: s.questions.map((q) => (q.id === target ? { ...q, na: 'allowed' as const } : q)) })) };
    const removed: EvaluationForm = { ...form, sections: form.sections.map((s) => ({ ...s, questions: s.questions.filter((q) => q.id !== target) })).filter((s) => s.questions.length > 0) };
    const x = scored(scoreEvaluation(naForm, withNa));
    const y = scored(scoreEvaluation(removed, answers.filter((v) => v.questionId !== target)));
    if (y.percent === null) assert.equal(x.percent, null); else close(x.percent, y.percent);
    assert.deepEqual(x.outcome, y.outcome);
    assert.deepEqual(x.fatal, y.fatal);
    assert.deepEqual(x.critical.failed, y.critical.failed);
  }), { numRuns: 300 });
});

test('property: any failed fatal question gives 0 and failed; without one the verdict follows the pass mark', () => {
  fc.assert(fc.property(evaluationArb, ({ form, answers }) => {
    const s = scored(scoreEvaluation(form, answers));
    const fatalFailed = s.questions.filter((q) => q.status === 'fail' && isFatal(form, q.questionId));
    if (fatalFailed.length > 0) {
      assert.equal(s.percent, 0);
      assert.deepEqual(s.outcome, { outcome: 'failed', reason: 'fatal' });
      assert.deepEqual(s.fatal.failed, fatalFailed.map((q) => q.questionId));
    } else if (s.percent !== null) {
      assert.equal(s.percent, s.percentBeforeFatal);
      assert.equal(s.outcome.outcome, s.percent + 1e-9 >= 70 ? 'passed' : 'failed');
    }
  }), { numRuns: 300 });
});

test('property: raising one answer (no to yes, a higher scale value) never lowers the score before fatal rules', () => {
  fc.assert(fc.property(evaluationArb, fc.nat(), ({ form, answers }, pick) => {
    const i = pick % answers.length;
    const v = answers[i]!.value;
    const better: AnswerValue | null = v.kind === 'yes-no' && v.answer === 'no' ? yes : v.kind === 'scale' && v.value < 5 ? scale(v.value + 1) : null;
    fc.pre(better !== null);
    const before = scored(scoreEvaluation(form, answers)).percentBeforeFatal!;
    const after = scored(scoreEvaluation(form, answers.map((x, j) => (j === i ? a(x.questionId, better!) : x)))).percentBeforeFatal!;
    assert.ok(after >= before - 1e-9, `${after} < ${before}`);
  }), { numRuns: 300 });
});
