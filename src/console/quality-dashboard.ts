/**
 * The quality dashboard's model, shared by the page (GET /quality) and the
 * CSV export (GET /quality.csv) so both show the same figures: the period,
 * the viewer's lines (scope), agent -> team from the configuration through
 * the keyed hash, the figures of src/index/quality-stats.ts, and a KPI
 * verdict (src/quality/kpi.ts) wherever the team has a target.
 */
import type { Database } from 'better-sqlite3';
import type { ResolvedConfig } from '../config/index.js';
import type { KpiTargetConfig } from '../config/schema.js';
import type { KeyedHasher } from '../privacy/keyed-hash.js';
import { qualityStats, type Bucket, type QualityStats, type Tally } from '../index/quality-stats.js';
import { kpiStatus, type KpiStatus } from '../quality/kpi.js';
import { scopeOf, type Scoped, type TeamLines } from './roles.js';

/** The target key for the whole score; any other key is a section id. */
export const TOTAL = 'total';
const DAY_MS = 86_400_000;
/** Evaluations are kept a year: a longer period shows nothing more and costs more. */
export const MAX_PERIOD_DAYS = 400;
export const DEFAULT_PERIOD_DAYS = 28;

export interface Period {
  /** UTC days, YYYY-MM-DD, both inclusive (as the recordings search). */
  readonly from: string;
  readonly to: string;
}

/** Up to 13 weeks the trend is weekly; beyond, monthly (52 weekly columns per agent read as noise, and cost). */
export const WEEKLY_UP_TO_DAYS = 91;

export function bucketOf(p: Period): Bucket {
  return (Date.parse(`${p.to}T00:00:00.000Z`) - Date.parse(`${p.from}T00:00:00.000Z`)) / DAY_MS + 1 <= WEEKLY_UP_TO_DAYS ? 'week' : 'month';
}

export type PeriodProblem = 'not-a-date' | 'from-after-to' | 'too-long';

const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The period asked for, the last four weeks by default; a problem is a value the route turns into a 400. */
export function periodOf(from: string | undefined, to: string | undefined, now: Date): Period | PeriodProblem {
  const end = to ?? dayOf(now.getTime());
  const endMs = Date.parse(`${end}T00:00:00.000Z`);
  const start = from ?? dayOf(endMs - (DEFAULT_PERIOD_DAYS - 1) * DAY_MS);
  const startMs = Date.parse(`${start}T00:00:00.000Z`);
  if (Number.isNaN(endMs) || Number.isNaN(startMs) || dayOf(endMs) !== end || dayOf(startMs) !== start) return 'not-a-date';
  if (startMs > endMs) return 'from-after-to';
  if ((endMs - startMs) / DAY_MS + 1 > MAX_PERIOD_DAYS) return 'too-long';
  return { from: start, to: end };
}

/**
 * The lines whose evaluations the viewer sees: those of their scope
 * (roles.ts), null for every line. Purposes do not narrow it: an evaluation
 * outlives its recording and carries no purpose, and a figure is not audio.
 */
export function dashboardLines(viewer: Scoped, teamLines: TeamLines): readonly string[] | null {
  const scope = scopeOf(viewer, teamLines);
  switch (scope.kind) {
    case 'all': return null;
    case 'none': return [];
    case 'some': return scope.lines;
  }
}

/** Keyed hash -> agent id and team, from `agents:` of the configuration. */
export interface AgentDirectory {
  idOf(hash: string | null): string | null;
  teamOf(hash: string | null): string | null;
}

const directories = new WeakMap<ResolvedConfig, { hasher: KeyedHasher | null; dir: AgentDirectory }>();

/** Built once per configuration and hasher (one HMAC per configured agent); without a hasher no agent is known. */
export function agentDirectory(config: ResolvedConfig, hasher: KeyedHasher | null): AgentDirectory {
  const cached = directories.get(config);
  if (cached !== undefined && cached.hasher === hasher) return cached.dir;
  const byHash = new Map<string, { id: string; team: string | null }>();
  if (hasher !== null) for (const [id, a] of Object.entries(config.agents.byId)) byHash.set(hasher.hex('agent', id), { id, team: a.team ?? null });
  const dir: AgentDirectory = {
    idOf: (h) => (h === null ? null : byHash.get(h)?.id ?? null),
    teamOf: (h) => (h === null ? null : byHash.get(h)?.team ?? null),
  };
  directories.set(config, { hasher, dir });
  return dir;
}

/**
 * The team filter's value for the agents without a team (and calls with no
 * agent): '~' is not allowed in a team name, so it cannot be one. The model
 * says '' for them (Dashboard.team); only the query string spells it so.
 */
export const NO_TEAM_FILTER = '~none';

/** The filter's query value for a dashboard's team: undefined for every team. */
export function teamFilterValue(team: string | undefined): string | undefined {
  return team === '' ? NO_TEAM_FILTER : team;
}

export interface Verdict { readonly key: string; readonly target: KpiTargetConfig; readonly status: KpiStatus }

export interface Dashboard {
  readonly period: Period;
  /** The team filter: a team of `teams:`, '' for agents without a team, undefined for all. */
  readonly team: string | undefined;
  readonly stats: QualityStats;
  /** Per team: its targets with their verdicts, in key order ('total' first). */
  readonly verdicts: ReadonlyMap<string, readonly Verdict[]>;
  readonly agents: readonly DashboardAgent[];
}

export interface DashboardAgent {
  readonly hash: string | null;
  /** The configured agent id, or null when the hash matches no configured agent. */
  readonly id: string | null;
  readonly team: string | null;
  readonly tally: Tally;
  /** Against the team's 'total' target, when it has one. */
  readonly verdict: KpiStatus | null;
}

