/**
 * Plays the Asterisk side for bench/capacity.ts, over real sockets, as fast
 * as one Node process can: an AMI server (banner, Login, the actions the
 * daemon sends, and each call's event stream replayed from the shape
 * measured on the sandbox Asterisk by bench/ami-shape.ts), and FastAGI
 * clients that connect to the daemon as Asterisk's res_agi does and answer
 * its commands with realistic prompt times. At hangup a real WAV of the
 * call's audio lands in the recordings directory with MixMonitor's `.done`
 * marker. It never decides anything: the daemon does.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { writeFile } from 'node:fs/promises';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ShapeEvent { name: string; fields: Record<string, string> }

/**
 * The event classes a Login's `Events:` asks for, as main/manager.c
 * strings_to_mask reads it: empty or a true value (`on`) is every class, a
 * false one (`off`) none, else a comma list of class names. null = every class.
 */
export function eventMask(header: string | undefined): Set<string> | null {
  const v = (header ?? '').trim().toLowerCase();
  if (v === '' || /^(on|yes|true|y|t|1)$/.test(v)) return null;
  if (/^(off|no|false|n|f|0)$/.test(v)) return new Set();
  return new Set(v.split(',').map((c) => c.trim()).filter((c) => c !== '' && c !== 'all'));
}

/**
 * Whether Asterisk sends this event to a session with that mask: manager.c
 * process_events sends it only if `(send_events & category) == category`,
 * the category being the classes of its `Privilege:` header (`all` is added
 * to every event and means nothing here).
 */
export function maskAllows(mask: Set<string> | null, e: ShapeEvent): boolean {
  if (mask === null) return true;
  const classes = (e.fields.Privilege ?? '').split(',').map((c) => c.trim().toLowerCase()).filter((c) => c !== '' && c !== 'all');
  return classes.every((c) => mask.has(c));
}

/** The AMI side: one server, the daemon's connection, events written in batches. */
export class AmiPlayer {
  #server: Server | null = null;
  #sockets = new Set<Socket>();
  #out: string[] = [];
  #flushing = false;
  /** The event classes the daemon asked for at Login (null: all). */
  #mask: Set<string> | null = null;
  /** Events written to the daemon (after its Login's `Events:` mask). */
  eventsSent = 0;
  /** Events of the replayed stream that the mask kept from the daemon, as Asterisk would. */
  eventsMasked = 0;
  /** The Login's `Events:` header as received ('' when absent). */
  loginEvents = '';
  /** Most bytes waiting in this process for the daemon to read (the daemon falling behind the event stream). */
  maxQueuedBytes = 0;
  pingRtts: number[] = [];
  actions = new Map<string, number>();
  port = 0;

