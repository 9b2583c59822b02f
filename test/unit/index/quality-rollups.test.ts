/**
 * The dashboard's figures read from migration 9's week and month roll-ups
 * (plus the figure rows at a period's edges) against a straightforward
 * recomputation from the evaluations themselves: every counted row of
 * quality_evaluations in the period and the viewer's lines, its score JSON
 * parsed here, summed per group in plain code. Periods are table-driven
 * edges (mid-week starts, month crossings, whole weeks and months, one day)
 * and random ones (fast-check), on both trend steps and three line scopes;
 * then the evaluations change (a rescore, a void, a released -> disputed ->
 * rescored chain on an old call, a purge) and everything is compared again.
 * Counts must be equal; sums of percents are floating point and may differ in
 * the last bits (migration 9), so percents are compared to 1e-9.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Database } from 'better-sqlite3';
import { tempIndex, row } from './fixtures.js';
import { DEFAULT_FORM } from '../../../src/quality/default-form.js';
import type { Actor } from '../../../src/quality/evaluation-state.js';
import type { Answer, Score } from '../../../src/quality/scoring.js';
import { saveForm, createEvaluation, saveDraftAnswers, applyEvaluationStep, purgeExpiredEvaluations } from '../../../src/index/quality-store.js';
import { rollupRebuildSql } from '../../../src/index/migrations.js';
import { COUNTED_STATES, periodPieces, rawQualityStats, rawQualityStatsFromFigures, rollUpQualityStats, type Bucket, type RawStats, type StatsQuery } from '../../../src/index/quality-stats.js';

const NOW = new Date('2026-12-01T09:00:00Z');
const DAY_MS = 86_400_000;
const eve: Actor = { username: 'eve', role: 'qa', agentHash: null };
const lead: Actor = { username: 'lead', role: 'qa', agentHash: null };
const AGENTS = ['a', 'b', 'c', 'd', 'e'].map((c) => c.repeat(64));
const LINES = ['sales', 'support', 'billing'];
const teamOf = (h: string | null) => (h === null ? null : h[0] === 'a' || h[0] === 'b' ? 'east' : h[0] === 'c' ? 'west' : null);

// A small PRNG so the world is the same on every run (fast-check draws the periods).
function prng(seed: number): () => number {
  let s = seed;
  return () => { s = (Math.imul(s, 1103515245) + 12345) >>> 0; return s / 2 ** 32; };
}

/** Answers with a few failures drawn at random: scores spread over many percents, critical and fatal failures included. */
function answersFrom(rnd: () => number): Answer[] {
  return DEFAULT_FORM.sections.flatMap((s) => s.questions.map((q): Answer => {
    const fail = rnd() < (q.severity === 'fatal' ? 0.05 : 0.2);
    if (q.kind === 'yes-no') return { questionId: q.id, value: { kind: 'yes-no', answer: fail ? 'no' : 'yes' }, comment: fail ? 'why' : undefined };
    if (q.kind === 'scale') return { questionId: q.id, value: { kind: 'scale', value: fail ? q.min : q.max - Math.floor(rnd() * 2) }, comment: 'why' };
    return { questionId: q.id, value: { kind: 'choice', option: q.options[fail ? q.options.length - 1 : 0]!.id }, comment: fail ? 'why' : undefined };
  }));
}

const agentActor = (h: string): Actor => ({ username: `agent-${h[0]}`, role: 'agent', agentHash: h });
type Step = [Parameters<typeof applyEvaluationStep>[2], Actor, Answer[]?];
const step = (db: Database, id: string, s: Step) => {
  const r = applyEvaluationStep(db, id, s[0], s[1], NOW, s[2]);
  assert.equal(r.done, true, `${id} ${s[0].type}: ${JSON.stringify(r)}`);
};

