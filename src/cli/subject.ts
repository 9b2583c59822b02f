/**
 * `callvault subject find|erase NUMBER`: a data subject's rights of access
 * and erasure (GDPR art. 15 and 17). The number is normalised to E.164 with
 * ops.defaultCountry and matched through the keyed hashes of its written
 * forms: it is never stored in clear, not even in the audit log, which gets
 * a short keyed reference instead. Erasure respects legal holds: held
 * recordings are kept and reported. Each request is logged in the audit
 * before anything is destroyed.
 */
import type { Command } from 'commander';
import { KeyedHasher } from '../privacy/keyed-hash.js';
import { normalizePhoneNumber, writtenForms } from '../privacy/phone-number.js';
import { appendAudit } from '../index/audit-log.js';
import { activeHoldIds, recordingsByCallerHashes } from '../index/subject-queries.js';
import { eraseCallerTextFromEvaluations, evaluationsByCallerHashes } from '../index/quality-store.js';
import { StorageLayout } from '../archive/storage-layout.js';
import { guardIndex, guardIndexAsync, openIndex } from '../ops/open-index.js';
import { destroyRecording, type PurgeFailure } from '../ops/purge.js';
import { CallvaultError } from '../errors.js';
import { action, type CommandContext } from './context.js';
import { printJson } from './output.js';
import { actorFrom, configFrom, intOption, localTime, progress, publicRecording, reasonFrom, recordingState, withActor, withConfig, withLockTimeout } from './ops-common.js';

interface SubjectOpts { config?: string; json?: boolean; reason?: string; actor?: string; lockTimeout?: string; forgetObjection?: boolean }

