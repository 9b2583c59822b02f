/**
 * The light FreeSWITCH of bench/capacity.ts (`--pbx freeswitch`, the default
 * `--fs-player lite`): the same Event Socket wire to the daemon as
 * bench/freeswitch-player.ts (the test FreeSWITCH running callvault.xml),
 * at a fraction of its cost, so that from 1,000 calls the bench measures the
 * daemon and not itself.
 *
 * What it keeps: the daemon's inbound link (auth, `event plain ...`, `api`
 * with the test FreeSWITCH's own API code: uuid_record, uuid_getvar, show
 * channels...) and one real outbound socket per consent, payment-enter and
 * payment-exit, answered as mod_event_socket does (lite-listener.ts) for any
 * application the daemon executes (lite-channel.ts); events as heavy as the
 * sandbox FreeSWITCH's (bench/freeswitch-call-shape.json: the same channel
 * variables, by count and size, at each socket); a WAV growing at the path
 * uuid_record gives, closed before RECORD_STOP and CHANNEL_HANGUP_COMPLETE.
 *
 * What it drops: the XML dialplan interpreter (the bench context's path
 * through callvault.xml is written out in `#dialplan`, branch for branch),
 * a timer per channel per frame (one timer heap for all calls:
 * bench/support/timer-heap.ts), events nobody subscribed to, and header by
 * header event building (per-call text, lite-channel.ts).
 *
 * Latencies are on this process's clock, as in the sim player: consent is
 * the consent socket starting to the notice's playback starting; pause is
 * the payment-enter socket starting to CALLVAULT_PAUSE=confirmed being set
 * (by `set`, `multiset` or anything else).
 */
import net from 'node:net';
import { randomUUID } from 'node:crypto';
import { TimerHeap } from './support/timer-heap.js';
import { LiteChannel, type LiteChannelHost, type LiteEvent } from './support/lite-channel.js';
import { LiteListener, type LiteListenerHost } from './support/lite-listener.js';
import { BENCH_PROMPTS, promptFiles, shapeVariables, type FsBenchPlayer, type FsShape, type FsTally } from './support/freeswitch-bench-shape.js';
import type { ApiHost } from '../test/support/esl-server/api.js';
import { mediaFileMs } from '../test/support/esl-server/fake-freeswitch.js';
import type { CoreIdentity } from '../test/support/esl-server/event-factory.js';

type SocketKind = 'consent' | 'payment-enter' | 'payment-exit';

/** Variables the player, the dialplan or the daemon set for real; the shape's others are padded. */
const OWN = /^(CALLVAULT_|RECORD_MIN_SEC$|socket_|current_application|playback_|enable_file_write_buffering$|sensitive_dtmf$|direction$|uuid$|call_uuid$|channel_name$|hangup_cause$)/;

/** The shape's variable under an inert name of about its length (`x_` cannot steer the dialplan or the daemon). */
export function padName(name: string): string {
  return `x_${name}`;
}

/** The pads a channel needs at the socket `kind` to carry as many variables, as long, as the real channel did. */
export function padsAt(shape: FsShape, kind: string): Array<[string, string]> {
  return Object.entries(shapeVariables(shape, kind)).filter(([n]) => !OWN.test(n)).map(([n, len]) => [padName(n), 'v'.repeat(len)]);
}

interface Call {
  readonly ch: LiteChannel;
  readonly durationS: number;
  socket: LiteListener | null;
  consentAt: number | null;
  consentMeasured: boolean;
  connectedAt: number | null;
  steps: Array<[string, number]> | null;
  payAt: number | null;
  payMeasured: boolean;
  confirmed: boolean;
  recorded: boolean;
  /** Resolves the call's promise, once its last event fired. */
  ended: () => void;
}

export interface FsLitePlayerOptions {
  readonly outboundPort: number;
  readonly noticeMs: number;
  readonly shape: FsShape;
  readonly password?: string;
  /** ms between appends to a growing recording (default 2000). */
  readonly growMs?: number;
}