/** Calls from 2026-07-20 to 2026-11-30 (months and weeks crossing), each evaluated and moved along a random part of its lifecycle. */
function world(calls = 400) {
  const t = tempIndex();
  const db = t.index.db;
  saveForm(db, DEFAULT_FORM, 'lead', NOW);
  const rnd = prng(42);
  const start = Date.parse('2026-07-20T00:00:00.000Z');
  const span = Date.parse('2026-12-01T00:00:00.000Z') - start;
  const ids: string[] = [];
  for (let i = 0; i < calls; i++) {
    // Some calls exactly at midnight, the edge of a day, week and month piece.
    const at = new Date(i % 17 === 0 ? start + Math.floor(rnd() * (span / DAY_MS)) * DAY_MS : start + Math.floor(rnd() * span)).toISOString();
    const agent = rnd() < 0.08 ? null : AGENTS[Math.floor(rnd() * AGENTS.length)]!;
    const rec = `20260720T000000Z-${i.toString(16).padStart(8, '0')}`;
    t.index.insertRecording(row(rec, { agentHash: agent, line: LINES[Math.floor(rnd() * LINES.length)]!, startedAt: at }));
    const id = `ev-${i}`;
    assert.deepEqual(createEvaluation(db, { id, recordingId: rec, form: { id: 'default', version: 1 }, evaluator: 'eve', now: NOW }), { created: true });
    assert.equal(saveDraftAnswers(db, id, answersFrom(rnd), 'eve', NOW).saved, true);
    const who = agent === null ? eve : agentActor(agent);
    const path: Step[] = [[{ type: 'submit' }, eve], [{ type: 'release' }, lead], [{ type: 'dispute', comment: 'no' }, who], [{ type: 'rescore', comment: 'fair' }, lead, answersFrom(rnd)]];
    const r = rnd();
    // A call with no agent has nobody to dispute it: released at most.
    const upTo = Math.min(agent === null ? 2 : 4, r < 0.08 ? 0 : r < 0.4 ? 1 : r < 0.7 ? 2 : r < 0.85 ? 3 : 4);
    for (const s of path.slice(0, upTo)) step(db, id, s);
    if (rnd() < 0.05) step(db, id, [{ type: 'void', reason: 'wrong call' }, lead]);
    ids.push(id);
  }
  return { ...t, db, ids };
}

/** The reference: every counted evaluation in the period and lines, from quality_evaluations and its score JSON. */
function fromEvaluations(db: Database, q: StatsQuery): RawStats {
  const rows = db.prepare('SELECT agent_hash, line, call_started_at, state, score_percent, score FROM quality_evaluations').all() as Array<{
    agent_hash: string | null; line: string; call_started_at: string; state: string; score_percent: number | null; score: string | null }>;
  const totals = new Map<string, { agentHash: string | null; line: string; bucket: string; evaluations: number; sum: number; criticalFailed: number; fatalFailed: number }>();
  const sections = new Map<string, { agentHash: string | null; section: string; evaluations: number; sum: number; criticalFailed: number; fatalFailed: number }>();
  for (const r of rows) {
    if (r.score === null || !(COUNTED_STATES as readonly string[]).includes(r.state)) continue;
    if (r.call_started_at < q.from || r.call_started_at >= q.to) continue;
    if (q.lines !== null && !q.lines.includes(r.line)) continue;
    const score = JSON.parse(r.score) as Score;
    const day = Date.parse(`${r.call_started_at.slice(0, 10)}T00:00:00.000Z`);
    const bucket = q.bucket === 'month' ? r.call_started_at.slice(0, 7) : new Date(day - ((new Date(day).getUTCDay() + 6) % 7) * DAY_MS).toISOString().slice(0, 10);
    const k = `${r.agent_hash}|${r.line}|${bucket}`;
    const tot = totals.get(k) ?? { agentHash: r.agent_hash, line: r.line, bucket, evaluations: 0, sum: 0, criticalFailed: 0, fatalFailed: 0 };
    if (r.score_percent !== null) { tot.evaluations++; tot.sum += r.score_percent; }
    tot.criticalFailed += score.critical.failed.length;
    tot.fatalFailed += score.fatal.failed.length;
    totals.set(k, tot);
    for (const s of score.sections) {
      if (s.percent === null) continue;
      const sk = `${r.agent_hash}|${s.sectionId}`;
      const sec = sections.get(sk) ?? { agentHash: r.agent_hash, section: s.sectionId, evaluations: 0, sum: 0, criticalFailed: 0, fatalFailed: 0 };
      const inSection = new Set(score.questions.filter((x) => x.sectionId === s.sectionId).map((x) => x.questionId));
      sec.evaluations++;
      sec.sum += s.percent;
      sec.criticalFailed += score.critical.failed.filter((id) => inSection.has(id)).length;
      sec.fatalFailed += score.fatal.failed.filter((id) => inSection.has(id)).length;
      sections.set(sk, sec);
    }
  }
  return { byAgentLineBucket: [...totals.values()], byAgentSection: [...sections.values()] };
}

/**
 * deepEqual of two long lists, reporting the first element that differs: node's
 * diff of thousands of rows takes minutes, so a failure would look like a hang.
 */
