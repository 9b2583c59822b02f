/**
 * Legal holds: a held recording is never purged or erased (purgeDecision
 * answers keep/legal-hold while any hold is active). Placing and releasing a
 * hold each write the hold row, the recording's status and an audit row in
 * one transaction, for every recording of the request at once: a locked
 * index leaves all of them as they were.
 */
import type { Database } from 'better-sqlite3';
import { CallvaultError } from '../errors.js';
import { appendAudit } from './audit-log.js';
import { activeHoldCount, getOpsRecording } from './ops-rows.js';

export interface HoldRequest {
  actor: string;
  reason: string;
  now: Date;
  /** Recorded in the audit row: 'id' or 'caller'. */
  via: 'id' | 'caller';
}

export interface HoldResult {
  /** Recordings that got a new hold. */
  held: string[];
  /** Recordings that were already held (they get another hold row, one per case). */
  alreadyHeld: string[];
}

export function placeHolds(db: Database, ids: readonly string[], req: HoldRequest): HoldResult {
  return db.transaction((): HoldResult => {
    const result: HoldResult = { held: [], alreadyHeld: [] };
    const insert = db.prepare('INSERT INTO holds (recording_id, reason, placed_by, placed_at) VALUES (?, ?, ?, ?)');
    for (const id of ids) {
      const row = getOpsRecording(db, id);
      if (row === null) throw new CallvaultError('CV_ERR_OPS_UNKNOWN_ID', [id]);
      // Its files may already be gone: a hold now would promise evidence that no longer exists.
      if (row.purgeStartedAt !== null) throw new CallvaultError('CV_ERR_OPS_PURGING', [id]);
      (activeHoldCount(db, id) > 0 ? result.alreadyHeld : result.held).push(id);
      insert.run(id, req.reason, req.actor, req.now.toISOString());
      db.prepare("UPDATE recordings SET status = 'held' WHERE id = ?").run(id);
      appendAudit(db, { actor: req.actor, action: 'hold', recordingId: id, reason: req.reason, at: req.now, details: { via: req.via } });
    }
    return result;
  }).immediate();
}

export interface ReleaseResult {
  /** Recordings whose holds were released. */
  released: string[];
  /** Recordings that had no active hold (nothing changed for them). */
  notHeld: string[];
}

/** Releases every active hold on each recording; the recording follows its retention again. */
export function releaseHolds(db: Database, ids: readonly string[], req: HoldRequest): ReleaseResult {
  return db.transaction((): ReleaseResult => {
    const result: ReleaseResult = { released: [], notHeld: [] };
    for (const id of ids) {
      const row = getOpsRecording(db, id);
      if (row === null) throw new CallvaultError('CV_ERR_OPS_UNKNOWN_ID', [id]);
      const n = db.prepare('UPDATE holds SET released_by = ?, released_at = ? WHERE recording_id = ? AND released_at IS NULL')
        .run(req.actor, req.now.toISOString(), id).changes;
      if (n === 0) { result.notHeld.push(id); continue; }
      result.released.push(id);
      db.prepare("UPDATE recordings SET status = 'archived' WHERE id = ? AND status = 'held'").run(id);
      appendAudit(db, { actor: req.actor, action: 'release', recordingId: id, reason: req.reason, at: req.now, details: { via: req.via, holds: n } });
    }
    return result;
  }).immediate();
}
