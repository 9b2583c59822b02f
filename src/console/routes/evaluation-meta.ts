/** GET /api/evaluations/:id/meta (listening roles; evaluation and recording in scope): the player's meta with the evaluation's own time-stamped notes. */
import type { RouteSpec } from '../console-app.js';
import { viewerOf } from '../console-app.js';
import { evaluationNotes } from '../../index/quality-store.js';
import { notFound } from '../refusal.js';
import { evaluationParams, visibleEvaluation } from './evaluation-access.js';
import { playerMeta } from './recording-meta.js';

export const evaluationMeta: RouteSpec = {
  method: 'GET', url: '/api/evaluations/:id/meta', access: 'recordings.listen', kind: 'api',
  schema: { params: evaluationParams },
  async handler(app, req) {
    const v = visibleEvaluation(app, viewerOf(req), (req.params as { id: string }).id);
    if (v.rec === null) throw notFound('recording');
    return playerMeta(v.rec, evaluationNotes(app.index.db, v.ev.id));
  },
};
