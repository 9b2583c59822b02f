/**
 * The index side of calibration (migration 7, docs/quality.md "Calibration"):
 * a session on one archived call and one form version (which it freezes, as
 * an evaluation does), each evaluator's answers kept apart, the lead's being
 * the reference; closing it makes the report (src/quality/calibration.ts).
 * While open, nobody reads another's answers through this module: the only
 * reader of other entries is the report, and it refuses an open session.
 * Comments are dropped on the way in (migration 7 says why).
 */
import type { Database } from 'better-sqlite3';
import { appendAudit } from './audit-log.js';
import { getOpsRecording } from './ops-rows.js';
import { getFormVersion, markFormUsed } from './quality-store.js';
import { evaluationDeadline, evaluationPurgeDecision } from '../policy/retention.js';
import { calibrationReport, withoutCommentRules, type CalibrationReport } from '../quality/calibration.js';
import { scoreEvaluation, type Answer, type AnswerProblem } from '../quality/scoring.js';

export interface Calibration {
  id: string;
  recordingId: string;
  form: { id: string; version: number };
  line: string;
  callStartedAt: string;
  lead: string;
  state: 'open' | 'closed';
  createdAt: string;
  closedAt: string | null;
}

export interface CalibrationEntryRow { evaluator: string; submittedAt: string | null }

interface Row {
  id: string; recording_id: string; form_id: string; form_version: number; line: string; call_started_at: string;
  lead: string; state: 'open' | 'closed'; created_at: string; closed_at: string | null;
}

const fromRow = (r: Row): Calibration => ({
  id: r.id, recordingId: r.recording_id, form: { id: r.form_id, version: r.form_version }, line: r.line, callStartedAt: r.call_started_at,
  lead: r.lead, state: r.state, createdAt: r.created_at, closedAt: r.closed_at,
});

export type CreateCalibrationResult = { created: true } | { created: false; reason: 'unknown-recording' | 'unknown-form' };

export function createCalibration(db: Database, c: { id: string; recordingId: string; form: { id: string; version: number }; lead: string; now: Date }): CreateCalibrationResult {
  return db.transaction((): CreateCalibrationResult => {
    const rec = getOpsRecording(db, c.recordingId);
    if (rec === null) return { created: false, reason: 'unknown-recording' };
    const at = c.now.toISOString();
    if (!markFormUsed(db, c.form, at)) return { created: false, reason: 'unknown-form' };
    db.prepare(`INSERT INTO quality_calibrations (id, recording_id, form_id, form_version, line, call_started_at, lead, state, created_at, retention_until)
      VALUES (?, ?, ?, ?, ?, ?, ?, 'open', ?, ?)`).run(c.id, c.recordingId, c.form.id, c.form.version, rec.line, rec.startedAt, c.lead, at, evaluationDeadline(c.now).toISOString());
    appendAudit(db, { actor: c.lead, action: 'calibration.create', recordingId: c.recordingId, at: c.now, details: { calibration: c.id, form: c.form.id, version: c.form.version } });
    return { created: true };
  }).immediate();
}

export function getCalibration(db: Database, id: string): Calibration | null {
  const r = db.prepare('SELECT id, recording_id, form_id, form_version, line, call_started_at, lead, state, created_at, closed_at FROM quality_calibrations WHERE id = ?').get(id) as Row | undefined;
  return r === undefined ? null : fromRow(r);
}

export function calibrationsOfRecording(db: Database, recordingId: string): Calibration[] {
  return (db.prepare('SELECT id, recording_id, form_id, form_version, line, call_started_at, lead, state, created_at, closed_at FROM quality_calibrations WHERE recording_id = ? ORDER BY created_at, id').all(recordingId) as Row[]).map(fromRow);
}

/** Who takes part and who has submitted: names and times only, never answers. */
export function calibrationEntries(db: Database, id: string): CalibrationEntryRow[] {
  return (db.prepare('SELECT evaluator, submitted_at FROM quality_calibration_entries WHERE calibration_id = ? ORDER BY evaluator').all(id) as Array<{ evaluator: string; submitted_at: string | null }>)
    .map((r) => ({ evaluator: r.evaluator, submittedAt: r.submitted_at }));
}

/** One evaluator's own answers (what their page shows them); null when they have none yet. */
export function ownCalibrationAnswers(db: Database, id: string, evaluator: string): Answer[] | null {
  const r = db.prepare('SELECT answers FROM quality_calibration_entries WHERE calibration_id = ? AND evaluator = ?').get(id, evaluator) as { answers: string } | undefined;
  return r === undefined ? null : (JSON.parse(r.answers) as Answer[]);
}

export type CalibrationSaveResult =
  | { saved: true; submitted: boolean }
  | { saved: false; reason: 'unknown-calibration' | 'closed' | 'already-submitted' }
  | { saved: false; reason: 'invalid-answers'; problems: readonly AnswerProblem[] };

