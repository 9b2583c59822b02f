/**
 * Users' personal age keys as the server may hold them: the public recipient,
 * and the identity wrapped in the browser (passphrase with age scrypt; a
 * passkey wrap when the browser supports it). Never a private key in clear.
 */
import type { Database } from 'better-sqlite3';

export type WrapKind = 'passphrase' | 'passkey';
export interface Wrapped { kind: WrapKind; data: string }
export interface UserKey { username: string; recipient: string; wrapped: Wrapped[]; createdAt: string }

export function getUserKey(db: Database, username: string): UserKey | null {
  const r = db.prepare('SELECT username, recipient, wrapped, created_at FROM console_user_keys WHERE username = ?').get(username) as
    { username: string; recipient: string; wrapped: string; created_at: string } | undefined;
  return r === undefined ? null : { username: r.username, recipient: r.recipient, wrapped: JSON.parse(r.wrapped) as Wrapped[], createdAt: r.created_at };
}

/** False when the user already has a key (a reset deletes it first). */
export function insertUserKey(db: Database, key: Omit<UserKey, 'createdAt'>, now: Date): boolean {
  return db.prepare('INSERT INTO console_user_keys (username, recipient, wrapped, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (username) DO NOTHING')
    .run(key.username, key.recipient, JSON.stringify(key.wrapped), now.toISOString()).changes === 1;
}

export function deleteUserKey(db: Database, username: string): boolean {
  return db.prepare('DELETE FROM console_user_keys WHERE username = ?').run(username).changes === 1;
}