function sameList(actual: readonly unknown[], expected: readonly unknown[], what: string): void {
  const n = Math.min(actual.length, expected.length);
  for (let i = 0; i < n; i++) assert.deepEqual(actual[i], expected[i], `${what}: item ${i}`);
  assert.equal(actual.length, expected.length, `${what}: length (first ${n} equal; next ${JSON.stringify(actual[n] ?? expected[n])})`);
}

/** Rows keyed by their group, so the order SQL returns them in does not matter; sums to 1e-9, everything else equal. */
function sameRaw(actual: RawStats, expected: RawStats, what: string): void {
  const keyed = <T extends { agentHash: string | null }>(rows: readonly T[], key: (r: T) => string) => new Map(rows.map((r) => [key(r), r]));
  const pairs: Array<[string, ReadonlyArray<RawStats['byAgentSection'][number] | RawStats['byAgentLineBucket'][number]>, ReadonlyArray<RawStats['byAgentSection'][number] | RawStats['byAgentLineBucket'][number]>, (r: never) => string]> = [
    ['totals', actual.byAgentLineBucket, expected.byAgentLineBucket, (r: RawStats['byAgentLineBucket'][number]) => `${r.agentHash}|${r.line}|${r.bucket}`],
    ['sections', actual.byAgentSection, expected.byAgentSection, (r: RawStats['byAgentSection'][number]) => `${r.agentHash}|${r.section}`],
  ];
  for (const [name, a, e, key] of pairs) {
    const am = keyed(a, key as (r: unknown) => string);
    const em = keyed(e, key as (r: unknown) => string);
    assert.equal(am.size, a.length, `${what} ${name}: a group returned twice`);
    sameList([...am.keys()].sort(), [...em.keys()].sort(), `${what} ${name}: groups`);
    for (const [k, x] of em) {
      const y = am.get(k)!;
      assert.deepEqual([y.evaluations, y.criticalFailed, y.fatalFailed], [x.evaluations, x.criticalFailed, x.fatalFailed], `${what} ${name} ${k}: counts`);
      assert.ok(Math.abs(y.sum - x.sum) < 1e-9, `${what} ${name} ${k}: sum ${y.sum} != ${x.sum}`);
    }
  }
}

/** The page's figures too (the roll-up in code), with and without the team filter, '' being the agents without a team. */
function sameStats(actual: RawStats, expected: RawStats, bucket: Bucket, what: string): void {
  for (const team of [undefined, 'east', '']) {
    const a = rollUpQualityStats(actual, bucket, teamOf, team);
    const e = rollUpQualityStats(expected, bucket, teamOf, team);
    const plain = (v: unknown): unknown => v instanceof Map ? [...v].sort(([x], [y]) => String(x).localeCompare(String(y))).map(([k, w]) => [k, plain(w)])
      : Array.isArray(v) ? v.map(plain)
      : v !== null && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, w]) => [k, k === 'percent' && typeof w === 'number' ? Math.round(w * 1e9) / 1e9 : plain(w)]))
      : v;
    const agents = (s: typeof a) => [...s.agents].sort((x, y) => String(x.agentHash).localeCompare(String(y.agentHash)));
    const pa = plain({ ...a, agents: agents(a) }) as Record<string, unknown>;
    const pe = plain({ ...e, agents: agents(e) }) as Record<string, unknown>;
    assert.deepEqual(Object.keys(pa), Object.keys(pe));
    for (const k of Object.keys(pe)) {
      if (Array.isArray(pe[k])) sameList(pa[k] as unknown[], pe[k] as unknown[], `${what}, team ${team}: ${k}`);
      else assert.deepEqual(pa[k], pe[k], `${what}, team ${team}: ${k}`);
    }
  }
}

const day = (d: string) => `${d}T00:00:00.000Z`;
/** [from, to] inclusive days as the dashboard asks, to the query's [from, to + 1 day). */
const query = (from: string, to: string, lines: readonly string[] | null, bucket: Bucket): StatsQuery =>
  ({ from: day(from), to: new Date(Date.parse(day(to)) + DAY_MS).toISOString(), lines, bucket });

