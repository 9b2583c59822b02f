/**
 * The figures of the quality dashboards (docs/quality.md, "Dashboards"):
 * SQL sums over the evaluations that count, in a period of call time, then a
 * pure roll-up to agent, team, line, criterion and week. The whole months or
 * weeks of a period come from migration 9's roll-ups, its edge days from
 * migration 6's figure rows; no JSON parsing at read time, so a year's page
 * stays in tens of milliseconds on 200,000 evaluations (bench/quality-dashboard.ts).
 *
 * Every figure is a mean of evaluation percents with the number of
 * evaluations behind it and the failed critical and fatal questions counted
 * apart. Means are built from sums and counts, never as a mean of means, so a
 * team of one busy agent and one rarely evaluated agent weighs each call once.
 * The index holds no team: agent -> team comes from the configuration, given
 * by the caller as a function of the agent's keyed hash.
 */
import type { Database } from 'better-sqlite3';

/**
 * The states whose score counts: submitted onwards. A draft is unfinished;
 * a void was withdrawn. A disputed evaluation counts with its score until the
 * dispute is resolved (a rescore replaces the score, a refusal keeps it).
 * Migration 6's triggers repeat this list (COUNTED_SQL): a change is a new migration.
 */
export const COUNTED_STATES = ['submitted', 'released', 'acknowledged', 'disputed', 'rescored', 'dispute-refused'] as const;

export interface StatsQuery {
  /** ISO instants, [from, to) of call_started_at. */
  readonly from: string;
  readonly to: string;
  /** The lines the viewer may see; null = every line. */
  readonly lines: readonly string[] | null;
  /** The trend's step: a week (Monday, YYYY-MM-DD) or a calendar month (YYYY-MM). */
  readonly bucket: Bucket;
}

export type Bucket = 'week' | 'month';

export interface Tally {
  /** Evaluations with a score (a not-scorable one, every answer N/A, has none). */
  readonly evaluations: number;
  /** Mean percent, unrounded; null when evaluations is 0. */
  readonly percent: number | null;
  readonly criticalFailed: number;
  readonly fatalFailed: number;
}

/** The grouped sums as SQL returns them. */
export interface RawStats {
  readonly byAgentLineBucket: ReadonlyArray<RawRow & { readonly line: string; readonly bucket: string }>;
  readonly byAgentSection: ReadonlyArray<RawRow & { readonly section: string }>;
}

interface RawRow {
  readonly agentHash: string | null;
  readonly evaluations: number;
  readonly sum: number;
  readonly criticalFailed: number;
  readonly fatalFailed: number;
}

function lineFilter(lines: readonly string[] | null): { sql: string; params: string[] } {
  if (lines === null) return { sql: '', params: [] };
  // No line in scope: the IN list is empty and nothing matches, as it should.
  return { sql: ` AND line IN (${lines.map(() => '?').join(', ')})`, params: [...lines] };
}

/**
 * The two grouped scans of migration 6's figure tables, one row per counted
 * evaluation (which hold counted evaluations only, so no state filter here):
 * totals by agent, line and trend step in one pass (the roll-up makes agent,
 * team, line and trend figures of it), and section percents by agent. Kept
 * for a period that is not whole UTC days, as the reference the roll-up
 * queries are tested against, and so the bench can show what they replaced.
 */
export const STATS_SQL = {
  byAgentLineBucket: (f: string, bucket: Bucket = 'week') => `SELECT a.agent_hash AS agentHash, g.line, g.bucket, g.evaluations, g.sum, g.criticalFailed, g.fatalFailed
    FROM (SELECT agent, line, ${bucket === 'week' ? 'week' : 'substr(call_started_at, 1, 7)'} AS bucket,
        COUNT(percent) AS evaluations, COALESCE(SUM(percent), 0) AS sum, SUM(critical_failed) AS criticalFailed, SUM(fatal_failed) AS fatalFailed
      FROM quality_evaluation_figures
      WHERE call_started_at >= ? AND call_started_at < ?${f}
      GROUP BY agent, line, bucket) g
    LEFT JOIN quality_agents a ON a.n = g.agent`,
  byAgentSection: (f: string) => `SELECT a.agent_hash AS agentHash, g.section, g.evaluations, g.sum, g.criticalFailed, g.fatalFailed
    FROM (SELECT agent, section_id AS section, COUNT(*) AS evaluations, SUM(percent) AS sum,
        SUM(critical_failed) AS criticalFailed, SUM(fatal_failed) AS fatalFailed
      FROM quality_section_figures
      WHERE call_started_at >= ? AND call_started_at < ?${f}
      GROUP BY agent, section_id) g
    LEFT JOIN quality_agents a ON a.n = g.agent`,
} as const;

