/**
 * The forms page (qa: the QA team owns its forms): GET /quality/forms lists
 * and edits, GET /quality/forms/:id/:version downloads one version's JSON,
 * POST /quality/forms saves an edit through the versioning rules (the same
 * code as `callvault form import`), audited by the store (form.save).
 */
import type { RouteSpec } from '../console-app.js';
import { pageContext, viewerOf } from '../console-app.js';
import { CallvaultError } from '../../errors.js';
import { currentForm, getFormVersion, listForms, saveForm } from '../../index/quality-store.js';
import { DEFAULT_FORM } from '../../quality/default-form.js';
import { formToJson, parseFormJson } from '../../quality/form-schema.js';
import { notFound } from '../refusal.js';
import { formsView } from '../views/forms.js';

const FORM_ID = { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,63}$' } as const;

export const formsShow: RouteSpec = {
  method: 'GET', url: '/quality/forms', access: 'forms.manage', kind: 'page',
  schema: { querystring: { type: 'object', properties: { lang: { type: 'string', enum: ['fr', 'en'] }, edit: FORM_ID, saved: FORM_ID, version: { type: 'integer', minimum: 1 }, plan: { type: 'string', enum: ['create', 'new-version', 'replace', 'unchanged'] } } } },
  async handler(app, req, reply) {
    const q = req.query as { edit?: string; saved?: string; version?: number; plan?: 'create' | 'new-version' | 'replace' | 'unchanged' };
    const t = req.cv.t;
    const editId = q.edit ?? q.saved ?? DEFAULT_FORM.id;
    const editing = currentForm(app.index.db, editId, viewerOf(req).username, app.now());
    if (editing === null) throw notFound('form');
    const message = q.saved !== undefined && q.plan !== undefined && q.version !== undefined ? { kind: 'ok' as const, text: t(`forms.plan.${q.plan}`, q.saved, q.version) } : null;
    return reply.type('text/html; charset=utf-8').send(formsView(pageContext(app, req), { forms: listForms(app.index.db), editing: formToJson(editing), message }));
  },
};

export const formDownload: RouteSpec = {
  method: 'GET', url: '/quality/forms/:id/:version', access: 'forms.manage', kind: 'page',
  schema: { params: { type: 'object', required: ['id', 'version'], properties: { id: FORM_ID, version: { type: 'integer', minimum: 1 } } } },
  async handler(app, req, reply) {
    const p = req.params as { id: string; version: number };
    const f = getFormVersion(app.index.db, p.id, p.version);
    if (f === null) throw notFound('form');
    return reply.type('application/json; charset=utf-8').header('content-disposition', `attachment; filename="${p.id}-v${p.version}.json"`).send(formToJson(f));
  },
};

export const formSave: RouteSpec = {
  method: 'POST', url: '/quality/forms', access: 'forms.manage', kind: 'page',
  schema: { body: { type: 'object', required: ['_csrf', 'json'], properties: { _csrf: { type: 'string' }, json: { type: 'string', maxLength: 60_000 } } } },
  async handler(app, req, reply) {
    const viewer = viewerOf(req);
    const text = (req.body as { json: string }).json;
    let form;
    try {
      form = parseFormJson(text, 'the text');
    } catch (err) {
      if (!(err instanceof CallvaultError)) throw err;
      // The text comes back as typed, with every problem: nothing is lost, nothing is saved.
      return reply.code(400).type('text/html; charset=utf-8').send(formsView(pageContext(app, req), { forms: listForms(app.index.db), editing: text, message: { kind: 'error', text: err.message } }));
    }
    const plan = saveForm(app.index.db, form, viewer.username, app.now());
    const version = plan.action === 'unchanged' ? plan.version : plan.form.version;
    return reply.code(303).header('location', `/quality/forms?saved=${form.id}&version=${version}&plan=${plan.action}`).send();
  },
};
