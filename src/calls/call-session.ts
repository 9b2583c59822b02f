/**
 * One session per call: runs the consent dialogue through the adapter's
 * DialogueChannel, starts the recording when the policy says so, pauses it
 * around card data, and hands the finished file to the archive. Its state is
 * a CallState changed only through `#to()`, which checks the transition
 * table.
 */
import { join } from 'node:path';
import { stat } from 'node:fs/promises';
import type { Logger } from '../log/logger.js';
import type { ResolvedConfig } from '../config/index.js';
import type { LinePolicy } from '../config/schema.js';
import { CallvaultError, isCallvaultError } from '../errors.js';
import { quarantine } from './quarantine.js';
import type { KeyedHasher } from '../privacy/keyed-hash.js';
import { decideSampling, type SamplingDecision } from '../policy/sampling.js';
import { planDialogue, stepDialogue, concludeRecording, acceptedKeys, type ConsentOutcome, type FinalDecision, type CallerInput } from '../policy/consent.js';
import type { CallInfo, DialogueChannel, RecordingControl, RecordingPosition, PauseAnswer } from '../pbx/call-control.js';
import { canTransition, type CallState, type CallEvent, type PauseInterval } from './call-state.js';
import { newRecordingId } from './recording-id.js';
import { handOff, type SpoolMetadata } from './spool-handoff.js';
import type { RecordingJournal } from './recording-journal.js';
import { normalizePhoneNumber } from '../privacy/phone-number.js';

export interface SessionDeps {
  readonly config: ResolvedConfig;
  readonly hasher: KeyedHasher;
  readonly control: RecordingControl;
  /** Where the PBX's recordings appear on this host (config pbx.*.recordings.local). */
  readonly recordingsDir: string;
  readonly now: () => number;
  readonly logger: Logger;
  /** Remembered objections (keyed caller hashes); absent when the feature is off. */
  readonly objections?: { has(callerHash: string): boolean; remember(callerHash: string): void } | undefined;
  readonly observe?: SessionObserver | undefined;
  /** Durable notes of recordings in progress, so a daemon crash loses no metadata. */
  readonly journal?: RecordingJournal | undefined;
}

/** Hooks for metrics and status: the session reports, it does not count. */
export interface SessionObserver {
  decided?(line: string, decision: FinalDecision, outcome: ConsentOutcome): void;
  consentLatency?(ms: number): void;
  pauseLatency?(ms: number, answer: PauseAnswer): void;
  handedOff?(recordingId: string): void;
  error?(where: string): void;
}

function normalizeCaller(raw: string | null, country: string): string | null {
  if (raw === null) return null;
  try { return normalizePhoneNumber(raw, country); } catch { return raw; }
}

/** How long the daemon waits for the PBX to confirm a mute before it fails closed. */
export const PAUSE_DEADLINE_MS = 1500;

export function withDeadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

export class CallSession {
  readonly info: CallInfo;
  readonly #deps: SessionDeps;
  readonly #log: Logger;
  #state: CallState = { kind: 'dialogue' };
  #line: { name: string; policy: LinePolicy } | null = null;
  #decision: FinalDecision | null = null;
  #outcome: ConsentOutcome = 'not-asked';
  readonly #pauses: PauseInterval[] = [];
  #fileFinished = false;
  #channels: 1 | 2 = 1;
  #handoff: Promise<void> | null = null;
  /** The caller in E.164 when it parses (so hashes match `subject find`), else as the PBX gave it. */
  readonly #caller: string | null;

