/** GET /evaluations/:id (reviewers in scope, the agent once released): the evaluation page; each view is audited (an evaluation is personal data about the agent). */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ConsoleApp, RouteSpec } from '../console-app.js';
import { pageContext, viewerOf } from '../console-app.js';
import { evaluationEvents, evaluationNotes, getAnswers, getFormVersion } from '../../index/quality-store.js';
import type { MessageKey } from '../i18n.js';
import { evaluationView } from '../views/evaluation.js';
import { agentLabel, evaluationActions, evaluationParams, visibleEvaluation } from './evaluation-access.js';

const DONE = ['saved', 'submitted', 'rescored', 'release', 'reopen', 'acknowledge', 'dispute', 'refuse', 'void'] as const;

/** Renders the page; the answers route also calls it to show a draft that cannot be submitted yet, with why. */
export function renderEvaluation(app: ConsoleApp, req: FastifyRequest, reply: FastifyReply, id: string, flash: string | null, status = 200): FastifyReply {
  const viewer = viewerOf(req);
  const v = visibleEvaluation(app, viewer, id);
  const form = getFormVersion(app.index.db, v.ev.form.id, v.ev.form.version)!;
  const ctx = pageContext(app, req);
  const html = evaluationView(ctx, {
    ev: v.ev, form, answers: getAnswers(app.index.db, id), notes: evaluationNotes(app.index.db, id), history: evaluationEvents(app.index.db, id),
    actions: evaluationActions(app, viewer, v), agentLabel: agentLabel(app, v, ctx.t('eval.you')), flash,
  });
  app.audit(viewer.username, 'evaluation.view', { evaluation: id }, v.ev.recordingId);
  return reply.code(status).type('text/html; charset=utf-8').send(html);
}

export const evaluationShow: RouteSpec = {
  method: 'GET', url: '/evaluations/:id', access: 'signed-in', kind: 'page',
  schema: { params: evaluationParams, querystring: { type: 'object', properties: { lang: { type: 'string', enum: ['fr', 'en'] }, done: { type: 'string', enum: [...DONE] } } } },
  async handler(app, req, reply) {
    const done = (req.query as { done?: (typeof DONE)[number] }).done;
    return renderEvaluation(app, req, reply, (req.params as { id: string }).id, done === undefined ? null : req.cv.t(`eval.done.${done}` as MessageKey));
  },
};
