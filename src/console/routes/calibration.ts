/**
 * Calibration in the console (qa, supervisor; docs/quality.md "Calibration"):
 * POST /recordings/:id/calibrations opens a session led by its creator (the
 * lead's answers are the reference); GET /calibrations/:id shows each
 * evaluator only their own answers while it is open (the player without
 * notes, so nothing hints at another's view), and the report once the lead
 * has closed it; POST /calibrations/:id/answers saves or submits one's own;
 * POST /calibrations/:id/close closes it. Reach is the evaluation pages': the
 * call's line and purpose in the viewer's scope, unknown ids the same 404.
 */
import { randomBytes } from 'node:crypto';
import type { ConsoleApp, RouteSpec } from '../console-app.js';
import { pageContext, viewerOf } from '../console-app.js';
import type { ConsoleUser } from '../store/users.js';
import {
  calibrationEntries, calibrationReportOf, closeCalibration, createCalibration, getCalibration, ownCalibrationAnswers, saveCalibrationAnswers,
  type Calibration,
} from '../../index/calibration-store.js';
import { getOpsRecording, type OpsRecording } from '../../index/ops-rows.js';
import { getFormVersion } from '../../index/quality-store.js';
import { badRequest, notFound, stepRefused } from '../refusal.js';
import { inScope, scopeOf } from '../roles.js';
import { calibrationView } from '../views/calibration.js';
import { answersFromFields, problemsText } from './evaluation-answers.js';
import { recordingAndForm, startOnRecordingSchema } from './evaluation-create.js';

const CALIBRATION_ID = /^cal-[0-9a-f]{24}$/;
const params = { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 40 } } } as const;

function visibleCalibration(app: ConsoleApp, viewer: ConsoleUser, id: string): { cal: Calibration; rec: OpsRecording | null } {
  const cal = CALIBRATION_ID.test(id) ? getCalibration(app.index.db, id) : null;
  if (cal === null) throw notFound('calibration');
  const row = getOpsRecording(app.index.db, cal.recordingId);
  const rec = row !== null && row.status !== 'purged' && row.purgeStartedAt === null ? row : null;
  const purpose = rec?.purpose ?? app.config.lines[cal.line]?.purpose ?? null;
  if (purpose === null || !inScope(scopeOf(viewer, app.console.teams), { line: cal.line, purpose })) throw notFound('calibration');
  return { cal, rec };
}

export const calibrationCreate: RouteSpec = {
  method: 'POST', url: '/recordings/:id/calibrations', access: 'evaluations.score', kind: 'page',
  schema: startOnRecordingSchema,
  async handler(app, req, reply) {
    const viewer = viewerOf(req);
    const now = app.now();
    const { rec, form } = recordingAndForm(app, req, now);
    const id = `cal-${randomBytes(12).toString('hex')}`;
    const r = createCalibration(app.index.db, { id, recordingId: rec.id, form: { id: form.id, version: form.version }, lead: viewer.username, now });
    if (!r.created) throw notFound(r.reason === 'unknown-form' ? 'form' : 'recording');
    return reply.code(303).header('location', `/calibrations/${id}`).send();
  },
};

export const calibrationShow: RouteSpec = {
  method: 'GET', url: '/calibrations/:id', access: 'evaluations.score', kind: 'page',
  schema: { params, querystring: { type: 'object', properties: { lang: { type: 'string', enum: ['fr', 'en'] }, done: { type: 'string', enum: ['saved', 'submitted', 'closed'] } } } },
  async handler(app, req, reply) {
    const viewer = viewerOf(req);
    const { cal, rec } = visibleCalibration(app, viewer, (req.params as { id: string }).id);
    const form = getFormVersion(app.index.db, cal.form.id, cal.form.version)!;
    const entries = calibrationEntries(app.index.db, cal.id);
    const done = (req.query as { done?: 'saved' | 'submitted' | 'closed' }).done;
    app.audit(viewer.username, 'calibration.view', { calibration: cal.id }, cal.recordingId);
    return reply.type('text/html; charset=utf-8').send(calibrationView(pageContext(app, req), {
      cal, form, entries, rec, viewer: viewer.username,
      own: ownCalibrationAnswers(app.index.db, cal.id, viewer.username) ?? [],
      report: calibrationReportOf(app.index.db, cal.id),
      flash: done === undefined ? null : req.cv.t(`cal.done.${done}`),
    }));
  },
};

export const calibrationAnswers: RouteSpec = {
  method: 'POST', url: '/calibrations/:id/answers', access: 'evaluations.score', kind: 'page',
  schema: {
    params,
    body: {
      type: 'object', required: ['_csrf', 'action'],
      properties: { _csrf: { type: 'string' }, action: { type: 'string', enum: ['save', 'submit'] } },
      additionalProperties: { type: 'string', maxLength: 2000 },
    },
  },
  async handler(app, req, reply) {
    const viewer = viewerOf(req);
    const { cal } = visibleCalibration(app, viewer, (req.params as { id: string }).id);
    const form = getFormVersion(app.index.db, cal.form.id, cal.form.version)!;
    const body = req.body as Record<string, string> & { action: 'save' | 'submit' };
    const r = saveCalibrationAnswers(app.index.db, cal.id, viewer.username, answersFromFields(form, body), body.action === 'submit', app.now());
    if (!r.saved) {
      if (r.reason === 'unknown-calibration') throw notFound('calibration');
      if (r.reason === 'invalid-answers') throw badRequest(req.cv.t('eval.invalid', problemsText(req.cv.t, form, req.cv.lang, r.problems)));
      throw stepRefused(409, req.cv.t(r.reason === 'closed' ? 'cal.refusal.closed' : 'cal.refusal.submitted'));
    }
    return reply.code(303).header('location', `/calibrations/${cal.id}?done=${r.submitted ? 'submitted' : 'saved'}`).send();
  },
};

export const calibrationClose: RouteSpec = {
  method: 'POST', url: '/calibrations/:id/close', access: 'evaluations.score', kind: 'page',
  schema: { params, body: { type: 'object', required: ['_csrf'], properties: { _csrf: { type: 'string' } } } },
  async handler(app, req, reply) {
    const viewer = viewerOf(req);
    const { cal } = visibleCalibration(app, viewer, (req.params as { id: string }).id);
    const r = closeCalibration(app.index.db, cal.id, viewer.username, app.now());
    if (!r.closed) {
      if (r.reason === 'unknown-calibration') throw notFound('calibration');
      throw stepRefused(r.reason === 'not-the-lead' ? 403 : 409, req.cv.t(`cal.refusal.${r.reason}`));
    }
    return reply.code(303).header('location', `/calibrations/${cal.id}?done=closed`).send();
  },
};