export class FsLitePlayer implements FsBenchPlayer, LiteChannelHost, LiteListenerHost, ApiHost {
  readonly identity: CoreIdentity = { coreUuid: randomUUID(), hostname: 'fs-bench', ipv4: '192.0.2.1', ipv6: '::1' };
  readonly version = '1.10.12-release~64bit';
  readonly password: string;
  readonly timers = new TimerHeap();
  readonly frameMs = 20;
  readonly recording: { growMs: number; flushGrowMs: number; stats: { maxSyncMs: number } };
  readonly faults = { refuseMask: false };
  readonly db = new Map<string, string>();
  readonly startedAt = Date.now();
  readonly api: ApiHost = this;
  eventsWritten = 0;
  bytesWritten = 0;
  readonly #files: Map<string, number>;
  readonly #opts: FsLitePlayerOptions;
  readonly #calls = new Map<string, Call>();
  readonly #inbound = new Set<LiteListener>();
  readonly #outbound = new Set<LiteListener>();
  readonly #sockets = new Set<net.Socket>();
  readonly #park: Record<SocketKind, boolean>;
  readonly #pads: Record<SocketKind, Array<[string, string]>>;
  #server: net.Server | null = null;
  #port = 0;
  #tally: FsTally | null = null;

  constructor(opts: FsLitePlayerOptions) {
    this.#opts = opts;
    this.password = opts.password ?? 'ClueCon';
    this.#files = new Map(Object.entries(promptFiles(opts.noticeMs)));
    // 100 ms while the daemon waits for the unmask's flush, as the sim's growing file.
    this.recording = { growMs: opts.growMs ?? 2000, flushGrowMs: 100, stats: { maxSyncMs: 0 } };
    const kinds: SocketKind[] = ['consent', 'payment-enter', 'payment-exit'];
    this.#park = Object.fromEntries(kinds.map((k) => [k, opts.shape.sockets[k]?.sequence.some((f) => f.what === 'CHANNEL_PARK') ?? false])) as Record<SocketKind, boolean>;
    this.#pads = Object.fromEntries(kinds.map((k) => [k, padsAt(opts.shape, k)])) as Record<SocketKind, Array<[string, string]>>;
  }

  get port(): number {
    return this.#port;
  }

  /** The longest synchronous file operation of the recordings (their open, a mask's catch-up), in ms; read and reset by each step. */
  takeMaxSyncFileMs(): number {
    const ms = this.recording.stats.maxSyncMs;
    this.recording.stats.maxSyncMs = 0;
    return ms;
  }

