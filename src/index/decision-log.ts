/**
 * Calls offered and what was decided for each, per local day and line:
 * the denominator of the achieved sampling rate that `callvault status`
 * shows against each line's target. The recordings table cannot give it:
 * calls that were not recorded leave no row there, and the daemon's
 * Prometheus counters reset at each restart and are gone when it is down.
 * Counts only, no call ids or numbers.
 */
import type { Database, Statement } from 'better-sqlite3';

export interface DecisionCount {
  /** When the call was decided; its local date is the day counted. */
  at: Date;
  line: string;
  /**
   * The entry's decision, or `record-at-answer` for a call the entry left
   * unrecorded that started recording when an agent answered: it adds to
   * the recorded calls, not to the offered ones (its entry row counted it).
   */
  decision: 'record' | 'skip' | 'record-at-answer';
  /** FinalDecision.reason (AgentRecordReason for record-at-answer) (src/policy/consent.ts): mandatory, sampled, objected, not-sampled... */
  reason: string;
}

/** Local calendar day, YYYY-MM-DD: what an operator means by "today". */
export function localDay(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

const UPSERT = `INSERT INTO call_decisions (day, line, decision, reason, count) VALUES (?, ?, ?, ?, ?)
  ON CONFLICT (day, line, decision, reason) DO UPDATE SET count = count + excluded.count`;

/** Adds `count` calls to the day's tally for this line, decision and reason. */
export function recordDecision(db: Database, d: DecisionCount, count = 1): void {
  if (!Number.isInteger(count) || count < 0) throw new RangeError('count must be a non-negative integer');
  db.prepare(UPSERT).run(localDay(d.at), d.line, d.decision, d.reason, count);
}

/**
 * Buffers decisions in memory and writes them in one transaction every
 * `flushEveryMs` (and on flush/close), so that the call path never waits on
 * a disk sync. A crash loses at most one interval of counts, which only
 * blurs a rate; it loses no recording.
 */
export class DecisionTally {
  readonly #db: Database;
  readonly #pending = new Map<string, { d: DecisionCount; n: number }>();
  readonly #upsert: Statement;
  #timer: NodeJS.Timeout | undefined;

  constructor(db: Database, options: { flushEveryMs?: number; onError?: (err: unknown) => void } = {}) {
    this.#db = db;
    this.#upsert = db.prepare(UPSERT);
    const every = options.flushEveryMs ?? 10_000;
    if (every > 0) {
      // A failed flush (index locked, disk full) keeps the counts buffered for the next tick.
      this.#timer = setInterval(() => { try { this.flush(); } catch (err) { options.onError?.(err); } }, every);
      this.#timer.unref();
    }
  }

  add(d: DecisionCount): void {
    const key = `${localDay(d.at)}\0${d.line}\0${d.decision}\0${d.reason}`;
    const e = this.#pending.get(key);
    if (e) e.n++;
    else this.#pending.set(key, { d, n: 1 });
  }

  /** Writes what is buffered; on failure the counts stay buffered for the next try. */
  flush(): void {
    if (this.#pending.size === 0) return;
    const batch = [...this.#pending.values()];
    this.#db.transaction(() => {
      for (const { d, n } of batch) this.#upsert.run(localDay(d.at), d.line, d.decision, d.reason, n);
    }).immediate();
    this.#pending.clear();
  }

  close(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    this.flush();
  }
}

export interface LineRate {
  line: string;
  offered: number;
  recorded: number;
  /** recorded / offered, or null when no call was offered. */
  achieved: number | null;
  /**
   * Calls the sampling draw had the last word on: offered minus early
   * hang-ups (`caller-hung-up`) and remembered objectors, whom no rate can
   * record. Objectors stay in: the draw picked them.
   */
  eligible: number;
  /** Callers the draw picked who then pressed the objection key (reason `objected`). */
  objected: number;
  /** recorded / eligible: the rate to compare with the target. Null without eligible calls. */
  achievedEligible: number | null;
  /** objected / (recorded + objected): the share of callers asked who refused. Null when none was asked. */
  objectionRate: number | null;
}

/** Offered and recorded calls per line over [fromDay, toDay] (inclusive, local days). */
export function lineRates(db: Database, fromDay: string, toDay: string): LineRate[] {
  const rows = db.prepare(`SELECT line, SUM(CASE WHEN decision = 'record-at-answer' THEN 0 ELSE count END) AS offered,
      SUM(CASE WHEN decision IN ('record', 'record-at-answer') THEN count ELSE 0 END) AS recorded,
      SUM(CASE WHEN decision = 'record-at-answer' OR reason IN ('caller-hung-up', 'remembered-objection') THEN 0 ELSE count END) AS eligible,
      SUM(CASE WHEN reason = 'objected' THEN count ELSE 0 END) AS objected
    FROM call_decisions WHERE day >= ? AND day <= ? GROUP BY line ORDER BY line`).all(fromDay, toDay) as Array<{ line: string; offered: number; recorded: number; eligible: number; objected: number }>;
  return rows.map((r) => ({
    line: r.line,
    offered: r.offered,
    recorded: r.recorded,
    achieved: r.offered > 0 ? r.recorded / r.offered : null,
    eligible: r.eligible,
    objected: r.objected,
    achievedEligible: r.eligible > 0 ? r.recorded / r.eligible : null,
    objectionRate: r.recorded + r.objected > 0 ? r.objected / (r.recorded + r.objected) : null,
  }));
}
