/** GET /status (admin, qa, supervisor, compliance): the status page, from the same report as `callvault status`. */
import type { RouteSpec } from '../console-app.js';
import { pageContext } from '../console-app.js';
import { DEFAULT_THRESHOLDS, buildStatus } from '../../ops/status-report.js';
import { statusView } from '../views/status.js';

export const statusShow: RouteSpec = {
  method: 'GET', url: '/status', access: 'status.read', kind: 'page',
  schema: { querystring: { type: 'object', properties: { lang: { type: 'string', enum: ['fr', 'en'] } } } },
  async handler(app, req, reply) {
    const report = buildStatus(app.config, app.now().getTime());
    return reply.type('text/html; charset=utf-8').send(statusView(pageContext(app, req), report, DEFAULT_THRESHOLDS.maxBacklog));
  },
};
