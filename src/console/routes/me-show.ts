/** GET /me (every role): the user's recording windows (line policies, own sampling rate). */
import type { RouteSpec } from '../console-app.js';
import { pageContext, viewerOf } from '../console-app.js';
import { meView, type LineWindow } from '../views/me.js';

export const meShow: RouteSpec = {
  method: 'GET', url: '/me', access: 'me.read', kind: 'page',
  schema: { querystring: { type: 'object', properties: { lang: { type: 'string', enum: ['fr', 'en'] } } } },
  async handler(app, req, reply) {
    const viewer = viewerOf(req);
    const lines: LineWindow[] = Object.entries(app.config.lines).map(([line, p]) => ({
      line, mode: p.mode, purpose: p.purpose, rate: p.mode === 'sampled' ? p.rate : p.mode === 'mandatory' ? 1 : p.mode === 'never' ? 0 : null,
    }));
    let ownRate: number | null = null;
    if (viewer.agentHash !== null && app.hasher !== null) {
      for (const [agentId, agent] of Object.entries(app.config.agents.byId)) {
        if (agent.rate !== undefined && app.hasher.hex('agent', agentId) === viewer.agentHash) ownRate = agent.rate;
      }
    }
    return reply.type('text/html; charset=utf-8').send(meView(pageContext(app, req), lines, ownRate));
  },
};
