/**
 * How fast `callvault list`, `show`, `subject find` and `status` answer on an
 * index of a million recordings (the target is 100 ms each). Builds the index
 * once (one transaction, one prepared statement), then times each typical
 * query (median and worst of several runs) and prints its EXPLAIN QUERY PLAN,
 * so that a full scan shows up as `SCAN recordings`. Compares keyset paging
 * (what `list` does) with the OFFSET paging a user would otherwise reach for.
 *
 *   node --import tsx bench/index-query.ts [--rows 1000000] [--db PATH] [--keep]
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { RecordingIndex } from '../src/index/index.js';
import { listPage, listSql, type ListQuery } from '../src/index/list-queries.js';
import { recordingsByCallerHashes } from '../src/index/subject-queries.js';
import { indexFigures } from '../src/index/status-queries.js';
import { countDueBy, purgeCandidates } from '../src/index/retention-queries.js';
import { resolveId } from '../src/index/ops-rows.js';
import { pct } from './support/percentile.js';
import { BENCH_END, DAY_MS, fillRecordings, isEmpty } from './support/synthetic-recordings.js';
import { timeRuns } from './support/timing.js';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '1000000' }, db: { type: 'string' }, keep: { type: 'boolean', default: false } } });
const ROWS = Number(values.rows);
const END = BENCH_END;
// Six months: what an index holds in steady state once the daily purge has run (quality/training keep 183 days).
const SPAN_DAYS = 180;
const LINES = Array.from({ length: 10 }, (_, i) => `line-${i}`);
const AGENTS = 500;
const CALLERS = 200_000;

const hex = (s: string) => createHash('sha256').update(s).digest('hex');
const agentHash = (i: number) => hex(`agent-${i}`);
const callerHash = (i: number) => hex(`caller-${i}`);

const dir = values.db === undefined ? mkdtempSync(join(tmpdir(), 'callvault-bench-')) : null;
const path = values.db ?? join(dir!, 'index.sqlite');
const existed = existsSync(path);
const index = RecordingIndex.open(path);
const db = index.db;

if (!existed || isEmpty(db)) {
  const s = fillRecordings(db, {
    rows: ROWS, spanDays: SPAN_DAYS, lines: LINES, agents: Array.from({ length: AGENTS }, (_, k) => agentHash(k)),
    callerHash: (i) => callerHash((i * 7919) % CALLERS), sizeBytes: (i) => 40_000 + (i % 1000),
    file: (id) => `recordings/${id.slice(0, 4)}/${id.slice(4, 6)}/${id.slice(6, 8)}/${id}.opus.age`,
  });
  console.log(`built ${ROWS.toLocaleString('en')} rows in ${s.toFixed(1)} s at ${path}`);
}

/** Median and worst of `runs` timed runs after a warm-up one. */
function time(fn: () => unknown, runs = 7): { median: number; worst: number } {
  const t = timeRuns(fn, runs);
  return { median: pct(t, 50), worst: pct(t, 100) };
}

function plan(sql: string, params: Record<string, unknown>): string {
  return (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(params) as Array<{ detail: string }>).map((r) => r.detail).join('; ');
}

const lastDay = new Date(END - DAY_MS);
const lastWeek = new Date(END - 7 * DAY_MS);
const midPage = (() => {
  const first = listPage(db, { limit: 50 });
  let cursor = first.next!;
  for (let i = 0; i < 200; i++) cursor = listPage(db, { limit: 50, after: cursor }).next!;
  return cursor;
})();

const queries: Array<[string, ListQuery]> = [
  ['newest 50', { limit: 50 }],
  ['one day', { from: lastDay, to: new Date(END), limit: 50 }],
  ['line, last week', { line: 'line-3', from: lastWeek, limit: 50 }],
  ['purpose contract', { purpose: 'contract', limit: 50 }],
  ['agent', { agentHash: agentHash(42), limit: 50 }],
  ['agent, last week', { agentHash: agentHash(42), from: lastWeek, limit: 50 }],
  ['status held', { status: 'held', limit: 50 }],
  ['status purging', { status: 'purging', limit: 50 }],
  ['line + purpose + day', { line: 'line-1', purpose: 'training', from: lastDay, limit: 50 }],
  ['page 201 (keyset)', { limit: 50, after: midPage }],
  ['line, page 201 (keyset)', { line: 'line-3', limit: 50, after: midPage }],
];

const results: Array<{ name: string; median: number; worst: number; plan: string }> = [];
for (const [name, q] of queries) {
  const { sql, params } = listSql(q);
  results.push({ name: `list: ${name}`, ...time(() => listPage(db, q)), plan: plan(sql, params) });
}
const offsetSql = 'SELECT * FROM recordings ORDER BY started_at DESC, id DESC LIMIT 50 OFFSET 10000';
results.push({ name: 'list: page 201 (OFFSET, for comparison)', ...time(() => db.prepare(offsetSql).all()), plan: plan(offsetSql, {}) });
const someId = (db.prepare('SELECT id, call_id FROM recordings LIMIT 1 OFFSET ?').get(Math.floor(ROWS / 2)) as { id: string; call_id: string });
results.push({ name: 'show: by recording id', ...time(() => resolveId(db, someId.id)), plan: plan('SELECT * FROM recordings WHERE id = @id', { id: someId.id }) });
results.push({ name: 'show/proof-received: by call id', ...time(() => resolveId(db, someId.call_id)), plan: plan('SELECT * FROM recordings WHERE call_id = @id UNION SELECT * FROM recordings WHERE linked_id = @id', { id: someId.call_id }) });
const forms = [callerHash(1234), hex('other-form-1'), hex('other-form-2'), hex('other-form-3')];
results.push({ name: 'subject find (4 written forms)', ...time(() => recordingsByCallerHashes(db, forms)), plan: plan(`SELECT * FROM recordings WHERE caller_hash IN (@a, @b, @c, @d) ORDER BY started_at, id`, { a: forms[0], b: forms[1], c: forms[2], d: forms[3] }) });
results.push({ name: 'status: index figures', ...time(() => indexFigures(db, lastDay, lastWeek), 3), plan: '(several COUNTs, see status-queries.ts)' });
const days = { quality: 183, training: 183, analysis: 366, contract: 1827, regulatory: 1827 };
const tomorrow = new Date(END + DAY_MS);
results.push({ name: 'purge: candidates due tomorrow', ...time(() => purgeCandidates(db, tomorrow, days), 3), plan: plan("SELECT id FROM recordings WHERE status IN ('archived', 'held') AND retention_until <= @t", { t: tomorrow.toISOString() }) });
results.push({ name: 'status: next purge count', ...time(() => countDueBy(db, tomorrow, days), 3), plan: '(the candidates query, then the policy in memory)' });

const width = Math.max(...results.map((r) => r.name.length));
console.log(`\n${'query'.padEnd(width)}  median ms  worst ms  plan`);
for (const r of results) {
  const flag = r.median > 100 ? '  <-- over 100 ms' : '';
  console.log(`${r.name.padEnd(width)}  ${r.median.toFixed(2).padStart(9)}  ${r.worst.toFixed(2).padStart(8)}  ${r.plan}${flag}`);
}
index.close();
if (dir !== null && values.keep !== true) rmSync(dir, { recursive: true, force: true });
