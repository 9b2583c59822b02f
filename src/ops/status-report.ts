/**
 * What `callvault status` reports, gathered from three places that do not
 * depend on each other: the daemon's status file (link, calls in progress,
 * last errors), the index (recordings, sampling tallies, next purge) and the
 * file system (spool backlog, free space). Each part answers on its own, so
 * that the report still says what it can when the daemon is down or the
 * index is locked, and `healthy` is false with the reasons listed.
 */
import { countQuarantined, quarantineDir } from '../calls/quarantine.js';
import { readdirSync, statfsSync } from 'node:fs';
import type { ResolvedConfig } from '../config/index.js';
import { readStatus, type ArchiverStatus } from '../daemon/status-file.js';
import { indexFigures, type IndexFigures } from '../index/status-queries.js';
import { monitorFigures, teamFigures, type MonitorFigures, type TeamFigures } from '../index/agent-queries.js';
import { lineRates, localDay, type LineRate } from '../index/decision-log.js';
import { countDueBy } from '../index/retention-queries.js';
import { nextDailyRun } from './purge-scheduler.js';
import { openIndex } from './open-index.js';
import type { SpoolOutlook } from './spool-outlook.js';

export interface StatusThresholds {
  /** Recordings waiting in the spool above which the archiver is falling behind. */
  maxBacklog: number;
  /** Free space (percent of the file system) under which storage is nearly full. */
  minFreePercent: number;
}

export const DEFAULT_THRESHOLDS: StatusThresholds = { maxBacklog: 50, minFreePercent: 10 };

export interface SamplingLine {
  line: string;
  mode: string;
  /** Configured share of calls recorded (null for consent lines: it depends on callers). */
  target: number | null;
  today: Omit<LineRate, 'line'>;
  last7Days: Omit<LineRate, 'line'>;
}

export interface StatusReport {
  checkedAt: string;
  healthy: boolean;
  problems: string[];
  daemon: { state: 'running' | 'stale' | 'absent'; pid: number | null; startedAt: string | null; updatedAt: string | null; note: string | null };
  link: { state: string; since: string; reconnects: number; lastError: string | null } | null;
  /** The daemon's archiver (null when the daemon is not running): anything but running is unhealthy. */
  archiver: { state: ArchiverStatus['kind']; detail: string; hint: string | null } | null;
  callsInProgress: number | null;
  recordingsInProgress: number | null;
  recordings: (Omit<IndexFigures, 'tombstones'> & { purged: number }) | null;
  /** Recordings per team (configured teams, and any the index holds). */
  teams: TeamFigures[];
  /** Live listening: in progress (daemon), allowed and refused (audit chain). */
  monitors: (MonitorFigures & { inProgress: number | null }) | null;
  sampling: SamplingLine[];
  spool: { dir: string; backlog: number | null; outlook: SpoolOutlook | null };
  /** Recordings the spool refused, waiting in <storage>/quarantine for an operator. */
  quarantined: number;
  storage: { dir: string; usedBytes: number | null; freeBytes: number | null; totalBytes: number | null; freePercent: number | null };
  nextPurge: { at: string; due: number | null; held: number | null };
  lastErrors: Array<{ at: string; where: string; message: string }>;
  index: { path: string; state: 'ok' | 'absent' | 'error'; error: string | null };
}

const DAY_MS = 86_400_000;

function targetOf(policy: ResolvedConfig['lines'][string]): number | null {
  switch (policy.mode) {
    case 'sampled': return policy.rate;
    case 'mandatory': return 1;
    case 'never': return 0;
    case 'consent': return null;
  }
}

/** What to say about the archiver, and what to do when it is not running. */
function describeArchiver(a: ArchiverStatus): NonNullable<StatusReport['archiver']> {
  switch (a.kind) {
    case 'running': return { state: a.kind, detail: `running since ${a.since}`, hint: null };
    case 'retrying': return {
      state: a.kind,
      detail: `not running: ${a.message} (attempt ${a.attempts}, next at ${a.nextAttemptAt})`,
      hint: `${a.hint ?? 'see the daemon log for "archive: cannot start"'}; recordings wait in the spool and archiving resumes by itself once this is fixed`,
    };
    case 'starting': return { state: a.kind, detail: 'not running yet: starting', hint: 'check again in a few seconds; if it stays so, see the daemon log' };
    case 'stopped': return { state: a.kind, detail: 'not running: stopped', hint: 'the daemon is stopping; restart it (systemctl restart callvault)' };
    case 'disabled': return { state: a.kind, detail: 'not running: the daemon runs with --no-archive', hint: 'recordings wait in the spool: run `callvault archive`, or restart the daemon without --no-archive' };
  }
}

function countSpool(dir: string): number | null {
  try {
    return readdirSync(dir).filter((n) => n.toLowerCase().endsWith('.wav')).length;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? 0 : null;
  }
}

