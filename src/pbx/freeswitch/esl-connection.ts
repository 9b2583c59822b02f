/**
 * One Event Socket connection, client side, over a TCP socket: inbound (we
 * dial mod_event_socket and authenticate) or outbound (FreeSWITCH's `socket`
 * application dialled us; see esl-outbound-server.ts). FreeSWITCH answers
 * commands strictly in order, one `command/reply` or `api/response` each,
 * with events interleaved; this class keeps the queue of commands awaiting
 * their reply, correlates `bgapi` jobs by Job-UUID and executed applications
 * by Application-UUID, and turns every way a connection can fail into a
 * CV_ERR_ESL_* error: a deadline (CV_ERR_ESL_TIMEOUT), a refused or failed
 * command (CV_ERR_ESL_COMMAND), garbage on the wire (CV_ERR_ESL_FRAME), a
 * closed socket (CV_ERR_ESL_CLOSED).
 *
 * It logs command verbs and never arguments, events or replies: those carry
 * caller numbers, DTMF digits and the auth password.
 */
import { EventEmitter } from 'node:events';
import net from 'node:net';
import { randomUUID } from 'node:crypto';
import { CallvaultError, isCallvaultError } from '../../errors.js';
import { silentLogger, type Logger } from '../../log/logger.js';
import { EslFrameParser, classifyFrame, encodeCommand, type EslHeader, type EslMessage, type EslParserLimits } from './esl-frame.js';
import type { EslEvent } from './esl-event.js';

export interface EslConnectionOptions extends EslParserLimits {
  readonly logger?: Logger;
  /** Deadline for a command's reply; `api` commands may take longer, pass `timeoutMs` to them. */
  readonly commandTimeoutMs?: number;
  /** Who is at the other end, for errors and logs (`host:port`). */
  readonly peer?: string;
}

export interface InboundConnectOptions extends EslConnectionOptions {
  readonly host: string;
  readonly port: number;
  /** event_socket.conf.xml `password`. Never logged. */
  readonly password: string;
  /** Deadline for TCP connect plus the auth/request greeting. */
  readonly connectTimeoutMs?: number;
}

export interface RequestOptions {
  readonly timeoutMs?: number;
}

/** A `command/reply`: `ok` when Reply-Text starts with `+OK`. */
export interface CommandReply {
  readonly ok: boolean;
  readonly text: string;
  readonly headers: readonly EslHeader[];
}

export interface DisconnectNotice {
  readonly disposition: 'disconnect' | 'linger' | null;
  readonly sessionUuid: string | null;
  readonly lingerSeconds: number | null;
}

export type EventFormat = 'plain' | 'json';

export interface EslConnectionEvents {
  /** Every FreeSWITCH event received, after it settled any waiter. */
  event: [EslEvent];
  /** `text/disconnect-notice`: `linger` once the channel is gone, `disconnect` just before FreeSWITCH closes. */
  notice: [DisconnectNotice];
  /** The socket is closed; `reason` is null after a clean `exit` or `close()`. */
  close: [reason: CallvaultError | null];
}

export const DEFAULT_COMMAND_TIMEOUT_MS = 5000;

type Expect = 'reply' | 'api' | 'channel-data';

interface PendingReply {
  readonly verb: string;
  readonly expect: Expect;
  /** Set when the caller gave up (timeout): the reply, when it comes, is consumed and dropped to keep the order. */
  abandoned: boolean;
  settle(result: EslMessage | CallvaultError): void;
}

interface EventWaiter {
  readonly match: (ev: EslEvent) => boolean;
  settle(result: EslEvent | CallvaultError): void;
}

type ConnectionState = { readonly kind: 'open' } | { readonly kind: 'exiting' } | { readonly kind: 'closed'; readonly reason: CallvaultError | null };

/** The verb we may log: the command word, plus the API name for api/bgapi. Never arguments. */
function verbOf(line: string): string {
  const [first = '', second = ''] = line.split(' ', 3);
  if (first === 'api' || first === 'bgapi') return `${first} ${second}`;
  return first;
}

/** A header value may not contain a line break (it would inject headers); an argument that needs one travels as a body. */
function hasLineBreak(s: string): boolean {
  return /[\r\n]/.test(s);
}

