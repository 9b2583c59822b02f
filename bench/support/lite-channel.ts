/**
 * The light FreeSWITCH channel of bench/freeswitch-lite-player.ts: its
 * variables, the private-event queue that `sendmsg` feeds, any dialplan
 * application run as switch_core_session_exec does (CHANNEL_EXECUTE, the
 * application, CHANNEL_EXECUTE_COMPLETE with Application-Response and the
 * sendmsg's Event-UUID as Application-UUID), its recordings, and hangup.
 *
 * Its events are rendered from text kept per call instead of header by
 * header: the channel block (state, caller profile) is rendered once per
 * state with test/support/esl-server/event-factory.ts, each variable's
 * encoded line once per value, so an event costs its delivery headers and a
 * string join. Only events some connection subscribed to are rendered.
 *
 * Timing, from switch_ivr_park (signalwire/freeswitch src/switch_ivr.c; an
 * async socket's channel waits there): each turn reads a frame (one ptime,
 * 20 ms), then parses every queued private event (switch_ivr_parse_all_events).
 * A sendmsg reaching an idle channel runs on arrival: queueing it sends the
 * channel SWITCH_SIG_BREAK, which ends the pending read
 * (switch_core_session_queue_private_event; measured on the sandbox
 * FreeSWITCH, docs/decisions.md), and what is queued behind a running
 * application runs as soon as it completes. Each channel has its own frame
 * phase (CHANNEL_PARK). Media applications take their media time (playback: the
 * file's length; play_and_get_digits: its prompt, then its timeout, no digit
 * pressed); the others complete at once. Every application is run in
 * order, after the previous one completed: the daemon sends event-lock.
 * An application this channel does not know completes at once with
 * `_none_` (the real one would hang up): the daemon's command set may grow.
 */
import { randomUUID } from 'node:crypto';
import { getHeader, type EslHeader } from '../../src/pbx/freeswitch/esl-frame.js';
import { callerProfileHeaders, channelHeaders, deliveryHeaders, VERBOSE_EVENTS, type ChannelView, type CoreIdentity } from '../../test/support/esl-server/event-factory.js';
import { serializePlain } from '../../test/support/esl-server/wire.js';
import type { ApiChannel } from '../../test/support/esl-server/api.js';
import { LiteRecording, type LiteRecordingOptions } from './lite-recording.js';
import type { Timer, TimerHeap } from './timer-heap.js';

/** Headers serialized as switch_event_serialize writes them, without the blank line that ends an event. */
export function encodeHeaders(headers: readonly EslHeader[]): string {
  return headers.length === 0 ? '' : serializePlain(headers, null).slice(0, -1);
}

/** An event the channel fired; rendered (once) only when a connection wants it. */
export class LiteEvent {
  readonly name: string;
  readonly uuid: string;
  readonly subclass: string | undefined;
  readonly #render: () => string;
  #text: string | null = null;
  constructor(name: string, uuid: string, render: () => string, subclass?: string) {
    this.name = name;
    this.uuid = uuid;
    this.#render = render;
    this.subclass = subclass;
  }
  /** The serialized plain event (the body of a text/event-plain frame). */
  get text(): string {
    return (this.#text ??= this.#render());
  }
}

export interface LiteChannelHost {
  readonly identity: CoreIdentity;
  readonly timers: TimerHeap;
  /** ptime: one media frame, in ms. */
  readonly frameMs: number;
  readonly recording: LiteRecordingOptions;
  /** Playback length of a file in ms; null when it does not exist. */
  fileMs(file: string): number | null;
  fire(ch: LiteChannel, ev: LiteEvent): void;
  /** A variable changed (set, multiset, unset, uuid_setvar...): the bench's measurements hang here. */
  variableChanged?(ch: LiteChannel, name: string, value: string | null): void;
  /** An application started (its CHANNEL_EXECUTE fired). */
  appStarted?(ch: LiteChannel, app: string, arg: string | undefined): void;
  /** The channel is down (CHANNEL_HANGUP fired): its sockets notice. */
  channelDown?(ch: LiteChannel): void;
  /** The channel's last event fired. */
  destroyed?(ch: LiteChannel): void;
}

/** A Map that tells its channel when a value changes, so the encoded lines follow. */
class ChannelVariables extends Map<string, string> {
  #onChange: ((name: string, value: string | null) => void) | null = null;
  watch(f: (name: string, value: string | null) => void): void {
    this.#onChange = f;
  }
  override set(name: string, value: string): this {
    super.set(name, value);
    this.#onChange?.(name, value);
    return this;
  }
  override delete(name: string): boolean {
    const had = super.delete(name);
    if (had) this.#onChange?.(name, null);
    return had;
  }
}

interface App { readonly app: string; readonly arg: string | undefined; readonly appUuid: string }
interface Running extends App { timer: Timer | null; response: string }

const STATE_NUMBER: Readonly<Record<string, number>> = { CS_EXECUTE: 4, CS_HANGUP: 10, CS_REPORTING: 11, CS_DESTROY: 12 };

export class LiteChannel implements ChannelView, ApiChannel {
  readonly uuid: string;
  readonly callUuid: string;
  readonly name: string;
  readonly direction = 'inbound' as const;
  readonly callerNumber: string;
  readonly callerName: string;
  readonly destination: string;
  readonly context: string;
  readonly networkAddr = '192.0.2.10';
  readonly createdUs = Date.now() * 1000;
  readonly variables = new ChannelVariables();
  state = 'CS_EXECUTE';
  callState = 'RINGING';
  answerState = 'ringing';
  answeredUs = 0;
  hangupUs = 0;
  /** The dialplan application holding the channel (socket, a playback of talk), for `show channels`. */
  dialplanApp: { app: string; arg: string } | null = null;
  readonly recordings = new Map<string, LiteRecording>();
  readonly #host: LiteChannelHost;
  /** Where this channel's frames fall, in [0, frameMs). */
  readonly #phase: number;
  readonly #queue: App[] = [];
  #running: Running | null = null;
  #alive = true;
  #block: string | null = null;
  readonly #lines = new Map<string, string>();
  #varsBlock: string | null = null;

