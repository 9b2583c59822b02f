import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decideAtAnswer, answerMayRecord, answerRateCeiling, answerCanStart, announceOverride, type AnswerAgent, type AnswerInput } from '../../../src/policy/answer.js';
import { decideMonitor } from '../../../src/policy/monitor.js';
import { decideSampling } from '../../../src/policy/sampling.js';
import { planDialogue, type FinalDecision } from '../../../src/policy/consent.js';
import { lineSchema, type LinePolicy } from '../../../src/config/schema.js';

const draw = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });
const rate = fc.double({ min: 0, max: 1, noNaN: true });
const optRate = fc.option(rate, { nil: undefined });
const sampled = (r: number, extra: object = {}) => lineSchema.parse({ mode: 'sampled', rate: r, ...extra });

const agentArb: fc.Arbitrary<AnswerAgent> = fc.record({
  known: fc.boolean(), rate: optRate, teamRate: optRate, hasTeam: fc.boolean(), protected: fc.boolean(),
}).map((a) => ({
  profile: a.known ? { ...(a.rate !== undefined ? { rate: a.rate } : {}), ...(a.hasTeam ? { team: 't' } : {}) } : undefined,
  team: a.known && a.hasTeam ? (a.teamRate !== undefined ? { rate: a.teamRate } : {}) : undefined,
  protected: a.protected,
}));
const lineArb: fc.Arbitrary<LinePolicy> = fc.oneof(
  rate.map((r) => sampled(r)),
  fc.constant(lineSchema.parse({ mode: 'mandatory' })),
  fc.constant(lineSchema.parse({ mode: 'consent' })),
  fc.constant(lineSchema.parse({ mode: 'never' })),
);
const entryArb: fc.Arbitrary<FinalDecision | null> = fc.constantFrom<FinalDecision | null>(
  null,
  { decision: 'record', reason: 'sampled' }, { decision: 'record', reason: 'mandatory' }, { decision: 'record', reason: 'consented' },
  { decision: 'skip', reason: 'not-sampled' }, { decision: 'skip', reason: 'objected' }, { decision: 'skip', reason: 'declined' },
  { decision: 'skip', reason: 'remembered-objection' }, { decision: 'skip', reason: 'caller-hung-up' }, { decision: 'skip', reason: 'outside-window' },
);
const inputArb: fc.Arbitrary<AnswerInput> = fc.record({
  line: lineArb, entry: entryArb, recording: fc.constantFrom('recording' as const, 'not-recording' as const),
  agent: agentArb, draw, inWindow: fc.boolean(),
});
const records = (d: { decision: string }) => d.decision === 'start' || d.decision === 'attach';

test('the caller\'s no wins over every agent rate', () => {
  fc.assert(fc.property(inputArb, (i) => {
    const said = i.entry?.decision === 'skip' && ['objected', 'declined', 'remembered-objection', 'caller-hung-up', 'outside-window'].includes(i.entry.reason);
    if (said) assert.equal(records(decideAtAnswer(i)), false, JSON.stringify(i));
  }));
});

test('a protected agent is never recorded, and a running recording is stopped for them', () => {
  fc.assert(fc.property(inputArb, (i) => {
    const out = decideAtAnswer({ ...i, agent: { ...i.agent, protected: true } });
    assert.equal(records(out), false);
    if (i.recording === 'recording' && i.line.mode !== 'never' && out.decision !== 'skip') assert.deepEqual(out, { decision: 'stop', reason: 'protected-agent' });
  }));
});

test('outside the windows nothing is recorded at answer', () => {
  fc.assert(fc.property(inputArb, (i) => assert.equal(records(decideAtAnswer({ ...i, inWindow: false })), false)));
});

test('a running recording is never started twice, and never stopped by a rate', () => {
  fc.assert(fc.property(inputArb, (i) => {
    const out = decideAtAnswer({ ...i, recording: 'recording' });
    assert.notEqual(out.decision, 'start');
    if (out.decision === 'stop') assert.ok(i.agent.protected || !i.inWindow);
  }));
});

