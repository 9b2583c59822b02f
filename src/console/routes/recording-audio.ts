/**
 * GET /api/recordings/:id/audio?reason= (listening roles; object in scope;
 * grant for its purpose): streams the .age file exactly as stored, after an
 * audit row (who, which recording, when, why). The audit row is written
 * before the first byte: an access that cannot be traced does not happen.
 * Refusals: 403 CV_ERR_CONSOLE_FORBIDDEN for a role that never listens, 404
 * for an id unknown or out of scope, 403 CV_ERR_CONSOLE_NO_GRANT when the
 * scope allows it but the user holds no key for its purpose.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { RouteSpec } from '../console-app.js';
import { viewerOf } from '../console-app.js';
import { Refusal, notFound } from '../refusal.js';
import { hasGrant } from '../store/grants.js';
import { recordingParams, visibleRecording } from './recording-access.js';

export const DEFAULT_REASON = 'quality review';

export const recordingAudio: RouteSpec = {
  method: 'GET', url: '/api/recordings/:id/audio', access: 'recordings.listen', kind: 'api',
  schema: { params: recordingParams, querystring: { type: 'object', properties: { reason: { type: 'string', maxLength: 500 }, lang: { type: 'string' } } } },
  async handler(app, req, reply) {
    const viewer = viewerOf(req);
    const rec = visibleRecording(app, viewer, (req.params as { id: string }).id);
    if (!hasGrant(app.index.db, viewer.username, rec.purpose)) {
      app.audit(viewer.username, 'console.listen-refused', { why: 'no grant', purpose: rec.purpose }, rec.id);
      throw new Refusal(403, 'CV_ERR_CONSOLE_NO_GRANT', [rec.purpose, rec.purpose]);
    }
    const typed = ((req.query as { reason?: string }).reason ?? '').replace(/[\u0000-\u001f]/g, ' ').trim();
    const reason = typed.length > 0 ? typed : DEFAULT_REASON;
    const path = join(app.config.storage.dir, rec.file);
    const st = await stat(path).catch(() => null);
    if (st === null) throw notFound('recording file');
    app.audit(viewer.username, 'console.listen', { address: req.ip, bytes: st.size, sha256: rec.sha256 }, rec.id, reason);
    return reply.type('application/octet-stream').header('content-length', String(st.size))
      .header('content-disposition', `attachment; filename="${rec.id}.opus.age"`).send(createReadStream(path));
  },
};
