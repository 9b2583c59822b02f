/**
 * The FreeSWITCH adapter: translates the outbound Event Socket connections
 * that dialplan/freeswitch/callvault.xml opens (one per request:
 * CALLVAULT_ACTION = consent | payment-enter | payment-exit) and the events of
 * the standing inbound connection into the call-control interface
 * (src/pbx/call-control.ts), and recording commands back. It decides nothing:
 * the session in src/calls does.
 *
 * Recordings are started, masked, unmasked and stopped with `api uuid_record`
 * on the inbound connection, never with `record_session` on the call's own
 * socket: uuid_record answers `+OK` or `-ERR` (record_session completes with
 * `_none_` either way), and a recording the daemon could not mask or see end
 * must not exist at all, so without the inbound link no recording starts.
 *
 * File completion: record_callback (switch_ivr_async.c, SWITCH_ABC_TYPE_CLOSE)
 * fires RECORD_STOP after switch_core_file_close, so RECORD_STOP with our
 * path is "the file is complete". If the link was down at that moment, the
 * hangup (or the reconcile after reconnecting) falls back to the WAV header.
 */
import { open, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { CallvaultError, isCallvaultError } from '../../errors.js';
import type { Logger } from '../../log/logger.js';
import type { CallerInput, PromptName } from '../../policy/consent.js';
import { isRecordingId } from '../../calls/recording-id.js';
import { chooseLanguage } from '../../policy/language.js';
import { PROMPT_LANGUAGES } from '../../config/schema.js';
import { AGENT_STEP_DEADLINE_MS, preciseNow, type AgentAnswer, type AgentLeg, type AnswerRecordingControl, type CallHandlers, type CallInfo, type DialogueChannel, type LinkStatus, type MonitorAnswer, type PauseMark, type PaymentRequest, type PbxAdapter, type PbxEvent, type RecordingControl, type PbxInventory, type RunningRecording } from '../call-control.js';
import { agentLegOf, agentLegSets, noticeFile, periodicBeepFile } from './agent-step.js';
import { eavesdropSets, monitorRequestOf } from './monitor-gate.js';
import { EslOutboundServer, type ChannelData, type EslOutboundSession } from './esl-outbound-server.js';
import { EslInboundLink } from './esl-inbound-link.js';
import { positionMs, waitForGrowth } from './recording-position.js';
import type { EslEvent } from './esl-event.js';

export interface FreeSwitchAdapterOptions {
  esl: { host: string; port: number; password: string; commandTimeoutMs: number };
  outbound: { host: string; port: number };
  /** The recordings directory as FreeSWITCH sees it and as this host sees it. */
  recordings: { pbx: string; local: string };
  /** Prompts are `<prefix>/<language>/<name>.wav` (give FreeSWITCH an absolute prefix). */
  prompts: { prefix: string; defaultLanguage: string };
  /** Caller and agent on separate channels (RECORD_STEREO): left = read from the caller, right = written to the caller. */
  stereo?: boolean;
  logger: Logger;
  /** How long after a hangup to wait for RECORD_STOP before looking at the file. Default 10 s. */
  finishWaitMs?: number;
  /** Inbound reconnect backoff, first and largest delay. */
  backoff?: { minMs: number; maxMs: number };
}

/** The whole consent request, prompts and replays included. */
const CONSENT_DEADLINE_MS = 180_000;
/** A payment request must answer fast: the session's own mask deadline is 1.5 s. */
const PAYMENT_DEADLINE_MS = 2_500;
/** The CUSTOM event the dialplan fires when it stopped a recording itself. */
export const FAIL_CLOSED_SUBCLASS = 'callvault::fail_closed';
/** What the inbound link subscribes to. CUSTOM must come last: the words after it are subclasses. */
const SUBSCRIPTION = ['CHANNEL_HANGUP_COMPLETE', 'RECORD_STOP', 'CUSTOM', FAIL_CLOSED_SUBCLASS];
/**
 * How much audio the file must take in, still masked, before an unmask: more
 * than the media bug can hold back (three frames of up to 60 ms ptime; 60 ms
 * was measured at 20 ms ptime on FreeSWITCH 1.10.12). Costs the recording
 * that much audio after each payment, never the caller any wait beyond it.
 */
export const UNMASK_FLUSH_MS = 240;
const UNMASK_FLUSH_DEADLINE_MS = 1_000;
/** Result variable of play_and_get_digits. */
const DIGIT_VAR = 'callvault_digit';

const ACTIONS = ['consent', 'payment-enter', 'payment-exit', 'agent', 'monitor'] as const;
export type CallvaultAction = (typeof ACTIONS)[number];

/** The request the dialplan made, from the channel data of the outbound connect; null when it is not ours. */
export function actionOf(data: ChannelData): CallvaultAction | null {
  const a = data.event.variable('CALLVAULT_ACTION');
  return (ACTIONS as readonly string[]).includes(a ?? '') ? (a as CallvaultAction) : null;
}

/** How long the gate may take to answer a supervisor; the listening itself then lasts as long as it lasts. */
const MONITOR_GATE_DEADLINE_MS = 2_500;
/** A notice longer than this is cut: the agent is on the line and the caller waits. */
const NOTICE_TIMEOUT_MS = 30_000;
/** The longest setTimeout delay: an eavesdrop ends with the call or the supervisor, not with a timer. */
const NO_DEADLINE_MS = 2 ** 31 - 1;

/** Resolves with `p`, or null once `ms` passed (`p` still runs; the caller decides what a late result means). */
function within<T>(p: Promise<T>, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<null>((resolve) => { timer = setTimeout(() => resolve(null), ms); })]).finally(() => clearTimeout(timer));
}

