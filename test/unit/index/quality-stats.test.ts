/**
 * The dashboard figures on a real SQLite file, with evaluations made and
 * moved through their lifecycle by the real store functions: which states
 * count, the means built from sums, the counts behind each figure, the
 * failed critical and fatal questions apart, the period, the line scope,
 * the team roll-up, and the weeks. Expected percents come from the pure
 * scorer (scoreEvaluation), so these tests check the aggregation, not the scoring.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Database } from 'better-sqlite3';
import { tempIndex, row } from './fixtures.js';
import { DEFAULT_FORM } from '../../../src/quality/default-form.js';
import type { Actor } from '../../../src/quality/evaluation-state.js';
import { scoreEvaluation, type Answer, type Score } from '../../../src/quality/scoring.js';
import { saveForm, createEvaluation, saveDraftAnswers, applyEvaluationStep, purgeExpiredEvaluations } from '../../../src/index/quality-store.js';
import { MIGRATIONS } from '../../../src/index/migrations.js';
import { qualityStats, rawQualityStats, periodPieces, rollupSql, COUNTED_STATES, STATS_SQL, type Tally } from '../../../src/index/quality-stats.js';
import { STATE_NAMES } from '../../../src/quality/evaluation-state.js';

const NOW = new Date('2026-12-01T09:00:00Z');
const eve: Actor = { username: 'eve', role: 'qa', agentHash: null };
const lead: Actor = { username: 'lead', role: 'qa', agentHash: null };
const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const C = 'c'.repeat(64);
const agentOf = (h: string): Actor => ({ username: `agent-${h[0]}`, role: 'agent', agentHash: h });

const full: Answer[] = DEFAULT_FORM.sections.flatMap((s) => s.questions.map((q): Answer => ({
  questionId: q.id, value: q.kind === 'yes-no' ? { kind: 'yes-no', answer: 'yes' } : q.kind === 'scale' ? { kind: 'scale', value: q.max } : { kind: 'choice', option: q.options[0]!.id },
})));
const withAnswer = (base: Answer[], id: string, value: Answer['value']): Answer[] => base.map((a) => (a.questionId === id ? { questionId: id, value, comment: 'why' } : a));
const ANSWERS = {
  perfect: full,
  // procedures 4/5 = 80%
  noClosing: withAnswer(full, 'closing', { kind: 'yes-no', answer: 'no' }),
  // a failed critical question (accuracy)
  wrongInfo: withAnswer(full, 'information-correct', { kind: 'choice', option: 'wrong' }),
  // a failed fatal question (collection): total 0
  cardAsked: withAnswer(full, 'only-needed', { kind: 'yes-no', answer: 'no' }),
} as const;
type Kind = keyof typeof ANSWERS;
type Step = [Parameters<typeof applyEvaluationStep>[2], Actor, Answer[]?];
const score = (k: Kind) => scoreEvaluation(DEFAULT_FORM, ANSWERS[k]) as Score;

type Path = 'draft' | 'submitted' | 'released' | 'acknowledged' | 'disputed' | 'rescored' | 'dispute-refused' | 'void' | 'void-after-release';

interface Ev { id: string; agent: string | null; line: string; at: string; answers: Kind; path: Path; rescoreTo?: Kind }

let n = 0;
function make(db: Database, e: Ev): void {
  const rec = `20261101T000000Z-${(++n).toString(16).padStart(8, '0')}`;
  tIndex!.insertRecording(row(rec, { agentHash: e.agent, line: e.line, startedAt: e.at }));
  assert.deepEqual(createEvaluation(db, { id: e.id, recordingId: rec, form: { id: 'default', version: 1 }, evaluator: 'eve', now: NOW }), { created: true });
  assert.equal(saveDraftAnswers(db, e.id, ANSWERS[e.answers], 'eve', NOW).saved, true);
  const agent = e.agent === null ? eve : agentOf(e.agent);
  const upTo: Record<Path, Step[]> = {
    draft: [],
    submitted: [[{ type: 'submit' }, eve]],
    released: [[{ type: 'submit' }, eve], [{ type: 'release' }, lead]],
    acknowledged: [[{ type: 'submit' }, eve], [{ type: 'release' }, lead], [{ type: 'acknowledge' }, agent]],
    disputed: [[{ type: 'submit' }, eve], [{ type: 'release' }, lead], [{ type: 'dispute', comment: 'no' }, agent]],
    rescored: [[{ type: 'submit' }, eve], [{ type: 'release' }, lead], [{ type: 'dispute', comment: 'no' }, agent], [{ type: 'rescore', comment: 'fair' }, lead, ANSWERS[e.rescoreTo ?? e.answers]]],
    'dispute-refused': [[{ type: 'submit' }, eve], [{ type: 'release' }, lead], [{ type: 'dispute', comment: 'no' }, agent], [{ type: 'refuse', comment: 'stands' }, lead]],
    void: [[{ type: 'void', reason: 'wrong call' }, eve]],
    'void-after-release': [[{ type: 'submit' }, eve], [{ type: 'release' }, lead], [{ type: 'void', reason: 'should not have been heard' }, lead]],
  };
  for (const [event, actor, answers] of upTo[e.path]) {
    const r = applyEvaluationStep(db, e.id, event, actor, NOW, answers);
    assert.equal(r.done, true, `${e.id} ${event.type}: ${JSON.stringify(r)}`);
  }
}

let tIndex: ReturnType<typeof tempIndex>['index'] | null = null;
function world(evs: readonly Ev[]) {
  const t = tempIndex();
  tIndex = t.index;
  saveForm(t.index.db, DEFAULT_FORM, 'lead', NOW);
  for (const e of evs) make(t.index.db, e);
  return { ...t, db: t.index.db };
}

const mean = (...ks: Kind[]) => ks.reduce((s, k) => s + score(k).percent!, 0) / ks.length;
const sectionMean = (section: string, ...ks: Kind[]) => ks.reduce((s, k) => s + score(k).sections.find((x) => x.sectionId === section)!.percent!, 0) / ks.length;
const close = (t: Tally | undefined, evaluations: number, percent: number | null, criticalFailed = 0, fatalFailed = 0, what = '') => {
  assert.ok(t !== undefined, `${what}: no figure`);
  assert.equal(t.evaluations, evaluations, `${what}: evaluations`);
  if (percent === null) assert.equal(t.percent, null, what); else assert.ok(Math.abs(t.percent! - percent) < 1e-9, `${what}: ${t.percent} != ${percent}`);
  assert.deepEqual([t.criticalFailed, t.fatalFailed], [criticalFailed, fatalFailed], `${what}: critical, fatal`);
};

const PERIOD = { from: '2026-11-02T00:00:00.000Z', to: '2026-11-16T00:00:00.000Z', lines: null, bucket: 'week' } as const;

test('the counted states are every state but draft and void', () => {
  assert.deepEqual([...COUNTED_STATES].sort(), STATE_NAMES.filter((s) => s !== 'draft' && s !== 'void').sort());
});

test('each lifecycle state counts or not, as COUNTED_STATES says, in every figure', () => {
  const paths: Path[] = ['draft', 'submitted', 'released', 'acknowledged', 'disputed', 'rescored', 'dispute-refused', 'void', 'void-after-release'];
  for (const path of paths) {
    const t = world([{ id: 'ev', agent: A, line: 'sales', at: '2026-11-03T10:00:00.000Z', answers: 'wrongInfo', path }]);
    try {
      const counts = (COUNTED_STATES as readonly string[]).includes(path);
      const s = qualityStats(t.db, PERIOD, () => 'east');
      const n = counts ? 1 : 0;
      assert.equal(s.total.evaluations, n, path);
      assert.equal(s.total.criticalFailed, n, `${path}: critical`);
      assert.equal(s.criteria.get('accuracy')?.evaluations ?? 0, n, `${path}: criterion`);
      assert.equal(s.trend.get(A)?.get('2026-11-02')?.evaluations ?? 0, n, `${path}: trend`);
    } finally { t.cleanup(); }
  }
});

test('figures per agent, team, line, criterion and week: means of evaluations, counts, critical and fatal apart', () => {
  const evs: Ev[] = [
    // agent A (team east): week of 2 Nov on sales, week of 9 Nov on support
    { id: 'a1', agent: A, line: 'sales', at: '2026-11-02T00:00:00.000Z', answers: 'perfect', path: 'submitted' },
    { id: 'a2', agent: A, line: 'sales', at: '2026-11-08T23:59:59.999Z', answers: 'noClosing', path: 'acknowledged' },
    { id: 'a3', agent: A, line: 'support', at: '2026-11-09T08:00:00.000Z', answers: 'wrongInfo', path: 'released' },
    { id: 'a4', agent: A, line: 'sales', at: '2026-11-04T08:00:00.000Z', answers: 'cardAsked', path: 'draft' },
    // agent B (team east): a fatal failure, and a rescore that replaced a critical failure by a perfect score
    { id: 'b1', agent: B, line: 'sales', at: '2026-11-05T08:00:00.000Z', answers: 'cardAsked', path: 'dispute-refused' },
    { id: 'b2', agent: B, line: 'sales', at: '2026-11-10T08:00:00.000Z', answers: 'wrongInfo', path: 'rescored', rescoreTo: 'perfect' },
    { id: 'b3', agent: B, line: 'sales', at: '2026-11-10T09:00:00.000Z', answers: 'perfect', path: 'void-after-release' },
    // agent C (team west), and a call with no agent
    { id: 'c1', agent: C, line: 'support', at: '2026-11-12T08:00:00.000Z', answers: 'noClosing', path: 'disputed' },
    { id: 'x1', agent: null, line: 'support', at: '2026-11-13T08:00:00.000Z', answers: 'perfect', path: 'submitted' },
    // outside the period: before, and at `to` exactly
    { id: 'o1', agent: A, line: 'sales', at: '2026-11-01T23:59:59.999Z', answers: 'cardAsked', path: 'submitted' },
    { id: 'o2', agent: A, line: 'sales', at: '2026-11-16T00:00:00.000Z', answers: 'cardAsked', path: 'submitted' },
  ];
  const t = world(evs);
  try {
    const teamOf = (h: string | null) => (h === A || h === B ? 'east' : h === C ? 'west' : null);
    const s = qualityStats(t.db, PERIOD, teamOf);
    close(s.total, 7, mean('perfect', 'noClosing', 'wrongInfo', 'cardAsked', 'perfect', 'noClosing', 'perfect'), 1, 1, 'total');
    const agent = (h: string | null) => s.agents.find((a) => a.agentHash === h);
    close(agent(A)!.tally, 3, mean('perfect', 'noClosing', 'wrongInfo'), 1, 0, 'agent A');
    close(agent(B)!.tally, 2, mean('cardAsked', 'perfect'), 0, 1, 'agent B');
    close(agent(C)!.tally, 1, mean('noClosing'), 0, 0, 'agent C');
    close(agent(null)!.tally, 1, 100, 0, 0, 'no agent');
    assert.deepEqual([agent(A)!.team, agent(C)!.team, agent(null)!.team], ['east', 'west', null]);
    close(s.teams.get('east'), 5, mean('perfect', 'noClosing', 'wrongInfo', 'cardAsked', 'perfect'), 1, 1, 'team east');
    close(s.teams.get('west'), 1, mean('noClosing'), 0, 0, 'team west');
    close(s.teams.get(''), 1, 100, 0, 0, 'no team');
    close(s.lines.get('sales'), 4, mean('perfect', 'noClosing', 'cardAsked', 'perfect'), 0, 1, 'line sales');
    close(s.lines.get('support'), 3, mean('wrongInfo', 'noClosing', 'perfect'), 1, 0, 'line support');
    // Criteria: the section percents of the stored scores; the fatal failure counts in its own section only.
    close(s.criteria.get('procedures'), 7, sectionMean('procedures', 'perfect', 'noClosing', 'wrongInfo', 'cardAsked', 'perfect', 'noClosing', 'perfect'), 0, 0, 'procedures');
    close(s.criteria.get('accuracy'), 7, sectionMean('accuracy', 'perfect', 'noClosing', 'wrongInfo', 'cardAsked', 'perfect', 'noClosing', 'perfect'), 1, 0, 'accuracy');
    close(s.criteria.get('collection'), 7, sectionMean('collection', 'perfect', 'noClosing', 'wrongInfo', 'cardAsked', 'perfect', 'noClosing', 'perfect'), 0, 1, 'collection');
    assert.deepEqual(s.sections, ['accuracy', 'collection', 'procedures', 'relationship']);
    close(s.criteriaByTeam.get('east')!.get('procedures'), 5, sectionMean('procedures', 'perfect', 'noClosing', 'wrongInfo', 'cardAsked', 'perfect'), 0, 0, 'east procedures');
    close(s.criteriaByAgent.get(B)!.get('collection'), 2, sectionMean('collection', 'cardAsked', 'perfect'), 0, 1, 'B collection');
    // Weeks start on Monday (UTC): 2 Nov 00:00 and 8 Nov 23:59 are the same week, 9 Nov the next.
    assert.deepEqual([s.bucket, ...s.buckets], ['week', '2026-11-02', '2026-11-09']);
    close(s.trend.get(A)!.get('2026-11-02'), 2, mean('perfect', 'noClosing'), 0, 0, 'A week 1');
    close(s.trend.get(A)!.get('2026-11-09'), 1, mean('wrongInfo'), 1, 0, 'A week 2');
    close(s.trend.get(B)!.get('2026-11-09'), 1, 100, 0, 0, 'B week 2 (rescored)');
    close(s.trend.get('')!.get('2026-11-09'), 1, 100, 0, 0, 'no agent week 2');
    // By month: the same evaluations in calendar months, every other figure unchanged.
    const monthly = qualityStats(t.db, { ...PERIOD, bucket: 'month' }, teamOf);
    assert.deepEqual([monthly.bucket, ...monthly.buckets], ['month', '2026-11']);
    close(monthly.trend.get(A)!.get('2026-11'), 3, mean('perfect', 'noClosing', 'wrongInfo'), 1, 0, 'A in November');
    assert.deepEqual(monthly.total, s.total);

    // The team filter keeps that team's agents in every figure.
    const east = qualityStats(t.db, PERIOD, teamOf, 'east');
    close(east.total, 5, mean('perfect', 'noClosing', 'wrongInfo', 'cardAsked', 'perfect'), 1, 1, 'east total');
    assert.deepEqual(east.agents.map((a) => a.agentHash).sort(), [A, B]);
    close(east.lines.get('support'), 1, mean('wrongInfo'), 1, 0, 'east on support');
    assert.equal(east.trend.has(C), false);
    close(qualityStats(t.db, PERIOD, teamOf, '').total, 1, 100, 0, 0, 'agents without a team');

    // Line scope: only the lines given, in every figure; no line at all shows nothing.
    const sales = qualityStats(t.db, { ...PERIOD, lines: ['sales'] }, teamOf);
    close(sales.total, 4, mean('perfect', 'noClosing', 'cardAsked', 'perfect'), 0, 1, 'sales only');
    assert.equal(sales.agents.some((a) => a.agentHash === C), false);
    assert.deepEqual([...sales.lines.keys()], ['sales']);
    close(sales.criteria.get('accuracy'), 4, sectionMean('accuracy', 'perfect', 'noClosing', 'cardAsked', 'perfect'), 0, 0, 'sales accuracy');
    const none = qualityStats(t.db, { ...PERIOD, lines: [] }, teamOf);
    close(none.total, 0, null, 0, 0, 'no line');
    assert.equal(none.criteria.size + none.trend.size + none.agents.length, 0);
  } finally { t.cleanup(); }
});

test('a section whose questions are all N/A is left out of that criterion, not counted as 0', () => {
  // The default form has no section that can be all N/A: a form whose accuracy questions all allow it.
  const t = tempIndex();
  try {
    const form = { ...DEFAULT_FORM, id: 'na-form', sections: [DEFAULT_FORM.sections[0]!, { ...DEFAULT_FORM.sections[1]!, questions: DEFAULT_FORM.sections[1]!.questions.map((q) => ({ ...q, na: 'allowed' as const })) }] };
    saveForm(t.index.db, form, 'lead', NOW);
    t.index.insertRecording(row('20261103T000000Z-0000000a', { line: 'sales', startedAt: '2026-11-03T10:00:00.000Z', agentHash: A }));
    createEvaluation(t.index.db, { id: 'na', recordingId: '20261103T000000Z-0000000a', form: { id: 'na-form', version: 1 }, evaluator: 'eve', now: NOW });
    const answers = form.sections.flatMap((s) => s.questions.map((q): Answer => (s.id === 'accuracy' ? { questionId: q.id, value: { kind: 'na' } } : full.find((a) => a.questionId === q.id)!)));
    assert.equal(saveDraftAnswers(t.index.db, 'na', answers, 'eve', NOW).saved, true);
    assert.equal(applyEvaluationStep(t.index.db, 'na', { type: 'submit' }, eve, NOW).done, true);
    const s = qualityStats(t.index.db, PERIOD, () => null);
    close(s.total, 1, 100, 0, 0, 'total');
    close(s.criteria.get('procedures'), 1, 100, 0, 0, 'procedures');
    assert.equal(s.criteria.has('accuracy'), false);
  } finally { t.cleanup(); }
});

test('each query is range scans of the roll-ups and figure tables by their keys, never a scan of a table', () => {
  const t = world([]);
  try {
    const plans = (sql: string, params: unknown[]) => (t.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as Array<{ detail: string }>).map((p) => p.detail).join('; ');
    // The figure-row queries (a period not of whole days, and the reference): one range scan by call time.
    for (const [name, sql] of Object.entries(STATS_SQL)) {
      const p = plans((sql as (f: string) => string)(''), ['a', 'b']);
      assert.match(p, /SEARCH quality_(evaluation|section)_figures USING PRIMARY KEY \(call_started_at>\? AND call_started_at<\?\)/, `${name}: ${p}`);
      assert.doesNotMatch(p, /SCAN quality/, `${name}: ${p}`);
    }
    // A year from mid-month: edge days, weeks and months, each piece a range of a primary key.
    const pieces = periodPieces('2025-11-28T00:00:00.000Z', '2026-11-28T00:00:00.000Z', true)!;
    assert.deepEqual([...new Set(pieces.map((p) => p.source))].sort(), ['figures', 'month', 'week']);
    for (const lines of [null, ['sales', 'support']]) {
      const q = rollupSql(pieces, lines, 'month');
      for (const sql of [q.byAgentLineBucket, q.byAgentSection]) {
        const p = plans(sql, q.params);
        assert.match(p, /SEARCH quality_(figure|section)_rollups USING PRIMARY KEY \(grain=\? AND start>\? AND start<\?\)/, p);
        assert.match(p, /SEARCH quality_(evaluation|section)_figures USING PRIMARY KEY \(call_started_at>\? AND call_started_at<\?\)/, p);
        assert.doesNotMatch(p, /SCAN quality/, p);
      }
    }
    assert.equal(rawQualityStats(t.db, PERIOD).byAgentLineBucket.length, 0);
  } finally { t.cleanup(); }
});

test('a purged evaluation leaves no figure, roll-up or agent number behind; evaluations scored before migrations 6 and 9 are backfilled', () => {
  const t = world([
    { id: 'p1', agent: A, line: 'sales', at: '2026-11-03T10:00:00.000Z', answers: 'wrongInfo', path: 'submitted' },
    { id: 'p2', agent: B, line: 'sales', at: '2026-11-04T10:00:00.000Z', answers: 'perfect', path: 'released' },
  ]);
  try {
    const before = rawQualityStats(t.db, PERIOD);
    // Replay migrations 6 and 9 on the same rows: drop their tables (and with them their triggers) as version 5 had none, then run their SQL.
    t.db.exec('DROP TRIGGER quality_figures_insert; DROP TRIGGER quality_figures_update; DROP TRIGGER quality_figures_delete; DROP TABLE quality_evaluation_figures; DROP TABLE quality_section_figures; DROP TABLE quality_agents');
    t.db.exec('DROP TABLE quality_figure_rollups; DROP TABLE quality_section_rollups');
    t.db.exec(MIGRATIONS.find((m) => m.version === 6)!.sql);
    t.db.exec(MIGRATIONS.find((m) => m.version === 9)!.sql);
    assert.deepEqual(rawQualityStats(t.db, PERIOD), before);
    assert.equal(before.byAgentSection.length, 8);
    // A year later the purge deletes the evaluations; their figures go with them.
    assert.equal(purgeExpiredEvaluations(t.db, new Date(NOW.getTime() + 400 * 86_400_000), 'purge').purged, 2);
    // ... and so does the agents' number table: no keyed hash kept past its last figure.
    assert.equal((t.db.prepare(`SELECT (SELECT COUNT(*) FROM quality_evaluation_figures) + (SELECT COUNT(*) FROM quality_section_figures) + (SELECT COUNT(*) FROM quality_agents)
      + (SELECT COUNT(*) FROM quality_figure_rollups) + (SELECT COUNT(*) FROM quality_section_rollups) AS n`).get() as { n: number }).n, 0);
  } finally { t.cleanup(); }
});
