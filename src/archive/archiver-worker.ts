/**
 * Runs the Archiver in a worker thread, so that Opus encoding (seconds of CPU
 * per hour of audio) never delays the daemon's event loop, which answers the
 * PBX. The daemon does:
 *
 *   const worker = new ArchiverWorker({ spoolDir, storageDir, recipientsByPurpose,
 *     hashKeyFile, retentionDays, bitrateBps });
 *   await worker.start();      // resolves once the archiver made its first attempt to open the storage
 *   worker.state();            // running, or retrying and why (for status and /healthz)
 *   worker.backlog();          // last figures the worker reported (for /metrics)
 *   await worker.stop();       // finishes the recording in progress
 *
 * start() does not fail when the archiver cannot open the storage (lock held,
 * permissions): the archiver retries with backoff, and a worker thread that
 * dies is started again with backoff, so that the archive never stays dead
 * while the daemon takes calls (issue 12). `state()` tells the daemon.
 *
 * Options cross the thread boundary as plain data: the worker opens the hash
 * key file itself (a KeyedHasher and a logger cannot be transferred) and logs
 * with its own pino logger to the same stdout.
 */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CallvaultError } from '../errors.js';
import type { Purpose } from '../policy/purpose.js';
import type { ArchiverState, Backlog } from './archiver.js';

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
}

type ToWorker = { type: 'stop' };
type FromWorker =
  | { type: 'state'; state: ArchiverState; backlog: Backlog }
  | { type: 'start-failed'; code: string | null; message: string; hint: string | null }
  | { type: 'stopped' };

const MARK = 'callvault-archiver';

export class ArchiverWorker {
  readonly #options: ArchiverWorkerOptions;
  #worker: Worker | null = null;
  #backlog: Backlog = { pending: 0, failing: 0, diskFull: false, nextRetryAt: null };
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

  async start(): Promise<void> {
    this.#stopping = false;
    await this.#spawn();
  }

  /** Starts the thread; resolves at its first state report, or when it failed and a restart is scheduled. */
  #spawn(): Promise<void> {
    // Under tsx (tests, development) this module is .ts; built, it is .js: start whichever we are.
    const self = fileURLToPath(import.meta.url);
    const workerData = { [MARK]: this.#options };
    let worker: Worker;
    if (self.endsWith('.ts')) {
      // Under tsx the loader's hooks do not follow into a worker: register them there first (development and tests only).
      const tsx = import.meta.resolve('tsx/esm/api');
      const boot = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(pathToFileURL(self).href)}); })`;
      worker = new Worker(boot, { eval: true, workerData });
    } else {
      worker = new Worker(self, { workerData });
    }
    this.#worker = worker;
    return new Promise<void>((resolve) => {
      let failure: { code: string | null; message: string; hint: string | null } | null = null;
      worker.on('message', (m: FromWorker) => {
        if (m.type === 'state') {
          this.#state = m.state;
          this.#backlog = m.backlog;
          if (m.state.kind === 'running') this.#restarts = 0;
          resolve();
        } else if (m.type === 'start-failed') {
          failure = { code: m.code, message: m.message, hint: m.hint };
        }
      });
      worker.once('error', (err) => { failure = { code: null, message: err.message, hint: null }; });
      worker.once('exit', (code) => {
        if (this.#worker === worker) this.#worker = null;
        if (!this.#stopping) this.#scheduleRespawn(failure ?? { code: null, message: `archiver worker exited with code ${code}`, hint: null });
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
      worker.once('exit', () => resolve());
      worker.on('message', (m: FromWorker) => { if (m.type === 'stopped') void worker.terminate(); });
      worker.postMessage({ type: 'stop' } satisfies ToWorker);
    });
  }
}

async function runInWorker(options: ArchiverWorkerOptions): Promise<void> {
  const port = parentPort!;
  const post = (m: FromWorker) => port.postMessage(m);
  const [{ Archiver }, { KeyedHasher }, { createLogger }] = await Promise.all([
    import('./archiver.js'), import('../privacy/keyed-hash.js'), import('../log/logger.js'),
  ]);
  let archiver: InstanceType<typeof Archiver>;
  try {
    archiver = new Archiver({
      spoolDir: options.spoolDir, storageDir: options.storageDir, recipientsByPurpose: options.recipientsByPurpose,
      hasher: KeyedHasher.fromFile(options.hashKeyFile), retentionDays: options.retentionDays,
      bitrateBps: options.bitrateBps, complexity: options.complexity, pollIntervalMs: options.pollIntervalMs,
      maxBackoffMs: options.maxBackoffMs,
      logger: createLogger({ level: options.logLevel, pretty: false }).child({ component: 'archiver' }),
    });
  } catch (err) {
    // Nothing to retry inside the thread (the hash key is read once): the parent restarts it with backoff.
    const e = err as { code?: string; message?: string; hint?: string };
    post({ type: 'start-failed', code: err instanceof CallvaultError ? e.code ?? null : null, message: e.message ?? String(err), hint: e.hint ?? null });
    return;
  }
  // Retries opening by itself; the first report says whether it is running or why not.
  await archiver.start();
  const report = () => post({ type: 'state', state: archiver.state(), backlog: archiver.backlog() });
  report();
  const timer = setInterval(report, 1000);
  port.on('message', (m: ToWorker) => {
    if (m.type !== 'stop') return;
    clearInterval(timer);
    void archiver.stop().finally(() => post({ type: 'stopped' }));
  });
}

if (!isMainThread && typeof workerData === 'object' && workerData !== null && MARK in workerData) {
  void runInWorker((workerData as Record<string, ArchiverWorkerOptions>)[MARK]!);
}
