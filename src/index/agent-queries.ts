/**
 * The index's side of agents and live listening for `callvault status`:
 * recordings per team (any agent of the team heard on it) and the monitor
 * sessions the audit chain holds. Teams are names, not people; no agent
 * hash leaves here.
 */
import type { Database } from 'better-sqlite3';

export interface TeamFigures {
  team: string;
  recordingsToday: number;
  recordings7Days: number;
}

export function teamFigures(db: Database, todayStart: Date, weekStart: Date): TeamFigures[] {
  // A recording counts once per team, whether the team is on the row (first agent) or on a later agent.
  const rows = db.prepare(`
    WITH heard AS (
      SELECT id, team, started_at FROM recordings WHERE team IS NOT NULL AND started_at >= @week
      UNION
      SELECT r.id, a.team, r.started_at FROM recording_agents a JOIN recordings r ON r.id = a.recording_id
        WHERE a.team IS NOT NULL AND r.started_at >= @week
    )
    SELECT team, SUM(started_at >= @today) AS today, COUNT(*) AS week FROM heard GROUP BY team ORDER BY team`)
    .all({ today: todayStart.toISOString(), week: weekStart.toISOString() }) as Array<{ team: string; today: number; week: number }>;
  return rows.map((r) => ({ team: r.team, recordingsToday: r.today, recordings7Days: r.week }));
}

export interface MonitorFigures {
  /** Listening sessions allowed by the gate (audit rows `monitor`, phase start). */
  allowedToday: number;
  allowed7Days: number;
  /** Requests the gate refused. */
  refusedToday: number;
  refused7Days: number;
}

export function monitorFigures(db: Database, todayStart: Date, weekStart: Date): MonitorFigures {
  const count = (phase: string, from: Date) => (db.prepare(
    "SELECT COUNT(*) AS n FROM audit WHERE action = 'monitor' AND at >= ? AND json_extract(details, '$.phase') = ?",
  ).get(from.toISOString(), phase) as { n: number }).n;
  return {
    allowedToday: count('start', todayStart), allowed7Days: count('start', weekStart),
    refusedToday: count('refused', todayStart), refused7Days: count('refused', weekStart),
  };
}
