/**
 * Server time of the quality dashboard (target: under 100 ms) on an index of
 * 1,000,000 recordings and 200,000 evaluations. Builds a real SQLite index
 * once: recordings as bench/console-list.ts makes them, evaluations of one
 * recording in five with scores from the real scorer (a few hundred answer
 * sets) inserted through the real table, so migration 6's triggers fill the
 * figure tables as they would in production; one in ten evaluations is a
 * draft or a void, which must not count. Then it times each query shape
 * alone (the figure rows one per evaluation, and migration 9's roll-ups with
 * the edge days, which replaced them) and GET /quality and GET /quality.csv
 * through inject() (signed in, scope applied, page rendered), and prints p50
 * and p99 with the query plans. The index is filled as in bench/console-list.ts
 * (bench/support/synthetic-recordings.ts), over a year rather than six months.
 *
 *   npx tsx bench/quality-dashboard.ts [--recordings 1000000] [--evaluations 200000] [--runs 50] [--db PATH]
 */
import { existsSync, mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
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
import { getUser } from '../src/console/store/users.js';
import { saveForm } from '../src/index/quality-store.js';
import { STATS_SQL, periodPieces, qualityStats, rawQualityStatsFromFigures, rollUpQualityStats, rollupSql } from '../src/index/quality-stats.js';
import { DEFAULT_FORM } from '../src/quality/default-form.js';
import { scoreEvaluation, type Answer, type Score } from '../src/quality/scoring.js';
import { agentDirectory, bucketOf, dashboardLines } from '../src/console/quality-dashboard.js';
import { pct } from './support/percentile.js';
import { BENCH_END, DAY_MS, fillRecordings, isEmpty } from './support/synthetic-recordings.js';
import { timeRuns, timeRunsAsync } from './support/timing.js';

const { values } = parseArgs({ options: {
  recordings: { type: 'string', default: '1000000' }, evaluations: { type: 'string', default: '200000' },
  runs: { type: 'string', default: '50' }, db: { type: 'string' },
} });
const ROWS = Number(values.recordings);
const EVALS = Number(values.evaluations);
const RUNS = Number(values.runs);
const END = BENCH_END;
const SPAN_DAYS = 365;
const LINES = Array.from({ length: 10 }, (_, i) => `line-${i}`);
const AGENTS = 500;
const TEAMS = Array.from({ length: 20 }, (_, i) => `team-${i}`);

const dir = mkdtempSync(join(tmpdir(), 'callvault-quality-bench-'));
const storage = values.db === undefined ? join(dir, 'store') : join(values.db, '..');
mkdirSync(storage, { recursive: true, mode: 0o700 });
const keyFile = join(dir, 'hash.key');
writeFileSync(keyFile, Buffer.alloc(32, 7), { mode: 0o600 });
const hasher = new KeyedHasher(Buffer.alloc(32, 7));
const recipient = 'age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p';
// Agent k answers line k % 10 (as in bench/console-list.ts) and belongs to team k % 20.
const config = parseConfig(`
pbx: { type: asterisk, asterisk: { ami: { username: u, secret: s }, recordings: { pbx: /x, local: ${dir} } } }
lines: { ${LINES.map((l, i) => `${l}: { mode: sampled, rate: 0.25, purpose: ${PURPOSES[i % PURPOSES.length]} }`).join(', ')} }
privacy: { hashKeyFile: ${keyFile} }
storage: { dir: ${storage} }
archive: { recipients: { ${PURPOSES.map((p) => `${p}: [${recipient}]`).join(', ')} } }
agents: { ${Array.from({ length: AGENTS }, (_, k) => `agent-${k}: { team: ${TEAMS[k % TEAMS.length]} }`).join(', ')} }
teams: { ${TEAMS.map((t) => `${t}: {}`).join(', ')} }
quality:
  targets: { ${TEAMS.map((t) => `${t}: { total: { atLeast: 80 }, relationship: { atLeast: 85, minEvaluations: 10 } }`).join(', ')} }
console:
  origin: https://bench.test
  teams: { east: [line-0, line-5], west: [line-1, line-2, line-3] }
`, join(dir, 'callvault.yaml'));

/** A few hundred distinct answer sets, scored by the real scorer, so the stored scores and their sections are real. */
function answerSets(): Score[] {
  const out: Score[] = [];
  let seed = 1;
  const rnd = () => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed / 2 ** 31; };
  for (let n = 0; n < 300; n++) {
    const answers = DEFAULT_FORM.sections.flatMap((s) => s.questions.map((q): Answer => {
      const fail = rnd() < (q.severity === 'fatal' ? 0.02 : 0.12);
      if (q.kind === 'yes-no') return { questionId: q.id, value: { kind: 'yes-no', answer: fail ? 'no' : 'yes' }, comment: fail ? 'x' : undefined };
      if (q.kind === 'scale') { const v = fail ? q.min + Math.floor(rnd() * 3) : q.max - Math.floor(rnd() * 2); return { questionId: q.id, value: { kind: 'scale', value: v }, comment: 'x' }; }
      return { questionId: q.id, value: { kind: 'choice', option: q.options[fail ? q.options.length - 1 : 0]!.id }, comment: fail ? 'x' : undefined };
    }));
    const r = scoreEvaluation(DEFAULT_FORM, answers);
    if (r.kind === 'scored') out.push(r);
  }
  return out;
}

