/**
 * GET /quality and GET /quality.csv on a real console and a real SQLite
 * index, the evaluations made and moved through their lifecycle by the real
 * store functions: what each viewer sees (scope by line), the figures and the
 * counts behind them, drafts and voids left out, KPI verdicts from the
 * configured targets, the team filter, the CSV (defused, audited), and the
 * refusals of a bad query. Expected percents come from the pure scorer.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ConsoleWorld, CONSOLE_YAML, type Browser } from '../../support/console-world.js';
import { DEFAULT_FORM } from '../../../src/quality/default-form.js';
import { scoreEvaluation, type Answer, type Score } from '../../../src/quality/scoring.js';
import type { Actor } from '../../../src/quality/evaluation-state.js';
import { saveForm, createEvaluation, saveDraftAnswers, applyEvaluationStep } from '../../../src/index/quality-store.js';
import { bucketOf, csvField, dashboardLines, periodOf, NO_TEAM_FILTER } from '../../../src/console/quality-dashboard.js';
import { parseConfig } from '../../../src/config/index.js';
import { isCallvaultError } from '../../../src/errors.js';
import { RECIPIENT } from '../../support/fake-call.js';

const YAML = CONSOLE_YAML.replace('    sales-team: [sales]\n', '    sales-team: [sales]\n    insurance-team: [insurance]\n') + `
agents:
  agent-1: { team: blue }
  agent-2: { team: blue }
  agent-3: { team: green }
  "=1+1": { team: green }
teams:
  blue: {}
  green: {}
quality:
  targets:
    blue: { total: { atLeast: 80, minEvaluations: 2 }, relationship: { atLeast: 90, minEvaluations: 1 }, accuracy: { atLeast: 95, minEvaluations: 1 } }
    green: { total: { atLeast: 50, minEvaluations: 5 } }
`;

const full: Answer[] = DEFAULT_FORM.sections.flatMap((s) => s.questions.map((q): Answer => ({
  questionId: q.id, value: q.kind === 'yes-no' ? { kind: 'yes-no', answer: 'yes' } : q.kind === 'scale' ? { kind: 'scale', value: q.max } : { kind: 'choice', option: q.options[0]!.id },
})));
const set = (id: string, value: Answer['value']): Answer[] => full.map((a) => (a.questionId === id ? { questionId: id, value, comment: 'why' } : a));
const ANSWERS = {
  perfect: full,
  noClosing: set('closing', { kind: 'yes-no', answer: 'no' }),
  wrongInfo: set('information-correct', { kind: 'choice', option: 'wrong' }),
  cardAsked: set('only-needed', { kind: 'yes-no', answer: 'no' }),
};
type Kind = keyof typeof ANSWERS;
const total = (k: Kind) => (scoreEvaluation(DEFAULT_FORM, ANSWERS[k]) as Score).percent!;
const section = (k: Kind, id: string) => (scoreEvaluation(DEFAULT_FORM, ANSWERS[k]) as Score).sections.find((s) => s.sectionId === id)!.percent!;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const pct = (p: number) => `${(Math.round(p * 10) / 10).toFixed(1)}%`;

type Path = 'draft' | 'submitted' | 'released' | 'acknowledged' | 'void';
interface Ev { agent: string; line: 'support' | 'sales'; day: string; answers: Kind; path: Path }
const EVS: Record<string, Ev> = {
  e1: { agent: 'agent-1', line: 'support', day: '2026-11-03', answers: 'perfect', path: 'submitted' },
  e2: { agent: 'agent-1', line: 'support', day: '2026-11-10', answers: 'noClosing', path: 'released' },
  e3: { agent: 'agent-2', line: 'sales', day: '2026-11-04', answers: 'wrongInfo', path: 'acknowledged' },
  e4: { agent: 'agent-3', line: 'sales', day: '2026-11-05', answers: 'cardAsked', path: 'submitted' },
  e5: { agent: 'agent-9', line: 'support', day: '2026-11-06', answers: 'perfect', path: 'submitted' },
  e6: { agent: '=1+1', line: 'sales', day: '2026-11-12', answers: 'perfect', path: 'submitted' },
  // Neither counts: a draft and a voided evaluation, both would pull the figures down.
  d1: { agent: 'agent-1', line: 'support', day: '2026-11-04', answers: 'cardAsked', path: 'draft' },
  v1: { agent: 'agent-2', line: 'support', day: '2026-11-04', answers: 'cardAsked', path: 'void' },
  // Outside the period asked for.
  o1: { agent: 'agent-1', line: 'support', day: '2026-10-30', answers: 'cardAsked', path: 'submitted' },
};
const PERIOD = 'from=2026-11-02&to=2026-11-15';

let w: ConsoleWorld;
const b = new Map<string, Browser>();

before(async () => {
  w = await ConsoleWorld.create(YAML);
  await w.addUser('quinn', 'qa', { purposes: ['quality'], teams: ['support-team'] });
  await w.addUser('quentin', 'qa', { purposes: ['quality'] });
  await w.addUser('sam', 'supervisor', { teams: ['sales-team'] });
  await w.addUser('nadia', 'supervisor', { teams: ['insurance-team'] });
  await w.addUser('alex', 'agent', { agentId: 'agent-1' });
  for (const u of ['quinn', 'quentin', 'sam', 'nadia', 'alex']) b.set(u, await w.signIn(u));
  const db = w.index.db;
  const now = new Date('2026-12-01T09:00:00Z');
  saveForm(db, DEFAULT_FORM, 'lead', now);
  const eve: Actor = { username: 'eve', role: 'qa', agentHash: null };
  const lead: Actor = { username: 'lead', role: 'qa', agentHash: null };
  for (const [id, e] of Object.entries(EVS)) {
    const rec = w.ops.add(w.index, { purpose: 'quality', line: e.line, agent: e.agent, startedAt: new Date(`${e.day}T10:00:00Z`) });
    createEvaluation(db, { id, recordingId: rec, form: { id: 'default', version: 1 }, evaluator: 'eve', now });
    assert.equal(saveDraftAnswers(db, id, ANSWERS[e.answers], 'eve', now).saved, true);
    const agent: Actor = { username: 'a', role: 'agent', agentHash: w.ops.hasher.hex('agent', e.agent) };
    const steps: Record<Path, Array<[Parameters<typeof applyEvaluationStep>[2], Actor]>> = {
      draft: [], submitted: [[{ type: 'submit' }, eve]], released: [[{ type: 'submit' }, eve], [{ type: 'release' }, lead]],
      acknowledged: [[{ type: 'submit' }, eve], [{ type: 'release' }, lead], [{ type: 'acknowledge' }, agent]],
      void: [[{ type: 'submit' }, eve], [{ type: 'void', reason: 'wrong call' }, lead]],
    };
    for (const [ev, actor] of steps[e.path]) assert.equal(applyEvaluationStep(db, id, ev, actor, now).done, true, `${id} ${ev.type}`);
  }
});
after(async () => { await w.close(); });

function clean(body: string): void {
  assert.doesNotMatch(body, /<script(?![^>]*\bsrc=)/, 'inline script');
  assert.doesNotMatch(body, /\sstyle=|<style/, 'inline style');
  assert.doesNotMatch(body, /\son[a-z]+=/, 'inline event handler');
}

const totalRow = (body: string) => /<table id="quality-total">.*?<th scope="row">[^<]*<\/th><td>(\d+)<\/td><td>([^<]*)<\/td><td>(\d+)<\/td><td>(\d+)<\/td>/s.exec(body)?.slice(1);
const agentsShown = (body: string) => [...(/<table id="quality-agents">(.*?)<\/table>/s.exec(body)?.[1] ?? '').matchAll(/<tr><th scope="row">([^<]*)<\/th>/g)].map((m) => m[1]!).sort();

/** Who sees what: the lines of their teams (nadia's insurance line has no evaluation). */
const VIEWS: Array<{ who: string; evs: string[]; agents: string[]; scoped: boolean }> = [
  { who: 'quentin', evs: ['e1', 'e2', 'e3', 'e4', 'e5', 'e6'], agents: ['=1+1', 'agent-1', 'agent-2', 'agent-3', `#${'x'}`], scoped: false },
  { who: 'quinn', evs: ['e1', 'e2', 'e5'], agents: ['agent-1', '#x'], scoped: true },
  { who: 'sam', evs: ['e3', 'e4', 'e6'], agents: ['=1+1', 'agent-2', 'agent-3'], scoped: true },
  { who: 'nadia', evs: [], agents: [], scoped: true },
];

