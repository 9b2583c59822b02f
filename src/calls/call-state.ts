/**
 * A call's state as a discriminated union, and the explicit table of legal
 * transitions. Anything not in the table is a bug: it is logged with
 * CV_ERR_CALL_TRANSITION and the state is left unchanged, never silently
 * accepted (a lost "paused" would mean card data in a recording).
 */
import type { FinalDecision } from '../policy/consent.js';

// Shared with the adapters (alignPauses), so it lives in the PBX interface.
export type { PauseInterval } from '../pbx/call-control.js';

export type CallState =
  | { kind: 'dialogue' }
  /**
   * The caller was told; whether to record waits for an agent's answer
   * (recordFrom: answer, or a draw an agent's rate may still take). Left
   * only by a start at answer or the hangup: an agent who does not record
   * it (protected, not drawn) leaves it waiting for the next (transfer).
   */
  | { kind: 'awaiting-agent' }
  | { kind: 'unrecorded'; reason: FinalDecision['reason'] | 'start-failed' }
  | { kind: 'starting'; recordingId: string }
  | { kind: 'recording'; recordingId: string; startedAt: number }
  | { kind: 'pausing'; recordingId: string; startedAt: number; requestedAt: number }
  | { kind: 'paused'; recordingId: string; startedAt: number; pausedAt: number }
  /** Stopped before the end: a payment pause not confirmed (fail closed), or an agent who must not be recorded answered. */
  | { kind: 'stopped-closed'; recordingId: string; startedAt: number; stoppedAt: number }
  | { kind: 'ended'; recordingId: string | null; startedAt: number | null; endedAt: number }
  | { kind: 'handed-off'; recordingId: string }
  /** The spool refused the file for good (not a WAV it takes, metadata that does not validate): moved aside, reported. */
  | { kind: 'quarantined'; recordingId: string; reason: string };

export type CallEvent =
  | 'skip' | 'defer' | 'start' | 'started' | 'start-failed' | 'agent-stop'
  | 'pause' | 'paused' | 'pause-failed' | 'resume'
  | 'hangup' | 'file-finished' | 'file-refused';

export type StateKind = CallState['kind'];

/** from -> event -> allowed target kinds. */
export const TRANSITIONS: Readonly<Record<StateKind, Partial<Record<CallEvent, readonly StateKind[]>>>> = {
  'dialogue': { skip: ['unrecorded'], defer: ['awaiting-agent'], start: ['starting'], hangup: ['ended'] },
  'awaiting-agent': { start: ['starting'], hangup: ['ended'] },
  'starting': { started: ['recording'], 'start-failed': ['unrecorded'], hangup: ['ended'] },
  'recording': { pause: ['pausing'], 'pause-failed': ['stopped-closed'], 'agent-stop': ['stopped-closed'], hangup: ['ended'] },
  'pausing': { paused: ['paused'], 'pause-failed': ['stopped-closed'], hangup: ['ended'] },
  'paused': { resume: ['recording'], 'pause-failed': ['stopped-closed'], 'agent-stop': ['stopped-closed'], hangup: ['ended'] },
  'stopped-closed': { hangup: ['ended'] },
  'unrecorded': { hangup: ['ended'] },
  'ended': { 'file-finished': ['handed-off'], 'file-refused': ['quarantined'] },
  'handed-off': {},
  'quarantined': {},
};

export function canTransition(from: StateKind, event: CallEvent, to: StateKind): boolean {
  return TRANSITIONS[from][event]?.includes(to) ?? false;
}
