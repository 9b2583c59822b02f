/**
 * GET /recordings (roles that list recordings): search within the user's
 * scope. Dates are UTC days (YYYY-MM-DD, `to` inclusive); the agent filter
 * takes the PBX agent id and compares its keyed hash, as the index holds no
 * agent id in clear.
 */
import type { RouteSpec } from '../console-app.js';
import { pageContext, viewerOf } from '../console-app.js';
import { PURPOSES, type Purpose } from '../../policy/purpose.js';
import { badRequest } from '../refusal.js';
import { linesOf, scopeOf } from '../roles.js';
import { searchRecordings, type SearchQuery } from '../recording-search.js';
import { recordingsListView, type ListFilters } from '../views/recordings-list.js';

export const PAGE_SIZE = 50;
const DAY = '^\\d{4}-\\d{2}-\\d{2}$';

export const recordingsList: RouteSpec = {
  method: 'GET', url: '/recordings', access: 'recordings.list', kind: 'page',
  schema: {
    querystring: {
      type: 'object',
      properties: {
        from: { type: 'string', anyOf: [{ pattern: DAY }, { maxLength: 0 }] }, to: { type: 'string', anyOf: [{ pattern: DAY }, { maxLength: 0 }] },
        line: { type: 'string', maxLength: 64 }, purpose: { type: 'string', enum: ['', ...PURPOSES] }, team: { type: 'string', maxLength: 64 },
        agent: { type: 'string', maxLength: 128 }, status: { type: 'string', enum: ['', 'archived', 'held'] },
        minDuration: { anyOf: [{ type: 'integer', minimum: 0 }, { type: 'string', maxLength: 0 }] }, maxDuration: { anyOf: [{ type: 'integer', minimum: 0 }, { type: 'string', maxLength: 0 }] },
        after: { type: 'string', maxLength: 200 }, lang: { type: 'string', enum: ['fr', 'en'] },
      },
    },
  },
  async handler(app, req, reply) {
    const viewer = viewerOf(req);
    const raw = req.query as Record<string, string | number | undefined>;
    const s = (k: string): string | undefined => { const v = raw[k]; return v === undefined || v === '' ? undefined : String(v); };
    const n = (k: string): number | undefined => { const v = raw[k]; return typeof v === 'number' ? v : undefined; };
    const f: ListFilters = { from: s('from'), to: s('to'), line: s('line'), purpose: s('purpose'), team: s('team'), agent: s('agent'), status: s('status'), minDuration: n('minDuration'), maxDuration: n('maxDuration') };
    const day = (d: string, plus: number) => {
      const at = new Date(`${d}T00:00:00.000Z`);
      if (Number.isNaN(at.getTime())) throw badRequest(`not a date: ${d}`);
      return new Date(at.getTime() + plus * 86_400_000).toISOString();
    };
    const teams = app.console.teams;
    if (f.team !== undefined && teams[f.team] === undefined) throw badRequest(`unknown team ${f.team}`);
    if (f.agent !== undefined && app.hasher === null) throw badRequest('the agent filter needs privacy.hashKeyFile to be readable by the console');
    const q: SearchQuery = {
      from: f.from === undefined ? undefined : day(f.from, 0),
      to: f.to === undefined ? undefined : day(f.to, 1),
      line: f.line, purpose: f.purpose as Purpose | undefined,
      teamLines: f.team === undefined ? undefined : linesOf([f.team], teams),
      agentHash: f.agent === undefined ? undefined : app.hasher!.hex('agent', f.agent),
      status: f.status as SearchQuery['status'],
      minDurationMs: f.minDuration === undefined ? undefined : f.minDuration * 1000,
      maxDurationMs: f.maxDuration === undefined ? undefined : f.maxDuration * 1000 + 999,
      after: s('after'), limit: PAGE_SIZE,
    };
    const page = searchRecordings(app.index.db, q, scopeOf(viewer, teams));
    let nextUrl: string | null = null;
    if (page.next !== null) {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(f)) if (v !== undefined) params.set(k, String(v));
      params.set('after', page.next);
      nextUrl = `/recordings?${params.toString()}`;
    }
    return reply.type('text/html; charset=utf-8').send(recordingsListView(pageContext(app, req), f, Object.keys(app.config.lines), Object.keys(teams), page.rows, nextUrl));
  },
};