  async listen(): Promise<void> {
    this.#server = createServer((s) => this.#accept(s));
    await new Promise<void>((r) => this.#server!.listen(0, '127.0.0.1', () => r()));
    this.port = (this.#server.address() as { port: number }).port;
  }

  #accept(s: Socket): void {
    this.#sockets.add(s);
    s.setNoDelay(true);
    s.on('close', () => this.#sockets.delete(s));
    s.on('error', () => undefined);
    s.write('Asterisk Call Manager/9.0.0\r\n');
    let buf = '';
    s.on('data', (d) => {
      buf += d.toString('latin1');
      let i: number;
      while ((i = buf.indexOf('\r\n\r\n')) >= 0) {
        const frame = buf.slice(0, i);
        buf = buf.slice(i + 4);
        const f = new Map<string, string>();
        for (const l of frame.split('\r\n')) { const c = l.indexOf(':'); if (c > 0) f.set(l.slice(0, c).toLowerCase(), l.slice(c + 1).trim()); }
        this.#answer(s, f);
      }
    });
  }

  #answer(s: Socket, f: Map<string, string>): void {
    const action = (f.get('action') ?? '').toLowerCase();
    const id = f.get('actionid') ?? '';
    this.actions.set(action, (this.actions.get(action) ?? 0) + 1);
    const ok = (extra = '') => s.write(`Response: Success\r\nActionID: ${id}\r\n${extra}\r\n`);
    switch (action) {
      case 'login':
        this.loginEvents = f.get('events') ?? '';
        this.#mask = eventMask(f.get('events'));
        ok('Message: Authentication accepted\r\n'); s.write('Event: FullyBooted\r\nPrivilege: system,all\r\nStatus: Fully Booted\r\n\r\n'); break;
      case 'ping': ok('Ping: Pong\r\n'); break;
      case 'status': ok('EventList: start\r\nMessage: Channel status will follow\r\n'); s.write(`Event: StatusComplete\r\nActionID: ${id}\r\nEventList: Complete\r\nListItems: 0\r\nItems: 0\r\n\r\n`); break;
      case 'dbget': s.write(`Response: Error\r\nActionID: ${id}\r\nMessage: Database entry not found\r\n\r\n`); break;
      case 'logoff': s.end(`Response: Goodbye\r\nActionID: ${id}\r\n\r\n`); break;
      default: ok('Message: Success\r\n'); // MixMonitorMute, StopMixMonitor, Setvar...
    }
  }

  /** The events of `events` that the daemon's Login mask lets through (filter before building them: cheaper for the bench). */
  sendable(events: readonly ShapeEvent[]): ShapeEvent[] {
    const out = events.filter((e) => maskAllows(this.#mask, e));
    this.eventsMasked += events.length - out.length;
    return out;
  }

  /** Queues events for the daemon; written in one batch per tick, as a busy Asterisk's manager thread does. */
  emit(all: readonly ShapeEvent[]): void {
    const events = this.sendable(all);
    for (const e of events) {
      let t = `Event: ${e.name}\r\n`;
      for (const k in e.fields) t += `${k}: ${e.fields[k]}\r\n`;
      this.#out.push(t + '\r\n');
    }
    this.eventsSent += events.length;
    if (!this.#flushing) {
      this.#flushing = true;
      setImmediate(() => {
        this.#flushing = false;
        const chunk = this.#out.join('');
        this.#out = [];
        for (const s of this.#sockets) { s.write(chunk); this.maxQueuedBytes = Math.max(this.maxQueuedBytes, s.writableLength); }
      });
    }
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((r) => (this.#server ? this.#server.close(() => r()) : r()));
  }
}

export interface AgiTimes {
  /** How long STREAM FILE takes to answer (the notice playing). */
  promptMs: number;
}

export interface AgiResult {
  /** Request sent to first STREAM FILE received (consent), or to CALLVAULT_PAUSE set (payment). */
  latencyMs: number | null;
  /** The WAV path MixMonitor was asked to write, when the call is recorded. */
  wav: string | null;
  pause: string | null;
}

const ARG = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
function args(rest: string): string[] {
  return [...rest.matchAll(ARG)].map((m) => (m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]!));
}

/**
 * One FastAGI session as res_agi runs it: connect, send the environment,
 * answer each command, until the daemon closes. `vars` is the channel's
 * variables, shared across the call's AGI sessions.
 */
export function agiSession(port: number, env: Record<string, string>, vars: Map<string, string>, times: AgiTimes): Promise<AgiResult> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.setNoDelay(true);
    const result: AgiResult = { latencyMs: null, wav: null, pause: null };
    let sentAt = 0;
    let buf = '';
    const timers: NodeJS.Timeout[] = [];
    const reply = (line: string, delayMs = 0) => {
      if (delayMs <= 0) { s.write(`${line}\n`); return; }
      timers.push(setTimeout(() => { if (!s.destroyed) s.write(`${line}\n`); }, delayMs));
    };
    s.on('connect', () => {
      let e = '';
      for (const [k, v] of Object.entries(env)) e += `agi_${k}: ${v}\n`;
      sentAt = performance.now();
      s.write(`${e}\n`);
    });
    s.on('data', (d) => {
      buf += d.toString('utf8');
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (line.startsWith('STREAM FILE')) {
          if (result.latencyMs === null) result.latencyMs = performance.now() - sentAt;
          reply('200 result=0 endpos=32000', times.promptMs);
        } else if (line.startsWith('WAIT FOR DIGIT')) {
          reply('200 result=0', Number(args(line.slice(15))[0] ?? '0'));
        } else if (line.startsWith('GET FULL VARIABLE')) {
          reply(`200 result=1 (${env.uniqueid})`);
        } else if (line.startsWith('GET VARIABLE')) {
          const v = vars.get(args(line.slice(12))[0] ?? '');
          reply(v === undefined ? '200 result=0' : `200 result=1 (${v})`);
        } else if (line.startsWith('SET VARIABLE')) {
          const [k, v] = args(line.slice(12));
          vars.set(k!, v ?? '');
          if (k === 'CALLVAULT_PAUSE') { result.pause = v ?? ''; result.latencyMs ??= performance.now() - sentAt; }
          reply('200 result=1');
        } else if (line.startsWith('EXEC')) {
          const [app, a] = args(line.slice(4));
          if (app === 'MixMonitor') {
            result.wav = (a ?? '').split(',')[0]!;
            vars.set('CALLVAULT_MIXMONITOR_ID', `0x${Math.floor(Math.random() * 2 ** 32).toString(16)}`);
          }
          reply('200 result=0');
        } else if (line.length > 0) {
          reply('200 result=1');
        }
      }
    });
    const done = () => { for (const t of timers) clearTimeout(t); resolve(result); };
    s.on('close', done);
    s.on('error', () => undefined);
  });
}

/** MixMonitor's side at hangup: the WAV, then the marker its post-command touches. */
export async function landRecording(wavPath: string, wav: Buffer): Promise<void> {
  await writeFile(wavPath, wav);
  await writeFile(wavPath.replace(/\.wav$/, '.done'), '');
}

/** 8 kHz mono 16-bit speech-like audio (three formants, syllable-rate envelope, a little noise), with digital silence where the recording was muted. */
export function speechWav(seconds: number, mutedFrom: number, mutedSeconds: number): Buffer {
  const rate = 8000;
  const n = rate * seconds;
  const data = Buffer.alloc(n * 2);
  let seed = 12345;
  for (let i = 0; i < n; i++) {
    const t = i / rate;
    if (t >= mutedFrom && t < mutedFrom + mutedSeconds) continue;
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    const env = 0.5 + 0.5 * Math.sin(2 * Math.PI * 4 * t);
    const pitch = 120 + 30 * Math.sin(2 * Math.PI * 0.3 * t);
    const v = env * (3000 * Math.sin(2 * Math.PI * pitch * t) + 2000 * Math.sin(2 * Math.PI * pitch * 5.1 * t) + 1000 * Math.sin(2 * Math.PI * pitch * 17.3 * t)) + ((seed / 0x7fffffff) - 0.5) * 600;
    data.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(v))), i * 2);
  }
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'latin1'); h.writeUInt32LE(36 + data.length, 4); h.write('WAVE', 8, 'latin1');
  h.write('fmt ', 12, 'latin1'); h.writeUInt32LE(16, 16); h.writeUInt16LE(1, 20); h.writeUInt16LE(1, 22);
  h.writeUInt32LE(rate, 24); h.writeUInt32LE(rate * 2, 28); h.writeUInt16LE(2, 32); h.writeUInt16LE(16, 34);
  h.write('data', 36, 'latin1'); h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}

