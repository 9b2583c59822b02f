import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tempIndex, row } from './fixtures.js';
import { DEFAULT_FORM } from '../../../src/quality/default-form.js';
import type { EvaluationForm } from '../../../src/quality/form.js';
import type { Actor } from '../../../src/quality/evaluation-state.js';
import type { Answer } from '../../../src/quality/scoring.js';
import {
  saveForm, getFormVersion, createEvaluation, saveDraftAnswers, applyEvaluationStep, evaluationState,
  addEvaluationNote, evaluationNotes, purgeExpiredEvaluations, getAnswers,
  evaluationsByCallerHashes, eraseCallerTextFromEvaluations,
} from '../../../src/index/quality-store.js';
import { placeHolds } from '../../../src/index/hold-queries.js';
import { verifyAuditChain } from '../../../src/index/audit-log.js';

const REC = '20261128T150405Z-00000001';
const NOW = new Date('2026-12-01T09:00:00Z');
const DAY = 86_400_000;
const later = (days: number) => new Date(NOW.getTime() + days * DAY);
const eve: Actor = { username: 'eve', role: 'qa', agentHash: null };
const lead: Actor = { username: 'lead', role: 'qa', agentHash: null };
const alice: Actor = { username: 'alice', role: 'agent', agentHash: 'a'.repeat(64) };
const heavier: EvaluationForm = { ...DEFAULT_FORM, sections: DEFAULT_FORM.sections.map((s) => (s.id === 'accuracy' ? { ...s, weight: 40 } : s)) };

const full: Answer[] = DEFAULT_FORM.sections.flatMap((s) => s.questions.map((q): Answer => ({
  questionId: q.id, value: q.kind === 'yes-no' ? { kind: 'yes-no', answer: 'yes' } : q.kind === 'scale' ? { kind: 'scale', value: q.max } : { kind: 'choice', option: q.options[0]!.id },
})));

function world() {
  const t = tempIndex();
  t.index.insertRecording(row(REC));
  return { ...t, db: t.index.db };
}

test('forms: a new form is version 1; an unused version is replaced in place; a used one is frozen and editing makes version 2', () => {
  const t = world();
  try {
    assert.equal(saveForm(t.db, DEFAULT_FORM, 'lead', NOW).action, 'create');
    assert.equal(saveForm(t.db, DEFAULT_FORM, 'lead', NOW).action, 'unchanged');
    assert.equal(saveForm(t.db, heavier, 'lead', NOW).action, 'replace');
    assert.equal(saveForm(t.db, DEFAULT_FORM, 'lead', NOW).action, 'replace');
    assert.deepEqual(createEvaluation(t.db, { id: 'ev1', recordingId: REC, form: { id: 'default', version: 1 }, evaluator: 'eve', now: NOW }), { created: true });
    const plan = saveForm(t.db, heavier, 'lead', NOW);
    assert.equal(plan.action, 'new-version');
    assert.equal(plan.action === 'new-version' && plan.form.version, 2);
    assert.deepEqual(getFormVersion(t.db, 'default', 1), DEFAULT_FORM);
    assert.equal(getFormVersion(t.db, 'default', 2)!.sections[1]!.weight, 40);
    // The index itself refuses to change or delete a used version, whatever code tries.
    assert.throws(() => t.db.prepare("UPDATE quality_form_versions SET body = '{}' WHERE form_id = 'default' AND version = 1").run(), /immutable/);
    assert.throws(() => t.db.prepare("DELETE FROM quality_form_versions WHERE form_id = 'default' AND version = 1").run(), /cannot be deleted/);
    assert.deepEqual(createEvaluation(t.db, { id: 'ev2', recordingId: 'nope', form: { id: 'default', version: 1 }, evaluator: 'eve', now: NOW }), { created: false, reason: 'unknown-recording' });
    assert.deepEqual(createEvaluation(t.db, { id: 'ev3', recordingId: REC, form: { id: 'default', version: 9 }, evaluator: 'eve', now: NOW }), { created: false, reason: 'unknown-form' });
  } finally { t.cleanup(); }
});

