/**
 * The SQL side of retention: which recordings a purge must look at, and the
 * two transactions around the deletion of a recording's files. The decision
 * itself is src/policy/retention.ts (purgeDecision); the file deletion and
 * the order of steps are src/ops/purge.ts.
 *
 * Crash safety (docs/operations.md, "Purge"): `beginPurge` marks the row
 * (purge_started_at) in one transaction, the files are deleted, then
 * `finishPurge` writes the tombstone and the audit row and deletes the row in
 * another. A SIGKILL between the two leaves a marked row, which every later
 * purge finishes first: never a row that points at a missing file unmarked.
 */
import type { Database } from 'better-sqlite3';
import type { Purpose } from '../policy/purpose.js';
import { PURPOSES } from '../policy/purpose.js';
import { RETENTION_CEILING_DAYS, purgeDecision, retentionDeadline, type PurgeDecision, type RetentionDays } from '../policy/retention.js';
import { appendAudit } from './audit-log.js';
import { coveringHoldCount, coveringHoldsSql, getOpsRecording, type OpsRecording } from './ops-rows.js';

const DAY_MS = 86_400_000;

/** What a purge needs to decide about one recording, read in the same query that finds it. */
export interface PurgeCandidate {
  id: string;
  purpose: Purpose;
  endedAt: string;
  /** When the retention clock started: the call's end, or for a training copy the copy's creation (archived_at). */
  retentionFrom: string;
  retentionUntil: string;
  proofReceivedAt: string | null;
  purgeStartedAt: string | null;
  purgeReason: string | null;
  /** Active legal holds. */
  holds: number;
}

const CANDIDATE_COLUMNS = `id, purpose, ended_at, CASE WHEN derived_from IS NULL THEN ended_at ELSE archived_at END AS retention_from,
  retention_until, proof_received_at, purge_started_at, purge_reason, ${coveringHoldsSql('recordings')} AS holds`;

/**
 * Every recording that may be due at `now`: purges in progress, stored
 * deadlines passed, recordings older than their purpose's current retention
 * (the config may have been shortened since they were archived), and
 * contracts whose proof was received. Each still goes through
 * purgeDecision (src/ops/purge.ts); this only narrows the scan, each part
 * through an index.
 */
