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
import { decideAtAnswer, answerMayRecord, answerRateCeiling, type AnswerAgent } from '../policy/answer.js';
import { insideWindows } from '../policy/windows.js';
import { planDialogue, stepDialogue, concludeRecording, acceptedKeys, type ConsentOutcome, type FinalDecision, type CallerInput } from '../policy/consent.js';
import type { AgentAnswer, AgentLeg, AgentNotice, AnswerRecordingControl, CallInfo, DialogueChannel, RecordingControl, RecordingPosition, PauseAnswer } from '../pbx/call-control.js';
import { canTransition, type CallState, type CallEvent, type PauseInterval } from './call-state.js';
import { newRecordingId } from './recording-id.js';
import type { MonitorAudit } from './monitor-register.js';
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
  /** Starts a recording at the agent's answer on the caller's call; absent when the adapter has no agent step. */
  readonly answerRecording?: AnswerRecordingControl | undefined;
  /** Whether the PBX records in stereo (caller and agent apart), as at entry. */
  readonly stereo?: boolean | undefined;
  /** Where live-listening rows go (the audit chain); absent = logged only. */
  readonly monitorAudit?: MonitorAudit | undefined;
}

/** An agent who answered the call, in order (transfers append). */
export interface AgentOnCall {
  readonly agent: string;
  readonly team: string | null;
  /** The agent leg (for live listening and to know when it left). */
  readonly legCallId: string;
  readonly channel: string;
  readonly answeredAt: number;
  /** Where the agent comes in, in ms of the recording; null when the call was not recorded at the answer. */
  readonly offsetMs: number | null;
  leftAt: number | null;
}

/** How long the start of a recording at answer may take: inside AGENT_STEP_DEADLINE_MS with room for the notice and variables. */
export const ANSWER_START_DEADLINE_MS = 1000;

/** Hooks for metrics and status: the session reports, it does not count. */
export interface SessionObserver {
  decided?(line: string, decision: FinalDecision, outcome: ConsentOutcome): void;
  /** A call not recorded at entry started recording at the agent's answer (counted once, at entry, as offered). */
  recordedAtAnswer?(line: string, reason: Extract<AgentAnswer, { action: 'record-now' }>['reason']): void;
  consentLatency?(ms: number): void;
  pauseLatency?(ms: number, answer: PauseAnswer): void;
  handedOff?(recordingId: string): void;
  error?(where: string): void;
}

/** Why an answer cannot reopen a call decided for good at entry. */
function unrecordedReason(reason: FinalDecision['reason'] | 'start-failed'): Extract<AgentAnswer, { action: 'not-recorded' }>['reason'] {
  switch (reason) {
    case 'mandatory': case 'sampled': case 'agent-rate': case 'consented': return 'error';
    default: return reason;
  }
}

function normalizeCaller(raw: string | null, country: string): string | null {
  if (raw === null) return null;
  try { return normalizePhoneNumber(raw, country); } catch { return raw; }
}

/** How long the consent outcome waits for the journal of a recording that started (off the event loop). */
const JOURNAL_START_WAIT_MS = 1000;

/** How long the daemon waits for the PBX to confirm a mute before it fails closed. */
export const PAUSE_DEADLINE_MS = 1500;