export function register(program: Command, ctx: CommandContext): void {
  const subject = program.command('subject').description("a data subject's rights: find or erase a caller's recordings");

  withLockTimeout(withActor(withConfig(subject.command('find'))))
    .description("list a caller's recordings (right of access); the request is logged in the audit")
    .argument('<number>', 'phone number, E.164 (+33...) or national in ops.defaultCountry')
    .option('--reason <text>', 'why (audit log)', 'subject access request')
    .option('--json', 'print JSON')
    .action(action(ctx, (number: string, opts: SubjectOpts) => {
      const { e164, reason, actor, hasher, forms, index } = subjectRequest(opts, number, 'subject find');
      try {
        return guardIndex(index.path, () => {
          const rows = recordingsByCallerHashes(index.db, forms.map((f) => hasher.hex('caller', f)));
          const held = activeHoldIds(index.db, rows.map((r) => r.id));
          const objection = objectionOf(index.db, forms.map((f) => hasher.hex('objection', f)));
          // Evaluation notes and comments may be about the caller, and outlive the audio (docs/quality.md).
          const evaluations = evaluationsByCallerHashes(index.db, forms.map((f) => hasher.hex('caller', f)));
          appendAudit(index.db, { actor, action: 'subject-find', reason, details: { subject: hasher.short('log', e164), found: rows.length, evaluations: evaluations.length } });
          if (opts.json === true) {
            printJson(ctx.io, { number: e164, recordings: rows.map((r) => ({ ...publicRecording(r), held: held.has(r.id) })), evaluations, objectionRememberedUntil: objection });
            return 0;
          }
          ctx.io.out(`callvault: ${rows.length} recording(s) of ${e164}`);
          for (const r of rows) ctx.io.out(`${r.id}  ${localTime(r.startedAt)}  ${r.line}  ${r.purpose}  ${recordingState(r)}${held.has(r.id) ? ' (legal hold)' : ''}  keep until ${localTime(r.retentionUntil)}`);
          for (const e of evaluations) ctx.io.out(`evaluation ${e.evaluationId} of ${e.recordingId}: ${e.notes.length} note(s), ${e.comments.length} comment(s) (--json prints their text)`);
          if (objection !== null) ctx.io.out(`objection remembered until ${localTime(objection)}: this caller is not recorded`);
          return 0;
        });
      } finally {
        index.close();
      }
    }));

  withLockTimeout(withActor(withConfig(subject.command('erase'))))
    .description("destroy a caller's recordings (right to erasure); held recordings are kept and reported")
    .argument('<number>', 'phone number, E.164 (+33...) or national in ops.defaultCountry')
    .option('--reason <text>', 'why, for example the request reference (required)')
    .option('--forget-objection', "also forget a remembered objection (by default it is kept: it is what stops this caller being recorded)")
    .option('--json', 'print JSON')
    .action(action(ctx, async (number: string, opts: SubjectOpts) => {
      const { config, e164, reason, actor, hasher, forms, index } = subjectRequest(opts, number, 'subject erase');
      const bar = progress(ctx, opts.json === true, 'erase');
      try {
        const objectionHashes = forms.map((f) => hasher.hex('objection', f));
        const { rows, held } = guardIndex(index.path, () => index.db.transaction(() => {
          const rows = recordingsByCallerHashes(index.db, forms.map((f) => hasher.hex('caller', f)));
          const held = activeHoldIds(index.db, rows.map((r) => r.id));
          // The request is logged first, so that it is on record even if the erasure is interrupted.
          appendAudit(index.db, { actor, action: 'subject-erase', reason, details: { subject: hasher.short('log', e164), found: rows.length, held: held.size } });
          return { rows, held };
        }).immediate());
        const pctx = { index, layout: new StorageLayout(config.storage.dir), actor, reason, now: () => new Date() };
        const erased: string[] = [];
        const kept: string[] = [...held];
        const failed: PurgeFailure[] = [];
        const todo = rows.filter((r) => !held.has(r.id));
        let done = 0;
        for (const r of todo) {
          try {
            if (await guardIndexAsync(index.path, () => destroyRecording(pctx, r.id, 'erasure-request', 'erase'))) erased.push(r.id);
            else kept.push(r.id); // held in the meantime
          } catch (err) {
            if (err instanceof CallvaultError && err.code === 'CV_ERR_INDEX_READONLY') throw err;
            failed.push({ id: r.id, code: err instanceof CallvaultError ? err.code : 'CV_ERR_OPS_PURGE_FILE', message: err instanceof Error ? err.message : String(err) });
          }
          bar.update(++done, todo.length);
        }
        bar.stop();
        let objectionForgotten = false;
        if (opts.forgetObjection === true) {
          objectionForgotten = guardIndex(index.path, () => index.db.transaction(() => {
            const n = index.db.prepare(`DELETE FROM objections WHERE caller_hash IN (${objectionHashes.map(() => '?').join(', ')})`).run(...objectionHashes).changes;
            if (n > 0) appendAudit(index.db, { actor, action: 'forget-objection', reason, details: { subject: hasher.short('log', e164) } });
            return n > 0;
          }).immediate());
        }
        const objection = guardIndex(index.path, () => objectionOf(index.db, objectionHashes));
        const evaluationsScrubbed = guardIndex(index.path, () => eraseCallerTextFromEvaluations(index.db, forms.map((f) => hasher.hex('caller', f)), { actor, reason, now: new Date() }));
        if (opts.json === true) {
          printJson(ctx.io, { number: e164, erased, keptUnderHold: kept, failed, objectionForgotten, objectionRememberedUntil: objection, evaluationsScrubbed });
        } else {
          for (const id of erased) ctx.io.out(`${id}  erased`);
          for (const id of kept) ctx.io.out(`${id}  kept: legal hold (tell the subject it is retained for a legal claim)`);
          for (const f of failed) ctx.io.err(`callvault: error: ${f.id}: ${f.message}`);
          ctx.io.out(`callvault: erased ${erased.length} recording(s) of ${e164}, kept ${kept.length} under legal hold${failed.length > 0 ? `, ${failed.length} failed (run the command again)` : ''}`);
          if (evaluationsScrubbed.length > 0) ctx.io.out(`callvault: removed notes and comments from ${evaluationsScrubbed.length} evaluation(s) of these calls (scores kept)`);
          if (objection !== null) ctx.io.out(`objection remembered until ${localTime(objection)} (kept so that this caller is not recorded; --forget-objection removes it)`);
        }
        return failed.length > 0 ? 1 : 0;
      } finally {
        bar.stop();
        index.close();
      }
    }));
}

/**
 * What both requests start with, in this order so that bad input fails
 * before the index is opened: the config, the number in E.164 (or a clear
 * error), the mandatory reason, the actor, and the keyed hashes of every form
 * in which the number may have been stored.
 */
function subjectRequest(opts: SubjectOpts, number: string, what: string) {
  const config = configFrom(opts);
  const e164 = normalizePhoneNumber(number, config.ops.defaultCountry);
  const reason = reasonFrom(opts, what);
  const actor = actorFrom(opts);
  const hasher = KeyedHasher.fromFile(config.privacy.hashKeyFile);
  const forms = writtenForms(e164, config.ops.defaultCountry);
  const index = openIndex(config.storage.dir, 'write', { busyTimeoutMs: intOption(opts.lockTimeout, '--lock-timeout', 0, 600_000, 5000) });
  return { config, e164, reason, actor, hasher, forms, index };
}

function objectionOf(db: import('better-sqlite3').Database, hashes: string[]): string | null {
  const r = db.prepare(`SELECT MAX(expires_at) AS e FROM objections WHERE caller_hash IN (${hashes.map(() => '?').join(', ')}) AND expires_at > ?`)
    .get(...hashes, new Date().toISOString()) as { e: string | null };
  return r.e;
}
