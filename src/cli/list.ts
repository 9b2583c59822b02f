/**
 * `callvault list` and `callvault show`: the index, filtered and paged,
 * without touching any recording's content (no audit row: nothing is
 * decrypted). Agents are given by id and matched through their keyed hash;
 * pages are keyset-paged (`--after`, printed at the end of each page).
 */
import type { Command } from 'commander';
import { CallvaultError } from '../errors.js';
import { isPurpose, PURPOSES } from '../policy/purpose.js';
import { KeyedHasher } from '../privacy/keyed-hash.js';
import { decodeCursor, encodeCursor, listPage, type ListQuery, type ListStatus } from '../index/list-queries.js';
import { holdsOf, resolveId } from '../index/ops-rows.js';
import { listAudit } from '../index/audit-log.js';
import { guardIndex, openIndex } from '../ops/open-index.js';
import { action, type CommandContext } from './context.js';
import { printJson } from './output.js';
import { configFrom, dateArg, duration, intOption, localTime, publicRecording, recordingState, withConfig, withLockTimeout } from './ops-common.js';

const STATUSES: readonly ListStatus[] = ['archived', 'held', 'purging'];

interface ListOpts {
  config?: string; json?: boolean; from?: string; to?: string; line?: string; purpose?: string; agent?: string; team?: string;
  status?: string; limit?: string; after?: string; asc?: boolean; lockTimeout?: string;
}