for (const v of VIEWS) {
  test(`${v.who} sees the figures of ${v.evs.join(', ') || 'nothing'}`, async () => {
    const res = await w.request(b.get(v.who)!, 'GET', `/quality?${PERIOD}`);
    assert.equal(res.statusCode, 200, res.body.slice(0, 300));
    clean(res.body);
    assert.match(res.body, /<a href="\/quality">Quality<\/a>/);
    assert.equal(/id="quality-scope"/.test(res.body), v.scoped);
    if (v.evs.length === 0) { assert.match(res.body, /id="quality-none"/); return; }
    const evs = v.evs.map((id) => EVS[id]!);
    const critical = evs.filter((e) => e.answers === 'wrongInfo').length;
    const fatal = evs.filter((e) => e.answers === 'cardAsked').length;
    assert.deepEqual(totalRow(res.body), [String(evs.length), pct(mean(evs.map((e) => total(e.answers)))), String(critical), String(fatal)]);
    const unknown = `#${w.ops.hasher.hex('agent', 'agent-9').slice(0, 8)}`;
    assert.deepEqual(agentsShown(res.body), v.agents.map((a) => (a === '#x' ? unknown : a)).sort());
    // The full keyed hash of an agent is never on the page.
    assert.doesNotMatch(res.body, new RegExp(w.ops.hasher.hex('agent', 'agent-9')));
    for (const line of ['support', 'sales']) assert.equal(new RegExp(`<table id="quality-lines">.*<th scope="row">${line}</th>`, 's').test(res.body), evs.some((e) => e.line === line), line);
  });
}