/**
 * Where one part of a period is read from: the week or month roll-ups of
 * migration 9 (rows whose `start`, a YYYY-MM-DD, is in [from, to)), or the
 * figure rows themselves for the edge days (call time in [from, to), ISO instants).
 */
export interface Piece { readonly source: 'month' | 'week' | 'figures'; readonly from: string; readonly to: string }

const DAY_MS = 86_400_000;
const MIDNIGHT = /^(\d{4}-\d{2}-\d{2})T00:00:00\.000Z$/;
const dayMs = (d: string) => Date.parse(`${d}T00:00:00.000Z`);
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const instant = (d: string) => `${d}T00:00:00.000Z`;

/** Weeks that fit whole in [from, to) (days, `to` exclusive), and the days either side from the figure rows. */
function coverByWeeks(from: string, to: string): Piece[] {
  const a = dayMs(from);
  const b = dayMs(to);
  const w0 = a + ((8 - new Date(a).getUTCDay()) % 7) * DAY_MS; // first Monday on or after
  const w1 = b - ((new Date(b).getUTCDay() + 6) % 7) * DAY_MS; // last Monday on or before
  if (w0 >= w1) return a < b ? [{ source: 'figures', from: instant(from), to: instant(to) }] : [];
  const out: Piece[] = [];
  if (a < w0) out.push({ source: 'figures', from: instant(from), to: instant(dayOf(w0)) });
  out.push({ source: 'week', from: dayOf(w0), to: dayOf(w1) });
  if (w1 < b) out.push({ source: 'figures', from: instant(dayOf(w1)), to: instant(to) });
  return out;
}

/**
 * The pieces a period [from, to) of whole UTC days is read from: its whole
 * calendar months (when `months`), then the whole weeks of what is left on
 * either side, then the days left over. A head or tail left by the months lies
 * in one month, so a week read there is in that month's trend step. Null when
 * the period is not whole days: then only the figure rows can answer.
 * With months, a week is never read across a 1st (it would land in one
 * month's trend step with days of the next).
 */
export function periodPieces(from: string, to: string, months: boolean): Piece[] | null {
  const f = MIDNIGHT.exec(from)?.[1];
  const t = MIDNIGHT.exec(to)?.[1];
  if (f === undefined || t === undefined) return null;
  if (f >= t) return [];
  if (!months) return coverByWeeks(f, t);
  const m0 = f.endsWith('-01') ? f : dayOf(Date.UTC(Number(f.slice(0, 4)), Number(f.slice(5, 7)), 1)); // first 1st on or after
  const m1 = `${t.slice(0, 7)}-01`; // last 1st on or before
  if (m0 > m1) return coverByWeeks(f, t); // inside one month
  // Split at every 1st, even with no whole month between: a week across a 1st has no month to be counted in.
  return [...coverByWeeks(f, m0), ...(m0 < m1 ? [{ source: 'month' as const, from: m0, to: m1 }] : []), ...coverByWeeks(m1, t)];
}

/**
 * The same two queries over the pieces of a period: the roll-ups for the
 * whole weeks and months, the figure rows for the edge days, summed again per
 * group. A year is about 12 x 500 roll-up rows per table instead of 180,000
 * figure rows (and 720,000 section rows) to sort into groups.
 */
