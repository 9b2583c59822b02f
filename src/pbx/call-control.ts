/**
 * The one internal interface between a PBX adapter and the call sessions.
 * Adapters (src/pbx/asterisk, src/pbx/freeswitch) translate their protocol
 * into these calls and events and decide nothing; src/calls drives them with
 * the pure policy in src/policy.
 */
import type { CallerInput, PromptName } from '../policy/consent.js';

export type PbxKind = 'asterisk' | 'freeswitch';

/** What the PBX tells us about a call when it hands it over at entry. */
export interface CallInfo {
  readonly pbx: PbxKind;
  /** The channel's own id (Asterisk Uniqueid, FreeSWITCH Unique-ID). */
  readonly callId: string;
  /** Shared by every leg of the call (Asterisk Linkedid, FreeSWITCH Channel-Call-UUID): the sampling key. */
  readonly linkedId: string;
  /** The channel name (Asterisk) or uuid (FreeSWITCH) used to address commands. */
  readonly channel: string;
  readonly line: string;
  readonly agent: string | null;
  /** Personal data: never logged; kept in the encrypted file and as a keyed hash. */
  readonly caller: string | null;
  readonly language: string | null;
}

/**
 * Synchronous control of one call during the consent dialogue (an AGI
 * session, an outbound Event Socket connection). Every method has its own
 * deadline inside the adapter: the call must never wait on us.
 */
export interface DialogueChannel {
  readonly info: CallInfo;
  /** When the PBX's request arrived (epoch ms, sub-ms precision): latency is measured from here. */
  readonly receivedAt?: number;
  /**
   * Plays a prompt and waits up to `waitMs` after it for a key. Only one of
   * `keys` ends the prompt early: any other key pressed while it plays is
   * ignored, since the notice is the legal information and a key that means
   * nothing there must not cut it. After the prompt, the first key pressed
   * within `waitMs` is returned, whichever it is (the policy decides).
   */
  ask(prompt: PromptName, keys: string, waitMs: number): Promise<CallerInput>;
  /** Plays a prompt to the end (no keys). */
  play(prompt: PromptName): Promise<'played' | 'hangup'>;
  /**
   * Starts recording the call to `<recordings dir>/<recordingId>.wav`;
   * resolves once the PBX has started it, with the channel count when the
   * file will be stereo (caller and agent apart), else mono.
   */
  startRecording(recordingId: string): Promise<void | { channels: 1 | 2 }>;
  /** Leaves the outcome on the channel for the dialplan (CALLVAULT_* variables). */
  setOutcome(vars: Readonly<Record<string, string>>): Promise<void>;
}

/** A pause of a recording, in ms of audio from its start (docs/spec.md, "Call states"). */
export interface PauseInterval {
  startOffsetMs: number;
  endOffsetMs: number | null;
  /** See PAUSE_OUTCOMES (src/archive/spool-metadata.ts): muted, stopped (fail closed), muted-to-end (never unmuted). */
  outcome: 'muted' | 'stopped' | 'muted-to-end';
}

/**
 * Where a mute or unmute took effect in the recording, in ms of audio from
 * its start, when the adapter can read it from the PBX (the file's own
 * length). Without it the session uses the wall clock.
 */
export interface RecordingPosition {
  readonly offsetMs: number;
}

/**
 * Asynchronous control of a running recording (AMI, inbound Event Socket).
 * `deadlineMs` is how long the session waits for the PBX's confirmation in
 * all: an adapter whose link is reconnecting may wait for it inside that
 * time (mute and unmute are idempotent, so a retry is safe), never longer.
 */
export interface RecordingControl {
  /** Mutes the recording in both directions; resolves only when the PBX confirmed it. */
  mute(channel: string, recordingId: string, deadlineMs?: number): Promise<void | RecordingPosition>;
  /** Unmutes; resolves only once nothing captured while muted can still reach the file in clear. */
  unmute(channel: string, recordingId: string, deadlineMs?: number): Promise<void | RecordingPosition>;
  /** Stops the recording (fail-closed path). */
  stop(channel: string, recordingId: string): Promise<void>;
  /**
   * The pauses in the finished file's own timeline, for a PBX whose file
   * position cannot be read while it records (Asterisk); absent when the
   * offsets from mute and unmute are already the file's.
   */
  alignPauses?(recordingId: string, channels: 1 | 2, pauses: readonly PauseInterval[]): Promise<PauseInterval[]>;
}

