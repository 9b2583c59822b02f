/**
 * `callvault list`: filtered pages of recordings, newest first, with keyset
 * paging (a cursor names the last row shown) so that page 1,000 costs what
 * page 1 costs on an index of a million rows; OFFSET would scan every
 * skipped row. bench/index-query.ts measures these queries and prints their
 * plans.
 */
import type { Database } from 'better-sqlite3';
import { isoUtc, AGENT_MATCH, TEAM_MATCH } from './recordings.js';
import { opsFromSql, type OpsRecording } from './ops-rows.js';
import type { Purpose } from '../policy/purpose.js';

export type ListStatus = 'archived' | 'held' | 'purging';

export interface ListQuery {
  /** startedAt >= from. */
  from?: Date;
  /** startedAt < to. */
  to?: Date;
  line?: string;
  purpose?: Purpose;
  agentHash?: string;
  team?: string;
  status?: ListStatus;
  /** Page size (1 to 1000). */
  limit: number;
  /** From a previous page's `next`. */
  after?: ListCursor;
  order?: 'desc' | 'asc';
}

export interface ListCursor { startedAt: string; id: string }

export interface ListPage {
  rows: OpsRecording[];
  /** Pass as `after` for the next page; null on the last page. */
  next: ListCursor | null;
}

export function encodeCursor(c: ListCursor): string {
  return Buffer.from(`${c.startedAt}|${c.id}`, 'utf8').toString('base64url');
}

/** Null when the text is not a cursor this code wrote. */
export function decodeCursor(text: string): ListCursor | null {
  const s = Buffer.from(text, 'base64url').toString('utf8');
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)\|([0-9]{8}T[0-9]{6}Z-[0-9a-f]{8})$/.exec(s);
  return m === null ? null : { startedAt: m[1]!, id: m[2]! };
}

/** The SQL and parameters for a query (exported so the benchmark can EXPLAIN them). */
export function listSql(q: ListQuery): { sql: string; params: Record<string, unknown> } {
  const where: string[] = [];
  const params: Record<string, unknown> = {};
  const add = (clause: string, name: string, value: unknown) => { where.push(clause); params[name] = value; };
  if (q.from !== undefined) add('started_at >= @from', 'from', isoUtc(q.from));
  if (q.to !== undefined) add('started_at < @to', 'to', isoUtc(q.to));
  if (q.line !== undefined) add('line = @line', 'line', q.line);
  if (q.purpose !== undefined) add('purpose = @purpose', 'purpose', q.purpose);
  if (q.agentHash !== undefined) add(AGENT_MATCH, 'agentHash', q.agentHash);
  if (q.team !== undefined) add(TEAM_MATCH, 'team', q.team);
  if (q.status === 'purging') where.push('purge_started_at IS NOT NULL');
  else if (q.status !== undefined) add('status = @status', 'status', q.status);
  const desc = (q.order ?? 'desc') === 'desc';
  if (q.after !== undefined) {
    // started_at <= x narrows through the index; the OR settles ties on the same instant by id.
    const cmp = desc ? '<' : '>';
    where.push(`started_at ${cmp}= @afterAt AND (started_at ${cmp} @afterAt OR id ${cmp} @afterId)`);
    params.afterAt = q.after.startedAt;
    params.afterId = q.after.id;
  }
  const dir = desc ? 'DESC' : 'ASC';
  params.limit = q.limit + 1;
  return { sql: `SELECT * FROM recordings${where.length > 0 ? ' WHERE ' + where.join(' AND ') : ''} ORDER BY started_at ${dir}, id ${dir} LIMIT @limit`, params };
}

export function listPage(db: Database, q: ListQuery): ListPage {
  if (!Number.isInteger(q.limit) || q.limit < 1 || q.limit > 1000) throw new RangeError('limit must be 1 to 1000');
  const { sql, params } = listSql(q);
  const rows = (db.prepare(sql).all(params) as Parameters<typeof opsFromSql>[0][]).map(opsFromSql);
  const more = rows.length > q.limit;
  if (more) rows.pop();
  const last = rows[rows.length - 1];
  return { rows, next: more && last !== undefined ? { startedAt: last.startedAt, id: last.id } : null };
}
