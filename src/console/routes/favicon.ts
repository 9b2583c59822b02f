/** GET /favicon.ico (public): no icon, said without a 404 in every page's console log. */
import type { RouteSpec } from '../console-app.js';

export const favicon: RouteSpec = {
  method: 'GET', url: '/favicon.ico', access: 'public', kind: 'page', schema: {},
  async handler(_app, _req, reply) {
    return reply.code(204).header('cache-control', 'public, max-age=86400').send();
  },
};
