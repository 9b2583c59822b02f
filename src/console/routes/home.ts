/** GET / (signed in): sends each role to the page its job starts from. */
import type { RouteSpec } from '../console-app.js';
import { viewerOf } from '../console-app.js';
import { can } from '../roles.js';

export const home: RouteSpec = {
  method: 'GET', url: '/', access: 'signed-in', kind: 'page',
  schema: {},
  async handler(_app, req, reply) {
    const v = viewerOf(req);
    const to = can(v.role, 'users.manage') ? '/users' : can(v.role, 'recordings.list') ? '/recordings' : '/me';
    return reply.code(303).header('location', to).send();
  },
};
