/**
 * `callvault purge` (the retention purge the daemon also runs daily) and
 * `callvault proof-received` (a contract recording is destroyed as soon as
 * written or e-signed proof exists). Both go through src/ops/purge.ts:
 * crash-safe, resumable, held recordings kept, one audit row per recording.
 */
import type { Command } from 'commander';
import { CallvaultError } from '../errors.js';
import { StorageLayout } from '../archive/storage-layout.js';
import { resolveId } from '../index/ops-rows.js';
import { markProofReceived } from '../index/retention-queries.js';
import { guardIndex, guardIndexAsync, openIndex } from '../ops/open-index.js';
import { destroyRecording, purgeDue, type PurgeContext } from '../ops/purge.js';
import { action, type CommandContext } from './context.js';
import { printJson } from './output.js';
import { actorFrom, configFrom, intOption, localTime, progress, reasonFrom, withActor, withConfig, withLockTimeout } from './ops-common.js';

interface PurgeOpts { config?: string; json?: boolean; dryRun?: boolean; reason?: string; actor?: string; lockTimeout?: string }

export function register(program: Command, ctx: CommandContext): void {
  withLockTimeout(withActor(withConfig(program.command('purge'))))
    .description('destroy recordings whose retention ended (held ones are kept); finishes interrupted purges')
    .option('--dry-run', 'list what would be purged, change nothing')
    .option('--reason <text>', 'why (audit log); required unless --dry-run')
    .option('--json', 'print the report as JSON')
    .action(action(ctx, async (opts: PurgeOpts) => {
      const config = configFrom(opts);
      const dryRun = opts.dryRun === true;
      const reason = dryRun ? '' : reasonFrom(opts, 'purge');
      const actor = actorFrom(opts);
      const index = openIndex(config.storage.dir, dryRun ? 'read' : 'write', { busyTimeoutMs: intOption(opts.lockTimeout, '--lock-timeout', 0, 600_000, 5000) });
      const bar = progress(ctx, opts.json === true, 'purge');
      try {
        const report = await purgeDue({
          index, layout: new StorageLayout(config.storage.dir), actor, reason, now: () => new Date(),
          onProgress: (d, t) => bar.update(d, t),
        }, config.retention, { dryRun });
        bar.stop();
        if (opts.json === true) {
          printJson(ctx.io, report);
        } else {
          const verb = dryRun ? 'would purge' : 'purged';
          for (const p of report.purged) ctx.io.out(`${p.id}  ${verb} (${p.policy})`);
          for (const h of report.held) ctx.io.out(`${h}  kept: legal hold`);
          for (const f of report.failed) ctx.io.err(`callvault: error: ${f.id}: ${f.message}`);
          ctx.io.out(`callvault: ${verb} ${report.purged.length} recording(s)${report.resumed > 0 ? ` (${report.resumed} interrupted purge(s) finished)` : ''}, kept ${report.held.length} under legal hold${report.failed.length > 0 ? `, ${report.failed.length} failed` : ''}${dryRun ? '' : `, ${report.objectionsExpired} expired objection(s) forgotten`}, ${verb} ${report.evaluationsPurged} evaluation(s) and ${report.calibrationsPurged} calibration session(s) past their year`);
          if (report.failed.length > 0) ctx.io.err('callvault: hint: failed recordings stay marked; fix the cause and run `callvault purge` again');
        }
        return report.failed.length > 0 ? 1 : 0;
      } finally {
        bar.stop();
        index.close();
      }
    }));

  withLockTimeout(withActor(withConfig(program.command('proof-received'))))
    .description('record that written or e-signed proof of a contract exists, and destroy its recording(s) now')
    .argument('<id>', 'recording id, or the call id / linked id of the call')
    .option('--reason <text>', 'why, for example the signed contract reference (required)')
    .option('--json', 'print JSON')
    .action(action(ctx, async (id: string, opts: PurgeOpts) => {
      const config = configFrom(opts);
      const reason = reasonFrom(opts, 'proof-received');
      const actor = actorFrom(opts);
      const index = openIndex(config.storage.dir, 'write', { busyTimeoutMs: intOption(opts.lockTimeout, '--lock-timeout', 0, 600_000, 5000) });
      try {
        const found = guardIndex(index.path, () => resolveId(index.db, id));
        if (found.kind === 'unknown') throw new CallvaultError('CV_ERR_OPS_UNKNOWN_ID', [id]);
        if (found.kind === 'purged') {
          const t = found.tombstone;
          if (opts.json === true) printJson(ctx.io, { proofRecorded: [], purged: [], held: [], alreadyPurged: [t] });
          else ctx.io.out(`callvault: ${t.recordingId} was already purged on ${localTime(t.purgedAt)} (${t.reason}); nothing to do`);
          return 0;
        }
        // All or nothing: refuse before writing anything if one of the call's recordings is not a contract.
        for (const r of found.rows) if (r.purpose !== 'contract') throw new CallvaultError('CV_ERR_OPS_NOT_CONTRACT', [r.id, r.purpose]);
        const now = new Date();
        const ids = found.rows.map((r) => r.id);
        guardIndex(index.path, () => markProofReceived(index.db, ids, now, { actor, reason }));
        const pctx: PurgeContext = { index, layout: new StorageLayout(config.storage.dir), actor, reason, now: () => new Date() };
        const purged: string[] = [];
        const held: string[] = [];
        for (const rid of ids) {
          if (await guardIndexAsync(index.path, () => destroyRecording(pctx, rid, 'proof-received', 'purge'))) purged.push(rid);
          else held.push(rid);
        }
        if (opts.json === true) {
          printJson(ctx.io, { proofRecorded: ids, purged, held, alreadyPurged: [] });
        } else {
          for (const p of purged) ctx.io.out(`${p}  proof recorded, recording destroyed`);
          for (const h of held) ctx.io.out(`${h}  proof recorded, kept: legal hold (destroyed by the first purge after its release)`);
        }
        return 0;
      } finally {
        index.close();
      }
    }));
}
