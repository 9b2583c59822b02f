/**
 * The decision at the agent's answer (issue 8): the agent hook reports who
 * answered, and this says whether the call records from now, keeps
 * recording with the agent listed, stops, or stays unrecorded. Pure: the
 * draw is the call's own sampling draw (the keyed hash of its Linkedid, the
 * same number as at entry), so an auditor reproduces both decisions from
 * one value.
 *
 * Order of the rules, strongest first: a line that never records; a caller
 * who hung up, objected, declined or objected before (the caller's word wins
 * over any agent rate); a protected agent (never recorded, not even on a
 * mandatory line: staff representatives' calls are out of reach by law);
 * the recording windows; then the rates: the agent's own, else the team's,
 * else the line's.
 */
import type { AgentProfile, LinePolicy, TeamPolicy } from '../config/schema.js';
import type { FinalDecision } from './consent.js';
import type { AgentRecordReason, AgentSkipReason } from '../pbx/call-control.js';

export interface AnswerAgent {
  /** The config's entry for this agent; undefined = an id the config does not know (the line's rule applies). */
  readonly profile: AgentProfile | undefined;
  /** The agent's team's policy, when the profile names one. */
  readonly team: TeamPolicy | undefined;
  /** In agents.protected. */
  readonly protected: boolean;
}

export interface AnswerInput {
  readonly line: LinePolicy;
  /** What was decided at entry; null when the session was adopted without it. */
  readonly entry: FinalDecision | null;
  /** Whether the call is being recorded when the agent answers. */
  readonly recording: 'recording' | 'not-recording';
  readonly agent: AnswerAgent;
  /** The call's sampling draw, uniform in [0, 1). */
  readonly draw: number;
  /** The instant is inside the line's and the team's windows (src/policy/windows.ts). */
  readonly inWindow: boolean;
}

export type AnswerDecision =
  | { decision: 'start'; reason: AgentRecordReason }
  | { decision: 'attach'; reason: AgentRecordReason }
  /** A recording runs but must not cover this agent: stop it (the part before the answer is kept). */
  | { decision: 'stop'; reason: 'protected-agent' | 'outside-window' }
  | { decision: 'skip'; reason: AgentSkipReason };

/** The rate that applies to this agent on a sampled line, and which rule gave it. */
export function effectiveRate(line: LinePolicy & { mode: 'sampled' }, agent: AnswerAgent): { rate: number; reason: 'agent-rate' | 'team-rate' | 'sampled' } {
  if (agent.profile?.rate !== undefined) return { rate: agent.profile.rate, reason: 'agent-rate' };
  if (agent.team?.rate !== undefined) return { rate: agent.team.rate, reason: 'team-rate' };
  return { rate: line.rate, reason: 'sampled' };
}

export function decideAtAnswer(input: AnswerInput): AnswerDecision {
  const { line, entry, recording, agent, draw } = input;
  if (!(draw >= 0 && draw < 1)) throw new RangeError(`draw must be in [0, 1), got ${draw}`);
  if (line.mode === 'never') return { decision: 'skip', reason: 'line-never' };
  if (entry?.decision === 'skip') {
    switch (entry.reason) {
      case 'caller-hung-up': case 'objected': case 'declined': case 'remembered-objection': case 'line-never': case 'outside-window': case 'protected-agent':
        // The caller was told nothing or said no, or the call was outside the windows at entry
        // (the caller heard nothing then): an agent rate cannot undo that.
        return { decision: 'skip', reason: entry.reason };
      case 'not-sampled':
        break; // the agent's rate may still draw it
    }
  }
  const running = recording === 'recording';
  if (agent.protected) return running ? { decision: 'stop', reason: 'protected-agent' } : { decision: 'skip', reason: 'protected-agent' };
  if (!input.inWindow) return running ? { decision: 'stop', reason: 'outside-window' } : { decision: 'skip', reason: 'outside-window' };
  switch (line.mode) {
    case 'mandatory':
      return running ? { decision: 'attach', reason: 'mandatory' } : { decision: 'start', reason: 'mandatory' };
    case 'consent':
      // Only an explicit yes at entry records; an adopted session without it is already recording or stays so.
      if (running) return { decision: 'attach', reason: 'consented' };
      return entry?.decision === 'record' ? { decision: 'start', reason: 'consented' } : { decision: 'skip', reason: 'declined' };
    case 'sampled': {
      const { rate, reason } = effectiveRate(line, agent);
      // A recording that runs is never undone by a lower agent rate: the caller was sampled already.
      if (running) return { decision: 'attach', reason: entry?.decision === 'record' ? entry.reason : reason };
      return draw < rate ? { decision: 'start', reason } : { decision: 'skip', reason: 'not-sampled' };
    }
  }
}

/**
 * The highest rate any configured agent or team could apply at answer. A
 * call whose draw is below it may be recorded once an agent answers, so its
 * caller must be told at entry whatever `announce` says.
 */
export function answerRateCeiling(agents: Readonly<Record<string, AgentProfile>>, teams: Readonly<Record<string, TeamPolicy>>): number {
  let max = 0;
  for (const a of Object.values(agents)) if (a.rate !== undefined) max = Math.max(max, a.rate);
  for (const t of Object.values(teams)) if (t.rate !== undefined) max = Math.max(max, t.rate);
  return max;
}

/**
 * Can any call of this config start recording at an agent's answer (rather
 * than at entry)? Lines that record from the answer, and sampled lines
 * where an agent or team rate above the line's can draw a call entry did
 * not sample. The doctor asks it: on Asterisk such a start needs the AMI
 * user's `write = system`.
 */
export function answerCanStart(lines: Iterable<LinePolicy>, ceiling: number): boolean {
  for (const line of lines) {
    if (line.mode === 'never') continue;
    if (line.recordFrom === 'answer') return true;
    if (line.mode === 'sampled' && ceiling > line.rate) return true;
  }
  return false;
}

/**
 * Could an agent's answer record this call, which entry did not sample?
 * Only sampled lines re-decide at answer; the draw is the call's.
 */
export function answerMayRecord(line: LinePolicy, draw: number, ceiling: number): boolean {
  return line.mode === 'sampled' && draw < Math.max(line.rate, ceiling);
}

/**
 * check-config's warning: a sampled line with `announce: when-recording`
 * whose callers will hear the notice on calls entry did not sample, because
 * an agent or team rate above the line's could record them at answer.
 * Returns null when nothing is overridden.
 */
export function announceOverride(name: string, line: LinePolicy, ceiling: number): string | null {
  if (line.mode !== 'sampled' || line.announce !== 'when-recording' || ceiling <= line.rate) return null;
  return `lines.${name}: announce is when-recording, but agent or team rates up to ${ceiling} may record calls at answer: callers whose draw is below ${ceiling} hear the notice at entry`;
}
