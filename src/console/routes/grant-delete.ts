/** DELETE /api/grants/:username/:purpose (admin, CSRF): deletes the wrapped copy. 404 when there was none. */
import type { RouteSpec } from '../console-app.js';
import { viewerOf } from '../console-app.js';
import { PURPOSES, type Purpose } from '../../policy/purpose.js';
import { notFound } from '../refusal.js';
import { revokeGrant } from '../grant-service.js';

export const grantDelete: RouteSpec = {
  method: 'DELETE', url: '/api/grants/:username/:purpose', access: 'users.manage', kind: 'api',
  schema: { params: { type: 'object', required: ['username', 'purpose'], properties: { username: { type: 'string', maxLength: 64 }, purpose: { type: 'string', enum: [...PURPOSES] } } } },
  async handler(app, req, reply) {
    const { username, purpose } = req.params as { username: string; purpose: Purpose };
    if (!revokeGrant(app.index.db, username, purpose, viewerOf(req).username, app.now())) throw notFound('grant');
    return reply.code(204).send();
  },
};
