/**
 * Fills an index with synthetic recordings for the benches that time queries
 * on a million rows (console-list.ts, index-query.ts, quality-dashboard.ts):
 * one prepared INSERT in one transaction, `synchronous = OFF` while it runs
 * (a throwaway index; the daemon keeps FULL), then ANALYZE so the planner
 * sees the real distribution. Recording i starts at an even step across the
 * span ending at `end`, answers line i % lines on that line's purpose, is
 * answered by agent i % agents, lasts 30 s to 10 min, and one in a thousand
 * is held. `onRow` runs inside the same transaction, for rows that belong
 * with a recording (quality-dashboard.ts adds evaluations).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import { PURPOSES } from '../../src/policy/purpose.js';

export const DAY_MS = 86_400_000;
/** The day the synthetic history ends (exclusive), the same in every bench so their figures compare. */
export const BENCH_END = Date.parse('2026-11-28T00:00:00Z');

export interface SyntheticRecording {
  readonly i: number;
  readonly id: string;
  readonly line: string;
  readonly lineNo: number;
  readonly agentHash: string;
  readonly started: Date;
  readonly ended: Date;
}

export interface SyntheticOptions {
  readonly rows: number;
  readonly spanDays: number;
  readonly end?: number;
  readonly lines: readonly string[];
  /** Agent k's keyed hash (k = i % agents.length). */
  readonly agents: readonly string[];
  /** Caller hash of recording i; none by default. */
  readonly callerHash?: (i: number) => string | null;
  readonly sizeBytes?: (i: number) => number;
  /** The file path relative to the storage dir. */
  readonly file?: (id: string) => string;
  readonly onRow?: (r: SyntheticRecording) => void;
}

/** Whether the index needs filling: a new file, or one left empty by an interrupted run. */
export function isEmpty(db: Database): boolean {
  return (db.prepare('SELECT COUNT(*) AS n FROM recordings').get() as { n: number }).n === 0;
}

/** Inserts the rows and returns how long it took, in seconds. */
export function fillRecordings(db: Database, o: SyntheticOptions): number {
  const t0 = performance.now();
  const end = o.end ?? BENCH_END;
  const insert = db.prepare(`INSERT INTO recordings (id, pbx, call_id, linked_id, line, purpose, decision, consent, language, caller_hash, agent_hash,
    started_at, ended_at, duration_ms, channels, sample_rate, bitrate_bps, size_bytes, sha256, recipients, pauses, retention_until, status, file, archived_at)
    VALUES (?, 'asterisk', ?, ?, ?, ?, 'record', 'no-objection', 'fr', ?, ?, ?, ?, ?, 1, 8000, 16000, ?, ?, '["age1x"]', '[]', ?, ?, ?, ?)`);
  const sha = createHash('sha256').update('x').digest('hex');
  db.pragma('synchronous = OFF');
  db.transaction(() => {
    for (let i = 0; i < o.rows; i++) {
      const start = end - o.spanDays * DAY_MS + Math.floor((i / o.rows) * o.spanDays * DAY_MS);
      const started = new Date(start);
      const dur = 30_000 + (i % 600) * 1000;
      const ended = new Date(start + dur);
      const stamp = started.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
      const id = `${stamp}-${randomBytes(4).toString('hex')}`;
      const lineNo = i % o.lines.length;
      const agentHash = o.agents[i % o.agents.length]!;
      insert.run(id, `1700000000.${i}`, `1700000000.${i}`, o.lines[lineNo], PURPOSES[lineNo % PURPOSES.length], o.callerHash?.(i) ?? null, agentHash,
        started.toISOString(), ended.toISOString(), dur, o.sizeBytes?.(i) ?? 40_000, sha, new Date(ended.getTime() + 183 * DAY_MS).toISOString(),
        i % 1000 === 0 ? 'held' : 'archived', o.file?.(id) ?? `recordings/${id}.opus.age`, ended.toISOString());
      o.onRow?.({ i, id, line: o.lines[lineNo]!, lineNo, agentHash, started, ended });
    }
  })();
  db.pragma('synchronous = FULL');
  db.exec('ANALYZE');
  return (performance.now() - t0) / 1000;
}
