/**
 * The index: one SQLite file (better-sqlite3) beside the recordings. WAL so
 * readers (the CLI) do not block the archiver; synchronous=FULL because a
 * committed row is the archiver's licence to delete the WAV, so it must
 * survive power loss; foreign keys on; busy timeout so that a CLI command and
 * the daemon can share the file. Opening migrates to the latest schema.
 */
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { chmodSync, existsSync } from 'node:fs';
import { CallvaultError } from '../errors.js';
import { appendAudit, listAudit, verifyAuditChain } from './audit-log.js';
import { SCHEMA_VERSION, currentVersion, migrate } from './migrations.js';
import { countRecordings, getRecording, insertRecording, listRecordings } from './recordings.js';
import type { AuditEntry, AuditInput, AuditVerdict, NewRecording, RecordingFilter, RecordingRow } from './types.js';

export interface OpenIndexOptions {
  /** Open without writing (no migration). Fails with CV_ERR_INDEX_OPEN if the file does not exist. */
  readonly?: boolean;
  /** Milliseconds to wait on a lock held by another process. */
  busyTimeoutMs?: number;
}

export class RecordingIndex {
  readonly path: string;
  readonly db: Database;

  private constructor(path: string, db: Database) {
    this.path = path;
    this.db = db;
  }

  /** Opens (creating it 0600 when absent) and migrates the index at `path`. */
  static open(path: string, options: OpenIndexOptions = {}): RecordingIndex {
    const fresh = !existsSync(path);
    let db: Database;
    try {
      db = new BetterSqlite3(path, { readonly: options.readonly === true, fileMustExist: options.readonly === true });
      db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
      if (options.readonly !== true) {
        db.pragma('journal_mode = WAL');
        db.pragma('synchronous = FULL');
      }
      db.pragma('foreign_keys = ON');
    } catch (cause) {
      throw new CallvaultError('CV_ERR_INDEX_OPEN', [path], { cause });
    }
    if (fresh && options.readonly !== true) chmodSync(path, 0o600);
    const index = new RecordingIndex(path, db);
    try {
      if (options.readonly === true) {
        const v = currentVersionReadonly(db);
        if (v > SCHEMA_VERSION) throw new CallvaultError('CV_ERR_INDEX_NEWER', [v, SCHEMA_VERSION]);
      } else {
        migrate(db);
      }
    } catch (err) {
      db.close();
      if (err instanceof CallvaultError) throw err;
      if (isReadonlyError(err)) throw new CallvaultError('CV_ERR_INDEX_READONLY', [path], { cause: err });
      throw new CallvaultError('CV_ERR_INDEX_OPEN', [path], { cause: err });
    }
    return index;
  }

  get schemaVersion(): number {
    return currentVersionReadonly(this.db);
  }

  insertRecording(row: NewRecording): boolean {
    return this.#write(() => insertRecording(this.db, row));
  }

  /** Inserts the row and its audit entry in one transaction: both or neither. */
  insertRecordingWithAudit(row: NewRecording, audit: AuditInput): boolean {
    return this.#write(() => this.db.transaction(() => {
      const inserted = insertRecording(this.db, row);
      if (inserted) appendAudit(this.db, audit);
      return inserted;
    }).immediate());
  }

  getRecording(id: string): RecordingRow | null {
    return getRecording(this.db, id);
  }

  listRecordings(filter: RecordingFilter = {}): RecordingRow[] {
    return listRecordings(this.db, filter);
  }

  countRecordings(): number {
    return countRecordings(this.db);
  }

  appendAudit(input: AuditInput): AuditEntry {
    return this.#write(() => appendAudit(this.db, input));
  }

  listAudit(recordingId?: string): AuditEntry[] {
    return listAudit(this.db, recordingId);
  }

  verifyAuditChain(): AuditVerdict {
    return verifyAuditChain(this.db);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  #write<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (isReadonlyError(err)) throw new CallvaultError('CV_ERR_INDEX_READONLY', [this.path], { cause: err });
      throw err;
    }
  }
}

function currentVersionReadonly(db: Database): number {
  const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
  if (exists === undefined) return 0;
  return currentVersion(db);
}

function isReadonlyError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_READONLY') || code === 'SQLITE_BUSY' || code === 'SQLITE_CANTOPEN');
}
