import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  transition, TRANSITIONS, WHO, STATE_NAMES, visibleToAgent, answersEditable, auditAction,
  type Actor, type EvaluationEvent, type EvaluationState, type StateName, type EventType,
} from '../../../src/quality/evaluation-state.js';
import { ROLES } from '../../../src/console/roles.js';

const AT = '2026-12-02T10:00:00.000Z';
const AGENT = 'a'.repeat(64);
const parties = { evaluator: 'eve', agentHash: AGENT };
const eve: Actor = { username: 'eve', role: 'qa', agentHash: null };
const lead: Actor = { username: 'lead', role: 'qa', agentHash: null };
const sam: Actor = { username: 'sam', role: 'supervisor', agentHash: null };
const alice: Actor = { username: 'alice', role: 'agent', agentHash: AGENT };
const bob: Actor = { username: 'bob', role: 'agent', agentHash: 'b'.repeat(64) };
const carla: Actor = { username: 'carla', role: 'compliance', agentHash: null };

const stateOf: Record<StateName, EvaluationState> = {
  draft: { state: 'draft' },
  submitted: { state: 'submitted', at: AT },
  released: { state: 'released', at: AT },
  acknowledged: { state: 'acknowledged', at: AT, comment: null },
  disputed: { state: 'disputed', at: AT, comment: 'the customer had hung up' },
  rescored: { state: 'rescored', at: AT, by: 'lead', comment: 'agreed' },
  'dispute-refused': { state: 'dispute-refused', at: AT, by: 'lead', comment: 'the recording shows otherwise' },
  void: { state: 'void', at: AT, by: 'lead', reason: 'wrong agent', from: 'released' },
};
const eventOf: Record<EventType, EvaluationEvent> = {
  submit: { type: 'submit' }, reopen: { type: 'reopen', reason: 'score the hold again' }, release: { type: 'release' },
  acknowledge: { type: 'acknowledge', comment: 'ok' }, dispute: { type: 'dispute', comment: 'the customer had hung up' },
  rescore: { type: 'rescore', comment: 'agreed' }, refuse: { type: 'refuse', comment: 'the recording shows otherwise' },
  void: { type: 'void', reason: 'wrong agent' },
};
// Someone entitled to send each event on `parties`' evaluation.
const entitled: Record<EventType, Actor> = { submit: eve, reopen: lead, release: lead, acknowledge: alice, dispute: alice, rescore: lead, refuse: sam, void: carla };

// The expected table written out state by state, so a change to TRANSITIONS has to change this too.
const expected: Record<StateName, string> = {
  draft: 'submit>submitted void>void',
  submitted: 'reopen>draft release>released void>void',
  released: 'acknowledge>acknowledged dispute>disputed void>void',
  acknowledged: 'void>void',
  disputed: 'rescore>rescored refuse>dispute-refused void>void',
  rescored: 'acknowledge>acknowledged void>void',
  'dispute-refused': 'void>void',
  void: '',
};

for (const from of STATE_NAMES) {
  test(`from ${from}: exactly the steps of the table are allowed, to the states it names`, () => {
    const allowed: string[] = [];
    for (const type of Object.keys(eventOf) as EventType[]) {
      const r = transition(stateOf[from], eventOf[type], entitled[type], parties, AT);
      if (r.decision === 'allowed') allowed.push(`${type}>${r.next.state}`);
      else assert.equal(r.reason, 'illegal-transition', `${from} + ${type}`);
    }
    assert.equal(allowed.join(' '), expected[from]);
    assert.equal(Object.keys(TRANSITIONS[from]).length, allowed.length);
  });
}