test('team figures, KPI verdicts from the configured targets, heat map and trend with their numbers', async () => {
  const res = await w.request(b.get('quentin')!, 'GET', `/quality?${PERIOD}`);
  const blue = mean([total('perfect'), total('noClosing'), total('wrongInfo')]);
  assert.match(res.body, new RegExp(`<table id="quality-teams">.*<tr><th scope="row">blue</th><td>3</td><td>${pct(blue)}</td><td>1</td><td>0</td></tr>`, 's'));
  const verdicts = /<table id="quality-verdicts">(.*?)<\/table>/s.exec(res.body)![1]!;
  const accuracy = mean([section('perfect', 'accuracy'), section('noClosing', 'accuracy'), section('wrongInfo', 'accuracy')]);
  assert.ok(blue >= 80 && accuracy < 95, 'the worked figures: blue meets its total, misses accuracy');
  const rows = [...verdicts.matchAll(/<tr class="verdict-([a-z-]+)"><th scope="row">(\w+)<\/th><td>([^<]*)<\/td><td>([^<]*)<\/td><td>([^<]*)<\/td><\/tr>/g)].map((m) => m.slice(1, 6));
  assert.deepEqual(rows, [
    ['met', 'blue', 'All evaluations shown', '≥ 80% (n ≥ 2)', `met (+${(blue - 80).toFixed(1)})`],
    ['missed', 'blue', 'Accuracy of the information given', '≥ 95% (n ≥ 1)', `missed (${(accuracy - 95).toFixed(1)})`],
    ['met', 'blue', 'Quality of the relationship with the customer', '≥ 90% (n ≥ 1)', 'met (+10.0)'],
    // Green has two evaluations (agent-3's fatal one and =1+1's): too few for a verdict on five.
    ['too-few', 'green', 'All evaluations shown', '≥ 50% (n ≥ 5)', 'too few (2 of 5)'],
  ]);
  // The agents of a team with a total target carry its verdict too.
  assert.match(res.body, /<tr><th scope="row">agent-3<\/th><td>1<\/td><td>0\.0%<\/td><td>0<\/td><td>1<\/td><td>green<\/td><td>too few \(1 of 5\)<\/td><\/tr>/);
  // Heat map: a cell per team and criterion, its number written out, a missed target outlined.
  const heat = /<svg id="chart-heatmap".*?<\/svg>/s.exec(res.body)![0];
  assert.match(heat, new RegExp(`>${pct(accuracy)} n=3</text>`));
  assert.match(heat, /stroke="#c05600" stroke-width="3"/);
  // Trend: weeks start on Monday; agent-1 has one evaluation in each of the two weeks.
  const trend = /<svg id="chart-trend".*?<\/svg>/s.exec(res.body)![0];
  assert.match(trend, />2026-11-02<\/tspan>.*>2026-11-09<\/tspan>/s);
  assert.match(trend, new RegExp(`>agent-1</text>.*?>${pct(total('perfect'))} n=1</text>.*?>${pct(total('noClosing'))} n=1</text>`, 's'));
  assert.match(res.body, /<svg id="chart-teams"[^>]*role="img"/);
  assert.match(res.body, /<svg id="chart-criteria"/);
});

