/** GET /recordings/:id (roles that list recordings; object in scope): the recording page. */
import type { RouteSpec } from '../console-app.js';
import { pageContext, viewerOf } from '../console-app.js';
import { holdsOf } from '../../index/ops-rows.js';
import { can } from '../roles.js';
import { evaluationsOfRecording, listForms } from '../../index/quality-store.js';
import { calibrationsOfRecording } from '../../index/calibration-store.js';
import { recordingShowView } from '../views/recording-show.js';
import { copiesOf, derivedFrom } from '../../index/training-store.js';
import { recordingParams, visibleRecording } from './recording-access.js';

export const recordingShow: RouteSpec = {
  method: 'GET', url: '/recordings/:id', access: 'recordings.list', kind: 'page',
  schema: { params: recordingParams, querystring: { type: 'object', properties: { lang: { type: 'string', enum: ['fr', 'en'] } } } },
  async handler(app, req, reply) {
    const viewer = viewerOf(req);
    const rec = visibleRecording(app, viewer, (req.params as { id: string }).id);
    const canEvaluate = can(viewer.role, 'evaluations.score');
    // Compliance sees that evaluations exist (they may void one); reviewers open theirs and others' in scope.
    const evaluations = canEvaluate || viewer.role === 'compliance'
      ? evaluationsOfRecording(app.index.db, rec.id).map((e) => ({ id: e.id, evaluator: e.evaluator, state: e.state.state, percent: e.score?.percent ?? null }))
      : [];
    const model = { rec, holds: holdsOf(app.index.db, rec.id), trail: app.index.listAudit(rec.id), canListen: can(viewer.role, 'recordings.listen'), evaluations, canEvaluate,
      forms: canEvaluate ? listForms(app.index.db).map((f) => f.id) : [],
      calibrations: canEvaluate ? calibrationsOfRecording(app.index.db, rec.id).map((c) => ({ id: c.id, lead: c.lead, state: c.state })) : [],
      derivedFrom: derivedFrom(app.index.db, rec.id),
      // A trainer copies a quality recording (not a copy) to training (docs/quality.md, "Training").
      trainingCopy: can(viewer.role, 'training.manage') && rec.purpose === 'quality'
        ? { copies: copiesOf(app.index.db, rec.id), retentionDays: app.config.retention.training } : null };
    return reply.type('text/html; charset=utf-8').send(recordingShowView(pageContext(app, req), model));
  },
};
