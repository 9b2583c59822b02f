/**
 * Remembered objections (privacy.rememberObjections, off by default): a
 * caller who objected is not asked or recorded again until the entry
 * expires. Only keyed hashes are stored (KeyedHasher 'objection'), each with
 * its expiry; `purgeExpired` runs with the daily purge. The call session
 * calls `has` and `remember` (SessionDeps.objections): both are one indexed
 * statement on the primary key.
 */
import type { Database, Statement } from 'better-sqlite3';
import { RecordingIndex } from './recording-index.js';

const DAY_MS = 86_400_000;
const HASH = /^[0-9a-f]{64}$/;

export interface ObjectionRegisterOptions {
  retentionDays: number;
  now?: () => Date;
}

export class ObjectionRegister {
  readonly #db: Database;
  readonly #days: number;
  readonly #now: () => Date;
  readonly #owned: RecordingIndex | null;
  readonly #has: Statement;
  readonly #remember: Statement;

  constructor(db: Database, options: ObjectionRegisterOptions, owned: RecordingIndex | null = null) {
    if (!Number.isInteger(options.retentionDays) || options.retentionDays < 1) throw new RangeError('retentionDays must be a positive integer');
    this.#db = db;
    this.#days = options.retentionDays;
    this.#now = options.now ?? (() => new Date());
    this.#owned = owned;
    this.#has = db.prepare('SELECT 1 FROM objections WHERE caller_hash = ? AND expires_at > ?');
    // A renewed objection restarts its period: the caller said it again.
    this.#remember = db.prepare(`INSERT INTO objections (caller_hash, created_at, expires_at) VALUES (@h, @now, @exp)
      ON CONFLICT (caller_hash) DO UPDATE SET expires_at = excluded.expires_at`);
  }

  /** Opens its own connection to the index at `indexPath` (the daemon's main thread); close() closes it. */
  static open(indexPath: string, options: ObjectionRegisterOptions): ObjectionRegister {
    const index = RecordingIndex.open(indexPath);
    return new ObjectionRegister(index.db, options, index);
  }

  has(callerHash: string): boolean {
    if (!HASH.test(callerHash)) return false;
    return this.#has.get(callerHash, this.#now().toISOString()) !== undefined;
  }

  remember(callerHash: string): void {
    if (!HASH.test(callerHash)) throw new RangeError('an objection is remembered by its 64-hex keyed hash only');
    const now = this.#now();
    this.#remember.run({ h: callerHash, now: now.toISOString(), exp: new Date(now.getTime() + this.#days * DAY_MS).toISOString() });
  }

  /** When the entry expires, or null when there is none (expired entries count as none). */
  expiresAt(callerHash: string): string | null {
    const r = this.#db.prepare('SELECT expires_at FROM objections WHERE caller_hash = ? AND expires_at > ?').get(callerHash, this.#now().toISOString()) as { expires_at: string } | undefined;
    return r?.expires_at ?? null;
  }

  /** Deletes expired entries; returns how many. */
  purgeExpired(): number {
    return this.#db.prepare('DELETE FROM objections WHERE expires_at <= ?').run(this.#now().toISOString()).changes;
  }

  count(): number {
    return (this.#db.prepare('SELECT COUNT(*) AS n FROM objections WHERE expires_at > ?').get(this.#now().toISOString()) as { n: number }).n;
  }

  close(): void {
    this.#owned?.close();
  }
}

/** Deletes expired objections through any connection (the purge uses this). */
export function purgeExpiredObjections(db: Database, now: Date): number {
  return db.prepare('DELETE FROM objections WHERE expires_at <= ?').run(now.toISOString()).changes;
}
