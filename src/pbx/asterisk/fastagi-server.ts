/**
 * The FastAGI server: Asterisk's AGI(agi://host:port/<script>,args) connects
 * here, sends the channel's environment, then waits for our commands. Each
 * connection becomes an AgiChannel handed to the handler registered for its
 * script (consent, payment-enter, payment-exit); an unknown script is closed
 * at once, which the dialplan sees as "the daemon did not answer".
 *
 * Deadlines are the point of this module. Once connected, res_agi waits for
 * our next line without any timeout (run_agi, ms = -1): a stuck handler would
 * hold the caller in silence until they hang up. So every command has a
 * deadline (CV_ERR_AGI_TIMEOUT) and every request has one; when either
 * passes, the socket is closed. Asterisk then leaves AGI() and the dialplan
 * goes on with the outcome variables unset, which is its failure path
 * (dialplan/asterisk/callvault.conf). Closing is also the only safe reaction
 * to a late reply: replies are matched to commands by order alone.
 */
import net from 'node:net';
import { CallvaultError, isCallvaultError } from '../../errors.js';
import { silentLogger, type Logger } from '../../log/logger.js';
import { AgiParser, encodeCommand, type AgiRequest, type AgiResponse } from './agi-frame.js';

export interface FastAgiServerOptions {
  readonly host?: string;
  /** 0 picks a free port (tests); see address(). */
  readonly port?: number;
  /** Deadline of one command, from write to reply, unless the call gives its own. Default 5000. */
  readonly commandTimeoutMs?: number;
  /** Deadline of a whole request, unless its route gives its own. Default 30000. */
  readonly requestTimeoutMs?: number;
  /** Deadline for Asterisk to send the environment after connecting. Default 2000. */
  readonly envTimeoutMs?: number;
  readonly maxLineBytes?: number;
  readonly maxEnvBytes?: number;
  readonly logger?: Logger;
}

export interface RouteOptions {
  /** Deadline of the whole request, handler included. */
  readonly timeoutMs?: number;
}

export type AgiHandler = (channel: AgiChannel) => Promise<void>;

export interface CommandOptions {
  readonly timeoutMs?: number;
}

export interface FastAgiStats {
  readonly connections: number;
  readonly active: number;
  readonly unknownScript: number;
  readonly protocolErrors: number;
  readonly commandTimeouts: number;
  readonly requestTimeouts: number;
  readonly handlerErrors: number;
}

interface Waiter {
  readonly resolve: (r: AgiResponse) => void;
  readonly reject: (e: Error) => void;
  readonly timer: NodeJS.Timeout;
  readonly verb: string;
}

/**
 * One AGI session. Commands run one at a time, in order; the helpers turn
 * replies into values ("no" is a value: a caller who pressed nothing, a
 * prompt that is missing) and throw only when the session is broken
 * (CV_ERR_AGI_TIMEOUT, CV_ERR_AGI_HANGUP, CV_ERR_AGI_FRAME).
 */
export class AgiChannel {
  readonly request: AgiRequest;
  readonly #socket: net.Socket;
  readonly #commandTimeoutMs: number;
  readonly #log: Logger;
  readonly #onTimeout: () => void;
  readonly #abort = new AbortController();
  #queue: Promise<unknown> = Promise.resolve();
  #waiter: Waiter | null = null;
  #hungUp = false;
  #closed = false;

  /** @internal created by FastAgiServer */
  constructor(request: AgiRequest, socket: net.Socket, commandTimeoutMs: number, log: Logger, onTimeout: () => void) {
    this.request = request;
    this.#socket = socket;
    this.#commandTimeoutMs = commandTimeoutMs;
    this.#log = log;
    this.#onTimeout = onTimeout;
  }

  /** True once Asterisk said HANGUP while the session was open: the caller is gone. */
  get hungUp(): boolean {
    return this.#hungUp;
  }

  /** Aborted when the session ends: hangup, close, deadline. Pass it to work done for this request. */
  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Sends one raw command line (without the line end) and resolves with its
   * reply, whatever the code. Prefer the helpers: they quote arguments.
   */
  command(line: string, options: CommandOptions = {}): Promise<AgiResponse> {
    if (/[\r\n\0]/.test(line)) return Promise.reject(new CallvaultError('CV_ERR_AGI_FRAME', ['line break in an AGI command']));
    const run = (): Promise<AgiResponse> => this.#run(`${line}\n`, line.split(' ', 2).join(' '), options.timeoutMs ?? this.#commandTimeoutMs);
    const p = this.#queue.then(run, run);
    this.#queue = p.catch(() => undefined);
    return p;
  }

