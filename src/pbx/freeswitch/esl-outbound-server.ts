/**
 * The outbound Event Socket server: FreeSWITCH's `socket` dialplan application
 * connects to us once per call, and each connection becomes one
 * `EslOutboundSession` handed to the handler. The session speaks the
 * per-call commands (`connect`, `myevents`, `linger`, `getvar`, `sendmsg`
 * execute/hangup) and tracks the call's lifecycle as an explicit state
 * machine; the call-flow logic on top of it lives elsewhere.
 *
 * The dialplan must use `socket <host>:<port> async full`: without `async`
 * every sendmsg blocks until its application ends, and without `full`
 * FreeSWITCH answers `linger`, `event` and `api` with `-ERR command not found`
 * (parse_command in mod_event_socket.c). `connect()` reports both modes.
 */
import { EventEmitter } from 'node:events';
import net from 'node:net';
import { CallvaultError, isCallvaultError } from '../../errors.js';
import { silentLogger, type Logger } from '../../log/logger.js';
import { EslConnection, type EslConnectionOptions, type EventFormat, type ExecuteResult, type RequestOptions } from './esl-connection.js';
import type { EslEvent } from './esl-event.js';

export interface ChannelData {
  /** Unique-ID: this channel. */
  readonly uuid: string;
  /** Channel-Call-UUID: shared by the legs of one call. */
  readonly callUuid: string;
  /** Caller-Caller-ID-Number: personal data, never log it. */
  readonly callerNumber: string | null;
  readonly destinationNumber: string | null;
  /** `async` or `static` (Socket-Mode). */
  readonly socketMode: string;
  /** `full` or `single-channel` (Control). */
  readonly control: string;
  /** Every header of the CHANNEL_DATA reply, variables included (`variable_<name>`). */
  readonly event: EslEvent;
}

/**
 * accepted → connected (our `connect` answered) → hungup (the channel is gone;
 * the socket lingers if we asked) → closed. `closed` is reachable from all.
 */
export type OutboundSessionState =
  | { readonly kind: 'accepted' }
  | { readonly kind: 'connected'; readonly channel: ChannelData }
  | { readonly kind: 'hungup'; readonly channel: ChannelData; readonly cause: string | null }
  | { readonly kind: 'closed'; readonly reason: CallvaultError | null };

type StateKind = OutboundSessionState['kind'];

const TRANSITIONS: Readonly<Record<StateKind, readonly StateKind[]>> = {
  accepted: ['connected', 'closed'],
  connected: ['hungup', 'closed'],
  hungup: ['closed'],
  closed: [],
};

export interface EslOutboundSessionEvents {
  event: [EslEvent];
  /** A key the caller pressed. Card data during a payment: never log it. */
  dtmf: [digit: string];
  hangup: [cause: string | null];
  close: [reason: CallvaultError | null];
}

const HANGUP_EVENTS = new Set(['CHANNEL_HANGUP', 'CHANNEL_HANGUP_COMPLETE']);

/** One call's outbound socket. Created by `EslOutboundServer`; also usable over any accepted socket. */
export class EslOutboundSession extends EventEmitter<EslOutboundSessionEvents> {
  readonly connection: EslConnection;
  readonly #log: Logger;
  #state: OutboundSessionState = { kind: 'accepted' };
  /** Aborted when the channel is gone: pending executes that cannot complete stop waiting. */
  readonly #gone = new AbortController();

