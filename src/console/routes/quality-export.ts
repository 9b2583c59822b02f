/**
 * GET /quality.csv (qa, supervisor): the dashboard's figures as CSV, for the
 * HR and outsourcing reports, with formula-looking fields defused. Each
 * export is in the audit chain: who took which period and team, how many rows.
 */
import type { RouteSpec } from '../console-app.js';
import { viewerOf } from '../console-app.js';
import { dashboardCsv, teamFilterValue } from '../quality-dashboard.js';
import { dashboardFor, QUALITY_QUERY } from './quality-show.js';

export const qualityExport: RouteSpec = {
  method: 'GET', url: '/quality.csv', access: 'quality.read', kind: 'page',
  schema: { querystring: QUALITY_QUERY },
  async handler(app, req, reply) {
    const d = dashboardFor(app, req);
    const csv = dashboardCsv(d, app.config);
    app.audit(viewerOf(req).username, 'quality.export', { from: d.period.from, to: d.period.to, team: teamFilterValue(d.team) ?? null, rows: csv.rows });
    const name = `callvault-quality-${d.period.from}-${d.period.to}${d.team === undefined ? '' : `-${d.team === '' ? 'no-team' : d.team}`}.csv`;
    return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}"`).send(csv.text);
  },
};
