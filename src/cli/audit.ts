/**
 * `callvault audit`: who did what to which recording, when and why, from the
 * hash-chained audit table; `--verify` walks the chain and exits 1 if a row
 * was changed, removed or inserted outside callvault. `callvault verify`
 * (the archive check) walks the same chain as part of its report;
 * `auditChainReport` is the shared, exported piece.
 */
import type { Command } from 'commander';
import type { Database } from 'better-sqlite3';
import { CallvaultError } from '../errors.js';
import { listAudit, verifyAuditChain } from '../index/audit-log.js';
import type { AuditEntry, AuditVerdict } from '../index/types.js';
import { resolveId } from '../index/ops-rows.js';
import { guardIndex, openIndex } from '../ops/open-index.js';
import { action, type CommandContext } from './context.js';
import { printJson, type Io } from './output.js';
import { configFrom, intOption, localTime, withConfig, withLockTimeout } from './ops-common.js';

interface AuditOpts { config?: string; json?: boolean; recording?: string; action?: string; verify?: boolean; limit?: string; lockTimeout?: string }

/** Verifies the chain and describes the result in one line, for this command and for `verify`. */
export function auditChainReport(db: Database): { verdict: AuditVerdict; line: string } {
  const verdict = verifyAuditChain(db);
  const line = verdict.ok
    ? `audit chain ok: ${verdict.rows} row(s), head ${verdict.head.slice(0, 16)}...`
    : `audit chain broken at row ${verdict.brokenAt}: ${verdict.reason}`;
  return { verdict, line };
}

/** Prints the chain check the house way (`audit --verify`, `verify --audit`); returns the exit code. */
export function printAuditChain(io: Io, db: Database, json: boolean): number {
  const { verdict, line } = auditChainReport(db);
  if (json) printJson(io, verdict);
  else if (verdict.ok) io.out(`callvault: ${line}`);
  if (verdict.ok) return 0;
  const err = new CallvaultError('CV_ERR_AUDIT_CHAIN', [verdict.brokenAt, verdict.reason]);
  io.err(`callvault: error: ${err.message}`);
  io.err(`callvault: hint: ${err.hint}`);
  return 1;
}

function describe(e: AuditEntry): string {
  const details = Object.keys(e.details).length > 0 ? ` ${JSON.stringify(e.details)}` : '';
  return `#${e.seq} ${localTime(e.at)} ${e.actor} ${e.action}${e.recordingId !== null ? ` ${e.recordingId}` : ''}${e.reason !== null ? ` reason: ${e.reason}` : ''}${details}`;
}

export function register(program: Command, ctx: CommandContext): void {
  withLockTimeout(withConfig(program.command('audit')))
    .description('list the audit log (who, when, what, why); --verify checks its hash chain (exit 1 if broken)')
    .option('--recording <id>', 'only the rows about this recording')
    .option('--action <verb>', 'only the rows of this action (archive, decrypt, purge, hold, monitor...)')
    .option('--limit <n>', 'only the last N rows (1 to 1000000)')
    .option('--verify', 'verify the hash chain instead of listing')
    .option('--json', 'print JSON')
    .action(action(ctx, (opts: AuditOpts) => {
      const config = configFrom(opts);
      const index = openIndex(config.storage.dir, 'read', { busyTimeoutMs: intOption(opts.lockTimeout, '--lock-timeout', 0, 600_000, 5000) });
      try {
        if (opts.verify === true) return guardIndex(index.path, () => printAuditChain(ctx.io, index.db, opts.json === true));
        let rows = guardIndex(index.path, () => listAudit(index.db, opts.recording));
        if (opts.recording !== undefined && rows.length === 0 && resolveId(index.db, opts.recording).kind === 'unknown') {
          throw new CallvaultError('CV_ERR_OPS_UNKNOWN_ID', [opts.recording]);
        }
        if (opts.action !== undefined) rows = rows.filter((e) => e.action === opts.action);
        if (opts.limit !== undefined) rows = rows.slice(-intOption(opts.limit, '--limit', 1, 1_000_000, 100));
        if (opts.json === true) printJson(ctx.io, { audit: rows });
        else if (rows.length === 0) ctx.io.out('callvault: no audit row matches');
        else for (const e of rows) ctx.io.out(describe(e));
        return 0;
      } finally {
        index.close();
      }
    }));
}
