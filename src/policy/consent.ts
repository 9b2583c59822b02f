/**
 * The consent dialogue as pure data: what the caller hears, which keys mean
 * what, and how the dialogue ends. The call session drives the PBX with it;
 * the PBX adapters never decide anything themselves, so Asterisk and
 * FreeSWITCH behave the same.
 */
import type { LinePolicy } from '../config/schema.js';
import type { SamplingDecision } from './sampling.js';

export type PromptName =
  | 'notice-objection'   // "this call may be recorded; press {key} to object"
  | 'notice-mandatory'   // "this call is recorded" (regulated line, no choice)
  | 'notice-consent'     // "press {key} to accept recording"
  | 'notice-full'        // purpose, rights, retention, where to learn more
  | 'objection-ack'      // "your call will not be recorded"
  | 'consent-ack';       // "thank you, your call will be recorded"

export type DialoguePlan =
  | { kind: 'silent' }
  | { kind: 'inform'; prompt: 'notice-mandatory'; infoKey?: string | undefined; timeoutMs: number; maxInfoReplays: number }
  | { kind: 'objection'; prompt: 'notice-objection'; objectionKey: string; infoKey?: string | undefined; timeoutMs: number; maxInfoReplays: number }
  | { kind: 'consent'; prompt: 'notice-consent'; acceptKey: string; infoKey?: string | undefined; timeoutMs: number; maxInfoReplays: number };

export type ConsentOutcome =
  | 'not-asked'      // nothing was played (line never, or not recorded and announce: when-recording)
  | 'informed'       // mandatory line: the caller was told
  | 'no-objection'   // sampled line: no objection key before the timeout
  | 'objected'       // sampled line: the caller pressed the objection key
  | 'accepted'       // consent line: the caller pressed the accept key
  | 'declined'       // consent line: no accept key (timeout or another key)
  | 'caller-hung-up';

export interface PlanOptions {
  /**
   * An agent's answer could still record this call (src/policy/answer.ts,
   * answerMayRecord): the caller must hear the notice now, at entry, even
   * with `announce: when-recording` and a draw that skips it at entry.
   */
  readonly answerMayRecord?: boolean;
}

export function planDialogue(line: LinePolicy, sampling: SamplingDecision, options: PlanOptions = {}): DialoguePlan {
  if (line.mode === 'never' || sampling.reason === 'remembered-objection') return { kind: 'silent' };
  // Outside the windows (or with a protected agent named at entry) nothing is recorded: "this call is recorded" or a
  // consent question would be false. A sampled line with announce: always
  // still says "may be recorded", as it promises.
  if ((sampling.reason === 'outside-window' || sampling.reason === 'protected-agent') && (line.mode !== 'sampled' || line.announce === 'when-recording')) return { kind: 'silent' };
  const shared = { infoKey: line.infoKey, timeoutMs: line.digitTimeoutMs, maxInfoReplays: line.maxInfoReplays };
  switch (line.mode) {
    case 'mandatory':
      return { kind: 'inform', prompt: 'notice-mandatory', ...shared };
    case 'consent':
      return { kind: 'consent', prompt: 'notice-consent', acceptKey: line.acceptKey, ...shared };
    case 'sampled':
      if (sampling.decision === 'skip' && line.announce === 'when-recording' && options.answerMayRecord !== true) return { kind: 'silent' };
      return { kind: 'objection', prompt: 'notice-objection', objectionKey: line.objectionKey, ...shared };
  }
}

/**
 * The keys offered while a notice plays, as the PBX wants them (escape
 * digits): these and only these may cut it (DialogueChannel.ask). A
 * mandatory line without an information key offers none: its notice always
 * plays to the end.
 */
export function acceptedKeys(plan: DialoguePlan): string {
  switch (plan.kind) {
    case 'silent': return '';
    case 'inform': return plan.infoKey ?? '';
    case 'objection': return plan.objectionKey + (plan.infoKey ?? '');
    case 'consent': return plan.acceptKey + (plan.infoKey ?? '');
  }
}

export type CallerInput = { kind: 'key'; key: string } | { kind: 'timeout' } | { kind: 'hangup' };

export type DialogueStep =
  | { next: 'done'; outcome: ConsentOutcome; ack?: 'objection-ack' | 'consent-ack' }
  | { next: 'play-info-then-ask-again' }
  | { next: 'ask-again' };

/**
 * One step of the dialogue. `replays` counts how many times the choice was
 * asked again already; past the limit a stray key counts as silence, so a
 * caller can never be held in the announcement.
 */
export function stepDialogue(plan: DialoguePlan, input: CallerInput, replays: number): DialogueStep {
  if (plan.kind === 'silent') return { next: 'done', outcome: 'not-asked' };
  if (input.kind === 'hangup') return { next: 'done', outcome: 'caller-hung-up' };
  const canReplay = replays < plan.maxInfoReplays;
  if (input.kind === 'key' && plan.infoKey !== undefined && input.key === plan.infoKey && canReplay) {
    return { next: 'play-info-then-ask-again' };
  }
  switch (plan.kind) {
    case 'inform':
      return { next: 'done', outcome: 'informed' };
    case 'objection':
      if (input.kind === 'key' && input.key === plan.objectionKey) return { next: 'done', outcome: 'objected', ack: 'objection-ack' };
      if (input.kind === 'key' && canReplay) return { next: 'ask-again' };
      return { next: 'done', outcome: 'no-objection' };
    case 'consent':
      if (input.kind === 'key' && input.key === plan.acceptKey) return { next: 'done', outcome: 'accepted', ack: 'consent-ack' };
      if (input.kind === 'key' && canReplay) return { next: 'ask-again' };
      return { next: 'done', outcome: 'declined' };
  }
}

export type FinalDecision =
  | { decision: 'record'; reason: 'mandatory' | 'sampled' | 'agent-rate' | 'consented' }
  | { decision: 'skip'; reason: 'line-never' | 'not-sampled' | 'remembered-objection' | 'outside-window' | 'protected-agent' | 'objected' | 'declined' | 'caller-hung-up' };

/** Combines the sampling decision with what the caller said. */
export function concludeRecording(sampling: SamplingDecision, outcome: ConsentOutcome): FinalDecision {
  if (outcome === 'caller-hung-up') return { decision: 'skip', reason: 'caller-hung-up' };
  // The objection is kept even on a call the draw skipped: an agent's answer may re-draw
  // that call (src/policy/answer.ts) and must see that the caller said no.
  if (outcome === 'objected' && sampling.reason !== 'mandatory') return { decision: 'skip', reason: 'objected' };
  if (sampling.decision === 'skip') return { decision: 'skip', reason: sampling.reason };
  if (sampling.decision === 'ask') {
    return outcome === 'accepted' ? { decision: 'record', reason: 'consented' } : { decision: 'skip', reason: 'declined' };
  }
  if (sampling.reason === 'mandatory') return { decision: 'record', reason: 'mandatory' };
  if (outcome === 'objected') return { decision: 'skip', reason: 'objected' };
  return { decision: 'record', reason: sampling.reason };
}