test('the team filter keeps that team\'s agents in every figure; the page speaks French too', async () => {
  const res = await w.request(b.get('quentin')!, 'GET', `/quality?${PERIOD}&team=green`);
  assert.deepEqual(totalRow(res.body), ['2', pct(mean([total('cardAsked'), total('perfect')])), '0', '1']);
  assert.deepEqual(agentsShown(res.body), ['=1+1', 'agent-3']);
  assert.match(res.body, /<option value="green" selected>green<\/option>/);
  const fr = await w.request(b.get('quentin')!, 'GET', `/quality?${PERIOD}&lang=fr`);
  assert.match(fr.body, /<h1>Tableau de bord qualité<\/h1>/);
  assert.match(fr.body, /trop peu \(2 sur 5\)/);
  clean(fr.body);
  await w.request(b.get('quentin')!, 'GET', '/quality?lang=en');
});

test('the team filter reaches the agents without a team too (agent-9 is in no team), on the page and in the CSV', async () => {
  const res = await w.request(b.get('quentin')!, 'GET', `/quality?${PERIOD}&team=${encodeURIComponent(NO_TEAM_FILTER)}`);
  assert.equal(res.statusCode, 200, res.body.slice(0, 300));
  assert.deepEqual(totalRow(res.body), ['1', pct(total('perfect')), '0', '0']);
  assert.deepEqual(agentsShown(res.body), [`#${w.ops.hasher.hex('agent', 'agent-9').slice(0, 8)}`]);
  assert.match(res.body, new RegExp(`<option value="${NO_TEAM_FILTER}" selected>\\(no team\\)</option>`));
  // No team has no target: no verdict row.
  assert.doesNotMatch(res.body, /<tr class="verdict-/);
  assert.match(res.body, /href="\/quality\.csv\?from=2026-11-02&amp;to=2026-11-15&amp;team=(?:~|%7E)none"/);
  // Without the filter the option is there, not selected; a team stays selectable.
  const all = await w.request(b.get('quentin')!, 'GET', `/quality?${PERIOD}`);
  assert.match(all.body, new RegExp(`<option value="${NO_TEAM_FILTER}">\\(no team\\)</option>`));
  // The supervisor of the sales line: agent-9 answered support only, so nothing.
  const sam = await w.request(b.get('sam')!, 'GET', `/quality?${PERIOD}&team=${encodeURIComponent(NO_TEAM_FILTER)}`);
  assert.match(sam.body, /id="quality-none"/);
  const csv = await w.request(b.get('quentin')!, 'GET', `/quality.csv?${PERIOD}&team=${encodeURIComponent(NO_TEAM_FILTER)}`);
  assert.equal(csv.statusCode, 200);
  assert.match(String(csv.headers['content-disposition']), /filename="callvault-quality-2026-11-02-2026-11-15-no-team\.csv"/);
  const lines = csv.body.split('\r\n');
  assert.ok(lines.includes(`total,,,,,,1,${total('perfect').toFixed(2)},0,0,,,`), csv.body);
  assert.ok(lines.includes(`team,,,,,,1,${total('perfect').toFixed(2)},0,0,,,`), csv.body);
  assert.ok(!lines.some((l) => /^team,(blue|green),/.test(l)), csv.body);
  const audit = w.index.db.prepare("SELECT details FROM audit WHERE action = 'quality.export' ORDER BY seq DESC LIMIT 1").get() as { details: string };
  assert.equal(JSON.parse(audit.details).team, NO_TEAM_FILTER);
});

test('the CSV has the same figures, defuses formula-looking fields, and each export is audited', async () => {
  const res = await w.request(b.get('sam')!, 'GET', `/quality.csv?${PERIOD}`);
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /^text\/csv/);
  assert.match(String(res.headers['content-disposition']), /attachment; filename="callvault-quality-2026-11-02-2026-11-15\.csv"/);
  const lines = res.body.split('\r\n');
  assert.equal(lines[0], 'figure,team,agent,line,criterion,period,evaluations,percent,critical_failed,fatal_failed,target,min_evaluations,verdict');
  assert.equal(lines.at(-1), '');
  assert.ok(lines.includes(`total,,,,,,3,${mean([total('wrongInfo'), total('cardAsked'), total('perfect')]).toFixed(2)},1,1,,,`), res.body);
  assert.ok(lines.includes(`team,green,,,,,2,${mean([total('cardAsked'), total('perfect')]).toFixed(2)},0,1,50,5,too-few (2/5)`), res.body);
  // An agent id that a spreadsheet would run as a formula is written as text.
  assert.ok(lines.includes(`agent,green,'=1+1,,,,1,100.00,0,0,50,5,too-few (1/5)`), res.body);
  assert.ok(lines.includes(`agent-week,green,'=1+1,,,2026-11-09,1,100.00,0,0,,,`), res.body);
  assert.ok(!lines.some((l) => /^[^,]*,[^,]*,=/.test(l)));
  // Sam's scope: nothing of the support line.
  assert.ok(!lines.some((l) => l.startsWith('line,,,support')));
  const audit = w.index.db.prepare("SELECT actor, details FROM audit WHERE action = 'quality.export' ORDER BY seq DESC LIMIT 1").get() as { actor: string; details: string };
  assert.equal(audit.actor, 'sam');
  assert.deepEqual(JSON.parse(audit.details), { from: '2026-11-02', to: '2026-11-15', team: null, rows: lines.length - 2 });
});

