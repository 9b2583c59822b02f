/**
 * The figures of the quality dashboards (docs/quality.md, "Dashboards"):
 * SQL sums over the evaluations that count, in a period of call time, then a
 * pure roll-up to agent, team, line, criterion and week. Two grouped range
 * scans of the figure tables of migration 6 and no JSON parsing at read time, so a
 * page stays in milliseconds on 200,000 evaluations (bench/quality-dashboard.ts).
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
 * The two grouped scans of migration 6's figure tables (which hold counted
 * evaluations only, so no state filter here): totals by agent, line and
 * trend step in one pass (the roll-up makes agent, team, line and trend
 * figures of it), and section percents by agent. Exported so the bench can
 * time each shape and the tests can read their plans.
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

export function rawQualityStats(db: Database, q: StatsQuery): RawStats {
  const f = lineFilter(q.lines);
  const run = <T>(sql: string) => db.prepare(sql).all(q.from, q.to, ...f.params) as T[];
  return {
    byAgentLineBucket: run(STATS_SQL.byAgentLineBucket(f.sql, q.bucket)),
    byAgentSection: run(STATS_SQL.byAgentSection(f.sql)),
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