  #send(verb: string, args: readonly (string | number)[], options: CommandOptions = {}): Promise<AgiResponse> {
    let wire: string;
    try {
      wire = encodeCommand(verb, args);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    const run = (): Promise<AgiResponse> => this.#run(wire, verb, options.timeoutMs ?? this.#commandTimeoutMs);
    const p = this.#queue.then(run, run);
    this.#queue = p.catch(() => undefined);
    return p;
  }

  #run(wire: string, verb: string, timeoutMs: number): Promise<AgiResponse> {
    if (this.#closed) return Promise.reject(new CallvaultError(this.#hungUp ? 'CV_ERR_AGI_HANGUP' : 'CV_ERR_AGI_FRAME', this.#hungUp ? [] : ['session closed']));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiter = null;
        this.#log.warn({ command: verb, timeoutMs }, 'agi: command timed out; closing the session');
        reject(new CallvaultError('CV_ERR_AGI_TIMEOUT', [verb, timeoutMs]));
        this.#onTimeout();
        this.close();
      }, timeoutMs);
      this.#waiter = { resolve, reject, timer, verb };
      this.#socket.write(wire);
    });
  }

  /** @internal a reply from the parser */
  deliver(response: AgiResponse): void {
    const w = this.#waiter;
    if (w === null) {
      this.#log.error({ code: response.code }, 'agi: reply with no command pending; closing the session');
      this.close();
      return;
    }
    this.#waiter = null;
    clearTimeout(w.timer);
    w.resolve(response);
  }

  /** @internal Asterisk said HANGUP */
  markHangup(): void {
    this.#hungUp = true;
    this.#abort.abort(new CallvaultError('CV_ERR_AGI_HANGUP'));
  }

  /** @internal the socket is gone */
  markClosed(error: Error): void {
    if (this.#closed && this.#waiter === null) return;
    this.#closed = true;
    if (!this.#abort.signal.aborted) this.#abort.abort(error);
    const w = this.#waiter;
    this.#waiter = null;
    if (w !== null) {
      clearTimeout(w.timer);
      w.reject(this.#hungUp ? new CallvaultError('CV_ERR_AGI_HANGUP', [], { cause: error }) : error);
    }
  }

  /** Ends the session: Asterisk leaves AGI() and the dialplan goes on. */
  close(): void {
    if (!this.#closed) {
      this.#closed = true;
      if (!this.#abort.signal.aborted) this.#abort.abort(new CallvaultError('CV_ERR_AGI_FRAME', ['session closed']));
    }
    this.#socket.end();
    // Asterisk answers our FIN with HANGUP and its own FIN; do not wait on it for ever.
    setTimeout(() => this.#socket.destroy(), 1000).unref();
  }

  #failed(r: AgiResponse, verb: string): CallvaultError {
    if (this.#hungUp || r.code === 511) return new CallvaultError('CV_ERR_AGI_HANGUP');
    return new CallvaultError('CV_ERR_AGI_FRAME', [`unexpected reply ${r.code} to ${verb}`]);
  }

  #ok(r: AgiResponse, verb: string): AgiResponse {
    if (r.code !== 200) throw this.#failed(r, verb);
    return r;
  }

  // --- helpers -------------------------------------------------------------------

  async answer(options?: CommandOptions): Promise<void> {
    const r = this.#ok(await this.#send('ANSWER', [], options), 'ANSWER');
    if (r.result === '-1') throw new CallvaultError('CV_ERR_AGI_HANGUP');
  }

  /** A variable or function value; null when unset (result=0). */
  async getVariable(name: string, options?: CommandOptions): Promise<string | null> {
    const r = this.#ok(await this.#send('GET VARIABLE', [name], options), 'GET VARIABLE');
    return r.result === '1' ? (r.data ?? '') : null;
  }

  /** Evaluates an expression such as `${CHANNEL(linkedid)}`; null when it is empty or fails. */
  async getFullVariable(expression: string, options?: CommandOptions): Promise<string | null> {
    const r = this.#ok(await this.#send('GET FULL VARIABLE', [expression], options), 'GET FULL VARIABLE');
    return r.result === '1' ? (r.data ?? '') : null;
  }

  /** Sets a channel variable, or a writable function such as `CHANNEL(language)`. */
  async setVariable(name: string, value: string, options?: CommandOptions): Promise<void> {
    this.#ok(await this.#send('SET VARIABLE', [name, value], options), 'SET VARIABLE');
  }

  /**
   * Plays a file (no extension; Asterisk picks the format and the
   * CHANNEL(language) directory). `digit`: the key that ended it, or null.
   * `played: false` when the file could not be played (missing), which is a
   * value: the caller decides what a missing prompt means. Give a timeoutMs
   * longer than the prompt.
   */
  async streamFile(file: string, escapeDigits = '', options?: CommandOptions): Promise<{ played: boolean; digit: string | null; endpos: number }> {
    const r = this.#ok(await this.#send('STREAM FILE', [file, escapeDigits], options), 'STREAM FILE');
    const result = Number(r.result);
    const endpos = Number(r.fields.endpos ?? '0');
    if (result < 0) {
      if (this.#hungUp) throw new CallvaultError('CV_ERR_AGI_HANGUP');
      return { played: false, digit: null, endpos };
    }
    return { played: true, digit: result > 0 ? String.fromCharCode(result) : null, endpos };
  }

  /**
   * Plays a file and collects up to `maxDigits` keys, waiting `timeoutMs`
   * after the prompt. The digits are caller input (maybe card data): never
   * log them.
   */
  async getData(file: string, timeoutMs: number, maxDigits: number, options?: CommandOptions): Promise<{ digits: string; timeout: boolean }> {
    const r = this.#ok(await this.#send('GET DATA', [file, timeoutMs, maxDigits], options), 'GET DATA');
    if (r.result === '-1') throw new CallvaultError('CV_ERR_AGI_HANGUP');
    return { digits: r.result, timeout: r.data === 'timeout' };
  }

  /**
   * WAIT FOR DIGIT: the first key pressed within `timeoutMs`, or null when
   * none came. Caller input (maybe card data): never log it.
   */
  async waitForDigit(timeoutMs: number, options?: CommandOptions): Promise<string | null> {
    const r = this.#ok(await this.#send('WAIT FOR DIGIT', [timeoutMs], options), 'WAIT FOR DIGIT');
    const result = Number(r.result);
    if (result < 0) throw new CallvaultError('CV_ERR_AGI_HANGUP');
    return result > 0 ? String.fromCharCode(result) : null;
  }

  /** Runs a dialplan application (`EXEC MixMonitor "file.wav,i(VAR)"`); resolves with its return value (-2: no such application). */
  async exec(application: string, args = '', options?: CommandOptions): Promise<number> {
    if (!/^[A-Za-z0-9_]+$/.test(application)) throw new CallvaultError('CV_ERR_AGI_FRAME', [`invalid application name ${JSON.stringify(application.slice(0, 40))}`]);
    const r = this.#ok(await this.#send(`EXEC`, [application, args], options), 'EXEC');
    return Number(r.result);
  }

  async verbose(message: string, level = 1, options?: CommandOptions): Promise<void> {
    this.#ok(await this.#send('VERBOSE', [message, level], options), 'VERBOSE');
  }

  /** Hangs up the channel (AGI HANGUP command). */
  async hangup(options?: CommandOptions): Promise<void> {
    this.#ok(await this.#send('HANGUP', [], options), 'HANGUP');
  }
}

/** Routes FastAGI requests by script to handlers, with deadlines. */
export class FastAgiServer {
  readonly #host: string;
  readonly #port: number;
  readonly #commandTimeoutMs: number;
  readonly #requestTimeoutMs: number;
  readonly #envTimeoutMs: number;
  readonly #maxLineBytes: number | undefined;
  readonly #maxEnvBytes: number | undefined;
  readonly #log: Logger;
  readonly #routes = new Map<string, { handler: AgiHandler; timeoutMs: number }>();
  readonly #sockets = new Set<net.Socket>();
  #server: net.Server | null = null;
  #stats = { connections: 0, unknownScript: 0, protocolErrors: 0, commandTimeouts: 0, requestTimeouts: 0, handlerErrors: 0 };

  constructor(options: FastAgiServerOptions = {}) {
    this.#host = options.host ?? '127.0.0.1';
    this.#port = options.port ?? 4573;
    this.#commandTimeoutMs = options.commandTimeoutMs ?? 5000;
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.#envTimeoutMs = options.envTimeoutMs ?? 2000;
    this.#maxLineBytes = options.maxLineBytes;
    this.#maxEnvBytes = options.maxEnvBytes;
    this.#log = (options.logger ?? silentLogger).child({ component: 'fastagi' });
  }

  /** Registers the handler of agi://host:port/<script>. */
  route(script: string, handler: AgiHandler, options: RouteOptions = {}): this {
    this.#routes.set(script.replace(/^\/+/, ''), { handler, timeoutMs: options.timeoutMs ?? this.#requestTimeoutMs });
    return this;
  }

  /** Starts listening; CV_ERR_AGI_LISTEN if the address is taken or invalid. */
  listen(): Promise<{ host: string; port: number }> {
    if (this.#server !== null) return Promise.resolve(this.address());
    const server = net.createServer((socket) => this.#accept(socket));
    this.#server = server;
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => {
        this.#server = null;
        reject(new CallvaultError('CV_ERR_AGI_LISTEN', [`${this.#host}:${this.#port}`], { cause: err }));
      };
      server.once('error', onError);
      server.listen(this.#port, this.#host, () => {
        server.off('error', onError);
        server.on('error', (err) => this.#log.error({ err }, 'fastagi: server error'));
        this.#log.info(this.address(), 'fastagi: listening');
        resolve(this.address());
      });
    });
  }

  address(): { host: string; port: number } {
    const a = this.#server?.address();
    if (a === null || a === undefined || typeof a === 'string') return { host: this.#host, port: this.#port };
    return { host: a.address, port: a.port };
  }

  /** Stops listening and closes the open sessions (Asterisk continues each dialplan). */
  async close(): Promise<void> {
    const server = this.#server;
    this.#server = null;
    for (const s of this.#sockets) s.destroy();
    if (server === null) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  stats(): FastAgiStats {
    return { ...this.#stats, active: this.#sockets.size };
  }

  #accept(socket: net.Socket): void {
    this.#stats.connections += 1;
    this.#sockets.add(socket);
    socket.setNoDelay(true);
    const parser = new AgiParser({
      ...(this.#maxLineBytes === undefined ? {} : { maxLineBytes: this.#maxLineBytes }),
      ...(this.#maxEnvBytes === undefined ? {} : { maxEnvBytes: this.#maxEnvBytes }),
    });
    let channel: AgiChannel | null = null;
    let closeError: Error = new CallvaultError('CV_ERR_AGI_HANGUP');
    const envTimer = setTimeout(() => {
      this.#stats.protocolErrors += 1;
      this.#log.warn({ timeoutMs: this.#envTimeoutMs }, 'fastagi: no environment in time; closing');
      socket.destroy();
    }, this.#envTimeoutMs);

    socket.on('data', (chunk) => {
      let items;
      try {
        items = parser.push(chunk);
      } catch (err) {
        this.#stats.protocolErrors += 1;
        closeError = err as Error;
        this.#log.error({ err }, 'fastagi: protocol error; closing the session');
        socket.destroy();
        return;
      }
      for (const item of items) {
        if (item.kind === 'env') {
          clearTimeout(envTimer);
          channel = this.#start(item.request, socket);
        } else if (channel === null) {
          socket.destroy();
        } else if (item.kind === 'hangup') {
          // After we closed our side, res_agi still sends HANGUP on exit: not a caller hangup.
          if (!channel.closed) channel.markHangup();
        } else {
          channel.deliver(item.response);
        }
      }
    });
    socket.on('error', (err) => {
      closeError = err;
    });
    socket.on('close', () => {
      clearTimeout(envTimer);
      this.#sockets.delete(socket);
      (channel as AgiChannel | null)?.markClosed(closeError);
    });
  }

  #start(request: AgiRequest, socket: net.Socket): AgiChannel {
    const log = this.#log.child({ script: request.script, uniqueid: request.uniqueid });
    const channel = new AgiChannel(request, socket, this.#commandTimeoutMs, log, () => { this.#stats.commandTimeouts += 1; });
    const route = this.#routes.get(request.script);
    if (route === undefined) {
      this.#stats.unknownScript += 1;
      log.warn('fastagi: no handler for this script; closing');
      channel.close();
      return channel;
    }
    const deadline = setTimeout(() => {
      this.#stats.requestTimeouts += 1;
      log.warn({ timeoutMs: route.timeoutMs }, 'fastagi: request deadline passed; closing the session');
      channel.markClosed(new CallvaultError('CV_ERR_AGI_TIMEOUT', [`(request ${request.script})`, route.timeoutMs]));
      channel.close();
    }, route.timeoutMs);
    const started = Date.now();
    route.handler(channel).then(
      () => log.debug({ ms: Date.now() - started }, 'fastagi: request done'),
      (err: unknown) => {
        if (isCallvaultError(err, 'CV_ERR_AGI_HANGUP')) {
          log.info('fastagi: caller hung up during the request');
        } else {
          this.#stats.handlerErrors += 1;
          log.error({ err }, 'fastagi: handler failed');
        }
      },
    ).finally(() => {
      clearTimeout(deadline);
      channel.close();
    });
    return channel;
  }
}