test('csv fields: formulas defused, RFC 4180 quoting', () => {
  const cases: Array<[string, string]> = [
    ['plain', 'plain'], ['=SUM(A1)', "'=SUM(A1)"], ['+1', "'+1"], ['-1', "'-1"], ['@x', "'@x"], ['\tx', "'\tx"],
    ['a,b', '"a,b"'], ['say "hi"', '"say ""hi"""'], ['=a,b', `"'=a,b"`], ['', ''],
  ];
  for (const [given, want] of cases) assert.equal(csvField(given), want, JSON.stringify(given));
});

test('a bad query is a 400 that says what is wrong; the default period is the last four weeks', async () => {
  for (const [q, why] of [
    ['from=2026-11-15&to=2026-11-02', 'from is after to'], ['from=2026-02-30&to=2026-03-01', 'YYYY-MM-DD'],
    ['from=2025-01-01&to=2026-11-02', '400 days'], ['team=nobody', 'unknown team nobody'],
  ] as const) {
    for (const url of ['/quality', '/quality.csv']) {
      const res = await w.request(b.get('quentin')!, 'GET', `${url}?${q}`);
      assert.equal(res.statusCode, 400, `${url}?${q}`);
      assert.match(res.body, new RegExp(why), `${url}?${q}`);
    }
  }
  assert.deepEqual(periodOf(undefined, undefined, new Date('2026-12-02T23:00:00Z')), { from: '2026-11-05', to: '2026-12-02' });
  // The trend is weekly up to 13 weeks, monthly beyond.
  assert.deepEqual([bucketOf({ from: '2026-09-01', to: '2026-11-30' }), bucketOf({ from: '2026-09-01', to: '2026-12-01' })], ['week', 'month']);
  const year = await w.request(b.get('quentin')!, 'GET', '/quality?from=2026-01-01&to=2026-12-31');
  assert.match(year.body, /<h2>Trend per agent and month/);
  assert.match(/<svg id="chart-trend".*?<\/svg>/s.exec(year.body)![0], />2026-10<\/tspan>.*>2026-11<\/tspan>/s);
  assert.deepEqual(periodOf(undefined, '2026-03-01', new Date('2026-12-02T23:00:00Z')), { from: '2026-02-02', to: '2026-03-01' });
});

