/**
 * The e2e stack: the sandbox Asterisk (scripts/asterisk-sandbox), a real
 * callvault daemon (in this process, or as a child process), and a test AMI
 * client that places scripted calls from dialplan/asterisk/callvault-sandbox.conf
 * and watches what happens. Nothing here is mocked: the calls, the prompts,
 * the keys, MixMonitor and the files are Asterisk's own.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync, spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync, readFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { AmiClient } from '../../../src/pbx/asterisk/ami-client.js';
import { makeStackDir } from './stack-dir.js';
import type { AsteriskAdapter } from '../../../src/pbx/asterisk/asterisk-adapter.js';
import { loadConfig } from '../../../src/config/index.js';
import { silentLogger, createLogger } from '../../../src/log/logger.js';
import { Daemon } from '../../../src/daemon/daemon.js';
import type { SessionObserver } from '../../../src/calls/call-session.js';
import type { MonitorAudit } from '../../../src/calls/monitor-register.js';
import { ArchiverWorker } from '../../../src/archive/archiver-worker.js';
import { RecordingIndex } from '../../../src/index/index.js';
import type { RecordingRow } from '../../../src/index/types.js';
import { readWav, type Pcm } from '../../support/goertzel.js';
import { createAdapter } from '../../../src/daemon/adapter-factory.js';

export const repo = fileURLToPath(new URL('../../../', import.meta.url));
const sandbox = join(repo, 'scripts/asterisk-sandbox');
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function sandboxEnv(): Record<string, string> {
  const out = execFileSync(sandbox, ['env'], { encoding: 'utf8' });
  return Object.fromEntries(out.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

/** Starts the sandbox if needed; fails (never skips) when it cannot. */
export function ensureSandbox(): void {
  if (spawnSync(sandbox, ['status'], { stdio: 'ignore' }).status === 0) return;
  const r = spawnSync(sandbox, ['start'], { encoding: 'utf8' });
  assert.equal(r.status, 0, `scripts/asterisk-sandbox start failed:\n${r.stderr}`);
}

/** Runs a sandbox command without blocking the event loop (an in-process daemon must see the PBX go and come back). */
export async function sandboxCommand(...args: string[]): Promise<void> {
  const child = spawn(sandbox, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => { stderr += String(d); });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  assert.equal(code, 0, `scripts/asterisk-sandbox ${args.join(' ')} failed:\n${stderr}`);
}

/**
 * Which sandbox manager user the daemon logs in with: `strict` (the
 * documented production user: no dtmf, dialplan, agi; event filters) or
 * `read-all` (`read = all`, no filters, as many sites configure it). The e2e
 * call path runs with both (call-path*.test.ts, call-resilience*.test.ts).
 */
export type AmiUserKind = 'strict' | 'read-all';

export interface StackFiles { dir: string; configPath: string; identity: string; recipient: string; storage: string; spool: string; recordings: string; pbxRecordings: string }

/** Writes a config for the sandbox with the given `lines:` YAML block (indented by two spaces). */
export function writeStack(lines: string, extra = '', options: { stereo?: boolean; amiUser?: AmiUserKind; defaultLanguage?: 'fr' | 'en' } = {}): StackFiles {
  const env = sandboxEnv();
  const { dir, identity, recipient, storage } = makeStackDir('cv-e2e-');
  const readAll = options.amiUser === 'read-all';
  const amiUser = readAll ? env.CALLVAULT_ASTERISK_AMI_USER_ALL! : env.CALLVAULT_ASTERISK_AMI_USER!;
  writeFileSync(join(dir, 'ami.secret'), readAll ? env.CALLVAULT_ASTERISK_AMI_SECRET_ALL! : env.CALLVAULT_ASTERISK_AMI_SECRET!, { mode: 0o600 });
  const configPath = join(dir, 'callvault.yaml');
  writeFileSync(configPath, `
pbx:
  type: asterisk
  asterisk:
    ami: { host: ${env.CALLVAULT_ASTERISK_AMI_HOST}, port: ${env.CALLVAULT_ASTERISK_AMI_PORT}, username: ${amiUser}, secretFile: ami.secret }
    agi: { listen: '127.0.0.1:0' }
    recordings: { pbx: ${env.CALLVAULT_ASTERISK_PBX_RECORDINGS}, local: ${env.CALLVAULT_ASTERISK_RECORDINGS} }
    stereo: ${options.stereo === true}
lines:
${lines}
prompts: { defaultLanguage: ${options.defaultLanguage ?? 'en'} }
privacy: { hashKeyFile: hash.key }
storage: { dir: store }
archive: { recipients: { quality: [${recipient}], regulatory: [${recipient}], contract: [${recipient}] } }
log: { level: ${process.env.CALLVAULT_E2E_LOG ?? 'warn'} }
${extra}`);
  return { dir, configPath, identity, recipient, storage, spool: join(storage, 'spool'), recordings: env.CALLVAULT_ASTERISK_RECORDINGS!, pbxRecordings: env.CALLVAULT_ASTERISK_PBX_RECORDINGS! };
}

