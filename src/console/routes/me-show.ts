/** GET /me (every role): the user's recording windows (line policies, own sampling rate) and, for an agent, their released evaluations. */
import type { RouteSpec } from '../console-app.js';
import { pageContext, viewerOf } from '../console-app.js';
import { meView, type LineWindow, type MyEvaluations } from '../views/me.js';
import { evaluationsReleasedTo, releasedMean } from '../../index/quality-store.js';
import { periodTable, renderPeriodTable } from '../../ops/window-table.js';

export const meShow: RouteSpec = {
  method: 'GET', url: '/me', access: 'me.read', kind: 'page',
  schema: { querystring: { type: 'object', properties: { lang: { type: 'string', enum: ['fr', 'en'] } } } },
  async handler(app, req, reply) {
    const viewer = viewerOf(req);
    const lines: LineWindow[] = Object.entries(app.config.lines).map(([line, p]) => ({
      line, mode: p.mode, purpose: p.purpose, rate: p.mode === 'sampled' ? p.rate : p.mode === 'mandatory' ? 1 : p.mode === 'never' ? 0 : null,
    }));
    let ownRate: number | null = null;
    let team: string | null = null;
    let agentId: string | null = null;
    if (viewer.agentHash !== null && app.hasher !== null) {
      for (const [id, agent] of Object.entries(app.config.agents.byId)) {
        if (app.hasher.hex('agent', id) !== viewer.agentHash) continue;
        if (agent.rate !== undefined) ownRate = agent.rate;
        team = agent.team ?? null;
        agentId = id;
      }
    }
    let evaluations: MyEvaluations | null = null;
    if (viewer.agentHash !== null) {
      // The year evaluations are kept: the means cover all of them there are.
      const since = new Date(app.now().getTime() - 366 * 86_400_000);
      const hasher = app.hasher;
      const members = team === null || hasher === null ? [] : Object.entries(app.config.agents.byId).filter(([, a]) => a.team === team).map(([id]) => hasher.hex('agent', id));
      evaluations = {
        list: evaluationsReleasedTo(app.index.db, viewer.agentHash).map((e) => ({ id: e.id, callStartedAt: e.callStartedAt, line: e.line, state: e.state.state, percent: e.score?.percent ?? null, outcome: e.score?.outcome.outcome ?? null })),
        own: releasedMean(app.index.db, [viewer.agentHash], since),
        team: team === null ? null : { name: team, ...releasedMean(app.index.db, members, since) },
      };
    }
    // What `callvault windows --agent` prints: the periods this person may be recorded or listened to.
    const periods = renderPeriodTable(periodTable(app.config, agentId !== null ? { kind: 'agent', agent: agentId, team } : { kind: 'everyone' }), req.cv.lang);
    return reply.type('text/html; charset=utf-8').send(meView(pageContext(app, req), lines, ownRate, evaluations, periods));
  },
};