  constructor(info: CallInfo, deps: SessionDeps) {
    this.info = info;
    this.#deps = deps;
    this.#caller = normalizeCaller(info.caller, deps.config.ops.defaultCountry);
    this.#log = deps.logger.child({
      call: info.callId,
      pbx: info.pbx,
      line: info.line,
      // From the E.164 form, as every other caller hash: the PBX's raw caller ID differs from the
      // journal's normalised one, and a restart that adopts the call would log another hash.
      ...(this.#caller !== null ? { callerHash: deps.hasher.short('log', this.#caller) } : {}),
    });
  }

  get state(): CallState { return this.#state; }
  get pauses(): readonly PauseInterval[] { return this.#pauses; }
  get decision(): FinalDecision | null { return this.#decision; }

  #to(event: CallEvent, next: CallState): boolean {
    if (!canTransition(this.#state.kind, event, next.kind)) {
      const err = new CallvaultError('CV_ERR_CALL_TRANSITION', [this.#state.kind, next.kind, event]);
      this.#log.error({ err }, 'session: illegal transition ignored');
      this.#deps.observe?.error?.('transition');
      return false;
    }
    this.#log.debug({ from: this.#state.kind, to: next.kind, event }, 'session: transition');
    this.#state = next;
    return true;
  }

  #resolveLine(): { name: string; policy: LinePolicy } {
    const { lines, defaultLine } = this.#deps.config;
    const own = lines[this.info.line];
    if (own) return { name: this.info.line, policy: own };
    if (defaultLine !== undefined) return { name: defaultLine, policy: lines[defaultLine]! };
    // An unknown line is a dialplan mistake; not recording is the safe side of it.
    this.#log.warn('consent: unknown line, not recording');
    return { name: this.info.line, policy: { mode: 'never', purpose: 'quality', announce: 'never' } };
  }

  #sampling(line: LinePolicy): SamplingDecision {
    const { hasher, config, objections } = this.#deps;
    const agentRate = this.info.agent !== null ? config.agents.byId[this.info.agent]?.rate : undefined;
    const remembered = objections !== undefined && this.#caller !== null && objections.has(hasher.hex('objection', this.#caller));
    return decideSampling(line, { draw: hasher.unit('sampling', this.info.linkedId), agentRate, rememberedObjection: remembered });
  }

  /** The consent dialogue, from the AGI/ESL request to the outcome left on the channel. */
  async runDialogue(channel: DialogueChannel, requestedAt = this.#deps.now()): Promise<void> {
    const line = this.#resolveLine();
    this.#line = line;
    const sampling = this.#sampling(line.policy);
    const plan = planDialogue(line.policy, sampling);
    const keys = acceptedKeys(plan);
    let outcome: ConsentOutcome = 'not-asked';
    try {
      if (plan.kind !== 'silent') {
        this.#deps.observe?.consentLatency?.(this.#deps.now() - requestedAt);
        let replays = 0;
        let prompt = plan.prompt as Parameters<DialogueChannel['ask']>[0];
        for (;;) {
          const input: CallerInput = await channel.ask(prompt, keys, plan.timeoutMs);
          const step = stepDialogue(plan, input, replays);
          if (step.next === 'done') {
            outcome = step.outcome;
            if (step.ack && outcome !== 'caller-hung-up') await channel.play(step.ack);
            break;
          }
          replays++;
          if (step.next === 'play-info-then-ask-again') {
            if ((await channel.play('notice-full')) === 'hangup') { outcome = 'caller-hung-up'; break; }
          }
          prompt = plan.prompt;
        }
      }
    } catch (err) {
      // The caller must not wait on us: a broken dialogue ends unrecorded
      // (mandatory lines included: better a gap than a blocked call).
      this.#log.warn({ err }, 'consent: dialogue failed, not recording');
      this.#deps.observe?.error?.('dialogue');
      outcome = 'caller-hung-up';
    }
    this.#outcome = outcome;
    if (outcome === 'objected' && this.#deps.objections && this.#caller !== null) {
      try {
        this.#deps.objections.remember(this.#deps.hasher.hex('objection', this.#caller));
      } catch (err) {
        this.#log.warn({ err }, 'consent: could not remember the objection');
      }
    }
    const decision = concludeRecording(sampling, outcome);
    this.#decision = decision;
    this.#deps.observe?.decided?.(line.name, decision, outcome);
    this.#log.info({ decision: decision.decision, reason: decision.reason, consent: outcome }, 'consent: decided');

    const vars: Record<string, string> = {
      CALLVAULT_DECISION: decision.decision,
      CALLVAULT_REASON: decision.reason,
      CALLVAULT_CONSENT: outcome,
      CALLVAULT_LINE: line.name,
      CALLVAULT_PURPOSE: line.policy.purpose,
    };
    if (decision.decision === 'record' && this.#state.kind === 'dialogue') {
      const recordingId = newRecordingId(new Date(this.#deps.now()));
      this.#to('start', { kind: 'starting', recordingId });
      try {
        const started = await channel.startRecording(recordingId);
        this.#channels = started?.channels ?? 1;
        this.#to('started', { kind: 'recording', recordingId, startedAt: this.#deps.now() });
        vars.CALLVAULT_RECORDING_ID = recordingId;
        this.#journal();
        this.#log.info({ recordingId }, 'recording: started');
      } catch (err) {
        this.#log.error({ err, recordingId }, 'recording: start failed, call goes on unrecorded');
        this.#deps.observe?.error?.('start');
        this.#to('start-failed', { kind: 'unrecorded', reason: 'start-failed' });
        vars.CALLVAULT_DECISION = 'skip';
        vars.CALLVAULT_REASON = 'start-failed';
      }
    } else if (this.#state.kind === 'dialogue') {
      this.#to('skip', { kind: 'unrecorded', reason: decision.reason });
    }
    try {
      await channel.setOutcome(vars);
    } catch (err) {
      this.#log.warn({ err }, 'consent: could not leave the outcome on the channel');
    }
  }

  /** Recreates a session for a call that was being recorded before a daemon restart or AMI reconnect. */
  adoptRecording(recordingId: string, startedAt: number, line: { name: string; policy: LinePolicy } | null, decision: FinalDecision | null, outcome: ConsentOutcome, paused: boolean, pauses: readonly PauseInterval[] = []): void {
    this.#line = line;
    this.#decision = decision;
    this.#outcome = outcome;
    this.#pauses.push(...pauses.map((p) => ({ ...p })));
    this.#state = paused
      ? { kind: 'paused', recordingId, startedAt, pausedAt: startedAt }
      : { kind: 'recording', recordingId, startedAt };
    if (paused && this.#pauses.at(-1)?.endOffsetMs !== null) this.#pauses.push({ startOffsetMs: Math.max(0, Math.round(this.#deps.now() - startedAt)), endOffsetMs: null, outcome: 'muted' });
    this.#log.info({ recordingId, paused }, 'session: adopted a recording in progress');
  }

  async paymentEnter(requestedAt = this.#deps.now()): Promise<PauseAnswer> {
    const s = this.#state;
    const answer = await this.#pause(s, requestedAt);
    this.#deps.observe?.pauseLatency?.(this.#deps.now() - requestedAt, answer);
    return answer;
  }

  async #pause(s: CallState, requestedAt: number): Promise<PauseAnswer> {
    if (s.kind === 'paused') return 'confirmed';
    if (s.kind === 'stopped-closed') return 'failed';
    if (s.kind !== 'recording') return 'not-recording';
    this.#to('pause', { kind: 'pausing', recordingId: s.recordingId, startedAt: s.startedAt, requestedAt });
    const offset = Math.max(0, Math.round(requestedAt - s.startedAt));
    try {
      const at = await withDeadline(this.#deps.control.mute(this.info.channel, s.recordingId, PAUSE_DEADLINE_MS), PAUSE_DEADLINE_MS, 'mute');
      if (this.#state.kind !== 'pausing') return 'failed'; // hung up meanwhile
      this.#to('paused', { kind: 'paused', recordingId: s.recordingId, startedAt: s.startedAt, pausedAt: this.#deps.now() });
      // The PBX's own position in the file wins over the wall clock: the file's timeline can lag it.
      this.#pauses.push({ startOffsetMs: at?.offsetMs ?? offset, endOffsetMs: null, outcome: 'muted' });
      this.#journal();
      this.#log.info({ recordingId: s.recordingId }, 'payment: recording muted');
      return 'confirmed';
    } catch (err) {
      // Fail closed: the dialplan stops the recording itself when it does not
      // hear "confirmed"; we also ask the PBX to stop it, in case the dialplan was changed.
      this.#log.error({ err, recordingId: s.recordingId }, 'payment: mute not confirmed, stopping the recording');
      this.#deps.observe?.error?.('pause');
      if (this.#state.kind === 'pausing') {
        this.#to('pause-failed', { kind: 'stopped-closed', recordingId: s.recordingId, startedAt: s.startedAt, stoppedAt: this.#deps.now() });
        this.#pauses.push({ startOffsetMs: offset, endOffsetMs: null, outcome: 'stopped' });
        this.#journal();
      }
      this.#deps.control.stop(this.info.channel, s.recordingId).catch((stopErr: unknown) => {
        this.#log.warn({ err: stopErr }, 'payment: stop through the PBX link failed too; the dialplan stops it');
      });
      return 'failed';
    }
  }

  /** The dialplan stopped the recording on its own (it did not hear "confirmed" in time). */
  failedClosedByPbx(): void {
    const s = this.#state;
    if (s.kind !== 'recording' && s.kind !== 'pausing' && s.kind !== 'paused') return;
    const now = this.#deps.now();
    this.#to('pause-failed', { kind: 'stopped-closed', recordingId: s.recordingId, startedAt: s.startedAt, stoppedAt: now });
    const open = this.#pauses.at(-1);
    if (open && open.endOffsetMs === null) open.outcome = 'stopped';
    else this.#pauses.push({ startOffsetMs: Math.round(now - s.startedAt), endOffsetMs: null, outcome: 'stopped' });
    this.#journal();
    this.#log.warn({ recordingId: s.recordingId }, 'payment: the PBX stopped the recording (fail closed)');
  }

  async paymentExit(): Promise<'resumed' | 'not-recording' | 'stays-stopped' | 'failed'> {
    const s = this.#state;
    if (s.kind === 'stopped-closed') return 'stays-stopped';
    if (s.kind === 'recording') return 'resumed';
    if (s.kind !== 'paused') return 'not-recording';
    let at: void | RecordingPosition;
    try {
      at = await withDeadline(this.#deps.control.unmute(this.info.channel, s.recordingId, PAUSE_DEADLINE_MS), PAUSE_DEADLINE_MS, 'unmute');
    } catch (err) {
      // Staying muted loses audio, never card data: log it and keep the pause open.
      this.#log.error({ err, recordingId: s.recordingId }, 'payment: unmute failed, recording stays muted');
      this.#deps.observe?.error?.('unmute');
      // Say so in the metadata: silence from here to the end is not a payment.
      const open = this.#pauses.at(-1);
      if (open && open.endOffsetMs === null && open.outcome === 'muted') { open.outcome = 'muted-to-end'; this.#journal(); }
      return 'failed';
    }
    if (this.#state.kind !== 'paused') return 'not-recording';
    const open = this.#pauses.at(-1);
    if (open && open.endOffsetMs === null) {
      open.endOffsetMs = at?.offsetMs ?? Math.round(this.#deps.now() - s.startedAt);
      if (open.outcome === 'muted-to-end') open.outcome = 'muted'; // an earlier unmute failed, this one came
    }
    this.#to('resume', { kind: 'recording', recordingId: s.recordingId, startedAt: s.startedAt });
    this.#journal();
    this.#log.info({ recordingId: s.recordingId }, 'payment: recording resumed');
    return 'resumed';
  }

  /** The channel hung up. Returns the hand-off promise when a recording must be archived. */
  hangup(): Promise<void> | null {
    const s = this.#state;
    if (s.kind === 'ended' || s.kind === 'handed-off') return this.#handoff;
    const recordingId = 'recordingId' in s ? s.recordingId : null;
    const startedAt = 'startedAt' in s ? s.startedAt : null;
    const endedAt = this.#deps.now();
    this.#to('hangup', { kind: 'ended', recordingId, startedAt, endedAt });
    for (const p of this.#pauses) if (p.endOffsetMs === null && startedAt !== null) p.endOffsetMs = Math.round(endedAt - startedAt);
    if (recordingId === null || startedAt === null) return null;
    if (this.#fileFinished) return this.#startHandoff();
    return null;
  }

  /** The PBX closed the recording file. */
  fileFinished(): Promise<void> | null {
    this.#fileFinished = true;
    if (this.#state.kind === 'ended' && this.#state.recordingId !== null) return this.#startHandoff();
    return null;
  }

  /** The spool metadata as known now (endedAt null while the call goes on). */
  #metadata(recordingId: string, startedAt: number, endedAt: number | null): Omit<SpoolMetadata, 'endedAt'> & { endedAt: string | null } {
    const line = this.#line;
    return {
      version: 1,
      recordingId,
      pbx: this.info.pbx,
      callId: this.info.callId,
      linkedId: this.info.linkedId,
      line: line?.name ?? this.info.line,
      purpose: line?.policy.purpose ?? 'quality',
      decision: this.#decision?.reason ?? 'recovered',
      consent: this.#outcome,
      language: this.info.language,
      caller: this.#caller,
      agent: this.info.agent,
      startedAt: new Date(startedAt).toISOString(),
      endedAt: endedAt === null ? null : new Date(endedAt).toISOString(),
      channels: this.#channels,
      pauses: this.#pauses.map((p) => ({ ...p })),
      wav: `${recordingId}.wav`,
    };
  }

  #journal(): void {
    const s = this.#state;
    if (!this.#deps.journal || !('recordingId' in s) || s.recordingId === null || !('startedAt' in s) || s.startedAt === null) return;
    try {
      this.#deps.journal.write(this.#metadata(s.recordingId, s.startedAt, null));
    } catch (err) {
      this.#log.warn({ err }, 'recording: cannot write the journal; a crash now would lose this call\'s metadata');
    }
  }

  #startHandoff(): Promise<void> {
    if (this.#handoff) return this.#handoff;
    const s = this.#state;
    if (s.kind !== 'ended' || s.recordingId === null || s.startedAt === null) return Promise.resolve();
    const { recordingId, startedAt, endedAt } = s;
    const meta = { ...this.#metadata(recordingId, startedAt, endedAt), endedAt: new Date(endedAt).toISOString() };
    const source = join(this.#deps.recordingsDir, `${recordingId}.wav`);
    this.#handoff = (async () => {
      await stat(source); // a missing file is an error worth its own log line
      if (this.#deps.control.alignPauses && meta.pauses.length > 0) {
        try {
          meta.pauses = await this.#deps.control.alignPauses(recordingId, this.#channels, meta.pauses);
        } catch (err) {
          // The wall-clock offsets are a worse guess, not a wrong one: hand off with them.
          this.#log.warn({ err, recordingId }, 'recording: could not read the pauses from the file; wall-clock offsets kept');
        }
      }
      await handOff(this.#deps.config.storage.spool, source, meta);
      this.#to('file-finished', { kind: 'handed-off', recordingId });
      this.#deps.journal?.remove(recordingId);
      this.#deps.observe?.handedOff?.(recordingId);
      this.#log.info({ recordingId, pauses: meta.pauses.length }, 'recording: handed to the archive');
    })().catch((err: unknown) => {
      this.#deps.observe?.error?.('handoff');
      if (isCallvaultError(err, 'CV_ERR_SPOOL_REFUSED')) {
        // Never again: move it aside so that the call ends and nothing else waits on it.
        const where = quarantine(this.#deps.config.storage.dir, source, { recordingId, reason: err.message, metadata: meta });
        this.#to('file-refused', { kind: 'quarantined', recordingId, reason: err.message });
        this.#deps.journal?.remove(recordingId);
        this.#log.error({ err, recordingId, quarantine: where }, 'recording: refused by the spool, moved to quarantine');
        return;
      }
      this.#handoff = null;
      this.#log.error({ err, recordingId }, 'recording: hand-off failed; the file stays where the PBX wrote it');
      throw err;
    });
    return this.#handoff;
  }
}
