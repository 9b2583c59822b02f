/**
 * The Asterisk adapter: translates FastAGI requests from
 * dialplan/asterisk/callvault.conf and AMI events into the call-control
 * interface (src/pbx/call-control.ts), and AMI actions back. It decides
 * nothing: the session in src/calls does.
 *
 * File completion: MixMonitor raises no AMI event when a hangup ends a
 * recording (MixMonitorStop comes only from StopMixMonitor; see
 * docs/asterisk-protocol.md), but it runs its post-recording command after
 * it closed the file. We use that command to drop `<id>.done` beside the
 * WAV; after the Hangup event the adapter waits for that marker, and falls
 * back to a WAV that has not changed for a while if the marker never comes.
 */
import { stat, unlink, access } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../log/logger.js';
import { isCallvaultError } from '../../errors.js';
import type { CallerInput, PromptName } from '../../policy/consent.js';
import { chooseLanguage } from '../../policy/language.js';
import { PROMPT_LANGUAGES } from '../../config/schema.js';
import { preciseNow, AGENT_STEP_DEADLINE_MS, type AgentAnswer, type AgentLeg, type AgentPromptName, type AnswerRecordingControl, type MonitorMode, type MonitorRequest, type CallHandlers, type CallInfo, type DialogueChannel, type LinkStatus, type PaymentRequest, type PauseMark, type PbxAdapter, type PbxEvent, type RecordingControl, type PbxInventory, type RunningRecording } from '../call-control.js';
import { isRecordingId } from '../../calls/recording-id.js';
import { AmiClient } from './ami-client.js';
import { FastAgiServer, type AgiChannel } from './fastagi-server.js';
import { parseStatusVariables } from './ami-events.js';
import { zeroRuns, alignPauses } from './muted-spans.js';

export interface AsteriskAdapterOptions {
  /** `events`: the Login mask; default AMI_EVENT_CLASSES (tests that need every class pass `on`). */
  ami: { host: string; port: number; username: string; secret: string; actionTimeoutMs: number; events?: string };
  agi: { host: string; port: number };
  /** The recordings directory as Asterisk sees it and as this host sees it. */
  recordings: { pbx: string; local: string };
  /** pbxDefaultLanguage: asterisk.conf `defaultlanguage` (default en); a channel language equal to it counts as unset. */
  prompts: { prefix: string; defaultLanguage: string; pbxDefaultLanguage?: string };
  /** MixMonitor option D: caller (read) left, agent (write) right. */
  stereo?: boolean;
  logger: Logger;
  /** How long after a hangup to wait for the `.done` marker before the fallback. Default 30 s. */
  finishWaitMs?: number;
}

/** The whole consent request, prompts and replays included. */
const CONSENT_DEADLINE_MS = 180_000;
/** A payment request must answer fast: the session's own mute deadline is 1.5 s. */
const PAYMENT_DEADLINE_MS = 2_500;
/**
 * The agent step's request, notice included: the decision itself has
 * AGENT_STEP_DEADLINE_MS, the notice is a few seconds of the PBX's own time.
 */
const AGENT_REQUEST_DEADLINE_MS = 10_000;
/** The monitor gate decides fast; no answer in time means no listening. */
const MONITOR_DEADLINE_MS = 2_000;
/** The agent notice when it is a beep: Asterisk's own sound, also what MixMonitor B() plays. */
const BEEP = 'beep';
const VARS = ['CALLVAULT_RECORDING_ID', 'CALLVAULT_MIXMONITOR_ID', 'CALLVAULT_PAUSE', 'CALLVAULT_LINE'];
/**
 * The event classes asked for at Login (`Events:`), the same as the
 * documented manager user's `read`: Hangup, ChanSpy* (call), UserEvent
 * (user), FullyBooted (system), Agent* (agent). Asterisk sends an event only
 * if its classes are within both `read` and this mask (main/manager.c
 * process_events), so a `read = all` user without event filters no longer
 * streams dialplan, agi, dtmf and reporting events (about 1,100 a call, 500 KB,
 * on the sandbox) to a daemon that reads none of them: parsing that stream
 * held each AGI reply and AMI response behind it (consent p50 28 ms at 200
 * calls; docs/decisions.md, "Ask Asterisk only for the events we read"), and
 * it carried the digits. Action responses and list items are not events: the
 * mask does not touch them.
 */