export interface CallResult {
  uniqueid: string;
  /** The recorded (IVR, ;1) half's channel name, as Asterisk's console log names it. */
  channel: string;
  /** Channel variables read while the call was in its talk phase. */
  vars: Record<string, string>;
  phases: string[];
  hungUpAt: number;
}

/** A test-side AMI client that places scripted calls and follows them. */
export class Caller {
  readonly ami: AmiClient;
  constructor() {
    const env = sandboxEnv();
    this.ami = new AmiClient({
      host: env.CALLVAULT_ASTERISK_AMI_HOST!, port: Number(env.CALLVAULT_ASTERISK_AMI_PORT), username: env.CALLVAULT_ASTERISK_AMI_USER!, secret: env.CALLVAULT_ASTERISK_AMI_SECRET!,
      logger: silentLogger, heartbeat: false,
    });
  }
  async start(): Promise<void> { this.ami.start(); await this.ami.waitConnected(15_000); }
  async stop(): Promise<void> { await this.ami.stop(); }

  /**
   * Places `scenario` (caller side) on `line` (IVR side) with the daemon at
   * `agiPort`, and resolves when the IVR side hung up.
   */
  async call(scenario: string, line: string, agiPort: number, opts: { vars?: Record<string, string>; timeoutMs?: number; callerId?: string; context?: string; onPhase?: (phase: string, channel: string, linkedId: string) => void } = {}): Promise<CallResult> {
    const uniqueid = `cvt-${randomBytes(6).toString('hex')}`;
    const result: CallResult = { uniqueid, channel: '', vars: {}, phases: [], hungUpAt: 0 };
    const reads: Promise<void>[] = [];
    const offPhase = this.ami.onEvent('UserEvent', (e) => {
      if (e.fields.UserEvent !== 'CallvaultTestPhase' || e.fields.Uniqueid !== uniqueid) return;
      const phase = e.fields.Phase ?? '';
      result.phases.push(phase);
      result.channel ||= e.fields.Channel ?? '';
      opts.onPhase?.(phase, e.fields.Channel ?? '', e.fields.Linkedid ?? '');
      if (phase === 'talk') {
        reads.push((async () => {
          for (const v of ['CALLVAULT_DECISION', 'CALLVAULT_CONSENT', 'CALLVAULT_RECORDING_ID', 'CALLVAULT_REASON']) {
            result.vars[v] = await this.ami.getvar(e.fields.Channel!, v).catch(() => '');
          }
        })());
      }
      if (phase === 'talk2') {
        reads.push(this.ami.getvar(e.fields.Channel!, 'CALLVAULT_PAUSE').then((v) => { result.vars.CALLVAULT_PAUSE = v; }, () => undefined));
      }
    });
    const hungUp = this.ami.waitForEvent('Hangup', (e) => e.fields.Uniqueid === uniqueid, opts.timeoutMs ?? 120_000);
    try {
      await this.ami.action('Originate', {
        Channel: `Local/${scenario}@callvault-test-caller`,
        Context: opts.context ?? 'callvault-demo-ivr', Exten: line, Priority: 1, Async: 'true',
        ChannelId: uniqueid, OtherChannelId: `${uniqueid}-caller`,
        CallerID: opts.callerId ?? '"Test Caller" <+33612345678>',
        Variable: Object.entries({ __CALLVAULT_AGI: `agi://127.0.0.1:${agiPort}`, ...(opts.vars ?? {}) }).map(([k, v]) => `${k}=${v}`),
      });
      await hungUp;
      result.hungUpAt = Date.now();
      await Promise.all(reads);
    } finally {
      offPhase();
    }
    return result;
  }
}

function consoleLines(channel: string): string[] {
  const log = join(sandboxEnv().CALLVAULT_ASTERISK_ROOT!, 'var/log/asterisk/console.log');
  const prefix = `<${channel}>`;
  // Verbose lines come as "    -- <channel> ...", the AGI trace as "<channel>AGI ...".
  return readFileSync(log, 'utf8').split('\n').map((l) => l.replace(/^\s*-- /, '')).filter((l) => l.startsWith(prefix)).map((l) => l.slice(prefix.length));
}

