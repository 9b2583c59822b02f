/**
 * The daily retention purge inside the daemon, at ops.purgeAt local time.
 * The clock is injected so that tests run a day in milliseconds. Timers are
 * capped at an hour and re-armed, so that a suspended host, a clock step or
 * a DST change only delays the run until the next check instead of skipping
 * a day. A daemon that was down at ops.purgeAt (maintenance every night at
 * that hour would otherwise mean no purge ever) catches up: when the last
 * run is more than a day old, the first run comes a few minutes after
 * start. A run that fails is logged and the next day's run happens anyway;
 * stop() waits for a run in progress, which stops between two recordings.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../log/logger.js';
import { silentLogger } from '../log/logger.js';
import type { ResolvedConfig } from '../config/index.js';
import { StorageLayout } from '../archive/storage-layout.js';
import { openIndex } from './open-index.js';
import { purgeDue, type PurgeReport } from './purge.js';

export interface SchedulerClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: SchedulerClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => { const t = setTimeout(fn, ms); t.unref(); return t; },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

const MAX_TIMER_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** A run counts as missed once the last one is this old (a day, plus slack for a late start). */
const MISSED_AFTER_MS = DAY_MS + 3_600_000;

/** The first instant at `hhmm` local time strictly after `now`. */
export function nextDailyRun(now: Date, hhmm: string): Date {
  const m = /^(\d{2}):(\d{2})$/.exec(hhmm);
  if (m === null || Number(m[1]) > 23 || Number(m[2]) > 59) throw new RangeError(`not a HH:MM time: ${hhmm}`);
  const at = new Date(now.getFullYear(), now.getMonth(), now.getDate(), Number(m[1]), Number(m[2]), 0, 0);
  if (at.getTime() <= now.getTime()) at.setDate(at.getDate() + 1);
  return at;
}

export interface PurgeSchedulerOptions {
  /** HH:MM local (ops.purgeAt). */
  at: string;
  /** One purge; the signal aborts it between recordings when the scheduler stops. */
  run: (signal: AbortSignal) => Promise<PurgeReport>;
  clock?: SchedulerClock;
  logger?: Logger;
  /** Told after each run (metrics, status). */
  onRun?: (report: PurgeReport | null, error: unknown) => void;
  /** When the last purge ran, as the caller persisted it; with it, a missed day is caught up after start. */
  lastRunAt?: () => Date | null;
  /** Delay of a catch-up run after start (default 5 min: let the PBX link settle first). */
  catchUpDelayMs?: number;
}

/** Where forConfig keeps the time of the last completed purge. */
export function lastPurgePath(storageDir: string): string {
  return join(storageDir, 'run', 'last-purge.json');
}

function readLastPurge(storageDir: string): Date | null {
  try {
    const at = (JSON.parse(readFileSync(lastPurgePath(storageDir), 'utf8')) as { at?: unknown }).at;
    const d = typeof at === 'string' ? new Date(at) : null;
    return d !== null && !Number.isNaN(d.getTime()) ? d : null;
  } catch {
    return null;
  }
}

function writeLastPurge(storageDir: string, at: Date): void {
  const path = lastPurgePath(storageDir);
  mkdirSync(join(storageDir, 'run'), { recursive: true, mode: 0o700 });
  writeFileSync(`${path}.tmp`, JSON.stringify({ at: at.toISOString() }) + '\n', { mode: 0o600 });
  renameSync(`${path}.tmp`, path);
}

export class PurgeScheduler {
  readonly #o: PurgeSchedulerOptions;
  readonly #clock: SchedulerClock;
  readonly #log: Logger;
  #timer: unknown = null;
  #next: Date | null = null;
  #running: Promise<void> | null = null;
  #abort: AbortController | null = null;
  #stopped = true;
  #lastReport: PurgeReport | null = null;

  constructor(options: PurgeSchedulerOptions) {
    nextDailyRun(new Date(0), options.at); // validates the time now, not at 03:30
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
    this.#log = options.logger ?? silentLogger;
  }

  /**
   * The scheduler the daemon runs for a config: purges with actor
   * 'callvault-daemon' and reason 'daily retention purge', opening the index
   * for each run (so the daemon holds no extra connection between runs).
   */
  static forConfig(config: ResolvedConfig, options: { logger?: Logger; clock?: SchedulerClock; onRun?: PurgeSchedulerOptions['onRun'] } = {}): PurgeScheduler {
    const clock = options.clock ?? systemClock;
    const layout = new StorageLayout(config.storage.dir);
    return new PurgeScheduler({
      at: config.ops.purgeAt,
      clock,
      logger: options.logger,
      lastRunAt: () => readLastPurge(config.storage.dir),
      onRun: (report, error) => {
        if (report !== null && !report.aborted) {
          try { writeLastPurge(config.storage.dir, new Date(clock.now())); } catch (err) { options.logger?.warn({ err }, 'purge: cannot record the last run'); }
        }
        options.onRun?.(report, error);
      },
      run: async (signal) => {
        const index = openIndex(config.storage.dir, 'write');
        try {
          return await purgeDue({
            index, layout, actor: 'callvault-daemon', reason: 'daily retention purge',
            now: () => new Date(clock.now()), logger: options.logger, signal,
          }, config.retention);
        } finally {
          index.close();
        }
      },
    });
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    const now = this.#clock.now();
    this.#next = nextDailyRun(new Date(now), this.#o.at);
    const last = this.#o.lastRunAt?.();
    if (this.#o.lastRunAt !== undefined && (last == null || now - last.getTime() > MISSED_AFTER_MS)) {
      const catchUp = new Date(now + (this.#o.catchUpDelayMs ?? 300_000));
      if (catchUp.getTime() < this.#next.getTime()) this.#next = catchUp;
    }
    this.#log.info({ nextRun: this.#next.toISOString(), lastRun: last?.toISOString() ?? null }, 'purge: scheduled');
    this.#arm();
  }

  /** Stops the timer; a run in progress is asked to stop and awaited. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== null) this.#clock.clearTimeout(this.#timer);
    this.#timer = null;
    this.#next = null;
    this.#abort?.abort();
    await this.#running;
  }

  /** When the next run is due, or null when stopped. */
  nextRunAt(): Date | null {
    return this.#next;
  }

  get lastReport(): PurgeReport | null {
    return this.#lastReport;
  }

  /** Runs a purge now (outside the schedule); a run already in progress is joined, not doubled. */
  async runNow(): Promise<void> {
    if (this.#running !== null) return this.#running;
    const abort = new AbortController();
    this.#abort = abort;
    this.#running = (async () => {
      let report: PurgeReport | null = null;
      let error: unknown = null;
      try {
        report = await this.#o.run(abort.signal);
        this.#lastReport = report;
      } catch (err) {
        error = err;
        this.#log.error({ err }, 'purge: daily purge failed; it runs again at the next scheduled time');
      } finally {
        this.#running = null;
        this.#abort = null;
      }
      this.#o.onRun?.(report, error);
    })();
    return this.#running;
  }

  #arm(): void {
    if (this.#stopped || this.#next === null) return;
    const wait = Math.max(0, Math.min(this.#next.getTime() - this.#clock.now(), MAX_TIMER_MS));
    this.#timer = this.#clock.setTimeout(() => this.#tick(), wait);
  }

  #tick(): void {
    this.#timer = null;
    if (this.#stopped || this.#next === null) return;
    const now = this.#clock.now();
    if (now < this.#next.getTime()) { this.#arm(); return; }
    this.#next = nextDailyRun(new Date(now), this.#o.at);
    void this.runNow().then(() => this.#arm());
  }
}
