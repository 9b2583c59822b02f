/**
 * POST /subjects (compliance, CSRF): finds a caller's recordings the way
 * `callvault subject find` does (E.164 with ops.defaultCountry, every
 * written form, keyed hashes) and writes the same audit row, naming the
 * subject by a short keyed hash only.
 */
import type { RouteSpec } from '../console-app.js';
import { pageContext, viewerOf } from '../console-app.js';
import { activeHoldIds, recordingsByCallerHashes } from '../../index/subject-queries.js';
import { normalizePhoneNumber, writtenForms } from '../../privacy/phone-number.js';
import { isCallvaultError } from '../../errors.js';
import { badRequest } from '../refusal.js';
import { subjectsView } from '../views/subjects.js';

export const subjectsFind: RouteSpec = {
  method: 'POST', url: '/subjects', access: 'subjects.find', kind: 'page',
  schema: { body: { type: 'object', required: ['number', 'reason', '_csrf'], properties: { number: { type: 'string', minLength: 1, maxLength: 40 }, reason: { type: 'string', minLength: 1, maxLength: 500 }, _csrf: { type: 'string' } } } },
  async handler(app, req, reply) {
    const viewer = viewerOf(req);
    const { number, reason } = req.body as { number: string; reason: string };
    const ctx = pageContext(app, req);
    if (app.hasher === null) throw badRequest('the console cannot read privacy.hashKeyFile, so it cannot match numbers');
    const why = reason.replace(/[\u0000-\u001f]/g, ' ').trim();
    if (why.length === 0) throw badRequest('reason is empty');
    let e164: string;
    try {
      e164 = normalizePhoneNumber(number, app.config.ops.defaultCountry);
    } catch (err) {
      if (!isCallvaultError(err, 'CV_ERR_OPS_NUMBER')) throw err;
      return reply.code(400).type('text/html; charset=utf-8').send(subjectsView(ctx, null, ctx.lang === 'fr' ? 'Numéro de téléphone invalide.' : 'Not a valid phone number.'));
    }
    const hasher = app.hasher;
    const rows = recordingsByCallerHashes(app.index.db, writtenForms(e164, app.config.ops.defaultCountry).map((f) => hasher.hex('caller', f)))
      .filter((r) => r.status !== 'purged');
    const held = activeHoldIds(app.index.db, rows.map((r) => r.id));
    app.audit(viewer.username, 'subject-find', { subject: hasher.short('log', e164), found: rows.length, via: 'console' }, null, why);
    return reply.type('text/html; charset=utf-8').send(subjectsView(ctx, { rows, held }, null));
  },
};