export function targetsOf(config: ResolvedConfig, team: string | null): Readonly<Record<string, KpiTargetConfig>> {
  return team === null ? {} : config.quality.targets[team] ?? {};
}

const keyOrder = (a: string, b: string) => (a === TOTAL ? -1 : b === TOTAL ? 1 : a.localeCompare(b));

/** A figure against a target, through kpiStatus. */
export function verdictOf(tally: Tally | undefined, target: KpiTargetConfig): KpiStatus {
  return kpiStatus({ percent: tally?.percent ?? null, evaluations: tally?.evaluations ?? 0 }, target);
}

export function buildDashboard(db: Database, config: ResolvedConfig, dir: AgentDirectory, viewer: Scoped, period: Period, team: string | undefined): Dashboard {
  const teamLines = config.console?.teams ?? {};
  const stats = qualityStats(db, {
    from: `${period.from}T00:00:00.000Z`,
    to: new Date(Date.parse(`${period.to}T00:00:00.000Z`) + DAY_MS).toISOString(),
    lines: dashboardLines(viewer, teamLines),
    bucket: bucketOf(period),
  }, dir.teamOf, team);
  const verdicts = new Map<string, Verdict[]>();
  for (const [name, targets] of Object.entries(config.quality.targets)) {
    if (team !== undefined && team !== name) continue;
    verdicts.set(name, Object.entries(targets).sort(([a], [b]) => keyOrder(a, b)).map(([key, target]) => ({
      key, target, status: verdictOf(key === TOTAL ? stats.teams.get(name) : stats.criteriaByTeam.get(name)?.get(key), target),
    })));
  }
  const agents = stats.agents.map((a): DashboardAgent => {
    const total = targetsOf(config, a.team)[TOTAL];
    return { hash: a.agentHash, id: dir.idOf(a.agentHash), team: a.team, tally: a.tally, verdict: total === undefined ? null : verdictOf(a.tally, total) };
  }).sort((x, y) => (x.team ?? '\uffff').localeCompare(y.team ?? '\uffff') || agentLabel(x).localeCompare(agentLabel(y)));
  return { period, team, stats, verdicts, agents };
}

/** How an agent is named on the page and in the CSV: the configured id, else a short keyed reference, never the full hash. */
export function agentLabel(a: { id: string | null; hash: string | null }): string {
  if (a.id !== null) return a.id;
  return a.hash === null ? '-' : `#${a.hash.slice(0, 8)}`;
}

export function verdictText(s: KpiStatus | null): string {
  if (s === null) return '';
  switch (s.status) {
    case 'met': case 'missed': return s.status;
    case 'too-few': return `too-few (${s.evaluations}/${s.needed})`;
    case 'no-data': return 'no-data';
  }
}

// ---- CSV

/**
 * RFC 4180, as `callvault agent export --csv` writes it: a field that a
 * spreadsheet would run as a formula (leading = + - @, or a tab or carriage
 * return that some strip first) gets a leading quote.
 */
export function csvField(v: string): string {
  const safe = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export const CSV_HEADER = ['figure', 'team', 'agent', 'line', 'criterion', 'period', 'evaluations', 'percent', 'critical_failed', 'fatal_failed', 'target', 'min_evaluations', 'verdict'] as const;

/** One row per figure of the page; percents with two decimals, unrounded in the sums behind them. */
export function dashboardCsv(d: Dashboard, config: ResolvedConfig): { text: string; rows: number } {
  const lines: string[] = [CSV_HEADER.join(',')];
  const put = (figure: string, where: { team?: string | null; agent?: string; line?: string; criterion?: string; period?: string }, t: Tally | undefined, target?: KpiTargetConfig) => {
    const tally = t ?? { evaluations: 0, percent: null, criticalFailed: 0, fatalFailed: 0 };
    lines.push([figure, where.team ?? '', where.agent ?? '', where.line ?? '', where.criterion ?? '', where.period ?? '', String(tally.evaluations),
      tally.percent === null ? '' : tally.percent.toFixed(2), String(tally.criticalFailed), String(tally.fatalFailed),
      target === undefined ? '' : String(target.atLeast), target === undefined ? '' : String(target.minEvaluations),
      target === undefined ? '' : verdictText(verdictOf(t, target))].map(csvField).join(','));
  };
  const s = d.stats;
  put('total', {}, s.total);
  for (const c of s.sections) put('criterion', { criterion: c }, s.criteria.get(c));
  for (const [team, t] of [...s.teams].sort(([a], [b]) => a.localeCompare(b))) {
    const targets = targetsOf(config, team === '' ? null : team);
    put('team', { team }, t, targets[TOTAL]);
    for (const c of s.sections) if (s.criteriaByTeam.get(team)?.has(c) === true || targets[c] !== undefined) put('team-criterion', { team, criterion: c }, s.criteriaByTeam.get(team)?.get(c), targets[c]);
  }
  for (const [line, t] of [...s.lines].sort(([a], [b]) => a.localeCompare(b))) put('line', { line }, t);
  for (const a of d.agents) {
    const targets = targetsOf(config, a.team);
    const label = agentLabel(a);
    put('agent', { team: a.team, agent: label }, a.tally, targets[TOTAL]);
    const key = a.hash ?? '';
    for (const c of s.sections) { const t = s.criteriaByAgent.get(key)?.get(c); if (t !== undefined) put('agent-criterion', { team: a.team, agent: label, criterion: c }, t, targets[c]); }
    for (const p of s.buckets) { const t = s.trend.get(key)?.get(p); if (t !== undefined) put(`agent-${s.bucket}`, { team: a.team, agent: label, period: p }, t); }
  }
  return { text: lines.join('\r\n') + '\r\n', rows: lines.length - 1 };
}
