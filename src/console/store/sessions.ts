/**
 * Server-side sessions (table console_sessions). The cookie carries a random
 * 256-bit token; the table keeps only its SHA-256, so a copy of the index
 * opens no session. A session without a username is the anonymous one the
 * login form's CSRF token lives in; signing in deletes it and creates a new
 * id (no session fixation). Idle and absolute timeouts are checked on every
 * request against the stored times, so revoking is deleting the row.
 */
import type { Database } from 'better-sqlite3';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export interface SessionRow {
  idHash: string;
  username: string | null;
  csrfToken: string;
  createdAt: string;
  lastSeenAt: string;
}

export function digest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Creates a session and returns its cookie token. */
export function createSession(db: Database, username: string | null, now: Date): { token: string; row: SessionRow } {
  const token = newToken();
  const row: SessionRow = { idHash: digest(token), username, csrfToken: newToken(), createdAt: now.toISOString(), lastSeenAt: now.toISOString() };
  db.prepare('INSERT INTO console_sessions (id_hash, username, csrf_token, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?)')
    .run(row.idHash, row.username, row.csrfToken, row.createdAt, row.lastSeenAt);
  return { token, row };
}

export function findSession(db: Database, token: string): SessionRow | null {
  const r = db.prepare('SELECT id_hash, username, csrf_token, created_at, last_seen_at FROM console_sessions WHERE id_hash = ?').get(digest(token)) as
    { id_hash: string; username: string | null; csrf_token: string; created_at: string; last_seen_at: string } | undefined;
  return r === undefined ? null : { idHash: r.id_hash, username: r.username, csrfToken: r.csrf_token, createdAt: r.created_at, lastSeenAt: r.last_seen_at };
}

export function touchSession(db: Database, idHash: string, now: Date): void {
  db.prepare('UPDATE console_sessions SET last_seen_at = ? WHERE id_hash = ?').run(now.toISOString(), idHash);
}

export function deleteSession(db: Database, idHash: string): void {
  db.prepare('DELETE FROM console_sessions WHERE id_hash = ?').run(idHash);
}

/** Revokes every session of a user (disable, reset, change of rights). */
export function deleteUserSessions(db: Database, username: string): number {
  return db.prepare('DELETE FROM console_sessions WHERE username = ?').run(username).changes;
}

/** Drops sessions idle since before `idleBefore` or created before `createdBefore`. */
export function sweepSessions(db: Database, idleBefore: Date, createdBefore: Date): number {
  return db.prepare('DELETE FROM console_sessions WHERE last_seen_at < ? OR created_at < ?').run(idleBefore.toISOString(), createdBefore.toISOString()).changes;
}

export type SessionAge = 'live' | 'idle-expired' | 'absolute-expired';

export function sessionAge(row: SessionRow, now: Date, idleMs: number, absoluteMs: number): SessionAge {
  if (now.getTime() - Date.parse(row.createdAt) >= absoluteMs) return 'absolute-expired';
  if (now.getTime() - Date.parse(row.lastSeenAt) >= idleMs) return 'idle-expired';
  return 'live';
}

/** Constant-time comparison of a submitted CSRF token with the session's. */
export function csrfMatches(row: SessionRow, submitted: unknown): boolean {
  if (typeof submitted !== 'string' || submitted.length === 0) return false;
  const a = Buffer.from(row.csrfToken);
  const b = Buffer.from(submitted);
  return a.length === b.length && timingSafeEqual(a, b);
}
