/**
 * The archiver: turns each finished recording in the spool into one
 * encrypted Ogg Opus file, one clear sidecar and one index row, then deletes
 * the WAV and its JSON. Every step is idempotent and ordered so that a crash
 * (SIGKILL, power loss) at any instant loses nothing: the WAV is removed only
 * once the encrypted file, its sidecar and its row are durable, and the
 * plaintext Ogg never touches the disk (it is encrypted as it is encoded).
 * On start it resumes whatever the spool holds. docs/spec.md ("Recording
 * file") states the order; docs/decisions.md says why.
 *
 * Encoding is CPU-heavy: the daemon runs this class in a worker thread
 * through ArchiverWorker (archiver-worker.ts) so that the call path stays
 * responsive. Tests drive `processOnce()` directly.
 */
import { readFile, readdir, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../log/logger.js';
import { silentLogger } from '../log/logger.js';
import { CallvaultError, isCallvaultError } from '../errors.js';
import type { KeyedHasher } from '../privacy/keyed-hash.js';
import type { Purpose } from '../policy/purpose.js';
import { retentionDeadline as policyDeadline } from '../policy/retention.js';
import { RecordingIndex, type NewRecording } from '../index/index.js';
import { canonicalJson } from '../index/audit-log.js';
import { checkRecipients } from './age-crypto.js';
import { ArchiveLock } from './archive-lock.js';
import { checkStorageDir, ensurePrivateDir, fsyncDir, isDiskFull, removeIfPresent, writeFileDurable } from './durable-fs.js';
import { digestFile } from './file-digest.js';
import { DEFAULT_BITRATE_BPS, encoderBitrate } from './opus-codec.js';
import { runEncodeJob, type EncodeJob, type EncodeResult } from './encode-job.js';
import type { Encoder } from './encode-pool.js';
import { parseSidecar, sidecarToRow, type RecordingSidecar } from './recording-sidecar.js';
import { RECORDING_ID, backfillMetadata, parseSpoolMetadata, type SpoolMetadata } from './spool-metadata.js';
import { StorageLayout } from './storage-layout.js';
import { WavReader } from './wav-reader.js';

/** The steps of one recording, in order; hooks see each as it completes. */
export const ARCHIVE_STEPS = ['encoding', 'encoded', 'renamed', 'sidecar', 'indexed', 'wav-deleted', 'done'] as const;
export type ArchiveStep = (typeof ARCHIVE_STEPS)[number];

export interface ArchiverHooks {
  /**
   * Called at each step with the recording id. For fault-injection tests: a
   * hook may block (to be SIGKILLed there) or throw (to simulate ENOSPC).
   * 'encoding' is called once the first ciphertext bytes are on disk.
   */
  step?(step: ArchiveStep, id: string): void | Promise<void>;
}

export interface BackfillOptions {
  line: string;
  purpose: Purpose;
  /** Skip WAVs modified more recently than this (they may still be recording). Default 60 s. */
  minAgeMs?: number;
}

export interface ArchiverOptions {
  spoolDir: string;
  storageDir: string;
  /** age recipients (public keys) by purpose; a recording is encrypted to all of its purpose's. */
  recipientsByPurpose: Partial<Record<Purpose, readonly string[]>>;
  hasher: KeyedHasher;
  retentionDays: Record<Purpose, number>;
  /** Overrides the deadline computation (default: src/policy/retention.ts with retentionDays). */
  retentionDeadline?: (purpose: Purpose, endedAt: Date) => Date;
  bitrateBps?: number;
  complexity?: number;
  logger?: Logger;
  /** How often start() looks at the spool. Default 1000 ms. */
  pollIntervalMs?: number;
  /** Longest wait between retries of a failing recording or a full disk. Default 5 min. */
  maxBackoffMs?: number;
  /** Archive plain WAVs that have no JSON, with synthesised metadata. Off in the daemon. */
  backfill?: BackfillOptions;
  hooks?: ArchiverHooks;
  now?: () => Date;
  /**
   * Runs the encode jobs; its size is how many recordings a pass keeps in
   * flight. Default: in this thread, one at a time (CLI, tests). The daemon
   * passes an EncodePool (encode-pool.ts).
   */
  encoder?: Encoder;
}

export interface ArchiveFailure {
  id: string;
  code: string;
  message: string;
}

export interface PassResult {
  archived: string[];
  failed: ArchiveFailure[];
  /** Ready entries left for a later pass (backing off, or disk full). */
  deferred: string[];
}

/**
 * Whether the archiver is working. `retrying`: it could not open the storage
 * (lock held, permissions, index) and tries again at `nextAttemptAt`; the
 * call path goes on and recordings wait in the spool meanwhile.
 */
export type ArchiverState =
  | { kind: 'starting' }
  | { kind: 'running'; since: string }
  | { kind: 'retrying'; attempts: number; code: string | null; message: string; hint: string | null; nextAttemptAt: string }
  | { kind: 'stopped' };

export interface Backlog {
  /** Recordings ready in the spool and not yet archived (as of the last pass). */
  pending: number;
  /** Of those, how many failed at least once and are backing off. */
  failing: number;
  /** The last failure was a full disk; archiving resumes by itself. */
  diskFull: boolean;
  nextRetryAt: string | null;
}

interface SpoolEntry {
  /** Spool name the entry is known by: `<id>` for JSON entries, the WAV name for backfill. */
  key: string;
  jsonPath: string | null;
  wavPath: string;
}

interface Retry {
  attempts: number;
  nextAt: number;
}

const VENDOR = 'callvault (libopus via @discordjs/opus)';

export class Archiver {
  readonly #o: ArchiverOptions;
  readonly #layout: StorageLayout;
  readonly #log: Logger;
  readonly #now: () => Date;
  #index: RecordingIndex | null = null;
  #lock: ArchiveLock | null = null;
  #opening: Promise<void> | null = null;
  #retries = new Map<string, Retry>();
  #diskFull: Retry | null = null;
  #pending = 0;
  #archivedAudioMs = 0;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<unknown> | null = null;
  #stopRequested = false;
  #state: ArchiverState = { kind: 'starting' };
  #openFailures = 0;

  constructor(options: ArchiverOptions) {
    this.#o = options;
    this.#layout = new StorageLayout(options.storageDir);
    this.#log = options.logger ?? silentLogger;
    this.#now = options.now ?? (() => new Date());
  }

  get layout(): StorageLayout {
    return this.#layout;
  }

  /**
   * Checks the storage directory, takes the lock, clears partial outputs, then
   * polls the spool. Opening is retried with backoff (1 s doubling up to
   * maxBackoffMs) for as long as it fails: a lock still held by a predecessor
   * or a permission fixed by hand must not leave the archiver dead until the
   * next restart. Resolves after the first attempt; `state()` says how it went.
   */
  async start(): Promise<void> {
    this.#stopRequested = false;
    let firstAttempt!: () => void;
    const attempted = new Promise<void>((resolve) => { firstAttempt = resolve; });
    const loop = async () => {
      if (this.#stopRequested) return;
      let delay = this.#o.pollIntervalMs ?? 1000;
      if (this.#state.kind !== 'running') delay = await this.#tryOpen() ?? delay;
      firstAttempt();
      if (this.#state.kind === 'running') {
        this.#running = this.processOnce().catch((err: unknown) => this.#log.error({ err }, 'archive: pass failed'));
        await this.#running;
        this.#running = null;
      }
      if (!this.#stopRequested) this.#timer = setTimeout(() => void loop(), delay);
    };
    void loop();
    await attempted;
  }

  /** One attempt to open; returns the delay before the next attempt when it failed. */
  async #tryOpen(): Promise<number | null> {
    try {
      await this.#open();
      this.#openFailures = 0;
      this.#state = { kind: 'running', since: this.#now().toISOString() };
      this.#log.info('archive: started');
      return null;
    } catch (err) {
      const attempts = ++this.#openFailures;
      const delay = this.#backoff(attempts);
      const e = err as { code?: unknown; message?: unknown; hint?: unknown };
      this.#state = {
        kind: 'retrying', attempts,
        code: isCallvaultError(err) ? err.code : typeof e.code === 'string' ? e.code : null,
        message: typeof e.message === 'string' ? e.message : String(err),
        hint: isCallvaultError(err) ? err.hint : null,
        nextAttemptAt: new Date(Date.now() + delay).toISOString(),
      };
      this.#log.error({ err, attempts, retryInMs: delay }, 'archive: cannot start, recordings wait in the spool; retrying');
      return delay;
    }
  }

  #backoff(attempts: number): number {
    return Math.min(this.#o.maxBackoffMs ?? 300_000, 1000 * 2 ** Math.min(attempts - 1, 20));
  }

  state(): ArchiverState {
    return this.#state;
  }

  /** Finishes the recording in progress, then releases the lock and the index. */
  async stop(): Promise<void> {
    this.#stopRequested = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#running !== null) await this.#running;
    await this.close();
    this.#state = { kind: 'stopped' };
  }

  async close(): Promise<void> {
    this.#index?.close();
    this.#index = null;
    await this.#lock?.release();
    this.#lock = null;
    this.#opening = null;
  }

  backlog(): Backlog {
    const now = Date.now();
    const next = [...this.#retries.values(), ...(this.#diskFull ? [this.#diskFull] : [])].map((r) => r.nextAt).filter((t) => t > now);
    return {
      pending: this.#pending,
      failing: this.#retries.size,
      diskFull: this.#diskFull !== null,
      nextRetryAt: next.length > 0 ? new Date(Math.min(...next)).toISOString() : null,
    };
  }

  /** Audio archived by this archiver since it was made (a counter, for the archive rate in the backlog outlook). */
  archivedAudioSeconds(): number {
    return this.#archivedAudioMs / 1000;
  }

  /** One pass over the spool: archives every ready recording not backing off. */
  async processOnce(): Promise<PassResult> {
    await this.#open();
    const result: PassResult = { archived: [], failed: [], deferred: [] };
    const entries = await this.#scan();
    this.#pending = entries.length;
    const now = Date.now();
    // Lanes share one cursor: each takes the next entry when its recording is done, so a pool of N encodes N at once.
    let next = 0;
    const lane = async () => {
      while (next < entries.length) {
        const entry = entries[next++]!;
        if (this.#stopRequested) { result.deferred.push(entry.key); continue; }
        const retry = this.#retries.get(entry.key);
        // A full disk seen by any lane defers the rest: the disk is shared, no point trying the next recordings now.
        if ((this.#diskFull !== null && this.#diskFull.nextAt > now) || (retry !== undefined && retry.nextAt > now)) {
          result.deferred.push(entry.key);
          continue;
        }
        try {
          const id = await this.#archiveEntry(entry);
          this.#retries.delete(entry.key);
          this.#diskFull = null;
          this.#pending--;
          result.archived.push(id);
        } catch (err) {
          result.failed.push(this.#onFailure(entry, err));
        }
      }
    };
    const lanes = Math.max(1, Math.min(this.#o.encoder?.size ?? 1, entries.length));
    await Promise.all(Array.from({ length: lanes }, lane));
    return result;
  }

  /** Opens once; a failed attempt is forgotten, so the next call tries again (it used to keep the first failure). */
  async #open(): Promise<void> {
    if (this.#opening === null) {
      const attempt = this.#openOnce();
      this.#opening = attempt;
      attempt.catch(() => { if (this.#opening === attempt) this.#opening = null; });
    }
    return this.#opening;
  }

  async #openOnce(): Promise<void> {
    await checkStorageDir(this.#o.storageDir);
    const lock = await ArchiveLock.acquire(this.#layout.lockPath, this.#o.storageDir);
    this.#lock = lock;
    try {
      await ensurePrivateDir(this.#layout.recordingsDir);
      await ensurePrivateDir(this.#layout.tmpDir);
      this.#index = RecordingIndex.open(this.#layout.indexPath);
      await this.#clearTmp();
    } catch (err) {
      this.#index?.close();
      this.#index = null;
      await lock.release();
      this.#lock = null;
      throw err;
    }
  }

  /** Partial outputs of a crashed run: ciphertext or non-sensitive JSON, safe to drop and redo. */
  async #clearTmp(): Promise<void> {
    const names = await readdir(this.#layout.tmpDir);
    for (const n of names) await removeIfPresent(join(this.#layout.tmpDir, n));
    if (names.length > 0) {
      await fsyncDir(this.#layout.tmpDir);
      this.#log.info({ count: names.length }, 'archive: removed partial outputs of an interrupted run');
    }
  }

  async #scan(): Promise<SpoolEntry[]> {
    const names = await readdir(this.#o.spoolDir);
    const set = new Set(names);
    const entries: SpoolEntry[] = [];
    for (const n of names.sort()) {
      if (n.startsWith('.') || !n.endsWith('.json')) continue;
      const key = n.slice(0, -'.json'.length);
      // The call path names both files by the id; the JSON's `wav` field is checked against it later.
      entries.push({ key, jsonPath: join(this.#o.spoolDir, n), wavPath: join(this.#o.spoolDir, `${key}.wav`) });
    }
    const bf = this.#o.backfill;
    if (bf !== undefined) {
      const minAge = bf.minAgeMs ?? 60_000;
      for (const n of names.sort()) {
        if (n.startsWith('.') || !/\.wav$/i.test(n)) continue;
        const stem = n.slice(0, -4);
        // A WAV named like a recording id is the call path's: its JSON is on its way.
        if (RECORDING_ID.test(stem) || set.has(`${stem}.json`)) continue;
        const st = await stat(join(this.#o.spoolDir, n)).catch(() => null);
        if (st === null || !st.isFile() || Date.now() - st.mtimeMs < minAge) continue;
        entries.push({ key: n, jsonPath: null, wavPath: join(this.#o.spoolDir, n) });
      }
    }
    return entries;
  }

  #onFailure(entry: SpoolEntry, err: unknown): ArchiveFailure {
    const backoff = (attempts: number) => this.#backoff(attempts);
    if (isDiskFull(err)) {
      const attempts = (this.#diskFull?.attempts ?? 0) + 1;
      this.#diskFull = { attempts, nextAt: Date.now() + backoff(attempts) };
      const wrapped = new CallvaultError('CV_ERR_ARCHIVE_DISK_FULL', [entry.key], { cause: err });
      this.#log.error({ err: wrapped, recording: entry.key, attempts, retryInMs: backoff(attempts) }, 'archive: disk full, WAV kept');
      return { id: entry.key, code: wrapped.code, message: wrapped.message };
    }
    const attempts = (this.#retries.get(entry.key)?.attempts ?? 0) + 1;
    this.#retries.set(entry.key, { attempts, nextAt: Date.now() + backoff(attempts) });
    const code = isCallvaultError(err) ? err.code : 'CV_ERR_ARCHIVE_ENCODE';
    this.#log.error({ err, recording: entry.key, attempts, retryInMs: backoff(attempts) }, 'archive: recording failed, spool files kept');
    return { id: entry.key, code, message: err instanceof Error ? err.message : String(err) };
  }

  async #hook(step: ArchiveStep, id: string): Promise<void> {
    await this.#o.hooks?.step?.(step, id);
  }

  async #readMetadata(entry: SpoolEntry): Promise<SpoolMetadata> {
    if (entry.jsonPath === null) {
      const bf = this.#o.backfill!;
      const reader = await WavReader.open(entry.wavPath);
      const st = await stat(entry.wavPath);
      const meta = backfillMetadata({
        wavPath: entry.wavPath, endedAt: st.mtime, channels: reader.format.channels,
        durationMs: Math.round((reader.frames * 1000) / reader.format.sampleRate), line: bf.line, purpose: bf.purpose,
      });
      await reader.close();
      return meta;
    }
    let text: string;
    try {
      text = await readFile(entry.jsonPath, 'utf8');
    } catch (cause) {
      throw new CallvaultError('CV_ERR_ARCHIVE_META', [entry.key, 'cannot read the JSON'], { cause });
    }
    const meta = parseSpoolMetadata(text, entry.key);
    if (meta.recordingId !== entry.key) throw new CallvaultError('CV_ERR_ARCHIVE_META', [entry.key, `recordingId ${meta.recordingId} does not match the file name`]);
    return meta;
  }

  /** Archives one spool entry, resuming from wherever a previous run stopped. Returns the recording id. */
  async #archiveEntry(entry: SpoolEntry): Promise<string> {
    const index = this.#index!;
    const meta = await this.#readMetadata(entry);
    const id = meta.recordingId;
    const wavPath = join(this.#o.spoolDir, meta.wav);
    const log = this.#log.child({ recording: id });
    const finalPath = this.#layout.recordingPath(id);
    const sidecarPath = this.#layout.sidecarPath(id);

    // Resume 1: the row is there, so the file was durable before it; only the spool cleanup is left.
    const existing = index.getRecording(id);
    if (existing !== null) {
      const file = this.#layout.absolute(existing.file);
      const digest = await digestFile(file).catch((cause: unknown) => {
        throw new CallvaultError('CV_ERR_ARCHIVE_FILE_MISSING', [id, file], { cause });
      });
      if (digest.sha256 !== existing.sha256) throw new CallvaultError('CV_ERR_ARCHIVE_CORRUPT', [id, 'the encrypted file does not match its index row; spool files kept']);
      await this.#cleanup(entry, wavPath, id);
      log.info('archive: resumed, spool cleaned up');
      return id;
    }

    const recipients = checkRecipients(meta.purpose, this.#o.recipientsByPurpose[meta.purpose]);

    // Resume 2: file and sidecar are durable but the row is not: insert it from the sidecar.
    const done = await this.#readDurableSidecar(finalPath, sidecarPath, id);
    if (done !== null) {
      this.#insert(sidecarToRow(done, this.#layout.relative(finalPath), this.#deadline(meta)), 'resumed');
      await this.#hook('indexed', id);
      await this.#cleanup(entry, wavPath, id);
      log.info('archive: resumed from sidecar');
      return id;
    }

    // From scratch (or redo after a crash before the sidecar): encode and encrypt straight to a temporary file.
    const started = process.cpuUsage();
    const t0 = Date.now();
    const { stats, sha256, size } = await this.#encodeEncrypt(meta, wavPath, recipients, id);
    await this.#hook('encoded', id);
    await ensurePrivateDir(this.#layout.dirFor(id));
    await rename(this.#layout.tmpRecordingPath(id), finalPath);
    await fsyncDir(this.#layout.dirFor(id));
    await fsyncDir(this.#layout.tmpDir);
    await this.#hook('renamed', id);

    const agents = meta.agents?.map((a) => ({ agentHash: this.#o.hasher.hex('agent', a.agent), team: a.team, offsetMs: a.offsetMs }));
    const sidecar: RecordingSidecar = {
      ...(agents !== undefined ? { version: 2 as const, team: agents[0]?.team ?? null, agents } : { version: 1 as const }), id, pbx: meta.pbx, callId: meta.callId, linkedId: meta.linkedId, line: meta.line, purpose: meta.purpose,
      decision: meta.decision, consent: meta.consent, language: meta.language,
      callerHash: meta.caller === null ? null : this.#o.hasher.hex('caller', meta.caller),
      agentHash: meta.agent === null ? null : this.#o.hasher.hex('agent', meta.agent),
      startedAt: new Date(meta.startedAt).toISOString(), endedAt: new Date(meta.endedAt).toISOString(),
      durationMs: stats.durationMs, channels: stats.channels, sampleRate: stats.sampleRate,
      bitrateBps: encoderBitrate(this.#o.bitrateBps ?? DEFAULT_BITRATE_BPS, stats.channels), sizeBytes: size, sha256, recipients, pauses: meta.pauses,
      file: finalPath.slice(this.#layout.dirFor(id).length + 1), archivedAt: this.#now().toISOString(),
    };
    await writeFileDurable(sidecarPath, JSON.stringify(sidecar, null, 2) + '\n', join(this.#layout.tmpDir, `${id}.json.tmp`));
    await this.#hook('sidecar', id);

    this.#insert(sidecarToRow(sidecar, this.#layout.relative(finalPath), this.#deadline(meta)), 'archived');
    await this.#hook('indexed', id);
    await this.#cleanup(entry, wavPath, id);
    this.#archivedAudioMs += stats.durationMs;
    const cpu = process.cpuUsage(started);
    log.info({ durationMs: stats.durationMs, bytes: size, cpuMs: Math.round((cpu.user + cpu.system) / 1000), wallMs: Date.now() - t0 }, 'archive: recording archived');
    return id;
  }

  async #readDurableSidecar(finalPath: string, sidecarPath: string, id: string): Promise<RecordingSidecar | null> {
    let text: string;
    try {
      text = await readFile(sidecarPath, 'utf8');
    } catch {
      return null;
    }
    try {
      const sidecar = parseSidecar(text, id);
      const digest = await digestFile(finalPath);
      if (sidecar.id === id && digest.sha256 === sidecar.sha256 && digest.size === sidecar.sizeBytes) return sidecar;
    } catch {
      // A sidecar that does not describe the file on disk is redone from the WAV below.
    }
    return null;
  }

  #deadline(meta: SpoolMetadata): string {
    const endedAt = new Date(meta.endedAt);
    const d = this.#o.retentionDeadline?.(meta.purpose, endedAt) ?? policyDeadline(meta.purpose, endedAt, this.#o.retentionDays);
    return d.toISOString();
  }

  #insert(row: NewRecording, how: string): void {
    this.#index!.insertRecordingWithAudit(row, {
      actor: 'archiver', action: 'archive', recordingId: row.id,
      details: { sha256: row.sha256, sizeBytes: row.sizeBytes, file: row.file, how },
      at: this.#now(),
    });
  }

  async #encodeEncrypt(meta: SpoolMetadata, wavPath: string, recipients: string[], id: string): Promise<EncodeResult> {
    const comments: [string, string][] = [['ENCODER', 'callvault'], ['CALLVAULT_ID', id]];
    if (meta.caller !== null) comments.push(['CALLVAULT_CALLER', meta.caller]);
    if (meta.agent !== null) comments.push(['CALLVAULT_AGENT', meta.agent]);
    // The whole spool metadata, clear numbers included: only the key holders can read it.
    comments.push(['CALLVAULT_METADATA', canonicalJson(meta)]);
    const job: EncodeJob = {
      id, wavPath, wavName: meta.wav, tmpPath: this.#layout.tmpRecordingPath(id), recipients,
      bitrateBps: this.#o.bitrateBps, complexity: this.#o.complexity, vendor: VENDOR, comments,
    };
    const encoder = this.#o.encoder;
    // The 'encoding' hook needs the first bytes on disk: only the in-thread path can call it then; the pool calls it after.
    const result = encoder === undefined ? await runEncodeJob(job, () => this.#hook('encoding', id)) : await encoder.encode(job);
    if (encoder !== undefined) await this.#hook('encoding', id);
    if (meta.channels !== result.stats.channels) {
      this.#log.warn({ recording: id, metadata: meta.channels, wav: result.stats.channels }, 'archive: channel count differs from the metadata; the WAV wins');
    }
    return result;
  }

  /** Removes the WAV, then the JSON (the readiness marker goes last, so a crash in between resumes here). */
  async #cleanup(entry: SpoolEntry, wavPath: string, id: string): Promise<void> {
    await removeIfPresent(wavPath);
    await fsyncDir(this.#o.spoolDir);
    await this.#hook('wav-deleted', id);
    if (entry.jsonPath !== null) {
      await removeIfPresent(entry.jsonPath);
      await fsyncDir(this.#o.spoolDir);
    }
    await this.#hook('done', id);
  }
}
