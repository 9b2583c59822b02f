/**
 * Who may do what in the console: roles, and the scope of each role over
 * recordings. Pure functions (no I/O, no clock), so the role-by-route test
 * and the routes read the same table. Scope is separate from keys: a grant
 * gives the means to decrypt, the scope gives the right to fetch; both are
 * needed to hear a recording, and the server checks the scope for every
 * object, returning "not visible" exactly as it returns "unknown".
 */
import type { Purpose } from '../policy/purpose.js';

export const ROLES = ['admin', 'qa', 'trainer', 'supervisor', 'agent', 'compliance'] as const;
export type Role = (typeof ROLES)[number];

/** What a route needs; every route names one (routes/route-table.ts). */
export type Capability =
  | 'recordings.list'   // search and open recording pages (metadata)
  | 'recordings.listen' // fetch ciphertext, write notes
  | 'keys.own'          // personal key setup and unlock, own grants
  | 'users.manage'      // users, teams, grants pages and API
  | 'audit.read'        // the audit chain
  | 'status.read'       // the status page
  | 'me.read'           // own page: recording windows (agents)
  | 'subjects.find'     // a data subject's recordings (right of access)
  | 'evaluations.score' // start, score, submit, release, rescore evaluations (src/quality/evaluation-state.ts WHO)
  | 'evaluations.own'   // an agent's own released evaluations: read, acknowledge, dispute
  | 'forms.manage'      // evaluation forms: edit, import, export (the QA team owns its forms)
  | 'quality.read'      // the quality dashboard and its CSV (figures over evaluations)
  | 'training.manage'   // training copies, playlists, assignments, new hires' progress (trainers)
  | 'training.learn';   // the playlists assigned to oneself: play them, report progress (new hires)

const CAPABILITIES: Record<Role, readonly Capability[]> = {
  admin: ['users.manage', 'keys.own', 'status.read', 'me.read'],
  qa: ['recordings.list', 'recordings.listen', 'keys.own', 'status.read', 'me.read', 'evaluations.score', 'forms.manage'],
  trainer: ['recordings.list', 'recordings.listen', 'keys.own', 'me.read', 'training.manage'],
  supervisor: ['recordings.list', 'recordings.listen', 'keys.own', 'status.read', 'me.read', 'evaluations.score'],
  // A new hire is an agent-role user: the playlists they are assigned are all they play (docs/decisions.md, "Training").
  agent: ['me.read', 'keys.own', 'evaluations.own', 'training.learn'],
  compliance: ['recordings.list', 'audit.read', 'status.read', 'keys.own', 'me.read', 'subjects.find'],
};

/**
 * The quality dashboard compares agents with each other: QA and supervisors
 * read it within their lines. Not agents: a colleague's scores are that
 * colleague's personal data, and an agent sees their own on their own page
 * (me.read); not trainers, admins or compliance, whose work is not scoring.
 */
for (const role of ['qa', 'supervisor'] as const) (CAPABILITIES[role] as Capability[]).push('quality.read');

export function can(role: Role, capability: Capability): boolean {
  return CAPABILITIES[role].includes(capability);
}

/** The part of a user that scope depends on. */
export interface Scoped {
  role: Role;
  teams: readonly string[];
  /** Purposes whose recordings a qa user reviews (set by the admin). */
  purposes: readonly Purpose[];
}

/** The part of a recording that scope depends on. */
export interface ScopedRecording {
  line: string;
  purpose: Purpose;
}

/** Team name -> lines (console.teams). */
export type TeamLines = Readonly<Record<string, readonly string[]>>;

export function linesOf(teams: readonly string[], teamLines: TeamLines): string[] {
  return [...new Set(teams.flatMap((t) => teamLines[t] ?? []))];
}

/**
 * The recordings a user sees, as a filter the list query can use:
 * `all`, `none`, or purposes and lines (null = any).
 */
export type Scope =
  | { kind: 'all' }
  | { kind: 'none' }
  | { kind: 'some'; purposes: readonly Purpose[] | null; lines: readonly string[] | null };

export function scopeOf(user: Scoped, teamLines: TeamLines): Scope {
  const teamLinesOrAny = user.teams.length === 0 ? null : linesOf(user.teams, teamLines);
  switch (user.role) {
    case 'compliance': return { kind: 'all' };
    case 'admin':
    case 'agent': return { kind: 'none' };
    case 'qa': return user.purposes.length === 0 ? { kind: 'none' } : { kind: 'some', purposes: user.purposes, lines: teamLinesOrAny };
    // A trainer with teams also hears their teams' quality recordings, to pick exemplary calls
    // and copy them to training; without a team, training only (no "all lines" for quality).
    case 'trainer': return user.teams.length === 0 ? { kind: 'some', purposes: ['training'], lines: null }
      : { kind: 'some', purposes: ['training', 'quality'], lines: linesOf(user.teams, teamLines) };
    // A supervisor without a team supervises nobody: no "all lines" default.
    case 'supervisor': return user.teams.length === 0 ? { kind: 'none' } : { kind: 'some', purposes: null, lines: linesOf(user.teams, teamLines) };
  }
}

export function inScope(scope: Scope, rec: ScopedRecording): boolean {
  switch (scope.kind) {
    case 'all': return true;
    case 'none': return false;
    case 'some': return (scope.purposes === null || scope.purposes.includes(rec.purpose)) && (scope.lines === null || scope.lines.includes(rec.line));
  }
}