const path = values.db ?? join(storage, 'index.sqlite');
const existed = existsSync(path);
const index = RecordingIndex.open(path);
const db = index.db;
if (!existed || isEmpty(db)) {
  const t0 = performance.now();
  const evaluation = db.prepare(`INSERT INTO quality_evaluations (id, recording_id, form_id, form_version, agent_hash, caller_hash, line, call_started_at, evaluator, state, state_detail,
    score_percent, outcome, score, created_at, updated_at, retention_until) VALUES (?, ?, 'default', 1, ?, NULL, ?, ?, 'eve', ?, ?, ?, ?, ?, ?, ?, ?)`);
  const agentHashes = Array.from({ length: AGENTS }, (_, k) => hasher.hex('agent', `agent-${k}`));
  saveForm(db, DEFAULT_FORM, 'bench', new Date(END));
  db.prepare("UPDATE quality_form_versions SET first_used_at = ? WHERE form_id = 'default' AND version = 1").run(new Date(END).toISOString());
  const scores = answerSets();
  const scoreJson = scores.map((s) => JSON.stringify(s));
  const every = Math.max(1, Math.floor(ROWS / EVALS));
  let evals = 0;
  fillRecordings(db, { rows: ROWS, spanDays: SPAN_DAYS, lines: LINES, agents: agentHashes, onRow: ({ i, id, line, agentHash, started, ended }) => {
    // One recording per block of `every`, at a pseudo-random offset in each block (Knuth's multiplicative hash),
    // so evaluations spread over every line and every agent.
    if (i % every !== (Math.imul(Math.floor(i / every), 2654435761) >>> 0) % every || evals >= EVALS) return;
    // One in twenty a draft, one in twenty voided: present in the table, absent from every figure.
    const state = evals % 20 === 3 ? 'draft' : evals % 20 === 7 ? 'void' : (['submitted', 'released', 'acknowledged', 'disputed', 'rescored', 'dispute-refused'] as const)[evals % 6]!;
    const s = scores[evals % scores.length]!;
    const at = ended.toISOString();
    evaluation.run(`ev-${evals}`, id, agentHash, line, started.toISOString(), state, JSON.stringify({ state, at }),
      s.percent, s.outcome.outcome, scoreJson[evals % scores.length], at, at, new Date(ended.getTime() + 365 * DAY_MS).toISOString());
    evals++;
  } });
  console.log(`built ${ROWS.toLocaleString('en')} recordings and ${evals.toLocaleString('en')} evaluations in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
const counts = db.prepare(`SELECT (SELECT COUNT(*) FROM recordings) AS r, (SELECT COUNT(*) FROM quality_evaluations) AS e,
  (SELECT COUNT(*) FROM quality_evaluation_figures) AS f, (SELECT COUNT(*) FROM quality_section_figures) AS s`).get() as { r: number; e: number; f: number; s: number };
console.log(`index: ${counts.r.toLocaleString('en')} recordings, ${counts.e.toLocaleString('en')} evaluations (${counts.f.toLocaleString('en')} counted, ${counts.s.toLocaleString('en')} section figures)`);

const app = await buildConsole({ config, index, manifest: null, hasher, tls: true });
const now = new Date();
const users: Array<[string, string, { teams?: string[]; purposes?: string[] }]> = [
  ['quentin', 'qa', { purposes: ['quality'] }], ['quinn', 'qa', { purposes: ['quality'], teams: ['east'] }], ['sam', 'supervisor', { teams: ['west'] }],
];
const cookies = new Map<string, string>();
const pw = await hashPassword('bench password long');
for (const [u, role, o] of users) {
  if (getUser(db, u) === null) addUser(db, checkUserSpec({ username: u, role, teams: o.teams ?? [], purposes: o.purposes ?? [], agentHash: null, language: 'en' }, ['east', 'west']), pw, 'bench', now);
  cookies.set(u, createSession(db, u, now).token);
}

const time = (run: () => unknown) => timeRuns(run, RUNS);

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const PERIODS: Array<[string, string, string]> = [
  ['4 weeks', day(END - 28 * DAY_MS), day(END - DAY_MS)],
  ['13 weeks', day(END - 91 * DAY_MS), day(END - DAY_MS)],
  ['a year', day(END - 365 * DAY_MS), day(END - DAY_MS)],
];
const row = (name: string, t: number[], extra = '') => console.log(name.padEnd(48) + pct(t, 50).toFixed(1).padStart(9) + pct(t, 99).toFixed(1).padStart(9) + (extra === '' ? '' : `  ${extra}`));
const header = (title: string, last: string) => console.log(`\n${title}\n` + 'shape'.padEnd(48) + 'p50 ms'.padStart(9) + 'p99 ms'.padStart(9) + `  ${last}`);

console.log(`load average at start: ${loadavg().map((l) => l.toFixed(2)).join(' ')} (2 cores shared with other work: read p99 with that in mind)`);
header(`SQL alone (better-sqlite3 .all()), ${RUNS} runs each: the figure rows (one per evaluation, as before migration 9), then the roll-ups and edge days`, 'groups  plan');
const east = config.console!.teams.east!;
const range = (from: string, to: string) => [`${from}T00:00:00.000Z`, new Date(Date.parse(`${to}T00:00:00.000Z`) + DAY_MS).toISOString()] as const;
const planOf = (sql: string, params: readonly unknown[]) => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as Array<{ detail: string }>).map((p) => p.detail).join('; ');
for (const [pname, from, to] of PERIODS) {
  for (const [scope, lines] of [['every line', null], ['2 lines', east]] as const) {
    const f = lines === null ? '' : ` AND line IN (${lines.map(() => '?').join(', ')})`;
    const [qFrom, qTo] = range(from, to);
    const params = [qFrom, qTo, ...(lines ?? [])];
    const bucket = bucketOf({ from, to });
    const forTrend = rollupSql(periodPieces(qFrom, qTo, bucket === 'month')!, lines, bucket);
    const forSections = rollupSql(periodPieces(qFrom, qTo, true)!, lines, bucket);
    const shapes: Array<[string, string, readonly unknown[]]> = [
      [`figures byAgentLineBucket (${bucket})`, STATS_SQL.byAgentLineBucket(f, bucket), params], ['figures byAgentSection', STATS_SQL.byAgentSection(f), params],
      [`roll-ups byAgentLineBucket (${bucket})`, forTrend.byAgentLineBucket, forTrend.params], ['roll-ups byAgentSection', forSections.byAgentSection, forSections.params],
    ];
    for (const [shape, sql, ps] of shapes) {
      const stmt = db.prepare(sql);
      let n = 0;
      const t = time(() => { n = stmt.all(...ps).length; });
      row(`${shape}, ${pname}, ${scope}`, t, `${String(n).padStart(6)}  ${planOf(sql, ps)}`);
    }
  }
}

header('The two queries and the roll-up in code, as the route calls them (qualityStats), and the same from the figure rows alone', 'evaluations behind the figures');
const dirOf = agentDirectory(config, hasher);
for (const [pname, from, to] of PERIODS) {
  for (const u of ['quentin', 'quinn']) {
    const lines = dashboardLines(getUser(db, u)!, config.console!.teams);
    const [qFrom, qTo] = range(from, to);
    const q = { from: qFrom, to: qTo, lines, bucket: bucketOf({ from, to }) };
    let n = 0;
    const t = time(() => { n = qualityStats(db, q, dirOf.teamOf).total.evaluations; });
    let m = 0;
    const before = time(() => { m = rollUpQualityStats(rawQualityStatsFromFigures(db, q), q.bucket, dirOf.teamOf).total.evaluations; });
    if (n !== m) throw new Error(`${pname}: ${n} evaluations from the roll-ups, ${m} from the figure rows`);
    row(`${pname}, ${lines === null ? 'every line' : `${lines.length} lines`}`, t, n.toLocaleString('en'));
    row(`  (figure rows alone)`, before);
  }
}

async function get(user: string, url: string): Promise<{ ms: number; bytes: number }> {
  const t = performance.now();
  const res = await app.inject({ method: 'GET', url, headers: { cookie: `${SESSION_COOKIE}=${cookies.get(user)}` } });
  const ms = performance.now() - t;
  if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body.slice(0, 200)}`);
  return { ms, bytes: res.rawPayload.length };
}

