/** GET /grants (admin): the grants page. */
import type { RouteSpec } from '../console-app.js';
import { pageContext } from '../console-app.js';
import { allGrants } from '../store/grants.js';
import { listUsers } from '../store/users.js';
import { grantsView } from '../views/grants.js';

export const grantsShow: RouteSpec = {
  method: 'GET', url: '/grants', access: 'users.manage', kind: 'page',
  schema: { querystring: { type: 'object', properties: { lang: { type: 'string', enum: ['fr', 'en'] }, revoked: { type: 'string', maxLength: 100 } } } },
  async handler(app, req, reply) {
    const db = app.index.db;
    const withKey = new Set((db.prepare('SELECT username FROM console_user_keys').all() as Array<{ username: string }>).map((r) => r.username));
    const revoked = (req.query as { revoked?: string }).revoked;
    return reply.type('text/html; charset=utf-8').send(grantsView(pageContext(app, req), listUsers(db), withKey, allGrants(db), revoked !== undefined ? `${req.cv.t('grants.revoke')}: ${revoked}` : null));
  },
};
