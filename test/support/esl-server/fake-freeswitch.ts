/**
 * An in-process FreeSWITCH for tests, written from mod_event_socket's source
 * and documentation (docs/freeswitch-protocol.md), not from what any client
 * library expects. It listens like mod_event_socket (inbound mode), dials out
 * like the `socket` dialplan application (outbound mode), and simulates the
 * calls behind both: channels with variables and a caller number, answer,
 * DTMF, applications that take media time, and recordings whose mask writes
 * silence (see recording.ts). Failure switches model what goes wrong in
 * production: a refused mask, a command that never gets a reply, a dropped
 * connection, a restart.
 */
import net from 'node:net';
import { randomUUID } from 'node:crypto';
import type { EslEvent } from '../../../src/pbx/freeswitch/esl-event.js';
import { runApi, type ApiHost } from './api.js';
import { SimChannel, type ChannelHost, type ChannelSpec } from './channel.js';
import type { CoreIdentity } from './event-factory.js';
import { SimListener, type ListenerHost } from './listener.js';
import { SHUTDOWN, rudeRejection } from './wire.js';
import { XmlDialplan, type DialplanAction } from './dialplan.js';

export interface FaultSwitches {
  /** uuid_record ... mask answers -ERR and masks nothing. */
  refuseMask: boolean;
  /** A command (first line) matching this stalls its listener for good: no reply, no later replies, no events. */
  stallOn: ((line: string) => boolean) | null;
  /** Inbound connections are refused by the ACL (text/rude-rejection). */
  rejectInbound: boolean;
}

export interface FakeFreeSwitchOptions {
  /** event_socket.conf.xml password (default ClueCon). */
  readonly password?: string;
  /** Inbound listen port; 0 picks a free one (see `port`). */
  readonly port?: number;
  /** Playback lengths in ms by file name; other files are not found (unless tone_stream:// or silence_stream://). */
  readonly files?: Readonly<Record<string, number>>;
  /** Media time granularity in ms (default 5). */
  readonly tickMs?: number;
  /** read_packet's 25 s deadline for the first packet, shortened for tests (default 25000). */
  readonly firstPacketTimeoutMs?: number;
  /** Write recordings as WAV files at their paths (see recording.ts). Off by default. */
  readonly writeRecordings?: boolean;
  /** XML dialplan files (their text) for `runDialplan` and execute_extension. */
  readonly dialplan?: readonly string[];
  /** Global variables (what vars.xml sets with X-PRE-PROCESS). */
  readonly globals?: Readonly<Record<string, string>>;
  /**
   * Keep every event, closed listener and transcript (default true, what
   * tests assert on). bench/freeswitch-player.ts runs thousands of calls for
   * minutes: it turns this off and watches events through `onEvent`.
   */
  readonly keepHistory?: boolean;
  /** Called with every event fired. */
  readonly onEvent?: (event: EslEvent) => void;
  /** Called with every command a listener takes (first line), and the channel's uuid on an outbound socket. */
  readonly onCommand?: (line: string, uuid: string | null) => void;
  /** See ChannelHost.recordingFrameMs. */
  readonly recordingFrameMs?: number;
  /** See ChannelHost.playbackTickMs. */
  readonly playbackTickMs?: number;
  /** See ChannelHost.finishGrownFile. */
  readonly finishGrownFile?: boolean;
}

export interface DialplanCallOptions extends Omit<ChannelSpec, 'uuid'> {
  readonly uuid?: string;
  /** The context the call enters (the SIP profile's context). */
  readonly context: string;
}

export interface PlaceCallOptions extends Omit<ChannelSpec, 'uuid'> {
  readonly uuid?: string;
  /** Where the `socket` application connects. */
  readonly host?: string;
  readonly port: number;
  /** The socket application's keywords (default `async full`). */
  readonly socketArgs?: string;
  /** Answer before the socket application runs (the dialplan answered). */
  readonly answered?: boolean;
  /** What the dialplan does when the socket ends: hang up (nothing after `socket`) or carry on (default). */
  readonly afterSocket?: 'continue' | 'hangup';
}

export class FakeFreeSwitch implements ChannelHost, ListenerHost, ApiHost {
  readonly identity: CoreIdentity = { coreUuid: randomUUID(), hostname: 'fs-test', ipv4: '192.0.2.1', ipv6: '::1' };
  readonly version = '1.10.12-release~64bit';
  readonly password: string;
  readonly faults: FaultSwitches = { refuseMask: false, stallOn: null, rejectInbound: false };
  /** mod_db's store, shared by the `db` application and the `db` API. */
  readonly db = new Map<string, string>();
  readonly tickMs: number;
  readonly firstPacketTimeoutMs: number;
  readonly writeRecordings: boolean;
  readonly keepHistory: boolean;
  readonly recordingFrameMs: number | undefined;
  readonly playbackTickMs: number | undefined;
  readonly finishGrownFile: boolean;
  readonly #onEvent: ((event: EslEvent) => void) | undefined;
  readonly #onCommand: ((line: string, uuid: string | null) => void) | undefined;
  /** Characters written to clients, all listeners, and the events among them. */
  bytesWritten = 0;
  eventsWritten = 0;
  readonly globals = new Map<string, string>();
  readonly channels = new Map<string, SimChannel>();
  /** Every event fired, in order (what FreeSWITCH's event system saw, subscribed or not). */
  readonly events: EslEvent[] = [];
  readonly listeners = new Set<SimListener>();
  /** Closed listeners too, for their transcripts. */
  readonly pastListeners: SimListener[] = [];
  startedAt = Date.now();
  readonly #files = new Map<string, number>();
  readonly #afterSocket = new Map<string, 'continue' | 'hangup'>();
  #server: net.Server | null = null;
  #port: number;
  readonly #requestedPort: number;
  #dialplan: XmlDialplan | null;

