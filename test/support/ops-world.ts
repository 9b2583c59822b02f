/**
 * A throwaway deployment for the ops tests: storage (0700), spool, a hash
 * key, a config file, and an index filled either with rows whose files are
 * stand-ins (random bytes where the ciphertext would be, a real sidecar
 * beside it, laid out by StorageLayout exactly as the archiver does) or,
 * for the end-to-end tests, with recordings archived for real from a WAV.
 * Runs the CLI in-process and as a real process.
 */
import { createHash, randomBytes } from 'node:crypto';
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, type ResolvedConfig } from '../../src/config/index.js';
import { KeyedHasher } from '../../src/privacy/keyed-hash.js';
import { StorageLayout } from '../../src/archive/storage-layout.js';
import { RecordingIndex, type NewRecording } from '../../src/index/index.js';
import { main } from '../../src/cli/main.js';
import { BufferIo } from '../../src/cli/output.js';
import type { Purpose } from '../../src/policy/purpose.js';
import { RECIPIENT } from './fake-call.js';

export const repo = fileURLToPath(new URL('../../', import.meta.url));
export const HASH_KEY = Buffer.alloc(32, 0x42);
const DAY_MS = 86_400_000;

export interface CliResult { code: number; stdout: string; stderr: string }

export interface AddOptions {
  purpose?: Purpose;
  line?: string;
  /** Default: one hour ago. */
  startedAt?: Date;
  durationMs?: number;
  /** The caller as the PBX handed it over (hashed with the 'caller' domain, as the archiver does). */
  caller?: string | null;
  agent?: string | null;
  /** Default: from the purpose's retention in the config. */
  retentionUntil?: Date;
  callId?: string;
  linkedId?: string;
  /** Every agent heard, in order (index version 3): the first one's team goes on the row. */
  agents?: Array<{ agent: string; team: string | null; offsetMs: number }>;
}

let serial = 0;

export class OpsWorld {
  readonly dir: string;
  readonly storage: string;
  readonly spool: string;
  readonly recordings: string;
  readonly configPath: string;
  readonly keyPath: string;
  readonly config: ResolvedConfig;
  readonly hasher = new KeyedHasher(HASH_KEY);
  readonly layout: StorageLayout;

  private constructor(dir: string, extraYaml: string, amiPort: number, agiListen: string) {
    this.dir = dir;
    this.storage = join(dir, 'store');
    this.spool = join(this.storage, 'spool');
    this.recordings = join(dir, 'pbx-rec');
    this.keyPath = join(dir, 'hash.key');
    this.configPath = join(dir, 'callvault.yaml');
    mkdirSync(this.storage, { mode: 0o700 });
    mkdirSync(this.spool, { mode: 0o700 });
    mkdirSync(this.recordings, { mode: 0o770 });
    writeFileSync(this.keyPath, HASH_KEY, { mode: 0o600 });
    writeFileSync(this.configPath, `
pbx:
  type: asterisk
  asterisk:
    ami: { host: 127.0.0.1, port: ${amiPort}, username: callvault, secret: test-secret, actionTimeoutMs: 500 }
    agi: { listen: ${agiListen} }
    recordings: { pbx: /var/spool/asterisk/monitor/callvault, local: ${this.recordings} }
lines:
  support: { mode: sampled, rate: 0.25, purpose: quality }
  sales: { mode: consent, purpose: contract }
  insurance: { mode: mandatory, purpose: regulatory }
  internal: { mode: never }
privacy: { hashKeyFile: ${this.keyPath} }
storage: { dir: ${this.storage} }
archive: { recipients: { quality: [${RECIPIENT}], training: [${RECIPIENT}], analysis: [${RECIPIENT}], regulatory: [${RECIPIENT}], contract: [${RECIPIENT}] } }
ops: { defaultCountry: FR, purgeAt: '03:30' }
${extraYaml}`);
    this.config = loadConfig(this.configPath);
    this.layout = new StorageLayout(this.storage);
  }