const EDGES: Array<[string, string, string]> = [
  ['one day', '2026-10-14', '2026-10-14'],
  ['mid-week to mid-week inside a month', '2026-10-07', '2026-10-22'],
  ['mid-week, crossing a month', '2026-10-29', '2026-11-05'],
  ['whole weeks (Monday to Sunday), crossing a month', '2026-09-28', '2026-10-11'],
  ['whole months', '2026-08-01', '2026-10-31'],
  ['a month starting mid-week, less than a week either side', '2026-08-31', '2026-10-02'],
  ['4 weeks ending on a Friday', '2026-11-01', '2026-11-27'],
  ['13 weeks, mid-month to mid-month', '2026-08-28', '2026-11-26'],
  ['the whole world and more', '2026-06-01', '2026-12-31'],
  ['before any call', '2026-01-01', '2026-07-19'],
];
const SCOPES: Array<readonly string[] | null> = [null, ['sales', 'billing'], []];

function checkAll(db: Database, what: string): void {
  for (const [name, from, to] of EDGES) {
    for (const bucket of ['week', 'month'] as const) {
      for (const lines of SCOPES) {
        const q = query(from, to, lines, bucket);
        const label = `${what}: ${name} ${from}..${to}, ${bucket}, lines ${JSON.stringify(lines)}`;
        const expected = fromEvaluations(db, q);
        const actual = rawQualityStats(db, q);
        sameRaw(actual, expected, label);
        sameStats(actual, expected, bucket, label);
        // The figure-row queries, the path for a period that is not whole days, agree too.
        sameRaw(rawQualityStatsFromFigures(db, q), expected, `${label} (figure rows)`);
      }
    }
  }
  const dayIn = fc.integer({ min: 0, max: 170 }).map((n) => new Date(Date.parse('2026-06-20T00:00:00.000Z') + n * DAY_MS).toISOString().slice(0, 10));
  fc.assert(fc.property(dayIn, dayIn, fc.constantFrom<Bucket>('week', 'month'), fc.constantFrom(...SCOPES), (x, y, bucket, lines) => {
    const [from, to] = x <= y ? [x, y] : [y, x];
    const q = query(from, to, lines, bucket);
    const expected = fromEvaluations(db, q);
    const actual = rawQualityStats(db, q);
    sameRaw(actual, expected, `${what}: ${from}..${to} ${bucket} ${JSON.stringify(lines)}`);
    sameStats(actual, expected, bucket, `${what}: ${from}..${to} ${bucket}`);
  }), { numRuns: 150, seed: 10 });
}

/** The roll-up tables hold what a rebuild from the figure rows would (the triggers kept them through every change). */
function rollupsMatchRebuild(db: Database, what: string): void {
  const read = () => ({
    figures: db.prepare('SELECT grain, start, agent, line, figures, evaluations, sum, critical_failed, fatal_failed FROM quality_figure_rollups ORDER BY 1, 2, 3, 4').all() as Array<Record<string, number | string>>,
    sections: db.prepare('SELECT grain, start, agent, line, section_id, evaluations, sum, critical_failed, fatal_failed FROM quality_section_rollups ORDER BY 1, 2, 3, 4, 5').all() as Array<Record<string, number | string>>,
  });
  const kept = read();
  db.exec('SAVEPOINT rebuild; DELETE FROM quality_figure_rollups; DELETE FROM quality_section_rollups;');
  db.exec(rollupRebuildSql());
  const rebuilt = read();
  db.exec('ROLLBACK TO rebuild; RELEASE rebuild');
  const round = (rows: Array<Record<string, number | string>>) => rows.map((r) => ({ ...r, sum: Math.round((r.sum as number) * 1e9) / 1e9 }));
  assert.ok(rebuilt.figures.length > 0 || kept.figures.length === 0);
  sameList(round(kept.figures), round(rebuilt.figures), `${what}: figure roll-ups`);
  sameList(round(kept.sections), round(rebuilt.sections), `${what}: section roll-ups`);
}