/** The daemon's config for one step: the fake PBX's ports, a sampled line at 25% (the issue's 2,000-seat case). */
export function writeConfig(dir: string, o: { amiPort: number; agiPort: number; metricsPort: number; recordings: string; recipient: string; workers?: number; scheduling?: 'idle' | 'nice' }): string {
  const path = join(dir, 'callvault.yaml');
  writeFileSync(join(dir, 'ami.secret'), 'bench', { mode: 0o600 });
  writeFileSync(path, `
pbx:
  type: asterisk
  asterisk:
    ami: { host: 127.0.0.1, port: ${o.amiPort}, username: callvault, secretFile: ami.secret }
    agi: { listen: '127.0.0.1:${o.agiPort}' }
    recordings: { pbx: ${o.recordings}, local: ${o.recordings} }
lines:
  bench: { mode: sampled, rate: 0.25 }
prompts: { defaultLanguage: en }
privacy: { hashKeyFile: hash.key }
storage: { dir: store }
archive: { recipients: { quality: [${o.recipient}] }${o.workers !== undefined ? `, workers: ${o.workers}` : ''}${o.scheduling !== undefined ? `, scheduling: ${o.scheduling}` : ''} }
ops: { metrics: '127.0.0.1:${o.metricsPort}' }
log: { level: warn }
`);
  return path;
}
