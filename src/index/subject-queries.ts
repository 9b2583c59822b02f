/**
 * Finding a data subject's recordings: through the keyed caller hashes of
 * the forms in which the number may have been stored (src/privacy/
 * phone-number.ts, writtenForms). The partial index on caller_hash answers
 * each hash directly.
 */
import type { Database } from 'better-sqlite3';
import { coveringHoldsSql, opsFromSql, type OpsRecording } from './ops-rows.js';

export function recordingsByCallerHashes(db: Database, hashes: readonly string[]): OpsRecording[] {
  if (hashes.length === 0) return [];
  const marks = hashes.map(() => '?').join(', ');
  const rows = db.prepare(`SELECT * FROM recordings WHERE caller_hash IN (${marks}) ORDER BY started_at, id`).all(...hashes);
  return (rows as Parameters<typeof opsFromSql>[0][]).map(opsFromSql);
}

/** Tombstones are anonymous by design: a subject's purged recordings cannot be found again, which is the point. */
export function activeHoldIds(db: Database, ids: readonly string[]): Set<string> {
  const held = new Set<string>();
  // A training copy is held by its own holds and its source's (ops-rows.ts coveringHoldsSql).
  const q = db.prepare(`SELECT ${coveringHoldsSql('recordings')} AS n FROM recordings WHERE id = ?`);
  for (const id of ids) if (((q.get(id) as { n: number } | undefined)?.n ?? 0) > 0) held.add(id);
  return held;
}