export function register(program: Command, ctx: CommandContext): void {
  withLockTimeout(withConfig(program.command('list')))
    .description('list recordings, newest first, with filters and paging')
    .option('--from <date>', 'started at or after (YYYY-MM-DD local day, or ISO-8601)')
    .option('--to <date>', 'started before (a YYYY-MM-DD day is included whole)')
    .option('--line <name>', 'line name')
    .option('--purpose <purpose>', `one of ${PURPOSES.join(', ')}`)
    .option('--agent <id>', 'agent id as the PBX passes it (matched through its keyed hash), any agent heard on the recording')
    .option('--team <name>', 'team name (config teams:), any agent of it heard on the recording')
    .option('--status <status>', `one of ${STATUSES.join(', ')}`)
    .option('--limit <n>', 'recordings per page (1 to 1000)', '50')
    .option('--after <cursor>', 'the cursor printed at the end of the previous page')
    .option('--asc', 'oldest first')
    .option('--json', 'print JSON: { recordings, next }')
    .action(action(ctx, (opts: ListOpts) => {
      const config = configFrom(opts);
      const q: ListQuery = { limit: intOption(opts.limit, '--limit', 1, 1000, 50), order: opts.asc === true ? 'asc' : 'desc' };
      if (opts.from !== undefined) q.from = dateArg(opts.from, 'from');
      if (opts.to !== undefined) q.to = dateArg(opts.to, 'to');
      if (q.from !== undefined && q.to !== undefined && q.from.getTime() >= q.to.getTime()) throw new CallvaultError('CV_ERR_CLI_USAGE', ['--from must be before --to']);
      if (opts.line !== undefined) q.line = opts.line;
      if (opts.purpose !== undefined) {
        if (!isPurpose(opts.purpose)) throw new CallvaultError('CV_ERR_CLI_USAGE', [`--purpose must be one of ${PURPOSES.join(', ')}`]);
        q.purpose = opts.purpose;
      }
      if (opts.status !== undefined) {
        if (!(STATUSES as readonly string[]).includes(opts.status)) throw new CallvaultError('CV_ERR_CLI_USAGE', [`--status must be one of ${STATUSES.join(', ')}`]);
        q.status = opts.status as ListStatus;
      }
      if (opts.after !== undefined) {
        const c = decodeCursor(opts.after);
        if (c === null) throw new CallvaultError('CV_ERR_CLI_USAGE', ['--after is not a cursor printed by `callvault list`']);
        q.after = c;
      }
      if (opts.team !== undefined) q.team = opts.team;
      if (opts.agent !== undefined) q.agentHash = KeyedHasher.fromFile(config.privacy.hashKeyFile).hex('agent', opts.agent);
      const index = openIndex(config.storage.dir, 'read', { busyTimeoutMs: intOption(opts.lockTimeout, '--lock-timeout', 0, 600_000, 5000) });
      try {
        const page = guardIndex(index.path, () => listPage(index.db, q));
        const next = page.next === null ? null : encodeCursor(page.next);
        if (opts.json === true) {
          printJson(ctx.io, { recordings: page.rows.map(publicRecording), next });
          return 0;
        }
        if (page.rows.length === 0) ctx.io.out('callvault: no recording matches');
        for (const r of page.rows) {
          ctx.io.out(`${r.id}  ${localTime(r.startedAt)}  ${duration(r.durationMs).padStart(6)}  ${r.line}  ${r.purpose}  ${recordingState(r)}`);
        }
        if (next !== null) ctx.io.out(`more: add --after ${next}`);
        return 0;
      } finally {
        index.close();
      }
    }));

  withLockTimeout(withConfig(program.command('show')))
    .description('show one recording (by recording id, or every recording of a call id), its holds and audit trail')
    .argument('<id>', 'recording id (20261128T150405Z-a1b2c3d4) or call / linked id')
    .option('--json', 'print JSON')
    .action(action(ctx, (id: string, opts: { config?: string; json?: boolean; lockTimeout?: string }) => {
      const config = configFrom(opts);
      const index = openIndex(config.storage.dir, 'read', { busyTimeoutMs: intOption(opts.lockTimeout, '--lock-timeout', 0, 600_000, 5000) });
      try {
        const found = guardIndex(index.path, () => resolveId(index.db, id));
        if (found.kind === 'unknown') throw new CallvaultError('CV_ERR_OPS_UNKNOWN_ID', [id]);
        if (found.kind === 'purged') {
          const t = found.tombstone;
          if (opts.json === true) printJson(ctx.io, { state: 'purged', tombstone: t, audit: listAudit(index.db, t.recordingId) });
          else ctx.io.out(`${t.recordingId}: purged on ${localTime(t.purgedAt)} (${t.reason}); only this tombstone remains`);
          return 0;
        }
        const items = found.rows.map((r) => ({ recording: r, holds: holdsOf(index.db, r.id), audit: listAudit(index.db, r.id) }));
        if (opts.json === true) {
          printJson(ctx.io, { recordings: items.map((i) => ({ ...publicRecording(i.recording), holds: i.holds, audit: i.audit })) });
          return 0;
        }
        for (const { recording: r, holds, audit } of items) {
          const o = (s: string) => ctx.io.out(s);
          o(`${r.id}`);
          o(`  state:      ${recordingState(r)}`);
          o(`  call:       ${r.callId} (linked ${r.linkedId}, ${r.pbx})`);
          o(`  line:       ${r.line}, purpose ${r.purpose}, decision ${r.decision}, consent ${r.consent}`);
          o(`  started:    ${localTime(r.startedAt)}, ${duration(r.durationMs)}, ${r.channels === 2 ? 'stereo' : 'mono'}`);
          o(`  file:       ${r.file} (${r.sizeBytes} bytes, sha256 ${r.sha256.slice(0, 16)}...)`);
          o(`  keep until: ${localTime(r.retentionUntil)}${r.proofReceivedAt !== null ? ` (contract proof received ${localTime(r.proofReceivedAt)})` : ''}`);
          o(`  pauses:     ${r.pauses.length === 0 ? 'none' : r.pauses.map((p) => `${p.startOffsetMs}-${p.endOffsetMs ?? 'end'} ms ${p.outcome}`).join(', ')}`);
          for (const h of holds) o(`  hold:       ${localTime(h.placedAt)} by ${h.placedBy}: ${h.reason}${h.releasedAt !== null ? ` (released ${localTime(h.releasedAt)} by ${h.releasedBy})` : ' (active)'}`);
          for (const a of audit) o(`  audit #${a.seq}: ${localTime(a.at)} ${a.action} by ${a.actor}${a.reason !== null ? `: ${a.reason}` : ''}`);
        }
        return 0;
      } finally {
        index.close();
      }
    }));
}
