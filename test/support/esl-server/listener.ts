/**
 * One mod_event_socket listener: a client connection, inbound (FreeSWITCH
 * accepted it on its port) or outbound (the `socket` application dialled
 * out). Commands are handled one at a time in arrival order, as
 * listener_run / parse_command do on the listener's thread; events are written
 * only between commands (read_packet drains the event queue while waiting for
 * input), so a command's reply always precedes the events it caused.
 *
 * The command handling follows parse_command branch by branch, with its reply
 * texts: see the comments naming each branch.
 */
import type net from 'node:net';
import { randomUUID } from 'node:crypto';
import type { EslEvent } from '../../../src/pbx/freeswitch/esl-event.js';
import { buildEvent, type CoreIdentity } from './event-factory.js';
import type { SimChannel } from './channel.js';
import {
  AUTH_REQUEST,
  CommandReader,
  GOODBYE,
  apiResponse,
  commandReply,
  commandReplyRaw,
  disconnectNotice,
  eventFrame,
  lingerNotice,
  serializeJson,
  serializePlain,
  type Header,
  type ReceivedCommand,
} from './wire.js';

export interface ListenerHost {
  readonly identity: CoreIdentity;
  readonly password: string;
  /** Deadline for the first packet (auth, or connect): read_packet(listener, &event, 25) seconds. */
  readonly firstPacketTimeoutMs: number;
  readonly faults: { stallOn: ((line: string) => boolean) | null };
  channel(uuid: string): SimChannel | undefined;
  runApi(command: string, arg: string | null): Promise<string | null>;
  fire(event: EslEvent): void;
  closed(listener: SimListener): void;
  /** Keep transcripts (default true); a long benchmark turns it off, or memory grows with every call. */
  readonly keepHistory?: boolean;
  /** Counts what is written to clients, and whether it was an event (bench/freeswitch-player.ts reads it). */
  written?(bytes: number, event: boolean): void;
  /** Called with each command as it is taken (first line) and the channel's uuid on an outbound socket. */
  command?(line: string, uuid: string | null): void;
}

export type ListenerMode =
  | { readonly kind: 'inbound' }
  | { readonly kind: 'outbound'; readonly channel: SimChannel; readonly async: boolean; readonly full: boolean };

type Format = 'plain' | 'json' | 'xml';

export interface TranscriptEntry {
  readonly dir: 'in' | 'out';
  readonly data: string;
}

export class SimListener {
  readonly id = randomUUID();
  readonly mode: ListenerMode;
  /** Every byte each way, for debugging and for capturing vectors. */
  readonly transcript: TranscriptEntry[] = [];
  /** Commands received, first line only. */
  readonly commands: string[] = [];
  readonly #host: ListenerHost;
  readonly #socket: net.Socket;
  readonly #reader = new CommandReader();
  readonly #inbox: ReceivedCommand[] = [];
  readonly #eventQueue: string[] = [];
  #authed: boolean;
  #running = true;
  #busy = false;
  #stalled = false;
  #closed = false;
  #firstPacket = true;
  #firstTimer: NodeJS.Timeout | null = null;
  #eventsOn = false;
  #format: Format = 'plain';
  readonly #eventList = new Set<string>();
  readonly #customSubclasses = new Set<string>();
  #filters: Header[] = [];
  #myevents = false;
  #session: SimChannel | null;
  #linger: { on: boolean; seconds: number } = { on: false, seconds: -1 };
  #handleDisco = false;
  #lingerTimer: NodeJS.Timeout | null = null;

