/** POST /recordings/:id/evaluations (qa, supervisor; recording in scope; CSRF): starts a draft on the latest version of the form chosen (default: `default`). */
import { randomBytes } from 'node:crypto';
import type { RouteSpec } from '../console-app.js';
import { viewerOf } from '../console-app.js';
import { createEvaluation, currentForm } from '../../index/quality-store.js';
import { DEFAULT_FORM } from '../../quality/default-form.js';
import { notFound } from '../refusal.js';
import { recordingParams, visibleRecording } from './recording-access.js';

export const evaluationCreate: RouteSpec = {
  method: 'POST', url: '/recordings/:id/evaluations', access: 'evaluations.score', kind: 'page',
  schema: { params: recordingParams, body: { type: 'object', required: ['_csrf'], properties: { _csrf: { type: 'string' }, form: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,63}$' } } } },
  async handler(app, req, reply) {
    const viewer = viewerOf(req);
    const rec = visibleRecording(app, viewer, (req.params as { id: string }).id);
    const now = app.now();
    const form = currentForm(app.index.db, (req.body as { form?: string }).form ?? DEFAULT_FORM.id, viewer.username, now);
    if (form === null) throw notFound('form');
    const id = `ev-${randomBytes(12).toString('hex')}`;
    const r = createEvaluation(app.index.db, { id, recordingId: rec.id, form: { id: form.id, version: form.version }, evaluator: viewer.username, now });
    // Both reasons mean the recording or form went between the check and the write (a purge): the same 404.
    if (!r.created) throw notFound(r.reason === 'unknown-form' ? 'form' : 'recording');
    return reply.code(303).header('location', `/evaluations/${id}`).send();
  },
};
