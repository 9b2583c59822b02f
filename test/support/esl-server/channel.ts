/**
 * A simulated FreeSWITCH channel: its caller profile and variables, answer
 * state, the private-event queue that `sendmsg` feeds (switch_ivr_parse_event),
 * dialplan applications that take simulated media time, DTMF, recordings, and
 * hangup. Behaviours modelled on the source, with their origin:
 *
 * - An application runs as switch_core_session_exec does: CHANNEL_EXECUTE,
 *   the application, CHANNEL_EXECUTE_COMPLETE with Application-Response
 *   (`_none_` if the application set none) and Application-UUID (the
 *   sendmsg `Event-UUID`, or a fresh one).
 * - An unknown application hangs the channel up with DESTINATION_OUT_OF_ORDER
 *   and fires no EXECUTE events (switch_core_session_execute_application).
 * - A sendmsg arriving while an application runs is executed inside it, unless
 *   the running one was sent with `event-lock: true` (CF_EVENT_LOCK stops
 *   switch_core_session_dequeue_private_event). The outer application's media
 *   time stands still meanwhile: it is the same session thread.
 * - Queued private events die with the channel: after hangup nothing runs.
 * - Hangup fires CHANNEL_HANGUP, ends the running applications (their
 *   EXECUTE_COMPLETE follows), stops recordings (RECORD_STOP), then
 *   CHANNEL_HANGUP_COMPLETE and CHANNEL_DESTROY.
 *
 * Simplifications: digits pressed during `playback` that are not terminators
 * stay buffered for the next reader; play_and_get_digits does not transfer to a
 * failure extension; loops run back to back.
 */
import { randomUUID } from 'node:crypto';
import type { EslHeader } from '../../../src/pbx/freeswitch/esl-frame.js';
import { getHeader } from '../../../src/pbx/freeswitch/esl-frame.js';
import { EslEvent } from '../../../src/pbx/freeswitch/esl-event.js';
import { buildEvent, type ChannelView, type CoreIdentity } from './event-factory.js';
import { appendFileSync, writeFileSync } from 'node:fs';
import { appendFile, open } from 'node:fs/promises';
import { SimRecording, renderPcm, renderWav, wavHeader, SIM_FRAME_MS, type CapturedSound } from './recording.js';
import { expandVariables, type DialplanAction } from './dialplan.js';

export interface ChannelHost {
  readonly identity: CoreIdentity;
  /** mod_db's store, `<realm>/<key>` → value (the `db` application and `db select`). */
  readonly db?: Map<string, string>;
  fire(event: EslEvent): void;
  /** Playback length of a file in ms; null when the file does not exist. */
  fileDuration(file: string): number | null;
  /** Media time step in ms (the granularity of simulated playback). */
  readonly tickMs: number;
  destroyed(channel: SimChannel): void;
  /** Write each recording's WAV at its path (header at start, the whole file when it closes). */
  readonly writeRecordings?: boolean;
  /**
   * Write the growing file asynchronously, and close it as a WAV writer
   * does (append what is left, then fix the RIFF sizes in the header)
   * instead of rendering it again whole; RECORD_STOP (and the hangup's later
   * events) wait for the close. Off by default (tests compare against
   * renderWav); a benchmark's 5-minute files rendered, and its appends
   * written, on the event loop stalled it for 100s of ms.
   */
  readonly finishGrownFile?: boolean;
  /** Media time step while a playback runs, in ms (default tickMs). */
  readonly playbackTickMs?: number;
  /** How often the growing file is appended to, in ms (default SIM_FRAME_MS, one frame; a benchmark of thousands of calls coarsens it). */
  readonly recordingFrameMs?: number;
  /** The `socket` application's TCP connection; null when it cannot connect ("Socket Error!"). */
  openSocket?(channel: SimChannel, host: string, port: number, async: boolean, full: boolean): Promise<{ readonly closed: boolean } | null>;
  /** A dialplan hunt (execute_extension), with condition fields read at hunt time. */
  hunt?(channel: SimChannel, extension: string, context: string): DialplanAction[];
  /** Global variables (vars.xml), the fallback of `${name}`. */
  globalVariable?(name: string): string | undefined;
}