test('an evaluation goes draft to submitted to released to disputed to rescored, each step in events and in the audit chain', () => {
  const t = world();
  try {
    saveForm(t.db, DEFAULT_FORM, 'lead', NOW);
    createEvaluation(t.db, { id: 'ev1', recordingId: REC, form: { id: 'default', version: 1 }, evaluator: 'eve', now: NOW });
    // An incomplete draft saves, scores null, and cannot be submitted.
    assert.deepEqual(saveDraftAnswers(t.db, 'ev1', full.slice(0, 3), 'eve', NOW), { saved: true, score: null });
    const refused = applyEvaluationStep(t.db, 'ev1', { type: 'submit' }, eve, NOW);
    assert.equal(refused.done === false && refused.reason, 'invalid-answers');
    assert.deepEqual(saveDraftAnswers(t.db, 'ev1', full, 'lead', NOW), { saved: false, reason: 'not-the-author' });
    const saved = saveDraftAnswers(t.db, 'ev1', full, 'eve', NOW);
    assert.equal(saved.saved && saved.score?.percent, 100);
    addEvaluationNote(t.db, { evaluationId: 'ev1', questionId: 'courtesy', atMs: 42_000, text: 'warm greeting', author: 'eve', now: NOW });
    addEvaluationNote(t.db, { evaluationId: 'ev1', questionId: null, atMs: 1_000, text: 'call starts on hold', author: 'eve', now: NOW });
    assert.deepEqual(evaluationNotes(t.db, 'ev1').map((n) => n.atMs), [1_000, 42_000]);

    assert.equal(applyEvaluationStep(t.db, 'ev1', { type: 'submit' }, eve, NOW).done, true);
    assert.deepEqual(saveDraftAnswers(t.db, 'ev1', full, 'eve', NOW), { saved: false, reason: 'not-editable' });
    assert.deepEqual(applyEvaluationStep(t.db, 'ev1', { type: 'dispute', comment: 'x' }, alice, NOW), { done: false, reason: 'illegal-transition' });
    assert.equal(applyEvaluationStep(t.db, 'ev1', { type: 'release' }, lead, NOW).done, true);
    assert.equal(applyEvaluationStep(t.db, 'ev1', { type: 'dispute', comment: 'the customer had hung up' }, alice, NOW).done, true);
    assert.deepEqual(applyEvaluationStep(t.db, 'ev1', { type: 'rescore', comment: 'ok' }, eve, NOW, full), { done: false, reason: 'own-evaluation' });
    const lower = full.map((a): Answer => (a.questionId === 'closing' ? { questionId: 'closing', value: { kind: 'yes-no', answer: 'no' } } : a));
    assert.equal(applyEvaluationStep(t.db, 'ev1', { type: 'rescore', comment: 'closing was missed' }, lead, NOW, lower).done, true);
    assert.equal(evaluationState(t.db, 'ev1')!.state, 'rescored');
    assert.equal(getAnswers(t.db, 'ev1').find((a) => a.questionId === 'closing')!.value.kind, 'yes-no');
    const ev = t.db.prepare("SELECT score_percent, form_version FROM quality_evaluations WHERE id = 'ev1'").get() as { score_percent: number; form_version: number };
    assert.ok(ev.score_percent < 100 && ev.score_percent > 90, String(ev.score_percent));
    assert.equal(ev.form_version, 1);
    const events = t.db.prepare("SELECT event, detail FROM quality_evaluation_events WHERE evaluation_id = 'ev1' ORDER BY seq").all() as Array<{ event: string; detail: string }>;
    assert.deepEqual(events.map((e) => e.event), ['submit', 'release', 'dispute', 'rescore']);
    assert.equal(JSON.parse(events[3]!.detail).previousScore, 100);
    const audit = t.db.prepare("SELECT action, details FROM audit WHERE action LIKE 'evaluation.%' ORDER BY seq").all() as Array<{ action: string; details: string }>;
    assert.deepEqual(audit.map((a) => a.action), ['evaluation.create', 'evaluation.submit', 'evaluation.release', 'evaluation.dispute', 'evaluation.rescore']);
    assert.doesNotMatch(audit.map((a) => a.details).join(''), /hung up|closing was missed/, 'comments stay out of the audit chain');
    assert.equal(verifyAuditChain(t.db).ok, true);
  } finally { t.cleanup(); }
});

