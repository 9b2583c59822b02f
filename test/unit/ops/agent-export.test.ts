import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OpsWorld } from '../../support/ops-world.js';
import { DEFAULT_FORM } from '../../../src/quality/default-form.js';
import type { Answer } from '../../../src/quality/scoring.js';
import { saveForm, createEvaluation, saveDraftAnswers, addEvaluationNote, applyEvaluationStep } from '../../../src/index/quality-store.js';
import { verifyAuditChain } from '../../../src/index/audit-log.js';
import { agentCsv } from '../../../src/cli/agent.js';

const NOW = new Date('2026-12-01T09:00:00Z');
const eve = { username: 'eve', role: 'qa' as const, agentHash: null };

const full: Answer[] = DEFAULT_FORM.sections.flatMap((s) => s.questions.map((q): Answer => ({
  questionId: q.id, value: q.kind === 'yes-no' ? { kind: 'yes-no', answer: 'yes' } : q.kind === 'scale' ? { kind: 'scale', value: q.max } : { kind: 'choice', option: q.options[0]!.id },
})));

test('agent export: JSON and CSV of that agent\'s evaluations only, with answers, notes and steps; the request is audited without the id', async () => {
  const w = OpsWorld.create();
  try {
    const index = w.open();
    const mine = w.add(index, { agent: 'agent-7' });
    const other = w.add(index, { agent: 'agent-9' });
    saveForm(index.db, DEFAULT_FORM, 'lead', NOW);
    createEvaluation(index.db, { id: 'ev-mine', recordingId: mine, form: { id: 'default', version: 1 }, evaluator: 'eve', now: NOW });
    createEvaluation(index.db, { id: 'ev-other', recordingId: other, form: { id: 'default', version: 1 }, evaluator: 'eve', now: NOW });
    const answers = full.map((a) => (a.questionId === 'greeting' ? { ...a, comment: 'said "hello", then =SUM(A1)' } : a));
    assert.equal(saveDraftAnswers(index.db, 'ev-mine', answers, 'eve', NOW).saved, true);
    addEvaluationNote(index.db, { evaluationId: 'ev-mine', questionId: 'greeting', atMs: 1500, text: 'warm', author: 'eve', now: NOW });
    assert.equal(applyEvaluationStep(index.db, 'ev-mine', { type: 'submit' }, eve, NOW).done, true);
    index.close();

    const json = await w.cli('agent', 'export', 'agent-7', '--actor', 'dpo');
    assert.equal(json.code, 0, json.stderr);
    const body = JSON.parse(json.stdout) as { evaluations: Array<{ evaluationId: string; state: string; scorePercent: number; answers: Answer[]; notes: unknown[]; events: Array<{ event: string }> }> };
    assert.deepEqual(body.evaluations.map((e) => e.evaluationId), ['ev-mine']);
    const e = body.evaluations[0]!;
    assert.equal(e.state, 'submitted');
    assert.equal(e.scorePercent, 100);
    assert.equal(e.answers.length, full.length);
    assert.deepEqual(e.notes, [{ questionId: 'greeting', atMs: 1500, text: 'warm' }]);
    assert.deepEqual(e.events.map((x) => x.event), ['submit']);

    const csv = await w.cli('agent', 'export', 'agent-7', '--csv', '--actor', 'dpo');
    assert.equal(csv.code, 0, csv.stderr);
    const lines = csv.stdout.trimEnd().split('\r\n');
    assert.equal(lines[0], 'evaluation,recording,call_started_at,line,form,form_version,evaluator,state,score_percent,outcome,question,answer,comment');
    assert.equal(lines.length, 1 + full.length);
    // A quote is doubled, a field that a spreadsheet would run as a formula is defused.
    assert.ok(lines.some((l) => l.endsWith(',"said ""hello"", then =SUM(A1)"')), lines.join('\n'));

    const none = await w.cli('agent', 'export', 'nobody', '--actor', 'dpo');
    assert.deepEqual(JSON.parse(none.stdout), { evaluations: [] });

    const after = w.open();
    try {
      const rows = after.db.prepare("SELECT actor, details FROM audit WHERE action = 'agent-export'").all() as Array<{ actor: string; details: string }>;
      assert.equal(rows.length, 3);
      assert.ok(rows.every((r) => r.actor === 'dpo' && !r.details.includes('agent-7') && !r.details.includes('nobody')));
      assert.equal(verifyAuditChain(after.db).ok, true);
    } finally { after.close(); }
  } finally { w.cleanup(); }
});

test('agent CSV: an evaluation without answers still has its row; a formula-looking comment is prefixed', () => {
  const csv = agentCsv([{
    evaluationId: 'ev', recordingId: 'r', callStartedAt: 't', line: 'support', form: { id: 'default', version: 1 }, evaluator: 'eve',
    state: 'draft', scorePercent: null, outcome: null, createdAt: 't', answers: [], notes: [], events: [],
  }, {
    evaluationId: 'ev2', recordingId: 'r', callStartedAt: 't', line: 'support', form: { id: 'default', version: 1 }, evaluator: 'eve',
    state: 'released', scorePercent: 75.9166, outcome: 'failed', createdAt: 't', answers: [{ questionId: 'q', value: { kind: 'yes-no', answer: 'no' }, comment: '@cmd' }], notes: [], events: [],
  }]);
  assert.equal(csv, 'evaluation,recording,call_started_at,line,form,form_version,evaluator,state,score_percent,outcome,question,answer,comment\r\n'
    + 'ev,r,t,support,default,1,eve,draft,,,,,\r\n'
    + 'ev2,r,t,support,default,1,eve,released,75.92,failed,q,"{""kind"":""yes-no"",""answer"":""no""}",\'@cmd\r\n');
});
