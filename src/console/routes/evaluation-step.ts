/** POST /evaluations/:id/step (reviewers and the agent; CSRF): release, reopen, acknowledge, dispute, refuse or void, with the comment the step needs. */
import type { RouteSpec } from '../console-app.js';
import { viewerOf } from '../console-app.js';
import { applyEvaluationStep } from '../../index/quality-store.js';
import type { EvaluationEvent } from '../../quality/evaluation-state.js';
import { actorOf, evaluationParams, visibleEvaluation } from './evaluation-access.js';
import { refusalOf } from './evaluation-answers.js';

const EVENTS = ['release', 'reopen', 'acknowledge', 'dispute', 'refuse', 'void'] as const;
type StepEvent = (typeof EVENTS)[number];

function eventOf(type: StepEvent, comment: string): EvaluationEvent {
  switch (type) {
    case 'release': return { type };
    case 'acknowledge': return { type, comment };
    case 'reopen': case 'void': return { type, reason: comment };
    case 'dispute': case 'refuse': return { type, comment };
  }
}

export const evaluationStep: RouteSpec = {
  method: 'POST', url: '/evaluations/:id/step', access: 'signed-in', kind: 'page',
  schema: {
    params: evaluationParams,
    body: { type: 'object', required: ['_csrf', 'event'], properties: { _csrf: { type: 'string' }, event: { type: 'string', enum: [...EVENTS] }, comment: { type: 'string', maxLength: 2000 } } },
  },
  async handler(app, req, reply) {
    const viewer = viewerOf(req);
    const id = (req.params as { id: string }).id;
    // Out of reach is a 404 before any lifecycle question: nobody learns that an evaluation exists.
    visibleEvaluation(app, viewer, id);
    const b = req.body as { event: StepEvent; comment?: string };
    const r = applyEvaluationStep(app.index.db, id, eventOf(b.event, b.comment ?? ''), actorOf(viewer), app.now());
    if (!r.done) throw refusalOf(req.cv.t, r);
    // The agent no longer reaches a voided evaluation: back to their page.
    const to = viewer.role === 'agent' && r.state.state === 'void' ? '/me' : `/evaluations/${id}?done=${b.event}`;
    return reply.code(303).header('location', to).send();
  },
};
