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

/**
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
  /** Starts listening (FastAGI / outbound ESL) and attaching (AMI / inbound ESL). */
  start(handlers: CallHandlers, onEvent: (event: PbxEvent) => void): Promise<void>;
  /** Recordings running now and the ids of live calls, to reconcile after a (re)connect. */
  inventory(): Promise<{ running: RunningRecording[]; live: Set<string> }>;
  link(): LinkStatus;
  /** The dialplan's own notes on a recording (PauseMark); absent when the PBX keeps none. */
  pauseMarks?(recordingId: string): Promise<PauseMark[]>;
  stop(): Promise<void>;
}
