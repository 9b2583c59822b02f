/**
 * Opening the index for an ops command. Read commands (status, list, show,
 * audit, subject find) open it read-only so they never block the archiver;
 * an index still at an older schema is migrated once through a write
 * connection. Write commands refuse to create an index: a missing index
 * means a wrong storage.dir far more often than a new installation.
 * SQLite lock and permission failures become CV_ERR_INDEX_READONLY with the
 * path, whatever statement hit them.
 */
import { existsSync } from 'node:fs';
import { CallvaultError } from '../errors.js';
import { RecordingIndex, SCHEMA_VERSION } from '../index/index.js';
import { StorageLayout } from '../archive/storage-layout.js';

export interface OpenOptions {
  /** How long to wait for a lock held by another process (ms). */
  busyTimeoutMs?: number;
}

export function openIndex(storageDir: string, mode: 'read' | 'write', options: OpenOptions = {}): RecordingIndex {
  const path = new StorageLayout(storageDir).indexPath;
  if (!existsSync(path)) throw new CallvaultError('CV_ERR_OPS_NO_INDEX', [path]);
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  return guardIndex(path, () => {
    if (mode === 'read') {
      const index = RecordingIndex.open(path, { readonly: true, busyTimeoutMs });
      if (index.schemaVersion >= SCHEMA_VERSION) return index;
      index.close();
    }
    return RecordingIndex.open(path, { busyTimeoutMs });
  });
}

export function isSqliteAccessError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^SQLITE_(BUSY|LOCKED|READONLY|CANTOPEN|PERM|AUTH)/.test(code);
}

/** Runs `fn`, turning SQLite lock/permission errors into CV_ERR_INDEX_READONLY naming `path`. */
export function guardIndex<T>(path: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (isSqliteAccessError(err)) throw new CallvaultError('CV_ERR_INDEX_READONLY', [path], { cause: err });
    throw err;
  }
}

export async function guardIndexAsync<T>(path: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isSqliteAccessError(err)) throw new CallvaultError('CV_ERR_INDEX_READONLY', [path], { cause: err });
    throw err;
  }
}