export const AMI_EVENT_CLASSES = 'system,call,agent,user';

class AgiDialogue implements DialogueChannel {
  constructor(
    readonly info: CallInfo,
    private readonly agi: AgiChannel,
    private readonly adapter: AsteriskAdapter,
    readonly receivedAt: number,
  ) {}

  #file(prompt: PromptName): string {
    return promptPath(this.adapter.options.prompts.prefix, this.info.language ?? this.adapter.options.prompts.defaultLanguage, prompt);
  }

  async ask(prompt: PromptName, keys: string, waitMs: number): Promise<CallerInput> {
    try {
      // STREAM FILE with the offered keys as escape digits: only a key that
      // means something here cuts the notice (it is the legal information);
      // GET DATA would let any key end it. Then wait for a key after it.
      const r = await this.agi.streamFile(this.#file(prompt), keys, { timeoutMs: 120_000 });
      if (r.digit !== null) return { kind: 'key', key: r.digit };
      if (!r.played && this.agi.hungUp) return { kind: 'hangup' };
      if (keys === '') return { kind: 'timeout' };
      const digit = await this.agi.waitForDigit(waitMs, { timeoutMs: waitMs + 5_000 });
      return digit === null ? { kind: 'timeout' } : { kind: 'key', key: digit };
    } catch (err) {
      if (isCallvaultError(err, 'CV_ERR_AGI_HANGUP')) return { kind: 'hangup' };
      throw err;
    }
  }

  async play(prompt: PromptName): Promise<'played' | 'hangup'> {
    try {
      await this.agi.streamFile(this.#file(prompt), '', { timeoutMs: 120_000 });
      return this.agi.hungUp ? 'hangup' : 'played';
    } catch (err) {
      if (isCallvaultError(err, 'CV_ERR_AGI_HANGUP')) return 'hangup';
      throw err;
    }
  }

  async startRecording(recordingId: string): Promise<{ channels: 1 | 2 }> {
    if (!isRecordingId(recordingId)) throw new Error('invalid recording id');
    const dir = this.adapter.options.recordings.pbx;
    const wav = `${dir}/${recordingId}.wav`;
    const stereo = this.adapter.options.stereo === true;
    // i(): MixMonitor stores its id in the variable, for StopMixMonitor and
    // MixMonitorMute on this recording only. D: interleaved stereo (format_wav
    // still writes a mono header; the spool hand-off corrects it). The
    // command runs after the file is closed.
    const options = `${stereo ? 'D' : ''}i(CALLVAULT_MIXMONITOR_ID)`;
    const rc = await this.agi.exec('MixMonitor', `${wav},${options},/bin/touch ${dir}/${recordingId}.done`);
    const id = await this.agi.getVariable('CALLVAULT_MIXMONITOR_ID');
    if (rc !== 0 || id === null || id === '') throw new Error(`MixMonitor did not start (result ${rc})`);
    this.adapter.trackRecording(this.info.callId, this.info.channel, recordingId, id);
    return { channels: stereo ? 2 : 1 };
  }

  async setOutcome(vars: Readonly<Record<string, string>>): Promise<void> {
    // CALLVAULT_DECISION last: the dialplan reads it as "the daemon finished".
    const entries = Object.entries(vars).sort(([a], [b]) => (a === 'CALLVAULT_DECISION' ? 1 : b === 'CALLVAULT_DECISION' ? -1 : 0));
    for (const [k, v] of entries) await this.agi.setVariable(k, v);
  }
}

/**
 * Where a prompt is for Asterisk, in the language chosen by the policy. A
 * relative prefix lives in the sounds directory, `<lang>/<prefix>/<name>`,
 * which Asterisk finds whatever CHANNEL(language) says (main/file.c
 * fileexists_core tries `<channel lang>/<file>`, then `<file>` as given); an
 * absolute one is `<prefix>/<lang>/<name>`, as on FreeSWITCH.
 */
export function promptPath(prefix: string, language: string, prompt: PromptName | AgentPromptName): string {
  return prefix.startsWith('/') ? `${prefix}/${language}/${prompt}` : `${language}/${prefix}/${prompt}`;
}

interface Tracked { channel: string; recordingId: string; mixMonitorId: string | null }

export class AsteriskAdapter implements PbxAdapter {
  readonly kind = 'asterisk' as const;
  readonly options: AsteriskAdapterOptions;
  readonly ami: AmiClient;
  readonly agi: FastAgiServer;
  readonly #log: Logger;
  /** Recordings in progress, by Uniqueid: to address MixMonitor and to know which hangups end a recording. */
  readonly #tracked = new Map<string, Tracked>();
  #emit: (e: PbxEvent) => void = () => undefined;
  #stopped = false;

  readonly control: RecordingControl = {
    mute: (channel, recordingId, deadlineMs) => this.#muteRidingReconnects(channel, recordingId, true, deadlineMs),
    unmute: (channel, recordingId, deadlineMs) => this.#muteRidingReconnects(channel, recordingId, false, deadlineMs),
    stop: (channel, recordingId) => this.ami.stopMixMonitor(channel, this.#monitorOf(recordingId)),
    // MixMonitor's file cannot be read while it records (a 32 KB stdio buffer): the offsets come from the closed file.
    alignPauses: async (recordingId, channels, pauses) => {
      if (!isRecordingId(recordingId)) return [...pauses];
      const found = await zeroRuns(join(this.options.recordings.local, `${recordingId}.wav`), channels);
      return found === null ? [...pauses] : alignPauses(pauses, found.runs, found.lengthMs);
    },
  };

  /**
   * MixMonitorMute inside the session's deadline, across an AMI reconnect:
   * issued while the link is reconnecting it waits for the login; lost in
   * flight by a drop it is sent again (setting the same mute flag twice is
   * harmless). Past the deadline it fails, and the session fails closed.
   */
  async #muteRidingReconnects(channel: string, recordingId: string, mute: boolean, deadlineMs = this.options.ami.actionTimeoutMs): Promise<void> {
    const until = Date.now() + deadlineMs;
    for (;;) {
      const left = until - Date.now();
      try {
        await this.ami.mixMonitorMute(channel, mute, { direction: 'both', ...this.#monitorOf(recordingId), timeoutMs: Math.max(1, left), whileReconnecting: 'wait' });
        return;
      } catch (err) {
        if (!isCallvaultError(err, 'CV_ERR_AMI_CLOSED') || !this.ami.reconnecting || until - Date.now() <= 0) throw err;
        this.#log.warn({ recordingId, mute }, 'payment: AMI link dropped under a mute; sending it again once reconnected');
      }
    }
  }

  /**
   * MixMonitor on the CALLER's channel through AMI (the agent hook runs on
   * the agent leg, which cannot start an application on another channel).
   * The AMI action needs the `system` write class (app_mixmonitor.c
   * registers MixMonitor under EVENT_FLAG_SYSTEM; docs/decisions.md). Only
   * once it answered with the MixMonitor id are the caller's variables set,
   * so payment-enter and a restarted daemon find the recording, and the
   * hangup handler pushed that closes the file.
   */
  readonly answerRecording: AnswerRecordingControl = {
    start: async (caller, recordingId, options, deadlineMs) => {
      if (!isRecordingId(recordingId)) throw new Error('invalid recording id');
      const until = Date.now() + deadlineMs;
      const left = () => ({ timeoutMs: Math.max(1, until - Date.now()) });
      const dir = this.options.recordings.pbx;
      const stereo = options.stereo ?? this.options.stereo === true;
      const beep = options.periodicBeepSeconds !== undefined ? `B(${options.periodicBeepSeconds})` : '';
      const res = await this.ami.action('MixMonitor', {
        Channel: caller.channel, File: `${dir}/${recordingId}.wav`,
        Options: `${stereo ? 'D' : ''}${beep}i(CALLVAULT_MIXMONITOR_ID)`,
        Command: `/bin/touch ${dir}/${recordingId}.done`,
      }, left());
      const id = res.get('MixMonitorID') || await this.ami.getvar(caller.channel, 'CALLVAULT_MIXMONITOR_ID', left());
      if (id === '') throw new Error('MixMonitor gave no id: the recording cannot be addressed, so it is not claimed');
      this.trackRecording(caller.callId, caller.channel, recordingId, id);
      // Both at once (AMI answers them in order on one connection): the agent is waiting.
      await Promise.all([
        this.ami.setvar(caller.channel, 'CALLVAULT_RECORDING_ID', recordingId, left()),
        this.ami.setvar(caller.channel, 'CHANNEL(hangup_handler_push)', 'callvault-hangup,s,1', left()),
      ]);
      return { channels: stereo ? 2 : 1 };
    },
  };

  constructor(options: AsteriskAdapterOptions) {
    this.options = options;
    this.#log = options.logger.child({ component: 'asterisk' });
    this.ami = new AmiClient({ events: AMI_EVENT_CLASSES, ...options.ami, logger: options.logger });
    this.agi = new FastAgiServer({ host: options.agi.host, port: options.agi.port, logger: options.logger });
  }

  #monitorOf(recordingId: string): { mixMonitorId?: string } {
    for (const t of this.#tracked.values()) if (t.recordingId === recordingId && t.mixMonitorId) return { mixMonitorId: t.mixMonitorId };
    return {};
  }

  trackRecording(callId: string, channel: string, recordingId: string, mixMonitorId: string | null): void {
    this.#tracked.set(callId, { channel, recordingId, mixMonitorId });
  }

  link(): LinkStatus {
    return this.ami.link();
  }

  async #callInfo(agi: AgiChannel): Promise<CallInfo> {
    const req = agi.request;
    const linkedId = (await agi.getFullVariable('${CHANNEL(linkedid)}')) ?? req.uniqueid;
    const p = this.options.prompts;
    const language = chooseLanguage(
      { explicit: await agi.getVariable('CALLVAULT_LANGUAGE'), channel: req.language || null, pbxDefault: p.pbxDefaultLanguage ?? 'en' },
      p.defaultLanguage,
      PROMPT_LANGUAGES,
    );
    return {
      pbx: 'asterisk',
      callId: req.uniqueid,
      linkedId: linkedId === '' ? req.uniqueid : linkedId,
      channel: req.channel,
      line: req.args[0] ?? '',
      agent: req.args[1] ? req.args[1] : null,
      caller: req.callerId,
      language: language.language,
    };
  }

  async #agentLeg(agi: AgiChannel, receivedAt: number): Promise<AgentLeg> {
    const req = agi.request;
    // callvault-agent passes agent id, Linkedid and notice language as arguments, so
    // the decision costs no AGI round trip; the reads are for a dialplan that does not.
    // Queue's gosub argument is substituted before a member answers, so the
    // subroutine takes the id from MEMBERNAME (setinterfacevar=yes) when ARG1 is empty.
    const [argAgent = '', argLinked = '', argLanguage = ''] = req.args;
    const linkedId = argLinked || (await agi.getFullVariable('${CHANNEL(linkedid)}')) || req.uniqueid;
    const agent = argAgent || (await agi.getVariable('MEMBERNAME')) || '';
    const language = req.args.length >= 3 ? argLanguage : await agi.getVariable('CALLVAULT_AGENT_LANGUAGE');
    return { pbx: 'asterisk', linkedId, agent, callId: req.uniqueid, channel: req.channel, language: language || null, receivedAt };
  }

  /** Plays the notice on the agent leg (this AGI's channel), then leaves the outcome, the commit marker last. */
  async #applyAgentAnswer(agi: AgiChannel, answer: AgentAnswer): Promise<void> {
    if (answer.action !== 'not-recorded' && answer.notice !== null) {
      const n = answer.notice;
      const file = n.kind === 'beep' ? BEEP : promptPath(this.options.prompts.prefix, n.language, n.prompt);
      try {
        await agi.streamFile(file, '', { timeoutMs: 8_000 });
      } catch (err) {
        if (!isCallvaultError(err, 'CV_ERR_AGI_HANGUP')) throw err;
      }
    }
    const entries = Object.entries(answer.vars).sort(([a], [b]) => (a === 'CALLVAULT_AGENT_DECISION' ? 1 : b === 'CALLVAULT_AGENT_DECISION' ? -1 : 0));
    for (const [k, v] of entries) await agi.setVariable(k, v);
  }

  #monitorRequest(agi: AgiChannel): MonitorRequest {
    const [supervisor = '', agent = '', mode = 'listen'] = agi.request.args;
    const m: MonitorMode = mode === 'whisper' || mode === 'barge' ? mode : 'listen';
    return { pbx: 'asterisk', supervisor, supervisorCallId: agi.request.uniqueid, target: { kind: 'agent', agent }, mode: m, receivedAt: preciseNow() };
  }

  async #paymentRequest(agi: AgiChannel): Promise<PaymentRequest> {
    const receivedAt = preciseNow();
    const recordingId = await agi.getVariable('CALLVAULT_RECORDING_ID');
    const mixMonitorId = await agi.getVariable('CALLVAULT_MIXMONITOR_ID');
    const req = agi.request;
    if (recordingId && isRecordingId(recordingId) && !this.#tracked.has(req.uniqueid)) {
      // A call recorded before a daemon restart: learn it so that its hangup hands the file off.
      this.trackRecording(req.uniqueid, req.channel, recordingId, mixMonitorId || null);
    }
    return { pbx: 'asterisk', callId: req.uniqueid, channel: req.channel, recordingId: recordingId || null, receivedAt };
  }

  async start(handlers: CallHandlers, onEvent: (event: PbxEvent) => void): Promise<void> {
    this.#emit = onEvent;
    this.agi
      .route('consent', async (agi) => {
        const receivedAt = preciseNow();
        await handlers.consent(new AgiDialogue(await this.#callInfo(agi), agi, this, receivedAt));
      }, { timeoutMs: CONSENT_DEADLINE_MS })
      .route('payment-enter', async (agi) => {
        const answer = await handlers.paymentEnter(await this.#paymentRequest(agi));
        // Only "confirmed" lets the dialplan skip its own StopMixMonitor.
        if (answer === 'confirmed') await agi.setVariable('CALLVAULT_PAUSE', 'confirmed');
      }, { timeoutMs: PAYMENT_DEADLINE_MS })
      .route('payment-exit', async (agi) => {
        const answer = await handlers.paymentExit(await this.#paymentRequest(agi));
        if (answer === 'resumed') await agi.setVariable('CALLVAULT_PAUSE', 'off');
      }, { timeoutMs: PAYMENT_DEADLINE_MS })
      .route('agent', async (agi) => {
        const leg = await this.#agentLeg(agi, preciseNow());
        if (leg.agent === '') {
          this.#log.warn('agent: callvault-agent without an agent id (no ARG1, no MEMBERNAME); bridging unrecorded at answer');
          return;
        }
        // Past the deadline the socket closes and the dialplan bridges with nothing claimed.
        let timer: NodeJS.Timeout | undefined;
        const answer = await Promise.race([
          handlers.agentAnswered(leg),
          new Promise<null>((resolve) => { timer = setTimeout(() => resolve(null), AGENT_STEP_DEADLINE_MS); }),
        ]).finally(() => clearTimeout(timer));
        if (answer === null) { this.#log.error('agent: no decision within the deadline; bridging unrecorded at answer'); return; }
        await this.#applyAgentAnswer(agi, answer);
      }, { timeoutMs: AGENT_REQUEST_DEADLINE_MS })
      .route('monitor', async (agi) => {
        const answer = await handlers.monitor(this.#monitorRequest(agi));
        if (answer.decision === 'allow') {
          await agi.setVariable('CALLVAULT_MONITOR_CHANNEL', answer.channel);
          await agi.setVariable('CALLVAULT_MONITOR_ID', answer.monitorId);
          await agi.setVariable('CALLVAULT_MONITOR', 'allow'); // last: the only value that lets ChanSpy run
        } else {
          await agi.setVariable('CALLVAULT_MONITOR_REASON', answer.reason);
          await agi.setVariable('CALLVAULT_MONITOR', 'refused');
        }
      }, { timeoutMs: MONITOR_DEADLINE_MS });
    this.ami.on('connected', () => onEvent({ type: 'link-up' }));
    this.ami.on('disconnected', ({ error }) => onEvent({ type: 'link-down', reason: error?.message ?? 'closed' }));
    this.ami.onEvent('Hangup', (e) => {
      const callId = e.fields.Uniqueid;
      onEvent({ type: 'hangup', callId });
      const t = this.#tracked.get(callId);
      if (t) void this.#awaitFile(callId, t);
    });
    // Live listening as Asterisk saw it (app_chanspy; class call): the gate allowed it under the spyer's Uniqueid.
    this.ami.onEvent('ChanSpyStart', (e) => {
      if (typeof e.fields.SpyerUniqueid === 'string') {
        onEvent({ type: 'monitor-started', supervisorCallId: e.fields.SpyerUniqueid, targetCallId: e.fields.SpyeeUniqueid ?? null, supervisorDevice: deviceOf(e.fields.SpyerChannel) });
      }
    });
    this.ami.onEvent('ChanSpyStop', (e) => {
      if (typeof e.fields.SpyerUniqueid === 'string') onEvent({ type: 'monitor-ended', supervisorCallId: e.fields.SpyerUniqueid });
    });
    this.ami.onEvent('UserEvent', (e) => {
      if (e.fields.UserEvent === 'CallvaultFailClosed' && typeof e.fields.Uniqueid === 'string') {
        onEvent({ type: 'fail-closed', callId: e.fields.Uniqueid });
      }
    });
    await this.agi.listen();
    this.ami.start();
    try {
      await this.ami.waitConnected();
    } catch (err) {
      // Not fatal: calls go on unrecorded-safe (payment fails closed) and the client keeps retrying.
      this.#log.error({ err }, 'ami: not connected at start; retrying in the background');
    }
  }

  /** Waits for MixMonitor's `.done` marker, then reports the file complete. */
  async #awaitFile(callId: string, t: Tracked): Promise<void> {
    const local = this.options.recordings.local;
    const marker = join(local, `${t.recordingId}.done`);
    const wav = join(local, `${t.recordingId}.wav`);
    const deadline = Date.now() + (this.options.finishWaitMs ?? 30_000);
    let lastSize = -1;
    let stableSince = Date.now();
    while (!this.#stopped) {
      try {
        await access(marker);
        await unlink(marker).catch(() => undefined);
        break;
      } catch { /* not yet */ }
      if (Date.now() > deadline) {
        // Fallback: no marker (a dialplan without /bin/touch); a WAV unchanged for 5 s is closed.
        const size = await stat(wav).then((s) => s.size, () => -1);
        if (size !== lastSize) { lastSize = size; stableSince = Date.now(); }
        else if (Date.now() - stableSince > 5_000) {
          if (size < 0) { this.#log.error({ recordingId: t.recordingId }, 'recording: file not found after hangup'); this.#tracked.delete(callId); return; }
          this.#log.warn({ recordingId: t.recordingId }, 'recording: no completion marker; file unchanged, taking it as complete');
          break;
        }
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    this.#tracked.delete(callId);
    this.#emit({ type: 'recording-finished', callId, recordingId: t.recordingId });
  }

  async inventory(): Promise<PbxInventory> {
    const channels = await this.ami.status({ variables: VARS });
    const live = new Set<string>();
    const running: RunningRecording[] = [];
    for (const ch of channels) {
      const f = ch.fields;
      live.add(f.Uniqueid);
      const vars = parseStatusVariables(ch.message);
      const recordingId = vars.get('CALLVAULT_RECORDING_ID') ?? '';
      if (!isRecordingId(recordingId)) continue;
      const pause = vars.get('CALLVAULT_PAUSE') ?? '';
      if (pause === 'stopped') continue;
      this.trackRecording(f.Uniqueid, f.Channel, recordingId, vars.get('CALLVAULT_MIXMONITOR_ID') || null);
      running.push({
        recordingId,
        paused: pause === 'confirmed' || pause === 'pending',
        info: { pbx: 'asterisk', callId: f.Uniqueid, linkedId: f.Linkedid, channel: f.Channel, line: vars.get('CALLVAULT_LINE') ?? 'unknown', agent: null, caller: f.CallerIDNum && f.CallerIDNum !== '<unknown>' ? f.CallerIDNum : null, language: f.Language || null },
      });
    }
    // Recordings we tracked whose channel vanished while the link was down: their files are complete.
    for (const [callId, t] of this.#tracked) {
      if (!live.has(callId)) { this.#emit({ type: 'hangup', callId }); void this.#awaitFile(callId, t); }
    }
    return { running, live };
  }

  /**
   * The dialplan's notes on a recording, from AstDB `callvault/<id>`
   * (`stopped <epoch>` when payment-enter failed closed, `unmute-failed
   * <epoch>` when payment-exit was not confirmed): set with DB() because
   * they must outlive the channel when the daemon was down. AMI DBGet answers
   * a list (DBGetResponse, then DBGetComplete) or `Database entry not found`.
   */
  async pauseMarks(recordingId: string): Promise<PauseMark[]> {
    if (!isRecordingId(recordingId)) return [];
    let res;
    try {
      res = await this.ami.actionList('DBGet', { Family: 'callvault', Key: recordingId });
    } catch (err) {
      if (isCallvaultError(err, 'CV_ERR_AMI_ACTION') && /not found/i.test(err.message)) return [];
      throw err;
    }
    const marks: PauseMark[] = [];
    for (const e of res.events) {
      const m = /^(stopped|unmute-failed) (\d{1,12})$/.exec(e.get('Val') ?? '');
      if (m) marks.push({ kind: m[1] as PauseMark['kind'], at: Number(m[2]) * 1000 });
      else this.#log.warn({ recordingId }, 'recovery: unreadable pause mark in AstDB, ignored');
    }
    return marks;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.agi.close();
    await this.ami.stop();
  }
}

/**
 * A channel name without the suffix Asterisk adds per call: PJSIP/sup-0000001a
 * is the device PJSIP/sup, Local/sup@ctx-00000003;1 is Local/sup@ctx.
 */
export function deviceOf(channel: string | undefined): string | undefined {
  if (channel === undefined || channel === '') return undefined;
  return channel.replace(/-[0-9a-f]{8}(;\d)?$/i, '');
}
