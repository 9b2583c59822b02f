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

/** One part of a split search (see splitOf): equalities the (line, purpose, started_at) index serves in order. */
export interface SplitValue { line?: string; purpose?: string }

/** Above this many parts one query with IN-lists is cheaper than the merge. */
const MAX_PARTS = 64;

export function searchSql(q: SearchQuery, scope: Scope, only?: SplitValue): { sql: string; params: Record<string, unknown> } | null {
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
  if (only?.line !== undefined) add('line = @onlyLine', 'onlyLine', only.line);
  if (only?.purpose !== undefined) add('purpose = @onlyPurpose', 'onlyPurpose', only.purpose);
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

/**
 * The (line, purpose) pairs to query one by one, or null for one query.
 * With `line IN (a, b, c)` SQLite must sort every matching row to find the
 * newest 50 (800 ms on a million rows), and with a line and a purpose that
 * never meet it walks a whole line to find nothing; one query per pair walks
 * the (line, purpose, started_at) index newest first and stops after 51
 * rows, and the pages merge in memory: at most 51 rows per pair. The scope's
 * IN-lists stay in every query's WHERE clause: the split is for speed only.
 */
export function splitOf(q: SearchQuery, scope: Scope): SplitValue[] | null {
  let lines: readonly string[] | null = scope.kind === 'some' ? scope.lines : null;
  if (q.teamLines !== undefined) lines = lines === null ? q.teamLines : lines.filter((l) => q.teamLines!.includes(l));
  if (q.line !== undefined) lines = lines === null || lines.includes(q.line) ? [q.line] : [];
  let purposes: readonly string[] | null = scope.kind === 'some' ? scope.purposes : null;
  if (q.purpose !== undefined) purposes = purposes === null || purposes.includes(q.purpose) ? [q.purpose] : [];
  if (lines === null && purposes === null) return null;
  const parts: SplitValue[] = [];
  for (const line of lines ?? [undefined]) for (const purpose of purposes ?? [undefined]) parts.push({ line, purpose });
  if (parts.length > MAX_PARTS) return null;
  // One line or one purpose alone is an equality already: a split of one changes nothing.
  if (parts.length === 1 && (lines === null || purposes === null)) return null;
  return parts;
}

const newerFirst = (a: OpsRecording, b: OpsRecording) => (a.startedAt === b.startedAt ? (a.id < b.id ? 1 : a.id > b.id ? -1 : 0) : a.startedAt < b.startedAt ? 1 : -1);

export function searchRecordings(db: Database, q: SearchQuery, scope: Scope): SearchPage {
  const run = (only?: SplitValue): OpsRecording[] => {
    const built = searchSql(q, scope, only);
    return built === null ? [] : (db.prepare(built.sql).all(built.params) as Parameters<typeof opsFromSql>[0][]).map(opsFromSql);
  };
  const split = splitOf(q, scope);
  const rows = split === null ? run() : split.flatMap((v) => run(v)).sort(newerFirst).slice(0, q.limit + 1);
  const more = rows.length > q.limit;
  if (more) rows.pop();
  const last = rows[rows.length - 1];
  return { rows, next: more && last !== undefined ? encodeCursor({ startedAt: last.startedAt, id: last.id }) : null };
}