  constructor(options: FakeFreeSwitchOptions = {}) {
    this.password = options.password ?? 'ClueCon';
    this.#requestedPort = options.port ?? 0;
    this.#port = this.#requestedPort;
    this.tickMs = options.tickMs ?? 5;
    this.firstPacketTimeoutMs = options.firstPacketTimeoutMs ?? 25_000;
    for (const [f, ms] of Object.entries(options.files ?? {})) this.#files.set(f, ms);
    this.writeRecordings = options.writeRecordings ?? false;
    this.keepHistory = options.keepHistory ?? true;
    this.recordingFrameMs = options.recordingFrameMs;
    this.playbackTickMs = options.playbackTickMs;
    this.finishGrownFile = options.finishGrownFile ?? false;
    this.#onEvent = options.onEvent;
    this.#onCommand = options.onCommand;
    this.#dialplan = options.dialplan ? new XmlDialplan(options.dialplan) : null;
    for (const [k, v] of Object.entries(options.globals ?? {})) this.globals.set(k, v);
  }

  /** The inbound port once started. */
  get port(): number {
    return this.#port;
  }

  get running(): boolean {
    return this.#server !== null;
  }

  /** Starts the inbound listener (mod_event_socket_runtime). */
  async start(): Promise<void> {
    if (this.#server) return;
    const server = net.createServer((socket) => this.#acceptInbound(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.#port = (server.address() as net.AddressInfo).port;
    this.#server = server;
    this.startedAt = Date.now();
  }

  /**
   * FreeSWITCH shutting down: every listener gets the shutdown notice
   * (kill_listener), every call ends, the port closes.
   */
  async stop(): Promise<void> {
    for (const l of [...this.listeners]) l.kill(SHUTDOWN);
    for (const ch of [...this.channels.values()]) ch.hangup('SYSTEM_SHUTDOWN');
    await this.#closeServer();
  }

  /** A crash: sockets die without a notice, the port closes, calls are gone. */
  async crash(): Promise<void> {
    for (const l of [...this.listeners]) l.drop();
    this.channels.clear();
    await this.#closeServer();
  }

  /** Stop, stay down `downMs`, start again on the same port with a new Core-UUID. */
  async restart(downMs = 0): Promise<void> {
    await this.stop();
    if (downMs > 0) await this.sleep(downMs);
    this.identity.coreUuid = randomUUID();
    await this.start();
  }

  /** Kills every Event Socket connection without a word, like a network cut; calls go on. */
  dropConnections(): void {
    for (const l of [...this.listeners]) l.drop();
  }

  setFile(file: string, ms: number): void {
    this.#files.set(file, ms);
  }

  async #closeServer(): Promise<void> {
    const server = this.#server;
    this.#server = null;
    if (!server) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  #acceptInbound(socket: net.Socket): void {
    if (this.faults.rejectInbound) {
      socket.end(rudeRejection());
      return;
    }
    const l = new SimListener(this, socket, { kind: 'inbound' });
    this.listeners.add(l);
  }

  /** A call that reaches the dialplan's `socket <host>:<port> [async] [full]`. Resolves once the TCP connection is up. */
  async placeCall(options: PlaceCallOptions): Promise<SimChannel> {
    const ch = this.createChannel(options);
    if (options.answered) ch.answer();
    const host = options.host ?? '127.0.0.1';
    const words = (options.socketArgs ?? 'async full').split(' ').map((w) => w.toLowerCase());
    ch.variables.set('socket_host', host);
    this.#afterSocket.set(ch.uuid, options.afterSocket ?? 'continue');
    const socket = net.connect({ host, port: options.port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const l = new SimListener(this, socket, { kind: 'outbound', channel: ch, async: words.includes('async'), full: words.includes('full') });
    this.listeners.add(l);
    if (words.includes('async')) ch.fire('CHANNEL_PARK');
    return ch;
  }

  /**
   * A call entering the XML dialplan: hunts `destination` in `context`, runs
   * the applications in order (each one's data expanded when it runs), and
   * hangs up when they run out, as switch_core_standard_on_execute does.
   * Resolves with the channel at once; `done` resolves when the dialplan ended.
   */
  runDialplan(options: DialplanCallOptions): { channel: SimChannel; done: Promise<void> } {
    const ch = this.createChannel(options);
    const actions = this.hunt(ch, options.destination, options.context);
    const done = (async () => {
      if (actions.length === 0) { ch.hangup('NO_ROUTE_DESTINATION'); return; }
      for (const a of actions) {
        if (!ch.alive) return;
        if (!(await ch.execute(a.app, ch.expand(a.data)))) return;
      }
      if (ch.alive) ch.hangup('NORMAL_CLEARING');
    })();
    return { channel: ch, done };
  }

  hunt(channel: SimChannel, extension: string, context: string): DialplanAction[] {
    if (!this.#dialplan) throw new Error('fake freeswitch: no dialplan loaded');
    return this.#dialplan.hunt(context, extension, (field) => {
      if (field.includes('${')) return channel.expand(field);
      if (field === 'caller_id_number') return channel.callerNumber;
      return channel.variables.get(field) ?? '';
    });
  }

  globalVariable(name: string): string | undefined {
    return this.globals.get(name);
  }

  channelList(): readonly SimChannel[] {
    return [...this.channels.values()];
  }

  /** The `socket` application's connection (socket_function). */
  async openSocket(ch: SimChannel, host: string, port: number, isAsync: boolean, full: boolean): Promise<SimListener | null> {
    const socket = net.connect({ host, port });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('error', reject);
      });
    } catch {
      socket.destroy();
      return null;
    }
    ch.variables.set('socket_host', host);
    const l = new SimListener(this, socket, { kind: 'outbound', channel: ch, async: isAsync, full });
    this.listeners.add(l);
    if (isAsync) ch.fire('CHANNEL_PARK');
    return l;
  }

  /** A channel with no socket (for inbound-mode tests: uuid_record, sendmsg <uuid>, myevents <uuid>). */
  createChannel(spec: ChannelSpec): SimChannel {
    const ch = new SimChannel(this, spec);
    this.channels.set(ch.uuid, ch);
    ch.fire('CHANNEL_CREATE');
    return ch;
  }

  /** The caller presses keys, `gapMs` apart. */
  async pressDigits(uuid: string, digits: string, gapMs = 20): Promise<void> {
    const ch = this.channels.get(uuid);
    if (!ch) throw new Error(`no channel ${uuid}`);
    for (const d of digits) {
      ch.pressDigit(d);
      if (gapMs > 0) await this.sleep(gapMs);
    }
  }

  /** Resolves with the first fired event matching, waiting up to `timeoutMs`. */
  async waitForEvent(match: (ev: EslEvent) => boolean, timeoutMs = 2000): Promise<EslEvent> {
    const seen = this.events.find(match);
    if (seen) return seen;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const ev = this.events.find(match);
      if (ev) return ev;
      if (Date.now() > deadline) throw new Error('fake freeswitch: event not fired in time');
      await this.sleep(this.tickMs);
    }
  }

  // --- hosts --------------------------------------------------------------------

  fire(event: EslEvent): void {
    if (this.keepHistory) this.events.push(event);
    this.#onEvent?.(event);
    for (const l of this.listeners) l.offer(event);
    const uuid = event.uuid;
    if (uuid && event.name === 'CHANNEL_HANGUP') {
      // read_packet notices the channel is down on its next loop.
      setImmediate(() => {
        for (const l of this.listeners) if (l.session?.uuid === uuid) l.channelDown();
      });
    }
  }

  channel(uuid: string): SimChannel | undefined {
    return this.channels.get(uuid);
  }

  fileDuration(file: string): number | null {
    return mediaFileMs(this.#files, file);
  }

  destroyed(channel: SimChannel): void {
    this.channels.delete(channel.uuid);
    this.#afterSocket.delete(channel.uuid);
  }

  runApi(command: string, arg: string | null): Promise<string | null> {
    return runApi(this, command, arg);
  }

  closed(listener: SimListener): void {
    this.listeners.delete(listener);
    if (this.keepHistory) this.pastListeners.push(listener);
    if (listener.mode.kind !== 'outbound') return;
    const ch = listener.mode.channel;
    // The socket application returns; the dialplan goes on to the next action, or ends.
    if (ch.alive && this.#afterSocket.get(ch.uuid) === 'hangup') ch.hangup('NORMAL_CLEARING');
  }

  command(line: string, uuid: string | null): void {
    this.#onCommand?.(line, uuid);
  }

  written(bytes: number, event: boolean): void {
    this.bytesWritten += bytes;
    if (event) this.eventsWritten++;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }
}

/**
 * How long a playback of `file` lasts, in ms: a known file's length,
 * `silence_stream://<ms>`, 200 ms for a `tone_stream://`; null when the file
 * does not exist (playback answers FILE NOT FOUND). Shared with the bench's
 * light player.
 */
export function mediaFileMs(files: ReadonlyMap<string, number>, file: string): number | null {
    const known = files.get(file);
    if (known !== undefined) return known;
    const silence = /^silence_stream:\/\/(\d+)/.exec(file);
    if (silence) return Number(silence[1]);
    if (file.startsWith('tone_stream://')) return 200;
    return null;
}
