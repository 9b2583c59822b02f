/**
 * `callvault reindex`: rebuilds missing index rows from the clear sidecars
 * beside the encrypted files, with no private key. Existing rows are kept.
 */
import type { Command } from 'commander';
import { reindexArchive } from '../archive/reindex.js';
import { StorageLayout } from '../archive/storage-layout.js';
import { checkStorageDir } from '../archive/durable-fs.js';
import { RecordingIndex } from '../index/index.js';
import type { Purpose } from '../policy/purpose.js';
import { retentionDeadline } from '../policy/retention.js';
import { actorFrom, settingsFrom, storageOptions } from './archive.js';
import { action, type CommandContext } from './context.js';
import { printJson } from './output.js';

interface ReindexOpts {
  config?: string;
  storage?: string;
  retention?: string[];
  actor?: string;
  json?: boolean;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function register(program: Command, ctx: CommandContext): void {
  storageOptions(program.command('reindex'))
    .description('rebuild missing index rows from the sidecars beside the encrypted files')
    .option('--retention <purpose=days>', 'retention in days for a purpose (repeatable; overrides the config)', collect)
    .option('--actor <name>', 'who is acting, for the audit log (default: the OS user)')
    .option('--json', 'print the report as JSON')
    .action(action(ctx, async (opts: ReindexOpts) => {
      const s = settingsFrom(opts);
      await checkStorageDir(s.storageDir);
      const layout = new StorageLayout(s.storageDir);
      const index = RecordingIndex.open(layout.indexPath);
      try {
        const actor = actorFrom(opts);
        const report = await reindexArchive({
          index, layout, actor,
          retentionDeadline: (purpose: Purpose, endedAt: Date) => retentionDeadline(purpose, endedAt, s.retentionDays),
        });
        index.appendAudit({ actor, action: 'reindex-run', details: { scanned: report.scanned, inserted: report.inserted.length, problems: report.problems.length } });
        if (opts.json === true) {
          printJson(ctx.io, report);
        } else {
          for (const id of report.inserted) ctx.io.out(`indexed ${id}`);
          for (const p of report.problems) ctx.io.out(`${p.kind} ${p.id ?? p.path}: ${p.detail}`);
          ctx.io.out(`callvault: ${report.scanned} sidecars, ${report.inserted.length} indexed, ${report.alreadyIndexed} already indexed, ${report.problems.length} problem${report.problems.length === 1 ? '' : 's'}`);
        }
        return report.problems.length > 0 ? 1 : 0;
      } finally {
        index.close();
      }
    }));
}