export class EslConnection extends EventEmitter<EslConnectionEvents> {
  readonly peer: string;
  readonly #socket: net.Socket;
  readonly #parser: EslFrameParser;
  readonly #log: Logger;
  readonly #commandTimeoutMs: number;
  readonly #pending: PendingReply[] = [];
  readonly #waiters = new Set<EventWaiter>();
  readonly #subscribed = new Set<string>();
  #state: ConnectionState = { kind: 'open' };
  #authRequested: ((ok: true | CallvaultError) => void) | null = null;
  #lastNotice: DisconnectNotice | null = null;

  private constructor(socket: net.Socket, options: EslConnectionOptions) {
    super();
    this.#socket = socket;
    this.peer = options.peer ?? `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    this.#parser = new EslFrameParser(options);
    this.#log = (options.logger ?? silentLogger).child({ component: 'esl', peer: this.peer });
    this.#commandTimeoutMs = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', (err) => this.#shutdown(new CallvaultError('CV_ERR_ESL_CLOSED', [], { cause: err })));
    socket.on('close', () => this.#shutdown(this.#state.kind === 'exiting' ? null : new CallvaultError('CV_ERR_ESL_CLOSED')));
  }

  /**
   * Inbound mode: connects to mod_event_socket, waits for `auth/request` and
   * authenticates. CV_ERR_ESL_CONNECT if the TCP connection fails or FreeSWITCH
   * rejects our address, CV_ERR_ESL_AUTH if the password is refused,
   * CV_ERR_ESL_TIMEOUT if the greeting or the auth reply does not come.
   */
  static async connect(options: InboundConnectOptions): Promise<EslConnection> {
    const peer = options.peer ?? `${options.host}:${options.port}`;
    const timeoutMs = options.connectTimeoutMs ?? options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
    const socket = net.connect({ host: options.host, port: options.port });
    const conn = new EslConnection(socket, { ...options, peer });
    const greeted = new Promise<true | CallvaultError>((resolve) => {
      conn.#authRequested = resolve;
    });
    const connected = new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', (err) => reject(new CallvaultError('CV_ERR_ESL_CONNECT', [peer], { cause: err })));
    });
    // If the deadline wins the race, a later connect error must not surface as an unhandled rejection.
    connected.catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new CallvaultError('CV_ERR_ESL_TIMEOUT', ['auth/request', timeoutMs])), timeoutMs);
    });
    try {
      await Promise.race([connected, deadline]);
      const greeting = await Promise.race([greeted, deadline]);
      if (greeting !== true) throw greeting;
    } catch (err) {
      conn.close();
      throw err;
    } finally {
      clearTimeout(timer);
    }
    const reply = await conn.#request(`auth ${options.password}`, [], undefined, 'reply', 'auth', {});
    if (reply.kind !== 'command-reply' || !reply.ok) {
      conn.close();
      throw new CallvaultError('CV_ERR_ESL_AUTH');
    }
    conn.#log.debug('esl: authenticated');
    return conn;
  }

  /** Outbound mode: FreeSWITCH connected to us; no greeting, no auth (the `connect` command comes next). */
  static accept(socket: net.Socket, options: EslConnectionOptions = {}): EslConnection {
    return new EslConnection(socket, options);
  }

  get closed(): boolean {
    return this.#state.kind === 'closed';
  }

  /** The last disconnect notice FreeSWITCH sent, if any. */
  get lastNotice(): DisconnectNotice | null {
    return this.#lastNotice;
  }

  /** Event names this connection asked for (`ALL` included), so callers can check before relying on one. */
  get subscriptions(): ReadonlySet<string> {
    return this.#subscribed;
  }

  // --- commands --------------------------------------------------------------

  /** Sends a command and returns its `command/reply`, `-ERR` included (a refusal is a value here). */
  async command(line: string, headers: readonly EslHeader[] = [], options: RequestOptions & { body?: string } = {}): Promise<CommandReply> {
    const msg = await this.#request(line, headers, options.body, 'reply', verbOf(line), options);
    if (msg.kind !== 'command-reply') throw this.#desync(verbOf(line), msg.kind);
    return { ok: msg.ok, text: msg.text, headers: msg.headers };
  }

  /** Like `command`, but a reply that is not `+OK` is CV_ERR_ESL_COMMAND. */
  async commandOk(line: string, headers: readonly EslHeader[] = [], options: RequestOptions & { body?: string } = {}): Promise<CommandReply> {
    const reply = await this.command(line, headers, options);
    if (!reply.ok) throw new CallvaultError('CV_ERR_ESL_COMMAND', [verbOf(line), reply.text]);
    return reply;
  }

  /**
   * `api <cmd>`: the API's output, as is. FreeSWITCH runs it on the socket's own
   * thread, so nothing else on this connection moves until it answers. Whether
   * the text means success is the API's business (`+OK`, `-ERR`, `-USAGE`, or
   * plain data): callers judge it.
   */
  async api(cmd: string, options: RequestOptions = {}): Promise<string> {
    const msg = await this.#request(`api ${cmd}`, [], undefined, 'api', verbOf(`api ${cmd}`), options);
    if (msg.kind !== 'api-response') throw this.#desync(verbOf(`api ${cmd}`), msg.kind);
    return msg.text;
  }

  /**
   * `bgapi <cmd>`: runs the API in a FreeSWITCH thread and returns its output
   * from the BACKGROUND_JOB event. We choose the Job-UUID (mod_event_socket
   * honours a `Job-UUID` header) so the job is ours before the reply arrives.
   * The connection must receive BACKGROUND_JOB events (`subscribe`).
   */
  async bgapi(cmd: string, options: RequestOptions = {}): Promise<string> {
    const verb = verbOf(`bgapi ${cmd}`);
    if (!this.#subscribed.has('BACKGROUND_JOB') && !this.#subscribed.has('ALL')) {
      throw new CallvaultError('CV_ERR_ESL_COMMAND', [verb, 'not subscribed to BACKGROUND_JOB events'], {
        hint: 'subscribe to BACKGROUND_JOB (or ALL) before using bgapi, or the result can never arrive',
      });
    }
    const timeoutMs = options.timeoutMs ?? this.#commandTimeoutMs;
    let jobUuid: string = randomUUID();
    const result = this.waitForEvent((ev) => ev.name === 'BACKGROUND_JOB' && ev.get('Job-UUID') === jobUuid, { timeoutMs, what: verb });
    try {
      const reply = await this.commandOk(`bgapi ${cmd}`, [['Job-UUID', jobUuid]], { timeoutMs });
      // An older FreeSWITCH ignores our header and picks its own: follow the reply.
      const given = reply.headers.find(([n]) => n.toLowerCase() === 'job-uuid')?.[1];
      if (given !== undefined && given !== jobUuid) jobUuid = given;
    } catch (err) {
      result.cancel();
      throw err;
    }
    const ev = await result.promise;
    return ev.body ?? '';
  }

  /** `event <format> <names>`: adds to the subscription (FreeSWITCH never removes on `event`). */
  async subscribe(format: EventFormat, names: readonly string[]): Promise<void> {
    if (names.length === 0) throw new CallvaultError('CV_ERR_ESL_COMMAND', ['event', 'no event names given']);
    await this.commandOk(`event ${format} ${names.join(' ')}`);
    for (const n of names) this.#subscribed.add(n.toUpperCase());
  }

  /** `filter <header> <value>`: only events matching one of the filters are delivered. */
  async filter(header: string, value: string): Promise<void> {
    await this.commandOk(`filter ${header} ${value}`);
  }

  async filterDelete(header: string, value?: string): Promise<void> {
    await this.commandOk(value === undefined ? `filter delete ${header}` : `filter delete ${header} ${value}`);
  }

  /** `noevents`: stops all events (and with them bgapi results and execute completions). */
  async noevents(): Promise<void> {
    await this.commandOk('noevents');
    this.#subscribed.clear();
  }

  /**
   * `myevents [<uuid>] [format]`: only this channel's events, and the channel
   * event set (mod_event_socket enables CHANNEL_* , DTMF, TALK, ... itself).
   * On an outbound connection the uuid is implicit.
   */
  async myevents(format: EventFormat = 'plain', uuid?: string, options: RequestOptions = {}): Promise<void> {
    await this.commandOk(uuid === undefined ? `myevents ${format}` : `myevents ${uuid} ${format}`, [], options);
    for (const n of MYEVENTS_SET) this.#subscribed.add(n);
  }

  /**
   * `sendmsg [<uuid>]` with its headers. A header value cannot hold a line
   * break; pass such data as `body` (sent with `content-type: text/plain`).
   */
  async sendmsg(uuid: string | null, headers: readonly EslHeader[], options: RequestOptions & { body?: string } = {}): Promise<CommandReply> {
    const all: EslHeader[] = [...headers];
    if (options.body !== undefined && !headers.some(([n]) => n.toLowerCase() === 'content-type')) all.push(['content-type', 'text/plain']);
    return this.commandOk(uuid === null ? 'sendmsg' : `sendmsg ${uuid}`, all, options);
  }

  /**
   * Executes a dialplan application and waits for its CHANNEL_EXECUTE_COMPLETE,
   * matched by the Application-UUID we set (`Event-UUID`, switch_ivr_parse_event).
   * `event-lock` is on by default: FreeSWITCH then runs it only after the
   * application before it finished, instead of inside it. Needs
   * CHANNEL_EXECUTE_COMPLETE events on this connection (`myevents` or
   * `subscribe`). If the channel goes away first, the wait ends with
   * CV_ERR_ESL_CLOSED (via `abort`) or CV_ERR_ESL_TIMEOUT.
   */
  async execute(
    uuid: string | null,
    app: string,
    arg: string | undefined,
    options: RequestOptions & { eventLock?: boolean; loops?: number; signal?: AbortSignal } = {},
  ): Promise<ExecuteResult> {
    const verb = `execute ${app}`;
    if (!this.#subscribed.has('CHANNEL_EXECUTE_COMPLETE') && !this.#subscribed.has('ALL')) {
      throw new CallvaultError('CV_ERR_ESL_COMMAND', [verb, 'not subscribed to CHANNEL_EXECUTE_COMPLETE events'], {
        hint: 'send myevents (outbound) or subscribe to CHANNEL_EXECUTE_COMPLETE before executing applications',
      });
    }
    if (/[\s]/.test(app) || app === '') throw new CallvaultError('CV_ERR_ESL_COMMAND', [verb, 'invalid application name']);
    if (options.signal?.aborted) {
      const reason: unknown = options.signal.reason;
      throw isCallvaultError(reason) ? reason : new CallvaultError('CV_ERR_ESL_CLOSED', [], { cause: reason });
    }
    const appUuid = randomUUID();
    const headers: EslHeader[] = [
      ['call-command', 'execute'],
      ['execute-app-name', app],
    ];
    let body: string | undefined;
    if (arg !== undefined) {
      if (hasLineBreak(arg)) body = arg;
      else headers.push(['execute-app-arg', arg]);
    }
    if (options.loops !== undefined) headers.push(['loops', String(options.loops)]);
    if (options.eventLock ?? true) headers.push(['event-lock', 'true']);
    headers.push(['Event-UUID', appUuid]);
    const done = this.waitForEvent((ev) => ev.name === 'CHANNEL_EXECUTE_COMPLETE' && ev.get('Application-UUID') === appUuid, {
      timeoutMs: options.timeoutMs ?? this.#commandTimeoutMs,
      what: verb,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    try {
      await this.sendmsg(uuid, headers, body === undefined ? {} : { body });
    } catch (err) {
      done.cancel();
      throw err;
    }
    const event = await done.promise;
    return { response: event.get('Application-Response') ?? '', event };
  }

  /**
   * Waits for the first event matching `match`. `cancel()` ends the wait
   * silently; closing the connection ends it with CV_ERR_ESL_CLOSED, the
   * deadline with CV_ERR_ESL_TIMEOUT, an aborted `signal` with the signal's reason.
   */
  waitForEvent(
    match: (ev: EslEvent) => boolean,
    options: { timeoutMs?: number; what?: string; signal?: AbortSignal } = {},
  ): { promise: Promise<EslEvent>; cancel: () => void } {
    const timeoutMs = options.timeoutMs ?? this.#commandTimeoutMs;
    const what = options.what ?? 'event';
    let settleOuter!: (r: EslEvent | CallvaultError | null) => void;
    const promise = new Promise<EslEvent>((resolve, reject) => {
      settleOuter = (r) => {
        if (r === null) return;
        if (r instanceof CallvaultError) reject(r);
        else resolve(r);
      };
    });
    // A cancelled wait never settles; keep Node from reporting it as unhandled.
    promise.catch(() => undefined);
    if (this.#state.kind === 'closed') {
      settleOuter(this.#state.reason ?? new CallvaultError('CV_ERR_ESL_CLOSED'));
      return { promise, cancel: () => undefined };
    }
    let done = false;
    const finish = (r: EslEvent | CallvaultError | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      this.#waiters.delete(waiter);
      options.signal?.removeEventListener('abort', onAbort);
      settleOuter(r);
    };
    const waiter: EventWaiter = { match, settle: finish };
    const timer = setTimeout(() => {
      this.#log.warn({ what, timeoutMs }, 'esl: no event before the deadline');
      finish(new CallvaultError('CV_ERR_ESL_TIMEOUT', [what, timeoutMs]));
    }, timeoutMs);
    const onAbort = () => {
      const reason: unknown = options.signal?.reason;
      finish(isCallvaultError(reason) ? reason : new CallvaultError('CV_ERR_ESL_CLOSED', [], { cause: reason }));
    };
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });
    if (!done) this.#waiters.add(waiter);
    return { promise, cancel: () => finish(null) };
  }

  /** `exit`: FreeSWITCH answers `+OK bye`, sends a disconnect notice and closes. Resolves once closed. */
  async exit(options: RequestOptions = {}): Promise<void> {
    if (this.#state.kind === 'closed') return;
    const closed = new Promise<void>((resolve) => this.once('close', () => resolve()));
    // From here a close is the one we asked for, not a failure.
    this.#state = { kind: 'exiting' };
    try {
      await this.commandOk('exit', [], options);
    } catch (err) {
      if (isCallvaultError(err, 'CV_ERR_ESL_CLOSED')) return;
      this.close();
      throw err;
    }
    const timeoutMs = options.timeoutMs ?? this.#commandTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([closed, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
    this.close();
  }

  /** Closes the socket now. Pending commands and waits end with CV_ERR_ESL_CLOSED. */
  close(): void {
    if (this.#state.kind === 'closed') return;
    this.#socket.destroy();
    this.#shutdown(this.#state.kind === 'exiting' ? null : new CallvaultError('CV_ERR_ESL_CLOSED'), true);
  }

  /**
   * Sends a command and awaits the reply of the kind expected. Exposed for the
   * outbound `connect` (whose reply is channel data) and for tests.
   */
  async request(line: string, headers: readonly EslHeader[], expect: Expect, options: RequestOptions & { body?: string } = {}): Promise<EslMessage> {
    return this.#request(line, headers, options.body, expect, verbOf(line), options);
  }

  // --- internals -------------------------------------------------------------

  #request(line: string, headers: readonly EslHeader[], body: string | undefined, expect: Expect, verb: string, options: RequestOptions): Promise<EslMessage> {
    if (this.#state.kind === 'closed') return Promise.reject(this.#state.reason ?? new CallvaultError('CV_ERR_ESL_CLOSED'));
    let bytes: Buffer;
    try {
      bytes = encodeCommand(line, headers, body);
    } catch (err) {
      // Say which command, never what it carried.
      return Promise.reject(new CallvaultError('CV_ERR_ESL_COMMAND', [verb, 'cannot be encoded (a line break in a header or the command)'], { cause: err }));
    }
    const timeoutMs = options.timeoutMs ?? this.#commandTimeoutMs;
    return new Promise<EslMessage>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const pending: PendingReply = {
        verb,
        expect,
        abandoned: false,
        settle: (result) => {
          clearTimeout(timer);
          if (result instanceof CallvaultError) reject(result);
          else resolve(result);
        },
      };
      timer = setTimeout(() => {
        // Keep the slot: the reply may still come, and it must not be taken for the next command's.
        pending.abandoned = true;
        this.#log.warn({ verb, timeoutMs }, 'esl: command got no reply before the deadline');
        reject(new CallvaultError('CV_ERR_ESL_TIMEOUT', [verb, timeoutMs]));
      }, timeoutMs);
      this.#pending.push(pending);
      this.#log.debug({ verb }, 'esl: command');
      this.#socket.write(bytes);
    });
  }

  #desync(verb: string, got: string): CallvaultError {
    const err = new CallvaultError('CV_ERR_ESL_FRAME', [`${verb} got a reply of the wrong kind (${got})`]);
    this.#fail(err);
    return err;
  }

  #onData(chunk: Buffer): void {
    if (this.#state.kind === 'closed') return;
    let messages: EslMessage[];
    try {
      messages = this.#parser.push(chunk).map(classifyFrame);
    } catch (err) {
      this.#fail(isCallvaultError(err) ? err : new CallvaultError('CV_ERR_ESL_FRAME', [String(err)], { cause: err }));
      return;
    }
    for (const msg of messages) {
      // A message may close the connection (a desync): drop the rest.
      if (this.closed) return;
      this.#dispatch(msg);
    }
  }

  #dispatch(msg: EslMessage): void {
    switch (msg.kind) {
      case 'auth-request': {
        const greet = this.#authRequested;
        this.#authRequested = null;
        if (greet) greet(true);
        else this.#log.debug('esl: unexpected auth/request ignored');
        return;
      }
      case 'command-reply':
      case 'channel-data':
      case 'api-response': {
        const head = this.#pending.shift();
        if (!head) {
          this.#fail(new CallvaultError('CV_ERR_ESL_FRAME', [`unsolicited ${msg.kind}`]));
          return;
        }
        const fits = msg.kind === 'api-response' ? head.expect === 'api' : head.expect !== 'api';
        if (!fits) {
          const err = new CallvaultError('CV_ERR_ESL_FRAME', [`${head.verb} got a reply of the wrong kind (${msg.kind})`]);
          head.settle(err);
          this.#fail(err);
          return;
        }
        if (head.abandoned) {
          this.#log.debug({ verb: head.verb }, 'esl: late reply dropped');
          return;
        }
        head.settle(msg);
        return;
      }
      case 'event': {
        for (const w of [...this.#waiters]) {
          if (w.match(msg.event)) w.settle(msg.event);
        }
        try {
          this.emit('event', msg.event);
        } catch (err) {
          this.#log.error({ err }, 'esl: event listener failed');
        }
        return;
      }
      case 'disconnect-notice': {
        const notice: DisconnectNotice = { disposition: msg.disposition, sessionUuid: msg.sessionUuid, lingerSeconds: msg.lingerSeconds };
        this.#lastNotice = notice;
        this.#log.debug({ disposition: msg.disposition }, 'esl: disconnect notice');
        try {
          this.emit('notice', notice);
        } catch (err) {
          this.#log.error({ err }, 'esl: notice listener failed');
        }
        return;
      }
      case 'rude-rejection': {
        const err = new CallvaultError('CV_ERR_ESL_CONNECT', [this.peer], {
          hint: 'FreeSWITCH rejected this address: check apply-inbound-acl in event_socket.conf.xml',
        });
        const greet = this.#authRequested;
        this.#authRequested = null;
        if (greet) greet(err);
        this.#fail(err);
        return;
      }
      case 'log':
        return;
      case 'unknown':
        this.#log.debug({ contentType: msg.contentType }, 'esl: frame of an unhandled type ignored');
        return;
    }
  }

  #fail(err: CallvaultError): void {
    if (this.#state.kind === 'closed') return;
    this.#log.warn({ err }, 'esl: connection failed');
    this.#socket.destroy();
    this.#shutdown(err, true);
  }

  #shutdown(reason: CallvaultError | null, local = false): void {
    if (this.#state.kind === 'closed') return;
    this.#state = { kind: 'closed', reason };
    if (this.#parser.buffered > 0 && reason !== null && !local) {
      this.#log.debug({ bytes: this.#parser.buffered }, 'esl: connection closed inside a frame');
    }
    const closedErr = reason ?? new CallvaultError('CV_ERR_ESL_CLOSED');
    for (const p of this.#pending.splice(0)) if (!p.abandoned) p.settle(closedErr);
    for (const w of [...this.#waiters]) w.settle(closedErr);
    const greet = this.#authRequested;
    this.#authRequested = null;
    if (greet) greet(closedErr);
    this.#log.debug({ reason: reason?.code ?? 'exit' }, 'esl: connection closed');
    this.emit('close', reason);
  }
}

export interface ExecuteResult {
  /** Application-Response (`FILE PLAYED`, `_none_`, ...). */
  readonly response: string;
  readonly event: EslEvent;
}

/** What `myevents` turns on (parse_command in mod_event_socket.c). */
export const MYEVENTS_SET: readonly string[] = [
  'CHANNEL_ANSWER',
  'CHANNEL_APPLICATION',
  'CHANNEL_BRIDGE',
  'CHANNEL_CREATE',
  'CHANNEL_DATA',
  'CHANNEL_DESTROY',
  'CHANNEL_EXECUTE',
  'CHANNEL_EXECUTE_COMPLETE',
  'CHANNEL_HANGUP',
  'CHANNEL_HANGUP_COMPLETE',
  'CHANNEL_ORIGINATE',
  'CHANNEL_UUID',
  'CHANNEL_OUTGOING',
  'CHANNEL_PARK',
  'CHANNEL_PROGRESS',
  'CHANNEL_PROGRESS_MEDIA',
  'CHANNEL_STATE',
  'CHANNEL_UNBRIDGE',
  'CHANNEL_UNPARK',
  'DETECTED_SPEECH',
  'DTMF',
  'NOTALK',
  'TALK',
];