  async start(tally: FsTally): Promise<void> {
    this.#tally = tally;
    const server = net.createServer((s) => this.#acceptInbound(s));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => { server.off('error', reject); resolve(); });
    });
    this.#port = (server.address() as net.AddressInfo).port;
    this.#server = server;
  }

  async close(): Promise<void> {
    this.timers.clear();
    for (const c of this.#calls.values()) for (const r of c.ch.recordings.values()) r.abandon();
    for (const s of this.#sockets) s.destroy();
    const server = this.#server;
    this.#server = null;
    if (server) await new Promise<void>((r) => server.close(() => r()));
  }

  // --- connections -----------------------------------------------------------------

  #attach(s: net.Socket, make: (sink: { write(d: string): void; end(): void }) => LiteListener): LiteListener {
    s.setNoDelay(true);
    this.#sockets.add(s);
    const l = make({ write: (d) => { if (!s.destroyed) s.write(d); }, end: () => s.end() });
    s.on('data', (d: Buffer) => l.push(d));
    s.on('error', () => undefined);
    s.on('close', () => { this.#sockets.delete(s); l.gone(); });
    return l;
  }

  #acceptInbound(s: net.Socket): void {
    const l = this.#attach(s, (sink) => new LiteListener(this, sink, { kind: 'inbound' }));
    this.#inbound.add(l);
  }

  /** The `socket 127.0.0.1:<port> async full` application: resolves when the socket is over (or could not connect). */
  #socket(c: Call, kind: SocketKind): Promise<void> {
    const ch = c.ch;
    for (const [k, v] of this.#pads[kind]) if (!ch.variables.has(k)) ch.variables.set(k, v);
    const target = `127.0.0.1:${this.#opts.outboundPort}`;
    ch.variables.set('current_application', 'socket');
    ch.variables.set('current_application_data', `${target} async full`);
    ch.dialplanApp = { app: 'socket', arg: `${target} async full` };
    const t = this.#tally;
    const now = performance.now();
    if (kind === 'consent') { c.consentAt = now; c.consentMeasured = t?.measuring ?? false; c.steps = []; c.connectedAt = null; }
    if (kind === 'payment-enter') { c.payAt = now; c.payMeasured = t?.measuring ?? false; }
    if (kind === 'payment-exit') for (const r of ch.recordings.values()) r.expectUnmask();
    return new Promise((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port: this.#opts.outboundPort });
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        c.socket = null;
        ch.dialplanApp = null;
        // The parked channel notices the socket's end at its next frame.
        this.timers.at(ch.nextFrame(), resolve);
      };
      s.once('error', () => { s.destroy(); finish(); });
      s.once('connect', () => {
        if (kind === 'consent') c.connectedAt = performance.now();
        ch.variables.set('socket_host', '127.0.0.1');
        const l = this.#attach(s, (sink) => new LiteListener(this, sink, { kind: 'outbound', channel: ch, parkEvent: this.#park[kind] }));
        c.socket = l;
        this.#outbound.add(l);
        s.once('close', finish);
      });
    });
  }

  // --- a call: the bench context through callvault.xml -----------------------------------

  async call(durationS: number, ageS: number, paymentS: number): Promise<void> {
    const payAtS = durationS / 2;
    const pay = ageS < payAtS;
    const talk1 = Math.max(100, Math.round((pay ? payAtS - ageS : 0) * 1000));
    const talk2 = Math.max(100, Math.round((pay ? durationS - payAtS - paymentS : durationS - ageS) * 1000));
    const ch = new LiteChannel(this, {
      callerNumber: `+3361${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`,
      destination: 'bench',
      context: 'callvault-bench',
      variables: {
        CALLVAULT_SOCKET: `127.0.0.1:${this.#opts.outboundPort}`,
        CALLVAULT_LINE: 'bench',
        CALLVAULT_AGENT: `agent-${Math.floor(Math.random() * 2000)}`,
      },
    });
    let ended!: () => void;
    const over = new Promise<void>((resolve) => { ended = resolve; });
    const c: Call = { ch, durationS, socket: null, consentAt: null, consentMeasured: false, connectedAt: null, steps: null, payAt: null, payMeasured: false, confirmed: false, recorded: false, ended };
    this.#calls.set(ch.uuid, c);
    await this.#dialplan(c, pay, talk1, paymentS * 1000, talk2);
    await over;
  }

  /** The bench context's `playback silence_stream://<ms>`: talk, or the payment's IVR. */
  #wait(ms: number, c: Call): Promise<void> {
    c.ch.dialplanApp = { app: 'playback', arg: `silence_stream://${ms}` };
    return new Promise((r) => this.timers.after(ms, () => { c.ch.dialplanApp = null; r(); }));
  }

  /** The stop_record_session of the dialplan's fail-closed branches. */
  #stopRecording(ch: LiteChannel): void {
    const path = ch.variables.get('CALLVAULT_RECORDING_PATH');
    if (path !== undefined && path !== '') ch.stopRecording(path);
  }

  async #dialplan(c: Call, pay: boolean, talk1Ms: number, payMs: number, talk2Ms: number): Promise<void> {
    const ch = c.ch;
    const v = ch.variables;
    const alive = () => ch.alive;
    ch.answer();
    // callvault-consent
    for (const n of ['CALLVAULT_DECISION', 'CALLVAULT_CONSENT', 'CALLVAULT_RECORDING_ID', 'CALLVAULT_RECORDING_PATH', 'CALLVAULT_PAUSE']) v.delete(n);
    v.set('RECORD_MIN_SEC', '0');
    v.set('socket_resume', 'true');
    v.set('CALLVAULT_ACTION', 'consent');
    await this.#socket(c, 'consent');
    c.consentAt = null;
    if (!alive()) return;
    // callvault-consent-check
    if ((v.get('CALLVAULT_DECISION') ?? '') === '') {
      this.#stopRecording(ch);
      v.set('CALLVAULT_DECISION', 'skip');
      v.set('CALLVAULT_CONSENT', 'error');
      v.delete('CALLVAULT_RECORDING_ID');
    }
    await this.#wait(talk1Ms, c);
    if (!alive()) return;
    if (pay) {
      // callvault-payment-enter, -pause, -check
      v.set('sensitive_dtmf', 'true');
      if ((v.get('CALLVAULT_RECORDING_ID') ?? '') !== '' && v.get('CALLVAULT_PAUSE') !== 'stopped') {
        v.set('CALLVAULT_PAUSE', 'pending');
        v.set('socket_resume', 'true');
        v.set('CALLVAULT_ACTION', 'payment-enter');
        await this.#socket(c, 'payment-enter');
        if (!alive()) return;
        if (v.get('CALLVAULT_PAUSE') !== 'confirmed') {
          this.#stopRecording(ch);
          v.set('CALLVAULT_PAUSE', 'stopped');
          this.db.set(`callvault/${v.get('CALLVAULT_RECORDING_ID') ?? ''}`, `stopped ${Math.floor(Date.now() / 1000)}`);
          ch.fire('CUSTOM', [['Event-Subclass', 'callvault::fail_closed'], ['Callvault-Recording-ID', v.get('CALLVAULT_RECORDING_ID') ?? '']], 'callvault::fail_closed');
        }
      }
      await this.#wait(payMs, c);
      if (!alive()) return;
      // callvault-payment-exit, -resume, -resume-check
      if ((v.get('CALLVAULT_RECORDING_ID') ?? '') !== '' && v.get('CALLVAULT_PAUSE') === 'confirmed') {
        v.set('socket_resume', 'true');
        v.set('CALLVAULT_ACTION', 'payment-exit');
        await this.#socket(c, 'payment-exit');
        if (!alive()) return;
        if (v.get('CALLVAULT_PAUSE') === 'confirmed') this.db.set(`callvault/${v.get('CALLVAULT_RECORDING_ID') ?? ''}`, `unmute-failed ${Math.floor(Date.now() / 1000)}`);
      }
      v.delete('sensitive_dtmf');
    }
    await this.#wait(talk2Ms, c);
    ch.hangup('NORMAL_CLEARING');
  }

  // --- hosts --------------------------------------------------------------------------

  fire(ch: LiteChannel, ev: LiteEvent): void {
    for (const l of this.#inbound) l.offer(ev);
    this.#calls.get(ch.uuid)?.socket?.offer(ev);
  }

  broadcast(ev: LiteEvent): void {
    for (const l of this.#inbound) l.offer(ev);
  }

  channelDown(ch: LiteChannel): void {
    const s = this.#calls.get(ch.uuid)?.socket;
    if (s) setImmediate(() => s.channelDown());
  }

  destroyed(ch: LiteChannel): void {
    const c = this.#calls.get(ch.uuid);
    if (!c) return;
    const t = this.#tally;
    if (t !== null && t.measuring) {
      if (c.payAt !== null && !c.confirmed && c.payMeasured) t.pauseFailed++;
      if (c.recorded) t.audioLandedS += c.durationS;
    }
    this.#calls.delete(ch.uuid);
    c.ended();
  }

  appStarted(ch: LiteChannel, app: string, arg: string | undefined): void {
    const c = this.#calls.get(ch.uuid);
    const t = this.#tally;
    if (!c || t === null || c.consentAt === null || app !== 'playback' || !(arg ?? '').startsWith(`${BENCH_PROMPTS}/`)) return;
    const now = performance.now();
    if (c.consentMeasured && t.measuring) {
      t.consent.push(now - c.consentAt);
      (t.consentConnect ??= []).push((c.connectedAt ?? Number.NaN) - c.consentAt);
      let prev = c.consentAt;
      const steps = [['connect', c.connectedAt ?? prev] as [string, number], ...(c.steps ?? []), ['playing', now] as [string, number]]
        .map(([n, at]) => { const d = at - prev; prev = at; return `${n} +${d.toFixed(1)}`; }).join(' ');
      (t.consentSteps ??= []).push({ total: now - c.consentAt, steps });
    }
    c.consentAt = null;
    c.steps = null;
  }

  variableChanged(ch: LiteChannel, name: string, value: string | null): void {
    if (value === null) return;
    const c = this.#calls.get(ch.uuid);
    const t = this.#tally;
    if (!c || t === null) return;
    if (name === 'CALLVAULT_PAUSE' && value === 'confirmed' && c.payAt !== null && !c.confirmed) {
      if (c.payMeasured && t.measuring) t.pause.push(performance.now() - c.payAt);
      c.confirmed = true;
    } else if (name === 'CALLVAULT_DECISION' && value === 'record' && !c.recorded) {
      c.recorded = true;
      t.recorded++;
    }
  }

  command(line: string, uuid: string | null): void {
    const c = uuid === null ? undefined : this.#calls.get(uuid);
    if (c?.steps) c.steps.push([line.split(' ')[0]!, performance.now()]);
  }

  written(chars: number, event: boolean): void {
    this.bytesWritten += chars;
    if (event) this.eventsWritten++;
  }

  closed(l: LiteListener): void {
    this.#inbound.delete(l);
    this.#outbound.delete(l);
  }

  fileMs(file: string): number | null {
    return mediaFileMs(this.#files, file);
  }

  // --- ApiHost (test/support/esl-server/api.ts) -------------------------------------------

  channel(uuid: string): LiteChannel | undefined {
    return this.#calls.get(uuid)?.ch;
  }

  channelList(): readonly LiteChannel[] {
    return [...this.#calls.values()].map((c) => c.ch);
  }

  sleep(ms: number): Promise<void> {
    return new Promise((r) => this.timers.after(ms, r));
  }
}
