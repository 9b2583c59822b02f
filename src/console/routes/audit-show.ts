/** GET /audit (compliance): the audit log with its chain verification. */
import type { RouteSpec } from '../console-app.js';
import { pageContext } from '../console-app.js';
import type { AuditEntry } from '../../index/types.js';
import { auditView, type AuditFilters } from '../views/audit.js';

const PAGE = 200;

export const auditShow: RouteSpec = {
  method: 'GET', url: '/audit', access: 'audit.read', kind: 'page',
  schema: {
    querystring: {
      type: 'object',
      properties: { actor: { type: 'string', maxLength: 128 }, action: { type: 'string', maxLength: 128 }, recording: { type: 'string', maxLength: 64 }, before: { type: 'integer', minimum: 1 }, lang: { type: 'string', enum: ['fr', 'en'] } },
    },
  },
  async handler(app, req, reply) {
    const q = req.query as AuditFilters & { before?: number };
    const f: AuditFilters = {};
    const where: string[] = [];
    const params: Record<string, unknown> = { limit: PAGE + 1 };
    for (const [k, col] of [['actor', 'actor'], ['action', 'action'], ['recording', 'recording_id']] as const) {
      const v = q[k]?.trim();
      if (v !== undefined && v !== '') { f[k] = v; where.push(`${col} = @${k}`); params[k] = v; }
    }
    if (q.before !== undefined) { where.push('seq < @before'); params.before = q.before; }
    const rows = (app.index.db.prepare(`SELECT * FROM audit${where.length > 0 ? ' WHERE ' + where.join(' AND ') : ''} ORDER BY seq DESC LIMIT @limit`).all(params) as Array<{
      seq: number; at: string; actor: string; action: string; recording_id: string | null; reason: string | null; details: string; prev_hash: string; hash: string;
    }>).map((r): AuditEntry => ({ seq: r.seq, at: r.at, actor: r.actor, action: r.action, recordingId: r.recording_id, reason: r.reason, details: JSON.parse(r.details) as Record<string, unknown>, prevHash: r.prev_hash, hash: r.hash }));
    let nextUrl: string | null = null;
    if (rows.length > PAGE) {
      rows.pop();
      const p = new URLSearchParams(Object.entries(f) as Array<[string, string]>);
      p.set('before', String(rows[rows.length - 1]!.seq));
      nextUrl = `/audit?${p.toString()}`;
    }
    return reply.type('text/html; charset=utf-8').send(auditView(pageContext(app, req), app.index.verifyAuditChain(), f, rows, nextUrl));
  },
};