/** What adapters report; sessions react. */
export type PbxEvent =
  | { type: 'hangup'; callId: string }
  /**
   * The PBX says a live-listening session began or ended (Asterisk AMI
   * ChanSpyStart / ChanSpyStop, FreeSWITCH eavesdrop on the supervisor's
   * leg). Keyed by the supervisor's leg: the gate (CallHandlers.monitor)
   * allowed it under that leg's id, and its hangup also ends it.
   */
  | {
    type: 'monitor-started'; supervisorCallId: string; targetCallId: string | null;
    /**
     * The spyer's device (channel name without its per-call suffix, e.g.
     * PJSIP/supervisor): who listened when no gate named them, for a
     * ChanSpy a site's dialplan runs without callvault-monitor.
     */
    supervisorDevice?: string | undefined;
  }
  | { type: 'monitor-ended'; supervisorCallId: string }
  /** The PBX closed the recording file: it is complete and can be archived. */
  | { type: 'recording-finished'; callId: string; recordingId: string }
  /** The dialplan stopped the recording itself because a pause was not confirmed. */
  | { type: 'fail-closed'; callId: string }
  | { type: 'link-up' }
  | { type: 'link-down'; reason: string };

/** A request from the dialplan, outside the consent dialogue (payment pause). */
export interface PaymentRequest {
  readonly pbx: PbxKind;
  readonly callId: string;
  readonly channel: string;
  /** The recording id the dialplan holds for this call, if any (survives daemon restarts). */
  readonly recordingId: string | null;
  /** When the PBX's request arrived (epoch ms, sub-ms precision). */
  readonly receivedAt?: number;
}

/** Epoch milliseconds with sub-millisecond precision, for latency figures. */
export function preciseNow(): number {
  return performance.timeOrigin + performance.now();
}

/** What the dialplan learns from a payment request: only `confirmed` lets the payment IVR run with the recording on. */
export type PauseAnswer = 'confirmed' | 'not-recording' | 'failed';

export interface CallHandlers {
  consent(channel: DialogueChannel): Promise<void>;
  /**
   * The agent leg was connected (see "The agent step" above). Resolves
   * with what the adapter must do on the agent leg; never rejects in a
   * way that blocks the bridge: the adapter's deadline (AGENT_STEP_DEADLINE_MS)
   * wins, and then the leg is bridged with nothing claimed.
   */
  agentAnswered(leg: AgentLeg): Promise<AgentAnswer>;
  /** A supervisor asks to listen to a live call (the dialplan gate before ChanSpy / eavesdrop). */
  monitor(req: MonitorRequest): Promise<MonitorAnswer>;
  paymentEnter(req: PaymentRequest): Promise<PauseAnswer>;
  paymentExit(req: PaymentRequest): Promise<'resumed' | 'not-recording' | 'stays-stopped' | 'failed'>;
}

/** The state of the link to the PBX's event socket, for status and metrics. */
export interface LinkStatus {
  state: 'up' | 'down' | 'connecting';
  /** Epoch ms of the last change. */
  since: number;
  reconnects: number;
  lastError: string | null;
}

/** A recording found running on the PBX when (re)attaching. */
export interface RunningRecording {
  info: CallInfo;
  recordingId: string;
  paused: boolean;
}

/** What the PBX runs now, as one snapshot: the recordings in progress and the ids of live calls. */
export interface PbxInventory { running: RunningRecording[]; live: ReadonlySet<string> }

/**
 * What the dialplan noted about a recording on its own, where it outlives
 * the call (Asterisk: AstDB `callvault/<id>`): the payment pause failed
 * closed, or the unmute after it was not confirmed. The daemon reads these
 * for recordings it could not follow, so their metadata says what happened.
 */
export interface PauseMark {
  readonly kind: 'stopped' | 'unmute-failed';
  /** Epoch ms (the dialplan's clock, to the second). */
  readonly at: number;
}

