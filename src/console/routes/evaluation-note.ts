/**
 * POST /api/evaluations/:id/notes (qa, supervisor; CSRF): a note at the
 * player's position, about one question or the whole call, while the
 * evaluation's answers are being written (its author on a draft, the
 * reviewer of a dispute). The player sends it and draws it on the waveform.
 */
import type { RouteSpec } from '../console-app.js';
import { viewerOf } from '../console-app.js';
import { addEvaluationNote, getFormVersion } from '../../index/quality-store.js';
import { badRequest, stepRefused } from '../refusal.js';
import { evaluationActions, evaluationParams, visibleEvaluation } from './evaluation-access.js';

export const evaluationNote: RouteSpec = {
  method: 'POST', url: '/api/evaluations/:id/notes', access: 'evaluations.score', kind: 'api',
  schema: {
    params: evaluationParams,
    body: {
      type: 'object', required: ['atMs', 'text'],
      properties: { atMs: { type: 'integer', minimum: 0 }, text: { type: 'string', minLength: 1, maxLength: 2000 }, questionId: { type: 'string', maxLength: 64 } },
    },
  },
  async handler(app, req, reply) {
    const viewer = viewerOf(req);
    const v = visibleEvaluation(app, viewer, (req.params as { id: string }).id);
    const actions = evaluationActions(app, viewer, v);
    if (!actions.notes || actions.player === null) throw stepRefused(409, req.cv.t('eval.refusal.illegal-transition'));
    const b = req.body as { atMs: number; text: string; questionId?: string };
    if (b.atMs > actions.player.durationMs) throw badRequest(`atMs is past the end of the recording (${actions.player.durationMs} ms)`);
    const text = b.text.trim();
    if (text === '') throw badRequest('text is empty');
    const questionId = b.questionId === undefined || b.questionId === '' ? null : b.questionId;
    const form = getFormVersion(app.index.db, v.ev.form.id, v.ev.form.version)!;
    if (questionId !== null && !form.sections.some((s) => s.questions.some((q) => q.id === questionId))) throw badRequest(`questionId ${questionId} is not a question of this form`);
    const now = app.now();
    const id = addEvaluationNote(app.index.db, { evaluationId: v.ev.id, questionId, atMs: b.atMs, text, author: viewer.username, now });
    // The text may hold personal data: the audit row says a note was written, and where.
    app.audit(viewer.username, 'evaluation.note', { evaluation: v.ev.id, note: id, atMs: b.atMs }, v.ev.recordingId);
    return reply.code(201).send({ id, atMs: b.atMs, text, questionId, author: viewer.username, createdAt: now.toISOString() });
  },
};