export function buildStatus(config: ResolvedConfig, nowMs: number, thresholds: StatusThresholds = DEFAULT_THRESHOLDS): StatusReport {
  const now = new Date(nowMs);
  const problems: string[] = [];
  const storageDir = config.storage.dir;

  const ds = readStatus(storageDir, nowMs);
  const daemon: StatusReport['daemon'] = ds.state === 'absent'
    ? { state: 'absent', pid: null, startedAt: null, updatedAt: null, note: 'the daemon is not running (no status file); figures below come from the index' }
    : { state: ds.state, pid: ds.status.pid, startedAt: ds.status.startedAt, updatedAt: ds.status.writtenAt,
        note: ds.state === 'stale' ? `the daemon's status is stale (${ds.reason}); figures below come from the index` : null };
  if (ds.state === 'absent') problems.push('daemon not running');
  if (ds.state === 'stale') problems.push(`daemon status stale: ${ds.reason}`);
  const live = ds.state === 'running' ? ds.status : null;
  const link = live === null ? null : { state: live.link.state, since: new Date(live.link.since).toISOString(), reconnects: live.link.reconnects, lastError: live.link.lastError };
  if (link !== null && link.state !== 'up') problems.push(`PBX link ${link.state} since ${link.since}${link.lastError !== null ? ` (${link.lastError})` : ''}`);
  // A status file from a daemon older than this field says nothing about its archiver.
  const archiver = live?.archiver === undefined ? null : describeArchiver(live.archiver);
  if (archiver !== null && archiver.state !== 'running') problems.push(`archiver ${archiver.detail}`);

  // The trend needs minutes of samples: only the running daemon's archiver has them.
  const outlook = live?.spool ?? null;
  for (const w of outlook?.warnings ?? []) problems.push(w);

  const quarantined = countQuarantined(config.storage.dir);
  if (quarantined > 0) problems.push(`${quarantined} recording(s) in quarantine at ${quarantineDir(config.storage.dir)}: the spool refused them (see the .quarantine.json notes)`);
  const backlog = countSpool(config.storage.spool);
  if (backlog === null) problems.push(`cannot read the spool ${config.storage.spool}`);
  else if (backlog > thresholds.maxBacklog) problems.push(`spool backlog ${backlog} over ${thresholds.maxBacklog}`);

  let usedBytes: number | null = null;
  let freeBytes: number | null = null;
  let totalBytes: number | null = null;
  let freePercent: number | null = null;
  try {
    const fs = statfsSync(storageDir);
    freeBytes = fs.bavail * fs.bsize;
    totalBytes = fs.blocks * fs.bsize;
    usedBytes = (fs.blocks - fs.bfree) * fs.bsize;
    freePercent = totalBytes > 0 ? Math.round((freeBytes / totalBytes) * 1000) / 10 : null;
    if (freePercent !== null && freePercent < thresholds.minFreePercent) problems.push(`storage nearly full: ${freePercent}% free, under ${thresholds.minFreePercent}%`);
  } catch (err) {
    problems.push(`cannot stat storage ${storageDir}: ${(err as Error).message}`);
  }

  const todayStart = new Date(now.getFullYear(), now.getMonth(), now.getDate());
  const weekStart = new Date(todayStart.getTime() - 6 * DAY_MS);
  const purgeAt = nextDailyRun(now, config.ops.purgeAt);
  let recordings: StatusReport['recordings'] = null;
  let due: { due: number; held: number } | null = null;
  let rates7: LineRate[] = [];
  let teams: TeamFigures[] = [];
  let monitors: MonitorFigures | null = null;
  let ratesToday: LineRate[] = [];
  const index: StatusReport['index'] = { path: `${storageDir}/index.sqlite`, state: 'ok', error: null };
  try {
    const idx = openIndex(storageDir, 'read', { busyTimeoutMs: 2000 });
    index.path = idx.path;
    try {
      const f = indexFigures(idx.db, todayStart, weekStart);
      const { tombstones, ...rest } = f;
      recordings = { ...rest, purged: tombstones };
      due = countDueBy(idx.db, purgeAt, config.retention);
      ratesToday = lineRates(idx.db, localDay(now), localDay(now));
      rates7 = lineRates(idx.db, localDay(weekStart), localDay(now));
      teams = teamFigures(idx.db, todayStart, weekStart);
      monitors = monitorFigures(idx.db, todayStart, weekStart);
      if (f.purging > 0) problems.push(`${f.purging} purge(s) interrupted; run \`callvault purge\``);
    } finally {
      idx.close();
    }
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'CV_ERR_OPS_NO_INDEX') {
      index.state = 'absent';
      index.error = 'no index yet: nothing archived';
    } else {
      index.state = 'error';
      index.error = (err as Error).message;
      problems.push(`index unreadable: ${(err as Error).message}`);
    }
  }

  const pick = (rates: LineRate[], line: string): Omit<LineRate, 'line'> => {
    const r = rates.find((x) => x.line === line);
    if (r === undefined) return { offered: 0, recorded: 0, achieved: null, eligible: 0, objected: 0, achievedEligible: null, objectionRate: null };
    const { line: _line, ...rest } = r;
    return rest;
  };
  const sampling = Object.entries(config.lines).map(([line, policy]) => ({
    line, mode: policy.mode, target: targetOf(policy), today: pick(ratesToday, line), last7Days: pick(rates7, line),
  }));

  return {
    checkedAt: now.toISOString(),
    healthy: problems.length === 0,
    problems,
    daemon,
    link,
    archiver,
    callsInProgress: live?.callsInProgress ?? null,
    recordingsInProgress: live?.recordingsInProgress ?? null,
    recordings,
    teams: [
      ...teams,
      ...Object.keys(config.teams).filter((t) => !teams.some((x) => x.team === t)).map((team) => ({ team, recordingsToday: 0, recordings7Days: 0 })),
    ].sort((a, b) => a.team.localeCompare(b.team)),
    monitors: monitors === null ? null : { ...monitors, inProgress: live?.monitorsInProgress ?? null },
    sampling,
    spool: { dir: config.storage.spool, backlog, outlook },
    quarantined,
    storage: { dir: storageDir, usedBytes, freeBytes, totalBytes, freePercent },
    nextPurge: { at: purgeAt.toISOString(), due: due?.due ?? null, held: due?.held ?? null },
    lastErrors: ds.state === 'absent' ? [] : ds.status.lastErrors,
    index,
  };
}
