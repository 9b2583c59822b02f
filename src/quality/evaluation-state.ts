/**
 * The lifecycle of an evaluation, as a discriminated union with one
 * transition table: draft -> submitted -> released to the agent, who
 * acknowledges or disputes (with a comment); a dispute ends in a rescore or
 * a refusal; any evaluation can be voided, with a reason. Who may do each
 * step is a second table. Pure (the time is passed in); an illegal step is a
 * refusal value the route turns into a 409/403 and logs, never ignored.
 * Every allowed step is written to the audit chain by the caller
 * (`auditAction`), so the chain tells the whole history.
 */

/** The console's roles (src/console/roles.ts), repeated structurally so this layer never imports the console. */
export type ActorRole = 'admin' | 'qa' | 'trainer' | 'supervisor' | 'agent' | 'compliance';

export type EvaluationState =
  | { readonly state: 'draft' }
  | { readonly state: 'submitted'; readonly at: string }
  | { readonly state: 'released'; readonly at: string }
  | { readonly state: 'acknowledged'; readonly at: string; readonly comment: string | null }
  | { readonly state: 'disputed'; readonly at: string; readonly comment: string }
  | { readonly state: 'rescored'; readonly at: string; readonly by: string; readonly comment: string }
  | { readonly state: 'dispute-refused'; readonly at: string; readonly by: string; readonly comment: string }
  | { readonly state: 'void'; readonly at: string; readonly by: string; readonly reason: string; readonly from: StateName };

export type StateName = EvaluationState['state'];
export const STATE_NAMES: readonly StateName[] = ['draft', 'submitted', 'released', 'acknowledged', 'disputed', 'rescored', 'dispute-refused', 'void'];

export type EvaluationEvent =
  | { readonly type: 'submit' }
  /** Sent back to its author before release (a QA lead's review). */
  | { readonly type: 'reopen'; readonly reason: string }
  | { readonly type: 'release' }
  | { readonly type: 'acknowledge'; readonly comment?: string | undefined }
  | { readonly type: 'dispute'; readonly comment: string }
  /** The answers were changed and scored again; the caller stores the new answers. */
  | { readonly type: 'rescore'; readonly comment: string }
  | { readonly type: 'refuse'; readonly comment: string }
  | { readonly type: 'void'; readonly reason: string };

export type EventType = EvaluationEvent['type'];

/** The one transition table: from each state, which event leads where. Absent = illegal. */
export const TRANSITIONS: Readonly<Record<StateName, Partial<Record<EventType, StateName>>>> = {
  draft: { submit: 'submitted', void: 'void' },
  submitted: { reopen: 'draft', release: 'released', void: 'void' },
  released: { acknowledge: 'acknowledged', dispute: 'disputed', void: 'void' },
  acknowledged: { void: 'void' },
  disputed: { rescore: 'rescored', refuse: 'dispute-refused', void: 'void' },
  // The agent may acknowledge the new score; one dispute per evaluation, so no second one.
  rescored: { acknowledge: 'acknowledged', void: 'void' },
  'dispute-refused': { void: 'void' },
  void: {},
};

/**
 * Who may send each event. `author`: only the evaluator; `agent`: only the
 * agent evaluated; `other-than-author`: a reviewer who is not the evaluator
 * (a dispute is judged by someone else than the person disputed).
 */
export type Party = 'author' | 'agent' | 'any' | 'other-than-author';
export const WHO: Readonly<Record<EventType, { readonly roles: readonly ActorRole[]; readonly party: Party }>> = {
  submit: { roles: ['qa', 'supervisor'], party: 'author' },
  reopen: { roles: ['qa', 'supervisor'], party: 'any' },
  release: { roles: ['qa', 'supervisor'], party: 'any' },
  acknowledge: { roles: ['agent'], party: 'agent' },
  dispute: { roles: ['agent'], party: 'agent' },
  rescore: { roles: ['qa', 'supervisor'], party: 'other-than-author' },
  refuse: { roles: ['qa', 'supervisor'], party: 'other-than-author' },
  // Compliance voids an evaluation made on a recording that should not have been heard.
  void: { roles: ['qa', 'supervisor', 'compliance'], party: 'any' },
};