/** Saves (or submits: complete answers only, then frozen) one evaluator's answers, without their comments. */
export function saveCalibrationAnswers(db: Database, id: string, evaluator: string, answers: readonly Answer[], submit: boolean, now: Date): CalibrationSaveResult {
  return db.transaction((): CalibrationSaveResult => {
    const c = getCalibration(db, id);
    if (c === null) return { saved: false, reason: 'unknown-calibration' };
    if (c.state === 'closed') return { saved: false, reason: 'closed' };
    const prior = db.prepare('SELECT submitted_at FROM quality_calibration_entries WHERE calibration_id = ? AND evaluator = ?').get(id, evaluator) as { submitted_at: string | null } | undefined;
    if (prior?.submitted_at != null) return { saved: false, reason: 'already-submitted' };
    const bare = answers.map((a) => ({ questionId: a.questionId, value: a.value }));
    if (submit) {
      const check = scoreEvaluation(withoutCommentRules(getFormVersion(db, c.form.id, c.form.version)!), bare);
      if (check.kind === 'invalid') {
        // Kept as a draft so that nothing typed is lost; the problems go back to the page.
        db.prepare('INSERT INTO quality_calibration_entries (calibration_id, evaluator, answers, saved_at) VALUES (?, ?, ?, ?) ON CONFLICT (calibration_id, evaluator) DO UPDATE SET answers = excluded.answers, saved_at = excluded.saved_at')
          .run(id, evaluator, JSON.stringify(bare), now.toISOString());
        return { saved: false, reason: 'invalid-answers', problems: check.problems };
      }
    }
    db.prepare(`INSERT INTO quality_calibration_entries (calibration_id, evaluator, answers, saved_at, submitted_at) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (calibration_id, evaluator) DO UPDATE SET answers = excluded.answers, saved_at = excluded.saved_at, submitted_at = excluded.submitted_at`)
      .run(id, evaluator, JSON.stringify(bare), now.toISOString(), submit ? now.toISOString() : null);
    if (submit) appendAudit(db, { actor: evaluator, action: 'calibration.submit', recordingId: c.recordingId, at: now, details: { calibration: id } });
    return { saved: true, submitted: submit };
  }).immediate();
}

export type CloseResult = { closed: true } | { closed: false; reason: 'unknown-calibration' | 'not-the-lead' | 'closed' | 'reference-missing' | 'nobody-to-compare' };

/** The lead closes the session once their reference and at least one other entry are submitted; drafts left are dropped. */
export function closeCalibration(db: Database, id: string, actor: string, now: Date): CloseResult {
  return db.transaction((): CloseResult => {
    const c = getCalibration(db, id);
    if (c === null) return { closed: false, reason: 'unknown-calibration' };
    if (c.lead !== actor) return { closed: false, reason: 'not-the-lead' };
    if (c.state === 'closed') return { closed: false, reason: 'closed' };
    const done = calibrationEntries(db, id).filter((e) => e.submittedAt !== null);
    if (!done.some((e) => e.evaluator === c.lead)) return { closed: false, reason: 'reference-missing' };
    if (done.length < 2) return { closed: false, reason: 'nobody-to-compare' };
    db.prepare('DELETE FROM quality_calibration_entries WHERE calibration_id = ? AND submitted_at IS NULL').run(id);
    db.prepare("UPDATE quality_calibrations SET state = 'closed', closed_at = ? WHERE id = ?").run(now.toISOString(), id);
    appendAudit(db, { actor, action: 'calibration.close', recordingId: c.recordingId, at: now, details: { calibration: id, evaluators: done.length } });
    return { closed: true };
  }).immediate();
}

/** The report of a closed session: each evaluator against the lead's reference. Null while it is open (answers stay blind). */
export function calibrationReportOf(db: Database, id: string): CalibrationReport | null {
  const c = getCalibration(db, id);
  if (c === null || c.state !== 'closed') return null;
  const rows = db.prepare('SELECT evaluator, answers FROM quality_calibration_entries WHERE calibration_id = ? AND submitted_at IS NOT NULL ORDER BY evaluator').all(id) as Array<{ evaluator: string; answers: string }>;
  const reference = rows.find((r) => r.evaluator === c.lead)!;
  const form = getFormVersion(db, c.form.id, c.form.version)!;
  return calibrationReport(form, JSON.parse(reference.answers) as Answer[],
    rows.filter((r) => r.evaluator !== c.lead).map((r) => ({ evaluator: r.evaluator, answers: JSON.parse(r.answers) as Answer[] })));
}

/** Calibration sessions whose year is over, unless their recording is held (the same rule as evaluations). Returns the number deleted. */
export function purgeExpiredCalibrations(db: Database, now: Date, actor: string, options: { dryRun?: boolean } = {}): number {
  return db.transaction((): number => {
    const due = db.prepare(`SELECT c.id, c.recording_id, c.retention_until,
        (SELECT COUNT(*) FROM holds h WHERE h.recording_id = c.recording_id AND h.released_at IS NULL) AS holds
      FROM quality_calibrations c WHERE c.retention_until <= ? ORDER BY c.id`).all(now.toISOString()) as Array<{ id: string; recording_id: string; retention_until: string; holds: number }>;
    let n = 0;
    for (const c of due) {
      const d = evaluationPurgeDecision({ deadline: new Date(c.retention_until), holds: c.holds }, now);
      if (d.decision === 'keep') continue;
      n++;
      if (options.dryRun === true) continue;
      db.prepare('DELETE FROM quality_calibrations WHERE id = ?').run(c.id);
      appendAudit(db, { actor, action: 'calibration.purge', recordingId: c.recording_id, reason: d.reason, at: now, details: { calibration: c.id, retentionUntil: c.retention_until } });
    }
    return n;
  }).immediate();
}