  /** `amiPort`: where the doctor looks for the AMI (a fake server in the tests); `agiListen`: the FastAGI address it checks. */
  static create(options: { extraYaml?: string; amiPort?: number; agiListen?: string } = {}): OpsWorld {
    const dir = mkdtempSync(join(tmpdir(), 'cv-ops-'));
    chmodSync(dir, 0o700);
    return new OpsWorld(dir, options.extraYaml ?? '', options.amiPort ?? 5038, options.agiListen ?? '127.0.0.1:0');
  }

  /** Opens the index (creating and migrating it). */
  open(): RecordingIndex {
    return RecordingIndex.open(this.layout.indexPath);
  }

  /** Adds one recording: stand-in ciphertext and a sidecar on disk, the row in the index. Returns its id. */
  add(index: RecordingIndex, o: AddOptions = {}): string {
    const purpose = o.purpose ?? 'quality';
    const startedAt = o.startedAt ?? new Date(Date.now() - 3_600_000);
    const durationMs = o.durationMs ?? 60_000;
    const endedAt = new Date(startedAt.getTime() + durationMs);
    serial++;
    const stamp = startedAt.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
    const id = `${stamp}-${(0x0c000000 + serial).toString(16).padStart(8, '0')}`;
    const cipher = randomBytes(64 + (serial % 32));
    const file = this.layout.recordingPath(id);
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(file, cipher, { mode: 0o600 });
    const sha256 = createHash('sha256').update(cipher).digest('hex');
    const row: NewRecording = {
      id, pbx: 'asterisk', callId: o.callId ?? `1732801445.${serial}`, linkedId: o.linkedId ?? `1732801445.${serial}`,
      line: o.line ?? (purpose === 'contract' ? 'sales' : purpose === 'regulatory' ? 'insurance' : 'support'), purpose,
      decision: 'record', consent: 'no-objection', language: 'fr',
      callerHash: o.caller === null ? null : this.hasher.hex('caller', o.caller ?? '+33123456789'),
      agentHash: o.agent === null ? null : this.hasher.hex('agent', o.agent ?? 'agent-7'),
      startedAt: startedAt.toISOString(), endedAt: endedAt.toISOString(), durationMs, channels: 1, sampleRate: 8000, bitrateBps: 16000,
      sizeBytes: cipher.length, sha256, recipients: [RECIPIENT], pauses: [],
      retentionUntil: (o.retentionUntil ?? new Date(endedAt.getTime() + this.config.retention[purpose] * DAY_MS)).toISOString(),
      file: this.layout.relative(file), archivedAt: endedAt.toISOString(),
      ...(o.agents !== undefined ? {
        team: o.agents[0]?.team ?? null,
        agents: o.agents.map((a) => ({ agentHash: this.hasher.hex('agent', a.agent), team: a.team, offsetMs: a.offsetMs })),
      } : {}),
    };
    const { status: _s, ...sidecarFields } = row;
    writeFileSync(this.layout.sidecarPath(id), JSON.stringify({ version: o.agents !== undefined ? 2 : 1, ...sidecarFields, file: `${id}.opus.age` }, null, 2), { mode: 0o600 });
    assert(index.insertRecordingWithAudit(row, { actor: 'archiver', action: 'archive', recordingId: id, details: { how: 'test' } }), `insert ${id}`);
    return id;
  }

  filesOf(id: string): string[] {
    return [this.layout.recordingPath(id), this.layout.sidecarPath(id)].filter((p) => existsSync(p));
  }

  /** Runs the CLI in-process with --config appended. */
  async cli(...args: string[]): Promise<CliResult> {
    const io = new BufferIo();
    const code = await main(['node', 'callvault', ...args, '--config', this.configPath], io);
    return { code, stdout: io.stdout, stderr: io.stderr };
  }

  /** Runs the CLI as a real process (node --import tsx src/cli/main.ts). */
  proc(args: string[], options: SpawnSyncOptions = {}): CliResult {
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(repo, 'src/cli/main.ts'), ...args, '--config', this.configPath], {
      encoding: 'utf8', cwd: repo, timeout: 60_000, ...options, env: { ...process.env, ...options.env },
    });
    return { code: r.status ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function assert(cond: unknown, what: string): asserts cond {
  if (!cond) throw new Error(`test fixture: ${what} failed`);
}