export interface ChannelSpec {
  readonly uuid?: string;
  readonly callerNumber: string;
  readonly callerName?: string;
  readonly destination: string;
  readonly context?: string;
  readonly variables?: Readonly<Record<string, string>>;
}

/** A `sendmsg` as FreeSWITCH received it (headers as sent: FreeSWITCH does not URL-decode them). */
export interface PrivateCommand {
  readonly headers: readonly EslHeader[];
  readonly body: string;
}

export interface AppRecord {
  readonly app: string;
  readonly arg: string | undefined;
  readonly appUuid: string;
  readonly eventLock: boolean;
  response: string | null;
  readonly startedAt: number;
  endedAt: number | null;
  /** Depth of nesting when it started: 0 = ran alone. */
  readonly depth: number;
}

interface Running {
  readonly record: AppRecord;
  readonly abort: AbortController;
  /** Receives digits while this application is the innermost one; true when it consumed the digit. */
  onDigit: ((digit: string) => boolean) | null;
  breakRequested: boolean;
  /** True while it is in its media loop, where FreeSWITCH parses queued private events (switch_ivr_parse_all_events). */
  polling: boolean;
}

const STATE_NUMBER: Readonly<Record<string, number>> = { CS_EXECUTE: 4, CS_HANGUP: 10, CS_REPORTING: 11, CS_DESTROY: 12 };

class Hangup extends Error {}

export class SimChannel implements ChannelView {
  readonly uuid: string;
  readonly callUuid: string;
  readonly name: string;
  readonly direction = 'inbound' as const;
  readonly callerNumber: string;
  readonly callerName: string;
  readonly destination: string;
  readonly context: string;
  readonly networkAddr = '192.0.2.10';
  readonly variables = new Map<string, string>();
  state = 'CS_EXECUTE';
  callState = 'RINGING';
  answerState = 'ringing';
  readonly createdUs: number;
  answeredUs = 0;
  hangupUs = 0;
  hangupCause: string | null = null;
  /** Recordings by path while active; all of them, in order, in `recordingHistory`. */
  readonly recordings = new Map<string, SimRecording>();
  readonly recordingHistory: SimRecording[] = [];
  readonly appLog: AppRecord[] = [];
  readonly #host: ChannelHost;
  readonly #queue: PrivateCommand[] = [];
  readonly #running: Running[] = [];
  readonly #digits: string[] = [];
  #alive = true;
  #pumping = false;
  readonly #idleWaiters: Array<() => void> = [];

  constructor(host: ChannelHost, spec: ChannelSpec) {
    this.#host = host;
    this.uuid = spec.uuid ?? randomUUID();
    this.callUuid = this.uuid;
    this.callerNumber = spec.callerNumber;
    this.callerName = spec.callerName ?? spec.callerNumber;
    this.destination = spec.destination;
    this.context = spec.context ?? 'default';
    this.name = `sofia/internal/${spec.callerNumber}@192.0.2.1`;
    this.createdUs = Date.now() * 1000;
    this.variables.set('direction', 'inbound');
    this.variables.set('uuid', this.uuid);
    this.variables.set('call_uuid', this.uuid);
    this.variables.set('channel_name', this.name);
    this.variables.set('sip_from_user', spec.callerNumber);
    this.variables.set('sip_to_user', spec.destination);
    this.variables.set('caller_id_number', spec.callerNumber);
    this.variables.set('destination_number', spec.destination);
    for (const [k, v] of Object.entries(spec.variables ?? {})) this.variables.set(k, v);
  }

  get alive(): boolean {
    return this.#alive;
  }

  get stateNumber(): number {
    return STATE_NUMBER[this.state] ?? 4;
  }

  get answered(): boolean {
    return this.answeredUs !== 0;
  }

  /** Applications running now, outermost first. */
  get runningApps(): readonly AppRecord[] {
    return this.#running.map((r) => r.record);
  }

  fire(name: string, headers: readonly EslHeader[] = [], body: string | null = null): void {
    this.#host.fire(buildEvent(this.#host.identity, name, { channel: this, headers, body }));
  }