/** The prompt files Asterisk played on `channel`, in order, from its console log ("Playing 'fr/callvault/x.slin' ..."). */
export function playedPrompts(channel: string): string[] {
  return consoleLines(channel).flatMap((l) => {
    // Playback: "Playing 'x.slin' (language 'en')"; STREAM FILE adds "(escape_digits=90) (sample_offset 0)" first.
    const m = /^ Playing '([^']+)\.[a-z0-9]+' (?:\([^)]*\) )*\(language '[^']*'\)/.exec(l);
    return m ? [m[1]!] : [];
  });
}

/**
 * Asterisk's own answer to the first AGI command on `channel` that names
 * `prompt`, from its AGI trace (`agi set debug on`, which the caller of this
 * turns on): e.g. `200 result=0 endpos=48000` when nothing cut the prompt.
 */
export function agiReplyTo(channel: string, prompt: string): string | null {
  const lines = consoleLines(channel);
  const at = lines.findIndex((l) => l.startsWith('AGI Rx << ') && l.includes(prompt));
  if (at < 0) return null;
  const reply = lines.slice(at + 1).find((l) => l.startsWith('AGI Tx >> '));
  return reply === undefined ? null : reply.slice('AGI Tx >> '.length);
}

/**
 * An AMI client of the `read = all` user that asks for every class at Login
 * (`Events: on`): what the daemon's client was before it asked only for its
 * classes (AMI_EVENT_CLASSES). The e2e keeps one so that the reader still
 * meets every event Asterisk 22 sends (TestEvent and its extra blank line).
 */
export function everyEventClient(): AmiClient {
  const env = sandboxEnv();
  return new AmiClient({
    host: env.CALLVAULT_ASTERISK_AMI_HOST!, port: Number(env.CALLVAULT_ASTERISK_AMI_PORT), username: env.CALLVAULT_ASTERISK_AMI_USER_ALL!, secret: env.CALLVAULT_ASTERISK_AMI_SECRET_ALL!,
    events: 'on', logger: silentLogger, heartbeat: false,
  });
}

/** The event classes (from `Privilege:`, `all` left out) of every event a client received. */
export class EventClasses {
  readonly seen = new Map<string, number>();
  readonly off: () => void;
  constructor(ami: AmiClient) {
    const fn = (e: { fields: Readonly<Record<string, string | undefined>> }): void => {
      for (const c of (e.fields.Privilege ?? '').split(',')) if (c !== '' && c !== 'all') this.seen.set(c, (this.seen.get(c) ?? 0) + 1);
    };
    ami.on('event', fn);
    this.off = () => { ami.off('event', fn); };
  }
  /** Classes received that are not in `allowed` (a comma list), with their counts. */
  outside(allowed: string): Record<string, number> {
    const ok = new Set(allowed.split(','));
    return Object.fromEntries([...this.seen].filter(([c]) => !ok.has(c)));
  }
}

/**
 * Follows the `TestEvent` that app_mixmonitor.c raises once a recording's
 * thread has ended (`State: MIXMONITOR_END`, class reporting: only a
 * `read = all` user that asks for every class receives it). It ends with an
 * extra blank line, the one that used to drop the link; waiting for it on an
 * AmiClient (everyEventClient) proves the reader read past it. Subscribe
 * before the call: the event can come after the hand-off (it follows
 * MixMonitor's post-recording command).
 */
export class MixMonitorEnds {
  readonly #seen = new Set<string>();
  readonly #waiters = new Map<string, () => void>();
  readonly off: () => void;
  constructor(ami: AmiClient) {
    this.off = ami.onEvent('TestEvent', (e) => {
      if (e.fields.State !== 'MIXMONITOR_END' || !e.fields.File) return;
      const id = e.fields.File.slice(e.fields.File.lastIndexOf('/') + 1).replace(/\.wav$/, '');
      this.#seen.add(id);
      this.#waiters.get(id)?.();
    });
  }
  async waitFor(recordingId: string, timeoutMs = 20_000): Promise<void> {
    if (this.#seen.has(recordingId)) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => { this.#waiters.delete(recordingId); reject(new Error(`the daemon's AMI client saw no MIXMONITOR_END TestEvent for ${recordingId} within ${timeoutMs} ms`)); }, timeoutMs);
      this.#waiters.set(recordingId, () => { clearTimeout(timer); this.#waiters.delete(recordingId); resolve(); });
    });
  }
}

