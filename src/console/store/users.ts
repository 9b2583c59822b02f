/** Console users (table console_users, migration 4): role, teams, review purposes, password hash, state. */
import type { Database } from 'better-sqlite3';
import type { Purpose } from '../../policy/purpose.js';
import type { Role } from '../roles.js';

export type UserState = 'active' | 'disabled';
export type Language = 'fr' | 'en';

export interface ConsoleUser {
  username: string;
  role: Role;
  teams: string[];
  purposes: Purpose[];
  /** Keyed hash (domain 'agent') of the PBX agent id, for agents. */
  agentHash: string | null;
  language: Language;
  passwordHash: string | null;
  state: UserState;
  createdAt: string;
  updatedAt: string;
}

interface Row {
  username: string; role: Role; teams: string; purposes: string; agent_hash: string | null;
  language: Language; password_hash: string | null; state: UserState; created_at: string; updated_at: string;
}

function fromRow(r: Row): ConsoleUser {
  return {
    username: r.username, role: r.role, teams: JSON.parse(r.teams) as string[], purposes: JSON.parse(r.purposes) as Purpose[],
    agentHash: r.agent_hash, language: r.language, passwordHash: r.password_hash, state: r.state, createdAt: r.created_at, updatedAt: r.updated_at,
  };
}

export const USERNAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;

export function getUser(db: Database, username: string): ConsoleUser | null {
  const r = db.prepare('SELECT * FROM console_users WHERE username = ?').get(username) as Row | undefined;
  return r === undefined ? null : fromRow(r);
}

export function listUsers(db: Database): ConsoleUser[] {
  return (db.prepare('SELECT * FROM console_users ORDER BY username').all() as Row[]).map(fromRow);
}

export type NewUser = Omit<ConsoleUser, 'createdAt' | 'updatedAt' | 'state'>;

/** False when the name is taken. */
export function insertUser(db: Database, u: NewUser, now: Date): boolean {
  const at = now.toISOString();
  const res = db.prepare(`INSERT INTO console_users (username, role, teams, purposes, agent_hash, language, password_hash, state, created_at, updated_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, 'active', ?, ?) ON CONFLICT (username) DO NOTHING`)
    .run(u.username, u.role, JSON.stringify(u.teams), JSON.stringify(u.purposes), u.agentHash, u.language, u.passwordHash, at, at);
  return res.changes === 1;
}

export function setUserState(db: Database, username: string, state: UserState, now: Date): boolean {
  return db.prepare('UPDATE console_users SET state = ?, updated_at = ? WHERE username = ?').run(state, now.toISOString(), username).changes === 1;
}

export function setPasswordHash(db: Database, username: string, passwordHash: string | null, now: Date): boolean {
  return db.prepare('UPDATE console_users SET password_hash = ?, updated_at = ? WHERE username = ?').run(passwordHash, now.toISOString(), username).changes === 1;
}

export function setLanguage(db: Database, username: string, language: Language, now: Date): void {
  db.prepare('UPDATE console_users SET language = ?, updated_at = ? WHERE username = ?').run(language, now.toISOString(), username);
}
