/**
 * The score of an evaluation: pure (no I/O, no clock), so the console, the
 * dashboards, the agent export and a QA lead with a calculator all get the
 * same figure. docs/quality.md, "Scoring", states the rules with a worked
 * example that test/unit/quality/scoring.test.ts checks:
 *
 * - a question earns weight x share: yes = 1, no = 0, a scale value v in
 *   [min, max] earns (v - min) / (max - min), a choice earns its option's points;
 * - N/A removes the question from both what was earned and what was possible;
 * - a section's percentage is earned / possible over its answered questions;
 *   a section whose questions are all N/A drops out of the total;
 * - the total is the mean of the section percentages weighted by section weight;
 * - critical questions are also scored apart (same rules, only them), their
 *   failures listed; a failed fatal question sets the total to 0 and fails
 *   the evaluation, the score before it is kept for coaching.
 */
import type { EvaluationForm, Question } from './form.js';

export type AnswerValue =
  | { readonly kind: 'yes-no'; readonly answer: 'yes' | 'no' }
  | { readonly kind: 'scale'; readonly value: number }
  | { readonly kind: 'choice'; readonly option: string }
  | { readonly kind: 'na' };

export interface Answer {
  readonly questionId: string;
  readonly value: AnswerValue;
  readonly comment?: string | undefined;
}

export type AnswerProblem =
  | { readonly problem: 'unknown-question' | 'duplicate-answer'; readonly questionId: string }
  | { readonly problem: 'unanswered' | 'na-forbidden' | 'wrong-kind' | 'out-of-range' | 'unknown-option' | 'comment-required'; readonly questionId: string };

export type QuestionStatus = 'pass' | 'fail' | 'na';

export interface QuestionScore {
  readonly questionId: string;
  readonly sectionId: string;
  readonly status: QuestionStatus;
  /** weight x share; 0 when N/A. */
  readonly earned: number;
  /** the weight; 0 when N/A. */
  readonly possible: number;
}

export interface SectionScore {
  readonly sectionId: string;
  readonly weight: number;
  /** null when every question of the section is N/A. */
  readonly percent: number | null;
}

export type Outcome =
  | { readonly outcome: 'passed' }
  | { readonly outcome: 'failed'; readonly reason: 'fatal' | 'below-pass-mark' }
  /** The form has no pass mark: a figure, no verdict. */
  | { readonly outcome: 'scored' }
  /** Every question N/A: there is nothing to score. */
  | { readonly outcome: 'not-scorable' };

export interface Score {
  readonly kind: 'scored';
  /** Which form version the figures mean something against. */
  readonly form: { readonly id: string; readonly version: number };
  /** In [0, 100]; 0 after a fatal failure; null when not scorable. Unrounded: views round for display. */
  readonly percent: number | null;
  /** The total before fatal rules, for coaching. */
  readonly percentBeforeFatal: number | null;
  readonly sections: readonly SectionScore[];
  readonly questions: readonly QuestionScore[];
  /** Critical questions scored apart (null when none was answered) and the ids of those failed. */
  readonly critical: { readonly percent: number | null; readonly failed: readonly string[] };
  readonly fatal: { readonly failed: readonly string[] };
  readonly outcome: Outcome;
}

export type ScoreResult = Score | { readonly kind: 'invalid'; readonly form: { readonly id: string; readonly version: number }; readonly problems: readonly AnswerProblem[] };

/** The share of the weight an answer earns, or a problem; N/A is handled by the caller. */
export function answerShare(q: Question, v: Exclude<AnswerValue, { kind: 'na' }>): number | 'wrong-kind' | 'out-of-range' | 'unknown-option' {
  if (v.kind !== q.kind) return 'wrong-kind';
  switch (v.kind) {
    case 'yes-no': return v.answer === 'yes' ? 1 : 0;
    case 'scale': {
      const s = q as Extract<Question, { kind: 'scale' }>;
      if (!Number.isInteger(v.value) || v.value < s.min || v.value > s.max) return 'out-of-range';
      return (v.value - s.min) / (s.max - s.min);
    }
    case 'choice': {
      const option = (q as Extract<Question, { kind: 'choice' }>).options.find((o) => o.id === v.option);
      return option === undefined ? 'unknown-option' : option.points;
    }
  }
}

function statusOf(q: Question, s: number): QuestionStatus {
  // A "no" always fails, whatever passAt says.
  if (q.kind === 'yes-no') return s === 1 ? 'pass' : 'fail';
  return s >= (q.passAt ?? 1) ? 'pass' : 'fail';
}

