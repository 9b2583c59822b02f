/**
 * Calibration: several evaluators score the same call (each without seeing
 * the others' answers: the store and pages enforce that), and the report
 * says how far each is from the reference evaluation, question by question
 * and in total. Pure. Deviations are in percentage points of the question's
 * weight (an evaluator who gives 3/5 where the reference gives 5/5 on a
 * 1-5 scale is at -50); an N/A on one side only is a mismatch, not a number.
 */
import type { EvaluationForm } from './form.js';
import { answerShare, scoreEvaluation, type Answer, type AnswerProblem } from './scoring.js';

export interface CalibrationEntry {
  readonly evaluator: string;
  readonly answers: readonly Answer[];
}

export type QuestionDeviation =
  | { readonly kind: 'scored'; readonly deviation: number }
  | { readonly kind: 'both-na' }
  | { readonly kind: 'na-mismatch'; readonly referenceNa: 'na' | 'answered' };

export interface EvaluatorDeviation {
  readonly evaluator: string;
  /** Total percent minus the reference's (null when either is not scorable). */
  readonly totalDeviation: number | null;
  /** Mean of |deviation| over the questions both answered (null when none). */
  readonly meanAbsoluteDeviation: number | null;
  readonly naMismatches: number;
  readonly questions: Readonly<Record<string, QuestionDeviation>>;
}

export type CalibrationReport =
  | { readonly kind: 'report'; readonly form: { readonly id: string; readonly version: number }; readonly evaluators: readonly EvaluatorDeviation[] }
  /** The reference or an entry does not fit the form: nothing compared. */
  | { readonly kind: 'invalid'; readonly who: string; readonly problems: readonly AnswerProblem[] };

function sharesOf(form: EvaluationForm, answers: readonly Answer[]): Map<string, number | 'na'> {
  const by = new Map(answers.map((a) => [a.questionId, a.value]));
  const out = new Map<string, number | 'na'>();
  for (const s of form.sections) for (const q of s.questions) {
    const v = by.get(q.id)!;
    out.set(q.id, v.kind === 'na' ? 'na' : (answerShare(q, v) as number));
  }
  return out;
}

/**
 * The form as calibration scores it: comments are never required. A
 * calibration compares answers; a comment rule (for example "on failure")
 * would make an answer without its comment invalid, and the comment itself
 * is not compared.
 */
export function withoutCommentRules(form: EvaluationForm): EvaluationForm {
  return { ...form, sections: form.sections.map((s) => ({ ...s, questions: s.questions.map((q) => ({ ...q, comment: 'optional' as const })) })) };
}

export function calibrationReport(formIn: EvaluationForm, reference: readonly Answer[], entries: readonly CalibrationEntry[]): CalibrationReport {
  const form = withoutCommentRules(formIn);
  const ref = scoreEvaluation(form, reference);
  if (ref.kind === 'invalid') return { kind: 'invalid', who: 'reference', problems: ref.problems };
  const refShares = sharesOf(form, reference);
  const evaluators: EvaluatorDeviation[] = [];
  for (const e of entries) {
    const s = scoreEvaluation(form, e.answers);
    if (s.kind === 'invalid') return { kind: 'invalid', who: e.evaluator, problems: s.problems };
    const mine = sharesOf(form, e.answers);
    const questions: Record<string, QuestionDeviation> = {};
    let sum = 0;
    let n = 0;
    let mismatches = 0;
    for (const [id, r] of refShares) {
      const m = mine.get(id)!;
      if (r === 'na' && m === 'na') questions[id] = { kind: 'both-na' };
      else if (r === 'na' || m === 'na') { questions[id] = { kind: 'na-mismatch', referenceNa: r === 'na' ? 'na' : 'answered' }; mismatches++; }
      else { const d = 100 * (m - r); questions[id] = { kind: 'scored', deviation: d }; sum += Math.abs(d); n++; }
    }
    evaluators.push({
      evaluator: e.evaluator,
      // Fatal rules included: an evaluator who misses a fatal failure is far off, and the total says so.
      totalDeviation: s.percent === null || ref.percent === null ? null : s.percent - ref.percent,
      meanAbsoluteDeviation: n === 0 ? null : sum / n,
      naMismatches: mismatches,
      questions,
    });
  }
  return { kind: 'report', form: ref.form, evaluators };
}