test('targets must name a team of teams:, a percent and a count, with a message that says so', () => {
  const base = (extra: string) => `
pbx: { type: asterisk, asterisk: { ami: { username: u, secret: s }, recordings: { pbx: /a, local: /b } } }
lines: { a: { mode: sampled } }
privacy: { hashKeyFile: k }
storage: { dir: store }
archive: { recipients: { quality: [${RECIPIENT}] } }
teams: { blue: {} }
${extra}`;
  const ok = parseConfig(base('quality: { targets: { blue: { total: { atLeast: 80 }, relationship: { atLeast: 75.5, minEvaluations: 10 } } } }'), '/c.yaml');
  assert.deepEqual(ok.quality.targets.blue, { total: { atLeast: 80, minEvaluations: 5 }, relationship: { atLeast: 75.5, minEvaluations: 10 } });
  assert.deepEqual(parseConfig(base(''), '/c.yaml').quality, { targets: {} });
  const BAD: Array<[string, RegExp]> = [
    ['quality: { targets: { red: { total: { atLeast: 80 } } } }', /quality\.targets\.red: 'red' is not one of the teams/],
    ['quality: { targets: { blue: { total: { atLeast: 120 } } } }', /quality\.targets\.blue\.total\.atLeast: atLeast is a percent, 0 to 100/],
    ['quality: { targets: { blue: { total: { atLeast: 80, minEvaluations: 0 } } } }', /minEvaluations must be at least 1/],
    ['quality: { targets: { blue: { Relationship: { atLeast: 80 } } } }', /a target is 'total' or the id of a form section/],
    ['quality: { targets: { blue: { total: { atLeast: 80, min: 3 } } } }', /unknown key 'min'/],
  ];
  for (const [yaml, message] of BAD) {
    assert.throws(() => parseConfig(base(yaml), '/c.yaml'), (e: unknown) => isCallvaultError(e) && e.code === 'CV_ERR_CONFIG_INVALID' && message.test(e.message), yaml);
  }
});

test('dashboard lines follow the role scope: every line, some, or none', () => {
  const teams = { east: ['a', 'b'], west: ['c'] };
  const CASES: Array<[Parameters<typeof dashboardLines>[0], readonly string[] | null]> = [
    [{ role: 'qa', teams: [], purposes: ['quality'] }, null],
    [{ role: 'qa', teams: ['east'], purposes: ['contract'] }, ['a', 'b']],
    [{ role: 'qa', teams: ['east'], purposes: [] }, []],
    [{ role: 'supervisor', teams: ['west', 'east'], purposes: [] }, ['c', 'a', 'b']],
    [{ role: 'supervisor', teams: [], purposes: [] }, []],
    [{ role: 'agent', teams: ['east'], purposes: [] }, []],
  ];
  for (const [viewer, lines] of CASES) assert.deepEqual(dashboardLines(viewer, teams), lines, JSON.stringify(viewer));
});
