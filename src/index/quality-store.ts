/**
 * The index side of quality evaluations (migration 5, docs/quality.md):
 * form versions saved by the rules of src/quality/form-versioning.ts,
 * evaluations created against one version (which freezes it), answers and
 * time-stamped notes, lifecycle steps through src/quality/evaluation-state.ts
 * with an event row and an audit row in the same transaction, and the purge
 * of evaluations whose year is over (src/policy/retention.ts). The decisions
 * are the pure modules'; this only reads their facts and writes their verdicts.
 */
import type { Database } from 'better-sqlite3';
import { appendAudit } from './audit-log.js';
import { getOpsRecording } from './ops-rows.js';
import { evaluationDeadline, evaluationPurgeDecision } from '../policy/retention.js';
import type { EvaluationForm } from '../quality/form.js';
import { formJsonProblems, formToJson } from '../quality/form-schema.js';
import { DEFAULT_FORM } from '../quality/default-form.js';
import { formDigest, planFormSave, type SavePlan } from '../quality/form-versioning.js';
import { scoreEvaluation, type Answer, type AnswerProblem, type Score } from '../quality/scoring.js';
import {
  answersEditable, auditAction, transition, visibleToAgent,
  type Actor, type EvaluationEvent, type EvaluationState, type TransitionRefusal,
} from '../quality/evaluation-state.js';

/** Saves `form` as the next version of its id when the latest is used, in place when unused. */
export function saveForm(db: Database, form: EvaluationForm, actor: string, now: Date): SavePlan {
  return db.transaction((): SavePlan => {
    const latest = db.prepare('SELECT version, digest, first_used_at FROM quality_form_versions WHERE form_id = ? ORDER BY version DESC LIMIT 1')
      .get(form.id) as { version: number; digest: string; first_used_at: string | null } | undefined;
    const plan = planFormSave(latest === undefined ? null : { version: latest.version, digest: latest.digest, use: latest.first_used_at === null ? 'unused' : 'used' }, form);
    const at = now.toISOString();
    if (plan.action === 'create') db.prepare('INSERT INTO quality_forms (id, created_by, created_at) VALUES (?, ?, ?)').run(form.id, actor, at);
    switch (plan.action) {
      case 'unchanged': return plan;
      case 'create':
      case 'new-version':
        db.prepare('INSERT INTO quality_form_versions (form_id, version, body, digest, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)')
          .run(plan.form.id, plan.form.version, formToJson(plan.form), formDigest(plan.form), actor, at);
        break;
      case 'replace':
        // The trigger refuses this on a used version, should the plan and the row ever disagree.
        db.prepare('UPDATE quality_form_versions SET body = ?, digest = ?, created_by = ?, created_at = ? WHERE form_id = ? AND version = ?')
          .run(formToJson(plan.form), formDigest(plan.form), actor, at, plan.form.id, plan.form.version);
        break;
    }
    appendAudit(db, { actor, action: 'form.save', at: now, details: { form: plan.form.id, version: plan.form.version, plan: plan.action } });
    return plan;
  }).immediate();
}

export function getFormVersion(db: Database, id: string, version: number): EvaluationForm | null {
  const row = db.prepare('SELECT body FROM quality_form_versions WHERE form_id = ? AND version = ?').get(id, version) as { body: string } | undefined;
  if (row === undefined) return null;
  const r = formJsonProblems(JSON.parse(row.body));
  // Stored bodies were validated on the way in; one that fails now is a broken index, not a "no".
  if (r.form === null) throw new Error(`stored form ${id} v${version} is not valid: ${r.problems.join('; ')}`);
  return r.form;
}

/** Freezes a form version at its first use (an evaluation or a calibration); false when there is no such version. */
export function markFormUsed(db: Database, form: { id: string; version: number }, at: string): boolean {
  return db.prepare('UPDATE quality_form_versions SET first_used_at = COALESCE(first_used_at, ?) WHERE form_id = ? AND version = ?').run(at, form.id, form.version).changes > 0;
}

