/**
 * The index's side of `callvault status`: counts over time ranges (the
 * started_at index answers them without a table scan) and the oldest
 * recording. No SUM(size_bytes): it reads every row (about 250 ms on a
 * million), and statfs answers "storage used" for the whole volume in
 * microseconds. No personal data leaves here.
 */
import type { Database } from 'better-sqlite3';

export interface IndexFigures {
  recordings: number;
  recordingsToday: number;
  recordings7Days: number;
  held: number;
  purging: number;
  oldest: { id: string; startedAt: string } | null;
  tombstones: number;
}

export function indexFigures(db: Database, todayStart: Date, weekStart: Date): IndexFigures {
  const n = (sql: string, ...args: unknown[]) => (db.prepare(sql).get(...args) as { n: number | null }).n ?? 0;
  const oldest = db.prepare('SELECT id, started_at FROM recordings ORDER BY started_at LIMIT 1').get() as { id: string; started_at: string } | undefined;
  return {
    recordings: n('SELECT COUNT(*) AS n FROM recordings'),
    recordingsToday: n('SELECT COUNT(*) AS n FROM recordings WHERE started_at >= ?', todayStart.toISOString()),
    recordings7Days: n('SELECT COUNT(*) AS n FROM recordings WHERE started_at >= ?', weekStart.toISOString()),
    held: n("SELECT COUNT(*) AS n FROM recordings WHERE status = 'held'"),
    purging: n('SELECT COUNT(*) AS n FROM recordings WHERE purge_started_at IS NOT NULL'),
    oldest: oldest === undefined ? null : { id: oldest.id, startedAt: oldest.started_at },
    tombstones: n('SELECT COUNT(*) AS n FROM tombstones'),
  };
}
