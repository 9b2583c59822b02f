/**
 * All sessions in progress, by call id. Implements the handlers the adapters
 * call and routes PBX events to sessions. After a daemon restart the
 * dialplan still holds CALLVAULT_RECORDING_ID, so a payment request for a
 * call we do not know adopts it instead of answering "not recording": card
 * data must fail closed even across restarts.
 */
import type { CallHandlers, CallInfo, DialogueChannel, PaymentRequest, PauseAnswer, PbxEvent, RunningRecording } from '../pbx/call-control.js';
import { CallSession, type SessionDeps } from './call-session.js';
import { isRecordingId } from './recording-id.js';

export class CallRegistry implements CallHandlers {
  readonly #sessions = new Map<string, CallSession>();
  readonly #deps: SessionDeps;
  readonly #pending = new Set<Promise<void>>();

  constructor(deps: SessionDeps) {
    this.#deps = deps;
  }

  get size(): number { return this.#sessions.size; }
  sessions(): IterableIterator<CallSession> { return this.#sessions.values(); }
  get(callId: string): CallSession | undefined { return this.#sessions.get(callId); }

  async consent(channel: DialogueChannel): Promise<void> {
    const requestedAt = this.#deps.now();
    const existing = this.#sessions.get(channel.info.callId);
    if (existing && existing.state.kind !== 'dialogue') {
      // The dialplan called consent twice on one channel: keep the first decision.
      this.#deps.logger.warn({ call: channel.info.callId }, 'consent: called again on the same channel, ignored');
      await channel.setOutcome({ CALLVAULT_DECISION: existing.decision?.decision ?? 'skip' }).catch(() => undefined);
      return;
    }
    const session = new CallSession(channel.info, this.#deps);
    this.#sessions.set(channel.info.callId, session);
    await session.runDialogue(channel, requestedAt);
  }

  #sessionFor(req: PaymentRequest): CallSession | null {
    const known = this.#sessions.get(req.callId);
    if (known) return known;
    if (req.recordingId === null || !isRecordingId(req.recordingId)) return null;
    const info: CallInfo = { pbx: req.pbx, callId: req.callId, linkedId: req.callId, channel: req.channel, line: 'unknown', agent: null, caller: null, language: null };
    const session = new CallSession(info, this.#deps);
    session.adoptRecording(req.recordingId, startedAtOf(req.recordingId), null, null, 'not-asked', false);
    this.#sessions.set(req.callId, session);
    return session;
  }

  async paymentEnter(req: PaymentRequest): Promise<PauseAnswer> {
    const requestedAt = this.#deps.now();
    const session = this.#sessionFor(req);
    if (!session) return 'not-recording';
    return session.paymentEnter(requestedAt);
  }

  async paymentExit(req: PaymentRequest): Promise<'resumed' | 'not-recording' | 'stays-stopped' | 'failed'> {
    const session = this.#sessionFor(req);
    if (!session) return 'not-recording';
    return session.paymentExit();
  }

  /** Adopts recordings found on the PBX after a restart or reconnect; drops sessions whose channel is gone. */
  reconcile(running: readonly RunningRecording[], liveCallIds: ReadonlySet<string>): void {
    for (const r of running) {
      if (this.#sessions.has(r.info.callId)) continue;
      const session = new CallSession(r.info, this.#deps);
      session.adoptRecording(r.recordingId, startedAtOf(r.recordingId), null, null, 'not-asked', r.paused);
      this.#sessions.set(r.info.callId, session);
    }
    for (const [callId, session] of this.#sessions) {
      if (!liveCallIds.has(callId)) this.#track(session.hangup(), callId);
    }
  }

  handle(event: PbxEvent): void {
    switch (event.type) {
      case 'hangup': {
        const s = this.#sessions.get(event.callId);
        if (s) this.#track(s.hangup(), event.callId);
        break;
      }
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

  /** Waits for hand-offs in flight (shutdown, tests). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.#pending]);
  }
}

function startedAtOf(recordingId: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z/.exec(recordingId);
  return m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) : Date.now();
}
