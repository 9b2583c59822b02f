/**
 * A pool of worker threads that run encode jobs (encode-job.ts), so that the
 * archiver uses every core the host gives it. The pool lives inside the
 * archiver's process (archiver-worker.ts), which runs at a lower scheduling
 * priority than the daemon: on Linux a thread inherits the nice value of the
 * thread that creates it, so the pool's threads are started only after the
 * process has lowered its own priority (docs/decisions.md, "Archiver pool").
 *
 * A thread that dies (native abort, out of memory) fails its job, which the
 * archiver retries with backoff like any failed recording, and is replaced
 * at the next job. Everything a job writes is a temporary file the archiver
 * clears on start, so a thread dying mid-job loses nothing.
 */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CallvaultError, type ErrorCode } from '../errors.js';
import type { EncodeJob, EncodeResult } from './encode-job.js';

/** What runs encode jobs for the archiver: in its own thread, or in a pool. */
export interface Encoder {
  /** How many jobs it runs at once; the archiver keeps that many recordings in flight. */
  readonly size: number;
  encode(job: EncodeJob): Promise<EncodeResult>;
  close(): Promise<void>;
}

/** An error as it crosses the thread boundary: enough for isDiskFull() and the CallvaultError codes. */
interface WireError {
  message: string;
  code: string | null;
  callvault: boolean;
  hint: string | null;
  causeCode: string | null;
}

type FromThread =
  | { type: 'done'; result: EncodeResult }
  | { type: 'failed'; error: WireError }
  | { type: 'tid'; tid: number | null };

function toWire(err: unknown): WireError {
  const e = err as { message?: unknown; code?: unknown; hint?: unknown; cause?: { code?: unknown } };
  return {
    message: typeof e.message === 'string' ? e.message : String(err),
    code: typeof e.code === 'string' ? e.code : null,
    callvault: err instanceof CallvaultError,
    hint: typeof e.hint === 'string' ? e.hint : null,
    causeCode: typeof e.cause?.code === 'string' ? e.cause.code : null,
  };
}

function fromWire(w: WireError): Error {
  const cause = w.causeCode === null ? undefined : Object.assign(new Error(w.causeCode), { code: w.causeCode });
  if (w.callvault && w.code !== null) {
    const err = new CallvaultError(w.code as ErrorCode, [], { cause, hint: w.hint ?? undefined });
    err.message = w.message;
    return err;
  }
  return Object.assign(new Error(w.message, cause === undefined ? undefined : { cause }), w.code === null ? {} : { code: w.code });
}

const MARK = 'callvault-encode-thread';

interface Slot {
  worker: Worker;
  busy: boolean;
  tid: number | null;
}

interface Queued {
  job: EncodeJob;
  resolve: (r: EncodeResult) => void;
  reject: (e: Error) => void;
}

export class EncodePool implements Encoder {
  readonly size: number;
  readonly #slots: Slot[] = [];
  readonly #queue: Queued[] = [];
  #closed = false;

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`encode pool size must be a positive integer, got ${size}`);
    this.size = size;
  }

  /** The OS thread ids of the live threads (Linux, for the priority test and `ps -L`). */
  threadIds(): number[] {
    return this.#slots.map((s) => s.tid).filter((t): t is number => t !== null);
  }

  /** Starts every thread now rather than at the first jobs (so their priority can be checked). */
  async warm(): Promise<void> {
    while (this.#slots.length < this.size) this.#slots.push(this.#spawn());
    await Promise.all(this.#slots.map((s) => s.tid !== null ? undefined : new Promise<void>((resolve) => {
      const on = (m: FromThread) => { if (m.type === 'tid') { s.worker.off('message', on); resolve(); } };
      s.worker.on('message', on);
    })));
  }

  encode(job: EncodeJob): Promise<EncodeResult> {
    if (this.#closed) return Promise.reject(new Error('encode pool closed'));
    return new Promise<EncodeResult>((resolve, reject) => {
      this.#queue.push({ job, resolve, reject });
      this.#dispatch();
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const q of this.#queue.splice(0)) q.reject(new Error('encode pool closed'));
    await Promise.all(this.#slots.splice(0).map((s) => s.worker.terminate()));
  }

  #spawn(): Slot {
    const self = fileURLToPath(import.meta.url);
    const data = { [MARK]: true };
    let worker: Worker;
    if (self.endsWith('.ts')) {
      // Under tsx the loader's hooks do not follow into a worker: register them there first (development and tests only).
      const tsx = import.meta.resolve('tsx/esm/api');
      const boot = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(pathToFileURL(self).href)}); })`;
      worker = new Worker(boot, { eval: true, workerData: data });
    } else {
      worker = new Worker(self, { workerData: data });
    }
    const slot: Slot = { worker, busy: false, tid: null };
    worker.on('message', (m: FromThread) => { if (m.type === 'tid') slot.tid = m.tid; });
    worker.unref();
    return slot;
  }

  #dispatch(): void {
    while (this.#queue.length > 0) {
      let slot = this.#slots.find((s) => !s.busy);
      if (slot === undefined && this.#slots.length < this.size) {
        slot = this.#spawn();
        this.#slots.push(slot);
      }
      if (slot === undefined) return;
      this.#run(slot, this.#queue.shift()!);
    }
  }

  #run(slot: Slot, q: Queued): void {
    slot.busy = true;
    const { worker } = slot;
    worker.ref(); // a job in flight keeps the process alive; an idle thread does not

    const finish = () => {
      worker.off('message', onMessage);
      worker.off('exit', onExit);
      worker.off('error', onError);
      worker.unref();
      slot.busy = false;
    };
    let threadError: Error | null = null;
    const onMessage = (m: FromThread) => {
      if (m.type === 'tid') return;
      finish();
      if (m.type === 'done') q.resolve(m.result);
      else q.reject(fromWire(m.error));
      this.#dispatch();
    };
    const onError = (err: Error) => { threadError = err; };
    const onExit = (code: number) => {
      finish();
      const i = this.#slots.indexOf(slot);
      if (i >= 0) this.#slots.splice(i, 1); // replaced at the next dispatch
      q.reject(new Error(`encode thread exited with code ${code} while encoding ${q.job.id}`, threadError === null ? undefined : { cause: threadError }));
      if (!this.#closed) this.#dispatch();
    };
    worker.on('message', onMessage);
    worker.once('exit', onExit);
    worker.once('error', onError);
    worker.postMessage(q.job);
  }
}

/** Linux: this thread's id, from /proc/thread-self; null elsewhere. */
async function threadId(): Promise<number | null> {
  try {
    const { readlinkSync } = await import('node:fs');
    return Number(readlinkSync('/proc/thread-self').split('/').pop());
  } catch {
    return null;
  }
}

async function runInThread(): Promise<void> {
  const port = parentPort!;
  const { runEncodeJob } = await import('./encode-job.js');
  port.postMessage({ type: 'tid', tid: await threadId() } satisfies FromThread);
  port.on('message', (job: EncodeJob) => {
    runEncodeJob(job).then(
      (result) => port.postMessage({ type: 'done', result } satisfies FromThread),
      (err: unknown) => port.postMessage({ type: 'failed', error: toWire(err) } satisfies FromThread),
    );
  });
}

if (!isMainThread && typeof workerData === 'object' && workerData !== null && MARK in workerData) {
  void runInThread();
}
