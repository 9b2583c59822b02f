/**
 * `callvault reindex`: rebuilds index rows from the clear sidecars, without
 * any private key. Rows already present are left alone (never overwritten:
 * the index may know a status or a hold the sidecar does not); a sidecar
 * whose file is missing or does not match its SHA-256 is reported, not
 * indexed. What cannot come back from the files: holds, statuses other than
 * archived, and the audit log (docs/decisions.md).
 */
import { readFile, stat } from 'node:fs/promises';
import { isCallvaultError } from '../errors.js';
import type { Purpose } from '../policy/purpose.js';
import type { RecordingIndex } from '../index/index.js';
import { digestFile } from './file-digest.js';
import { parseSidecar, sidecarToRow } from './recording-sidecar.js';
import { getTombstone } from '../index/ops-rows.js';
import { SIDECAR_EXT, RECORDING_EXT, type StorageLayout, walkFiles } from './storage-layout.js';
import type { VerifyIssue } from './verify.js';

export interface ReindexOptions {
  index: RecordingIndex;
  layout: StorageLayout;
  retentionDeadline: (purpose: Purpose, endedAt: Date) => Date;
  actor: string;
}

export interface ReindexReport {
  scanned: number;
  inserted: string[];
  alreadyIndexed: number;
  problems: VerifyIssue[];
}

export async function reindexArchive(o: ReindexOptions): Promise<ReindexReport> {
  const report: ReindexReport = { scanned: 0, inserted: [], alreadyIndexed: 0, problems: [] };
  for await (const file of walkFiles(o.layout.recordingsDir)) {
    if (!file.endsWith(SIDECAR_EXT)) continue;
    report.scanned++;
    const rel = o.layout.relative(file);
    let sidecar;
    try {
      sidecar = parseSidecar(await readFile(file, 'utf8'), rel);
    } catch (err) {
      if (isCallvaultError(err)) { report.problems.push({ kind: 'corrupt', id: null, path: rel, detail: err.message }); continue; }
      throw err;
    }
    if (o.index.getRecording(sidecar.id) !== null) { report.alreadyIndexed++; continue; }
    // A purged recording whose files came back (a restored backup) must not be revived.
    if (getTombstone(o.index.db, sidecar.id) !== null) {
      report.problems.push({ kind: 'orphan', id: sidecar.id, path: rel, detail: 'this recording was purged (tombstone); its files came back, likely from a backup: delete them' });
      continue;
    }
    const recording = o.layout.recordingPath(sidecar.id);
    const relRecording = o.layout.relative(recording);
    if (relRecording.slice(0, -RECORDING_EXT.length) !== rel.slice(0, -SIDECAR_EXT.length)) {
      report.problems.push({ kind: 'corrupt', id: sidecar.id, path: rel, detail: 'sidecar is not where its id says it belongs' });
      continue;
    }
    let digest;
    try {
      digest = await digestFile(recording);
    } catch {
      report.problems.push({ kind: 'missing', id: sidecar.id, path: relRecording, detail: 'sidecar present but the encrypted file is missing' });
      continue;
    }
    if (digest.sha256 !== sidecar.sha256 || digest.size !== sidecar.sizeBytes) {
      report.problems.push({ kind: 'corrupt', id: sidecar.id, path: relRecording, detail: 'encrypted file does not match its sidecar (SHA-256 or size)' });
      continue;
    }
    // A training copy's retention counts from its making, not from the call (docs/quality.md, "Training").
    const deadline = (sidecar.derivedFrom !== undefined
      ? o.retentionDeadline(sidecar.purpose, new Date(sidecar.archivedAt)) : o.retentionDeadline(sidecar.purpose, new Date(sidecar.endedAt))).toISOString();
    const inserted = o.index.insertRecordingWithAudit(sidecarToRow(sidecar, relRecording, deadline), {
      actor: o.actor, action: 'reindex', recordingId: sidecar.id, details: { sha256: sidecar.sha256, file: relRecording },
    });
    if (inserted) report.inserted.push(sidecar.id);
    else report.alreadyIndexed++;
  }
  for (const row of o.index.listRecordings()) {
    if (row.status === 'purged') continue;
    const exists = await stat(o.layout.absolute(row.file)).then(() => true, () => false);
    if (!exists) report.problems.push({ kind: 'missing', id: row.id, path: row.file, detail: 'indexed, but the encrypted file is missing' });
  }
  return report;
}