test('each role may send exactly the events WHO gives it, and the table covers every console role', () => {
  const roleActor = (role: (typeof ROLES)[number]): Actor => ({ username: `u-${role}`, role, agentHash: role === 'agent' ? AGENT : null });
  const matrix: Record<EventType, string> = {
    submit: 'qa supervisor', reopen: 'qa supervisor', release: 'qa supervisor', acknowledge: 'agent', dispute: 'agent',
    rescore: 'qa supervisor', refuse: 'qa supervisor', void: 'qa supervisor compliance',
  };
  for (const type of Object.keys(eventOf) as EventType[]) {
    const from = (Object.keys(TRANSITIONS) as StateName[]).find((s) => TRANSITIONS[s][type] !== undefined)!;
    // For `submit` the author check comes after the role: make each role's actor the author.
    const ok = ROLES.filter((role) => transition(stateOf[from], eventOf[type], roleActor(role), { evaluator: `u-${role}`, agentHash: AGENT }, AT).decision === 'allowed'
      || transition(stateOf[from], eventOf[type], roleActor(role), parties, AT).decision === 'allowed');
    assert.equal(ok.join(' '), matrix[type], type);
    assert.deepEqual([...WHO[type].roles].sort(), matrix[type].split(' ').sort());
  }
});

const refusals: Array<[string, StateName, EvaluationEvent, Actor, string]> = [
  ['only the evaluator submits their draft', 'draft', eventOf.submit, lead, 'not-the-author'],
  ['another agent cannot acknowledge', 'released', eventOf.acknowledge, bob, 'not-the-agent'],
  ['another agent cannot dispute', 'released', eventOf.dispute, bob, 'not-the-agent'],
  ['the evaluator does not judge a dispute of their own evaluation', 'disputed', eventOf.rescore, eve, 'own-evaluation'],
  ['nor refuse it', 'disputed', eventOf.refuse, eve, 'own-evaluation'],
  ['a dispute needs a comment', 'released', { type: 'dispute', comment: '   ' }, alice, 'comment-required'],
  ['a void needs a reason', 'acknowledged', { type: 'void', reason: '' }, lead, 'comment-required'],
  ['a refusal needs a comment', 'disputed', { type: 'refuse', comment: '' }, lead, 'comment-required'],
  ['a trainer does not release', 'submitted', eventOf.release, { username: 't', role: 'trainer', agentHash: null }, 'role'],
  ['an agent does not void', 'released', eventOf.void, alice, 'role'],
  ['no second dispute after a rescore', 'rescored', eventOf.dispute, alice, 'illegal-transition'],
  ['nothing after void', 'void', eventOf.release, lead, 'illegal-transition'],
];
for (const [name, from, event, actor, reason] of refusals) {
  test(`refused: ${name}`, () => {
    assert.deepEqual(transition(stateOf[from], event, actor, parties, AT), { decision: 'refused', reason });
  });
}

test('an evaluation of an unknown agent cannot be acknowledged by an agent without a hash', () => {
  const ghost: Actor = { username: 'g', role: 'agent', agentHash: null };
  assert.deepEqual(transition(stateOf.released, eventOf.acknowledge, ghost, { evaluator: 'eve', agentHash: null }, AT), { decision: 'refused', reason: 'not-the-agent' });
});

test('the next state carries who, when, and the trimmed comment; void remembers where it came from', () => {
  assert.deepEqual(transition(stateOf.released, { type: 'dispute', comment: '  hung up  ' }, alice, parties, AT), { decision: 'allowed', next: { state: 'disputed', at: AT, comment: 'hung up' } });
  assert.deepEqual(transition(stateOf.released, { type: 'acknowledge', comment: ' ' }, alice, parties, AT), { decision: 'allowed', next: { state: 'acknowledged', at: AT, comment: null } });
  assert.deepEqual(transition(stateOf.disputed, eventOf.void, carla, parties, AT), { decision: 'allowed', next: { state: 'void', at: AT, by: 'carla', reason: 'wrong agent', from: 'disputed' } });
  assert.deepEqual(transition(stateOf.submitted, eventOf.reopen, lead, parties, AT), { decision: 'allowed', next: { state: 'draft' } });
  assert.equal(auditAction(eventOf.rescore), 'evaluation.rescore');
});

test('the agent sees an evaluation from release on, never a draft or a voided one; only a draft is edited', () => {
  assert.deepEqual(STATE_NAMES.filter((s) => visibleToAgent(stateOf[s])), ['released', 'acknowledged', 'disputed', 'rescored', 'dispute-refused']);
  assert.deepEqual(STATE_NAMES.filter((s) => answersEditable(stateOf[s])), ['draft']);
});
