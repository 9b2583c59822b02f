/**
 * The daemon's live state, written to `<storage>/run/status.json` every few
 * seconds (atomically), so that `callvault status` can answer from another
 * process without a control socket, and can tell a stale file (daemon gone)
 * from a live one by its pid and age.
 */
import { mkdirSync, openSync, writeSync, closeSync, renameSync, readFileSync } from 'node:fs';
import { mkdir, open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { LinkStatus, PbxKind } from '../pbx/call-control.js';
import type { ArchiverState } from '../archive/archiver.js';
import type { SpoolOutlook } from '../ops/spool-outlook.js';

/** The archiver as the daemon sees it; `disabled` with `run --no-archive`. */
export type ArchiverStatus = ArchiverState | { kind: 'disabled' };

export interface DaemonStatus {
  version: 1;
  pid: number;
  startedAt: string;
  writtenAt: string;
  pbx: PbxKind;
  link: LinkStatus;
  callsInProgress: number;
  recordingsInProgress: number;
  archiveBacklog: number;
  /** Live listening allowed by the gate and not ended yet. Absent in files written before it existed. */
  monitorsInProgress?: number;
  /** Absent in files written before this field existed. */
  archiver?: ArchiverStatus;
  /** Backlog trend and disk outlook from the archiver's samples; null before the first, absent in older files. */
  spool?: SpoolOutlook | null;
  /** Last errors: code or place and when, never personal data. */
  lastErrors: Array<{ at: string; where: string; message: string }>;
}

export function statusPath(storageDir: string): string {
  return join(storageDir, 'run', 'status.json');
}

export function writeStatus(storageDir: string, status: DaemonStatus): void {
  const dir = join(storageDir, 'run');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = statusPath(storageDir);
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    // No fsync: status is advice for `callvault status`, rewritten every few seconds and judged by its pid and age;
    // a sync fsync here stalled the event loop under archive I/O (docs/decisions.md, "No fsync on the call path").
    writeSync(fd, JSON.stringify(status, null, 2) + '\n');
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

/**
 * The same write off the event loop, for the periodic refreshes: a rename
 * waits for the file system's journal while the archiver commits (up to
 * 39 ms measured under bench/capacity.ts --pause-check), and every call
 * waited with the loop. Its own temporary name, so that the final
 * synchronous write at stop cannot be mixed with one in flight.
 */
export async function writeStatusInBackground(storageDir: string, status: DaemonStatus): Promise<void> {
  const dir = join(storageDir, 'run');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const path = statusPath(storageDir);
  const tmp = `${path}.bg.tmp`;
  const fh = await open(tmp, 'w', 0o600);
  try {
    await fh.writeFile(JSON.stringify(status, null, 2) + '\n');
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
}

export type ReadStatus =
  | { state: 'running'; status: DaemonStatus }
  | { state: 'stale'; status: DaemonStatus; reason: string }
  | { state: 'absent' };

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (err) { return (err as NodeJS.ErrnoException).code === 'EPERM'; }
}

/** Reads the status file; a file older than `maxAgeMs` or whose pid is gone is stale. */
export function readStatus(storageDir: string, now: number, maxAgeMs = 30_000): ReadStatus {
  let status: DaemonStatus;
  try {
    status = JSON.parse(readFileSync(statusPath(storageDir), 'utf8')) as DaemonStatus;
  } catch {
    return { state: 'absent' };
  }
  if (!alive(status.pid)) return { state: 'stale', status, reason: `process ${status.pid} is not running` };
  const age = now - Date.parse(status.writtenAt);
  if (age > maxAgeMs) return { state: 'stale', status, reason: `last update ${Math.round(age / 1000)} s ago` };
  return { state: 'running', status };
}
