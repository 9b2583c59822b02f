/** POST /recordings/:id/evaluations (qa, supervisor; recording in scope; CSRF): starts a draft on the latest version of the form chosen (default: `default`). */
import { randomBytes } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { ConsoleApp, RouteSpec } from '../console-app.js';
import type { OpsRecording } from '../../index/ops-rows.js';
import type { EvaluationForm } from '../../quality/form.js';
import { viewerOf } from '../console-app.js';
import { createEvaluation, currentForm } from '../../index/quality-store.js';
import { DEFAULT_FORM } from '../../quality/default-form.js';
import { notFound } from '../refusal.js';
import { recordingParams, visibleRecording } from './recording-access.js';

/** The request of a page that starts work on a recording with a form: the recording's id, the CSRF field, the form (default: `default`). */
export const startOnRecordingSchema = { params: recordingParams, body: { type: 'object', required: ['_csrf'], properties: { _csrf: { type: 'string' }, form: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,63}$' } } } };

/** The recording (in the viewer's scope) and the latest version of the form asked for, or the 404 that says which is missing. */
export function recordingAndForm(app: ConsoleApp, req: FastifyRequest, now: Date): { rec: OpsRecording; form: EvaluationForm } {
  const viewer = viewerOf(req);
  const rec = visibleRecording(app, viewer, (req.params as { id: string }).id);
  const form = currentForm(app.index.db, (req.body as { form?: string }).form ?? DEFAULT_FORM.id, viewer.username, now);
  if (form === null) throw notFound('form');
  return { rec, form };
}

export const evaluationCreate: RouteSpec = {
  method: 'POST', url: '/recordings/:id/evaluations', access: 'evaluations.score', kind: 'page',
  schema: startOnRecordingSchema,
  async handler(app, req, reply) {
    const viewer = viewerOf(req);
    const now = app.now();
    const { rec, form } = recordingAndForm(app, req, now);
    const id = `ev-${randomBytes(12).toString('hex')}`;
    const r = createEvaluation(app.index.db, { id, recordingId: rec.id, form: { id: form.id, version: form.version }, evaluator: viewer.username, now });
    // Both reasons mean the recording or form went between the check and the write (a purge): the same 404.
    if (!r.created) throw notFound(r.reason === 'unknown-form' ? 'form' : 'recording');
    return reply.code(303).header('location', `/evaluations/${id}`).send();
  },
};
