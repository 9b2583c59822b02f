/**
 * One Event Socket connection of the light bench FreeSWITCH: the daemon's
 * inbound link, or an outbound socket (`socket <host>:<port> async full`).
 * Commands are taken one at a time in arrival order and answered in that
 * order (the daemon pipelines them); events are written between commands,
 * so a command's reply precedes the events it caused, as in
 * mod_event_socket's listener_run. Reply texts are parse_command's, as the
 * test FreeSWITCH (test/support/esl-server/listener.ts) writes them; frames
 * and the API commands are its code (wire.ts, api.ts).
 *
 * Left out (the daemon uses none of them): json and xml event formats,
 * filters, `nixevent`, `log`. They answer with an -ERR naming the bench, so
 * a daemon that starts using one fails loudly instead of being misled.
 */
import { randomUUID } from 'node:crypto';
import { runApi, type ApiHost } from '../../test/support/esl-server/api.js';
import { KNOWN_EVENTS } from '../../test/support/esl-server/listener.js';
import { AUTH_REQUEST, CommandReader, GOODBYE, apiResponse, commandReply, commandReplyRaw, disconnectNotice, eventFrame, lingerNotice, serializePlain, type ReceivedCommand } from '../../test/support/esl-server/wire.js';
import { buildEvent, type CoreIdentity } from '../../test/support/esl-server/event-factory.js';
import { LiteEvent, type LiteChannel } from './lite-channel.js';

export interface LiteSink {
  write(data: string): void;
  end(): void;
}

export interface LiteListenerHost {
  readonly password: string;
  readonly identity: CoreIdentity;
  readonly api: ApiHost;
  channel(uuid: string): LiteChannel | undefined;
  closed(listener: LiteListener): void;
  /** Characters written, and whether they were an event. */
  written?(chars: number, event: boolean): void;
  /** Each command as it is taken (first line), with the channel's uuid on an outbound socket. */
  command?(line: string, uuid: string | null): void;
  /** A BACKGROUND_JOB's event, for every connection that wants it. */
  broadcast?(ev: LiteEvent): void;
}

export type LiteListenerMode =
  | { readonly kind: 'inbound' }
  | {
    readonly kind: 'outbound';
    readonly channel: LiteChannel;
    /** Whether this socket reports CHANNEL_PARK once it asked for events (the measured shape says which sockets did). */
    readonly parkEvent: boolean;
  };

/** The event set `myevents` turns on (mod_event_socket.c). */
const MYEVENTS = [
  'CHANNEL_ANSWER', 'CHANNEL_APPLICATION', 'CHANNEL_BRIDGE', 'CHANNEL_CREATE', 'CHANNEL_DATA', 'CHANNEL_DESTROY',
  'CHANNEL_EXECUTE', 'CHANNEL_EXECUTE_COMPLETE', 'CHANNEL_HANGUP', 'CHANNEL_HANGUP_COMPLETE', 'CHANNEL_ORIGINATE',
  'CHANNEL_UUID', 'CHANNEL_OUTGOING', 'CHANNEL_PARK', 'CHANNEL_PROGRESS', 'CHANNEL_PROGRESS_MEDIA', 'CHANNEL_STATE',
  'CHANNEL_UNBRIDGE', 'CHANNEL_UNPARK', 'DETECTED_SPEECH', 'DTMF', 'NOTALK', 'TALK',
];

const PLAIN_ONLY = '-ERR bench lite player: plain events only (use --fs-player sim)';

export class LiteListener {
  readonly mode: LiteListenerMode;
  readonly #host: LiteListenerHost;
  readonly #sink: LiteSink;
  readonly #reader = new CommandReader();
  readonly #inbox: ReceivedCommand[] = [];
  #out: string[] = [];
  #flushQueued = false;
  readonly #events: string[] = [];
  #busy = false;
  #closed = false;
  #running = true;
  #authed: boolean;
  #first = true;
  #eventsOn = false;
  #myevents = false;
  readonly #names = new Set<string>();
  readonly #subclasses = new Set<string>();
  #linger: { on: boolean; seconds: number } = { on: false, seconds: -1 };
  #downHandled = false;
  #parkReported = false;

  constructor(host: LiteListenerHost, sink: LiteSink, mode: LiteListenerMode) {
    this.#host = host;
    this.#sink = sink;
    this.mode = mode;
    this.#authed = mode.kind === 'outbound';
    if (mode.kind === 'inbound') this.#write(AUTH_REQUEST);
  }

  get closed(): boolean {
    return this.#closed;
  }

  get session(): LiteChannel | null {
    return this.mode.kind === 'outbound' ? this.mode.channel : null;
  }

  // --- I/O -------------------------------------------------------------------------