test('the pieces of a period: whole months, then whole weeks, then the edge days from the figure rows', () => {
  const pieces = (from: string, to: string, months: boolean) => periodPieces(day(from), day(to), months)?.map((p) => `${p.source} ${p.from.slice(0, 10)}..${p.to.slice(0, 10)}`);
  const cases: Array<[string, string, boolean, string[] | undefined]> = [
    // Wednesday 7 Oct to Friday 23 Oct (exclusive): Wed-Sun, two weeks, Mon-Thu.
    ['2026-10-07', '2026-10-23', false, ['figures 2026-10-07..2026-10-12', 'week 2026-10-12..2026-10-19', 'figures 2026-10-19..2026-10-23']],
    // Less than a week between two Mondays: days only.
    ['2026-10-07', '2026-10-11', false, ['figures 2026-10-07..2026-10-11']],
    ['2026-10-12', '2026-10-26', false, ['week 2026-10-12..2026-10-26']],
    // 28 Sep (Monday) to 1 Dec: the months of October and November, the week of 28 Sep would cross into October, so its days.
    ['2026-09-28', '2026-12-01', true, ['figures 2026-09-28..2026-10-01', 'month 2026-10-01..2026-12-01']],
    // 20 Aug to 16 Nov: days to Monday 24 Aug, its week, 31 Aug alone (its week crosses into September), two months, 1 Nov, two weeks.
    ['2026-08-20', '2026-11-16', true, ['figures 2026-08-20..2026-08-24', 'week 2026-08-24..2026-08-31', 'figures 2026-08-31..2026-09-01', 'month 2026-09-01..2026-11-01', 'figures 2026-11-01..2026-11-02', 'week 2026-11-02..2026-11-16']],
    // Inside one month, months allowed: weeks and days.
    ['2026-10-07', '2026-10-23', true, ['figures 2026-10-07..2026-10-12', 'week 2026-10-12..2026-10-19', 'figures 2026-10-19..2026-10-23']],
    ['2026-10-07', '2026-10-07', true, []],
    // Whole weeks across a 1st: read as weeks without months, split at the 1st with them (found by this file's property test).
    ['2026-09-28', '2026-10-12', false, ['week 2026-09-28..2026-10-12']],
    ['2026-09-28', '2026-10-12', true, ['figures 2026-09-28..2026-10-01', 'figures 2026-10-01..2026-10-05', 'week 2026-10-05..2026-10-12']],
  ];
  for (const [from, to, months, want] of cases) assert.deepEqual(pieces(from, to, months), want, `${from}..${to} months ${months}`);
  // Not whole days: only the figure rows can answer.
  assert.equal(periodPieces('2026-10-07T12:00:00.000Z', day('2026-10-09'), true), null);
});

test('the roll-ups give the figures a recomputation from the evaluations gives, for edge and random periods, through rescores, voids and purges', () => {
  const t = world();
  try {
    const db = t.db;
    const counted = (db.prepare(`SELECT COUNT(*) AS n FROM quality_evaluation_figures`).get() as { n: number }).n;
    assert.ok(counted > 250, `a world with counted evaluations (${counted})`);
    rollupsMatchRebuild(db, 'built');
    checkAll(db, 'built');

    // An old call's evaluation goes released -> disputed -> rescored, and the figures follow at each step.
    const old = (db.prepare("SELECT id, agent_hash FROM quality_evaluations WHERE state = 'released' AND call_started_at < '2026-08-15' AND agent_hash IS NOT NULL ORDER BY id LIMIT 1").get() as { id: string; agent_hash: string });
    step(db, old.id, [{ type: 'dispute', comment: 'no' }, agentActor(old.agent_hash)]);
    checkAll(db, 'disputed');
    step(db, old.id, [{ type: 'rescore', comment: 'fair' }, lead, answersFrom(prng(7))]);
    rollupsMatchRebuild(db, 'rescored');
    checkAll(db, 'rescored');

    // Another old one is voided: it leaves every figure.
    const other = (db.prepare("SELECT id FROM quality_evaluations WHERE state = 'submitted' AND call_started_at < '2026-09-01' ORDER BY id LIMIT 1").get() as { id: string }).id;
    step(db, other, [{ type: 'void', reason: 'wrong call' }, eve]);
    checkAll(db, 'voided');

    // The purge deletes the evaluations, their figures and their roll-ups: nothing left, no agent number either.
    purgeExpiredEvaluations(db, new Date(NOW.getTime() + 400 * DAY_MS), 'purge');
    const left = db.prepare(`SELECT (SELECT COUNT(*) FROM quality_figure_rollups) + (SELECT COUNT(*) FROM quality_section_rollups)
      + (SELECT COUNT(*) FROM quality_evaluation_figures) + (SELECT COUNT(*) FROM quality_agents) AS n`).get() as { n: number };
    assert.equal(left.n, 0);
  } finally { t.cleanup(); }
});

test('a figure row cannot be updated in place (the roll-ups follow inserts and deletes only)', () => {
  const t = world(5);
  try {
    assert.throws(() => t.db.exec('UPDATE quality_evaluation_figures SET percent = 0'), /never updated/);
    assert.throws(() => t.db.exec('UPDATE quality_section_figures SET percent = 0'), /never updated/);
  } finally { t.cleanup(); }
});