  constructor(host: ListenerHost, socket: net.Socket, mode: ListenerMode) {
    this.#host = host;
    this.#socket = socket;
    this.mode = mode;
    this.#session = mode.kind === 'outbound' ? mode.channel : null;
    this.#authed = mode.kind === 'outbound';
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => this.#finish());
    this.#firstTimer = setTimeout(() => {
      if (this.#firstPacket) this.#end();
    }, host.firstPacketTimeoutMs);
    if (mode.kind === 'inbound') this.#write(AUTH_REQUEST);
  }

  get session(): SimChannel | null {
    return this.#session;
  }

  get closed(): boolean {
    return this.#closed;
  }

  // --- I/O --------------------------------------------------------------------

  #write(data: string, event = false): void {
    if (this.#closed || this.#socket.destroyed) return;
    if (this.#host.keepHistory !== false) this.transcript.push({ dir: 'out', data });
    this.#host.written?.(data.length, event);
    this.#socket.write(data);
  }

  #onData(chunk: Buffer): void {
    if (this.#closed) return;
    if (this.#host.keepHistory !== false) this.transcript.push({ dir: 'in', data: chunk.toString('utf8') });
    let cmds: ReceivedCommand[];
    try {
      cmds = this.#reader.push(chunk);
    } catch {
      this.drop();
      return;
    }
    this.#inbox.push(...cmds);
    void this.#pump();
  }

  async #pump(): Promise<void> {
    if (this.#busy || this.#stalled) return;
    this.#busy = true;
    try {
      while (this.#inbox.length > 0 && this.#running && !this.#closed) {
        const cmd = this.#inbox.shift() as ReceivedCommand;
        this.commands.push(cmd.line);
        this.#host.command?.(cmd.line, this.mode.kind === 'outbound' ? this.mode.channel.uuid : null);
        if (this.#host.faults.stallOn?.(cmd.line)) {
          // A hung command holds the listener thread: no reply, no more commands, no events.
          this.#stalled = true;
          return;
        }
        const first = this.#firstPacket;
        if (first && this.#firstTimer) clearTimeout(this.#firstTimer);
        this.#firstPacket = false;
        const reply = await this.#parseCommand(cmd);
        // listener_run processes an outbound socket's first command without sending its reply.
        const silent = first && this.mode.kind === 'outbound';
        if (reply !== null && !silent && !this.#closed) this.#write(reply);
        if (!this.#authed && this.mode.kind === 'inbound' && !this.#running) break;
      }
    } finally {
      this.#busy = false;
    }
    if (this.#stalled) return;
    this.#flushEvents();
    if (!this.#running) this.#end();
    else if (this.#session && !this.#session.alive) this.channelDown();
  }

  #flushEvents(): void {
    while (this.#eventQueue.length > 0 && !this.#closed) this.#write(this.#eventQueue.shift() as string, true);
  }

  // --- events -----------------------------------------------------------------

  /** event_handler: subscription, filters, then myevents. */
  offer(ev: EslEvent): void {
    if (this.#closed || !this.#eventsOn) return;
    const name = ev.name;
    let send = this.#eventList.has('ALL');
    if (!send && this.#eventList.has(name)) {
      const sub = ev.get('Event-Subclass');
      send = name !== 'CUSTOM' || sub === undefined || this.#customSubclasses.has(sub);
    }
    if (send && this.#filters.length > 0) send = this.#passesFilters(ev);
    if (send && this.#myevents) {
      const uuid = ev.get('unique-id');
      const session = this.#session;
      // FreeSWITCH 1.10 also lets through a bgapi result owned by this session (Job-Owner-UUID).
      const owned = session !== null && ev.get('Job-Owner-UUID') === session.uuid;
      if (!owned && (uuid === undefined || (session !== null && uuid !== session.uuid))) send = false;
    }
    if (!send) return;
    if (this.#format === 'xml') return; // not simulated; see docs/freeswitch-protocol.md
    const headers = ev.headers as readonly Header[];
    const serialized = this.#format === 'json' ? serializeJson(headers, ev.body) : serializePlain(headers, ev.body);
    this.#eventQueue.push(eventFrame(this.#format, serialized));
    if (!this.#busy && !this.#stalled) this.#flushEvents();
  }

  #passesFilters(ev: EslEvent): boolean {
    let send = false;
    for (const [name, value] of this.#filters) {
      const hval = ev.get(name);
      if (hval === undefined) continue;
      let comp = value;
      let pos = true;
      while (comp.length > 0 && (comp[0] === '+' || comp[0] === '-' || comp[0] === ' ')) {
        if (comp[0] === '+') pos = true;
        else if (comp[0] === '-') pos = false;
        comp = comp.slice(1);
      }
      if (send && pos) continue;
      let cmp: boolean;
      if (value.startsWith('/')) {
        const m = /^\/(.*)\/$/.exec(comp);
        cmp = new RegExp(m ? (m[1] as string) : comp).test(hval);
      } else cmp = hval.toLowerCase() === comp.toLowerCase();
      if (cmp) {
        if (pos) send = true;
        else return false;
      }
    }
    return send;
  }

  // --- the channel going away (outbound, or inbound after myevents <uuid>) -----

  /** read_packet's channel-down branch: linger notice, or the end of the listener. */
  channelDown(): void {
    const ch = this.#session;
    if (this.#closed || this.#handleDisco || !ch) return;
    if (this.#busy || this.#stalled) return; // checked again when the current command is done
    this.#flushEvents();
    this.#handleDisco = true;
    if (this.#linger.on) {
      this.#write(lingerNotice(ch.uuid, ch.name, this.#linger.seconds));
      if (this.#linger.seconds !== -1) this.#lingerTimer = setTimeout(() => this.#end(), this.#linger.seconds * 1000);
    } else this.#end();
  }

  // --- ending -----------------------------------------------------------------

  /** The end of listener_run: the goodbye notice, then close. */
  #end(message = GOODBYE): void {
    if (this.#closed) return;
    this.#flushEvents();
    this.#write(disconnectNotice(message, this.#session ? this.#session.uuid : null));
    this.#socket.end();
    this.#finish();
  }

  /** kill_listener: FreeSWITCH shutting down. */
  kill(message: string): void {
    this.#end(message);
  }

  /** The connection dies without a word (network loss, crash). */
  drop(): void {
    this.#socket.destroy();
    this.#finish();
  }

  #finish(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#running = false;
    if (this.#firstTimer) clearTimeout(this.#firstTimer);
    if (this.#lingerTimer) clearTimeout(this.#lingerTimer);
    this.#host.closed(this);
  }

  // --- parse_command ----------------------------------------------------------

  async #parseCommand(c: ReceivedCommand): Promise<string | null> {
    const cmd = c.line;
    const lower = cmd.toLowerCase();
    const done = (r: string) => (r === '' ? commandReply('-ERR command not found') : commandReply(r));

    if (lower.startsWith('exit') || lower.startsWith('...')) {
      this.#running = false;
      return commandReply('+OK bye');
    }

    if (!this.#authed) {
      if (lower.startsWith('auth ')) {
        if (cmd.slice(5) === this.#host.password) {
          this.#authed = true;
          return commandReply('+OK accepted');
        }
        this.#running = false;
        return commandReply('-ERR invalid');
      }
      if (lower.startsWith('userauth ')) {
        this.#running = false;
        return commandReply('-ERR invalid');
      }
      return done('');
    }

    if (lower.startsWith('filter ')) return commandReply(this.#filter(cmd.slice(7)));

    if (this.#session && lower.startsWith('resume')) return commandReply('+OK');

    if (this.#session || lower.startsWith('myevents ')) {
      if (lower.startsWith('connect')) {
        if (this.mode.kind !== 'outbound') return done('');
        // A serialised CHANNEL_DATA event, with the reply headers added to it (so "+OK\n" is URL-encoded).
        const ev = this.mode.channel.channelData([
          ['Content-Type', 'command/reply'],
          ['Reply-Text', '+OK\n'],
          ['Socket-Mode', this.mode.async ? 'async' : 'static'],
          ['Control', this.mode.full ? 'full' : 'single-channel'],
        ]);
        this.#write(serializePlain(ev.headers as readonly Header[], null));
        return null;
      }
      if (lower.startsWith('getvar')) {
        const sp = cmd.indexOf(' ');
        const value = sp >= 0 ? (this.#session?.variables.get(cmd.slice(sp + 1)) ?? '') : '';
        return done(value);
      }
      if (lower.startsWith('myevents')) return commandReply(this.#myeventsCommand(cmd));
    }

    if (lower.startsWith('divert_events')) {
      if (!this.#session) return commandReply('-ERR not controlling a session.');
      const v = cmd.slice(13).trim();
      if (v === '') return commandReply('-ERR missing value.');
      return commandReply(v.toLowerCase() === 'on' ? '+OK events diverted' : '+OK events not diverted');
    }

    if (lower.startsWith('sendmsg')) return commandReply(await this.#sendmsg(c));

    // Without `full`, an outbound socket stops here: everything below is "-ERR command not found".
    if (this.mode.kind === 'outbound' && !this.mode.full) return done('');

    if (lower.startsWith('sendevent')) {
      const uuid = randomUUID();
      return commandReply(`+OK ${uuid}`);
    }
    if (lower.startsWith('api ')) {
      const [api, arg] = splitFirst(cmd.slice(4));
      const out = await this.#host.runApi(api, arg);
      let body = out === null ? `-ERR ${api} Command not found!\n` : out;
      if (body === '') body = '-ERR no reply\n';
      return apiResponse(body);
    }
    if (lower.startsWith('bgapi ')) {
      const [api, arg] = splitFirst(cmd.slice(6));
      const jobUuid = c.headers.find(([n]) => n.toLowerCase() === 'job-uuid')?.[1] ?? randomUUID();
      const owner = this.#session?.uuid ?? null;
      setImmediate(() => void this.#runBackground(api, arg, jobUuid, owner));
      return commandReplyRaw(`Reply-Text: +OK Job-UUID: ${jobUuid}\nJob-UUID: ${jobUuid}\n\n`);
    }
    if (lower.startsWith('log')) {
      return commandReply(`+OK log level ${cmd.slice(4) || ''} [7]`);
    }
    if (lower.startsWith('linger')) {
      if (!this.#session) return commandReply('-ERR not controlling a session');
      const arg = cmd.slice(6);
      const seconds = arg.startsWith(' ') && arg.length > 1 ? Number.parseInt(arg.slice(1), 10) || 0 : -1;
      this.#linger = { on: true, seconds };
      return commandReply(seconds !== -1 ? `+OK will linger ${seconds} seconds` : '+OK will linger');
    }
    if (lower.startsWith('nolinger')) {
      if (!this.#session) return commandReply('-ERR not controlling a session');
      this.#linger = { on: false, seconds: this.#linger.seconds };
      return commandReply('+OK will not linger');
    }
    if (lower.startsWith('nolog')) return commandReply('-ERR not loging');
    if (lower.startsWith('event')) return commandReply(this.#eventCommand(cmd));
    if (lower.startsWith('nixevent')) return commandReply(this.#nixevent(cmd));
    if (lower.startsWith('noevents')) {
      this.#eventQueue.length = 0;
      if (!this.#eventsOn) return commandReply('-ERR not listening for events');
      this.#eventsOn = false;
      this.#eventList.clear();
      this.#customSubclasses.clear();
      return commandReply('+OK no longer listening for events');
    }
    return done('');
  }

  async #runBackground(api: string, arg: string | null, jobUuid: string, owner: string | null): Promise<void> {
    const out = await this.#host.runApi(api, arg);
    const reply = out === null ? `-ERR ${api} Command not found!\n` : out === '' ? 'Command returned no output!' : out;
    const headers: Header[] = [
      ['Job-UUID', jobUuid],
      ['Job-Command', api],
    ];
    if (arg !== null) headers.push(['Job-Command-Arg', arg]);
    if (owner !== null) headers.push(['Job-Owner-UUID', owner]);
    this.#host.fire(buildEvent(this.#host.identity, 'BACKGROUND_JOB', { headers, body: reply }));
  }

  #filter(rest: string): string {
    let headerName = rest.trimStart();
    let headerVal: string | null = null;
    const sp = headerName.indexOf(' ');
    if (sp >= 0) {
      headerVal = headerName.slice(sp + 1);
      headerName = headerName.slice(0, sp);
    }
    if (headerName.toLowerCase() === 'delete' && headerVal !== null) {
      let name = headerVal;
      let val: string | null = null;
      const sp2 = name.indexOf(' ');
      if (sp2 >= 0) {
        val = name.slice(sp2 + 1);
        name = name.slice(0, sp2);
      }
      if (name.toLowerCase() === 'all') this.#filters = [];
      else this.#filters = this.#filters.filter(([n, v]) => !(n.toLowerCase() === name.toLowerCase() && (val === null || v === val)));
      return `+OK filter deleted. [${name}][${val ?? ''}]`;
    }
    if (headerVal !== null) {
      if (headerName.toLowerCase() === 'add') {
        const sp2 = headerVal.indexOf(' ');
        if (sp2 >= 0) {
          headerName = headerVal.slice(0, sp2);
          headerVal = headerVal.slice(sp2 + 1);
        } else {
          headerName = headerVal;
          headerVal = null;
        }
      }
      if (headerVal === null) return '-ERR invalid syntax';
      this.#filters.push([headerName, headerVal]);
      return `+OK filter added. [${headerName}]=[${headerVal}]`;
    }
    return '-ERR invalid syntax';
  }

  #myeventsCommand(cmd: string): string {
    if (this.#myevents) return '-ERR aready enabled.';
    if (!this.#session) {
      const args = cmd.slice(9).trim().split(' ');
      const uuid = args[0] ?? '';
      const fmt = args[1];
      const ch = this.#host.channel(uuid);
      if (!ch) {
        if (fmt !== undefined) return '-ERR invalid uuid';
      } else this.#session = ch;
      if (fmt !== undefined) this.#format = fmt.toLowerCase() === 'json' ? 'json' : fmt.toLowerCase() === 'xml' ? 'xml' : 'plain';
    }
    for (const n of [
      'CHANNEL_ANSWER', 'CHANNEL_APPLICATION', 'CHANNEL_BRIDGE', 'CHANNEL_CREATE', 'CHANNEL_DATA', 'CHANNEL_DESTROY',
      'CHANNEL_EXECUTE', 'CHANNEL_EXECUTE_COMPLETE', 'CHANNEL_HANGUP', 'CHANNEL_HANGUP_COMPLETE', 'CHANNEL_ORIGINATE',
      'CHANNEL_UUID', 'CHANNEL_OUTGOING', 'CHANNEL_PARK', 'CHANNEL_PROGRESS', 'CHANNEL_PROGRESS_MEDIA', 'CHANNEL_STATE',
      'CHANNEL_UNBRIDGE', 'CHANNEL_UNPARK', 'DETECTED_SPEECH', 'DTMF', 'NOTALK', 'TALK',
    ]) this.#eventList.add(n);
    this.#myevents = true;
    this.#eventsOn = true;
    if (cmd.includes('xml') || cmd.includes('XML')) this.#format = 'xml';
    if (cmd.includes('json') || cmd.includes('JSON')) this.#format = 'json';
    return '+OK Events Enabled';
  }

  #eventCommand(cmd: string): string {
    const sp = cmd.indexOf(' ', 5);
    const words = sp >= 0 ? cmd.slice(sp + 1).split(' ') : [];
    let keys = 0;
    let custom = false;
    words.forEach((w, i) => {
      if (i === 0 && ['xml', 'plain', 'json'].includes(w.toLowerCase())) {
        this.#format = w.toLowerCase() as Format;
        return;
      }
      if (custom) {
        this.#customSubclasses.add(w);
        return;
      }
      const name = w.toUpperCase();
      if (!/^[A-Z_]+$/.test(name) || !KNOWN_EVENTS.has(name)) return;
      keys++;
      this.#eventList.add(name);
      if (name === 'CUSTOM') custom = true;
    });
    if (keys === 0) return '-ERR no keywords supplied';
    this.#eventsOn = true;
    return `+OK event listener enabled ${this.#format}`;
  }

  #nixevent(cmd: string): string {
    const sp = cmd.indexOf(' ', 5);
    const words = sp >= 0 ? cmd.slice(sp + 1).split(' ') : [];
    let keys = 0;
    for (const w of words) {
      const name = w.toUpperCase();
      if (!KNOWN_EVENTS.has(name)) continue;
      keys++;
      if (name === 'ALL') this.#eventList.clear();
      else {
        if (this.#eventList.has('ALL')) {
          this.#eventList.delete('ALL');
          for (const n of KNOWN_EVENTS) if (n !== 'ALL') this.#eventList.add(n);
        }
        this.#eventList.delete(name);
      }
    }
    if (keys === 0) return '-ERR no keywords supplied';
    this.#eventsOn = true;
    return '+OK events nixed';
  }

  async #sendmsg(c: ReceivedCommand): Promise<string> {
    let uuid: string | null = c.line.slice(7).trim();
    if (uuid === '') uuid = c.headers.find(([n]) => n.toLowerCase() === 'session-id')?.[1] ?? null;
    const session = this.#session;
    if (uuid !== null && session && uuid === session.uuid) uuid = null;
    const asyncHeader = c.headers.find(([n]) => n.toLowerCase() === 'async')?.[1];
    const async = (this.mode.kind === 'outbound' ? this.mode.async : true) || (asyncHeader !== undefined && /^(true|yes|on|1)$/i.test(asyncHeader));
    const msg = { headers: c.headers, body: c.body };
    if ((uuid === null || uuid === '') && session) {
      if (async) void session.queuePrivate(msg);
      else await session.runNow(msg);
      return '+OK';
    }
    const target = uuid ? this.#host.channel(uuid) : undefined;
    if (target?.alive) {
      void target.queuePrivate(msg);
      return '+OK';
    }
    return `-ERR invalid session id [${uuid ?? ''}]`;
  }
}

function splitFirst(s: string): [string, string | null] {
  const sp = s.indexOf(' ');
  return sp < 0 ? [s, null] : [s.slice(0, sp), s.slice(sp + 1)];
}

/** switch_event_types_t names (switch_event.c EVENT_NAMES), the ones `event` accepts. */
export const KNOWN_EVENTS = new Set([
  'CUSTOM', 'CLONE', 'CHANNEL_CREATE', 'CHANNEL_DESTROY', 'CHANNEL_STATE', 'CHANNEL_CALLSTATE', 'CHANNEL_ANSWER',
  'CHANNEL_HANGUP', 'CHANNEL_HANGUP_COMPLETE', 'CHANNEL_EXECUTE', 'CHANNEL_EXECUTE_COMPLETE', 'CHANNEL_HOLD',
  'CHANNEL_UNHOLD', 'CHANNEL_BRIDGE', 'CHANNEL_UNBRIDGE', 'CHANNEL_PROGRESS', 'CHANNEL_PROGRESS_MEDIA',
  'CHANNEL_OUTGOING', 'CHANNEL_PARK', 'CHANNEL_UNPARK', 'CHANNEL_APPLICATION', 'CHANNEL_ORIGINATE', 'CHANNEL_UUID',
  'API', 'LOG', 'INBOUND_CHAN', 'OUTBOUND_CHAN', 'STARTUP', 'SHUTDOWN', 'PUBLISH', 'UNPUBLISH', 'TALK', 'NOTALK',
  'SESSION_CRASH', 'MODULE_LOAD', 'MODULE_UNLOAD', 'DTMF', 'MESSAGE', 'PRESENCE_IN', 'NOTIFY_IN', 'PRESENCE_OUT',
  'PRESENCE_PROBE', 'MESSAGE_WAITING', 'MESSAGE_QUERY', 'ROSTER', 'CODEC', 'BACKGROUND_JOB', 'DETECTED_SPEECH',
  'DETECTED_TONE', 'PRIVATE_COMMAND', 'HEARTBEAT', 'TRAP', 'ADD_SCHEDULE', 'DEL_SCHEDULE', 'EXE_SCHEDULE',
  'RE_SCHEDULE', 'RELOADXML', 'NOTIFY', 'PHONE_FEATURE', 'PHONE_FEATURE_SUBSCRIBE', 'SEND_MESSAGE', 'RECV_MESSAGE',
  'REQUEST_PARAMS', 'CHANNEL_DATA', 'GENERAL', 'COMMAND', 'SESSION_HEARTBEAT', 'CLIENT_DISCONNECTED',
  'SERVER_DISCONNECTED', 'SEND_INFO', 'RECV_INFO', 'RECV_RTCP_MESSAGE', 'SEND_RTCP_MESSAGE', 'CALL_SECURE', 'NAT',
  'RECORD_START', 'RECORD_STOP', 'PLAYBACK_START', 'PLAYBACK_STOP', 'CALL_UPDATE', 'FAILURE', 'SOCKET_DATA',
  'MEDIA_BUG_START', 'MEDIA_BUG_STOP', 'CONFERENCE_DATA_QUERY', 'CONFERENCE_DATA', 'CALL_SETUP_REQ',
  'CALL_SETUP_RESULT', 'CALL_DETAIL', 'DEVICE_STATE', 'TEXT', 'SHUTDOWN_REQUESTED', 'ALL',
]);
