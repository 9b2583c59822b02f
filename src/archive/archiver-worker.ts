/**
 * Runs the Archiver in its own process, at a lower scheduling priority than
 * the daemon, with a pool of encode threads (encode-pool.ts) sized from the
 * host's cores: Opus encoding (seconds of CPU per hour of audio) uses the
 * idle cores and yields them to the call path, which answers the PBX. The
 * daemon does:
 *
 *   const worker = new ArchiverWorker({ spoolDir, storageDir, recipientsByPurpose,
 *     hashKeyFile, retentionDays, bitrateBps, workers, nice });
 *   await worker.start();      // resolves once the archiver made its first attempt to open the storage
 *   worker.state();            // running, or retrying and why (for status and /healthz)
 *   worker.backlog();          // last figures the process reported (for /metrics)
 *   await worker.stop();       // finishes the recordings in progress
 *
 * A process, not a worker thread: the nice value is what the kernel
 * schedules by, and Node cannot renice a thread portably (on Linux
 * setpriority() on the process id reaches one thread only; elsewhere it
 * would renice the daemon too). The process lowers its own priority first
 * thing, before it starts the pool, so the pool's threads inherit it.
 * docs/decisions.md ("Archiver pool") says why.
 *
 * The guarantees stay those of one Archiver: the process holds the storage
 * lock (archive-lock.ts) for all its threads, and the kernel drops it when
 * the process dies; a daemon that dies closes the IPC channel, and the
 * process then finishes what it has in flight and exits, so no archiver
 * outlives its daemon. start() does not fail when the archiver cannot open
 * the storage (lock held, permissions): the archiver retries with backoff,
 * and a process that dies is started again with backoff, so that the
 * archive never stays dead while the daemon takes calls (issue 12).
 *
 * Options cross as plain data: the process opens the hash key file itself
 * and logs with its own pino logger to the same stdout.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { availableParallelism, setPriority } from 'node:os';
import { fileURLToPath } from 'node:url';
import { CallvaultError } from '../errors.js';
import type { Purpose } from '../policy/purpose.js';
import type { ArchiverState, Backlog } from './archiver.js';
import type { SpoolOutlook, SpoolSample } from '../ops/spool-outlook.js';
import { applyArchiverScheduling, type ArchiverScheduling } from './archiver-scheduling.js';

export interface ArchiverWorkerOptions {
  spoolDir: string;
  storageDir: string;
  recipientsByPurpose: Partial<Record<Purpose, string[]>>;
  hashKeyFile: string;
  retentionDays: Record<Purpose, number>;
  bitrateBps?: number;
  complexity?: number;
  pollIntervalMs?: number;
  /** Longest wait between attempts to open the storage or restart the thread. Default 5 min. */
  maxBackoffMs?: number;
  logLevel?: string;
  /** Encode threads. Default: one per core the host offers (os.availableParallelism()). */
  workers?: number;
  /** How often the spool is sampled for the backlog outlook. Default 5 s. */
  sampleEveryMs?: number;
  /** Nice value of the archiver process, 0-19 (19 = lowest priority). Default 10. */
  nice?: number;
  /** `idle` (default): SCHED_IDLE on Linux, the nice value where that fails; `nice`: the nice value only. */
  scheduling?: ArchiverScheduling;
}

export const DEFAULT_ARCHIVER_NICE = 10;

/** The pool size the daemon uses when the config does not say: every core, since the pool only gets what the call path leaves. */
export function defaultWorkers(): number {
  return availableParallelism();
}

type ToWorker = { type: 'init'; options: ArchiverWorkerOptions } | { type: 'stop' };
type FromWorker =
  | { type: 'state'; state: ArchiverState; backlog: Backlog; pid: number; threads: number[]; outlook: SpoolOutlook | null; scheduling: ArchiverScheduling }
  | { type: 'start-failed'; code: string | null; message: string; hint: string | null }
  | { type: 'stopped' };

const MARK = 'CALLVAULT_ARCHIVER_PROCESS';

export class ArchiverWorker {
  readonly #options: ArchiverWorkerOptions;
  #worker: ChildProcess | null = null;
  #threads: number[] = [];
  #scheduling: ArchiverScheduling | null = null;
  #backlog: Backlog = { pending: 0, failing: 0, diskFull: false, nextRetryAt: null };
  #outlook: SpoolOutlook | null = null;
  #state: ArchiverState = { kind: 'starting' };
  #restarts = 0;
  #respawn: NodeJS.Timeout | null = null;
  #stopping = false;

