/**
 * Grants: a purpose's identity, wrapped (age) to one user's recipient by
 * someone who holds it. The server stores the wrapped copy and cannot open
 * it. Revoking deletes it; the user may have kept a copy in an open tab, so
 * revocation is completed by key rotation (docs/console.md, "Revocation and rotation").
 */
import type { Database } from 'better-sqlite3';
import type { Purpose } from '../../policy/purpose.js';

export interface Grant { username: string; purpose: Purpose; purposeRecipient: string; wrapped: string; grantedBy: string; grantedAt: string }

interface Row { username: string; purpose: Purpose; purpose_recipient: string; wrapped: string; granted_by: string; granted_at: string }
const fromRow = (r: Row): Grant => ({ username: r.username, purpose: r.purpose, purposeRecipient: r.purpose_recipient, wrapped: r.wrapped, grantedBy: r.granted_by, grantedAt: r.granted_at });

export function grantsOf(db: Database, username: string): Grant[] {
  return (db.prepare('SELECT * FROM console_grants WHERE username = ? ORDER BY purpose').all(username) as Row[]).map(fromRow);
}

export function allGrants(db: Database): Grant[] {
  return (db.prepare('SELECT * FROM console_grants ORDER BY username, purpose').all() as Row[]).map(fromRow);
}

export function hasGrant(db: Database, username: string, purpose: Purpose): boolean {
  return db.prepare('SELECT 1 FROM console_grants WHERE username = ? AND purpose = ?').get(username, purpose) !== undefined;
}

/** Inserts or replaces (a re-grant after rotation replaces the older key). */
export function putGrant(db: Database, g: Omit<Grant, 'grantedAt'>, now: Date): void {
  db.prepare(`INSERT INTO console_grants (username, purpose, purpose_recipient, wrapped, granted_by, granted_at) VALUES (?, ?, ?, ?, ?, ?)
    ON CONFLICT (username, purpose) DO UPDATE SET purpose_recipient = excluded.purpose_recipient, wrapped = excluded.wrapped, granted_by = excluded.granted_by, granted_at = excluded.granted_at`)
    .run(g.username, g.purpose, g.purposeRecipient, g.wrapped, g.grantedBy, now.toISOString());
}

export function deleteGrant(db: Database, username: string, purpose: Purpose): boolean {
  return db.prepare('DELETE FROM console_grants WHERE username = ? AND purpose = ?').run(username, purpose).changes === 1;
}

export function deleteUserGrants(db: Database, username: string): number {
  return db.prepare('DELETE FROM console_grants WHERE username = ?').run(username).changes;
}
