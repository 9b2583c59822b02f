/**
 * The gate before live listening ("double écoute": ChanSpy, eavesdrop). A
 * supervisor may listen to an agent only inside the windows the agent was
 * told about, never to a protected agent, and only to a live call callvault
 * knows. Pure; the daemon gathers the facts and the adapter applies the
 * answer (no answer at all means no listening: fail closed).
 */
import type { MonitorRefusal } from '../pbx/call-control.js';

export interface MonitorFacts {
  /** The target agent is in agents.protected. */
  readonly protected: boolean;
  /** The instant is inside the windows of the agent's call (line and team). */
  readonly inWindow: boolean;
  /** A live call with that agent on it was found. */
  readonly liveCall: boolean;
}

export type MonitorDecision = { decision: 'allow' } | { decision: 'refuse'; reason: MonitorRefusal };

export function decideMonitor(f: MonitorFacts): MonitorDecision {
  // Protection first: even the existence of a call of a protected agent is not confirmed.
  if (f.protected) return { decision: 'refuse', reason: 'protected-agent' };
  if (!f.liveCall) return { decision: 'refuse', reason: 'no-live-call' };
  if (!f.inWindow) return { decision: 'refuse', reason: 'outside-window' };
  return { decision: 'allow' };
}