export function rollupSql(pieces: readonly Piece[], lines: readonly string[] | null, bucket: Bucket): { byAgentLineBucket: string; byAgentSection: string; params: Array<string> } {
  const f = lineFilter(lines);
  const params: string[] = [];
  const totals: string[] = [];
  const sections: string[] = [];
  for (const p of pieces) {
    params.push(p.from, p.to, ...f.params);
    if (p.source === 'figures') {
      totals.push(`SELECT COALESCE(agent, 0) AS agent, line, ${bucket === 'week' ? 'week' : 'substr(call_started_at, 1, 7)'} AS bucket,
          percent IS NOT NULL AS evaluations, COALESCE(percent, 0) AS sum, critical_failed, fatal_failed
        FROM quality_evaluation_figures WHERE call_started_at >= ? AND call_started_at < ?${f.sql}`);
      sections.push(`SELECT COALESCE(agent, 0) AS agent, section_id, 1 AS evaluations, percent AS sum, critical_failed, fatal_failed
        FROM quality_section_figures WHERE call_started_at >= ? AND call_started_at < ?${f.sql}`);
    } else {
      totals.push(`SELECT agent, line, ${bucket === 'week' ? 'start' : 'substr(start, 1, 7)'} AS bucket, evaluations, sum, critical_failed, fatal_failed
        FROM quality_figure_rollups WHERE grain = '${p.source}' AND start >= ? AND start < ?${f.sql}`);
      sections.push(`SELECT agent, section_id, evaluations, sum, critical_failed, fatal_failed
        FROM quality_section_rollups WHERE grain = '${p.source}' AND start >= ? AND start < ?${f.sql}`);
    }
  }
  // No piece (an empty period): a query that returns nothing, with no parameter.
  const none = 'SELECT NULL AS agent, NULL AS line, NULL AS bucket, NULL AS section_id, 0 AS evaluations, 0 AS sum, 0 AS critical_failed, 0 AS fatal_failed WHERE 0';
  return {
    byAgentLineBucket: `SELECT a.agent_hash AS agentHash, g.line, g.bucket, g.evaluations, g.sum, g.criticalFailed, g.fatalFailed
    FROM (SELECT agent, line, bucket, SUM(evaluations) AS evaluations, SUM(sum) AS sum, SUM(critical_failed) AS criticalFailed, SUM(fatal_failed) AS fatalFailed
      FROM (${totals.length === 0 ? none : totals.join('\n      UNION ALL ')})
      GROUP BY agent, line, bucket) g
    LEFT JOIN quality_agents a ON a.n = g.agent`,
    byAgentSection: `SELECT a.agent_hash AS agentHash, g.section, g.evaluations, g.sum, g.criticalFailed, g.fatalFailed
    FROM (SELECT agent, section_id AS section, SUM(evaluations) AS evaluations, SUM(sum) AS sum, SUM(critical_failed) AS criticalFailed, SUM(fatal_failed) AS fatalFailed
      FROM (${sections.length === 0 ? none : sections.join('\n      UNION ALL ')})
      GROUP BY agent, section_id) g
    LEFT JOIN quality_agents a ON a.n = g.agent`,
    params,
  };
}

/** The grouped sums over the figure rows alone (one row per evaluation): the reference, and the path for a period that is not whole days. */
export function rawQualityStatsFromFigures(db: Database, q: StatsQuery): RawStats {
  const f = lineFilter(q.lines);
  const run = <T>(sql: string) => db.prepare(sql).all(q.from, q.to, ...f.params) as T[];
  return {
    byAgentLineBucket: run(STATS_SQL.byAgentLineBucket(f.sql, q.bucket)),
    byAgentSection: run(STATS_SQL.byAgentSection(f.sql)),
  };
}

/**
 * The grouped sums of a period: from the roll-ups and edge days when the
 * period is whole UTC days (the dashboard's always are), else from the figure rows.
 * The trend query may read months only when the trend is monthly; the section
 * query, which has no trend, always may.
 */
export function rawQualityStats(db: Database, q: StatsQuery): RawStats {
  const forTrend = periodPieces(q.from, q.to, q.bucket === 'month');
  const forSections = periodPieces(q.from, q.to, true);
  if (forTrend === null || forSections === null) return rawQualityStatsFromFigures(db, q);
  const t = rollupSql(forTrend, q.lines, q.bucket);
  const s = rollupSql(forSections, q.lines, q.bucket);
  return {
    byAgentLineBucket: db.prepare(t.byAgentLineBucket).all(...t.params) as RawStats['byAgentLineBucket'],
    byAgentSection: db.prepare(s.byAgentSection).all(...s.params) as RawStats['byAgentSection'],
  };
}