/** Weighted mean of section percentages over the questions `keep` selects; null when nothing is left. */
function total(form: EvaluationForm, scores: readonly QuestionScore[], keep: (q: QuestionScore) => boolean): { percent: number | null; sections: SectionScore[] } {
  const sections: SectionScore[] = [];
  let weighted = 0;
  let weights = 0;
  for (const s of form.sections) {
    let earned = 0;
    let possible = 0;
    for (const q of scores) {
      if (q.sectionId !== s.id || !keep(q)) continue;
      earned += q.earned;
      possible += q.possible;
    }
    const percent = possible > 0 ? Math.min(100, (100 * earned) / possible) : null;
    sections.push({ sectionId: s.id, weight: s.weight, percent });
    if (percent !== null) { weighted += s.weight * percent; weights += s.weight; }
  }
  return { percent: weights > 0 ? Math.min(100, Math.max(0, weighted / weights)) : null, sections };
}

/**
 * Scores a complete set of answers against one form version. Answers that
 * do not fit the form (unknown question, a value out of range, N/A where it
 * is forbidden, a missing required comment, an unanswered question) give
 * `invalid` with every problem, so a submit page can point at each.
 */
export function scoreEvaluation(form: EvaluationForm, answers: readonly Answer[]): ScoreResult {
  const ref = { id: form.id, version: form.version };
  const problems: AnswerProblem[] = [];
  const byId = new Map<string, Answer>();
  const known = new Set(form.sections.flatMap((s) => s.questions.map((q) => q.id)));
  for (const a of answers) {
    if (!known.has(a.questionId)) problems.push({ problem: 'unknown-question', questionId: a.questionId });
    else if (byId.has(a.questionId)) problems.push({ problem: 'duplicate-answer', questionId: a.questionId });
    else byId.set(a.questionId, a);
  }
  const scores: QuestionScore[] = [];
  for (const section of form.sections) {
    for (const q of section.questions) {
      const a = byId.get(q.id);
      if (a === undefined) { problems.push({ problem: 'unanswered', questionId: q.id }); continue; }
      const hasComment = a.comment !== undefined && a.comment.trim().length > 0;
      if (a.value.kind === 'na') {
        if (q.na === 'forbidden') problems.push({ problem: 'na-forbidden', questionId: q.id });
        // "required" asks for a reason even for N/A; "on-failure" does not apply to an N/A.
        else if (q.comment === 'required' && !hasComment) problems.push({ problem: 'comment-required', questionId: q.id });
        scores.push({ questionId: q.id, sectionId: section.id, status: 'na', earned: 0, possible: 0 });
        continue;
      }
      const s = answerShare(q, a.value);
      if (typeof s === 'string') { problems.push({ problem: s, questionId: q.id }); continue; }
      const status = statusOf(q, s);
      if (!hasComment && (q.comment === 'required' || (q.comment === 'on-failure' && status === 'fail'))) problems.push({ problem: 'comment-required', questionId: q.id });
      scores.push({ questionId: q.id, sectionId: section.id, status, earned: q.weight * s, possible: q.weight });
    }
  }
  if (problems.length > 0) return { kind: 'invalid', form: ref, problems };

  const severity = new Map(form.sections.flatMap((s) => s.questions.map((q) => [q.id, q.severity] as const)));
  const failedOf = (level: 'critical' | 'fatal') => scores.filter((q) => q.status === 'fail' && severity.get(q.questionId) === level).map((q) => q.questionId);
  const all = total(form, scores, () => true);
  const critical = total(form, scores, (q) => severity.get(q.questionId) === 'critical');
  const fatalFailed = failedOf('fatal');

  let outcome: Outcome;
  if (all.percent === null) outcome = { outcome: 'not-scorable' };
  else if (fatalFailed.length > 0) outcome = { outcome: 'failed', reason: 'fatal' };
  else if (form.passMark === undefined) outcome = { outcome: 'scored' };
  // 1e-9: a total a QA lead computes as exactly the mark (80 = 80) must pass despite binary floating point.
  else outcome = all.percent + 1e-9 >= form.passMark ? { outcome: 'passed' } : { outcome: 'failed', reason: 'below-pass-mark' };

  return {
    kind: 'scored', form: ref,
    percent: all.percent === null ? null : fatalFailed.length > 0 ? 0 : all.percent,
    percentBeforeFatal: all.percent,
    sections: all.sections, questions: scores,
    critical: { percent: critical.percent, failed: failedOf('critical') },
    fatal: { failed: fatalFailed },
    outcome,
  };
}
