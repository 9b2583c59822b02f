/** GET /keys (any signed-in user): the personal key page. */
import type { RouteSpec } from '../console-app.js';
import { pageContext, viewerOf } from '../console-app.js';
import { grantsOf } from '../store/grants.js';
import { getUserKey } from '../store/user-keys.js';
import { keysView } from '../views/keys.js';

export const keysShow: RouteSpec = {
  method: 'GET', url: '/keys', access: 'keys.own', kind: 'page',
  schema: { querystring: { type: 'object', properties: { lang: { type: 'string', enum: ['fr', 'en'] } } } },
  async handler(app, req, reply) {
    const v = viewerOf(req);
    return reply.type('text/html; charset=utf-8').send(keysView(pageContext(app, req), getUserKey(app.index.db, v.username), grantsOf(app.index.db, v.username)));
  },
};