test('on a sampled line the answer draws with the same keyed draw as sampling, agent rate before team rate before line rate', () => {
  fc.assert(fc.property(rate, agentArb, draw, (lineRate, agent, d) => {
    const line = sampled(lineRate);
    const a = { ...agent, protected: false };
    const out = decideAtAnswer({ line, entry: { decision: 'skip', reason: 'not-sampled' }, recording: 'not-recording', agent: a, draw: d, inWindow: true });
    const used = a.profile?.rate ?? a.team?.rate;
    const same = decideSampling(line, { draw: d, agentRate: used });
    assert.equal(out.decision === 'start', same.decision === 'record');
    if (out.decision === 'start') assert.equal(out.reason, a.profile?.rate !== undefined ? 'agent-rate' : a.team?.rate !== undefined ? 'team-rate' : 'sampled');
  }));
});

test('a call an answer may record was announced at entry (answerMayRecord covers every start)', () => {
  fc.assert(fc.property(rate, fc.array(agentArb, { minLength: 1, maxLength: 5 }), draw, fc.nat(4), (lineRate, agents, d, pick) => {
    const line = sampled(lineRate, { announce: 'when-recording' });
    const byId = Object.fromEntries(agents.map((a, n) => [`a${n}`, { ...(a.profile ?? {}), ...(a.team ? { team: `t${n}` } : {}) }]));
    const teams = Object.fromEntries(agents.flatMap((a, n) => (a.team ? [[`t${n}`, a.team]] : [])));
    const agent = agents[pick % agents.length]!;
    const entrySampling = decideSampling(line, { draw: d });
    const out = decideAtAnswer({ line, entry: entrySampling.decision === 'skip' ? { decision: 'skip', reason: 'not-sampled' } : { decision: 'record', reason: 'sampled' }, recording: 'not-recording', agent: { ...agent, protected: false }, draw: d, inWindow: true });
    const ceiling = answerRateCeiling(byId, teams);
    if (out.decision === 'start') {
      assert.ok(answerMayRecord(line, d, ceiling));
      assert.notEqual(planDialogue(line, entrySampling, { answerMayRecord: answerMayRecord(line, d, ceiling) }).kind, 'silent');
    }
  }));
});

test('decisions at answer: table', () => {
  const none: AnswerAgent = { profile: undefined, team: undefined, protected: false };
  const trainee: AnswerAgent = { profile: { rate: 1 }, team: undefined, protected: false };
  const table: Array<[string, Partial<AnswerInput>, object]> = [
    ['trainee on a call not sampled at entry', { agent: trainee, entry: { decision: 'skip', reason: 'not-sampled' } }, { decision: 'start', reason: 'agent-rate' }],
    ['trainee after an objection', { agent: trainee, entry: { decision: 'skip', reason: 'objected' } }, { decision: 'skip', reason: 'objected' }],
    ['unknown agent: the line\'s rule', { agent: none, draw: 0.1 }, { decision: 'start', reason: 'sampled' }],
    ['unknown agent, draw above the line rate', { agent: none, draw: 0.9 }, { decision: 'skip', reason: 'not-sampled' }],
    ['recordFrom answer, sampled at entry', { agent: none, draw: 0.1, entry: { decision: 'record', reason: 'sampled' } }, { decision: 'start', reason: 'sampled' }],
    ['already recording: attach', { agent: trainee, recording: 'recording', entry: { decision: 'record', reason: 'sampled' } }, { decision: 'attach', reason: 'sampled' }],
    ['mandatory, adopted without entry', { line: lineSchema.parse({ mode: 'mandatory' }), entry: null, agent: none }, { decision: 'start', reason: 'mandatory' }],
    ['consent declined', { line: lineSchema.parse({ mode: 'consent' }), entry: { decision: 'skip', reason: 'declined' }, agent: trainee }, { decision: 'skip', reason: 'declined' }],
    ['consent accepted, recordFrom answer', { line: lineSchema.parse({ mode: 'consent' }), entry: { decision: 'record', reason: 'consented' }, agent: none }, { decision: 'start', reason: 'consented' }],
    ['protected on mandatory, recording', { line: lineSchema.parse({ mode: 'mandatory' }), recording: 'recording', agent: { ...none, protected: true } }, { decision: 'stop', reason: 'protected-agent' }],
    ['team rate when the agent has none', { agent: { profile: { team: 't' }, team: { rate: 1 }, protected: false }, draw: 0.5 }, { decision: 'start', reason: 'team-rate' }],
    ['agent rate 0 beats team rate 1', { agent: { profile: { rate: 0, team: 't' }, team: { rate: 1 }, protected: false }, draw: 0.01 }, { decision: 'skip', reason: 'not-sampled' }],
  ];
  for (const [name, over, want] of table) {
    const input: AnswerInput = { line: sampled(0.25), entry: { decision: 'skip', reason: 'not-sampled' }, recording: 'not-recording', agent: none, draw: 0.5, inWindow: true, ...over };
    assert.deepEqual(decideAtAnswer(input), want, name);
  }
});

