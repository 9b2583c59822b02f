/**
 * Destroying recordings: the daily retention purge, contract proof and a
 * subject's erasure all come here. For each recording, in this order:
 *
 *   1. mark the row (purge_started_at, purge_reason) in one transaction;
 *   2. delete the clear sidecar, then the encrypted file (and any leftover
 *      temporary file), and sync the directory;
 *   3. in one transaction: tombstone (id, date, why, ciphertext digest),
 *      drop released holds, delete the row, append the audit row.
 *
 * A SIGKILL anywhere leaves either an unmarked row with its files, or a
 * marked row (its files maybe gone), which the next purge finishes first; a
 * tombstone never coexists with its row. Every step is idempotent, so two
 * purges racing (daemon and CLI) do no harm. The decision is always
 * src/policy/retention.ts's purgeDecision: a held recording is never
 * touched.
 */
import { readdir, rmdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from '../log/logger.js';
import { silentLogger } from '../log/logger.js';
import { CallvaultError } from '../errors.js';
import type { RetentionDays } from '../policy/retention.js';
import type { RecordingIndex } from '../index/index.js';
import { beginPurge, candidateDecision, finishPurge, purgeCandidates } from '../index/retention-queries.js';
import { getOpsRecording } from '../index/ops-rows.js';
import { purgeExpiredObjections } from '../index/objection-register.js';
import { purgeExpiredEvaluations } from '../index/quality-store.js';
import { purgeExpiredCalibrations } from '../index/calibration-store.js';
import { StorageLayout } from '../archive/storage-layout.js';
import { fsyncDir, removeIfPresent } from '../archive/durable-fs.js';
import { guardIndex, isSqliteAccessError } from './open-index.js';

export type PurgePolicy = 'retention-expired' | 'proof-received' | 'erasure-request';

export interface PurgeContext {
  index: RecordingIndex;
  layout: StorageLayout;
  actor: string;
  /** The operator's reason, written to each audit row. */
  reason: string;
  now: () => Date;
  logger?: Logger;
  /** Stops between recordings (the daemon's shutdown); what is done stays done. */
  signal?: AbortSignal;
  /** Called after each recording, for progress bars. */
  onProgress?: (done: number, total: number) => void;
}

export interface PurgeItem { id: string; policy: string }
export interface PurgeFailure { id: string; code: string; message: string }

export interface PurgeReport {
  dryRun: boolean;
  /** Destroyed (or, in a dry run, that would be). */
  purged: PurgeItem[];
  /** Due but kept under legal hold. */
  held: string[];
  failed: PurgeFailure[];
  /** Interrupted purges finished by this run. */
  resumed: number;
  /** Remembered objections that expired and were deleted. */
  objectionsExpired: number;
  /** Quality evaluations past their year, deleted (or, in a dry run, that would be); held ones stay. */
  evaluationsPurged: number;
  /** Calibration sessions past their year (analysis documents too). */
  calibrationsPurged: number;
  /** True when stopped by the signal before the end. */
  aborted: boolean;
}

function emptyReport(dryRun: boolean): PurgeReport {
  return { dryRun, purged: [], held: [], failed: [], resumed: 0, objectionsExpired: 0, evaluationsPurged: 0, calibrationsPurged: 0, aborted: false };
}

/** Removes a recording's files; every removal tolerates "already gone". */
async function deleteFiles(layout: StorageLayout, id: string, file: string): Promise<void> {
  const encrypted = layout.absolute(file);
  const sidecar = encrypted.replace(/\.opus\.age$/, '.json');
  // The sidecar first: `reindex` rebuilds rows from sidecars and must never resurrect a purged recording.
  if (sidecar !== encrypted) await removeIfPresent(sidecar);
  await removeIfPresent(encrypted);
  await removeIfPresent(layout.tmpRecordingPath(id)).catch(() => false);
  const dir = dirname(encrypted);
  await fsyncDir(dir).catch((err: NodeJS.ErrnoException) => { if (err.code !== 'ENOENT') throw err; });
  // Empty day, month and year folders go too, so that the tree does not keep a trace of old dates forever.
  let d = dir;
  while (d.startsWith(layout.recordingsDir + '/') && d !== layout.recordingsDir) {
    const left = await readdir(d).catch(() => null);
    if (left === null || left.length > 0) break;
    await rmdir(d).catch(() => undefined);
    d = dirname(d);
  }
}

/**
 * Destroys one recording through the three steps. Returns false when there
 * was nothing to do (the row is gone, or it is held and not already marked).
 */
export async function destroyRecording(ctx: PurgeContext, id: string, policy: PurgePolicy, action: 'purge' | 'erase'): Promise<boolean> {
  const db = ctx.index.db;
  if (!beginPurge(db, id, policy, ctx.now())) return false;
  const row = getOpsRecording(db, id);
  if (row === null) return false; // finished by a concurrent purge
  try {
    await deleteFiles(ctx.layout, id, row.file);
  } catch (cause) {
    throw new CallvaultError('CV_ERR_OPS_PURGE_FILE', [id], { cause });
  }
  return finishPurge(db, id, { actor: ctx.actor, reason: ctx.reason, action, now: ctx.now() });
}

/**
 * The retention purge: finishes interrupted purges, destroys every recording
 * whose retention ended (or whose contract proof arrived), keeps held ones,
 * and deletes expired remembered objections. A dry run changes nothing.
 */
export async function purgeDue(ctx: PurgeContext, days: RetentionDays, options: { dryRun?: boolean } = {}): Promise<PurgeReport> {
  const log = ctx.logger ?? silentLogger;
  const dryRun = options.dryRun === true;
  const report = emptyReport(dryRun);
  const now = ctx.now();
  const todo: PurgeItem[] = [];
  // A locked or read-only index fails the same way for every row: it stops the run (each recording done stays done).
  for (const c of guardIndex(ctx.index.path, () => purgeCandidates(ctx.index.db, now, days))) {
    if (c.purgeStartedAt !== null) {
      todo.push({ id: c.id, policy: c.purgeReason ?? 'retention-expired' });
      continue;
    }
    const d = candidateDecision(c, now, days);
    if (d.decision === 'purge') todo.push({ id: c.id, policy: d.reason });
    else if (d.reason === 'legal-hold') report.held.push(c.id);
  }
  if (dryRun) {
    report.purged = todo;
    report.evaluationsPurged = guardIndex(ctx.index.path, () => purgeExpiredEvaluations(ctx.index.db, now, ctx.actor, { dryRun: true })).purged;
    report.calibrationsPurged = guardIndex(ctx.index.path, () => purgeExpiredCalibrations(ctx.index.db, now, ctx.actor, { dryRun: true }));
    return report;
  }
  let done = 0;
  for (const item of todo) {
    if (ctx.signal?.aborted === true) { report.aborted = true; break; }
    const wasMarked = getOpsRecording(ctx.index.db, item.id)?.purgeStartedAt != null;
    try {
      if (await destroyRecording(ctx, item.id, item.policy as PurgePolicy, item.policy === 'erasure-request' ? 'erase' : 'purge')) {
        report.purged.push(item);
        if (wasMarked) report.resumed++;
      } else if (getOpsRecording(ctx.index.db, item.id) !== null) {
        report.held.push(item.id); // a hold was placed after the candidates were read: it wins
      }
    } catch (err) {
      if (isSqliteAccessError(err)) throw new CallvaultError('CV_ERR_INDEX_READONLY', [ctx.index.path], { cause: err });
      const code = err instanceof CallvaultError ? err.code : 'CV_ERR_OPS_PURGE_FILE';
      log.error({ err, recording: item.id }, 'purge: recording not purged, will retry at the next purge');
      report.failed.push({ id: item.id, code, message: err instanceof Error ? err.message : String(err) });
    }
    ctx.onProgress?.(++done, todo.length);
  }
  if (!report.aborted) {
    report.objectionsExpired = guardIndex(ctx.index.path, () => purgeExpiredObjections(ctx.index.db, now));
    // Evaluations have their own year, whatever became of the audio (src/policy/retention.ts).
    report.evaluationsPurged = guardIndex(ctx.index.path, () => purgeExpiredEvaluations(ctx.index.db, now, ctx.actor)).purged;
    report.calibrationsPurged = guardIndex(ctx.index.path, () => purgeExpiredCalibrations(ctx.index.db, now, ctx.actor));
  }
  log.info({ purged: report.purged.length, held: report.held.length, failed: report.failed.length, resumed: report.resumed, objectionsExpired: report.objectionsExpired, evaluationsPurged: report.evaluationsPurged, calibrationsPurged: report.calibrationsPurged }, 'purge: done');
  return report;
}
