/**
 * GET /quality/queue (qa, supervisor): the calls the system proposes to
 * evaluate this period, spread evenly across agents (src/quality/review-draw.ts:
 * a quota per agent per week or month, console.review; the keyed draw, so an
 * auditor with the key gets the same queue and a reviewer cannot steer it),
 * among the recordings this reviewer may hear and nobody has evaluated yet.
 */
import type { RouteSpec } from '../console-app.js';
import { pageContext, viewerOf } from '../console-app.js';
import { evaluatedCallsOf, reviewCandidateRows } from '../../index/quality-store.js';
import { drawReviewQueue, periodKey, reviewDrawInput } from '../../quality/review-draw.js';
import { localDay } from '../../policy/windows.js';
import { badRequest } from '../refusal.js';
import { scopeOf } from '../roles.js';
import { reviewQueueView, type QueueRow } from '../views/review-queue.js';

const DAY_MS = 86_400_000;

export const reviewQueue: RouteSpec = {
  method: 'GET', url: '/quality/queue', access: 'evaluations.score', kind: 'page',
  schema: { querystring: { type: 'object', properties: { lang: { type: 'string', enum: ['fr', 'en'] } } } },
  async handler(app, req, reply) {
    const viewer = viewerOf(req);
    const hasher = app.hasher;
    if (hasher === null) throw badRequest('the review queue draws with the keyed hash: set privacy.hashKeyFile to a readable key file');
    const { perAgent, period: kind } = app.console.review;
    const tz = app.config.timeZone;
    const now = app.now();
    const period = periodKey(localDay(now, tz), kind);
    const inPeriod = (iso: string) => periodKey(localDay(new Date(iso), tz), kind) === period;
    // A range that holds the whole period whatever the time zone; the period key then picks its days.
    const range = { from: new Date(now.getTime() - (kind === 'week' ? 8 : 32) * DAY_MS), to: new Date(now.getTime() + DAY_MS) };
    const scope = scopeOf(viewer, app.console.teams);
    const rows = scope.kind === 'none' ? [] : reviewCandidateRows(app.index.db, range, scope.kind === 'all' ? { purposes: null, lines: null } : scope).filter((r) => inPeriod(r.startedAt));
    const done: Record<string, number> = {};
    for (const e of evaluatedCallsOf(app.index.db, range)) if (inPeriod(e.callStartedAt)) done[e.agentHash] = (done[e.agentHash] ?? 0) + 1;
    const queue = drawReviewQueue(rows.map((r) => ({ recordingId: r.id, agentHash: r.agentHash, draw: hasher.unit('review', reviewDrawInput(period, r.id)) })), { perAgent, done });
    const byId = new Map(rows.map((r) => [r.id, r]));
    const names = new Map(Object.keys(app.config.agents.byId).map((id) => [hasher.hex('agent', id), id]));
    const label = (h: string) => names.get(h) ?? `#${h.slice(0, 12)}`;
    const agents = [...new Set(rows.map((r) => r.agentHash))].map((h) => ({ agent: label(h), done: done[h] ?? 0 })).sort((a, b) => a.agent.localeCompare(b.agent));
    const items: QueueRow[] = queue.map((q) => {
      const r = byId.get(q.recordingId)!;
      return { round: q.round, agent: label(q.agentHash), recordingId: r.id, startedAt: r.startedAt, line: r.line, durationMs: r.durationMs };
    });
    return reply.type('text/html; charset=utf-8').send(reviewQueueView(pageContext(app, req), { period, perAgent, agents, items }));
  },
};