  constructor(connection: EslConnection, logger: Logger = silentLogger) {
    super();
    this.connection = connection;
    this.#log = logger;
    connection.on('event', (ev) => this.#onEvent(ev));
    connection.on('notice', (n) => {
      if (n.disposition === 'linger') this.#channelGone(null);
    });
    connection.on('close', (reason) => {
      this.#gone.abort(reason ?? new CallvaultError('CV_ERR_ESL_CLOSED'));
      this.#transition({ kind: 'closed', reason });
      try {
        this.emit('close', reason);
      } catch (err) {
        this.#log.error({ err }, 'esl: close listener failed');
      }
    });
  }

  get state(): OutboundSessionState {
    return this.#state;
  }

  /** The channel, once `connect()` answered. */
  get channel(): ChannelData | null {
    return this.#state.kind === 'connected' || this.#state.kind === 'hungup' ? this.#state.channel : null;
  }

  /**
   * `connect`: FreeSWITCH answers with the channel's data (a CHANNEL_DATA
   * event). Must be the first command: FreeSWITCH processes the first
   * command of an outbound socket without replying unless it is `connect`.
   */
  async connect(options: RequestOptions = {}): Promise<ChannelData> {
    if (this.#state.kind !== 'accepted') throw new CallvaultError('CV_ERR_ESL_COMMAND', ['connect', `session is ${this.#state.kind}`]);
    const msg = await this.connection.request('connect', [], 'channel-data', options);
    if (msg.kind !== 'channel-data') {
      throw new CallvaultError('CV_ERR_ESL_COMMAND', ['connect', msg.kind === 'command-reply' ? msg.text : `unexpected ${msg.kind}`]);
    }
    const ev = msg.event;
    const uuid = ev.get('Unique-ID');
    if (!uuid) throw new CallvaultError('CV_ERR_ESL_FRAME', ['connect reply without Unique-ID']);
    const channel: ChannelData = {
      uuid,
      callUuid: ev.get('Channel-Call-UUID') ?? uuid,
      callerNumber: ev.get('Caller-Caller-ID-Number') ?? null,
      destinationNumber: ev.get('Caller-Destination-Number') ?? null,
      socketMode: msg.socketMode,
      control: msg.control,
      event: ev,
    };
    this.#transition({ kind: 'connected', channel });
    return channel;
  }

  /** `myevents`: this channel's events only (and the channel event set). */
  async myevents(format: EventFormat = 'plain', options: RequestOptions = {}): Promise<void> {
    await this.connection.myevents(format, undefined, options);
  }

  /** `linger [seconds]`: keep the socket after hangup so CHANNEL_HANGUP_COMPLETE and friends still arrive. Needs `full`. */
  async linger(seconds?: number, options: RequestOptions = {}): Promise<void> {
    await this.connection.commandOk(seconds === undefined ? 'linger' : `linger ${Math.trunc(seconds)}`, [], options);
  }

  async nolinger(options: RequestOptions = {}): Promise<void> {
    await this.connection.commandOk('nolinger', [], options);
  }

  /**
   * `getvar <name>`: the variable's value, or null when unset. FreeSWITCH
   * answers an unset or empty variable with `-ERR command not found`, so a
   * variable holding exactly that text reads as unset.
   */
  async getvar(name: string, options: RequestOptions = {}): Promise<string | null> {
    if (/\s/.test(name) || name === '') throw new CallvaultError('CV_ERR_ESL_COMMAND', ['getvar', 'invalid variable name']);
    const reply = await this.connection.command(`getvar ${name}`, [], options);
    return reply.text === '-ERR command not found' ? null : reply.text;
  }

  /**
   * Runs a dialplan application on this channel and waits for its
   * CHANNEL_EXECUTE_COMPLETE. Ends with CV_ERR_ESL_CLOSED if the channel is
   * gone before the application completes (a queued application never runs
   * after hangup), CV_ERR_ESL_TIMEOUT after `timeoutMs`.
   */
  async execute(app: string, arg?: string, options: RequestOptions & { eventLock?: boolean; loops?: number } = {}): Promise<ExecuteResult> {
    const kind = this.#state.kind;
    // After hangup the call is gone (not a bug); before connect it is ours.
    if (kind === 'hungup' || kind === 'closed') throw new CallvaultError('CV_ERR_ESL_CLOSED', [], { hint: 'the channel hung up' });
    if (kind !== 'connected') throw new CallvaultError('CV_ERR_ESL_COMMAND', [`execute ${app}`, `session is ${kind}`]);
    return this.connection.execute(null, app, arg, { ...options, signal: this.#gone.signal });
  }

  /** `sendmsg` hangup with a cause (NORMAL_CLEARING by default). */
  async hangup(cause = 'NORMAL_CLEARING', options: RequestOptions = {}): Promise<void> {
    await this.connection.sendmsg(
      null,
      [
        ['call-command', 'hangup'],
        ['hangup-cause', cause],
      ],
      options,
    );
  }

  /** Ends the socket politely (`exit`); the call continues in the dialplan unless it is over. */
  async exit(options: RequestOptions = {}): Promise<void> {
    await this.connection.exit(options);
  }

  close(): void {
    this.connection.close();
  }

  #onEvent(ev: EslEvent): void {
    const ours = this.channel;
    // myevents already filters by Unique-ID; with plain `event` subscriptions it does not, so check.
    if (ours && ev.uuid !== undefined && ev.uuid !== ours.uuid) return;
    if (ev.name === 'DTMF') {
      const digit = ev.get('DTMF-Digit');
      if (digit !== undefined) this.#safeEmit('dtmf', digit);
    }
    if (HANGUP_EVENTS.has(ev.name)) this.#channelGone(ev.get('Hangup-Cause') ?? null);
    // The application running at hangup still reports CHANNEL_EXECUTE_COMPLETE (after CHANNEL_HANGUP);
    // after CHANNEL_HANGUP_COMPLETE nothing queued will ever run, so stop waiting for it.
    if (ev.name === 'CHANNEL_HANGUP_COMPLETE') this.#gone.abort(new CallvaultError('CV_ERR_ESL_CLOSED', [], { hint: 'the channel hung up' }));
    this.#safeEmit('event', ev);
  }

  #channelGone(cause: string | null): void {
    const s = this.#state;
    if (s.kind !== 'connected') return;
    this.#transition({ kind: 'hungup', channel: s.channel, cause });
    this.#safeEmit('hangup', cause);
  }

  #transition(next: OutboundSessionState): void {
    const from = this.#state.kind;
    if (from === next.kind) return;
    if (!TRANSITIONS[from].includes(next.kind)) {
      // A bug, not a protocol event: log it loudly and keep the current state.
      this.#log.error({ from, to: next.kind }, 'esl: illegal outbound session transition');
      return;
    }
    this.#state = next;
  }

  #safeEmit<K extends keyof EslOutboundSessionEvents>(name: K, ...args: EslOutboundSessionEvents[K]): void {
    try {
      (this.emit as (n: K, ...a: EslOutboundSessionEvents[K]) => boolean)(name, ...args);
    } catch (err) {
      this.#log.error({ err }, 'esl: session listener failed');
    }
  }
}

