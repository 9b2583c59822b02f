/**
 * The recording row as the ops commands see it: the archive's RecordingRow
 * plus the columns migration 2 added (contract proof, purge marker), and the
 * lookups every ops command starts with: by recording id, call id or linked
 * id, with purged recordings answered by their tombstone.
 */
import type { Database } from 'better-sqlite3';
import { fromSql } from './recordings.js';
import type { RecordingRow } from './types.js';
import { RECORDING_ID } from '../calls/recording-id.js';

export interface OpsRecording extends RecordingRow {
  proofReceivedAt: string | null;
  /** Set while a purge of this recording is in progress (its files may be gone). */
  purgeStartedAt: string | null;
  purgeReason: string | null;
}

export interface Tombstone {
  recordingId: string;
  purgedAt: string;
  reason: string;
  sha256: string | null;
}

export interface HoldRow {
  id: number;
  recordingId: string;
  reason: string;
  placedBy: string;
  placedAt: string;
  releasedBy: string | null;
  releasedAt: string | null;
}

type SqlOpsRow = Parameters<typeof fromSql>[0] & {
  proof_received_at: string | null; purge_started_at: string | null; purge_reason: string | null;
};

export function opsFromSql(r: SqlOpsRow): OpsRecording {
  return { ...fromSql(r), proofReceivedAt: r.proof_received_at, purgeStartedAt: r.purge_started_at, purgeReason: r.purge_reason };
}

export function getOpsRecording(db: Database, id: string): OpsRecording | null {
  const r = db.prepare('SELECT * FROM recordings WHERE id = ?').get(id) as SqlOpsRow | undefined;
  return r === undefined ? null : opsFromSql(r);
}

export function getTombstone(db: Database, id: string): Tombstone | null {
  const r = db.prepare('SELECT recording_id, purged_at, reason, sha256 FROM tombstones WHERE recording_id = ?').get(id) as
    { recording_id: string; purged_at: string; reason: string; sha256: string | null } | undefined;
  return r === undefined ? null : { recordingId: r.recording_id, purgedAt: r.purged_at, reason: r.reason, sha256: r.sha256 };
}

export function holdsOf(db: Database, recordingId: string): HoldRow[] {
  const rows = db.prepare('SELECT * FROM holds WHERE recording_id = ? ORDER BY id').all(recordingId) as Array<{
    id: number; recording_id: string; reason: string; placed_by: string; placed_at: string; released_by: string | null; released_at: string | null;
  }>;
  return rows.map((r) => ({ id: r.id, recordingId: r.recording_id, reason: r.reason, placedBy: r.placed_by, placedAt: r.placed_at, releasedBy: r.released_by, releasedAt: r.released_at }));
}

export function activeHoldCount(db: Database, recordingId: string): number {
  return (db.prepare('SELECT COUNT(*) AS n FROM holds WHERE recording_id = ? AND released_at IS NULL').get(recordingId) as { n: number }).n;
}

/**
 * SQL counting the active holds that keep recording `rec` (a table alias or
 * name): its own, and for a training copy those of the recording it was made
 * from, whose evidence the copy also is (docs/quality.md, "Training").
 */
export function coveringHoldsSql(rec: string): string {
  return `(SELECT COUNT(*) FROM holds h WHERE h.released_at IS NULL AND (h.recording_id = ${rec}.id OR h.recording_id = ${rec}.derived_from))`;
}

/** Active holds that keep a recording from purge or erasure: its own and its source's (coveringHoldsSql). */
export function coveringHoldCount(db: Database, recordingId: string): number {
  const r = db.prepare(`SELECT ${coveringHoldsSql('recordings')} AS n FROM recordings WHERE id = ?`).get(recordingId) as { n: number } | undefined;
  return r?.n ?? 0;
}

/** What an id given on the command line names. */
export type Resolved =
  | { kind: 'recordings'; rows: OpsRecording[] }
  | { kind: 'purged'; tombstone: Tombstone }
  | { kind: 'unknown' };


/**
 * A recording id names one recording (or its tombstone); anything else is
 * read as a call id or linked id (Asterisk Uniqueid/Linkedid, FreeSWITCH
 * uuids), which may name several recordings (transfers).
 */
export function resolveId(db: Database, id: string): Resolved {
  if (RECORDING_ID.test(id)) {
    const row = getOpsRecording(db, id);
    if (row !== null) return { kind: 'recordings', rows: [row] };
    const t = getTombstone(db, id);
    return t === null ? { kind: 'unknown' } : { kind: 'purged', tombstone: t };
  }
  const rows = (db.prepare('SELECT * FROM recordings WHERE call_id = @id UNION SELECT * FROM recordings WHERE linked_id = @id ORDER BY started_at')
    .all({ id }) as SqlOpsRow[]).map(opsFromSql);
  return rows.length > 0 ? { kind: 'recordings', rows } : { kind: 'unknown' };
}