/** What the daemon needs from a PBX adapter. */
export interface PbxAdapter {
  readonly kind: PbxKind;
  readonly control: RecordingControl;
  /**
   * Recording started at the agent's answer, on the caller's call (see "The
   * agent step"). Absent on an adapter without the agent step yet: the
   * daemon then answers not-recorded (start-failed) where it would start one.
   */
  readonly answerRecording?: AnswerRecordingControl;
  /** Starts listening (FastAGI / outbound ESL) and attaching (AMI / inbound ESL). */
  start(handlers: CallHandlers, onEvent: (event: PbxEvent) => void): Promise<void>;
  /** Recordings running now and the ids of live calls, to reconcile after a (re)connect. */
  inventory(): Promise<PbxInventory>;
  link(): LinkStatus;
  /** The dialplan's own notes on a recording (PauseMark); absent when the PBX keeps none. */
  pauseMarks?(recordingId: string): Promise<PauseMark[]>;
  stop(): Promise<void>;
}

/*
 * ---------------------------------------------------------------------------
 * The agent step (issue 8), for adapter authors.
 *
 * At entry callvault rarely knows the agent: the call waits in a queue and
 * one of many agents answers. The user's dialplan therefore hangs a hook on
 * the AGENT leg once it is connected, before the bridge (Asterisk: Queue's
 * gosub option or Dial's U(), `callvault-agent(AGENT)`; FreeSWITCH: the
 * equivalent on bridge / mod_callcenter's agent variables). The adapter:
 *
 *  1. builds an AgentLeg: the caller session's key (Asterisk Linkedid,
 *     FreeSWITCH Channel-Call-UUID: the same value as CallInfo.linkedId of
 *     the caller's leg), the agent id as the dialplan passed it, the agent
 *     leg's own id and address, and `receivedAt`;
 *  2. calls CallHandlers.agentAnswered(leg). The daemon finds the caller's
 *     session by the key and decides with the pure policy (agent rate, team,
 *     protected agents, recording windows; the caller's objection wins);
 *  3. when the answer is `record-now`, the daemon has ALREADY asked
 *     PbxAdapter.answerRecording.start() for the CALLER's call and that
 *     start was confirmed; the adapter never starts anything on its own;
 *  4. applies the AgentAnswer on the agent leg only: plays `notice` there
 *     (never into the caller's audio), then sets the outcome variables
 *     (AgentAnswer.vars, CALLVAULT_AGENT_DECISION last as the commit marker,
 *     like CALLVAULT_DECISION at entry).
 *
 * The whole step has a deadline (AGENT_STEP_DEADLINE_MS): past it, or when
 * the daemon is down, the dialplan bridges the call anyway with the outcome
 * unset. A recording whose start was not confirmed is never claimed in the
 * channel variables. Transfers: the next agent's leg runs the same hook and
 * is appended to the session's agents with its offset in the recording.
 *
 * Live listening: the dialplan gate before ChanSpy / eavesdrop sends a
 * MonitorRequest and spies only on `allow`; no answer means no listening
 * (fails closed). The adapter reports the start and end it sees
 * (PbxEvent monitor-started / monitor-ended) so the audit chain holds both.
 * ---------------------------------------------------------------------------
 */

/**
 * How long the agent step may take, request to answer, before the adapter
 * gives up and the dialplan bridges without it. The agent is already on the
 * line: this is dead air for both people.
 */
export const AGENT_STEP_DEADLINE_MS = 1500;

/** The agent leg, as the hook on it reports it. */
export interface AgentLeg {
  readonly pbx: PbxKind;
  /** The caller session's key: Asterisk Linkedid, FreeSWITCH Channel-Call-UUID (= CallInfo.linkedId). */
  readonly linkedId: string;
  /** The agent id as the dialplan passed it (personal data: logged only as a keyed hash). */
  readonly agent: string;
  /** The agent leg's own id (Asterisk Uniqueid, FreeSWITCH Unique-ID). */
  readonly callId: string;
  /** The agent leg's address for commands (Asterisk channel name, FreeSWITCH uuid). */
  readonly channel: string;
  /** Language of the agent notice when the dialplan sets one (CALLVAULT_AGENT_LANGUAGE), else null. */
  readonly language: string | null;
  /** When the PBX's request arrived (epoch ms, sub-ms precision): the bench measures from here. */
  readonly receivedAt?: number;
}

/** The prompts played to the agent leg only (prompts/text/<lang>.txt, like the caller's). */
export type AgentPromptName = 'agent-notice';

/** What the agent hears before the bridge when the call is recorded. */
export type AgentNotice =
  | { kind: 'prompt'; prompt: AgentPromptName; language: string }
  | { kind: 'beep' };