/** Roles that may start a draft (score a recording they are entitled to hear). */
export const EVALUATOR_ROLES: readonly ActorRole[] = ['qa', 'supervisor'];

export interface Actor {
  readonly username: string;
  readonly role: ActorRole;
  /** Keyed hash of the agent id for agent users (console_users.agent_hash). */
  readonly agentHash: string | null;
}

/** The parts of an evaluation that decide who may act on it. */
export interface EvaluationParties {
  readonly evaluator: string;
  readonly agentHash: string | null;
}

export type TransitionRefusal = 'illegal-transition' | 'role' | 'not-the-author' | 'not-the-agent' | 'own-evaluation' | 'comment-required';

export type TransitionResult =
  | { readonly decision: 'allowed'; readonly next: EvaluationState }
  | { readonly decision: 'refused'; readonly reason: TransitionRefusal };

function textOf(e: EvaluationEvent): string | null {
  switch (e.type) {
    case 'reopen': case 'void': return e.reason;
    case 'dispute': case 'rescore': case 'refuse': return e.comment;
    default: return null;
  }
}

function partyOk(party: Party, actor: Actor, ev: EvaluationParties): TransitionRefusal | null {
  switch (party) {
    case 'any': return null;
    case 'author': return actor.username === ev.evaluator ? null : 'not-the-author';
    case 'other-than-author': return actor.username === ev.evaluator ? 'own-evaluation' : null;
    // An evaluation with no known agent has nobody to acknowledge it: it stays released.
    case 'agent': return actor.agentHash !== null && actor.agentHash === ev.agentHash ? null : 'not-the-agent';
  }
}

/** The next state, or why not. `at` is an ISO time given by the caller (no clock here). */
export function transition(current: EvaluationState, event: EvaluationEvent, actor: Actor, ev: EvaluationParties, at: string): TransitionResult {
  const to = TRANSITIONS[current.state][event.type];
  if (to === undefined) return { decision: 'refused', reason: 'illegal-transition' };
  const who = WHO[event.type];
  if (!who.roles.includes(actor.role)) return { decision: 'refused', reason: 'role' };
  const party = partyOk(who.party, actor, ev);
  if (party !== null) return { decision: 'refused', reason: party };
  const text = textOf(event);
  // A dispute, its resolution, a reopen and a void must say why; an acknowledgement may.
  if (text !== null && text.trim().length === 0) return { decision: 'refused', reason: 'comment-required' };
  const next = ((): EvaluationState => {
    switch (event.type) {
      case 'submit': return { state: 'submitted', at };
      case 'reopen': return { state: 'draft' };
      case 'release': return { state: 'released', at };
      case 'acknowledge': return { state: 'acknowledged', at, comment: event.comment?.trim() || null };
      case 'dispute': return { state: 'disputed', at, comment: event.comment.trim() };
      case 'rescore': return { state: 'rescored', at, by: actor.username, comment: event.comment.trim() };
      case 'refuse': return { state: 'dispute-refused', at, by: actor.username, comment: event.comment.trim() };
      case 'void': return { state: 'void', at, by: actor.username, reason: event.reason.trim(), from: current.state };
    }
  })();
  if (next.state !== to) throw new Error(`transition table says ${to}, builder made ${next.state}`);
  return { decision: 'allowed', next };
}

/** The audit action for an allowed step (`evaluation.submit`, ...). */
export function auditAction(event: EvaluationEvent): string {
  return `evaluation.${event.type}`;
}

/** Whether the agent sees the evaluation on their own page: from release on, and not once voided. */
export function visibleToAgent(s: EvaluationState): boolean {
  return s.state !== 'draft' && s.state !== 'submitted' && s.state !== 'void';
}

/** Whether answers may still change: only a draft is edited; a rescore is its own step. */
export function answersEditable(s: EvaluationState): boolean {
  return s.state === 'draft';
}
