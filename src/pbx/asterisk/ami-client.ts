/**
 * A small AMI client: one TCP connection, login, actions correlated by
 * ActionID with a deadline each, list actions collected up to
 * `EventList: Complete`, events dispatched by name, a Ping heartbeat that
 * drops a dead link, and reconnection with exponential backoff and jitter.
 * It knows the protocol, not calls: call policy lives in src/calls.
 *
 * Never queue behind the caller's back: an action issued while the link is
 * down rejects at once with CV_ERR_AMI_CLOSED, and one in flight when the
 * link drops rejects the same way. A caller that can use a reconnect (a
 * payment mute lands in the 100 to 300 ms a reconnect takes) asks for it with
 * `whileReconnecting: 'wait'`: the action then waits for the link inside its
 * own deadline, which still counts from the call, so a payment pause fails
 * closed on time.
 *
 * Why not the asterisk-ami-client package: docs/decisions.md.
 */
import { EventEmitter } from 'node:events';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { CallvaultError, isCallvaultError } from '../../errors.js';
import { silentLogger, type Logger } from '../../log/logger.js';
import type { LinkStatus } from '../call-control.js';
import { AmiParser, AmiMessage, actionHeaders, encodeMessage, type AmiActionFields } from './ami-frame.js';
import { asEvent, toEvent, type AmiEvent, type AmiEventOf } from './ami-events.js';

export interface AmiReconnectOptions {
  readonly initialDelayMs?: number;
  readonly maxDelayMs?: number;
  readonly factor?: number;
  /** 0.2 = each delay is drawn in ±20 % of its nominal value, so that daemons do not reconnect in step. */
  readonly jitter?: number;
}

export interface AmiHeartbeatOptions {
  readonly intervalMs?: number;
  /** A Ping unanswered this long drops the connection (and reconnects). */
  readonly timeoutMs?: number;
}

export interface AmiClientOptions {
  readonly host: string;
  readonly port: number;
  readonly username: string;
  readonly secret: string;
  /** `Events:` at login: `on`, `off`, or a class list such as `call,system,user`. Default `on`. */
  readonly events?: string;
  /** Deadline of one action, from write to response (CV_ERR_AMI_TIMEOUT). Default 2000. */
  readonly actionTimeoutMs?: number;
  /** Deadline from TCP connect to accepted login. Default 5000. */
  readonly connectTimeoutMs?: number;
  /** false: one connection, no reconnect. */
  readonly reconnect?: AmiReconnectOptions | false;
  readonly heartbeat?: AmiHeartbeatOptions | false;
  readonly maxFrameBytes?: number;
  readonly logger?: Logger;
  /** For tests: replaces Math.random in the jitter. */
  readonly random?: () => number;
}

export interface AmiClientEvents {
  connected: [info: { readonly version: string; readonly reconnect: boolean }];
  disconnected: [info: { readonly error: Error | null; readonly reconnectInMs: number | null }];
  event: [event: AmiEvent];
}

export interface AmiListResult {
  readonly response: AmiMessage;
  readonly events: readonly AmiMessage[];
  /** The closing `...Complete` event, if the list had one. */
  readonly complete: AmiMessage | null;
}

export interface AmiClientStats {
  readonly state: 'idle' | 'connecting' | 'connected' | 'backoff' | 'stopped';
  readonly connects: number;
  readonly reconnects: number;
  readonly disconnects: number;
  readonly loginFailures: number;
  readonly actionTimeouts: number;
  readonly heartbeatFailures: number;
  readonly pendingActions: number;
  readonly version: string | null;
  readonly since: number;
  readonly lastError: string | null;
}

export interface ActionOptions {
  /** Deadline from the call to the response (a wait for the link included). */
  readonly timeoutMs?: number;
  /**
   * While the link is reconnecting (backoff, connecting): `fail` (default)
   * rejects at once with CV_ERR_AMI_CLOSED; `wait` waits for the login, then
   * sends, all inside `timeoutMs`. A stopped client always fails at once.
   */
  readonly whileReconnecting?: 'fail' | 'wait';
}

interface Pending {
  readonly action: string;
  readonly timer: NodeJS.Timeout;
  readonly resolve: (m: AmiMessage | AmiListResult) => void;
  readonly reject: (e: Error) => void;
  readonly list: boolean;
  response: AmiMessage | null;
  readonly events: AmiMessage[];
}