/** CallInfo from the outbound connect reply (variables set by the including dialplan). */
export function callInfoOf(data: ChannelData, defaultLanguage: string): CallInfo {
  const v = (name: string): string | null => {
    const value = data.event.variable(name);
    return value === undefined || value === '' ? null : value;
  };
  const caller = data.callerNumber;
  return {
    pbx: 'freeswitch',
    callId: data.uuid,
    linkedId: data.callUuid,
    channel: data.uuid,
    line: v('CALLVAULT_LINE') ?? '',
    agent: v('CALLVAULT_AGENT'),
    caller: caller !== null && caller !== '' ? caller : null,
    // FreeSWITCH keeps no language of its own on a channel: only CALLVAULT_LANGUAGE counts (src/policy/language.ts).
    language: chooseLanguage({ explicit: v('CALLVAULT_LANGUAGE'), channel: null, pbxDefault: null }, defaultLanguage, PROMPT_LANGUAGES).language,
  };
}

/**
 * The play_and_get_digits argument for one key among `keys`:
 * min 1, max 1, one try, `waitMs` after the prompt, no terminator (`none`
 * holds no DTMF character), the prompt barged by any key, a silent
 * invalid-input file, and a regex that accepts only the offered keys.
 */
export function playAndGetDigitsArg(file: string, keys: string, waitMs: number): string {
  if (!/^[0-9*#A-D]+$/.test(keys)) throw new CallvaultError('CV_ERR_ESL_COMMAND', ['execute play_and_get_digits', 'keys must be DTMF characters']);
  if (/\s/.test(file)) throw new CallvaultError('CV_ERR_ESL_COMMAND', ['execute play_and_get_digits', 'a prompt path cannot contain spaces']);
  return `1 1 1 ${Math.max(1, Math.round(waitMs))} none ${file} silence_stream://250 ${DIGIT_VAR} ^[${keys}]$`;
}

/**
 * The `multiset` argument for these variables, in order: mod_dptools splits
 * it on spaces and sets each `name=value` as `set` does, an empty value
 * unsetting the variable (base_set). One application instead of one per
 * variable: each is a round trip on the socket.
 * Names and values are ours (DTMF keys); one holding a space or `=` in the
 * name would be split or misread, so it is refused rather than sent.
 */
export function multisetArg(vars: ReadonlyArray<readonly [name: string, value: string | null]>): string {
  if (vars.length === 0) throw new CallvaultError('CV_ERR_ESL_COMMAND', ['execute multiset', 'no variable given']);
  return vars
    .map(([name, value]) => {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new CallvaultError('CV_ERR_ESL_COMMAND', ['execute multiset', 'invalid variable name']);
      if (value !== null && (/\s/.test(value) || value.includes('$'))) {
        throw new CallvaultError('CV_ERR_ESL_COMMAND', ['execute multiset', 'a value cannot hold a space or $ (use set)']);
      }
      return `${name}=${value ?? ''}`;
    })
    .join(' ');
}

/** `set` arguments in order, CALLVAULT_DECISION last: the dialplan reads it as "the daemon finished". */
export function outcomeSets(vars: Readonly<Record<string, string>>): string[] {
  const entries = Object.entries(vars).sort(([a], [b]) => (a === 'CALLVAULT_DECISION' ? 1 : b === 'CALLVAULT_DECISION' ? -1 : 0));
  return entries.map(([k, v]) => `${k}=${v}`);
}

/** `uuid_getvar` prints `_undef_` for an unset variable and `-ERR ...` for a missing channel. */
export function getvarValue(reply: string): string | null {
  const v = reply.replace(/\n$/, '');
  return v === '_undef_' || v === '' || v.startsWith('-ERR') || v.startsWith('-USAGE') ? null : v;
}

/** mod_commands' `show channels as json`: `{"row_count":0}` or `{"row_count":n,"rows":[...]}`. */
export function parseShowChannels(text: string): Array<{ uuid: string; callUuid: string; cidNum: string | null }> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new CallvaultError('CV_ERR_ESL_FRAME', ['show channels as json did not return JSON'], { cause: err });
  }
  const rows = (parsed as { rows?: unknown }).rows;
  if (!Array.isArray(rows)) return [];
  return rows
    .filter((r): r is Record<string, unknown> => r !== null && typeof r === 'object' && typeof (r as { uuid?: unknown }).uuid === 'string')
    .map((r) => ({
      uuid: r.uuid as string,
      callUuid: typeof r.call_uuid === 'string' && r.call_uuid !== '' ? r.call_uuid : (r.uuid as string),
      cidNum: typeof r.cid_num === 'string' && r.cid_num !== '' ? r.cid_num : null,
    }));
}

