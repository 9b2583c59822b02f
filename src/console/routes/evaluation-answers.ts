/**
 * POST /evaluations/:id/answers (qa, supervisor; CSRF): the evaluation form's
 * answers. `action=save` keeps a draft (it may be incomplete), `submit` saves
 * then submits (refused with the problems listed, the draft kept), `rescore`
 * answers a dispute with new answers and a comment (another reviewer than the
 * author). Fields: `a.<question>` = yes | no | a scale value | an option id |
 * na, `c.<question>` = its comment.
 */
import type { RouteSpec } from '../console-app.js';
import { viewerOf } from '../console-app.js';
import { applyEvaluationStep, getFormVersion, saveDraftAnswers, type StepResult } from '../../index/quality-store.js';
import type { EvaluationForm } from '../../quality/form.js';
import type { Answer, AnswerProblem, AnswerValue } from '../../quality/scoring.js';
import type { Translate } from '../i18n.js';
import { badRequest, notFound, stepRefused } from '../refusal.js';
import { actorOf, evaluationParams, visibleEvaluation } from './evaluation-access.js';
import { renderEvaluation } from './evaluation-show.js';

/**
 * The answers a form post carries, in form order; a question left blank is
 * unanswered (the draft keeps the gap, a submit names it). Values are read
 * as the question's kind says; a value that does not fit becomes a problem of
 * the scoring rules (wrong kind, out of range, unknown option), never a guess.
 */
export function answersFromFields(form: EvaluationForm, fields: Readonly<Record<string, string>>): Answer[] {
  const out: Answer[] = [];
  for (const s of form.sections) {
    for (const q of s.questions) {
      const raw = (fields[`a.${q.id}`] ?? '').trim();
      const comment = (fields[`c.${q.id}`] ?? '').trim();
      if (raw === '') continue;
      let value: AnswerValue;
      if (raw === 'na') value = { kind: 'na' };
      else if (q.kind === 'yes-no') value = raw === 'yes' || raw === 'no' ? { kind: 'yes-no', answer: raw } : { kind: 'choice', option: raw };
      else if (q.kind === 'scale') value = /^-?\d+$/.test(raw) ? { kind: 'scale', value: Number(raw) } : { kind: 'choice', option: raw };
      else value = { kind: 'choice', option: raw };
      out.push({ questionId: q.id, value, ...(comment === '' ? {} : { comment }) });
    }
  }
  return out;
}

export function problemsText(t: Translate, form: EvaluationForm, lang: 'fr' | 'en', problems: readonly AnswerProblem[]): string {
  const label = new Map(form.sections.flatMap((s) => s.questions.map((q) => [q.id, q.label[lang]] as const)));
  return problems.map((p) => t(`eval.problem.${p.problem}`, label.get(p.questionId) ?? p.questionId)).join('; ');
}

/** A refused step as the refusal the user reads: 409 when the state does not allow it, 403 when the person may not. */
export function refusalOf(t: Translate, r: Extract<StepResult, { done: false }>) {
  if (r.reason === 'unknown-evaluation') return notFound('evaluation');
  if (r.reason === 'invalid-answers') return badRequest(r.problems.map((p) => `${p.questionId}: ${p.problem}`).join('; '));
  return stepRefused(r.reason === 'illegal-transition' || r.reason === 'comment-required' ? 409 : 403, t(`eval.refusal.${r.reason}`));
}

export const evaluationAnswers: RouteSpec = {
  method: 'POST', url: '/evaluations/:id/answers', access: 'evaluations.score', kind: 'page',
  schema: {
    params: evaluationParams,
    body: {
      type: 'object', required: ['_csrf', 'action'],
      properties: { _csrf: { type: 'string' }, action: { type: 'string', enum: ['save', 'submit', 'rescore'] }, comment: { type: 'string', maxLength: 2000 } },
      additionalProperties: { type: 'string', maxLength: 2000 },
    },
  },
  async handler(app, req, reply) {
    const viewer = viewerOf(req);
    const id = (req.params as { id: string }).id;
    const v = visibleEvaluation(app, viewer, id);
    const body = req.body as Record<string, string> & { action: 'save' | 'submit' | 'rescore'; comment?: string };
    const form = getFormVersion(app.index.db, v.ev.form.id, v.ev.form.version)!;
    const answers = answersFromFields(form, body);
    const now = app.now();
    const t = req.cv.t;
    if (body.action === 'rescore') {
      const r = applyEvaluationStep(app.index.db, id, { type: 'rescore', comment: body.comment ?? '' }, actorOf(viewer), now, answers);
      if (!r.done) {
        if (r.reason === 'invalid-answers') throw badRequest(problemsText(t, form, req.cv.lang, r.problems));
        throw refusalOf(t, r);
      }
      return reply.code(303).header('location', `/evaluations/${id}?done=rescored`).send();
    }
    const saved = saveDraftAnswers(app.index.db, id, answers, viewer.username, now);
    if (!saved.saved) {
      if (saved.reason === 'unknown-evaluation') throw notFound('evaluation');
      throw stepRefused(saved.reason === 'not-editable' ? 409 : 403, t(saved.reason === 'not-editable' ? 'eval.refusal.illegal-transition' : 'eval.refusal.not-the-author'));
    }
    if (body.action === 'save') return reply.code(303).header('location', `/evaluations/${id}?done=saved`).send();
    const r = applyEvaluationStep(app.index.db, id, { type: 'submit' }, actorOf(viewer), now);
    if (!r.done) {
      // The draft is saved: show it again with what is missing, answers as typed.
      if (r.reason === 'invalid-answers') return renderEvaluation(app, req, reply, id, t('eval.invalid', problemsText(t, form, req.cv.lang, r.problems)), 400);
      throw refusalOf(t, r);
    }
    return reply.code(303).header('location', `/evaluations/${id}?done=submitted`).send();
  },
};
