/** POST /grants/revoke (admin, CSRF): the grants page's plain-form revoke; same effect as DELETE /api/grants/:u/:p. */
import type { RouteSpec } from '../console-app.js';
import { viewerOf } from '../console-app.js';
import { PURPOSES, type Purpose } from '../../policy/purpose.js';
import { notFound } from '../refusal.js';
import { revokeGrant } from '../grant-service.js';

export const grantRevoke: RouteSpec = {
  method: 'POST', url: '/grants/revoke', access: 'users.manage', kind: 'page',
  schema: { body: { type: 'object', required: ['username', 'purpose', '_csrf'], properties: { username: { type: 'string', maxLength: 64 }, purpose: { type: 'string', enum: [...PURPOSES] }, _csrf: { type: 'string' } } } },
  async handler(app, req, reply) {
    const { username, purpose } = req.body as { username: string; purpose: Purpose };
    if (!revokeGrant(app.index.db, username, purpose, viewerOf(req).username, app.now())) throw notFound('grant');
    return reply.code(303).header('location', `/grants?revoked=${encodeURIComponent(`${username}/${purpose}`)}`).send();
  },
};