  /** Writes are gathered and handed to the socket once per turn of the event loop: one syscall, not one per frame. */
  #write(data: string, event = false): void {
    if (this.#closed) return;
    this.#host.written?.(data.length, event);
    this.#out.push(data);
    if (this.#flushQueued) return;
    this.#flushQueued = true;
    queueMicrotask(() => this.#flush());
  }

  #flush(): void {
    this.#flushQueued = false;
    if (this.#out.length === 0) return;
    const data = this.#out.length === 1 ? this.#out[0]! : this.#out.join('');
    this.#out = [];
    this.#sink.write(data);
  }

  push(chunk: Buffer): void {
    if (this.#closed) return;
    try {
      this.#inbox.push(...this.#reader.push(chunk));
    } catch {
      this.#finish();
      return;
    }
    void this.#pump();
  }

  async #pump(): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    try {
      while (this.#inbox.length > 0 && this.#running && !this.#closed) {
        const cmd = this.#inbox.shift()!;
        this.#host.command?.(cmd.line, this.session?.uuid ?? null);
        const first = this.#first;
        this.#first = false;
        const reply = await this.#command(cmd);
        // listener_run takes an outbound socket's first command without replying (connect writes its own).
        if (reply !== null && !(first && this.mode.kind === 'outbound') && !this.#closed) this.#write(reply);
      }
    } finally {
      this.#busy = false;
    }
    this.#flushEvents();
    if (!this.#running) this.end();
    else if (this.session && !this.session.alive) this.channelDown();
  }

  #flushEvents(): void {
    for (const e of this.#events.splice(0)) this.#write(e, true);
  }

  // --- events --------------------------------------------------------------------------

  /** event_handler: the subscription, then myevents' own channel. */
  offer(ev: LiteEvent): void {
    if (this.#closed || !this.#eventsOn) return;
    let send = this.#names.has('ALL') || (this.#names.has(ev.name) && (ev.name !== 'CUSTOM' || ev.subclass === undefined || this.#subclasses.has(ev.subclass)));
    if (send && this.#myevents) send = ev.uuid === this.session?.uuid;
    if (!send) return;
    const frame = eventFrame('plain', ev.text);
    if (this.#busy) this.#events.push(frame);
    else this.#write(frame, true);
  }

  /** read_packet's channel-down branch: the linger notice, or the end. */
  channelDown(): void {
    const ch = this.session;
    if (this.#closed || this.#downHandled || ch === null || this.#busy) return;
    this.#downHandled = true;
    if (this.#linger.on) {
      this.#write(`${lingerNotice(ch.uuid, ch.name, this.#linger.seconds)}`);
      // linger <n>: the socket ends n seconds on; bare linger waits for the daemon.
      if (this.#linger.seconds !== -1) setTimeout(() => this.end(), this.#linger.seconds * 1000).unref();
    } else this.end();
  }

  /** The end of listener_run: the goodbye notice, then close. */
  end(message = GOODBYE): void {
    if (this.#closed) return;
    this.#flushEvents();
    this.#write(disconnectNotice(message, this.session?.uuid ?? null));
    this.#flush();
    this.#sink.end();
    this.#finish();
  }

  /** The connection is gone (closed by the daemon, or cut). */
  #finish(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#running = false;
    this.#host.closed(this);
  }

  /** The socket closed under us. */
  gone(): void {
    this.#finish();
  }

  // --- parse_command ---------------------------------------------------------------------

  async #command(c: ReceivedCommand): Promise<string | null> {
    const cmd = c.line;
    const lower = cmd.toLowerCase();
    const notFound = commandReply('-ERR command not found');
    if (lower.startsWith('exit') || lower.startsWith('...')) {
      this.#running = false;
      return commandReply('+OK bye');
    }
    if (!this.#authed) {
      if (lower.startsWith('auth ')) {
        if (cmd.slice(5) === this.#host.password) { this.#authed = true; return commandReply('+OK accepted'); }
        this.#running = false;
        return commandReply('-ERR invalid');
      }
      return notFound;
    }
    const ch = this.session;
    if (ch !== null) {
      if (lower.startsWith('resume')) return commandReply('+OK');
      if (lower.startsWith('connect')) {
        this.#write(ch.channelData([
          ['Content-Type', 'command/reply'],
          ['Reply-Text', '+OK\n'],
          ['Socket-Mode', 'async'],
          ['Control', 'full'],
        ]));
        return null;
      }
      if (lower.startsWith('getvar')) {
        const sp = cmd.indexOf(' ');
        const value = sp >= 0 ? (ch.variables.get(cmd.slice(sp + 1)) ?? '') : '';
        return value === '' ? notFound : commandReply(value);
      }
      if (lower.startsWith('myevents')) return commandReply(this.#myeventsCommand(cmd));
      if (lower.startsWith('linger')) {
        const arg = cmd.slice(6);
        const seconds = arg.startsWith(' ') && arg.length > 1 ? Number.parseInt(arg.slice(1), 10) || 0 : -1;
        this.#linger = { on: true, seconds };
        return commandReply(seconds !== -1 ? `+OK will linger ${seconds} seconds` : '+OK will linger');
      }
      if (lower.startsWith('nolinger')) {
        this.#linger = { on: false, seconds: this.#linger.seconds };
        return commandReply('+OK will not linger');
      }
    }
    if (lower.startsWith('sendmsg')) return commandReply(this.#sendmsg(c));
    if (lower.startsWith('api ')) {
      const [api, arg] = splitFirst(cmd.slice(4));
      const out = await runApi(this.#host.api, api, arg);
      const body = out === null ? `-ERR ${api} Command not found!\n` : out === '' ? '-ERR no reply\n' : out;
      return apiResponse(body);
    }
    if (lower.startsWith('bgapi ')) {
      const [api, arg] = splitFirst(cmd.slice(6));
      const job = c.headers.find(([n]) => n.toLowerCase() === 'job-uuid')?.[1] ?? randomUUID();
      setImmediate(() => void this.#background(api, arg, job));
      return commandReplyRaw(`Reply-Text: +OK Job-UUID: ${job}\nJob-UUID: ${job}\n\n`);
    }
    if (lower.startsWith('noevents')) {
      this.#events.length = 0;
      if (!this.#eventsOn) return commandReply('-ERR not listening for events');
      this.#eventsOn = false;
      this.#names.clear();
      this.#subclasses.clear();
      return commandReply('+OK no longer listening for events');
    }
    if (lower.startsWith('event')) return commandReply(this.#eventCommand(cmd));
    if (lower.startsWith('filter') || lower.startsWith('nixevent') || lower.startsWith('log') || lower.startsWith('divert_events')) {
      return commandReply(`-ERR bench lite player: ${lower.split(' ')[0]} not simulated (use --fs-player sim)`);
    }
    return notFound;
  }

  async #background(api: string, arg: string | null, job: string): Promise<void> {
    const out = await runApi(this.#host.api, api, arg);
    const body = out === null ? `-ERR ${api} Command not found!\n` : out === '' ? 'Command returned no output!' : out;
    const headers: Array<[string, string]> = [['Job-UUID', job], ['Job-Command', api]];
    if (arg !== null) headers.push(['Job-Command-Arg', arg]);
    // A rare event: the test FreeSWITCH's own builder, serialized with its body.
    const ev = buildEvent(this.#host.identity, 'BACKGROUND_JOB', { headers, body });
    this.#host.broadcast?.(new LiteEvent('BACKGROUND_JOB', '', () => serializePlain(ev.headers, body)));
  }

  #sendmsg(c: ReceivedCommand): string {
    let uuid: string | null = c.line.slice(7).trim();
    if (uuid === '') uuid = c.headers.find(([n]) => n.toLowerCase() === 'session-id')?.[1] ?? null;
    const own = this.session;
    const target = uuid === null || uuid === '' || uuid === own?.uuid ? own : this.#host.channel(uuid);
    if (target === null || target === undefined || !target.alive) return `-ERR invalid session id [${uuid ?? ''}]`;
    target.sendmsg(c.headers, c.body);
    return '+OK';
  }

  #myeventsCommand(cmd: string): string {
    if (this.#myevents) return '-ERR aready enabled.';
    if (/json|xml/i.test(cmd)) return PLAIN_ONLY;
    for (const n of MYEVENTS) this.#names.add(n);
    this.#myevents = true;
    this.#eventsOn = true;
    const ch = this.session;
    if (ch !== null && this.mode.kind === 'outbound' && this.mode.parkEvent && !this.#parkReported) {
      // The parked channel's CHANNEL_PARK, at its next frame (after this reply: events follow replies).
      this.#parkReported = true;
      ch.firePark();
    }
    return '+OK Events Enabled';
  }

  #eventCommand(cmd: string): string {
    const sp = cmd.indexOf(' ', 5);
    const words = sp >= 0 ? cmd.slice(sp + 1).split(' ') : [];
    let keys = 0;
    let custom = false;
    for (const [i, w] of words.entries()) {
      if (i === 0 && ['xml', 'plain', 'json'].includes(w.toLowerCase())) {
        if (w.toLowerCase() !== 'plain') return PLAIN_ONLY;
        continue;
      }
      if (custom) { this.#subclasses.add(w); continue; }
      const name = w.toUpperCase();
      if (!/^[A-Z_]+$/.test(name) || !KNOWN_EVENTS.has(name)) continue;
      keys++;
      this.#names.add(name);
      if (name === 'CUSTOM') custom = true;
    }
    if (keys === 0) return '-ERR no keywords supplied';
    this.#eventsOn = true;
    return '+OK event listener enabled plain';
  }
}

function splitFirst(s: string): [string, string | null] {
  const sp = s.indexOf(' ');
  return sp < 0 ? [s, null] : [s.slice(0, sp), s.slice(sp + 1)];
}