export function purgeCandidates(db: Database, now: Date, days: RetentionDays): PurgeCandidate[] {
  const found = new Map<string, PurgeCandidate>();
  const add = (rows: unknown[]) => {
    for (const r of rows as Array<{ id: string; purpose: Purpose; ended_at: string; retention_from: string; retention_until: string; proof_received_at: string | null; purge_started_at: string | null; purge_reason: string | null; holds: number }>) {
      found.set(r.id, { id: r.id, purpose: r.purpose, endedAt: r.ended_at, retentionFrom: r.retention_from, retentionUntil: r.retention_until, proofReceivedAt: r.proof_received_at, purgeStartedAt: r.purge_started_at, purgeReason: r.purge_reason, holds: r.holds });
    }
  };
  add(db.prepare(`SELECT ${CANDIDATE_COLUMNS} FROM recordings WHERE purge_started_at IS NOT NULL`).all());
  add(db.prepare(`SELECT ${CANDIDATE_COLUMNS} FROM recordings WHERE status IN ('archived', 'held') AND retention_until <= ?`).all(now.toISOString()));
  // A training copy's clock starts at its creation (archived_at), not at the call.
  const byPurpose = db.prepare(`SELECT ${CANDIDATE_COLUMNS} FROM recordings WHERE purpose = ? AND started_at <= ? AND ended_at <= ? AND (derived_from IS NULL OR archived_at <= ?)`);
  for (const purpose of PURPOSES) {
    const d = Math.min(days[purpose], RETENTION_CEILING_DAYS[purpose]);
    const cutoff = new Date(now.getTime() - d * DAY_MS).toISOString();
    add(byPurpose.all(purpose, cutoff, cutoff, cutoff));
  }
  add(db.prepare(`SELECT ${CANDIDATE_COLUMNS} FROM recordings WHERE proof_received_at IS NOT NULL AND purpose = 'contract'`).all());
  return [...found.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** The deadline that applies now: the stricter of the stored one and the current config's (counted from `retentionFrom`, the call's end by default). */
export function effectiveDeadline(row: Pick<OpsRecording, 'purpose' | 'endedAt' | 'retentionUntil'> & { retentionFrom?: string }, days: RetentionDays): Date {
  const stored = new Date(row.retentionUntil);
  const current = retentionDeadline(row.purpose as Purpose, new Date(row.retentionFrom ?? row.endedAt), days);
  return stored.getTime() <= current.getTime() ? stored : current;
}

/** The policy's verdict on a candidate at `now` (src/policy/retention.ts); a purge in progress is finished whatever it says. */
export function candidateDecision(c: PurgeCandidate, now: Date, days: RetentionDays): PurgeDecision {
  return purgeDecision({
    purpose: c.purpose, deadline: effectiveDeadline(c, days), holds: c.holds,
    proofReceivedAt: c.proofReceivedAt === null ? null : new Date(c.proofReceivedAt),
  }, now);
}

/** How many recordings will be due at `at` (for `status`: "next purge: N recordings"), held ones excluded. */
export function countDueBy(db: Database, at: Date, days: RetentionDays): { due: number; held: number } {
  let due = 0;
  let held = 0;
  for (const c of purgeCandidates(db, at, days)) {
    if (c.purgeStartedAt !== null) { due++; continue; }
    const d = candidateDecision(c, at, days);
    if (d.decision === 'purge') due++;
    else if (d.reason === 'legal-hold') held++;
  }
  return { due, held };
}

/** Marks a recording as being purged. Returns false when the row is gone or held (nothing changed). */
export function beginPurge(db: Database, id: string, reason: string, now: Date): boolean {
  return db.transaction((): boolean => {
    const row = getOpsRecording(db, id);
    if (row === null) return false;
    if (row.purgeStartedAt !== null) return true;
    if (coveringHoldCount(db, id) > 0) return false;
    db.prepare('UPDATE recordings SET purge_started_at = ?, purge_reason = ? WHERE id = ? AND purge_started_at IS NULL').run(now.toISOString(), reason, id);
    return true;
  }).immediate();
}

export interface FinishPurge {
  actor: string;
  /** The operator's reason (audit). */
  reason: string;
  /** Audit action: 'purge' for retention, 'erase' for a subject's erasure request. */
  action: 'purge' | 'erase';
  now: Date;
}

/**
 * Turns a marked row into a tombstone (id, date, why, ciphertext digest; no
 * personal data), drops its released holds and appends the audit row, in one
 * transaction. Idempotent: a row already gone returns false.
 */
export function finishPurge(db: Database, id: string, f: FinishPurge): boolean {
  return db.transaction((): boolean => {
    const row = getOpsRecording(db, id);
    if (row === null) return false;
    if (row.purgeStartedAt === null) throw new Error(`recording ${id} is not marked for purge`);
    const why = row.purgeReason ?? 'retention-expired';
    db.prepare('DELETE FROM holds WHERE recording_id = ? AND released_at IS NOT NULL').run(id);
    db.prepare('INSERT INTO tombstones (recording_id, purged_at, reason, sha256) VALUES (?, ?, ?, ?) ON CONFLICT (recording_id) DO NOTHING')
      .run(id, f.now.toISOString(), why, row.sha256);
    db.prepare('DELETE FROM recordings WHERE id = ?').run(id);
    appendAudit(db, {
      actor: f.actor, action: f.action, recordingId: id, reason: f.reason, at: f.now,
      details: { policy: why, purpose: row.purpose, line: row.line, retentionUntil: row.retentionUntil, sha256: row.sha256, purgeStartedAt: row.purgeStartedAt },
    });
    return true;
  }).immediate();
}

/** Records that written or e-signed proof of the contract exists. */
export function markProofReceived(db: Database, ids: readonly string[], at: Date, audit: { actor: string; reason: string }): void {
  db.transaction(() => {
    const set = db.prepare('UPDATE recordings SET proof_received_at = COALESCE(proof_received_at, ?) WHERE id = ?');
    for (const id of ids) {
      set.run(at.toISOString(), id);
      appendAudit(db, { actor: audit.actor, action: 'proof-received', recordingId: id, reason: audit.reason, at, details: {} });
    }
  }).immediate();
}
