/**
 * The recordings page's query: the CLI's filters plus team, duration and the
 * user's scope, newest first, with keyset paging (the cursor names the last
 * row shown, as `callvault list` does) so that page 1,000 costs what page 1
 * costs on a million rows. The scope is part of the WHERE clause, never a
 * filter after the fact, so a page is never short because rows were hidden.
 * bench/console-list.ts measures it.
 */
import type { Database } from 'better-sqlite3';
import { decodeCursor, encodeCursor, type ListCursor } from '../index/list-queries.js';
import { opsFromSql, type OpsRecording } from '../index/ops-rows.js';
import type { Purpose } from '../policy/purpose.js';
import type { Scope } from './roles.js';

export interface SearchQuery {
  from?: string;
  to?: string;
  line?: string;
  purpose?: Purpose;
  /** Lines of the chosen team (console.teams). */
  teamLines?: readonly string[];
  agentHash?: string;
  status?: 'archived' | 'held';
  minDurationMs?: number;
  maxDurationMs?: number;
  after?: string;
  limit: number;
}

export interface SearchPage { rows: OpsRecording[]; next: string | null }

export function searchSql(q: SearchQuery, scope: Scope): { sql: string; params: Record<string, unknown> } | null {
  if (scope.kind === 'none') return null;
  const where: string[] = ["status <> 'purged'", 'purge_started_at IS NULL'];
  const params: Record<string, unknown> = {};
  const add = (clause: string, name: string, value: unknown) => { where.push(clause); params[name] = value; };
  const inList = (column: string, prefix: string, values: readonly string[]) => {
    if (values.length === 0) { where.push('0'); return; }
    where.push(`${column} IN (${values.map((_, i) => `@${prefix}${i}`).join(', ')})`);
    values.forEach((v, i) => { params[`${prefix}${i}`] = v; });
  };
  if (scope.kind === 'some') {
    if (scope.purposes !== null) inList('purpose', 'sp', scope.purposes);
    if (scope.lines !== null) inList('line', 'sl', scope.lines);
  }
  if (q.from !== undefined) add('started_at >= @from', 'from', q.from);
  if (q.to !== undefined) add('started_at < @to', 'to', q.to);
  if (q.line !== undefined) add('line = @line', 'line', q.line);
  if (q.purpose !== undefined) add('purpose = @purpose', 'purpose', q.purpose);
  if (q.teamLines !== undefined) inList('line', 'tl', q.teamLines);
  if (q.agentHash !== undefined) add('agent_hash = @agentHash', 'agentHash', q.agentHash);
  if (q.status !== undefined) add('status = @status', 'status', q.status);
  if (q.minDurationMs !== undefined) add('duration_ms >= @minD', 'minD', q.minDurationMs);
  if (q.maxDurationMs !== undefined) add('duration_ms <= @maxD', 'maxD', q.maxDurationMs);
  const cursor: ListCursor | null = q.after === undefined ? null : decodeCursor(q.after);
  if (cursor !== null) {
    where.push('started_at <= @afterAt AND (started_at < @afterAt OR id < @afterId)');
    params.afterAt = cursor.startedAt;
    params.afterId = cursor.id;
  }
  params.limit = q.limit + 1;
  return { sql: `SELECT * FROM recordings WHERE ${where.join(' AND ')} ORDER BY started_at DESC, id DESC LIMIT @limit`, params };
}

export function searchRecordings(db: Database, q: SearchQuery, scope: Scope): SearchPage {
  const built = searchSql(q, scope);
  if (built === null) return { rows: [], next: null };
  const rows = (db.prepare(built.sql).all(built.params) as Parameters<typeof opsFromSql>[0][]).map(opsFromSql);
  const more = rows.length > q.limit;
  if (more) rows.pop();
  const last = rows[rows.length - 1];
  return { rows, next: more && last !== undefined ? encodeCursor({ startedAt: last.startedAt, id: last.id }) : null };
}
