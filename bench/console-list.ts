/**
 * Server time of the console's recordings page on an index of a million
 * recordings (target: under 100 ms). Builds a real SQLite index once, then
 * drives the real route (GET /recordings, signed in, scope applied, page
 * rendered) through inject() and prints p50 and p99 per query with the
 * query plan, so that a full scan shows up as `SCAN recordings`.
 *
 *   npx tsx bench/console-list.ts [--rows 1000000] [--runs 50] [--db PATH]
 */
import { existsSync, mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseConfig } from '../src/config/index.js';
import { RecordingIndex } from '../src/index/index.js';
import { PURPOSES } from '../src/policy/purpose.js';
import { KeyedHasher } from '../src/privacy/keyed-hash.js';
import { buildConsole } from '../src/console/app.js';
import { hashPassword } from '../src/console/passwords.js';
import { addUser, checkUserSpec } from '../src/console/user-service.js';
import { createSession } from '../src/console/store/sessions.js';
import { SESSION_COOKIE } from '../src/console/session-cookie.js';
import { searchSql, splitOf } from '../src/console/recording-search.js';
import { scopeOf } from '../src/console/roles.js';
import { getUser } from '../src/console/store/users.js';
import { pct } from './support/percentile.js';
import { fillRecordings, isEmpty } from './support/synthetic-recordings.js';
import { timeRunsAsync } from './support/timing.js';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '1000000' }, runs: { type: 'string', default: '50' }, db: { type: 'string' } } });
const ROWS = Number(values.rows);
const RUNS = Number(values.runs);
const SPAN_DAYS = 180;
const LINES = Array.from({ length: 10 }, (_, i) => `line-${i}`);
const AGENTS = 500;

const dir = mkdtempSync(join(tmpdir(), 'callvault-console-bench-'));
const storage = values.db === undefined ? join(dir, 'store') : join(values.db, '..');
mkdirSync(storage, { recursive: true, mode: 0o700 });
const keyFile = join(dir, 'hash.key');
writeFileSync(keyFile, Buffer.alloc(32, 7), { mode: 0o600 });
const hasher = new KeyedHasher(Buffer.alloc(32, 7));
const recipient = 'age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p';
const config = parseConfig(`
pbx: { type: asterisk, asterisk: { ami: { username: u, secret: s }, recordings: { pbx: /x, local: ${dir} } } }
lines: { ${LINES.map((l, i) => `${l}: { mode: sampled, rate: 0.25, purpose: ${PURPOSES[i % PURPOSES.length]} }`).join(', ')} }
privacy: { hashKeyFile: ${keyFile} }
storage: { dir: ${storage} }
archive: { recipients: { ${PURPOSES.map((p) => `${p}: [${recipient}]`).join(', ')} } }
console:
  origin: https://bench.test
  teams: { east: [line-0, line-5], west: [line-1, line-2, line-3] }
`, join(dir, 'callvault.yaml'));

const path = values.db ?? join(storage, 'index.sqlite');
const existed = existsSync(path);
const index = RecordingIndex.open(path);
const db = index.db;
if (!existed || isEmpty(db)) {
  const agents = Array.from({ length: AGENTS }, (_, k) => hasher.hex('agent', `agent-${k}`));
  const s = fillRecordings(db, { rows: ROWS, spanDays: SPAN_DAYS, lines: LINES, agents });
  console.log(`built ${ROWS.toLocaleString('en')} rows in ${s.toFixed(1)} s`);
}

const app = await buildConsole({ config, index, manifest: null, hasher, tls: true });
const now = new Date();
const users: Array<[string, string, { teams?: string[]; purposes?: string[] }]> = [
  ['cora', 'compliance', {}], ['quinn', 'qa', { purposes: ['quality'], teams: ['east'] }], ['sam', 'supervisor', { teams: ['west'] }], ['tess', 'trainer', {}],
];
const cookies = new Map<string, string>();
const pw = await hashPassword('bench password long');
for (const [u, role, o] of users) {
  if (getUser(db, u) === null) addUser(db, checkUserSpec({ username: u, role, teams: o.teams ?? [], purposes: o.purposes ?? [], agentHash: null, language: 'en' }, ['east', 'west']), pw, 'bench', now);
  cookies.set(u, createSession(db, u, now).token);
}