test('check-config warning only when an agent rate beats a when-recording line', () => {
  assert.equal(announceOverride('a', sampled(0.25, { announce: 'when-recording' }), 0.2), null);
  assert.equal(announceOverride('a', sampled(0.25), 1), null);
  assert.match(announceOverride('a', sampled(0.25, { announce: 'when-recording' }), 1) ?? '', /lines\.a: announce is when-recording, but agent or team rates up to 1/);
});

test('the monitor gate: protected first, then a live call, then the window', () => {
  const table: Array<[boolean, boolean, boolean, object]> = [
    [true, true, true, { decision: 'refuse', reason: 'protected-agent' }],
    [true, false, false, { decision: 'refuse', reason: 'protected-agent' }],
    [false, true, false, { decision: 'refuse', reason: 'no-live-call' }],
    [false, false, true, { decision: 'refuse', reason: 'outside-window' }],
    [false, true, true, { decision: 'allow' }],
  ];
  for (const [prot, inWindow, liveCall, want] of table) assert.deepEqual(decideMonitor({ protected: prot, inWindow, liveCall }), want);
});

test('outside the windows: mandatory and consent lines say nothing, sampled follows announce', () => {
  const out = { decision: 'skip', reason: 'outside-window' } as const;
  assert.equal(planDialogue(lineSchema.parse({ mode: 'mandatory' }), out).kind, 'silent');
  assert.equal(planDialogue(lineSchema.parse({ mode: 'consent' }), out).kind, 'silent');
  assert.equal(planDialogue(sampled(0.25, { announce: 'when-recording' }), out, { answerMayRecord: true }).kind, 'silent');
  assert.equal(planDialogue(sampled(0.25), out).kind, 'objection');
  assert.equal(decideSampling(lineSchema.parse({ mode: 'mandatory' }), { draw: 0.1, inWindow: false }).reason, 'outside-window');
});

const canStart: Array<[name: string, lines: LinePolicy[], ceiling: number, want: boolean]> = [
  ['entry only: mandatory and a sampled line, no agent rate above it', [lineSchema.parse({ mode: 'mandatory' }), sampled(0.25)], 0.25, false],
  ['a line that records from the answer', [lineSchema.parse({ mode: 'mandatory', recordFrom: 'answer' })], 0, true],
  ['a trainee rate above a sampled line\'s', [sampled(0.25)], 1, true],
  ['a never line, whatever the agent rates', [lineSchema.parse({ mode: 'never' })], 1, false],
  ['an agent rate on a consent line only: consent decides at entry', [lineSchema.parse({ mode: 'consent' })], 1, false],
];
for (const [name, lines, ceiling, want] of canStart) {
  test(`answerCanStart: ${name}`, () => assert.equal(answerCanStart(lines, ceiling), want));
}

test('answerCanStart agrees with decideAtAnswer: whenever some answer starts a recording, it says so', () => {
  fc.assert(fc.property(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 0.999999, noNaN: true }), (lineRate, agentRate, draw) => {
    const line = sampled(lineRate);
    const entry = decideSampling(line, { draw });
    const d = decideAtAnswer({ line, entry: entry as FinalDecision, recording: 'not-recording', agent: { profile: { rate: agentRate }, team: undefined, protected: false }, draw, inWindow: true });
    if (d.decision === 'start' && entry.decision === 'skip') assert.equal(answerCanStart([line], agentRate), true);
  }));
});