export interface NewEvaluation {
  id: string;
  recordingId: string;
  form: { id: string; version: number };
  evaluator: string;
  now: Date;
}

export type CreateResult = { created: true } | { created: false; reason: 'unknown-recording' | 'unknown-form' };

/** A draft on an archived recording; freezes the form version it uses. */
export function createEvaluation(db: Database, e: NewEvaluation): CreateResult {
  return db.transaction((): CreateResult => {
    const rec = getOpsRecording(db, e.recordingId);
    if (rec === null) return { created: false, reason: 'unknown-recording' };
    const at = e.now.toISOString();
    if (!markFormUsed(db, e.form, at)) return { created: false, reason: 'unknown-form' };
    const state: EvaluationState = { state: 'draft' };
    db.prepare(`INSERT INTO quality_evaluations (id, recording_id, form_id, form_version, agent_hash, caller_hash, line, call_started_at, evaluator, state, state_detail, created_at, updated_at, retention_until)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(e.id, e.recordingId, e.form.id, e.form.version, rec.agentHash, rec.callerHash, rec.line, rec.startedAt, e.evaluator, state.state, JSON.stringify(state), at, at, evaluationDeadline(e.now).toISOString());
    appendAudit(db, { actor: e.evaluator, action: 'evaluation.create', recordingId: e.recordingId, at: e.now, details: { evaluation: e.id, form: e.form.id, version: e.form.version } });
    return { created: true };
  }).immediate();
}

interface EvaluationRow {
  id: string; recording_id: string; form_id: string; form_version: number; agent_hash: string | null;
  evaluator: string; state_detail: string; score: string | null;
}

function getRow(db: Database, id: string): EvaluationRow | null {
  return (db.prepare('SELECT id, recording_id, form_id, form_version, agent_hash, evaluator, state_detail, score FROM quality_evaluations WHERE id = ?').get(id) as EvaluationRow | undefined) ?? null;
}

export function evaluationState(db: Database, id: string): EvaluationState | null {
  const row = getRow(db, id);
  return row === null ? null : (JSON.parse(row.state_detail) as EvaluationState);
}

export function getAnswers(db: Database, id: string): Answer[] {
  const rows = db.prepare('SELECT question_id, value, comment FROM quality_answers WHERE evaluation_id = ? ORDER BY question_id').all(id) as Array<{ question_id: string; value: string; comment: string | null }>;
  return rows.map((r) => ({ questionId: r.question_id, value: JSON.parse(r.value) as Answer['value'], ...(r.comment === null ? {} : { comment: r.comment }) }));
}

function writeAnswers(db: Database, row: EvaluationRow, answers: readonly Answer[], now: Date): Score | null {
  db.prepare('DELETE FROM quality_answers WHERE evaluation_id = ?').run(row.id);
  const put = db.prepare('INSERT INTO quality_answers (evaluation_id, question_id, value, comment) VALUES (?, ?, ?, ?)');
  for (const a of answers) put.run(row.id, a.questionId, JSON.stringify(a.value), a.comment ?? null);
  const form = getFormVersion(db, row.form_id, row.form_version)!;
  const r = scoreEvaluation(form, answers);
  const score = r.kind === 'scored' ? r : null;
  db.prepare('UPDATE quality_evaluations SET score_percent = ?, outcome = ?, score = ?, updated_at = ? WHERE id = ?')
    .run(score?.percent ?? null, score?.outcome.outcome ?? null, score === null ? null : JSON.stringify(score), now.toISOString(), row.id);
  return score;
}

export type SaveAnswersResult = { saved: true; score: Score | null } | { saved: false; reason: 'unknown-evaluation' | 'not-editable' | 'not-the-author' };

/** Replaces a draft's answers (a draft may be incomplete: its score stays null until the answers fit the form). */
export function saveDraftAnswers(db: Database, id: string, answers: readonly Answer[], actor: string, now: Date): SaveAnswersResult {
  return db.transaction((): SaveAnswersResult => {
    const row = getRow(db, id);
    if (row === null) return { saved: false, reason: 'unknown-evaluation' };
    if (!answersEditable(JSON.parse(row.state_detail) as EvaluationState)) return { saved: false, reason: 'not-editable' };
    if (row.evaluator !== actor) return { saved: false, reason: 'not-the-author' };
    return { saved: true, score: writeAnswers(db, row, answers, now) };
  }).immediate();
}

export interface NewNote { evaluationId: string; questionId: string | null; atMs: number; text: string; author: string; now: Date }

export function addEvaluationNote(db: Database, n: NewNote): number {
  const r = db.prepare('INSERT INTO quality_answer_notes (evaluation_id, question_id, at_ms, text, author, created_at) VALUES (?, ?, ?, ?, ?, ?)')
    .run(n.evaluationId, n.questionId, n.atMs, n.text, n.author, n.now.toISOString());
  return Number(r.lastInsertRowid);
}

export interface EvaluationNote { id: number; questionId: string | null; atMs: number; text: string; author: string; createdAt: string }

export function evaluationNotes(db: Database, id: string): EvaluationNote[] {
  return (db.prepare('SELECT id, question_id, at_ms, text, author, created_at FROM quality_answer_notes WHERE evaluation_id = ? ORDER BY at_ms, id').all(id) as Array<{ id: number; question_id: string | null; at_ms: number; text: string; author: string; created_at: string }>)
    .map((r) => ({ id: r.id, questionId: r.question_id, atMs: r.at_ms, text: r.text, author: r.author, createdAt: r.created_at }));
}

export type StepResult =
  | { done: true; state: EvaluationState }
  | { done: false; reason: TransitionRefusal | 'unknown-evaluation' }
  /** Submit or rescore with answers that do not fit the form: nothing changed. */
  | { done: false; reason: 'invalid-answers'; problems: readonly AnswerProblem[] };

/**
 * One lifecycle step: the pure transition decides; a submit needs complete
 * answers, a rescore brings its new ones. State, event row and audit row
 * are written in one transaction, or nothing is.
 */
export function applyEvaluationStep(db: Database, id: string, event: EvaluationEvent, actor: Actor, now: Date, rescored?: readonly Answer[]): StepResult {
  return db.transaction((): StepResult => {
    const row = getRow(db, id);
    if (row === null) return { done: false, reason: 'unknown-evaluation' };
    const current = JSON.parse(row.state_detail) as EvaluationState;
    const r = transition(current, event, actor, { evaluator: row.evaluator, agentHash: row.agent_hash }, now.toISOString());
    if (r.decision === 'refused') return { done: false, reason: r.reason };
    const detail: Record<string, unknown> = { ...r.next };
    if (event.type === 'submit' || event.type === 'rescore') {
      const answers = event.type === 'rescore' ? (rescored ?? []) : getAnswers(db, id);
      const check = scoreEvaluation(getFormVersion(db, row.form_id, row.form_version)!, answers);
      if (check.kind === 'invalid') return { done: false, reason: 'invalid-answers', problems: check.problems };
      if (event.type === 'rescore') {
        detail.previousScore = row.score === null ? null : (JSON.parse(row.score) as Score).percent;
        writeAnswers(db, row, answers, now);
      }
    }
    db.prepare('UPDATE quality_evaluations SET state = ?, state_detail = ?, updated_at = ? WHERE id = ?').run(r.next.state, JSON.stringify(r.next), now.toISOString(), id);
    const seq = (db.prepare('SELECT COALESCE(MAX(seq), 0) + 1 AS n FROM quality_evaluation_events WHERE evaluation_id = ?').get(id) as { n: number }).n;
    db.prepare('INSERT INTO quality_evaluation_events (evaluation_id, seq, event, actor, at, detail) VALUES (?, ?, ?, ?, ?, ?)')
      .run(id, seq, event.type, actor.username, now.toISOString(), JSON.stringify(detail));
    // Comments can hold personal data: the audit chain (kept longer) gets the step, not the text.
    appendAudit(db, { actor: actor.username, action: auditAction(event), recordingId: row.recording_id, at: now, details: { evaluation: id, from: current.state, to: r.next.state } });
    return { done: true, state: r.next };
  }).immediate();
}

export interface EvaluationPurgeReport { purged: number; held: number }

/**
 * Deletes evaluations whose year is over (answers, notes and events go with
 * them by cascade), keeping those whose recording is under legal hold. The
 * audit row names the evaluation and its form, nothing personal. A dry run
 * counts only.
 */
export function purgeExpiredEvaluations(db: Database, now: Date, actor: string, options: { dryRun?: boolean } = {}): EvaluationPurgeReport {
  return db.transaction((): EvaluationPurgeReport => {
    const due = db.prepare(`SELECT e.id, e.recording_id, e.form_id, e.form_version, e.retention_until,
        (SELECT COUNT(*) FROM holds h WHERE h.recording_id = e.recording_id AND h.released_at IS NULL) AS holds
      FROM quality_evaluations e WHERE e.retention_until <= ? ORDER BY e.id`).all(now.toISOString()) as Array<{ id: string; recording_id: string; form_id: string; form_version: number; retention_until: string; holds: number }>;
    const report: EvaluationPurgeReport = { purged: 0, held: 0 };
    const del = db.prepare('DELETE FROM quality_evaluations WHERE id = ?');
    for (const e of due) {
      const d = evaluationPurgeDecision({ deadline: new Date(e.retention_until), holds: e.holds }, now);
      if (d.decision === 'keep') { if (d.reason === 'legal-hold') report.held++; continue; }
      report.purged++;
      if (options.dryRun === true) continue;
      del.run(e.id);
      appendAudit(db, { actor, action: 'evaluation.purge', recordingId: e.recording_id, reason: d.reason, at: now, details: { evaluation: e.id, form: e.form_id, version: e.form_version, retentionUntil: e.retention_until } });
    }
    return report;
  }).immediate();
}

/** What a caller's subject request sees of the evaluations of their calls: the free text, which may be about them. */
export interface SubjectEvaluation {
  evaluationId: string;
  recordingId: string;
  callStartedAt: string;
  notes: Array<{ atMs: number; text: string }>;
  comments: string[];
}

/** Evaluations of a caller's calls, found by keyed hash, still there after the audio went. */
export function evaluationsByCallerHashes(db: Database, hashes: readonly string[]): SubjectEvaluation[] {
  if (hashes.length === 0) return [];
  const rows = db.prepare(`SELECT id, recording_id, call_started_at FROM quality_evaluations WHERE caller_hash IN (${hashes.map(() => '?').join(', ')}) ORDER BY call_started_at, id`)
    .all(...hashes) as Array<{ id: string; recording_id: string; call_started_at: string }>;
  const comments = db.prepare('SELECT comment FROM quality_answers WHERE evaluation_id = ? AND comment IS NOT NULL ORDER BY question_id');
  return rows.map((r) => ({
    evaluationId: r.id, recordingId: r.recording_id, callStartedAt: r.call_started_at,
    notes: evaluationNotes(db, r.id).map((n) => ({ atMs: n.atMs, text: n.text })),
    comments: (comments.all(r.id) as Array<{ comment: string }>).map((c) => c.comment),
  }));
}

/**
 * A caller's erasure: the notes and answer comments of evaluations of their
 * calls are deleted (they may be about the caller), and the caller hash is
 * dropped; answers and scores stay, they are about the agent's work. An
 * evaluation whose recording is held is left whole. Returns the ids scrubbed.
 */
export function eraseCallerTextFromEvaluations(db: Database, hashes: readonly string[], audit: { actor: string; reason: string; now: Date }): string[] {
  if (hashes.length === 0) return [];
  return db.transaction((): string[] => {
    const rows = db.prepare(`SELECT id, recording_id FROM quality_evaluations e WHERE caller_hash IN (${hashes.map(() => '?').join(', ')})
        AND NOT EXISTS (SELECT 1 FROM holds h WHERE h.recording_id = e.recording_id AND h.released_at IS NULL) ORDER BY id`)
      .all(...hashes) as Array<{ id: string; recording_id: string }>;
    for (const r of rows) {
      db.prepare('DELETE FROM quality_answer_notes WHERE evaluation_id = ?').run(r.id);
      db.prepare('UPDATE quality_answers SET comment = NULL WHERE evaluation_id = ?').run(r.id);
      db.prepare('UPDATE quality_evaluations SET caller_hash = NULL, updated_at = ? WHERE id = ?').run(audit.now.toISOString(), r.id);
      appendAudit(db, { actor: audit.actor, action: 'evaluation.erase-caller-text', recordingId: r.recording_id, reason: audit.reason, at: audit.now, details: { evaluation: r.id } });
    }
    return rows.map((r) => r.id);
  }).immediate();
}

/** What an agent's right of access (GDPR art. 15) returns of one of their evaluations: all of it, voided ones too. */
export interface AgentEvaluation {
  evaluationId: string;
  recordingId: string;
  callStartedAt: string;
  line: string;
  form: { id: string; version: number };
  evaluator: string;
  state: string;
  scorePercent: number | null;
  outcome: string | null;
  createdAt: string;
  answers: Answer[];
  notes: Array<{ questionId: string | null; atMs: number; text: string }>;
  events: Array<{ event: string; actor: string; at: string; detail: unknown }>;
}

/** An agent's evaluations by keyed hash, oldest call first; they outlive the audio, so no recording is needed. */
export function evaluationsByAgentHash(db: Database, agentHash: string): AgentEvaluation[] {
  const rows = db.prepare(`SELECT id, recording_id, call_started_at, line, form_id, form_version, evaluator, state, score_percent, outcome, created_at
      FROM quality_evaluations WHERE agent_hash = ? ORDER BY call_started_at, id`).all(agentHash) as Array<{
    id: string; recording_id: string; call_started_at: string; line: string; form_id: string; form_version: number;
    evaluator: string; state: string; score_percent: number | null; outcome: string | null; created_at: string;
  }>;
  const events = db.prepare('SELECT event, actor, at, detail FROM quality_evaluation_events WHERE evaluation_id = ? ORDER BY seq');
  return rows.map((r) => ({
    evaluationId: r.id, recordingId: r.recording_id, callStartedAt: r.call_started_at, line: r.line,
    form: { id: r.form_id, version: r.form_version }, evaluator: r.evaluator, state: r.state,
    scorePercent: r.score_percent, outcome: r.outcome, createdAt: r.created_at,
    answers: getAnswers(db, r.id),
    notes: evaluationNotes(db, r.id).map((n) => ({ questionId: n.questionId, atMs: n.atMs, text: n.text })),
    events: (events.all(r.id) as Array<{ event: string; actor: string; at: string; detail: string }>).map((e) => ({ event: e.event, actor: e.actor, at: e.at, detail: JSON.parse(e.detail) as unknown })),
  }));
}

/** The latest version of `formId`; for `default` on an index that has none yet, DEFAULT_FORM is saved first (a new installation scores from its first day). */
export function currentForm(db: Database, formId: string, actor: string, now: Date): EvaluationForm | null {
  const latest = db.prepare('SELECT MAX(version) AS v FROM quality_form_versions WHERE form_id = ?').get(formId) as { v: number | null };
  if (latest.v !== null) return getFormVersion(db, formId, latest.v);
  if (formId !== DEFAULT_FORM.id) return null;
  saveForm(db, DEFAULT_FORM, actor, now);
  return DEFAULT_FORM;
}

/** One evaluation as the console shows it. */
export interface EvaluationRecord {
  id: string;
  recordingId: string;
  form: { id: string; version: number };
  agentHash: string | null;
  line: string;
  callStartedAt: string;
  evaluator: string;
  state: EvaluationState;
  score: Score | null;
  createdAt: string;
  updatedAt: string;
}

interface FullRow {
  id: string; recording_id: string; form_id: string; form_version: number; agent_hash: string | null; line: string; call_started_at: string;
  evaluator: string; state_detail: string; score: string | null; created_at: string; updated_at: string;
}
const FULL_COLUMNS = 'id, recording_id, form_id, form_version, agent_hash, line, call_started_at, evaluator, state_detail, score, created_at, updated_at';

function fromFullRow(r: FullRow): EvaluationRecord {
  return {
    id: r.id, recordingId: r.recording_id, form: { id: r.form_id, version: r.form_version }, agentHash: r.agent_hash, line: r.line,
    callStartedAt: r.call_started_at, evaluator: r.evaluator, state: JSON.parse(r.state_detail) as EvaluationState,
    score: r.score === null ? null : (JSON.parse(r.score) as Score), createdAt: r.created_at, updatedAt: r.updated_at,
  };
}

export function getEvaluation(db: Database, id: string): EvaluationRecord | null {
  const r = db.prepare(`SELECT ${FULL_COLUMNS} FROM quality_evaluations WHERE id = ?`).get(id) as FullRow | undefined;
  return r === undefined ? null : fromFullRow(r);
}

/** The evaluations of one recording, oldest first (the recording page lists them). */
export function evaluationsOfRecording(db: Database, recordingId: string): EvaluationRecord[] {
  return (db.prepare(`SELECT ${FULL_COLUMNS} FROM quality_evaluations WHERE recording_id = ? ORDER BY created_at, id`).all(recordingId) as FullRow[]).map(fromFullRow);
}

/** The lifecycle steps of an evaluation, in order (the page shows its history). */
export function evaluationEvents(db: Database, id: string): Array<{ event: string; actor: string; at: string; detail: Record<string, unknown> }> {
  return (db.prepare('SELECT event, actor, at, detail FROM quality_evaluation_events WHERE evaluation_id = ? ORDER BY seq').all(id) as Array<{ event: string; actor: string; at: string; detail: string }>)
    .map((e) => ({ event: e.event, actor: e.actor, at: e.at, detail: JSON.parse(e.detail) as Record<string, unknown> }));
}

/** States an agent sees (evaluation-state.ts visibleToAgent), as SQL. */
const AGENT_VISIBLE_STATES = ['released', 'acknowledged', 'disputed', 'rescored', 'dispute-refused'] as const;

/** The evaluations released to the agent of `agentHash`, newest call first. */
export function evaluationsReleasedTo(db: Database, agentHash: string): EvaluationRecord[] {
  return (db.prepare(`SELECT ${FULL_COLUMNS} FROM quality_evaluations WHERE agent_hash = ? AND state IN (${AGENT_VISIBLE_STATES.map(() => '?').join(', ')}) ORDER BY call_started_at DESC, id`)
    .all(agentHash, ...AGENT_VISIBLE_STATES) as FullRow[]).map(fromFullRow).filter((e) => visibleToAgent(e.state));
}

/**
 * The mean score of the released evaluations of some agents (one agent, or a
 * team's) since `since`, with how many evaluations it is made of. Released
 * ones only: it is what the agent compares themself with, and an agent may
 * not learn of a score before it is released to its agent.
 */
export function releasedMean(db: Database, agentHashes: readonly string[], since: Date): { percent: number | null; evaluations: number } {
  if (agentHashes.length === 0) return { percent: null, evaluations: 0 };
  const r = db.prepare(`SELECT AVG(score_percent) AS p, COUNT(score_percent) AS n FROM quality_evaluations
      WHERE agent_hash IN (${agentHashes.map(() => '?').join(', ')}) AND call_started_at >= ? AND state IN (${AGENT_VISIBLE_STATES.map(() => '?').join(', ')})`)
    .get(...agentHashes, since.toISOString(), ...AGENT_VISIBLE_STATES) as { p: number | null; n: number };
  return { percent: r.p, evaluations: r.n };
}

/** A recording the review queue may propose: heard by an agent it names, not evaluated yet (voided evaluations do not count). */
export interface ReviewCandidateRow { id: string; agentHash: string; line: string; purpose: string; startedAt: string; durationMs: number }

/**
 * Candidates for the review queue among the calls started in [from, to),
 * within a reviewer's scope (null = any purpose / line). The caller narrows
 * the range to the period's local days and draws (review-draw.ts).
 */
export function reviewCandidateRows(db: Database, range: { from: Date; to: Date }, scope: { purposes: readonly string[] | null; lines: readonly string[] | null }): ReviewCandidateRow[] {
  const where = ["r.status != 'purged'", 'r.purge_started_at IS NULL', 'r.agent_hash IS NOT NULL', 'r.started_at >= ?', 'r.started_at < ?'];
  const args: unknown[] = [range.from.toISOString(), range.to.toISOString()];
  if (scope.purposes !== null) { where.push(`r.purpose IN (${scope.purposes.map(() => '?').join(', ') || "''"})`); args.push(...scope.purposes); }
  if (scope.lines !== null) { where.push(`r.line IN (${scope.lines.map(() => '?').join(', ') || "''"})`); args.push(...scope.lines); }
  where.push("NOT EXISTS (SELECT 1 FROM quality_evaluations e WHERE e.recording_id = r.id AND e.state != 'void')");
  return (db.prepare(`SELECT r.id, r.agent_hash, r.line, r.purpose, r.started_at, r.duration_ms FROM recordings r WHERE ${where.join(' AND ')} ORDER BY r.started_at`).all(...args) as Array<{
    id: string; agent_hash: string; line: string; purpose: string; started_at: string; duration_ms: number;
  }>).map((r) => ({ id: r.id, agentHash: r.agent_hash, line: r.line, purpose: r.purpose, startedAt: r.started_at, durationMs: r.duration_ms }));
}

/** Evaluations (not voided) of calls started in [from, to), by agent: what the quota already has. */
export function evaluatedCallsOf(db: Database, range: { from: Date; to: Date }): Array<{ agentHash: string; callStartedAt: string }> {
  return (db.prepare("SELECT agent_hash, call_started_at FROM quality_evaluations WHERE agent_hash IS NOT NULL AND state != 'void' AND call_started_at >= ? AND call_started_at < ?")
    .all(range.from.toISOString(), range.to.toISOString()) as Array<{ agent_hash: string; call_started_at: string }>).map((r) => ({ agentHash: r.agent_hash, callStartedAt: r.call_started_at }));
}

/** Each form with its versions, newest first: what `callvault form list` and the console's forms page show. */
export interface FormSummary {
  id: string;
  versions: Array<{ version: number; title: EvaluationForm['title']; createdBy: string; createdAt: string; firstUsedAt: string | null }>;
}

export function listForms(db: Database): FormSummary[] {
  const rows = db.prepare('SELECT form_id, version, body, created_by, created_at, first_used_at FROM quality_form_versions ORDER BY form_id, version DESC').all() as Array<{
    form_id: string; version: number; body: string; created_by: string; created_at: string; first_used_at: string | null;
  }>;
  const out = new Map<string, FormSummary>();
  for (const r of rows) {
    const f = out.get(r.form_id) ?? { id: r.form_id, versions: [] };
    f.versions.push({ version: r.version, title: (JSON.parse(r.body) as EvaluationForm).title, createdBy: r.created_by, createdAt: r.created_at, firstUsedAt: r.first_used_at });
    out.set(r.form_id, f);
  }
  return [...out.values()];
}
