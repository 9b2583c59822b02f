/**
 * Runs the Archiver in a worker thread, so that Opus encoding (seconds of CPU
 * per hour of audio) never delays the daemon's event loop, which answers the
 * PBX. The daemon does:
 *
 *   const worker = new ArchiverWorker({ spoolDir, storageDir, recipientsByPurpose,
 *     hashKeyFile, retentionDays, bitrateBps });
 *   await worker.start();      // resolves once the storage is checked and locked
 *   worker.backlog();          // last figures the worker reported (for /metrics)
 *   await worker.stop();       // finishes the recording in progress
 *
 * Options cross the thread boundary as plain data: the worker opens the hash
 * key file itself (a KeyedHasher and a logger cannot be transferred) and logs
 * with its own pino logger to the same stdout.
 */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CallvaultError, type ErrorCode } from '../errors.js';
import type { Purpose } from '../policy/purpose.js';
import type { Backlog } from './archiver.js';

export interface ArchiverWorkerOptions {
  spoolDir: string;
  storageDir: string;
  recipientsByPurpose: Partial<Record<Purpose, string[]>>;
  hashKeyFile: string;
  retentionDays: Record<Purpose, number>;
  bitrateBps?: number;
  complexity?: number;
  pollIntervalMs?: number;
  logLevel?: string;
}

type ToWorker = { type: 'stop' };
type FromWorker =
  | { type: 'started' }
  | { type: 'start-failed'; code: string | null; message: string; hint: string | null }
  | { type: 'backlog'; backlog: Backlog }
  | { type: 'stopped' };

const MARK = 'callvault-archiver';

export class ArchiverWorker {
  readonly #options: ArchiverWorkerOptions;
  #worker: Worker | null = null;
  #backlog: Backlog = { pending: 0, failing: 0, diskFull: false, nextRetryAt: null };

  constructor(options: ArchiverWorkerOptions) {
    this.#options = options;
  }

  backlog(): Backlog {
    return this.#backlog;
  }

  async start(): Promise<void> {
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
    await new Promise<void>((resolve, reject) => {
      const onMessage = (m: FromWorker) => {
        if (m.type === 'started') { resolve(); return; }
        if (m.type === 'start-failed') {
          const err = m.code !== null ? new CallvaultError(m.code as ErrorCode, [], { hint: m.hint ?? undefined }) : new Error(m.message);
          Object.defineProperty(err, 'message', { value: m.message });
          reject(err);
        }
        if (m.type === 'backlog') this.#backlog = m.backlog;
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`archiver worker exited with code ${code} before starting`)));
    });
  }

  async stop(): Promise<void> {
    const worker = this.#worker;
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
  let timer: NodeJS.Timeout | null = null;
  try {
    archiver = new Archiver({
      spoolDir: options.spoolDir, storageDir: options.storageDir, recipientsByPurpose: options.recipientsByPurpose,
      hasher: KeyedHasher.fromFile(options.hashKeyFile), retentionDays: options.retentionDays,
      bitrateBps: options.bitrateBps, complexity: options.complexity, pollIntervalMs: options.pollIntervalMs,
      logger: createLogger({ level: options.logLevel, pretty: false }).child({ component: 'archiver' }),
    });
    await archiver.start();
  } catch (err) {
    const e = err as { code?: string; message?: string; hint?: string };
    post({ type: 'start-failed', code: err instanceof CallvaultError ? e.code ?? null : null, message: e.message ?? String(err), hint: e.hint ?? null });
    return;
  }
  timer = setInterval(() => post({ type: 'backlog', backlog: archiver.backlog() }), 1000);
  post({ type: 'started' });
  port.on('message', (m: ToWorker) => {
    if (m.type !== 'stop') return;
    if (timer !== null) clearInterval(timer);
    void archiver.stop().finally(() => post({ type: 'stopped' }));
  });
}

if (!isMainThread && typeof workerData === 'object' && workerData !== null && MARK in workerData) {
  void runInWorker((workerData as Record<string, ArchiverWorkerOptions>)[MARK]!);
}