/** Why a call is not recorded after the agent answered (policy values; src/policy/answer.ts). */
export type AgentSkipReason =
  | 'objected' | 'declined' | 'line-never' | 'not-sampled' | 'remembered-objection'
  | 'protected-agent' | 'outside-window' | 'unknown-call' | 'start-failed' | 'caller-hung-up' | 'error'
  /** The recording was stopped before (payment fail closed): nothing restarts it. */
  | 'recording-stopped';

/** Why a call is recorded after the agent answered. */
export type AgentRecordReason = 'mandatory' | 'sampled' | 'agent-rate' | 'team-rate' | 'consented';

/**
 * The daemon's answer to AgentLeg. `vars` are the CALLVAULT_* variables to
 * set on the agent leg (CALLVAULT_AGENT_DECISION last); `notice` is played
 * on the agent leg first, or nothing when null.
 */
export type AgentAnswer =
  /** Recording started now on the caller's call (confirmed by the PBX) because of this answer. */
  | { action: 'record-now'; reason: AgentRecordReason; recordingId: string; notice: AgentNotice | null; vars: Readonly<Record<string, string>> }
  /** The call was already being recorded; this agent is now listed on it. */
  | { action: 'attached'; reason: AgentRecordReason; recordingId: string; notice: AgentNotice | null; vars: Readonly<Record<string, string>> }
  /** Not recorded (or the recording was stopped for a protected agent): nothing to play. */
  | { action: 'not-recorded'; reason: AgentSkipReason; vars: Readonly<Record<string, string>> };

/** Options of a recording started at answer. */
export interface AnswerRecordingOptions {
  /**
   * A periodic beep into the recorded call every N seconds (Asterisk
   * MixMonitor B(N); FreeSWITCH the equivalent), so the agent keeps being
   * told; absent = none.
   */
  readonly periodicBeepSeconds?: number;
  /** Caller and agent on separate channels, as the entry recording would be. */
  readonly stereo?: boolean;
}

/** The caller's call as the session knows it: where to start the recording. */
export interface CallerLegRef {
  /** CallInfo.callId of the caller's leg. */
  readonly callId: string;
  /** CallInfo.channel of the caller's leg. */
  readonly channel: string;
  readonly linkedId: string;
  /** The line id, left on the caller's channel as at entry (CALLVAULT_LINE) for restarts. */
  readonly line: string;
}

/**
 * Starts a recording on the CALLER's call at the agent's answer (Asterisk:
 * AMI MixMonitor on the caller's channel, then CALLVAULT_RECORDING_ID and
 * CALLVAULT_MIXMONITOR_ID set there so the payment subroutines and a
 * restarted daemon find it; FreeSWITCH: uuid_record on the caller's uuid).
 * Resolves only once the PBX confirmed the start, within `deadlineMs`;
 * the file is `<recordings dir>/<recordingId>.wav` as at entry and ends with
 * the same recording-finished event.
 */
export interface AnswerRecordingControl {
  start(caller: CallerLegRef, recordingId: string, options: AnswerRecordingOptions, deadlineMs: number): Promise<{ channels: 1 | 2 }>;
}

export type MonitorMode = 'listen' | 'whisper' | 'barge';

/** A supervisor's request to listen to a live call (the gate before ChanSpy / eavesdrop). */
export interface MonitorRequest {
  readonly pbx: PbxKind;
  /** The supervisor id as the dialplan passed it (logged and audited as a keyed hash). */
  readonly supervisor: string;
  /** The supervisor's own leg (its hangup ends the session if the PBX reports no end). */
  readonly supervisorCallId: string;
  /** Whom to listen to: an agent id (the daemon finds the agent's live call) or a channel. */
  readonly target: { kind: 'agent'; agent: string } | { kind: 'channel'; channel: string };
  readonly mode: MonitorMode;
  readonly receivedAt?: number;
}

export type MonitorRefusal = 'protected-agent' | 'outside-window' | 'no-live-call' | 'unknown-agent' | 'error';

/**
 * The gate's answer. On `allow` the dialplan spies on `channel` (the
 * agent leg to spy on, as the PBX addresses it) with the requested mode;
 * anything else, or no answer at all, means no listening.
 */
export type MonitorAnswer =
  | { decision: 'allow'; monitorId: string; channel: string }
  | { decision: 'refuse'; reason: MonitorRefusal };