/** A WAV whose RIFF size matches the file: the writer closed it (header sizes are written on close). */
export async function wavLooksClosed(path: string): Promise<boolean> {
  let fh;
  try {
    fh = await open(path, 'r');
    const head = Buffer.alloc(8);
    const { bytesRead } = await fh.read(head, 0, 8, 0);
    const size = (await fh.stat()).size;
    return bytesRead === 8 && head.toString('latin1', 0, 4) === 'RIFF' && head.readUInt32LE(4) === size - 8;
  } catch {
    return false;
  } finally {
    await fh?.close();
  }
}

class EslDialogue implements DialogueChannel {
  constructor(
    readonly info: CallInfo,
    private readonly session: EslOutboundSession,
    private readonly adapter: FreeSwitchAdapter,
    readonly receivedAt: number,
  ) {}

  #file(prompt: PromptName): string {
    const p = this.adapter.options.prompts;
    return `${p.prefix}/${this.info.language ?? p.defaultLanguage}/${prompt}.wav`;
  }

  /** playback_terminators when FreeSWITCH opened this socket; null when unset. */
  #terminatorsAtConnect(): string | null {
    const v = this.session.channel?.event.get('variable_playback_terminators');
    return v === undefined || v === '' ? null : v;
  }

  get #gone(): boolean {
    const k = this.session.state.kind;
    return k === 'hungup' || k === 'closed';
  }

  async ask(prompt: PromptName, keys: string, waitMs: number): Promise<CallerInput> {
    if (keys === '') return (await this.play(prompt)) === 'hangup' ? { kind: 'hangup' } : { kind: 'timeout' };
    if (!/^[0-9*#A-D]+$/.test(keys)) throw new CallvaultError('CV_ERR_ESL_COMMAND', ['execute playback', 'keys must be DTMF characters']);
    const t = { timeoutMs: this.adapter.commandTimeoutMs };
    try {
      // The notice is the legal information: only an offered key may cut it.
      // play_and_get_digits stops its prompt on any key (its regex is checked
      // afterwards), so the prompt is a playback whose terminators are the
      // offered keys; playback dequeues and drops any other key. The
      // integrator's own playback_terminators (as the dialplan left them when
      // it opened this socket: CHANNEL_DATA carries every variable) are put
      // back afterwards.
      //
      // The commands are sent together, so the notice waits for one round
      // trip instead of three: with event-lock FreeSWITCH runs queued
      // applications one after the other (switch_ivr_parse_all_events), so
      // the terminators are set before the notice starts.
      const before = this.#terminatorsAtConnect();
      const restore = () => this.session.execute(before === null ? 'unset' : 'set', before === null ? 'playback_terminators' : `playback_terminators=${before}`, t);
      try {
        await Promise.all([
          this.session.execute('multiset', multisetArg([['playback_terminators', keys], ['playback_terminator_used', null]]), t),
          this.session.execute('playback', this.#file(prompt), { timeoutMs: 120_000 }),
        ]);
      } catch (err) {
        if (!this.#gone) await restore();
        throw err;
      }
      if (this.#gone) return { kind: 'hangup' };
      // One DTMF character: safe to read with getvar (no line break can be in it). Never logged.
      // getvar is answered by the socket's thread; the restore runs on the channel, in turn.
      const [, cut] = await Promise.all([restore(), this.session.getvar('playback_terminator_used', t)]);
      if (cut !== null && cut !== '' && keys.includes(cut.slice(0, 1))) return { kind: 'key', key: cut.slice(0, 1) };
      // Then the wait for a key, with a silent prompt any key may end.
      await Promise.all([
        this.session.execute('unset', DIGIT_VAR, t),
        this.session.execute('play_and_get_digits', playAndGetDigitsArg('silence_stream://10', keys, waitMs), { timeoutMs: 10_000 + waitMs }),
      ]);
      if (this.#gone) return { kind: 'hangup' };
      const digit = await this.session.getvar(DIGIT_VAR, t);
      if (digit === null || digit === '') return { kind: 'timeout' };
      return { kind: 'key', key: digit.slice(0, 1) };
    } catch (err) {
      if (isCallvaultError(err, 'CV_ERR_ESL_CLOSED') || this.#gone) return { kind: 'hangup' };
      throw err;
    }
  }

  async play(prompt: PromptName): Promise<'played' | 'hangup'> {
    try {
      const r = await this.session.execute('playback', this.#file(prompt), { timeoutMs: 120_000 });
      if (r.response === 'FILE NOT FOUND') this.adapter.log.warn({ prompt }, 'consent: prompt file not found on FreeSWITCH');
      return this.#gone ? 'hangup' : 'played';
    } catch (err) {
      if (isCallvaultError(err, 'CV_ERR_ESL_CLOSED') || this.#gone) return 'hangup';
      throw err;
    }
  }

  async startRecording(recordingId: string): Promise<{ channels: 1 | 2 }> {
    if (!isRecordingId(recordingId)) throw new Error('invalid recording id');
    const path = this.adapter.pbxPath(recordingId);
    const t = { timeoutMs: this.adapter.commandTimeoutMs };
    // Both are read by uuid_record when it opens the file (switch_ivr_record_session_event).
    // No 64 KB write buffer: the pause offsets and the unmask flush read the file's length.
    await this.session.execute('set', 'enable_file_write_buffering=false', t);
    // Only ever set to true: an integrator's own RECORD_STEREO=true is kept,
    // and the hand-off takes the channel count from the file.
    const stereo = this.adapter.options.stereo === true;
    if (stereo) await this.session.execute('set', 'RECORD_STEREO=true', t);
    await this.adapter.recordCommand(this.info.channel, 'start', path);
    this.adapter.trackRecording(this.info.callId, recordingId);
    try {
      // The dialplan's fail-closed branches stop the recording by this path.
      await this.session.execute('set', `CALLVAULT_RECORDING_PATH=${path}`, { timeoutMs: this.adapter.commandTimeoutMs });
    } catch (err) {
      // A recording the dialplan cannot stop must not run.
      await this.adapter.recordCommand(this.info.channel, 'stop', path).catch(() => undefined);
      this.adapter.untrack(this.info.callId);
      throw err;
    }
    return { channels: stereo ? 2 : 1 };
  }

  async setOutcome(vars: Readonly<Record<string, string>>): Promise<void> {
    for (const set of outcomeSets(vars)) await this.session.execute('set', set, { timeoutMs: this.adapter.commandTimeoutMs });
  }
}

interface Tracked { recordingId: string; finished: boolean; waiting: boolean }

export class FreeSwitchAdapter implements PbxAdapter {
  readonly kind = 'freeswitch' as const;
  readonly options: FreeSwitchAdapterOptions;
  readonly log: Logger;
  readonly inbound: EslInboundLink;
  readonly outbound: EslOutboundServer;
  /** Recordings in progress, by Unique-ID: which hangups end a recording, and whether its file is closed. */
  readonly #tracked = new Map<string, Tracked>();
  #handlers: CallHandlers | null = null;
  #emit: (e: PbxEvent) => void = () => undefined;
  #stopped = false;

  readonly control: RecordingControl = {
    mute: async (channel, recordingId) => {
      await this.recordCommand(channel, 'mask', this.pbxPath(recordingId));
      return this.#position(recordingId);
    },
    unmute: async (channel, recordingId) => {
      // Card audio at unmask: FreeSWITCH applies the mask when a frame is
      // written to the file, not when it was captured, and frames wait in
      // the media bug's per-direction buffers until both directions have one
      // (switch_core_media_bug_read; the write side is trimmed only beyond
      // two frames). Unmasking at once wrote the last 20 to 60 ms of the
      // payment in clear. So the file must first take in, still masked,
      // more audio than those buffers can hold; only then is the flag cleared.
      // If no audio reaches the file (no media), the recording stays masked.
      const flushed = await waitForGrowth(this.localPath(recordingId), UNMASK_FLUSH_MS, UNMASK_FLUSH_DEADLINE_MS);
      if (!flushed) throw new CallvaultError('CV_ERR_ESL_UNMASK_FLUSH', [UNMASK_FLUSH_MS, UNMASK_FLUSH_DEADLINE_MS]);
      await this.recordCommand(channel, 'unmask', this.pbxPath(recordingId));
      return this.#position(recordingId);
    },
    stop: (channel, recordingId) => this.recordCommand(channel, 'stop', this.pbxPath(recordingId)),
  };

  /**
   * A recording started at the agent's answer, on the caller's leg, with
   * uuid_record like at entry. The caller's leg then carries what the
   * consent request would have left there (CALLVAULT_RECORDING_PATH, then
   * CALLVAULT_RECORDING_ID, set with uuid_setvar), so the payment extensions
   * pause it and a restarted daemon adopts it. Resolves only once all of it
   * answered +OK; past `deadlineMs` it rejects, and a start that lands later
   * is stopped: nobody would own that file.
   */
  readonly answerRecording: AnswerRecordingControl = {
    start: async (caller, recordingId, options, deadlineMs) => {
      const work = this.#startOnCaller(caller.channel, caller.callId, recordingId, options.stereo === true);
      const started = await within(work, deadlineMs);
      if (started === null) {
        void work.then(() => this.recordCommand(caller.channel, 'stop', this.pbxPath(recordingId)).then(() => this.untrack(caller.callId)), () => undefined).catch(() => undefined);
        throw new CallvaultError('CV_ERR_ESL_TIMEOUT', ['uuid_record start (at answer)', deadlineMs]);
      }
      // The agent step asking for it is on the agent leg: the periodic beep goes there, after the notice.
      const step = this.#agentSteps.get(caller.linkedId);
      if (step && options.periodicBeepSeconds !== undefined && options.periodicBeepSeconds > 0) step.beepSeconds = options.periodicBeepSeconds;
      return started;
    },
  };

  /** Agent steps in flight, by the caller's key: where a recording started at answer puts its periodic beep. */
  readonly #agentSteps = new Map<string, { beepSeconds: number | null }>();

  async #setvar(uuid: string, name: string, value: string | null): Promise<void> {
    if (!/^[0-9A-Za-z-]+$/.test(uuid) || /\s/.test(value ?? '')) throw new CallvaultError('CV_ERR_ESL_COMMAND', ['uuid_setvar', 'invalid uuid or value']);
    const reply = await this.inbound.api(value === null ? `uuid_setvar ${uuid} ${name}` : `uuid_setvar ${uuid} ${name} ${value}`, this.commandTimeoutMs);
    if (!reply.startsWith('+OK')) throw new CallvaultError('CV_ERR_ESL_COMMAND', [`uuid_setvar ${name}`, reply.split('\n')[0] ?? '']);
  }

  async #startOnCaller(uuid: string, callId: string, recordingId: string, stereo: boolean): Promise<{ channels: 1 | 2 }> {
    const path = this.pbxPath(recordingId);
    // As at entry (EslDialogue.startRecording): read by uuid_record when it opens the file.
    await this.#setvar(uuid, 'enable_file_write_buffering', 'false');
    await this.#setvar(uuid, 'RECORD_MIN_SEC', '0');
    if (stereo) await this.#setvar(uuid, 'RECORD_STEREO', 'true');
    await this.recordCommand(uuid, 'start', path);
    this.trackRecording(callId, recordingId);
    try {
      await this.#setvar(uuid, 'CALLVAULT_RECORDING_PATH', path);
      await this.#setvar(uuid, 'CALLVAULT_PAUSE', null);
      await this.#setvar(uuid, 'CALLVAULT_RECORDING_ID', recordingId);
    } catch (err) {
      // A recording the dialplan cannot pause or stop must not run.
      await this.recordCommand(uuid, 'stop', path).catch(() => undefined);
      await this.#setvar(uuid, 'CALLVAULT_RECORDING_ID', null).catch(() => undefined);
      this.untrack(callId);
      throw err;
    }
    return { channels: stereo ? 2 : 1 };
  }

  /** Where the file is now, in ms of audio: the PBX's timeline for the pause offsets. */
  async #position(recordingId: string): Promise<{ offsetMs: number } | undefined> {
    const ms = await positionMs(this.localPath(recordingId));
    return ms === null ? undefined : { offsetMs: Math.round(ms) };
  }

  constructor(options: FreeSwitchAdapterOptions) {
    this.options = options;
    this.log = options.logger.child({ component: 'freeswitch' });
    this.inbound = new EslInboundLink({
      ...options.esl,
      events: SUBSCRIPTION,
      logger: options.logger,
      ...(options.backoff ? { minBackoffMs: options.backoff.minMs, maxBackoffMs: options.backoff.maxMs } : {}),
    });
    this.outbound = new EslOutboundServer({
      host: options.outbound.host,
      port: options.outbound.port,
      logger: options.logger,
      commandTimeoutMs: options.esl.commandTimeoutMs,
      handler: (session) => this.#onCall(session),
    });
  }

  get commandTimeoutMs(): number {
    return this.options.esl.commandTimeoutMs;
  }

  /** The file as this host sees it. */
  localPath(recordingId: string): string {
    if (!isRecordingId(recordingId)) throw new Error('invalid recording id');
    return join(this.options.recordings.local, `${recordingId}.wav`);
  }

  pbxPath(recordingId: string): string {
    if (!isRecordingId(recordingId)) throw new Error('invalid recording id');
    return `${this.options.recordings.pbx}/${recordingId}.wav`;
  }

  /** `uuid_record <uuid> <verb> <path>`: only a reply starting with `+OK` is success (error texts vary by version). */
  async recordCommand(uuid: string, verb: 'start' | 'stop' | 'mask' | 'unmask', path: string): Promise<void> {
    if (!/^[0-9A-Za-z-]+$/.test(uuid)) throw new CallvaultError('CV_ERR_ESL_COMMAND', [`uuid_record ${verb}`, 'invalid channel uuid']);
    const reply = await this.inbound.api(`uuid_record ${uuid} ${verb} ${path}`, this.commandTimeoutMs);
    if (!reply.startsWith('+OK')) throw new CallvaultError('CV_ERR_ESL_COMMAND', [`uuid_record ${verb}`, reply.split('\n')[0] ?? '']);
  }

  trackRecording(callId: string, recordingId: string): void {
    const t = this.#tracked.get(callId);
    if (t?.recordingId === recordingId) return;
    this.#tracked.set(callId, { recordingId, finished: false, waiting: false });
  }

  untrack(callId: string): void {
    this.#tracked.delete(callId);
  }

  link(): LinkStatus {
    return this.inbound.status();
  }

  /** The outbound listener's address (tests listen on port 0). */
  outboundAddress(): { host: string; port: number } {
    return this.#outboundAddr ?? { host: this.options.outbound.host, port: this.options.outbound.port };
  }

  #outboundAddr: { host: string; port: number } | null = null;

  async start(handlers: CallHandlers, onEvent: (event: PbxEvent) => void): Promise<void> {
    this.#handlers = handlers;
    this.#emit = onEvent;
    this.inbound.on('up', () => onEvent({ type: 'link-up' }));
    this.inbound.on('down', (reason) => onEvent({ type: 'link-down', reason }));
    this.inbound.on('event', (ev) => this.#onEvent(ev));
    const addr = await this.outbound.listen();
    this.#outboundAddr = { host: addr.address, port: addr.port };
    this.inbound.start();
    if (!(await this.inbound.waitUp(Math.max(2_000, this.commandTimeoutMs)))) {
      // Not fatal: calls go on unrecorded (no recording starts without the link) and the link keeps retrying.
      this.log.error({ lastError: this.inbound.status().lastError }, 'esl: inbound link not up at start; retrying in the background');
    }
  }

  async #onCall(session: EslOutboundSession): Promise<void> {
    // The request arrived when FreeSWITCH connected: latency is measured from here.
    const receivedAt = preciseNow();
    const handlers = this.#handlers;
    if (!handlers) return;
    const data = await session.connect({ timeoutMs: this.commandTimeoutMs });
    if (data.socketMode !== 'async' || data.control !== 'full') {
      // Without async every prompt blocks the socket and DTMF is unseen; without full, linger is refused.
      this.log.error({ err: new CallvaultError('CV_ERR_ESL_SOCKET_MODE', [data.socketMode, data.control]) }, 'esl: outbound socket refused');
      return;
    }
    const action = actionOf(data);
    if (action === null) {
      this.log.warn({ call: data.uuid }, 'esl: outbound connection without CALLVAULT_ACTION, ignored');
      return;
    }
    // Sent together: the socket's thread answers each in turn (mod_event_socket
    // reads one command at a time), so one round trip instead of two.
    // linger keeps the socket after a hangup so the executes in flight see CHANNEL_HANGUP_COMPLETE.
    await Promise.all([session.myevents('plain', { timeoutMs: this.commandTimeoutMs }), session.linger(undefined, { timeoutMs: this.commandTimeoutMs })]);
    if (action === 'agent') return this.#agentStep(session, data, handlers, receivedAt);
    if (action === 'monitor') return this.#monitorGate(session, data, handlers, receivedAt);
    const deadline = action === 'consent' ? CONSENT_DEADLINE_MS : PAYMENT_DEADLINE_MS;
    const timer = setTimeout(() => {
      // The dialplan goes on without the outcome variable: unrecorded, or the payment fails closed.
      this.log.warn({ call: data.uuid, action, deadlineMs: deadline }, 'esl: request deadline passed, leaving the call to the dialplan');
      session.close();
    }, deadline);
    try {
      if (action === 'consent') {
        await handlers.consent(new EslDialogue(callInfoOf(data, this.options.prompts.defaultLanguage), session, this, receivedAt));
      } else {
        const req = { ...this.#paymentRequest(data), receivedAt };
        if (action === 'payment-enter') {
          const answer = await handlers.paymentEnter(req);
          // Only "confirmed" lets the dialplan skip its own stop_record_session.
          if (answer === 'confirmed') await session.execute('set', 'CALLVAULT_PAUSE=confirmed', { timeoutMs: this.commandTimeoutMs });
        } else {
          const answer = await handlers.paymentExit(req);
          if (answer === 'resumed') await session.execute('set', 'CALLVAULT_PAUSE=off', { timeoutMs: this.commandTimeoutMs });
        }
      }
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * The agent leg is answered and waits, unbridged, for this socket to end
   * (group_confirm exec). The answer must come within AGENT_STEP_DEADLINE_MS;
   * past it the socket is left and the dialplan bridges with nothing claimed.
   */
  async #agentStep(session: EslOutboundSession, data: ChannelData, handlers: CallHandlers, receivedAt: number): Promise<void> {
    const parsed = agentLegOf(data, receivedAt);
    if (parsed === null) {
      this.log.warn({ call: data.uuid }, 'agent: the agent hook ran without CALLVAULT_AGENT (or cc_agent); bridged unrecorded');
      return;
    }
    const t = { timeoutMs: this.commandTimeoutMs };
    let leg: AgentLeg = parsed.leg;
    if (parsed.memberUuid !== null) {
      // mod_callcenter: the caller's key is the member leg's call_uuid (its own uuid when unset).
      const callUuid = getvarValue(await this.inbound.api(`uuid_getvar ${parsed.memberUuid} call_uuid`).catch(() => ''));
      leg = { ...leg, linkedId: callUuid ?? parsed.memberUuid };
    }
    const step = { beepSeconds: null as number | null };
    this.#agentSteps.set(leg.linkedId, step);
    let answer: AgentAnswer | null;
    const late = handlers.agentAnswered(leg);
    try {
      answer = await within(late, AGENT_STEP_DEADLINE_MS - (preciseNow() - receivedAt));
    } finally {
      this.#agentSteps.delete(leg.linkedId);
    }
    if (answer === null) {
      this.log.warn({ call: data.uuid, deadlineMs: AGENT_STEP_DEADLINE_MS }, 'agent: no answer within the deadline; the call is bridged with nothing claimed');
      void late.then((a) => {
        if (a.action === 'record-now') this.log.error({ recordingId: a.recordingId }, 'agent: recording started after the agent step\'s deadline; the agent was not told on their leg');
      }, () => undefined);
      return;
    }
    if (answer.action !== 'not-recorded' && answer.notice !== null) {
      const r = await session.execute('playback', noticeFile(answer.notice, this.options.prompts.prefix), { timeoutMs: NOTICE_TIMEOUT_MS });
      if (r.response === 'FILE NOT FOUND') this.log.warn({ notice: answer.notice.kind }, 'agent: notice file not found on FreeSWITCH');
    }
    if (answer.action === 'record-now' && step.beepSeconds !== null) {
      // A media bug on the agent leg: it stays through the bridge and ends with the leg.
      const reply = await this.inbound.api(`uuid_displace ${leg.channel} start ${periodicBeepFile(step.beepSeconds)} 0 mux`, this.commandTimeoutMs).catch((err: unknown) => String(err));
      if (!reply.startsWith('+OK')) this.log.warn({ reply: reply.split('\n')[0] }, 'agent: periodic beep not started');
    }
    for (const set of agentLegSets(answer.vars)) await session.execute('set', set, t);
  }

  /**
   * The supervisor's gate. On allow the eavesdrop runs here, on this socket:
   * its CHANNEL_EXECUTE is the audited start, its completion (or the
   * supervisor's hangup) the end. Anything else leaves the dialplan with
   * CALLVAULT_MONITOR_DECISION unset or refuse: no listening.
   */
  async #monitorGate(session: EslOutboundSession, data: ChannelData, handlers: CallHandlers, receivedAt: number): Promise<void> {
    const t = { timeoutMs: this.commandTimeoutMs };
    const req = monitorRequestOf(data, receivedAt);
    const refuse = async (reason: string) => {
      await session.execute('set', `CALLVAULT_MONITOR_REASON=${reason}`, t);
      await session.execute('set', 'CALLVAULT_MONITOR_DECISION=refuse', t);
    };
    if ('invalid' in req) {
      this.log.warn({ call: data.uuid, reason: req.invalid }, 'monitor: gate called without what it needs; refused');
      return refuse(req.invalid);
    }
    const answer: MonitorAnswer | null = await within(handlers.monitor(req), MONITOR_GATE_DEADLINE_MS);
    if (answer === null) {
      this.log.warn({ call: data.uuid }, 'monitor: no answer from the gate in time; no listening');
      return;
    }
    if (answer.decision === 'refuse') return refuse(answer.reason);
    if (!/^[0-9A-Za-z-]+$/.test(answer.channel)) return refuse('error');
    for (const set of eavesdropSets(req.mode)) await session.execute('set', set, t);
    await session.execute('set', `CALLVAULT_MONITOR_ID=${answer.monitorId}`, t);
    await session.execute('set', 'CALLVAULT_MONITOR_DECISION=allow', t);
    const onEvent = (ev: EslEvent) => {
      if (ev.name === 'CHANNEL_EXECUTE' && ev.get('Application') === 'eavesdrop') {
        session.off('event', onEvent);
        this.#emit({ type: 'monitor-started', supervisorCallId: data.uuid, targetCallId: answer.channel });
      }
    };
    session.on('event', onEvent);
    try {
      await session.execute('eavesdrop', answer.channel, { timeoutMs: NO_DEADLINE_MS });
    } catch (err) {
      if (!isCallvaultError(err, 'CV_ERR_ESL_CLOSED')) throw err;
    } finally {
      session.off('event', onEvent);
      this.#emit({ type: 'monitor-ended', supervisorCallId: data.uuid });
    }
  }

  #paymentRequest(data: ChannelData): PaymentRequest {
    const id = data.event.variable('CALLVAULT_RECORDING_ID') ?? '';
    const recordingId = isRecordingId(id) ? id : null;
    // A call recorded before a daemon restart: learn it so that its hangup hands the file off.
    if (recordingId !== null) this.trackRecording(data.uuid, recordingId);
    return { pbx: 'freeswitch', callId: data.uuid, channel: data.uuid, recordingId };
  }

  #onEvent(ev: EslEvent): void {
    const callId = ev.uuid;
    if (callId === undefined) return;
    switch (ev.name) {
      case 'CHANNEL_HANGUP_COMPLETE': {
        this.#emit({ type: 'hangup', callId });
        const t = this.#tracked.get(callId);
        if (t?.finished) this.#tracked.delete(callId);
        else if (t) void this.#awaitFile(callId, t);
        return;
      }
      case 'RECORD_STOP': {
        const path = ev.get('Record-File-Path') ?? '';
        const name = basename(path);
        const recordingId = name.endsWith('.wav') ? name.slice(0, -4) : '';
        if (!isRecordingId(recordingId) || path !== `${this.options.recordings.pbx}/${name}`) return;
        if (ev.variable('RECORD_DISCARDED') === 'true') this.log.error({ recordingId }, 'recording: FreeSWITCH discarded the file as too short (set RECORD_MIN_SEC=0 in the dialplan)');
        const t = this.#tracked.get(callId);
        if (t && t.recordingId === recordingId) t.finished = true;
        this.#emit({ type: 'recording-finished', callId, recordingId });
        return;
      }
      case 'CUSTOM':
        if (ev.get('Event-Subclass') === FAIL_CLOSED_SUBCLASS) this.#emit({ type: 'fail-closed', callId });
        return;
      default:
        return;
    }
  }

  /** After a hangup without RECORD_STOP (the link was down): wait for it, then trust a closed WAV header or a file that stopped changing. */
  async #awaitFile(callId: string, t: Tracked): Promise<void> {
    if (t.waiting) return;
    t.waiting = true;
    const wav = join(this.options.recordings.local, `${t.recordingId}.wav`);
    const deadline = Date.now() + (this.options.finishWaitMs ?? 10_000);
    let lastSize = -1;
    let stableSince = Date.now();
    while (!this.#stopped && !t.finished) {
      if (Date.now() > deadline) {
        if (await wavLooksClosed(wav)) break;
        const size = await stat(wav).then((s) => s.size, () => -1);
        if (size !== lastSize) { lastSize = size; stableSince = Date.now(); }
        else if (Date.now() - stableSince > 5_000) {
          if (size < 0) { this.log.error({ recordingId: t.recordingId }, 'recording: file not found after hangup'); this.#tracked.delete(callId); return; }
          this.log.warn({ recordingId: t.recordingId }, 'recording: no RECORD_STOP and no closed header; file unchanged, taking it as complete');
          break;
        }
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    if (this.#stopped) return;
    this.#tracked.delete(callId);
    if (!t.finished) this.#emit({ type: 'recording-finished', callId, recordingId: t.recordingId });
  }

  async inventory(): Promise<PbxInventory> {
    const rows = parseShowChannels(await this.inbound.api('show channels as json'));
    const live = new Set<string>();
    const running: RunningRecording[] = [];
    // uuid_getvar rather than the channel's variables in an event: one value per reply, read as text.
    const getvar = async (uuid: string, name: string) => getvarValue(await this.inbound.api(`uuid_getvar ${uuid} ${name}`));
    for (const row of rows) {
      live.add(row.uuid);
      if (!/^[0-9A-Za-z-]+$/.test(row.uuid)) continue;
      const recordingId = (await getvar(row.uuid, 'CALLVAULT_RECORDING_ID')) ?? '';
      if (!isRecordingId(recordingId)) continue;
      const pause = (await getvar(row.uuid, 'CALLVAULT_PAUSE')) ?? '';
      if (pause === 'stopped') continue;
      const line = (await getvar(row.uuid, 'CALLVAULT_LINE')) ?? 'unknown';
      this.trackRecording(row.uuid, recordingId);
      running.push({
        recordingId,
        paused: pause === 'confirmed' || pause === 'pending',
        info: { pbx: 'freeswitch', callId: row.uuid, linkedId: row.callUuid, channel: row.uuid, line, agent: null, caller: row.cidNum, language: null },
      });
    }
    // Recordings we tracked whose channel vanished while the link was down: their files are complete (or soon).
    for (const [callId, t] of this.#tracked) {
      if (live.has(callId)) continue;
      this.#emit({ type: 'hangup', callId });
      if (t.finished) this.#tracked.delete(callId);
      else void this.#awaitFile(callId, t);
    }
    return { running, live };
  }

  /**
   * The dialplan's notes on a recording, from FreeSWITCH's db (mod_db, realm
   * `callvault`, key the recording id): `stopped <epoch>` when payment-enter
   * failed closed, `unmute-failed <epoch>` when payment-exit was not
   * confirmed. They outlive the channel, for a daemon that was down then.
   * `db select` answers the value, or nothing for a missing key.
   */
  async pauseMarks(recordingId: string): Promise<PauseMark[]> {
    if (!isRecordingId(recordingId)) return [];
    const value = (await this.inbound.api(`db select/callvault/${recordingId}`)).trim();
    if (value === '' || value.startsWith('-ERR') || value.startsWith('!err!')) return [];
    const m = /^(stopped|unmute-failed) (\d{1,12})$/.exec(value);
    if (!m) { this.log.warn({ recordingId }, 'recovery: unreadable pause mark in the FreeSWITCH db, ignored'); return []; }
    return [{ kind: m[1] as PauseMark['kind'], at: Number(m[2]) * 1000 }];
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.outbound.close();
    await this.inbound.stop();
  }
}
