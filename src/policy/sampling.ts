/**
 * Whether a call is recorded, before the caller says anything. Pure: the
 * random draw is passed in (a keyed hash of the call's Linkedid, so the same
 * call always gets the same answer and an auditor can reproduce it; see
 * samplingDraw in src/calls/draw.ts).
 */
import type { LinePolicy } from '../config/schema.js';

export type SamplingReason =
  | 'mandatory' | 'sampled' | 'agent-rate' | 'consent-required'
  | 'line-never' | 'not-sampled' | 'remembered-objection' | 'outside-window' | 'protected-agent';

export type SamplingDecision =
  | { decision: 'record'; reason: 'mandatory' | 'sampled' | 'agent-rate' }
  | { decision: 'ask'; reason: 'consent-required' }
  | { decision: 'skip'; reason: 'line-never' | 'not-sampled' | 'remembered-objection' | 'outside-window' | 'protected-agent' };

export interface SamplingInput {
  /** Uniform in [0, 1): the call's deterministic draw. */
  draw: number;
  /** The agent's own rate when the agent is known and has one. */
  agentRate?: number | undefined;
  /** The caller objected on an earlier call and objections are remembered. */
  rememberedObjection?: boolean;
  /**
   * The call's instant is inside the line's recording windows (src/policy/windows.ts);
   * absent = no windows. Outside them a call is never recorded, mandatory lines included:
   * whoever sets windows on a regulated line means them.
   */
  inWindow?: boolean;
}

export function decideSampling(line: LinePolicy, input: SamplingInput): SamplingDecision {
  if (!(input.draw >= 0 && input.draw < 1)) throw new RangeError(`draw must be in [0, 1), got ${input.draw}`);
  if (line.mode === 'never') return { decision: 'skip', reason: 'line-never' };
  if (input.inWindow === false) return { decision: 'skip', reason: 'outside-window' };
  switch (line.mode) {
    case 'mandatory':
      // A regulated line records by law: a remembered objection cannot apply.
      return { decision: 'record', reason: 'mandatory' };
    case 'consent':
      if (input.rememberedObjection === true) return { decision: 'skip', reason: 'remembered-objection' };
      return { decision: 'ask', reason: 'consent-required' };
    case 'sampled': {
      if (input.rememberedObjection === true) return { decision: 'skip', reason: 'remembered-objection' };
      const byAgent = input.agentRate !== undefined;
      const rate = byAgent ? input.agentRate! : line.rate;
      if (input.draw < rate) return { decision: 'record', reason: byAgent ? 'agent-rate' : 'sampled' };
      return { decision: 'skip', reason: 'not-sampled' };
    }
  }
}
