/** GET /users (admin): the users page. */
import type { RouteSpec } from '../console-app.js';
import { pageContext } from '../console-app.js';
import { allGrants } from '../store/grants.js';
import { listUsers } from '../store/users.js';
import { usersView } from '../views/users.js';

export const usersShow: RouteSpec = {
  method: 'GET', url: '/users', access: 'users.manage', kind: 'page',
  schema: { querystring: { type: 'object', properties: { lang: { type: 'string', enum: ['fr', 'en'] } } } },
  async handler(app, req, reply) {
    const db = app.index.db;
    const withKey = new Set((db.prepare('SELECT username FROM console_user_keys').all() as Array<{ username: string }>).map((r) => r.username));
    const grants = new Map<string, string[]>();
    for (const g of allGrants(db)) grants.set(g.username, [...(grants.get(g.username) ?? []), g.purpose]);
    return reply.type('text/html; charset=utf-8').send(usersView(pageContext(app, req), listUsers(db), withKey, grants, app.console.teams));
  },
};
