/**
 * One archiver per storage directory: two would race on the same spool entry
 * (both encrypt, one rename wins, the index row may describe the other). The
 * lock is an OS lock, so that it never outlives its holder: a small SQLite
 * database (`archiver-lock.sqlite`) held in `BEGIN EXCLUSIVE` by the
 * archiver's own connection, which is an fcntl write lock the kernel drops
 * when the process dies, before it is reaped. A pid file could not do that:
 * `kill(pid, 0)` succeeds for a killed process its parent has not reaped yet,
 * so a daemon restarted within a fraction of a second saw its dead
 * predecessor as alive (issue 12). docs/decisions.md says why SQLite rather
 * than flock(1).
 *
 * The lock file is never deleted: unlinking a lock file lets a waiter lock
 * the old inode while a newcomer locks a new one.
 */
import { readFileSync, statSync } from 'node:fs';
import { chmod } from 'node:fs/promises';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { CallvaultError } from '../errors.js';
import { FILE_MODE } from './durable-fs.js';

/** Whether SQLite refused the lock because someone holds it (as opposed to a broken file). */
function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && /^SQLITE_(BUSY|LOCKED)/.test(code);
}

/**
 * The pid holding a POSIX lock on `path`, from /proc/locks (Linux), for the
 * operator's message only; null when it cannot be told. The kernel keeps this
 * table, so unlike a pid file it is never stale.
 */
export function lockHolder(path: string): number | null {
  try {
    const st = statSync(path);
    const text = readFileSync('/proc/locks', 'utf8');
    for (const line of text.split('\n')) {
      // "1: POSIX  ADVISORY  WRITE 7871 fe:00:2146692 1073741824 1073742335"
      const f = line.trim().split(/\s+/);
      if (f[1] !== 'POSIX' || f[5] === undefined) continue;
      const inode = f[5].split(':')[2];
      if (inode === String(st.ino)) return Number(f[4]);
    }
  } catch {
    // No /proc (not Linux) or no file: the message says "unknown".
  }
  return null;
}

export class ArchiveLock {
  readonly path: string;
  #db: Database | null;

  private constructor(path: string, db: Database) {
    this.path = path;
    this.#db = db;
  }

  /** Takes the lock now or throws CV_ERR_ARCHIVE_LOCKED naming the holder; never waits. */
  static async acquire(path: string, storageDir: string): Promise<ArchiveLock> {
    let db: Database;
    try {
      db = new BetterSqlite3(path, { timeout: 0 });
    } catch (cause) {
      throw new CallvaultError('CV_ERR_ARCHIVE_LOCKED', ['unknown', storageDir], { cause, hint: `cannot open the lock file ${path}: check the permissions of the storage directory` });
    }
    try {
      // Never committed: the transaction, and so the lock, lasts as long as the connection.
      db.exec('BEGIN EXCLUSIVE');
    } catch (cause) {
      db.close();
      if (isBusy(cause)) throw new CallvaultError('CV_ERR_ARCHIVE_LOCKED', [lockHolder(path) ?? 'unknown', storageDir], { cause });
      throw new CallvaultError('CV_ERR_ARCHIVE_LOCKED', ['unknown', storageDir], { cause, hint: `the lock file ${path} is not usable; stop every archiver, then remove it` });
    }
    await chmod(path, FILE_MODE);
    return new ArchiveLock(path, db);
  }

  async release(): Promise<void> {
    const db = this.#db;
    this.#db = null;
    db?.close(); // rolls back the empty transaction: the kernel lock goes with the last fd
  }
}