  constructor(host: LiteChannelHost, spec: { uuid?: string; callerNumber: string; destination: string; context: string; variables?: Readonly<Record<string, string>> }) {
    this.#host = host;
    this.uuid = spec.uuid ?? randomUUID();
    this.callUuid = this.uuid;
    this.callerNumber = spec.callerNumber;
    this.callerName = spec.callerNumber;
    this.destination = spec.destination;
    this.context = spec.context;
    this.name = `sofia/internal/${spec.callerNumber}@192.0.2.1`;
    this.#phase = Math.random() * host.frameMs;
    this.variables.watch((name, value) => {
      if (value === null) this.#lines.delete(name);
      else this.#lines.set(name, encodeHeaders([[`variable_${name}`, value]]));
      this.#varsBlock = null;
      this.#host.variableChanged?.(this, name, value);
    });
    this.variables.set('direction', 'inbound');
    this.variables.set('uuid', this.uuid);
    this.variables.set('call_uuid', this.uuid);
    this.variables.set('channel_name', this.name);
    for (const [k, v] of Object.entries(spec.variables ?? {})) this.variables.set(k, v);
  }

  get alive(): boolean {
    return this.#alive;
  }

  get stateNumber(): number {
    return STATE_NUMBER[this.state] ?? 4;
  }

  get runningApps(): ReadonlyArray<{ app: string; arg: string | undefined }> {
    const r = this.#running;
    return [...(this.dialplanApp ? [this.dialplanApp] : []), ...(r ? [{ app: r.app, arg: r.arg }] : [])];
  }

  /** The time of this channel's next frame, strictly after now. */
  nextFrame(): number {
    const f = this.#host.frameMs;
    const now = this.#host.timers.now();
    return this.#phase + (Math.floor((now - this.#phase) / f) + 1) * f;
  }

  // --- events ------------------------------------------------------------------