/** The daemon in this process, on a free FastAGI port. */
export class InProcessDaemon {
  daemon!: Daemon;
  adapter!: AsteriskAdapter;
  agiPort = 0;
  constructor(readonly files: StackFiles, readonly observers: SessionObserver[] = [], readonly options: { archive?: boolean; monitorAudit?: MonitorAudit } = {}) {}
  async start(): Promise<void> {
    const config = loadConfig(this.files.configPath);
    const logger = process.env.CALLVAULT_E2E_LOG ? createLogger({ level: process.env.CALLVAULT_E2E_LOG, pretty: false }) : silentLogger;
    this.adapter = (await createAdapter(config, logger)) as AsteriskAdapter;
    const worker = this.options.archive ? new ArchiverWorker({
      spoolDir: config.storage.spool, storageDir: config.storage.dir, recipientsByPurpose: config.archive.recipients,
      hashKeyFile: config.privacy.hashKeyFile, retentionDays: config.retention, bitrateBps: config.archive.bitrateBps, pollIntervalMs: 200,
    }) : undefined;
    this.daemon = new Daemon({
      config, logger, adapter: this.adapter, observers: this.observers, monitorAudit: this.options.monitorAudit,
      archive: worker && { start: () => worker.start(), stop: () => worker.stop(), backlog: () => worker.backlog().pending, state: () => worker.state() },
    });
    await this.daemon.start();
    this.agiPort = this.adapter.agi.address().port;
  }
  async stop(): Promise<void> { await this.daemon.stop(); }
}

/** The daemon as a real process (`callvault run`), for kill tests. */
export class ChildDaemon {
  child: ChildProcess | null = null;
  stderr = '';
  constructor(readonly files: Pick<StackFiles, 'configPath' | 'storage'>, readonly agiPort: number, readonly args: string[] = ['--no-archive']) {}
  async start(): Promise<void> {
    const cfg = readFileSync(this.files.configPath, 'utf8').replace("listen: '127.0.0.1:0'", `listen: '127.0.0.1:${this.agiPort}'`);
    writeFileSync(this.files.configPath, cfg);
    this.child = spawn(process.execPath, ['--import', 'tsx', join(repo, 'src/cli/main.ts'), 'run', '-c', this.files.configPath, ...this.args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CALLVAULT_LOG_FORMAT: 'json' } });
    this.child.stderr!.on('data', (d) => { this.stderr += String(d); });
    let out = '';
    this.child.stdout!.on('data', (d) => { out += String(d); });
    // Started = it wrote its status file (the daemon writes it once attached).
    const statusFile = join(this.files.storage, 'run', 'status.json');
    const until = Date.now() + 30_000;
    for (;;) {
      if (this.child.exitCode !== null) throw new Error(`daemon exited ${this.child.exitCode}:\n${out}\n${this.stderr}`);
      try {
        if (JSON.parse(readFileSync(statusFile, 'utf8')).pid === this.child.pid) return;
      } catch { /* not yet */ }
      if (Date.now() > until) throw new Error(`daemon did not start:\n${out}\n${this.stderr}`);
      await sleep(100);
    }
  }
  kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    return new Promise((resolve) => {
      if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) return resolve();
      this.child.once('exit', () => resolve());
      this.child.kill(signal);
    });
  }
}

/** Waits for `<spool>/<id>.json` (the hand-off marker). */
export async function waitForSpool(spool: string, recordingId: string, timeoutMs = 40_000): Promise<Record<string, unknown>> {
  const path = join(spool, `${recordingId}.json`);
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (existsSync(path)) return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    // Often: with an archiving daemon a short file can leave the spool some 50 ms after its hand-off.
    await sleep(10);
  }
  assert.fail(`no spool metadata for ${recordingId} within ${timeoutMs} ms`);
}

export function listWavs(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.wav')) : [];
}

/** Waits until the archiver has indexed `recordingId`; returns its row. */
export async function waitForArchived(files: StackFiles, recordingId: string, timeoutMs = 60_000): Promise<RecordingRow> {
  const indexPath = join(files.storage, 'index.sqlite');
  for (const until = Date.now() + timeoutMs; Date.now() < until; await sleep(200)) {
    if (!existsSync(indexPath)) continue;
    const index = RecordingIndex.open(indexPath, { readonly: true });
    try {
      const row = index.getRecording(recordingId);
      if (row) return row;
    } finally {
      index.close();
    }
  }
  assert.fail(`recording ${recordingId} did not reach the index within ${timeoutMs} ms`);
}

/**
 * Opens an archived recording the way a team would years later, with
 * standard tools only: `age -d`, `opusinfo` (must pass), `opusdec`. Returns
 * the decoded audio and opusinfo's report.
 */
export function decryptWithStandardTools(files: StackFiles, row: RecordingRow): { pcm: Pcm; opusinfo: string } {
  const opus = join(files.dir, `${row.id}.opus`);
  const wav = join(files.dir, `${row.id}.decoded.wav`);
  execFileSync('age', ['-d', '-i', files.identity, '-o', opus, join(files.storage, row.file)]);
  const opusinfo = execFileSync('opusinfo', [opus], { encoding: 'utf8' });
  execFileSync('opusdec', ['--rate', '8000', opus, wav], { stdio: 'pipe' });
  return { pcm: readWav(wav), opusinfo };
}