test('evaluations are purged after their year with their answers and notes, independently of the audio, unless the recording is held', () => {
  const t = world();
  try {
    saveForm(t.db, DEFAULT_FORM, 'lead', NOW);
    t.index.insertRecording(row('20261128T150405Z-00000002'));
    createEvaluation(t.db, { id: 'ev1', recordingId: REC, form: { id: 'default', version: 1 }, evaluator: 'eve', now: NOW });
    createEvaluation(t.db, { id: 'ev2', recordingId: '20261128T150405Z-00000002', form: { id: 'default', version: 1 }, evaluator: 'eve', now: NOW });
    saveDraftAnswers(t.db, 'ev1', full, 'eve', NOW);
    addEvaluationNote(t.db, { evaluationId: 'ev1', questionId: null, atMs: 0, text: 'n', author: 'eve', now: NOW });
    placeHolds(t.db, ['20261128T150405Z-00000002'], { actor: 'carla', reason: 'complaint 42', now: NOW, via: 'id' });
    // The audio row going (6 months) leaves the evaluation in place: no foreign key ties them.
    t.db.prepare('DELETE FROM recordings WHERE id = ?').run(REC);
    assert.deepEqual(purgeExpiredEvaluations(t.db, later(365), 'purge'), { purged: 0, held: 0 });
    assert.deepEqual(purgeExpiredEvaluations(t.db, later(366), 'purge', { dryRun: true }), { purged: 1, held: 1 });
    assert.equal(evaluationState(t.db, 'ev1')!.state, 'draft');
    assert.deepEqual(purgeExpiredEvaluations(t.db, later(366), 'purge'), { purged: 1, held: 1 });
    assert.equal(evaluationState(t.db, 'ev1'), null);
    assert.equal(evaluationState(t.db, 'ev2')!.state, 'draft');
    for (const table of ['quality_answers', 'quality_answer_notes']) {
      assert.equal((t.db.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE evaluation_id = 'ev1'`).get() as { n: number }).n, 0, table);
    }
    const audit = t.db.prepare("SELECT reason, details FROM audit WHERE action = 'evaluation.purge'").all() as Array<{ reason: string; details: string }>;
    assert.equal(audit.length, 1);
    assert.equal(audit[0]!.reason, 'retention-expired');
  } finally { t.cleanup(); }
});

test('a caller\'s subject request finds the notes about their calls after the audio is gone; erasure removes the text, keeps the score', () => {
  const t = world();
  try {
    const caller = 'c'.repeat(64);
    const other = 'd'.repeat(64);
    t.index.insertRecording(row('20261128T150405Z-00000002', { callerHash: other }));
    t.index.insertRecording(row('20261128T150405Z-00000003'));
    saveForm(t.db, DEFAULT_FORM, 'lead', NOW);
    for (const [id, rec] of [['ev1', REC], ['ev2', '20261128T150405Z-00000002'], ['ev3', '20261128T150405Z-00000003']] as const) {
      createEvaluation(t.db, { id, recordingId: rec, form: { id: 'default', version: 1 }, evaluator: 'eve', now: NOW });
      saveDraftAnswers(t.db, id, full.map((a) => (a.questionId === 'hold' ? { ...a, comment: 'caller gave his address' } : a)), 'eve', NOW);
      addEvaluationNote(t.db, { evaluationId: id, questionId: null, atMs: 5_000, text: 'caller spells his name', author: 'eve', now: NOW });
    }
    placeHolds(t.db, ['20261128T150405Z-00000003'], { actor: 'carla', reason: 'complaint', now: NOW, via: 'id' });
    t.db.prepare('DELETE FROM recordings WHERE id = ?').run(REC); // the audio went after 6 months
    const found = evaluationsByCallerHashes(t.db, [caller]);
    assert.deepEqual(found.map((e) => e.evaluationId), ['ev1', 'ev3']);
    assert.deepEqual(found[0]!.notes, [{ atMs: 5_000, text: 'caller spells his name' }]);
    assert.deepEqual(found[0]!.comments, ['caller gave his address']);

    assert.deepEqual(eraseCallerTextFromEvaluations(t.db, [caller], { actor: 'dpo', reason: 'request 7', now: NOW }), ['ev1']);
    assert.deepEqual(evaluationNotes(t.db, 'ev1'), []);
    assert.ok(getAnswers(t.db, 'ev1').every((a) => a.comment === undefined));
    assert.equal((t.db.prepare("SELECT score_percent FROM quality_evaluations WHERE id = 'ev1'").get() as { score_percent: number }).score_percent, 100);
    assert.deepEqual(evaluationsByCallerHashes(t.db, [caller]).map((e) => e.evaluationId), ['ev3'], 'the held one stays whole and findable');
    assert.equal(evaluationNotes(t.db, 'ev2').length, 1, 'another caller\'s evaluation is untouched');
  } finally { t.cleanup(); }
});