  /** The serialized plain event, from the per-call text. */
  render(name: string, extra: readonly EslHeader[] = []): string {
    return encodeHeaders(deliveryHeaders(this.#host.identity, name)) + this.#channelText(VERBOSE_EVENTS.has(name)) + encodeHeaders(extra) + '\n';
  }

  /** The outbound `connect` reply: a CHANNEL_DATA event with the caller profile also under `Channel-`, and the reply headers. */
  channelData(extra: readonly EslHeader[]): string {
    return encodeHeaders(deliveryHeaders(this.#host.identity, 'CHANNEL_DATA')) + encodeHeaders(callerProfileHeaders(this, 'Channel')) + this.#channelText(true) + encodeHeaders(extra) + '\n';
  }

  #channelText(withVariables: boolean): string {
    const block = (this.#block ??= encodeHeaders(channelHeaders(this, false)));
    if (!withVariables) return block;
    return block + (this.#varsBlock ??= [...this.#lines.values()].join(''));
  }

  /** switch_ivr_park's CHANNEL_PARK, at the next frame. */
  firePark(): void {
    this.#host.timers.at(this.nextFrame(), () => { if (this.#alive) this.fire('CHANNEL_PARK'); });
  }

  fire(name: string, extra: readonly EslHeader[] = [], subclass?: string): void {
    this.#host.fire(this, new LiteEvent(name, this.uuid, () => this.render(name, extra), subclass));
  }

  // --- the line ------------------------------------------------------------------

  answer(): void {
    if (!this.#alive || this.answeredUs !== 0) return;
    this.answeredUs = Date.now() * 1000;
    this.answerState = 'answered';
    this.callState = 'ACTIVE';
    this.#block = null;
    this.fire('CHANNEL_ANSWER');
  }

  /** switch_channel_hangup, then (two frames later, as the test FreeSWITCH does) the recordings closed, RECORD_STOP, CHANNEL_HANGUP_COMPLETE. */
  hangup(cause = 'NORMAL_CLEARING'): void {
    if (!this.#alive) return;
    this.#alive = false;
    this.hangupUs = Date.now() * 1000;
    this.state = 'CS_HANGUP';
    this.callState = 'HANGUP';
    this.answerState = 'hangup';
    this.#block = null;
    this.variables.set('hangup_cause', cause);
    this.fire('CHANNEL_HANGUP', [['Hangup-Cause', cause]]);
    this.#queue.length = 0;
    const r = this.#running;
    if (r !== null) {
      this.#host.timers.cancel(r.timer);
      this.#complete(r, r.app === 'playback' ? 'PLAYBACK ERROR' : r.response);
    }
    this.#host.channelDown?.(this);
    this.#host.timers.after(this.#host.frameMs * 2, () => {
      const recs = [...this.recordings.values()];
      this.recordings.clear();
      let left = recs.length;
      const report = () => {
        this.state = 'CS_REPORTING';
        this.#block = null;
        this.fire('CHANNEL_HANGUP_COMPLETE', [['Hangup-Cause', cause]]);
        this.state = 'CS_DESTROY';
        this.#block = null;
        this.fire('CHANNEL_DESTROY');
        this.#host.destroyed?.(this);
      };
      if (left === 0) { report(); return; }
      for (const rec of recs) {
        rec.close(() => {
          this.fire('RECORD_STOP', [['Record-File-Path', rec.path]]);
          if (--left === 0) report();
        });
      }
    });
  }

  breakMedia(): void {
    const r = this.#running;
    if (r?.timer) {
      this.#host.timers.cancel(r.timer);
      this.#complete(r, r.response);
    }
  }

  // --- recordings (uuid_record) ----------------------------------------------------

  startRecording(path: string, _limitSeconds: number): LiteRecording | null {
    let rec: LiteRecording;
    try {
      rec = new LiteRecording(path, this.#host.timers, this.#host.recording);
    } catch {
      return null;
    }
    this.recordings.set(path, rec);
    this.fire('RECORD_START', [['Record-File-Path', path]]);
    return rec;
  }

  stopRecording(path: string): boolean {
    const targets = path === 'all' ? [...this.recordings.values()] : [this.recordings.get(path)].filter((r): r is LiteRecording => r !== undefined);
    if (targets.length === 0) return false;
    for (const rec of targets) {
      this.recordings.delete(rec.path);
      rec.close(() => this.fire('RECORD_STOP', [['Record-File-Path', rec.path]]));
    }
    return true;
  }

  maskRecording(path: string, on: boolean): boolean {
    const rec = this.recordings.get(path);
    if (!rec) return false;
    rec.mask(on);
    return true;
  }

  // --- private events (sendmsg) -------------------------------------------------------

  /** switch_ivr_parse_event for one sendmsg: `execute` is queued for the channel's next turn, `hangup` hangs up. */
  sendmsg(headers: readonly EslHeader[], body: string): void {
    if (!this.#alive) return;
    const h = (n: string) => getHeader(headers, n);
    const command = h('call-command');
    if (command === 'hangup') { this.hangup(h('hangup-cause') ?? 'NORMAL_CLEARING'); return; }
    if (command !== 'execute') return;
    const app = h('execute-app-name');
    if (app === undefined || app === '') return;
    let arg = h('execute-app-arg');
    if ((arg === undefined || arg === '') && h('content-type')?.toLowerCase() === 'text/plain') arg = body;
    const loops = Math.max(1, Number.parseInt(h('loops') ?? '1', 10) || 1);
    const appUuid = h('event-uuid') ?? randomUUID();
    for (let i = 0; i < loops; i++) this.#queue.push({ app, arg, appUuid });
    this.#schedule();
  }

  /** Applications queued or running. */
  get busy(): boolean {
    return this.#running !== null || this.#queue.length > 0;
  }

  /** A sendmsg reached an idle channel: it runs now (SIG_BREAK ends the park loop's read). */
  #schedule(): void {
    if (this.#running !== null || this.#queue.length === 0) return;
    this.#next();
  }

  #next(): void {
    const next = this.#queue.shift();
    if (next !== undefined && this.#alive) this.#start(next);
  }

  #start(a: App): void {
    const r: Running = { ...a, timer: null, response: '_none_' };
    this.#running = r;
    this.variables.set('current_application', a.app);
    if (a.arg !== undefined) this.variables.set('current_application_data', a.arg);
    this.variables.delete('current_application_response');
    this.fire('CHANNEL_EXECUTE', this.#appHeaders(a, null));
    this.#host.appStarted?.(this, a.app, a.arg);
    const ms = this.#run(r);
    if (!this.#alive || this.#running !== r) return;
    if (ms > 0) r.timer = this.#host.timers.after(ms, () => this.#complete(r, r.response));
    else this.#complete(r, r.response);
  }

  #complete(r: Running, response: string): void {
    if (this.#running !== r) return;
    this.#running = null;
    if (r.app === 'playback' && response === 'FILE PLAYED') {
      // What mod_dptools leaves after a playback (they are in the measured shape's later frames).
      const ms = this.#host.fileMs(r.arg ?? '') ?? 0;
      const samples = String(Math.round(ms * 8));
      this.variables.set('playback_last_offset_pos', samples);
      this.variables.set('playback_seconds', String(Math.floor(ms / 1000)));
      this.variables.set('playback_ms', String(ms));
      this.variables.set('playback_samples', samples);
    }
    this.fire('CHANNEL_EXECUTE_COMPLETE', this.#appHeaders(r, response));
    // switch_ivr_parse_all_events: what was queued meanwhile runs next, in the same turn.
    if (this.#alive) this.#next();
  }

  #appHeaders(a: App, response: string | null): EslHeader[] {
    const h: EslHeader[] = [['Application', a.app]];
    if (a.arg !== undefined) h.push(['Application-Data', a.arg]);
    if (response !== null) h.push(['Application-Response', response]);
    h.push(['Application-UUID', a.appUuid]);
    return h;
  }

  /** The application's effect; returns its media time in ms (0: completes at once). */
  #run(r: Running): number {
    const arg = r.arg ?? '';
    const v = this.variables;
    const setPair = (pair: string) => {
      const eq = pair.indexOf('=');
      if (eq <= 0) return;
      const value = pair.slice(eq + 1);
      if (value === '') v.delete(pair.slice(0, eq));
      else v.set(pair.slice(0, eq), value);
    };
    switch (r.app) {
      case 'set':
      case 'export':
        setPair(arg);
        return 0;
      case 'unset':
        v.delete(arg);
        return 0;
      case 'multiset': {
        // mod_dptools multiset_function: `^^<d>a=1<d>b=2` splits on <d>, else on spaces.
        const items = arg.startsWith('^^') && arg.length > 2 ? arg.slice(3).split(arg[2]!) : arg.split(' ');
        for (const it of items) if (it !== '') setPair(it);
        return 0;
      }
      case 'answer':
        this.answer();
        return 0;
      case 'hangup':
        this.hangup(arg === '' ? 'NORMAL_CLEARING' : arg);
        return 0;
      case 'playback': {
        const ms = this.#host.fileMs(arg);
        r.response = ms === null ? 'FILE NOT FOUND' : 'FILE PLAYED';
        return ms ?? 0;
      }
      case 'play_and_get_digits': {
        // <min> <max> <tries> <timeout> <terminators> <file> <invalid_file> <var_name> <regexp>: no key is pressed in the bench.
        const a = arg.split(' ');
        if (a[7] !== undefined) v.delete(a[7]);
        const tries = Math.max(1, Number(a[2] ?? 1) || 1);
        const prompt = this.#host.fileMs(a[5] ?? '') ?? 0;
        const invalid = this.#host.fileMs(a[6] ?? '') ?? 0;
        return tries * (prompt + (Number(a[3] ?? 5000) || 0)) + (tries - 1) * invalid;
      }
      case 'sleep':
        return Number.parseInt(arg, 10) || 0;
      default:
        return 0;
    }
  }
}