header(`GET through inject() (session, scope, figures, verdicts, page or CSV rendered), ${RUNS} runs each`, 'bytes');
const [, f4, t4] = PERIODS[0]!;
const [, f13, t13] = PERIODS[1]!;
const [, fy, ty] = PERIODS[2]!;
const cases: Array<[string, string, string]> = [
  ['qa, every line, 4 weeks (the default page)', 'quentin', `/quality?from=${f4}&to=${t4}`],
  ['qa, every line, 13 weeks', 'quentin', `/quality?from=${f13}&to=${t13}`],
  ['qa, every line, a year', 'quentin', `/quality?from=${fy}&to=${ty}`],
  ['qa, every line, a year, one team', 'quentin', `/quality?from=${fy}&to=${ty}&team=team-3`],
  ['qa (team east: 2 lines), 13 weeks', 'quinn', `/quality?from=${f13}&to=${t13}`],
  ['supervisor (team west: 3 lines), 4 weeks', 'sam', `/quality?from=${f4}&to=${t4}`],
  ['CSV, qa, every line, 4 weeks', 'quentin', `/quality.csv?from=${f4}&to=${t4}`],
  ['CSV, qa, every line, a year', 'quentin', `/quality.csv?from=${fy}&to=${ty}`],
];
for (const [name, user, url] of cases) {
  let bytes = 0;
  const t = await timeRunsAsync(async () => { bytes = (await get(user, url)).bytes; }, RUNS);
  row(name, t, bytes.toLocaleString('en'));
}
console.log(`\nload average at end: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
await app.close();
index.close();