type State = AmiClientStats['state'];

export class AmiClient {
  readonly #o: Required<Pick<AmiClientOptions, 'host' | 'port' | 'username' | 'secret' | 'events' | 'actionTimeoutMs' | 'connectTimeoutMs'>>;
  readonly #reconnect: Required<AmiReconnectOptions> | null;
  readonly #heartbeat: Required<AmiHeartbeatOptions> | null;
  readonly #maxFrameBytes: number | undefined;
  readonly #log: Logger;
  readonly #random: () => number;
  readonly #emitter = new EventEmitter();
  readonly #pending = new Map<string, Pending>();
  readonly #idPrefix = randomBytes(4).toString('hex');
  #nextId = 0;
  #state: State = 'idle';
  #socket: net.Socket | null = null;
  #attempt = 0;
  #retryTimer: NodeJS.Timeout | null = null;
  #heartbeatTimer: NodeJS.Timeout | null = null;
  #stats = { connects: 0, reconnects: 0, disconnects: 0, loginFailures: 0, actionTimeouts: 0, heartbeatFailures: 0 };
  #version: string | null = null;
  #since = Date.now();
  #lastError: Error | null = null;
  #everConnected = false;

  constructor(options: AmiClientOptions) {
    this.#o = {
      host: options.host,
      port: options.port,
      username: options.username,
      secret: options.secret,
      events: options.events ?? 'on',
      actionTimeoutMs: options.actionTimeoutMs ?? 2000,
      connectTimeoutMs: options.connectTimeoutMs ?? 5000,
    };
    this.#reconnect = options.reconnect === false ? null : {
      initialDelayMs: options.reconnect?.initialDelayMs ?? 250,
      maxDelayMs: options.reconnect?.maxDelayMs ?? 30_000,
      factor: options.reconnect?.factor ?? 2,
      jitter: options.reconnect?.jitter ?? 0.2,
    };
    this.#heartbeat = options.heartbeat === false ? null : {
      intervalMs: options.heartbeat?.intervalMs ?? 10_000,
      timeoutMs: options.heartbeat?.timeoutMs ?? 3_000,
    };
    this.#maxFrameBytes = options.maxFrameBytes;
    this.#log = (options.logger ?? silentLogger).child({ component: 'ami' });
    this.#random = options.random ?? Math.random;
    // Listeners are ours to call; an 'event' listener that throws must not kill the link.
    this.#emitter.setMaxListeners(0);
  }

  // --- lifecycle -------------------------------------------------------------

  /** Starts connecting in the background (and reconnecting, unless disabled). */
  start(): void {
    if (this.#state !== 'idle') return;
    this.#connect();
  }

  /** Resolves once logged in; rejects with CV_ERR_AMI_CONNECT (cause: the last error) after `timeoutMs`. */
  waitConnected(timeoutMs = this.#o.connectTimeoutMs): Promise<void> {
    if (this.#state === 'connected') return Promise.resolve();
    if (this.#state === 'stopped') return Promise.reject(new CallvaultError('CV_ERR_AMI_CLOSED'));
    return new Promise((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        this.off('connected', done);
        resolve();
      };
      const timer = setTimeout(() => {
        this.off('connected', done);
        reject(new CallvaultError('CV_ERR_AMI_CONNECT', [this.#address()], this.#lastError ? { cause: this.#lastError } : {}));
      }, timeoutMs);
      this.on('connected', done);
    });
  }

  get connected(): boolean {
    return this.#state === 'connected';
  }

  /** Down but coming back by itself (backoff or connecting): worth waiting for. */
  get reconnecting(): boolean {
    return this.#state === 'backoff' || this.#state === 'connecting';
  }

  /** Logs off if connected, closes the link, rejects pending actions; no reconnect after this. */
  async stop(): Promise<void> {
    if (this.#state === 'stopped') return;
    const wasConnected = this.#state === 'connected';
    this.#setState('stopped');
    this.#clearTimers();
    const socket = this.#socket;
    if (socket === null) return;
    if (wasConnected) {
      await this.#send('Logoff', {}, 500, false).catch(() => undefined);
    }
    await new Promise<void>((resolve) => {
      if (socket.destroyed) return resolve();
      socket.once('close', () => resolve());
      socket.end();
      setTimeout(() => socket.destroy(), 500).unref();
    });
  }

  stats(): AmiClientStats {
    return {
      state: this.#state,
      ...this.#stats,
      pendingActions: this.#pending.size,
      version: this.#version,
      since: this.#since,
      lastError: this.#lastError?.message ?? null,
    };
  }

  /** The link as the daemon's status reports it (src/pbx/call-control.ts). */
  link(): LinkStatus {
    const state = this.#state === 'connected' ? 'up' : this.#state === 'connecting' ? 'connecting' : 'down';
    return { state, since: this.#since, reconnects: this.#stats.reconnects, lastError: this.#lastError?.message ?? null };
  }

  // --- events ----------------------------------------------------------------

  on<K extends keyof AmiClientEvents>(name: K, listener: (...args: AmiClientEvents[K]) => void): this {
    this.#emitter.on(name, listener as (...args: unknown[]) => void);
    return this;
  }

  off<K extends keyof AmiClientEvents>(name: K, listener: (...args: AmiClientEvents[K]) => void): this {
    this.#emitter.off(name, listener as (...args: unknown[]) => void);
    return this;
  }

  /** Listens to one AMI event by name (case as Asterisk writes it); returns the unsubscribe function. */
  onEvent<N extends string>(name: N, listener: (event: AmiEventOf<N>) => void): () => void {
    const key = `ami:${name.toLowerCase()}`;
    const fn = listener as (e: AmiEvent) => void;
    this.#emitter.on(key, fn);
    return () => this.#emitter.off(key, fn);
  }

  /** The next event of that name that satisfies `predicate`; CV_ERR_AMI_TIMEOUT after `timeoutMs`. */
  waitForEvent<N extends string>(name: N, predicate: (event: AmiEventOf<N>) => boolean, timeoutMs: number): Promise<AmiEventOf<N>> {
    return new Promise((resolve, reject) => {
      const off = this.onEvent(name, (event) => {
        let ok = false;
        try {
          ok = predicate(event);
        } catch (err) {
          clearTimeout(timer);
          off();
          reject(err as Error);
          return;
        }
        if (!ok) return;
        clearTimeout(timer);
        off();
        resolve(event);
      });
      const timer = setTimeout(() => {
        off();
        reject(new CallvaultError('CV_ERR_AMI_TIMEOUT', [`(event ${name})`, timeoutMs]));
      }, timeoutMs);
    });
  }

  // --- actions ---------------------------------------------------------------

  /**
   * Sends an action and resolves with its response (`Response: Success`,
   * `Goodbye`, `Follows`). `Response: Error` rejects with CV_ERR_AMI_ACTION
   * carrying Asterisk's Message; no response within the deadline rejects with
   * CV_ERR_AMI_TIMEOUT; a link that is down or drops rejects with CV_ERR_AMI_CLOSED.
   */
  action(action: string, fields: AmiActionFields = {}, options: ActionOptions = {}): Promise<AmiMessage> {
    return this.#sendWhenUp(action, fields, options, false) as Promise<AmiMessage>;
  }

  /** A list action (CoreShowChannels, Status, ...): collects its events up to `EventList: Complete`. */
  actionList(action: string, fields: AmiActionFields = {}, options: ActionOptions = {}): Promise<AmiListResult> {
    return this.#sendWhenUp(action, fields, options, true) as Promise<AmiListResult>;
  }

  async #sendWhenUp(action: string, fields: AmiActionFields, options: ActionOptions, list: boolean): Promise<AmiMessage | AmiListResult> {
    const timeoutMs = options.timeoutMs ?? this.#o.actionTimeoutMs;
    if (options.whileReconnecting !== 'wait' || !this.reconnecting) return this.#send(action, fields, timeoutMs, list);
    const start = Date.now();
    await this.waitConnected(timeoutMs).catch((err: unknown) => {
      // Out of time before the login: the caller's deadline, not a connect failure, is what passed.
      throw isCallvaultError(err, 'CV_ERR_AMI_CONNECT') ? new CallvaultError('CV_ERR_AMI_TIMEOUT', [action, timeoutMs], { cause: err }) : err;
    });
    return this.#send(action, fields, Math.max(1, timeoutMs - (Date.now() - start)), list);
  }

  async ping(options: ActionOptions = {}): Promise<void> {
    await this.action('Ping', {}, options);
  }

  /** A channel variable or function (`CHANNEL(linkedid)`); '' when unset (AMI does not tell unset from empty). */
  async getvar(channel: string, variable: string, options: ActionOptions = {}): Promise<string> {
    const res = await this.action('Getvar', { Channel: channel, Variable: variable }, options);
    return res.get('Value') ?? '';
  }

  async setvar(channel: string, variable: string, value: string, options: ActionOptions = {}): Promise<void> {
    await this.action('Setvar', { Channel: channel, Variable: variable, Value: value }, options);
  }

  /**
   * MixMonitorMute. Resolves only on `Response: Success`: the mute is in
   * force in Asterisk from then on (the audiohook flag is set before the
   * response is written). Without `mixMonitorId` Asterisk mutes every
   * MixMonitor on the channel.
   */
  async mixMonitorMute(channel: string, mute: boolean, options: ActionOptions & { direction?: 'read' | 'write' | 'both'; mixMonitorId?: string } = {}): Promise<void> {
    await this.action('MixMonitorMute', {
      Channel: channel,
      Direction: options.direction ?? 'both',
      State: mute ? '1' : '0',
      MixMonitorID: options.mixMonitorId,
    }, options);
  }

  async stopMixMonitor(channel: string, options: ActionOptions & { mixMonitorId?: string } = {}): Promise<void> {
    await this.action('StopMixMonitor', { Channel: channel, MixMonitorID: options.mixMonitorId }, options);
  }

  async coreShowChannels(options: ActionOptions = {}): Promise<Array<AmiEventOf<'CoreShowChannel'>>> {
    const res = await this.actionList('CoreShowChannels', {}, options);
    return res.events.filter((m) => m.event === 'CoreShowChannel').map((m) => asEvent(m, 'CoreShowChannel'));
  }

  /** Status of one channel or all, with the values of `variables` (read them with parseStatusVariables). */
  async status(options: ActionOptions & { channel?: string; variables?: readonly string[] } = {}): Promise<Array<AmiEventOf<'Status'>>> {
    const res = await this.actionList('Status', {
      Channel: options.channel,
      Variables: options.variables && options.variables.length > 0 ? options.variables.join(',') : undefined,
    }, options);
    return res.events.filter((m) => m.event === 'Status').map((m) => asEvent(m, 'Status'));
  }

  /** Originate (tests, demo). With `async` (default) the result comes later as OriginateResponse with the same ActionID. */
  async originate(params: {
    channel: string;
    context: string;
    exten: string;
    priority?: number;
    variables?: Readonly<Record<string, string>>;
    callerId?: string;
    async?: boolean;
    originateTimeoutMs?: number;
  }, options: ActionOptions = {}): Promise<AmiMessage> {
    const vars = Object.entries(params.variables ?? {}).map(([k, v]) => `${k}=${v}`);
    return this.action('Originate', {
      Channel: params.channel,
      Context: params.context,
      Exten: params.exten,
      Priority: params.priority ?? 1,
      Async: params.async ?? true,
      Timeout: params.originateTimeoutMs,
      CallerID: params.callerId,
      Variable: vars.length > 0 ? vars : undefined,
    }, options);
  }

  // --- internals ---------------------------------------------------------------

  #address(): string {
    return `${this.#o.host}:${this.#o.port}`;
  }

  #setState(state: State): void {
    if (this.#state === state) return;
    this.#state = state;
    this.#since = Date.now();
  }

  #newActionId(): string {
    this.#nextId += 1;
    return `cv-${this.#idPrefix}-${this.#nextId}`;
  }

  #send(action: string, fields: AmiActionFields, timeoutMs: number, list: boolean, duringLogin = false): Promise<AmiMessage | AmiListResult> {
    const socket = this.#socket;
    const usable = socket !== null && !socket.destroyed && (this.#state === 'connected' || duringLogin || (action === 'Logoff' && this.#state === 'stopped'));
    if (!usable) return Promise.reject(new CallvaultError('CV_ERR_AMI_CLOSED'));
    const actionId = this.#newActionId();
    let wire: string;
    try {
      wire = encodeMessage([...actionHeaders(action, { ...fields, ActionID: undefined }), ['ActionID', actionId]]);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        if (!this.#pending.delete(actionId)) return;
        this.#stats.actionTimeouts += 1;
        this.#log.warn({ action, actionId, timeoutMs }, 'ami: action timed out');
        reject(new CallvaultError('CV_ERR_AMI_TIMEOUT', [action, timeoutMs]));
      }, timeoutMs);
      this.#pending.set(actionId, { action, timer, resolve, reject, list, response: null, events: [] });
      this.#log.debug({ action, actionId }, 'ami: action sent');
      socket.write(wire);
    });
  }

  #connect(): void {
    this.#setState('connecting');
    const socket = net.connect({ host: this.#o.host, port: this.#o.port });
    this.#socket = socket;
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 10_000);
    const parser = new AmiParser(this.#maxFrameBytes === undefined ? {} : { maxFrameBytes: this.#maxFrameBytes });
    let loggedIn = false;
    let closeError: Error | null = null;

    const connectTimer = setTimeout(() => {
      closeError = new CallvaultError('CV_ERR_AMI_CONNECT', [this.#address()], { cause: new Error(`no login within ${this.#o.connectTimeoutMs} ms`) });
      socket.destroy();
    }, this.#o.connectTimeoutMs);

    const login = async (version: string): Promise<void> => {
      this.#version = version;
      try {
        await this.#send('Login', { Username: this.#o.username, Secret: this.#o.secret, Events: this.#o.events }, this.#o.connectTimeoutMs, false, true);
      } catch (err) {
        if (isCallvaultError(err, 'CV_ERR_AMI_ACTION')) {
          this.#stats.loginFailures += 1;
          closeError = new CallvaultError('CV_ERR_AMI_LOGIN', [this.#o.username], { cause: err });
          this.#log.error({ err: closeError }, 'ami: login refused');
        } else {
          closeError = err as Error;
        }
        socket.destroy();
        return;
      }
      if (socket.destroyed) return;
      clearTimeout(connectTimer);
      loggedIn = true;
      const reconnect = this.#everConnected;
      this.#everConnected = true;
      this.#attempt = 0;
      this.#stats.connects += 1;
      if (reconnect) this.#stats.reconnects += 1;
      this.#lastError = null;
      this.#setState('connected');
      this.#startHeartbeat();
      this.#log.info({ version, reconnect }, 'ami: connected');
      this.#emit('connected', { version, reconnect });
    };

    socket.on('data', (chunk) => {
      let frames;
      try {
        frames = parser.push(chunk);
      } catch (err) {
        closeError = err as Error;
        this.#log.error({ err }, 'ami: protocol error; dropping the connection');
        socket.destroy();
        return;
      }
      for (const frame of frames) {
        if (frame.kind === 'banner') {
          void login(frame.version);
        } else if (frame.kind === 'message') {
          this.#dispatch(frame.message);
        }
        // 'blank': an empty line between messages (TestEvent ends with one); nothing to do.
      }
    });
    socket.on('error', (err) => {
      closeError ??= err;
    });
    socket.on('close', () => {
      clearTimeout(connectTimer);
      this.#stopHeartbeat();
      if (this.#socket === socket) this.#socket = null;
      const error = closeError ?? (loggedIn ? new CallvaultError('CV_ERR_AMI_CLOSED') : new CallvaultError('CV_ERR_AMI_CONNECT', [this.#address()]));
      this.#lastError = error;
      for (const [id, p] of this.#pending) {
        clearTimeout(p.timer);
        this.#pending.delete(id);
        p.reject(new CallvaultError('CV_ERR_AMI_CLOSED', [], { cause: error }));
      }
      if (loggedIn) this.#stats.disconnects += 1;
      if (this.#state === 'stopped') {
        if (loggedIn) this.#emit('disconnected', { error: null, reconnectInMs: null });
        return;
      }
      const delay = this.#scheduleReconnect();
      if (loggedIn) {
        this.#log.warn({ err: error, reconnectInMs: delay }, 'ami: disconnected');
      } else {
        this.#log.debug({ err: error, reconnectInMs: delay }, 'ami: connect failed');
      }
      if (loggedIn) this.#emit('disconnected', { error, reconnectInMs: delay });
    });
  }

  #scheduleReconnect(): number | null {
    if (this.#reconnect === null) {
      this.#setState('stopped');
      return null;
    }
    const r = this.#reconnect;
    const nominal = Math.min(r.maxDelayMs, r.initialDelayMs * r.factor ** this.#attempt);
    const delay = Math.max(0, Math.round(nominal * (1 - r.jitter + 2 * r.jitter * this.#random())));
    this.#attempt += 1;
    this.#setState('backoff');
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      if (this.#state === 'backoff') this.#connect();
    }, delay);
    return delay;
  }

  #dispatch(message: AmiMessage): void {
    const id = message.actionId;
    const pending = id === undefined ? undefined : this.#pending.get(id);
    if (message.kind === 'response') {
      if (pending === undefined || id === undefined) {
        this.#log.debug({ actionId: id }, 'ami: response to no pending action (late or foreign)');
        return;
      }
      if (message.response === 'Error') {
        this.#finish(id, pending);
        pending.reject(new CallvaultError('CV_ERR_AMI_ACTION', [pending.action, message.get('Message') ?? 'no message']));
        return;
      }
      if (pending.list && message.get('EventList')?.toLowerCase() === 'start') {
        pending.response = message;
        return;
      }
      this.#finish(id, pending);
      pending.resolve(pending.list ? { response: message, events: [], complete: null } : message);
      return;
    }
    if (message.kind === 'event') {
      if (pending !== undefined && id !== undefined && pending.list && pending.response !== null) {
        // A list's items belong to the caller of actionList, not to event listeners.
        if (message.get('EventList')?.toLowerCase() === 'complete') {
          this.#finish(id, pending);
          pending.resolve({ response: pending.response, events: pending.events, complete: message });
        } else {
          pending.events.push(message);
        }
        return;
      }
      const event = toEvent(message);
      this.#emit('event', event);
      this.#emitNamed(event);
      return;
    }
    this.#log.debug('ami: message that is neither response nor event; ignored');
  }

  #finish(id: string, pending: Pending): void {
    clearTimeout(pending.timer);
    this.#pending.delete(id);
  }

  #emit<K extends keyof AmiClientEvents>(name: K, ...args: AmiClientEvents[K]): void {
    for (const listener of this.#emitter.listeners(name)) {
      try {
        (listener as (...a: unknown[]) => void)(...args);
      } catch (err) {
        this.#log.error({ err, listener: name }, 'ami: listener threw');
      }
    }
  }

  #emitNamed(event: AmiEvent): void {
    for (const listener of this.#emitter.listeners(`ami:${event.name.toLowerCase()}`)) {
      try {
        (listener as (e: AmiEvent) => void)(event);
      } catch (err) {
        this.#log.error({ err, event: event.name }, 'ami: listener threw');
      }
    }
  }

  #startHeartbeat(): void {
    const hb = this.#heartbeat;
    if (hb === null) return;
    this.#stopHeartbeat();
    let inFlight = false;
    this.#heartbeatTimer = setInterval(() => {
      if (inFlight || this.#state !== 'connected') return;
      inFlight = true;
      const socket = this.#socket;
      this.ping({ timeoutMs: hb.timeoutMs }).then(
        () => { inFlight = false; },
        (err: unknown) => {
          inFlight = false;
          if (!isCallvaultError(err, 'CV_ERR_AMI_TIMEOUT')) return;
          this.#stats.heartbeatFailures += 1;
          this.#log.warn({ timeoutMs: hb.timeoutMs }, 'ami: heartbeat unanswered; dropping the connection');
          socket?.destroy(new CallvaultError('CV_ERR_AMI_TIMEOUT', ['Ping', hb.timeoutMs]));
        },
      );
    }, hb.intervalMs);
    this.#heartbeatTimer.unref();
  }

  #stopHeartbeat(): void {
    if (this.#heartbeatTimer !== null) clearInterval(this.#heartbeatTimer);
    this.#heartbeatTimer = null;
  }

  #clearTimers(): void {
    this.#stopHeartbeat();
    if (this.#retryTimer !== null) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
  }
}