/** A figure and who it is about. `team` null: the agent has no team in the configuration (or the call no agent). */
export interface AgentFigure { readonly agentHash: string | null; readonly team: string | null; readonly tally: Tally }
export interface QualityStats {
  readonly total: Tally;
  readonly agents: readonly AgentFigure[];
  /** Keyed by team; agents without a team are under the empty string. */
  readonly teams: ReadonlyMap<string, Tally>;
  readonly lines: ReadonlyMap<string, Tally>;
  /** Section id -> figure over everyone shown. */
  readonly criteria: ReadonlyMap<string, Tally>;
  /** Team -> section id -> figure (the heat map). */
  readonly criteriaByTeam: ReadonlyMap<string, ReadonlyMap<string, Tally>>;
  /** Agent hash ('' for calls with no agent) -> section id -> figure. */
  readonly criteriaByAgent: ReadonlyMap<string, ReadonlyMap<string, Tally>>;
  /** Agent hash ('' for no agent) -> step (a week's Monday YYYY-MM-DD, or a month YYYY-MM) -> figure. */
  readonly trend: ReadonlyMap<string, ReadonlyMap<string, Tally>>;
  readonly bucket: Bucket;
  /** Every step of the period that has a figure, in order. */
  readonly buckets: readonly string[];
  /** Every section id that has a figure, sorted (views put them in form order). */
  readonly sections: readonly string[];
}

class Sum {
  evaluations = 0; sum = 0; criticalFailed = 0; fatalFailed = 0;
  add(r: RawRow): void { this.evaluations += r.evaluations; this.sum += r.sum; this.criticalFailed += r.criticalFailed; this.fatalFailed += r.fatalFailed; }
  tally(): Tally {
    return { evaluations: this.evaluations, percent: this.evaluations === 0 ? null : this.sum / this.evaluations, criticalFailed: this.criticalFailed, fatalFailed: this.fatalFailed };
  }
}

function at<K, V>(m: Map<K, V>, k: K, make: () => V): V {
  let v = m.get(k);
  if (v === undefined) { v = make(); m.set(k, v); }
  return v;
}

const tallies = <K>(m: Map<K, Sum>): Map<K, Tally> => new Map([...m].map(([k, s]) => [k, s.tally()]));

/**
 * Rolls the sums up. `teamOf` names an agent's team (null: none); `team`,
 * when given, keeps only that team's agents (the page's team filter, '' for
 * the agents without one).
 */
export function rollUpQualityStats(raw: RawStats, bucket: Bucket, teamOf: (agentHash: string | null) => string | null, team?: string): QualityStats {
  const teamKey = (h: string | null) => teamOf(h) ?? '';
  const keep = (r: RawRow) => team === undefined || teamKey(r.agentHash) === team;
  const total = new Sum();
  const agents = new Map<string | null, Sum>();
  const teams = new Map<string, Sum>();
  const lines = new Map<string, Sum>();
  const trend = new Map<string, Map<string, Sum>>();
  const buckets = new Set<string>();
  for (const r of raw.byAgentLineBucket) {
    if (!keep(r)) continue;
    total.add(r);
    at(agents, r.agentHash, () => new Sum()).add(r);
    at(teams, teamKey(r.agentHash), () => new Sum()).add(r);
    at(lines, r.line, () => new Sum()).add(r);
    buckets.add(r.bucket);
    at(at(trend, r.agentHash ?? '', () => new Map()), r.bucket, () => new Sum()).add(r);
  }
  const criteria = new Map<string, Sum>();
  const byTeam = new Map<string, Map<string, Sum>>();
  const byAgent = new Map<string, Map<string, Sum>>();
  for (const r of raw.byAgentSection) {
    if (!keep(r)) continue;
    at(criteria, r.section, () => new Sum()).add(r);
    at(at(byTeam, teamKey(r.agentHash), () => new Map()), r.section, () => new Sum()).add(r);
    at(at(byAgent, r.agentHash ?? '', () => new Map()), r.section, () => new Sum()).add(r);
  }
  const nested = (m: Map<string, Map<string, Sum>>) => new Map([...m].map(([k, v]) => [k, tallies(v)]));
  return {
    total: total.tally(),
    agents: [...agents].map(([agentHash, s]) => ({ agentHash, team: teamOf(agentHash), tally: s.tally() })),
    teams: tallies(teams),
    lines: tallies(lines),
    criteria: tallies(criteria),
    criteriaByTeam: nested(byTeam),
    criteriaByAgent: nested(byAgent),
    trend: nested(trend),
    bucket,
    buckets: [...buckets].sort(),
    sections: [...criteria.keys()].sort(),
  };
}

/** The dashboard's figures for a period, within the viewer's lines. */
export function qualityStats(db: Database, q: StatsQuery, teamOf: (agentHash: string | null) => string | null, team?: string): QualityStats {
  return rollUpQualityStats(rawQualityStats(db, q), q.bucket, teamOf, team);
}
