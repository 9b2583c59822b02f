/**
 * `callvault hold` and `callvault release`: legal holds, by recording (or
 * call) id or by caller number. A held recording is never purged or
 * erased. Every recording of the request changes in one transaction, each
 * with its audit row (who, when, why).
 */
import type { Command } from 'commander';
import { CallvaultError } from '../errors.js';
import { KeyedHasher } from '../privacy/keyed-hash.js';
import { normalizePhoneNumber, writtenForms } from '../privacy/phone-number.js';
import { resolveId } from '../index/ops-rows.js';
import { recordingsByCallerHashes } from '../index/subject-queries.js';
import { placeHolds, releaseHolds } from '../index/hold-queries.js';
import { guardIndex, openIndex } from '../ops/open-index.js';
import type { ResolvedConfig } from '../config/index.js';
import type { RecordingIndex } from '../index/index.js';
import { action, type CommandContext } from './context.js';
import { printJson } from './output.js';
import { actorFrom, configFrom, intOption, localTime, reasonFrom, withActor, withConfig, withLockTimeout } from './ops-common.js';

interface HoldOpts { config?: string; json?: boolean; caller?: string; reason?: string; actor?: string; lockTimeout?: string }

/** The recordings an id or a caller number names; throws with a clear message when none. */
export function targetIds(index: RecordingIndex, config: ResolvedConfig, id: string | undefined, caller: string | undefined): { ids: string[]; via: 'id' | 'caller' } {
  if ((id === undefined) === (caller === undefined)) throw new CallvaultError('CV_ERR_CLI_USAGE', ['give either a recording/call id or --caller NUMBER']);
  if (caller !== undefined) {
    const e164 = normalizePhoneNumber(caller, config.ops.defaultCountry);
    const hasher = KeyedHasher.fromFile(config.privacy.hashKeyFile);
    const rows = guardIndex(index.path, () => recordingsByCallerHashes(index.db, writtenForms(e164, config.ops.defaultCountry).map((f) => hasher.hex('caller', f))));
    if (rows.length === 0) throw new CallvaultError('CV_ERR_OPS_NO_RECORDING', [e164]);
    return { ids: rows.map((r) => r.id), via: 'caller' };
  }
  const found = guardIndex(index.path, () => resolveId(index.db, id!));
  if (found.kind === 'unknown') throw new CallvaultError('CV_ERR_OPS_UNKNOWN_ID', [id]);
  if (found.kind === 'purged') throw new CallvaultError('CV_ERR_OPS_PURGED', [found.tombstone.recordingId, localTime(found.tombstone.purgedAt), found.tombstone.reason]);
  return { ids: found.rows.map((r) => r.id), via: 'id' };
}

export function register(program: Command, ctx: CommandContext): void {
  for (const verb of ['hold', 'release'] as const) {
    withLockTimeout(withActor(withConfig(program.command(verb))))
      .description(verb === 'hold'
        ? 'place a legal hold: the recording(s) are never purged or erased until released'
        : 'release the legal holds on recording(s): they follow their retention again')
      .argument('[id]', 'recording id, or call / linked id')
      .option('--caller <number>', 'every recording of this caller number instead of an id')
      .option('--reason <text>', 'why (required; audit log)')
      .option('--json', 'print JSON')
      .action(action(ctx, (id: string | undefined, opts: HoldOpts) => {
        const config = configFrom(opts);
        const reason = reasonFrom(opts, verb);
        const actor = actorFrom(opts);
        const index = openIndex(config.storage.dir, 'write', { busyTimeoutMs: intOption(opts.lockTimeout, '--lock-timeout', 0, 600_000, 5000) });
        try {
          const { ids, via } = targetIds(index, config, id, opts.caller);
          const req = { actor, reason, now: new Date(), via };
          if (verb === 'hold') {
            const r = guardIndex(index.path, () => placeHolds(index.db, ids, req));
            if (opts.json === true) printJson(ctx.io, r);
            else {
              for (const h of r.held) ctx.io.out(`${h}  held`);
              for (const h of r.alreadyHeld) ctx.io.out(`${h}  held (it already had a hold; this one is added)`);
            }
          } else {
            const r = guardIndex(index.path, () => releaseHolds(index.db, ids, req));
            if (opts.json === true) printJson(ctx.io, r);
            else {
              for (const h of r.released) ctx.io.out(`${h}  released`);
              for (const h of r.notHeld) ctx.io.out(`${h}  was not held; unchanged`);
            }
          }
          return 0;
        } finally {
          index.close();
        }
      }));
  }
}
