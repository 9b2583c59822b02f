/**
 * All sessions in progress, by call id. Implements the handlers the adapters
 * call and routes PBX events to sessions. After a daemon restart the
 * dialplan still holds CALLVAULT_RECORDING_ID, so a payment request for a
 * call we do not know adopts it instead of answering "not recording": card
 * data must fail closed even across restarts.
 */
import { decideMonitor } from '../policy/monitor.js';
import { MonitorRegister } from './monitor-register.js';
import type { AgentAnswer, AgentLeg, MonitorAnswer, MonitorRequest, CallHandlers, CallInfo, DialogueChannel, PaymentRequest, PauseAnswer, PauseMark, PbxEvent, PbxInventory, RunningRecording } from '../pbx/call-control.js';
import { applyPauseMarks } from './pause-marks.js';
import { CallSession, type SessionDeps } from './call-session.js';
import type { ConsentOutcome, FinalDecision } from '../policy/consent.js';
import { isRecordingId } from './recording-id.js';
import type { JournalEntry } from './recording-journal.js';
import { handOff } from './spool-handoff.js';
import { quarantine } from './quarantine.js';
import { isCallvaultError } from '../errors.js';
import { existsSync, statSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export class CallRegistry implements CallHandlers {
  readonly #sessions = new Map<string, CallSession>();
  readonly #deps: SessionDeps;
  readonly #pending = new Set<Promise<void>>();
  /** Agent legs by their own id, to their caller's session (their hangup ends live listening on them). */
  readonly #legs = new Map<string, CallSession>();
  readonly #unknownAgents = new Set<string>();
  readonly #monitors: MonitorRegister;
  /**
   * An inventory of the PBX is a snapshot taken over a round trip: a call
   * that opened after it was asked for is missing from it, and a call that
   * hung up since may still be in it. Each session's opening and each hangup
   * gets a number from one counter, so reconcile judges only what the
   * snapshot could see.
   */
  #seq = 0;
  readonly #openedAt = new WeakMap<CallSession, number>();
  readonly #hungUpAt = new Map<string, number>();
  #inventoriesOut = 0;

  constructor(deps: SessionDeps) {
    this.#deps = deps;
    this.#monitors = new MonitorRegister(deps.hasher, deps.logger, deps.now, deps.monitorAudit);
  }

  get size(): number { return this.#sessions.size; }
  sessions(): IterableIterator<CallSession> { return this.#sessions.values(); }
  get(callId: string): CallSession | undefined { return this.#sessions.get(callId); }

  async consent(channel: DialogueChannel): Promise<void> {
    const requestedAt = channel.receivedAt ?? this.#deps.now();
    const existing = this.#sessions.get(channel.info.callId);
    if (existing && existing.state.kind !== 'dialogue') {
      // The dialplan called consent twice on one channel: keep the first decision.
      this.#deps.logger.warn({ call: channel.info.callId }, 'consent: called again on the same channel, ignored');
      await channel.setOutcome({ CALLVAULT_DECISION: existing.decision?.decision ?? 'skip' }).catch(() => undefined);
      return;
    }
    const session = new CallSession(channel.info, this.#deps);
    this.#open(channel.info.callId, session);
    await session.runDialogue(channel, requestedAt);
  }

  /**
   * The agent step: routes the agent leg to the caller's session by the
   * shared key (Linkedid / Channel-Call-UUID). A key no session has (the
   * daemon restarted and the call was not recording, so nothing was adopted
   * from the PBX) is skipped: the bridge goes on, nothing is claimed.
   */
  async agentAnswered(leg: AgentLeg): Promise<AgentAnswer> {
    const log = this.#deps.logger;
    const agentHash = this.#deps.hasher.short('log', leg.agent);
    if (!(leg.agent in this.#deps.config.agents.byId) && !this.#deps.config.agents.protected.includes(leg.agent) && !this.#unknownAgents.has(agentHash)) {
      // Once per agent per process: a config that lags the roster must not flood the log.
      this.#unknownAgents.add(agentHash);
      log.warn({ agentHash }, 'agent: id not in the config; the line\'s rule applies');
    }
    const session = this.#byLinkedId(leg.linkedId);
    if (!session) {
      log.info({ agentHash, linkedId: leg.linkedId }, 'agent: no session for this call (daemon restarted?); not recorded at answer');
      return { action: 'not-recorded', reason: 'unknown-call', vars: { CALLVAULT_AGENT_REASON: 'unknown-call', CALLVAULT_AGENT_DECISION: 'skip' } };
    }
    this.#legs.set(leg.callId, session);
    try {
      return await session.agentAnswered(leg);
    } catch (err) {
      log.error({ err, agentHash }, 'agent: the agent step failed; the call goes on as it was');
      this.#deps.observe?.error?.('agent');
      return { action: 'not-recorded', reason: 'error', vars: { CALLVAULT_AGENT_REASON: 'error', CALLVAULT_AGENT_DECISION: 'skip' } };
    }
  }

  /** The caller's session of a call: the latest live one whose key matches (an agent leg never has its own). */
  #byLinkedId(linkedId: string): CallSession | undefined {
    let found: CallSession | undefined;
    for (const s of this.#sessions.values()) {
      if (s.info.linkedId !== linkedId) continue;
      if (found === undefined || s.state.kind !== 'ended') found = s;
    }
    return found;
  }

  /** The gate before live listening. Refuses unless a live call of a non-protected agent is inside its windows. */
  async monitor(req: MonitorRequest): Promise<MonitorAnswer> {
    const target = this.#monitorTarget(req);
    const agent = req.target.kind === 'agent' ? req.target.agent : target?.agent ?? null;
    const decision = decideMonitor({
      protected: agent !== null && this.#deps.config.agents.protected.includes(agent),
      liveCall: target !== null,
      inWindow: target !== null && agent !== null && target.session.insideWindowsFor(agent),
    });
    const linkedId = target?.session.info.linkedId ?? null;
    if (decision.decision === 'refuse' || target === null) {
      const reason = decision.decision === 'refuse' ? decision.reason : 'no-live-call';
      this.#monitors.refused(req.supervisor, agent, linkedId, req.mode, reason);
      return { decision: 'refuse', reason };
    }
    const monitorId = this.#monitors.allowed(req.supervisor, req.supervisorCallId, agent, target.session.info.linkedId, req.mode);
    return { decision: 'allow', monitorId, channel: target.channel };
  }

  /** Live listening in progress (for status). */
  get monitorsActive(): number { return this.#monitors.active; }

  #monitorTarget(req: MonitorRequest): { session: CallSession; agent: string | null; channel: string } | null {
    for (const s of this.#sessions.values()) {
      if (s.state.kind === 'ended' || s.state.kind === 'handed-off' || s.state.kind === 'quarantined') continue;
      const current = s.currentAgent();
      if (req.target.kind === 'agent') {
        if (current !== null && current.agent === req.target.agent) return { session: s, agent: current.agent, channel: current.channel };
      } else if (current !== null && (current.channel === req.target.channel || s.info.channel === req.target.channel)) {
        return { session: s, agent: current.agent, channel: current.channel };
      }
    }
    return null;
  }

  #sessionFor(req: PaymentRequest): CallSession | null {
    const known = this.#sessions.get(req.callId);
    if (known) return known;
    if (req.recordingId === null || !isRecordingId(req.recordingId)) return null;
    const info: CallInfo = { pbx: req.pbx, callId: req.callId, linkedId: req.callId, channel: req.channel, line: 'unknown', agent: null, caller: null, language: null };
    return this.#adopt(info, req.recordingId, false);
  }

  /** A session for a recording we did not start in this process; the journal restores what it knew. */
  #adopt(info: CallInfo, recordingId: string, paused: boolean): CallSession {
    const entry = this.#journalEntry(recordingId);
    const full: CallInfo = entry
      ? { ...info, linkedId: entry.linkedId, line: entry.line, agent: entry.agent, caller: entry.caller, language: entry.language }
      : info;
    const session = new CallSession(full, this.#deps);
    const policy = this.#deps.config.lines[full.line];
    session.adoptRecording(
      recordingId,
      entry ? Date.parse(entry.startedAt) : startedAtOf(recordingId),
      policy ? { name: full.line, policy } : null,
      entry ? ({ decision: 'record', reason: entry.decision } as FinalDecision) : null,
      (entry?.consent ?? 'not-asked') as ConsentOutcome,
      paused,
      entry?.pauses ?? [],
    );
    this.#open(info.callId, session);
    return session;
  }

  #open(callId: string, session: CallSession): void {
    this.#openedAt.set(session, ++this.#seq);
    this.#sessions.set(callId, session);
  }

  #journalEntry(recordingId: string): JournalEntry | undefined {
    return this.#deps.journal?.list().find((e) => e.recordingId === recordingId);
  }

  async paymentEnter(req: PaymentRequest): Promise<PauseAnswer> {
    const requestedAt = req.receivedAt ?? this.#deps.now();
    const session = this.#sessionFor(req);
    if (!session) return 'not-recording';
    return session.paymentEnter(requestedAt);
  }

  async paymentExit(req: PaymentRequest): Promise<'resumed' | 'not-recording' | 'stays-stopped' | 'failed'> {
    const session = this.#sessionFor(req);
    if (!session) return 'not-recording';
    return session.paymentExit();
  }

  /**
   * Asks the PBX what runs now (`inventory`), then adopts the recordings it
   * found that no session holds and drops the sessions whose channel is gone.
   * Only what the snapshot could see is judged: a session opened while it
   * was on its way is kept (dropping it ended a consent dialogue in progress,
   * which then told the dialplan "record" with no recording), and a recording
   * whose call hung up meanwhile is not adopted (the journal's orphan
   * recovery takes its file). Returns the snapshot, less those recordings.
   */
  async reconcile(inventory: () => Promise<PbxInventory>): Promise<PbxInventory> {
    const asked = this.#seq;
    this.#inventoriesOut++;
    try {
      const snapshot = await inventory();
      const hungUpSince = (callId: string) => (this.#hungUpAt.get(callId) ?? -1) > asked;
      const running = snapshot.running.filter((r) => !hungUpSince(r.info.callId));
      for (const r of running) {
        if (this.#sessions.has(r.info.callId)) continue;
        this.#adopt(r.info, r.recordingId, r.paused);
      }
      for (const [callId, session] of this.#sessions) {
        if ((this.#openedAt.get(session) ?? 0) > asked) continue;
        if (!snapshot.live.has(callId)) this.#track(session.hangup(), callId);
      }
      return { running, live: snapshot.live };
    } finally {
      if (--this.#inventoriesOut === 0) this.#hungUpAt.clear();
    }
  }

  handle(event: PbxEvent): void {
    switch (event.type) {
      case 'hangup': {
        if (this.#inventoriesOut > 0) this.#hungUpAt.set(event.callId, ++this.#seq);
        const s = this.#sessions.get(event.callId);
        if (s) {
          this.#track(s.hangup(), event.callId);
          for (const [leg, owner] of this.#legs) if (owner === s) this.#legs.delete(leg);
        }
        const owner = this.#legs.get(event.callId);
        if (owner) { owner.agentLeft(event.callId); this.#legs.delete(event.callId); }
        this.#monitors.ended(event.callId);
        break;
      }
      case 'monitor-started': {
        // The spied channel: the caller's (its session) or an agent leg (its owner's session).
        // A spy the gate did not allow is audited when it listens to a call callvault handles;
        // other calls (internal, or another daemon's) are not this daemon's to trace.
        const spied = event.targetCallId === null ? undefined : this.#sessions.get(event.targetCallId) ?? this.#legs.get(event.targetCallId);
        this.#monitors.started(event.supervisorCallId, spied === undefined ? undefined : {
          device: event.supervisorDevice, agent: spied.currentAgent()?.agent ?? null, linkedId: spied.info.linkedId,
        });
        break;
      }
      case 'monitor-ended':
        this.#monitors.ended(event.supervisorCallId);
        break;
      case 'recording-finished': {
        const s = this.#sessions.get(event.callId);
        if (s) this.#track(s.fileFinished(), event.callId);
        break;
      }
      case 'fail-closed':
        this.#sessions.get(event.callId)?.failedClosedByPbx();
        break;
      case 'link-up':
      case 'link-down':
        break;
    }
  }

  #track(p: Promise<void> | null, callId: string): void {
    const s = this.#sessions.get(callId);
    if (s && (s.state.kind === 'ended' && s.state.recordingId === null)) this.#sessions.delete(callId);
    if (!p) return;
    const tracked = p.then(() => { this.#sessions.delete(callId); }, () => undefined).finally(() => this.#pending.delete(tracked));
    this.#pending.add(tracked);
  }

  /**
   * Hands off recordings the journal knows but no live call owns: the daemon
   * died while they ran, and the PBX has since closed their files. Returns
   * how many are still waiting (file not finished yet).
   */
  async recoverOrphans(liveRecordingIds: ReadonlySet<string>, now: number, marksOf?: (recordingId: string) => Promise<PauseMark[]>): Promise<number> {
    const journal = this.#deps.journal;
    if (!journal) return 0;
    const owned = new Set<string>();
    for (const s of this.#sessions.values()) if ('recordingId' in s.state && s.state.recordingId) owned.add(s.state.recordingId);
    let waiting = 0;
    for (const entry of journal.list()) {
      const id = entry.recordingId;
      if (owned.has(id) || liveRecordingIds.has(id)) continue;
      const spoolJson = join(this.#deps.config.storage.spool, `${id}.json`);
      const wav = join(this.#deps.recordingsDir, `${id}.wav`);
      const marker = join(this.#deps.recordingsDir, `${id}.done`);
      if (existsSync(spoolJson)) { journal.remove(id); continue; }
      if (!existsSync(wav)) {
        this.#deps.logger.error({ recordingId: id }, 'recovery: the journal names a recording whose file is gone');
        journal.remove(id);
        continue;
      }
      const mtime = statSync(wav).mtimeMs;
      // Finished: MixMonitor's marker, or a file untouched for 10 s (no marker in that dialplan).
      if (!existsSync(marker) && now - mtime < 10_000) { waiting++; continue; }
      const startedAt = Date.parse(entry.startedAt);
      // What the dialplan noted while we were away (a fail-closed stop, an unmute that never came).
      const marks = marksOf ? await marksOf(id).catch((err: unknown) => {
        this.#deps.logger.warn({ err, recordingId: id }, 'recovery: cannot read the dialplan\'s pause marks; metadata may miss a pause');
        return [];
      }) : [];
      const pauses = applyPauseMarks(entry.pauses, marks, startedAt)
        .map((p) => ({ ...p, endOffsetMs: p.endOffsetMs ?? Math.max(p.startOffsetMs, Math.round(mtime - startedAt)) }));
      const meta = { ...entry, endedAt: new Date(mtime).toISOString(), pauses };
      try {
        await handOff(this.#deps.config.storage.spool, wav, meta);
      } catch (err) {
        // One file at a time: a bad one is set aside, the rest are recovered.
        if (!isCallvaultError(err, 'CV_ERR_SPOOL_REFUSED')) throw err;
        const where = quarantine(this.#deps.config.storage.dir, wav, { recordingId: id, reason: err.message, metadata: meta });
        rmSync(marker, { force: true });
        journal.remove(id);
        this.#deps.observe?.error?.('handoff');
        this.#deps.logger.error({ err, recordingId: id, quarantine: where }, 'recovery: refused by the spool, moved to quarantine');
        continue;
      }
      rmSync(marker, { force: true });
      journal.remove(id);
      this.#deps.observe?.handedOff?.(id);
      this.#deps.logger.info({ recordingId: id }, 'recovery: handed an orphaned recording to the archive');
    }
    return waiting;
  }

  /** Waits for hand-offs in flight (shutdown, tests). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.#pending]);
  }
}

function startedAtOf(recordingId: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z/.exec(recordingId);
  return m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) : Date.now();
}
