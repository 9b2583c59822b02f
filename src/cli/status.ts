/**
 * `callvault status`: is the daemon up, is the PBX link up, is the archive
 * keeping up, is there room left. Exit 0 when healthy, 1 when not (daemon
 * down or stale, link down, spool backlog over --max-backlog, free space
 * under --min-free-percent, index unreadable), so cron and monitoring can
 * use it. It answers from the index when the daemon is down, and says so.
 */
import type { Command } from 'commander';
import { action, type CommandContext } from './context.js';
import { printJson } from './output.js';
import { bytes, configFrom, intOption, localTime, withConfig } from './ops-common.js';
import { buildStatus, DEFAULT_THRESHOLDS, type StatusReport } from '../ops/status-report.js';
import type { SpoolOutlook } from '../ops/spool-outlook.js';

interface Opts { config?: string; json?: boolean; maxBacklog?: string; minFreePercent?: string }

const pct = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(1)}%`);

const hours = (h: number) => (h < 1 ? `${Math.round(h * 60)} min` : `${h.toFixed(1)} h`);

/** One line: how much audio waits, where it is going, when the disk fills. */
function describeOutlook(s: SpoolOutlook): string {
  const rates = s.growthAudioHoursPerHour === null ? 'measuring the trend' : `growth ${s.growthAudioHoursPerHour.toFixed(2)} audio h/h, archiving ${(s.archiveAudioHoursPerHour ?? 0).toFixed(2)} audio h/h`;
  const drain = ((): string => {
    switch (s.drain.kind) {
      case 'empty': return 'nothing waiting';
      case 'measuring': return 'drain time not known yet';
      case 'draining': return `drained in ${hours(s.drain.hours)} (${localTime(new Date(s.drain.atMs).toISOString())})`;
      case 'growing': case 'steady': return s.drain.ifNoNewCallsHours === null ? `${s.drain.kind}, nothing archived lately` : `${s.drain.kind}; with no new calls drained in ${hours(s.drain.ifNoNewCallsHours)}`;
    }
  })();
  const disk = s.disk.kind === 'filling' ? `disk full in ${hours(s.disk.hoursLeft)} at the current rate` : s.disk.kind === 'measuring' ? 'disk trend not known yet' : 'disk not filling';
  return `${s.audioHours.toFixed(2)} audio h waiting; ${rates}; ${drain}; ${disk}`;
}

function print(ctx: CommandContext, r: StatusReport): void {
  const o = (s: string) => ctx.io.out(s);
  o(`callvault: ${r.healthy ? 'healthy' : 'UNHEALTHY'} at ${localTime(r.checkedAt)}`);
  for (const p of r.problems) o(`  problem: ${p}`);
  o(`daemon: ${r.daemon.state}${r.daemon.pid !== null ? ` (pid ${r.daemon.pid}, up since ${localTime(r.daemon.startedAt!)})` : ''}`);
  if (r.daemon.note !== null) o(`  note: ${r.daemon.note}`);
  if (r.link !== null) o(`pbx link: ${r.link.state} since ${localTime(r.link.since)}, ${r.link.reconnects} reconnect(s)${r.link.lastError !== null ? `, last error: ${r.link.lastError}` : ''}`);
  if (r.archiver !== null) {
    o(`archiver: ${r.archiver.detail}`);
    if (r.archiver.hint !== null) o(`  hint: ${r.archiver.hint}`);
  }
  if (r.callsInProgress !== null) o(`calls in progress: ${r.callsInProgress} (${r.recordingsInProgress} recording)`);
  if (r.recordings !== null) {
    const rec = r.recordings;
    o(`recordings: ${rec.recordingsToday} today, ${rec.recordings7Days} over 7 days, ${rec.recordings} in the index (${rec.held} held, ${rec.purged} purged${rec.purging > 0 ? `, ${rec.purging} purge(s) interrupted` : ''})`);
    o(`oldest recording: ${rec.oldest === null ? 'none' : `${rec.oldest.id} (${localTime(rec.oldest.startedAt)})`}`);
  } else {
    o(`index: ${r.index.state}${r.index.error !== null ? ` (${r.index.error})` : ''}`);
  }
  if (r.teams.length > 0) {
    o('teams (recordings today, 7 days):');
    for (const t of r.teams) o(`  ${t.team}: ${t.recordingsToday}, ${t.recordings7Days}`);
  }
  if (r.monitors !== null) {
    const m = r.monitors;
    o(`live listening: ${m.inProgress ?? 'n/a'} in progress; allowed ${m.allowedToday} today, ${m.allowed7Days} over 7 days; refused ${m.refusedToday} today, ${m.refused7Days} over 7 days`);
  }
  // Offered counts objectors and early hang-ups, whom no rate records: a 25% line reads
  // lower there. Among eligible calls (the draw had the last word) it compares with the target.
  o('sampling (recorded / offered; recorded / eligible, objections among those asked; today, 7 days; target):');
  const rate = (x: { recorded: number; offered: number; achieved: number | null; eligible: number; achievedEligible: number | null; objectionRate: number | null }): string =>
    `${x.recorded}/${x.offered} ${pct(x.achieved)}, eligible ${x.recorded}/${x.eligible} ${pct(x.achievedEligible)}, objected ${pct(x.objectionRate)}`;
  for (const s of r.sampling) {
    const target = s.target === null ? 'caller consent' : pct(s.target);
    o(`  ${s.line} (${s.mode}): ${rate(s.today)}; ${rate(s.last7Days)}; target ${target}`);
  }
  o(`spool backlog: ${r.spool.backlog ?? 'unreadable'} (${r.spool.dir})`);
  if (r.spool.outlook !== null) o(`  ${describeOutlook(r.spool.outlook)}`);
  o(`storage: ${bytes(r.storage.usedBytes)} used, ${bytes(r.storage.freeBytes)} free${r.storage.freePercent !== null ? ` (${r.storage.freePercent}%)` : ''} on ${r.storage.dir}`);
  o(`next purge: ${localTime(r.nextPurge.at)}${r.nextPurge.due !== null ? `, ${r.nextPurge.due} recording(s) due${r.nextPurge.held ? `, ${r.nextPurge.held} kept under legal hold` : ''}` : ''}`);
  if (r.lastErrors.length > 0) {
    o('last errors:');
    for (const e of r.lastErrors.slice(-5)) o(`  ${localTime(e.at)} ${e.where}: ${e.message}`);
  }
}

export function register(program: Command, ctx: CommandContext): void {
  withConfig(program.command('status'))
    .description('daemon, PBX link, recordings, sampling, spool and storage at a glance (exit 1 when unhealthy)')
    .option('--json', 'print the report as JSON')
    .option('--max-backlog <n>', `spool backlog above which status is unhealthy (default ${DEFAULT_THRESHOLDS.maxBacklog})`)
    .option('--min-free-percent <p>', `free space under which status is unhealthy (default ${DEFAULT_THRESHOLDS.minFreePercent})`)
    .action(action(ctx, (opts: Opts) => {
      const config = configFrom(opts);
      const report = buildStatus(config, Date.now(), {
        maxBacklog: intOption(opts.maxBacklog, '--max-backlog', 0, 1_000_000, DEFAULT_THRESHOLDS.maxBacklog),
        minFreePercent: intOption(opts.minFreePercent, '--min-free-percent', 0, 100, DEFAULT_THRESHOLDS.minFreePercent),
      });
      if (opts.json === true) printJson(ctx.io, report);
      else print(ctx, report);
      return report.healthy ? 0 : 1;
    }));
}
