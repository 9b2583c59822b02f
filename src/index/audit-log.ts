/**
 * The audit log: append-only and hash-chained. Each row stores
 * hash = sha256(prev_hash || canonical(row)), where canonical(row) is the JSON
 * of the row's fields with sorted keys and no whitespace, and prev_hash is
 * the previous row's hash (64 zeros for the first). Rewriting or deleting a
 * row breaks every later hash; triggers (migrations.ts) refuse UPDATE and
 * DELETE, so tampering needs a raw write to the file, which the chain shows.
 */
import { createHash } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import { GENESIS_HASH } from './migrations.js';
import type { AuditEntry, AuditInput, AuditVerdict } from './types.js';

/** JSON with object keys sorted at every level: one byte string per value. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new RangeError('non-finite number in audit row');
    return JSON.stringify(value) ?? 'null';
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

type Hashed = Omit<AuditEntry, 'prevHash' | 'hash'>;

export function auditHash(prevHash: string, row: Hashed): string {
  const canonical = canonicalJson({
    seq: row.seq, at: row.at, actor: row.actor, action: row.action,
    recordingId: row.recordingId, reason: row.reason, details: row.details,
  });
  return createHash('sha256').update(prevHash, 'utf8').update(canonical, 'utf8').digest('hex');
}

interface SqlAudit {
  seq: number; at: string; actor: string; action: string; recording_id: string | null;
  reason: string | null; details: string; prev_hash: string; hash: string;
}

function fromSql(r: SqlAudit): AuditEntry {
  return {
    seq: r.seq, at: r.at, actor: r.actor, action: r.action, recordingId: r.recording_id, reason: r.reason,
    details: JSON.parse(r.details) as Record<string, unknown>, prevHash: r.prev_hash, hash: r.hash,
  };
}

/**
 * Appends one row. Runs in an IMMEDIATE transaction (or joins the caller's) so
 * that two writers cannot both link to the same previous row.
 */
export function appendAudit(db: Database, input: AuditInput): AuditEntry {
  const run = db.transaction((): AuditEntry => {
    const last = db.prepare('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string } | undefined;
    const seqRow = db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'audit'").get() as { seq: number } | undefined;
    // AUTOINCREMENT never reuses a number, so the next seq is max(ever) + 1.
    const seq = Math.max(last?.seq ?? 0, seqRow?.seq ?? 0) + 1;
    const row: Hashed = {
      seq, at: (input.at ?? new Date()).toISOString(), actor: input.actor, action: input.action,
      recordingId: input.recordingId ?? null, reason: input.reason ?? null, details: input.details ?? {},
    };
    const prevHash = last?.hash ?? GENESIS_HASH;
    const hash = auditHash(prevHash, row);
    db.prepare(`INSERT INTO audit (seq, at, actor, action, recording_id, reason, details, prev_hash, hash)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(seq, row.at, row.actor, row.action, row.recordingId, row.reason, canonicalJson(row.details), prevHash, hash);
    return { ...row, prevHash, hash };
  });
  return db.inTransaction ? run() : run.immediate();
}

/** Walks the whole chain; reports the first row whose link or hash is wrong. */
export function verifyAuditChain(db: Database): AuditVerdict {
  let prev = GENESIS_HASH;
  let rows = 0;
  let lastSeq = 0;
  for (const raw of db.prepare('SELECT * FROM audit ORDER BY seq').iterate() as IterableIterator<SqlAudit>) {
    rows++;
    let entry: AuditEntry;
    try {
      entry = fromSql(raw);
    } catch {
      return { ok: false, rows, brokenAt: raw.seq, reason: 'details are not valid JSON' };
    }
    if (entry.seq <= lastSeq) return { ok: false, rows, brokenAt: entry.seq, reason: 'sequence numbers out of order' };
    if (entry.prevHash !== prev) return { ok: false, rows, brokenAt: entry.seq, reason: 'prev_hash does not match the previous row (a row was removed or inserted)' };
    if (auditHash(prev, entry) !== entry.hash) return { ok: false, rows, brokenAt: entry.seq, reason: 'hash does not match the row (the row was changed)' };
    prev = entry.hash;
    lastSeq = entry.seq;
  }
  // AUTOINCREMENT remembers the highest seq ever used: rows cut from the end show here.
  const high = db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'audit'").get() as { seq: number } | undefined;
  if (high !== undefined && high.seq > lastSeq) {
    return { ok: false, rows, brokenAt: lastSeq + 1, reason: `rows ${lastSeq + 1} to ${high.seq} were removed from the end` };
  }
  return { ok: true, rows, head: prev };
}

export function listAudit(db: Database, recordingId?: string): AuditEntry[] {
  const rows = recordingId === undefined
    ? db.prepare('SELECT * FROM audit ORDER BY seq').all()
    : db.prepare('SELECT * FROM audit WHERE recording_id = ? ORDER BY seq').all(recordingId);
  return (rows as SqlAudit[]).map(fromSql);
}
