/**
 * POST /api/me/key (any signed-in user, CSRF): stores the user's recipient and
 * the identity the browser wrapped. The server checks the shapes only: it
 * cannot open the wrap, and a wrap that is not an age file is refused so that
 * a bug in a browser never stores a key in clear. 409 if a key exists.
 */
import type { RouteSpec } from '../console-app.js';
import { viewerOf } from '../console-app.js';
import { Refusal, badRequest } from '../refusal.js';
import { insertUserKey } from '../store/user-keys.js';
import { isAgeFileBase64, RECIPIENT_SCHEMA } from './age-shapes.js';

export const meKeyCreate: RouteSpec = {
  method: 'POST', url: '/api/me/key', access: 'keys.own', kind: 'api',
  schema: {
    body: {
      type: 'object', required: ['recipient', 'wrapped'],
      properties: {
        recipient: RECIPIENT_SCHEMA,
        wrapped: {
          type: 'array', minItems: 1, maxItems: 4,
          items: { type: 'object', required: ['kind', 'data'], properties: { kind: { type: 'string', enum: ['passphrase', 'passkey'] }, data: { type: 'string', minLength: 100, maxLength: 65536 } } },
        },
      },
    },
  },
  async handler(app, req, reply) {
    const viewer = viewerOf(req);
    const body = req.body as { recipient: string; wrapped: Array<{ kind: 'passphrase' | 'passkey'; data: string }> };
    for (const w of body.wrapped) if (!isAgeFileBase64(w.data)) throw badRequest(`wrapped (${w.kind}) is not a base64 age file`);
    if (body.wrapped.filter((w) => w.kind === 'passphrase').length !== 1) throw badRequest('wrapped needs exactly one passphrase wrap');
    const stored = app.index.db.transaction(() => {
      const ok = insertUserKey(app.index.db, { username: viewer.username, recipient: body.recipient, wrapped: body.wrapped }, app.now());
      if (ok) app.audit(viewer.username, 'console.key-created', { recipient: body.recipient, wraps: body.wrapped.map((w) => w.kind) });
      return ok;
    }).immediate();
    if (!stored) throw new Refusal(409, 'CV_ERR_CONSOLE_KEY_EXISTS', [viewer.username]);
    return reply.code(201).send({ recipient: body.recipient });
  },
};
