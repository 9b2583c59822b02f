/**
 * `callvault verify [ID...] [--identity FILE]`: checks the archive against
 * the index (size, SHA-256, age header, sidecar, audit chain) and, with an
 * identity, decrypts and decodes each file. Lists missing, corrupted and
 * orphan files; exits 1 if there is any.
 */
import type { Command } from 'commander';
import { loadIdentities } from '../archive/age-crypto.js';
import { StorageLayout } from '../archive/storage-layout.js';
import { NOT_DECRYPTABLE, verifyArchive } from '../archive/verify.js';
import { RecordingIndex } from '../index/index.js';
import { actorFrom, passphraseSource, settingsFrom, storageOptions } from './archive.js';
import { action, type CommandContext } from './context.js';
import { printJson } from './output.js';
import { printAuditChain } from './audit.js';

interface VerifyOpts {
  config?: string;
  storage?: string;
  identity: string[];
  actor?: string;
  json?: boolean;
  audit?: boolean;
}

export function register(program: Command, ctx: CommandContext): void {
  storageOptions(program.command('verify'))
    .description('check recordings against the index; with --identity also decrypt and decode them')
    .argument('[ids...]', 'recording ids (default: all, plus a scan for orphan files)')
    .option('-i, --identity <file>', 'age identity file: also decrypt and decode each recording (repeatable: every identity is tried)', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .option('--actor <name>', 'who is acting, for the audit log when decrypting (default: the OS user)')
    .option('--audit', 'check only the hash chain of the audit log (a changed or removed row fails)')
    .option('--json', 'print the report as JSON')
    .action(action(ctx, async (ids: string[], opts: VerifyOpts) => {
      const s = settingsFrom(opts);
      const layout = new StorageLayout(s.storageDir);
      if (opts.audit === true) {
        const index = RecordingIndex.open(layout.indexPath, { readonly: true });
        try {
          return printAuditChain(ctx.io, index.db, opts.json === true);
        } finally {
          index.close();
        }
      }
      let identities: string[] | undefined;
      for (const file of opts.identity) (identities ??= []).push(...await loadIdentities(file, passphraseSource()));
      const index = RecordingIndex.open(layout.indexPath);
      try {
        if (identities !== undefined) {
          // Decrypting is an access, even to check: trace it like `decrypt`.
          index.appendAudit({ actor: actorFrom(opts), action: 'verify-decrypt', reason: 'integrity check', details: { ids: ids.length > 0 ? ids : 'all' } });
        }
        const report = await verifyArchive({ index, layout, ids, identities });
        const failed = report.issues.length > 0 || !report.audit.ok;
        if (opts.json === true) {
          printJson(ctx.io, { result: failed ? 'problems' : 'ok', ...report });
        } else {
          for (const id of report.ok) ctx.io.out(`ok ${id}`);
          for (const id of report.notDecryptable) ctx.io.out(`not-decryptable ${id}: ${NOT_DECRYPTABLE}`);
          for (const i of report.issues) ctx.io.out(`${i.kind} ${i.id ?? i.path}${i.id !== null && i.path !== null ? ` (${i.path})` : ''}: ${i.detail}`);
          ctx.io.out(`audit ${report.audit.ok ? 'ok' : 'broken'}: ${report.audit.rows} rows, ${report.audit.detail}`);
          ctx.io.out(`callvault: ${report.checked} checked, ${report.ok.length} ok${identities !== undefined ? ` (${report.decrypted} decrypted)` : ''}${report.notDecryptable.length > 0 ? `, ${report.notDecryptable.length} not decryptable with the given identities` : ''}, ${report.issues.length} problem${report.issues.length === 1 ? '' : 's'}`);
          if (failed) ctx.io.err('callvault: hint: restore damaged or missing files from backup; index orphan files with `callvault reindex`');
        }
        return failed ? 1 : 0;
      } finally {
        index.close();
      }
    }));
}