/** Whether `p` settles within `ms` (false: it is still pending; it is not cancelled). */
export function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.then(() => true, () => true),
    new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), ms); }),
  ]).finally(() => clearTimeout(timer));
}

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
  readonly #agents: AgentOnCall[] = [];
  /** Agent steps run one at a time per call (a transfer's answer waits for the first's start). */
  #agentChain: Promise<unknown> = Promise.resolve();

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
  get agents(): readonly AgentOnCall[] { return this.#agents; }
  /** The line as resolved at entry (or adoption); null before. */
  get line(): { name: string; policy: LinePolicy } | null { return this.#line; }

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

  #draw(): number {
    return this.#deps.hasher.unit('sampling', this.info.linkedId);
  }

  #sampling(line: LinePolicy): SamplingDecision {
    const { hasher, objections } = this.#deps;
    const agent = this.info.agent !== null ? this.#agentFacts(this.info.agent) : undefined;
    const agentRate = agent?.profile?.rate ?? agent?.team?.rate;
    const remembered = objections !== undefined && this.#caller !== null && objections.has(hasher.hex('objection', this.#caller));
    const inWindow = line.mode === 'never' || this.#inWindow(line, agent);
    const out = decideSampling(line, { draw: this.#draw(), agentRate, rememberedObjection: remembered, inWindow });
    // An agent named at entry who is protected: the same rule as at answer, before anything starts.
    if (agent?.protected === true && out.decision !== 'skip') return { decision: 'skip', reason: 'protected-agent' };
    return out;
  }

  #agentFacts(id: string): AnswerAgent {
    const { agents, teams } = this.#deps.config;
    const profile = agents.byId[id];
    return { profile, team: profile?.team !== undefined ? teams[profile.team] : undefined, protected: agents.protected.includes(id) };
  }

  /** The line's windows and, with an agent, their team's, at the session clock's now. */
  #inWindow(line: LinePolicy, agent?: AnswerAgent): boolean {
    const lineWindows = line.mode === 'never' ? undefined : line.windows;
    return insideWindows([lineWindows, agent?.team?.windows], new Date(this.#deps.now()), this.#deps.config.timeZone);
  }

  /** The consent dialogue, from the AGI/ESL request to the outcome left on the channel. */
  async runDialogue(channel: DialogueChannel, requestedAt = this.#deps.now()): Promise<void> {
    const line = this.#resolveLine();
    this.#line = line;
    const sampling = this.#sampling(line.policy);
    const ceiling = answerRateCeiling(this.#deps.config.agents.byId, this.#deps.config.teams);
    // Only a call inside its windows and not decided for good may still be drawn at answer.
    const mayAtAnswer = sampling.reason === 'not-sampled' && answerMayRecord(line.policy, this.#draw(), ceiling);
    const plan = planDialogue(line.policy, sampling, { answerMayRecord: mayAtAnswer });
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
    const recordFrom = line.policy.mode === 'never' ? 'entry' : line.policy.recordFrom;
    const deferred = (decision.decision === 'record' && recordFrom === 'answer') || (decision.reason === 'not-sampled' && mayAtAnswer);
    if (deferred && this.#state.kind === 'dialogue') {
      // Nothing runs yet, so nothing is claimed: the agent's answer decides (callvault-agent).
      this.#to('defer', { kind: 'awaiting-agent' });
      vars.CALLVAULT_DECISION = 'at-answer';
    } else if (decision.decision === 'record' && this.#state.kind === 'dialogue') {
      const recordingId = newRecordingId(new Date(this.#deps.now()));
      this.#to('start', { kind: 'starting', recordingId });
      try {
        const started = await channel.startRecording(recordingId);
        this.#channels = started?.channels ?? 1;
        this.#to('started', { kind: 'recording', recordingId, startedAt: this.#deps.now() });
        vars.CALLVAULT_RECORDING_ID = recordingId;
        // Before the outcome goes out: a daemon killed during the call must leave the journal that recovers this file.
        if (!(await settlesWithin(this.#journal(), JOURNAL_START_WAIT_MS))) this.#log.warn({ recordingId }, 'recording: the journal was not written in time; a crash now would leave this file to the PBX directory');
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
    if (this.#state.kind === 'ended' && vars.CALLVAULT_RECORDING_ID === undefined && vars.CALLVAULT_DECISION !== 'skip') {
      // The channel hung up during the dialogue: nothing was started, so the
      // dialplan (and the CDR it leaves) must not read "record".
      vars.CALLVAULT_DECISION = 'skip';
      vars.CALLVAULT_REASON = 'caller-hung-up';
    }
    try {
      await channel.setOutcome(vars);
    } catch (err) {
      this.#log.warn({ err }, 'consent: could not leave the outcome on the channel');
    }
  }

  /**
   * The agent step (call-control.ts, "The agent step"): records the agent on
   * the call and applies the decision at answer. Steps of one call run one
   * after the other, so a transfer's answer sees the first one's recording.
   */
  agentAnswered(leg: AgentLeg): Promise<AgentAnswer> {
    const run = this.#agentChain.then(() => this.#agentStep(leg));
    this.#agentChain = run.catch(() => undefined);
    return run;
  }

  async #agentStep(leg: AgentLeg): Promise<AgentAnswer> {
    const facts = this.#agentFacts(leg.agent);
    const agentHash = this.#deps.hasher.short('log', leg.agent);
    const s = this.#state;
    const now = this.#deps.now();
    const note = (offsetMs: number | null): void => {
      this.#agents.push({ agent: leg.agent, team: facts.profile?.team ?? null, legCallId: leg.callId, channel: leg.channel, answeredAt: now, offsetMs, leftAt: null });
    };
    const skip = (reason: Extract<AgentAnswer, { action: 'not-recorded' }>['reason']): AgentAnswer => {
      this.#log.info({ agentHash, reason }, 'agent: not recorded');
      return { action: 'not-recorded', reason, vars: { CALLVAULT_AGENT_REASON: reason, CALLVAULT_AGENT_DECISION: 'skip' } };
    };
    if (s.kind === 'ended' || s.kind === 'handed-off' || s.kind === 'quarantined') return skip('caller-hung-up');
    const line = this.#line;
    if (line === null || s.kind === 'dialogue' || s.kind === 'starting') { note(null); return skip('error'); }
    if (s.kind === 'stopped-closed') { note(null); return skip('recording-stopped'); }
    if (s.kind === 'unrecorded') {
      // Decided for good at entry (objection, not drawn by any rate, failed start): an answer cannot reopen it.
      note(null);
      return skip(unrecordedReason(s.reason));
    }
    const running = s.kind === 'recording' || s.kind === 'pausing' || s.kind === 'paused';
    const decision = decideAtAnswer({
      line: line.policy, entry: this.#decision, recording: running ? 'recording' : 'not-recording',
      agent: facts, draw: this.#draw(), inWindow: this.#inWindow(line.policy, facts),
    });
    this.#log.info({ agentHash, decision: decision.decision, reason: decision.reason }, 'agent: decided at answer');
    switch (decision.decision) {
      case 'skip':
        note(null);
        return skip(decision.reason);
      case 'attach': {
        const startedAt = 'startedAt' in s ? s.startedAt : now;
        const recordingId = 'recordingId' in s ? s.recordingId : '';
        note(Math.max(0, Math.round(now - startedAt)));
        void this.#journal();
        return { action: 'attached', reason: decision.reason, recordingId, notice: this.#notice(leg), vars: { CALLVAULT_AGENT_REASON: decision.reason, CALLVAULT_RECORDING_ID: recordingId, CALLVAULT_AGENT_DECISION: 'attached' } };
      }
      case 'stop': {
        note(null);
        if (s.kind !== 'recording' && s.kind !== 'paused' && s.kind !== 'pausing') return skip(decision.reason);
        await this.#stopForAgent(s.recordingId, s.startedAt, now);
        return skip(decision.reason);
      }
      case 'start':
        return this.#startAtAnswer(leg, decision.reason, note);
    }
  }

  async #startAtAnswer(leg: AgentLeg, reason: Extract<AgentAnswer, { action: 'record-now' }>['reason'], note: (offsetMs: number | null) => void): Promise<AgentAnswer> {
    const control = this.#deps.answerRecording;
    const fail = (why: 'start-failed'): AgentAnswer => ({ action: 'not-recorded', reason: why, vars: { CALLVAULT_AGENT_REASON: why, CALLVAULT_AGENT_DECISION: 'skip' } });
    if (control === undefined) {
      this.#log.warn('agent: this PBX adapter cannot start a recording at answer; not recorded');
      note(null);
      return fail('start-failed');
    }
    const recordingId = newRecordingId(new Date(this.#deps.now()));
    if (!this.#to('start', { kind: 'starting', recordingId })) { note(null); return fail('start-failed'); }
    const beep = this.#deps.config.agents.notice.periodicBeepSeconds;
    try {
      const started = await withDeadline(
        control.start({ callId: this.info.callId, channel: this.info.channel, linkedId: this.info.linkedId, line: this.#line?.name ?? this.info.line },
          recordingId, { ...(beep > 0 ? { periodicBeepSeconds: beep } : {}), stereo: this.#deps.stereo === true }, ANSWER_START_DEADLINE_MS),
        ANSWER_START_DEADLINE_MS, 'start at answer');
      if (this.#state.kind !== 'starting') {
        // The caller hung up while it started: the hangup path owns the file now.
        note(0);
        return fail('start-failed');
      }
      this.#channels = started.channels;
      this.#to('started', { kind: 'recording', recordingId, startedAt: this.#deps.now() });
      note(0);
      void this.#journal();
      this.#log.info({ recordingId, reason }, 'recording: started at the agent\'s answer');
      // Only a call the entry tallied as not recorded: a recordFrom-answer line's draw already counted it.
      if (this.#decision?.decision !== 'record') this.#deps.observe?.recordedAtAnswer?.(this.#line?.name ?? this.info.line, reason);
      return { action: 'record-now', reason, recordingId, notice: this.#notice(leg), vars: { CALLVAULT_AGENT_REASON: reason, CALLVAULT_RECORDING_ID: recordingId, CALLVAULT_AGENT_DECISION: 'record' } };
    } catch (err) {
      // Not confirmed: claim nothing, and ask the PBX to stop it in case it starts late.
      this.#log.error({ err, recordingId }, 'recording: start at answer not confirmed; the call goes on unrecorded');
      this.#deps.observe?.error?.('start');
      if (this.#state.kind === 'starting') this.#to('start-failed', { kind: 'unrecorded', reason: 'start-failed' });
      this.#deps.control.stop(this.info.channel, recordingId).catch(() => undefined);
      note(null);
      return fail('start-failed');
    }
  }

  /** A protected agent (or one outside their windows) answered a call being recorded: stop it, keep what came before. */
  async #stopForAgent(recordingId: string, startedAt: number, now: number): Promise<void> {
    this.#to('agent-stop', { kind: 'stopped-closed', recordingId, startedAt, stoppedAt: now });
    const open = this.#pauses.at(-1);
    if (open && open.endOffsetMs === null) open.outcome = 'stopped';
    else this.#pauses.push({ startOffsetMs: Math.max(0, Math.round(now - startedAt)), endOffsetMs: null, outcome: 'stopped' });
    void this.#journal();
    try {
      await withDeadline(this.#deps.control.stop(this.info.channel, recordingId), ANSWER_START_DEADLINE_MS, 'stop for agent');
      this.#log.info({ recordingId }, 'recording: stopped at the answer of an agent who may not be recorded');
    } catch (err) {
      this.#deps.observe?.error?.('stop');
      this.#log.error({ err, recordingId }, 'recording: could not stop it for an agent who may not be recorded');
    }
  }

  #notice(leg: AgentLeg): AgentNotice | null {
    const { play } = this.#deps.config.agents.notice;
    if (play === 'none') return null;
    if (play === 'beep') return { kind: 'beep' };
    return { kind: 'prompt', prompt: 'agent-notice', language: leg.language ?? this.#deps.config.prompts.defaultLanguage };
  }

  /** The agent leg hung up (transfer, end of call): it no longer takes live listening. */
  agentLeft(legCallId: string): void {
    for (const a of this.#agents) if (a.legCallId === legCallId && a.leftAt === null) a.leftAt = this.#deps.now();
  }

  /** The agent on the call now (the last who answered and has not left), if any. */
  currentAgent(): AgentOnCall | null {
    for (let i = this.#agents.length - 1; i >= 0; i--) if (this.#agents[i]!.leftAt === null) return this.#agents[i]!;
    return null;
  }

  /** The windows that apply to an agent on this call now (line and team), for the monitor gate. */
  insideWindowsFor(agent: string): boolean {
    const line = this.#line;
    return line !== null && line.policy.mode !== 'never' && this.#inWindow(line.policy, this.#agentFacts(agent));
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
    // The journal learns of the pause while the mute is in flight (its write
    // overlaps the PBX's round trip), and "confirmed" waits for it: a daemon
    // killed after answering still leaves the pause's start for recovery. If
    // it dies before the mute is confirmed, the dialplan stops the recording
    // and its AstDB mark turns this open pause into "stopped" (pause-marks.ts).
    const noted = this.#journal([{ startOffsetMs: offset, endOffsetMs: null, outcome: 'muted' }]);
    try {
      const at = await withDeadline(this.#deps.control.mute(this.info.channel, s.recordingId, PAUSE_DEADLINE_MS), PAUSE_DEADLINE_MS, 'mute');
      if (this.#state.kind !== 'pausing') return 'failed'; // hung up meanwhile
      this.#to('paused', { kind: 'paused', recordingId: s.recordingId, startedAt: s.startedAt, pausedAt: this.#deps.now() });
      // The PBX's own position in the file wins over the wall clock: the file's timeline can lag it.
      this.#pauses.push({ startOffsetMs: at?.offsetMs ?? offset, endOffsetMs: null, outcome: 'muted' });
      void this.#journal();
      // Bounded: the mute is in force whatever the disk does; past the deadline the answer goes out without the journal.
      if (!(await settlesWithin(noted, Math.max(0, requestedAt + PAUSE_DEADLINE_MS - this.#deps.now())))) {
        this.#log.warn({ recordingId: s.recordingId }, 'payment: the journal was not written in time; a crash now would lose the pause\'s start');
      }
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
        void this.#journal();
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
    void this.#journal();
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
      if (open && open.endOffsetMs === null && open.outcome === 'muted') { open.outcome = 'muted-to-end'; void this.#journal(); }
      return 'failed';
    }
    if (this.#state.kind !== 'paused') return 'not-recording';
    const open = this.#pauses.at(-1);
    if (open && open.endOffsetMs === null) {
      open.endOffsetMs = at?.offsetMs ?? Math.round(this.#deps.now() - s.startedAt);
      if (open.outcome === 'muted-to-end') open.outcome = 'muted'; // an earlier unmute failed, this one came
    }
    this.#to('resume', { kind: 'recording', recordingId: s.recordingId, startedAt: s.startedAt });
    void this.#journal();
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
    const agents = this.#recorded();
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
      agent: this.info.agent ?? this.#recorded()[0]?.agent ?? null,
      startedAt: new Date(startedAt).toISOString(),
      endedAt: endedAt === null ? null : new Date(endedAt).toISOString(),
      channels: this.#channels,
      pauses: this.#pauses.map((p) => ({ ...p })),
      wav: `${recordingId}.wav`,
      ...(agents.length > 0 ? { version: 2 as const, agents } : {}),
    };
  }

  /** The agents heard on the recording, in order: the one named at entry, then each answer that found it recording. */
  #recorded(): Array<{ agent: string; team: string | null; offsetMs: number }> {
    const out: Array<{ agent: string; team: string | null; offsetMs: number }> = [];
    if (this.info.agent !== null) out.push({ agent: this.info.agent, team: this.#deps.config.agents.byId[this.info.agent]?.team ?? null, offsetMs: 0 });
    for (const a of this.#agents) {
      if (a.offsetMs === null) continue;
      if (out.length > 0 && out[out.length - 1]!.agent === a.agent) continue; // the entry agent answering their own call
      out.push({ agent: a.agent, team: a.team, offsetMs: a.offsetMs });
    }
    return out;
  }

  /** Queues the journal's entry for this recording (`pending`: pauses not in #pauses yet); settles once it is on disk. */
  #journal(pending: PauseInterval[] = []): Promise<void> {
    const s = this.#state;
    if (!this.#deps.journal || !('recordingId' in s) || s.recordingId === null || !('startedAt' in s) || s.startedAt === null) return Promise.resolve();
    try {
      const entry = this.#metadata(s.recordingId, s.startedAt, null);
      return this.#deps.journal.write({ ...entry, pauses: [...entry.pauses, ...pending] });
    } catch (err) {
      this.#log.warn({ err }, 'recording: cannot write the journal; a crash now would lose this call\'s metadata');
      return Promise.resolve();
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