async function get(user: string, url: string): Promise<{ ms: number; body: string }> {
  const t = performance.now();
  const res = await app.inject({ method: 'GET', url, headers: { cookie: `${SESSION_COOKIE}=${cookies.get(user)}` } });
  const ms = performance.now() - t;
  if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body.slice(0, 200)}`);
  return { ms, body: res.body };
}

/** The URL of the page `depth` pages in, following the page's own "next" links. */
async function deepUrl(user: string, url: string, depth: number): Promise<string> {
  let u = url;
  for (let i = 0; i < depth; i++) {
    const m = /id="next-page" rel="next" href="([^"]+)"/.exec((await get(user, u)).body);
    if (m === null) break;
    u = m[1]!.replace(/&amp;/g, '&');
  }
  return u;
}

const cases: Array<[string, string, string]> = [
  ['compliance, first page, no filter', 'cora', '/recordings'],
  ['compliance, page 200 (keyset)', 'cora', await deepUrl('cora', '/recordings', 200)],
  ['compliance, one line', 'cora', '/recordings?line=line-7'],
  ['compliance, one day', 'cora', '/recordings?from=2026-10-01&to=2026-10-01'],
  ['compliance, one agent', 'cora', '/recordings?agent=agent-42'],
  ['compliance, held only', 'cora', '/recordings?status=held'],
  ['compliance, 9-10 min calls', 'cora', '/recordings?minDuration=540&maxDuration=600'],
  ['compliance, team west + purpose', 'cora', '/recordings?team=west&purpose=training'],
  ['qa (quality, team east), first page', 'quinn', '/recordings'],
  ['qa, page 50', 'quinn', await deepUrl('quinn', '/recordings', 50)],
  ['supervisor (team west)', 'sam', '/recordings'],
  ['trainer (training)', 'tess', '/recordings?from=2026-09-01&to=2026-09-30'],
];

console.log(`\nGET /recordings through inject(), ${RUNS} runs each, ${ROWS.toLocaleString('en')} rows (other work was running on this machine)\n`);
console.log('query'.padEnd(42) + 'p50 ms'.padStart(9) + 'p99 ms'.padStart(9) + '  rows  plan');
for (const [name, user, url] of cases) {
  let body = '';
  const t = await timeRunsAsync(async () => { body = (await get(user, url)).body; }, RUNS);
  const rows = (body.match(/<tr><td><a href="\/recordings\//g) ?? []).length;
  const q = Object.fromEntries(new URL(url, 'http://x').searchParams);
  const viewer = getUser(db, user)!;
  const sq = { line: q.line, purpose: q.purpose as never, status: q.status as never, limit: 50,
    teamLines: q.team === undefined ? undefined : config.console!.teams[q.team], from: q.from, to: q.to, after: q.after,
    minDurationMs: q.minDuration === undefined ? undefined : Number(q.minDuration) * 1000,
    agentHash: q.agent === undefined ? undefined : hasher.hex('agent', q.agent) };
  const scope = scopeOf(getUser(db, user)!, config.console!.teams);
  const split = splitOf(sq, scope);
  const sql = searchSql(sq, scope, split?.[0])!;
  const plan = (split === null ? '' : `${split.length} queries merged, each: `) + (db.prepare(`EXPLAIN QUERY PLAN ${sql.sql}`).all(sql.params) as Array<{ detail: string }>).map((p) => p.detail).join('; ');
  console.log(name.padEnd(42) + pct(t, 50).toFixed(1).padStart(9) + pct(t, 99).toFixed(1).padStart(9) + String(rows).padStart(6) + '  ' + plan);
}
await app.close();
index.close();
