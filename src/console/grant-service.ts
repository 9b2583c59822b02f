/**
 * Storing and revoking grants, shared by the API (the admin's browser wraps)
 * and `callvault grant` (the CLI wraps). Both write the same rows and the
 * same audit rows ("change of rights").
 */
import type { Database } from 'better-sqlite3';
import type { Purpose } from '../policy/purpose.js';
import { appendAudit } from '../index/audit-log.js';
import { Refusal, notFound } from './refusal.js';
import { deleteGrant, putGrant } from './store/grants.js';
import { getUserKey } from './store/user-keys.js';
import { getUser } from './store/users.js';

export interface GrantInput {
  username: string;
  purpose: Purpose;
  purposeRecipient: string;
  wrapped: string;
  by: string;
}

export function storeGrant(db: Database, g: GrantInput, now: Date): void {
  db.transaction(() => {
    if (getUser(db, g.username) === null) throw notFound('user');
    const key = getUserKey(db, g.username);
    if (key === null) throw new Refusal(409, 'CV_ERR_CONSOLE_NO_KEY', [g.username]);
    putGrant(db, { username: g.username, purpose: g.purpose, purposeRecipient: g.purposeRecipient, wrapped: g.wrapped, grantedBy: g.by }, now);
    appendAudit(db, { actor: g.by, action: 'console.grant', details: { user: g.username, purpose: g.purpose, purposeRecipient: g.purposeRecipient, userRecipient: key.recipient }, at: now });
  }).immediate();
}

export function revokeGrant(db: Database, username: string, purpose: Purpose, by: string, now: Date): boolean {
  return db.transaction(() => {
    const removed = deleteGrant(db, username, purpose);
    if (removed) appendAudit(db, { actor: by, action: 'console.revoke', details: { user: username, purpose }, at: now });
    return removed;
  }).immediate();
}
