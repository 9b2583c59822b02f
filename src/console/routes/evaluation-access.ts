/**
 * The one place a route gets an evaluation for a user, and what the user may
 * do with it. Unknown ids and evaluations out of the user's reach give the
 * same 404 (as recording-access.ts does for recordings). Reviewers (qa,
 * supervisor) and compliance reach the evaluations of lines and purposes in
 * their scope, also once the audio is gone; an agent reaches their own from
 * release on. What each may do is asked of the lifecycle tables
 * (src/quality/evaluation-state.ts) by trying each step, so the buttons a page
 * shows are exactly the steps the POST will accept.
 */
import type { ConsoleApp } from '../console-app.js';
import { getOpsRecording, type OpsRecording } from '../../index/ops-rows.js';
import { getEvaluation, type EvaluationRecord } from '../../index/quality-store.js';
import {
  EVALUATOR_ROLES, answersEditable, transition, visibleToAgent,
  type Actor, type EvaluationEvent, type EventType,
} from '../../quality/evaluation-state.js';
import { notFound } from '../refusal.js';
import { can, inScope, scopeOf } from '../roles.js';
import type { ConsoleUser } from '../store/users.js';
import type { EvaluationActions } from '../views/evaluation.js';

export const EVALUATION_ID = /^ev-[0-9a-f]{24}$/;
export const evaluationParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 40 } } } as const;

export type EvaluationMode = 'reviewer' | 'agent';

export interface VisibleEvaluation {
  ev: EvaluationRecord;
  /** The recording while it is still archived (null once purged: the evaluation outlives it). */
  rec: OpsRecording | null;
  mode: EvaluationMode;
}

export function actorOf(viewer: ConsoleUser): Actor {
  return { username: viewer.username, role: viewer.role, agentHash: viewer.agentHash };
}

export function visibleEvaluation(app: ConsoleApp, viewer: ConsoleUser, id: string): VisibleEvaluation {
  const ev = EVALUATION_ID.test(id) ? getEvaluation(app.index.db, id) : null;
  if (ev === null) throw notFound('evaluation');
  const row = getOpsRecording(app.index.db, ev.recordingId);
  const rec = row !== null && row.status !== 'purged' && row.purgeStartedAt === null ? row : null;
  if (viewer.role === 'agent') {
    if (viewer.agentHash !== null && viewer.agentHash === ev.agentHash && visibleToAgent(ev.state)) return { ev, rec: null, mode: 'agent' };
    throw notFound('evaluation');
  }
  if (!(EVALUATOR_ROLES as readonly string[]).includes(viewer.role) && viewer.role !== 'compliance') throw notFound('evaluation');
  // The line's purpose once the audio is gone: the scope is the same question either way.
  const purpose = rec?.purpose ?? app.config.lines[ev.line]?.purpose ?? null;
  if (purpose === null || !inScope(scopeOf(viewer, app.console.teams), { line: ev.line, purpose })) throw notFound('evaluation');
  return { ev, rec, mode: 'reviewer' };
}

/** Each step with a placeholder text, only to ask the table whether it is allowed (texts are checked on the real POST). */
const PROBES: Record<Exclude<EventType, 'submit' | 'rescore'>, EvaluationEvent> = {
  release: { type: 'release' },
  reopen: { type: 'reopen', reason: 'probe' },
  acknowledge: { type: 'acknowledge' },
  dispute: { type: 'dispute', comment: 'probe' },
  refuse: { type: 'refuse', comment: 'probe' },
  void: { type: 'void', reason: 'probe' },
};

export function evaluationActions(app: ConsoleApp, viewer: ConsoleUser, v: VisibleEvaluation): EvaluationActions {
  const actor = actorOf(viewer);
  const parties = { evaluator: v.ev.evaluator, agentHash: v.ev.agentHash };
  const allowed = (e: EvaluationEvent) => transition(v.ev.state, e, actor, parties, app.now().toISOString()).decision === 'allowed';
  const steps = (Object.keys(PROBES) as Array<keyof typeof PROBES>).filter((k) => allowed(PROBES[k]));
  const answers = answersEditable(v.ev.state) && viewer.username === v.ev.evaluator && (EVALUATOR_ROLES as readonly string[]).includes(viewer.role) ? 'draft'
    : allowed({ type: 'rescore', comment: 'probe' }) ? 'rescore' : 'read';
  const player = v.mode === 'reviewer' && v.rec !== null && can(viewer.role, 'recordings.listen') ? v.rec : null;
  return { answers, steps, player, notes: answers !== 'read' && player !== null };
}

/** How the page names the agent: the PBX id for a reviewer (found through the keyed hash), "you" for the agent. */
export function agentLabel(app: ConsoleApp, v: VisibleEvaluation, you: string): string {
  if (v.ev.agentHash === null) return '—';
  if (v.mode === 'agent') return you;
  if (app.hasher !== null) {
    for (const id of Object.keys(app.config.agents.byId)) if (app.hasher.hex('agent', id) === v.ev.agentHash) return id;
  }
  return `#${v.ev.agentHash.slice(0, 12)}`;
}