  constructor(options: ArchiverWorkerOptions) {
    this.#options = options;
  }

  backlog(): Backlog {
    return this.#backlog;
  }

  state(): ArchiverState {
    return this.#state;
  }

  /** Where the spool is heading (backlog, growth, drain, disk), from the archiver process's samples; null before the first. */
  outlook(): SpoolOutlook | null {
    return this.#outlook;
  }

  /** The archiver process id and its encode threads' ids (Linux), as last reported; for tests and the bench. */
  /** The archiver process, its encode threads, and the scheduling it runs under (null before its first report). */
  processInfo(): { pid: number | null; threads: number[]; scheduling: ArchiverScheduling | null } {
    return { pid: this.#worker?.pid ?? null, threads: this.#threads, scheduling: this.#scheduling };
  }

  async start(): Promise<void> {
    this.#stopping = false;
    await this.#spawn();
  }

  /** Starts the process; resolves at its first state report, or when it failed and a restart is scheduled. */
  #spawn(): Promise<void> {
    // Under tsx (tests, development) this module is .ts; built, it is .js: start whichever we are.
    const self = fileURLToPath(import.meta.url);
    const worker = fork(self, [], {
      execArgv: self.endsWith('.ts') ? ['--import', 'tsx'] : [],
      env: { ...process.env, [MARK]: '1' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'advanced',
    });
    this.#worker = worker;
    worker.send({ type: 'init', options: this.#options } satisfies ToWorker);
    return new Promise<void>((resolve) => {
      let failure: { code: string | null; message: string; hint: string | null } | null = null;
      worker.on('message', (m: FromWorker) => {
        if (m.type === 'state') {
          this.#state = m.state;
          this.#backlog = m.backlog;
          this.#threads = m.threads;
          this.#scheduling = m.scheduling;
          this.#outlook = m.outlook;
          if (m.state.kind === 'running') this.#restarts = 0;
          resolve();
        } else if (m.type === 'start-failed') {
          failure = { code: m.code, message: m.message, hint: m.hint };
        }
      });
      worker.once('error', (err) => { failure = { code: null, message: err.message, hint: null }; });
      worker.once('exit', (code, signal) => {
        if (this.#worker === worker) this.#worker = null;
        if (!this.#stopping) this.#scheduleRespawn(failure ?? { code: null, message: `archiver process exited with ${signal ?? `code ${code}`}`, hint: null });
        resolve();
      });
    });
  }

  #scheduleRespawn(failure: { code: string | null; message: string; hint: string | null }): void {
    const attempts = ++this.#restarts;
    const delay = Math.min(this.#options.maxBackoffMs ?? 300_000, 1000 * 2 ** Math.min(attempts - 1, 20));
    this.#state = { kind: 'retrying', attempts, ...failure, nextAttemptAt: new Date(Date.now() + delay).toISOString() };
    this.#respawn = setTimeout(() => { this.#respawn = null; void this.#spawn(); }, delay);
    this.#respawn.unref();
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    if (this.#respawn !== null) clearTimeout(this.#respawn);
    this.#respawn = null;
    const worker = this.#worker;
    this.#state = { kind: 'stopped' };
    if (worker === null) return;
    this.#worker = null;
    await new Promise<void>((resolve) => {
      if (worker.exitCode !== null || worker.signalCode !== null) { resolve(); return; }
      worker.once('exit', () => resolve());
      worker.on('message', (m: FromWorker) => { if (m.type === 'stopped' && worker.connected) worker.disconnect(); });
      worker.send({ type: 'stop' } satisfies ToWorker);
    });
  }
}

async function runInProcess(options: ArchiverWorkerOptions): Promise<void> {
  // First, before any thread of the pool exists: the threads inherit this priority (Linux), the process has it (elsewhere).
  setPriority(options.nice ?? DEFAULT_ARCHIVER_NICE);
  const scheduling = applyArchiverScheduling(options.scheduling ?? 'idle');
  const post = (m: FromWorker) => { if (process.connected) process.send!(m); };
  const [{ Archiver }, { EncodePool }, { KeyedHasher }, { createLogger }, { SpoolSampler }, { spoolOutlook }] = await Promise.all([
    import('./archiver.js'), import('./encode-pool.js'), import('../privacy/keyed-hash.js'), import('../log/logger.js'),
    import('./spool-sampler.js'), import('../ops/spool-outlook.js'),
  ]);
  const log = createLogger({ level: options.logLevel, pretty: false }).child({ component: 'archiver' });
  if (scheduling.kind === 'idle') log.info({ scheduling: 'SCHED_IDLE' }, 'archiver: runs only on CPU the call path leaves');
  else if (scheduling.why === 'idle-refused') {
    log.warn({ error: scheduling.error, nice: options.nice ?? DEFAULT_ARCHIVER_NICE }, 'archiver: SCHED_IDLE refused, running at the nice value only; install util-linux (chrt) or set archive.scheduling: nice');
  }
  const pool = new EncodePool(options.workers ?? defaultWorkers());
  await pool.warm();
  let archiver: InstanceType<typeof Archiver>;
  try {
    archiver = new Archiver({
      spoolDir: options.spoolDir, storageDir: options.storageDir, recipientsByPurpose: options.recipientsByPurpose,
      hasher: KeyedHasher.fromFile(options.hashKeyFile), retentionDays: options.retentionDays,
      bitrateBps: options.bitrateBps, complexity: options.complexity, pollIntervalMs: options.pollIntervalMs,
      maxBackoffMs: options.maxBackoffMs, encoder: pool,
      logger: log,
    });
  } catch (err) {
    // Nothing to retry inside the process (the hash key is read once): the parent restarts it with backoff.
    const e = err as { code?: string; message?: string; hint?: string };
    post({ type: 'start-failed', code: err instanceof CallvaultError ? e.code ?? null : null, message: e.message ?? String(err), hint: e.hint ?? null });
    await pool.close();
    process.disconnect();
    return;
  }
  let stopping: Promise<void> | null = null;
  let timer: NodeJS.Timeout | undefined;
  const stop = () => {
    stopping ??= (async () => {
      clearInterval(timer);
      await archiver.stop();
      await pool.close();
      post({ type: 'stopped' });
      if (process.connected) process.disconnect();
      // Nothing should be left to keep the process alive; if something is, do not linger past the daemon.
      setTimeout(() => process.exit(0), 2000).unref();
    })();
    return stopping;
  };
  onStop = () => void stop();
  if (!process.connected) onStop(); // the daemon went while this process was loading
  // Retries opening by itself; the first report says whether it is running or why not.
  await archiver.start();
  // The spool is sampled every few seconds, a quarter of an hour kept: enough for a trend, small to send each second.
  const sampler = new SpoolSampler(options.spoolDir, options.storageDir);
  const samples: SpoolSample[] = [];
  let outlook: SpoolOutlook | null = null;
  let sampledAt = 0;
  let sampling = false;
  const sample = async () => {
    if (sampling || Date.now() - sampledAt < (options.sampleEveryMs ?? 5000)) return;
    sampling = true;
    try {
      samples.push(await sampler.sample(archiver.archivedAudioSeconds(), Date.now()));
      sampledAt = Date.now();
      while (samples.length > 0 && samples[0]!.atMs < sampledAt - 15 * 60_000) samples.shift();
      outlook = spoolOutlook(samples);
    } finally {
      sampling = false;
    }
  };
  const report = () => post({ type: 'state', state: archiver.state(), backlog: archiver.backlog(), pid: process.pid, threads: pool.threadIds(), outlook, scheduling: scheduling.kind });
  await sample().catch(() => undefined);
  report();
  if (stopping === null) timer = setInterval(() => { void sample().catch(() => undefined); report(); }, 1000);
}

let onStop: (() => void) | null = null;
if (process.env[MARK] === '1' && process.send !== undefined) {
  // One listener for the process's life: it also keeps the IPC channel, and so the process, alive while modules load.
  process.on('message', (m: ToWorker) => {
    if (m.type === 'init') void runInProcess(m.options);
    // Before the archiver exists nothing is in flight: leaving is enough (the kernel drops a lock being taken).
    else if (m.type === 'stop') (onStop ?? (() => process.exit(0)))();
  });
  // A daemon that dies (killed by its watchdog, SIGKILL) closes the channel: finish what is in flight and go, never outlive it.
  process.once('disconnect', () => (onStop ?? (() => process.exit(0)))());
}
