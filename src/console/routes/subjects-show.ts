/** GET /subjects (compliance): the subject request form. */
import type { RouteSpec } from '../console-app.js';
import { pageContext } from '../console-app.js';
import { subjectsView } from '../views/subjects.js';

export const subjectsShow: RouteSpec = {
  method: 'GET', url: '/subjects', access: 'subjects.find', kind: 'page',
  schema: { querystring: { type: 'object', properties: { lang: { type: 'string', enum: ['fr', 'en'] } } } },
  async handler(app, req, reply) {
    return reply.type('text/html; charset=utf-8').send(subjectsView(pageContext(app, req), null, null));
  },
};
