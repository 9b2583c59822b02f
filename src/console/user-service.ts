/**
 * User administration shared by `callvault user ...`: each change of rights
 * is one transaction with its audit row, and disabling or resetting revokes
 * the user's sessions at once.
 */
import type { Database } from 'better-sqlite3';
import { appendAudit } from '../index/audit-log.js';
import type { Purpose } from '../policy/purpose.js';
import { PURPOSES } from '../policy/purpose.js';
import { CallvaultError } from '../errors.js';
import { ROLES, type Role } from './roles.js';
import { deleteUserGrants } from './store/grants.js';
import { deleteUserSessions } from './store/sessions.js';
import { deleteUserKey } from './store/user-keys.js';
import { USERNAME, getUser, insertUser, setPasswordHash, setUserState, type Language, type NewUser } from './store/users.js';

export interface UserSpec {
  username: string;
  role: string;
  teams: readonly string[];
  purposes: readonly string[];
  agentHash: string | null;
  language: Language;
}

/** Validates a user against the roles, purposes and console.teams; throws CV_ERR_CONSOLE_USER_SPEC. */
export function checkUserSpec(spec: UserSpec, knownTeams: readonly string[]): NewUser {
  const bad = (why: string) => new CallvaultError('CV_ERR_CONSOLE_USER_SPEC', [why]);
  if (!USERNAME.test(spec.username)) throw bad('user names are 1 to 64 lowercase letters, digits, ., _ and -, starting with a letter or digit');
  if (!(ROLES as readonly string[]).includes(spec.role)) throw bad(`role must be one of ${ROLES.join(', ')}`);
  const unknownTeams = spec.teams.filter((t) => !knownTeams.includes(t));
  if (unknownTeams.length > 0) throw bad(`unknown team ${unknownTeams.join(', ')} (teams are defined under console.teams)`);
  const unknownPurposes = spec.purposes.filter((p) => !(PURPOSES as readonly string[]).includes(p));
  if (unknownPurposes.length > 0) throw bad(`unknown purpose ${unknownPurposes.join(', ')}`);
  const role = spec.role as Role;
  if (role === 'supervisor' && spec.teams.length === 0) throw bad('a supervisor needs at least one --team');
  if (role === 'qa' && spec.purposes.length === 0) throw bad('a qa user needs at least one --purpose to review');
  if (role === 'agent' && spec.agentHash === null) throw bad('an agent needs --agent-id (the PBX agent id its recordings carry)');
  return { username: spec.username, role, teams: [...spec.teams], purposes: spec.purposes as Purpose[], agentHash: spec.agentHash, language: spec.language, passwordHash: null };
}

export function addUser(db: Database, user: NewUser, passwordHash: string, actor: string, now: Date): void {
  db.transaction(() => {
    if (!insertUser(db, { ...user, passwordHash }, now)) throw new CallvaultError('CV_ERR_CONSOLE_USER_EXISTS', [user.username]);
    appendAudit(db, { actor, action: 'console.user-add', details: { user: user.username, role: user.role, teams: user.teams, purposes: user.purposes }, at: now });
  }).immediate();
}

function existing(db: Database, username: string) {
  const u = getUser(db, username);
  if (u === null) throw new CallvaultError('CV_ERR_CONSOLE_UNKNOWN_USER', [username]);
  return u;
}

export function disableUser(db: Database, username: string, actor: string, now: Date): number {
  return db.transaction(() => {
    existing(db, username);
    setUserState(db, username, 'disabled', now);
    const sessions = deleteUserSessions(db, username);
    appendAudit(db, { actor, action: 'console.user-disable', details: { user: username, sessionsRevoked: sessions }, at: now });
    return sessions;
  }).immediate();
}

export function enableUser(db: Database, username: string, actor: string, now: Date): void {
  db.transaction(() => {
    existing(db, username);
    setUserState(db, username, 'active', now);
    appendAudit(db, { actor, action: 'console.user-enable', details: { user: username }, at: now });
  }).immediate();
}

/** Clears the password, the wrapped personal key and every grant; revokes the sessions. */
export function resetUser(db: Database, username: string, actor: string, now: Date): { grants: number; sessions: number; key: boolean } {
  return db.transaction(() => {
    existing(db, username);
    setPasswordHash(db, username, null, now);
    const key = deleteUserKey(db, username);
    const grants = deleteUserGrants(db, username);
    const sessions = deleteUserSessions(db, username);
    appendAudit(db, { actor, action: 'console.user-reset', details: { user: username, keyDeleted: key, grantsDeleted: grants, sessionsRevoked: sessions }, at: now });
    return { grants, sessions, key };
  }).immediate();
}

export function setPassword(db: Database, username: string, passwordHash: string, actor: string, now: Date): void {
  db.transaction(() => {
    existing(db, username);
    setPasswordHash(db, username, passwordHash, now);
    deleteUserSessions(db, username);
    appendAudit(db, { actor, action: 'console.user-password', details: { user: username }, at: now });
  }).immediate();
}