  /** A CHANNEL_DATA event with the caller profile also under `Channel-` (the outbound connect reply). */
  channelData(extra: readonly EslHeader[]): EslEvent {
    const ev = buildEvent(this.#host.identity, 'CHANNEL_DATA', { channel: this });
    // switch_caller_profile_event_set_data(profile, "Channel", event) runs before switch_channel_event_set_data.
    const [delivery, rest] = [ev.headers.slice(0, 13), ev.headers.slice(13)];
    const profile: EslHeader[] = rest.filter(([n]) => n.startsWith('Caller-')).map(([n, v]) => [`Channel-${n.slice(7)}`, v]);
    return new EslEvent([...delivery, ...profile, ...rest, ...extra]);
  }

  // --- media-time helpers ------------------------------------------------------

  async #tick(ms: number): Promise<void> {
    await new Promise((r) => setTimeout(r, ms));
  }

  /**
   * Lets `ms` of this application's media time pass. Time passes only while
   * it is the innermost application (a nested one holds the session thread).
   * Resolves early with 'digit' / 'break' when `until` says so.
   */
  async #mediaTime(run: Running, ms: number, until?: () => 'digit' | 'break' | null): Promise<'elapsed' | 'digit' | 'break'> {
    let left = ms;
    run.polling = true;
    try {
      for (;;) {
        if (!this.#alive || run.abort.signal.aborted) throw new Hangup();
        if (run.breakRequested) return 'break';
        const u = until?.();
        if (u) return u;
        if (left <= 0) return 'elapsed';
        if (this.#queue.length > 0) this.#pump();
        // A playback may step coarser (ChannelHost.playbackTickMs): a benchmark's minutes of talk would otherwise be the load.
        const step = Math.min(run.record.app === 'playback' ? (this.#host.playbackTickMs ?? this.#host.tickMs) : this.#host.tickMs, left);
        await this.#tick(step);
        if (this.#running[this.#running.length - 1] === run) left -= step;
      }
    } finally {
      run.polling = false;
    }
  }

  #hear(sound: CapturedSound): void {
    for (const r of this.recordings.values()) r.hear(sound);
  }

  // --- private events (sendmsg) -----------------------------------------------

  /**
   * Queues a sendmsg for the session (async socket, or `sendmsg <uuid>`).
   * Resolves once it was processed (for a static socket the reply waits for it).
   */
  queuePrivate(cmd: PrivateCommand): Promise<void> {
    return new Promise<void>((resolve) => {
      if (!this.#alive) {
        resolve();
        return;
      }
      this.#queue.push({ ...cmd, done: resolve } as PrivateCommand & { done: () => void });
      this.#pump();
    });
  }

  #pump(): void {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (this.#alive && this.#queue.length > 0) {
        const top = this.#running[this.#running.length - 1];
        // Nest only inside an application that is polling and did not lock events.
        if (top && (top.record.eventLock || !top.polling)) break;
        const cmd = this.#queue.shift() as PrivateCommand & { done: () => void };
        void this.#parseEvent(cmd).finally(cmd.done);
        // A command that runs an application becomes the innermost one: the next waits or nests in it.
      }
    } finally {
      this.#pumping = false;
    }
    if (!this.#alive) {
      for (const c of this.#queue.splice(0) as Array<PrivateCommand & { done: () => void }>) c.done();
    }
  }

  /** A static (sync) socket parses the sendmsg on the spot, and replies when it is done. */
  runNow(cmd: PrivateCommand): Promise<void> {
    return this.#alive ? this.#parseEvent(cmd) : Promise.resolve();
  }

  /** switch_ivr_parse_event, then the PRIVATE_COMMAND event FreeSWITCH fires with the message. */
  async #parseEvent(cmd: PrivateCommand): Promise<void> {
    const h = (n: string) => getHeader(cmd.headers, n);
    const command = h('call-command');
    if (command === 'execute') {
      const app = h('execute-app-name');
      let arg = h('execute-app-arg');
      const contentType = h('content-type');
      if ((arg === undefined || arg === '') && contentType?.toLowerCase() === 'text/plain') arg = cmd.body;
      const loops = Math.max(1, Number.parseInt(h('loops') ?? '1', 10) || 1);
      const eventLock = isTrue(h('event-lock'));
      const eventUuid = h('event-uuid');
      if (app) {
        for (let i = 0; i < loops && this.#alive; i++) {
          const ok = await this.execute(app, arg, { eventLock, appUuid: eventUuid });
          if (!ok) break;
        }
      }
    } else if (command === 'hangup') {
      this.hangup(h('hangup-cause') ?? 'NORMAL_CLEARING');
    }
    if (this.#alive) this.fire('PRIVATE_COMMAND', cmd.headers.filter(([n]) => n.toLowerCase() !== 'content-length'));
  }

  /** switch_core_session_execute_application + switch_core_session_exec. False if the application does not exist. */
  async execute(app: string, arg: string | undefined, opts: { eventLock?: boolean; appUuid?: string | undefined } = {}): Promise<boolean> {
    const impl = APPS[app];
    if (!impl) {
      this.hangup('DESTINATION_OUT_OF_ORDER');
      return false;
    }
    if (!this.#alive) return false;
    const record: AppRecord = {
      app,
      arg,
      appUuid: opts.appUuid ?? randomUUID(),
      eventLock: opts.eventLock ?? false,
      response: null,
      startedAt: Date.now(),
      endedAt: null,
      depth: this.#running.length,
    };
    const run: Running = { record, abort: new AbortController(), onDigit: null, breakRequested: false, polling: false };
    this.appLog.push(record);
    this.variables.set('current_application', app);
    if (arg !== undefined) this.variables.set('current_application_data', arg);
    this.variables.delete('current_application_response');
    const appHeaders = (): EslHeader[] => [
      ['Application', app],
      ...(arg !== undefined ? ([['Application-Data', arg]] as EslHeader[]) : []),
    ];
    this.fire('CHANNEL_EXECUTE', [...appHeaders(), ['Application-UUID', record.appUuid]]);
    this.#running.push(run);
    try {
      await impl(this, run, arg ?? '');
    } catch (err) {
      if (!(err instanceof Hangup)) throw err;
    } finally {
      const i = this.#running.indexOf(run);
      if (i >= 0) this.#running.splice(i, 1);
    }
    record.endedAt = Date.now();
    record.response = this.variables.get('current_application_response') ?? null;
    this.fire('CHANNEL_EXECUTE_COMPLETE', [...appHeaders(), ['Application-Response', record.response ?? '_none_'], ['Application-UUID', record.appUuid]]);
    this.#pump();
    if (this.#running.length === 0 && this.#queue.length === 0) for (const w of this.#idleWaiters.splice(0)) w();
    return true;
  }

  /** Resolves when no application runs and no sendmsg is queued. */
  idle(): Promise<void> {
    if (this.#running.length === 0 && this.#queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  // --- what happens on the line ------------------------------------------------

  answer(): void {
    if (!this.#alive || this.answered) return;
    this.answeredUs = Date.now() * 1000;
    this.answerState = 'answered';
    this.callState = 'ACTIVE';
    this.fire('CHANNEL_ANSWER');
  }

  /** The caller presses keys: DTMF events, the digits go to the innermost reader (or the buffer), and into live recordings. */
  pressDigit(digit: string): void {
    if (!this.#alive) return;
    // sensitive_dtmf: the digit still reaches the application, but no DTMF event is fired (and nothing is logged).
    if (!isTrue(this.variables.get('sensitive_dtmf'))) {
      this.fire('DTMF', [
        ['DTMF-Digit', digit],
        ['DTMF-Duration', '2000'],
        ['DTMF-Source', 'RTP'],
      ]);
    }
    this.#hear({ kind: 'dtmf', digit, at: Date.now() });
    const top = this.#running[this.#running.length - 1];
    if (top?.onDigit && top.onDigit(digit)) return;
    this.#digits.push(digit);
  }

  /** The caller speaks (reads a card number aloud, say): only recordings notice. */
  speak(text: string): void {
    if (this.#alive) this.#hear({ kind: 'speech', text, at: Date.now() });
  }

  /** uuid_break: stops the media of the innermost application. */
  breakMedia(): void {
    const top = this.#running[this.#running.length - 1];
    if (top) top.breakRequested = true;
  }

  /** The `break` application: stops the application it runs inside. */
  breakBelow(run: Running): void {
    const i = this.#running.indexOf(run);
    const below = i > 0 ? this.#running[i - 1] : undefined;
    if (below) below.breakRequested = true;
  }

  /** A new media bug writing to `path`; null when the file cannot be opened (switch_ivr_record_session fails). */
  startRecording(path: string, limitSeconds: number): SimRecording | null {
    if (this.#host.writeRecordings) {
      try {
        // A WAV writer leaves the sizes at 0 until it closes the file.
        writeFileSync(path, wavHeader(0));
      } catch {
        return null;
      }
    }
    const rec = new SimRecording(path, limitSeconds, Date.now());
    if (this.#host.writeRecordings) this.#growFile(rec);
    this.recordings.set(path, rec);
    this.recordingHistory.push(rec);
    this.fire('RECORD_START', [['Record-File-Path', path]]);
    return rec;
  }

  stopRecording(path: string): boolean {
    const targets = path === 'all' ? [...this.recordings.values()] : [this.recordings.get(path)].filter((r): r is SimRecording => r !== undefined);
    if (targets.length === 0) return false;
    for (const rec of targets) {
      rec.stop(Date.now());
      this.recordings.delete(rec.path);
      if (this.#asyncClose) {
        void this.#closeGrown(rec).then(() => this.fire('RECORD_STOP', [['Record-File-Path', rec.path]]));
        continue;
      }
      this.#closeFile(rec);
      this.fire('RECORD_STOP', [['Record-File-Path', rec.path]]);
    }
    return true;
  }

  /** Appends the frames the recording has "written" so far, every SIM_FRAME_MS, until it stops. */
  /** Milliseconds of each growing file already appended, for finishGrownFile. */
  readonly #grown = new Map<SimRecording, { start: number; written: number; chain: Promise<void> }>();

  #growFile(rec: SimRecording): void {
    const start = Date.now();
    let written = 0;
    const state = { start, written: 0, chain: Promise.resolve() };
    this.#grown.set(rec, state);
    const timer = setInterval(() => {
      if (!rec.active) { clearInterval(timer); return; }
      const upTo = Math.floor((Date.now() - start) / SIM_FRAME_MS) * SIM_FRAME_MS;
      if (upTo <= written) return;
      try {
        if (this.#host.finishGrownFile) {
          const pcm = renderPcm(rec, written, upTo);
          state.chain = state.chain.then(() => appendFile(rec.path, pcm)).catch(() => undefined);
        } else appendFileSync(rec.path, renderPcm(rec, written, upTo));
      } catch {
        clearInterval(timer);
        return;
      }
      written = upTo;
      state.written = upTo;
    }, this.#host.recordingFrameMs ?? SIM_FRAME_MS);
    timer.unref();
  }

  /** finishGrownFile: closes the file off the event loop; resolves when it is closed (then RECORD_STOP may go). */
  async #closeGrown(rec: SimRecording): Promise<void> {
    const grown = this.#grown.get(rec);
    this.#grown.delete(rec);
    if (grown === undefined) return;
    try {
      await grown.chain;
      const end = (rec.stoppedAt ?? Date.now()) - grown.start;
      if (end > grown.written) await appendFile(rec.path, renderPcm(rec, grown.written, end));
      const fh = await open(rec.path, 'r+');
      try {
        const { size } = await fh.stat();
        await fh.write(wavHeader(size - 44), 0, 44, 0);
      } finally {
        await fh.close();
      }
    } catch {
      /* the directory went away: FreeSWITCH logs and carries on */
    }
  }

  /** True when files are closed asynchronously (finishGrownFile). */
  get #asyncClose(): boolean {
    return this.#host.writeRecordings === true && this.#host.finishGrownFile === true;
  }

  /** record_callback, SWITCH_ABC_TYPE_CLOSE: switch_core_file_close, then RECORD_STOP. */
  #closeFile(rec: SimRecording): void {
    if (!this.#host.writeRecordings) return;
    try {
      writeFileSync(rec.path, renderWav(rec));
    } catch {
      /* the directory went away: FreeSWITCH logs and carries on */
    }
  }

  /** The host's mod_db store, if it has one. */
  get hostDb(): Map<string, string> | undefined {
    return this.#host.db;
  }

  /** switch_channel_expand_variables: `${name}` from the channel's variables, then the globals. */
  expand(data: string): string {
    return expandVariables(data, (name) => this.variables.get(name) ?? this.#host.globalVariable?.(name));
  }

  get host(): ChannelHost {
    return this.#host;
  }

  /** switch_ivr_record_session_mask: fails when no recording of that path runs. */
  maskRecording(path: string, on: boolean): boolean {
    const rec = this.recordings.get(path);
    if (!rec) return false;
    if (on) rec.mask(Date.now());
    else rec.unmask(Date.now());
    return true;
  }

  /** switch_channel_hangup and the states that follow it. */
  hangup(cause = 'NORMAL_CLEARING'): void {
    if (!this.#alive) return;
    this.#alive = false;
    this.hangupCause = cause;
    this.hangupUs = Date.now() * 1000;
    this.state = 'CS_HANGUP';
    this.callState = 'HANGUP';
    this.answerState = 'hangup';
    this.variables.set('hangup_cause', cause);
    this.fire('CHANNEL_HANGUP', [['Hangup-Cause', cause]]);
    for (const r of [...this.#running].reverse()) r.abort.abort();
    this.#pump();
    // The running applications return on the session thread (their EXECUTE_COMPLETE), then the state machine reports.
    const report = () => {
      this.state = 'CS_REPORTING';
      this.#host.fire(buildEvent(this.#host.identity, 'CHANNEL_HANGUP_COMPLETE', { channel: this, headers: [['Hangup-Cause', cause]] }));
      this.state = 'CS_DESTROY';
      this.#host.fire(buildEvent(this.#host.identity, 'CHANNEL_DESTROY', { channel: this }));
      this.#host.destroyed(this);
    };
    setTimeout(() => {
      const recs = [...this.recordings.values()];
      const stopped = (rec: SimRecording) => this.#host.fire(buildEvent(this.#host.identity, 'RECORD_STOP', { channel: this, headers: [['Record-File-Path', rec.path]] }));
      for (const rec of recs) {
        rec.stop(Date.now());
        this.recordings.delete(rec.path);
      }
      if (this.#asyncClose && recs.length > 0) {
        void Promise.all(recs.map((rec) => this.#closeGrown(rec).then(() => stopped(rec)))).then(report);
        return;
      }
      for (const rec of recs) {
        this.#closeFile(rec);
        stopped(rec);
      }
      report();
    }, this.#host.tickMs * 2);
  }

  // --- for the application implementations -------------------------------------

  fileDuration(file: string): number | null {
    return this.#host.fileDuration(file);
  }

  takeBufferedDigit(): string | undefined {
    return this.#digits.shift();
  }

  mediaTime(run: Running, ms: number, until?: () => 'digit' | 'break' | null): Promise<'elapsed' | 'digit' | 'break'> {
    return this.#mediaTime(run, ms, until);
  }

  hearPrompt(file: string): void {
    this.#hear({ kind: 'prompt', file, at: Date.now() });
  }
}

function isTrue(v: string | undefined): boolean {
  return v !== undefined && ['true', 'yes', 'on', '1', 'enabled', 'active', 'allow'].includes(v.toLowerCase());
}

type AppImpl = (ch: SimChannel, run: Running, arg: string) => Promise<void>;

function respond(ch: SimChannel, text: string): void {
  ch.variables.set('current_application_response', text);
}

/** Plays one file; returns how it ended. Digits in `terminators` stop it (and are consumed). */
/** `onDigit`: true stops the file (the key is taken), 'drop' takes the key and plays on, false leaves it queued. */
async function playFile(ch: SimChannel, run: Running, file: string, onDigit: (d: string) => boolean | 'drop'): Promise<'done' | 'notfound' | 'digit' | 'break'> {
  const ms = ch.fileDuration(file);
  if (ms === null) return 'notfound';
  ch.hearPrompt(file);
  let stoppedByDigit = false;
  run.onDigit = (d) => {
    const consumed = onDigit(d);
    if (consumed === 'drop') return true;
    if (consumed) stoppedByDigit = true;
    return consumed;
  };
  try {
    const how = await ch.mediaTime(run, ms, () => (stoppedByDigit ? 'digit' : null));
    return how === 'elapsed' ? 'done' : how;
  } finally {
    run.onDigit = null;
  }
}

const APPS: Readonly<Record<string, AppImpl>> = {
  async answer(ch) {
    ch.answer();
  },
  async set(ch, _run, arg) {
    const eq = arg.indexOf('=');
    if (eq <= 0) return;
    const name = arg.slice(0, eq);
    const value = arg.slice(eq + 1);
    if (value === '') ch.variables.delete(name);
    else ch.variables.set(name, value);
  },
  /**
   * mod_dptools multiset: each space-separated `name=value` as `set` does
   * (an empty value unsets); `^^<c>` first picks another separator.
   */
  async multiset(ch, run, arg) {
    let sep = ' ';
    let rest = arg;
    if (rest.startsWith('^^') && rest.length > 2) {
      sep = rest.charAt(2);
      rest = rest.slice(3);
    }
    for (const part of rest.split(sep)) if (part !== '') await (APPS.set as AppImpl)(ch, run, part);
  },
  async export(ch, run, arg) {
    await (APPS.set as AppImpl)(ch, run, arg);
  },
  /** mod_db's `db insert/<realm>/<key>/<value>` and `delete/<realm>/<key>` (the value may hold spaces). */
  async db(ch, _run, arg) {
    const [verb, realm, key, ...rest] = arg.split('/');
    const store = ch.hostDb;
    if (!store || realm === undefined || key === undefined) return;
    if (verb === 'insert') store.set(`${realm}/${key}`, rest.join('/'));
    else if (verb === 'delete') store.delete(`${realm}/${key}`);
  },
  async unset(ch, _run, arg) {
    ch.variables.delete(arg);
  },
  async hangup(ch, _run, arg) {
    ch.hangup(arg === '' ? 'NORMAL_CLEARING' : arg);
  },
  async sleep(ch, run, arg) {
    await ch.mediaTime(run, Number.parseInt(arg, 10) || 0);
  },
  async break(ch, run) {
    // Runs nested inside the application it interrupts (sent without event-lock): stop the one below it.
    ch.breakBelow(run);
  },
  /**
   * mod_dptools playback: FILE PLAYED, FILE NOT FOUND, PLAYBACK ERROR (hangup).
   * switch_ivr_play_file dequeues every key while it plays: a terminator
   * stops the file, any other key is dropped (checked on the real 1.10.12).
   */
  async playback(ch, run, arg) {
    const terminators = ch.variables.get('playback_terminators') ?? '*';
    try {
      const how = await playFile(ch, run, arg, (d) => {
        if (terminators !== 'none' && terminators.includes(d)) {
          ch.variables.set('playback_terminator_used', d);
          return true;
        }
        return 'drop';
      });
      respond(ch, how === 'notfound' ? 'FILE NOT FOUND' : 'FILE PLAYED');
    } catch (err) {
      respond(ch, 'PLAYBACK ERROR');
      throw err;
    }
  },
  /**
   * play_and_get_digits <min> <max> <tries> <timeout> <terminators> <file>
   * <invalid_file> <var_name> <regexp> [<digit_timeout>]: collects digits
   * (barge-in on the prompt), validates, sets var_name; retries with
   * invalid_file played between tries.
   */
  async play_and_get_digits(ch, run, arg) {
    const a = arg.split(' ');
    const min = Number(a[0] ?? 1);
    const max = Number(a[1] ?? 1);
    const tries = Number(a[2] ?? 1);
    const timeout = Number(a[3] ?? 5000);
    const terminators = a[4] ?? '#';
    const file = a[5] ?? '';
    const invalidFile = a[6] ?? '';
    const varName = a[7] ?? 'digits';
    const regexp = new RegExp(a[8] ?? '\\d+');
    const digitTimeout = a[9] !== undefined ? Number(a[9]) : timeout;
    ch.variables.delete(varName);
    for (let t = 0; t < tries; t++) {
      let digits = '';
      let finished = false;
      const take = (d: string): boolean => {
        if (finished) return false;
        if (terminators.includes(d)) finished = true;
        else {
          digits += d;
          if (digits.length >= max) finished = true;
        }
        return true;
      };
      for (let d = ch.takeBufferedDigit(); d !== undefined && !finished; d = finished ? undefined : ch.takeBufferedDigit()) take(d);
      if (!finished && digits === '') await playFile(ch, run, file, take);
      run.onDigit = take;
      try {
        while (!finished) {
          const before = digits.length;
          const how = await ch.mediaTime(run, digits === '' ? timeout : digitTimeout, () => (finished || digits.length !== before ? 'digit' : null));
          if (how !== 'digit') break;
        }
      } finally {
        run.onDigit = null;
      }
      if (digits.length >= min && regexp.test(digits)) {
        ch.variables.set(varName, digits);
        return;
      }
      if (t + 1 < tries && invalidFile !== '') await playFile(ch, run, invalidFile, () => false);
    }
  },
  async record_session(ch, _run, arg) {
    const [path = '', limit] = arg.split(' ');
    ch.startRecording(path, Number(limit ?? 0) || 0);
  },
  /**
   * mod_dptools event: `Name=value,...` headers on a CHANNEL_APPLICATION event
   * with the channel's data; `Event-Name` changes its type, `Event-Subclass`
   * sets the subclass (event_function).
   */
  async event(ch, _run, arg) {
    let name = 'CHANNEL_APPLICATION';
    const headers: EslHeader[] = [];
    for (const part of arg.split(',')) {
      const eq = part.indexOf('=');
      if (eq <= 0) continue;
      const k = part.slice(0, eq);
      const v = part.slice(eq + 1);
      if (k.toLowerCase() === 'event-name') { name = v; continue; }
      headers.push([k, v]);
    }
    ch.fire(name, headers);
  },
  /**
   * mod_event_socket socket_function: connects to `<host>:<port>`; on failure
   * logs "Socket Error!" and returns, so the dialplan goes on. `async`: the
   * channel parks (and runs the socket's sendmsg applications inside the park)
   * until the listener ends; socket_resume or not, the dialplan then carries on
   * with its next application (switch_ivr_park returns, the execute loop goes on).
   */
  async socket(ch, run, arg) {
    const words = arg.split(' ').filter((w) => w !== '');
    const target = words[0] ?? '';
    const colon = target.lastIndexOf(':');
    const host = colon > 0 ? target.slice(0, colon) : target;
    const port = colon > 0 ? Number(target.slice(colon + 1)) : 8084;
    if (host === '' || !Number.isInteger(port) || port <= 0 || !ch.host.openSocket) return;
    const lower = words.slice(1).map((w) => w.toLowerCase());
    const listener = await ch.host.openSocket(ch, host, port, lower.includes('async'), lower.includes('full'));
    if (!listener) return;
    // Parked: media time passes and queued sendmsgs run nested, until the socket ends.
    await ch.mediaTime(run, Number.POSITIVE_INFINITY, () => (listener.closed ? 'digit' : null));
  },
  /** mod_dptools execute_extension <extension> [<dialplan> <context>]: hunts now, runs the result inline. */
  async execute_extension(ch, _run, arg) {
    const [ext = '', , context] = arg.split(' ');
    const actions = ch.host.hunt?.(ch, ext, context ?? ch.context) ?? [];
    for (const a of actions) {
      if (!ch.alive) return;
      const ok = await ch.execute(a.app, ch.expand(a.data));
      if (!ok) return;
    }
  },
  async stop_record_session(ch, _run, arg) {
    ch.stopRecording(arg);
  },
  async record_session_mask(ch, _run, arg) {
    ch.maskRecording(arg, true);
  },
  async record_session_unmask(ch, _run, arg) {
    ch.maskRecording(arg, false);
  },
  async log() {},
};

export const KNOWN_APPS: readonly string[] = Object.keys(APPS);