export interface EslOutboundServerOptions extends EslConnectionOptions {
  readonly host?: string;
  readonly port: number;
  /** Runs once per call. When it returns, a session still open is ended with `exit`. */
  readonly handler: (session: EslOutboundSession) => Promise<void>;
}

/** Listens for FreeSWITCH's outbound socket connections. */
export class EslOutboundServer {
  readonly #options: EslOutboundServerOptions;
  readonly #server: net.Server;
  readonly #log: Logger;
  readonly #sessions = new Set<EslOutboundSession>();

  constructor(options: EslOutboundServerOptions) {
    this.#options = options;
    this.#log = (options.logger ?? silentLogger).child({ component: 'esl-outbound' });
    this.#server = net.createServer((socket) => this.#accept(socket));
  }

  /** Starts listening; CV_ERR_ESL_LISTEN if the address is taken or invalid. */
  async listen(): Promise<net.AddressInfo> {
    const where = `${this.#options.host ?? '0.0.0.0'}:${this.#options.port}`;
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => reject(new CallvaultError('CV_ERR_ESL_LISTEN', [where], { cause: err }));
      this.#server.once('error', onError);
      this.#server.listen(this.#options.port, this.#options.host, () => {
        this.#server.off('error', onError);
        resolve();
      });
    });
    this.#server.on('error', (err) => this.#log.error({ err }, 'esl: outbound listener error'));
    return this.#server.address() as net.AddressInfo;
  }

  /** Calls being handled now. */
  get activeSessions(): number {
    return this.#sessions.size;
  }

  /** Stops accepting calls and closes the sockets of calls in progress. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    for (const s of this.#sessions) s.close();
    await closed;
  }

  #accept(socket: net.Socket): void {
    const peer = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    const conn = EslConnection.accept(socket, { ...this.#options, peer });
    const session = new EslOutboundSession(conn, this.#log.child({ peer }));
    this.#sessions.add(session);
    session.once('close', () => this.#sessions.delete(session));
    void this.#run(session);
  }

  async #run(session: EslOutboundSession): Promise<void> {
    try {
      await this.#options.handler(session);
    } catch (err) {
      if (isCallvaultError(err, 'CV_ERR_ESL_CLOSED')) this.#log.info({ err }, 'esl: call ended during its handler');
      else this.#log.error({ err }, 'esl: outbound session failed');
    }
    if (session.state.kind !== 'closed') {
      try {
        await session.exit();
      } catch (err) {
        this.#log.debug({ err }, 'esl: exit after handler failed');
        session.close();
      }
    }
  }
}
