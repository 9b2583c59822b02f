/**
 * GET /quality (qa, supervisor): the quality dashboard for a period and an
 * optional team, within the viewer's lines. GET /quality.csv is the same
 * figures as CSV (routes/quality-export.ts); both read the query the same way.
 */
import type { FastifyRequest } from 'fastify';
import type { ConsoleApp, RouteSpec } from '../console-app.js';
import { pageContext, viewerOf } from '../console-app.js';
import { badRequest } from '../refusal.js';
import { agentDirectory, buildDashboard, dashboardLines, periodOf, teamFilterValue, NO_TEAM_FILTER, type Dashboard } from '../quality-dashboard.js';
import { qualityView } from '../views/quality.js';
import type { Language } from '../store/users.js';

const DAY = '^\\d{4}-\\d{2}-\\d{2}$';

export const QUALITY_QUERY = {
  type: 'object',
  properties: {
    from: { type: 'string', anyOf: [{ pattern: DAY }, { maxLength: 0 }] }, to: { type: 'string', anyOf: [{ pattern: DAY }, { maxLength: 0 }] },
    team: { type: 'string', maxLength: 64 }, lang: { type: 'string', enum: ['fr', 'en'] },
  },
} as const;

/** The dashboard the query asks for, or a 400 that says what is wrong. */
export function dashboardFor(app: ConsoleApp, req: FastifyRequest): Dashboard {
  const q = req.query as { from?: string; to?: string; team?: string };
  const blank = (v: string | undefined) => (v === undefined || v === '' ? undefined : v);
  const period = periodOf(blank(q.from), blank(q.to), app.now());
  if (period === 'not-a-date') throw badRequest('from and to must be days (YYYY-MM-DD)');
  if (period === 'from-after-to') throw badRequest('from is after to');
  if (period === 'too-long') throw badRequest('the period is longer than 400 days (evaluations are kept one year)');
  const asked = blank(q.team);
  if (asked !== undefined && asked !== NO_TEAM_FILTER && app.config.teams[asked] === undefined) throw badRequest(`unknown team ${asked}`);
  // '' is the agents without a team (and calls with no agent), as in the figures' team keys.
  const team = asked === NO_TEAM_FILTER ? '' : asked;
  return buildDashboard(app.index.db, app.config, agentDirectory(app.config, app.hasher), viewerOf(req), period, team);
}

/** Section labels in the viewer's language from every stored form version (later versions win). */
export function sectionLabels(app: ConsoleApp, lang: Language): Map<string, string> {
  const labels = new Map<string, string>();
  const rows = app.index.db.prepare('SELECT body FROM quality_form_versions ORDER BY created_at, version').all() as Array<{ body: string }>;
  for (const r of rows) {
    const form = JSON.parse(r.body) as { sections?: Array<{ id: string; label?: Partial<Record<Language, string>> }> };
    for (const s of form.sections ?? []) { const l = s.label?.[lang]; if (l !== undefined) labels.set(s.id, l); }
  }
  return labels;
}

export const qualityShow: RouteSpec = {
  method: 'GET', url: '/quality', access: 'quality.read', kind: 'page',
  schema: { querystring: QUALITY_QUERY },
  async handler(app, req, reply) {
    const d = dashboardFor(app, req);
    const team = teamFilterValue(d.team);
    const params = new URLSearchParams({ from: d.period.from, to: d.period.to, ...(team === undefined ? {} : { team }) });
    return reply.type('text/html; charset=utf-8').send(qualityView(pageContext(app, req), {
      dashboard: d, teamNames: Object.keys(app.config.teams).sort(), sectionLabels: sectionLabels(app, req.cv.lang),
      scoped: dashboardLines(viewerOf(req), app.console.teams) !== null, csvUrl: `/quality.csv?${params.toString()}`,
    }));
  },
};
