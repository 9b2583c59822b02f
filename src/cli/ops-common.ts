/**
 * What the ops commands share: the --config/--actor/--reason options, date
 * arguments, progress bars (on a terminal only, never with --json or when
 * piped) and the one-line summaries of a recording. Kept apart from
 * output.ts, which every command uses.
 */
import { userInfo } from 'node:os';
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { CallvaultError } from '../errors.js';
import { loadConfig, type ResolvedConfig } from '../config/index.js';
import type { CommandContext } from './context.js';
import type { OpsRecording } from '../index/ops-rows.js';

export function withConfig(cmd: Command): Command {
  return cmd.option('-c, --config <file>', 'configuration file (default: $CALLVAULT_CONFIG)');
}

export function withActor(cmd: Command): Command {
  return cmd.option('--actor <name>', 'who is acting, for the audit log (default: the OS user)');
}

export function withLockTimeout(cmd: Command): Command {
  return cmd.option('--lock-timeout <ms>', 'how long to wait for an index locked by another process', '5000');
}

export function configFrom(opts: { config?: string }): ResolvedConfig {
  const path = opts.config ?? process.env.CALLVAULT_CONFIG;
  if (path === undefined || path === '') throw new CallvaultError('CV_ERR_CLI_USAGE', ['no configuration: pass --config FILE or set CALLVAULT_CONFIG']);
  return loadConfig(path);
}

export function actorFrom(opts: { actor?: string }): string {
  if (opts.actor !== undefined) {
    const a = opts.actor.trim();
    if (a.length === 0 || a.length > 128 || /[\u0000-\u001f]/.test(a)) throw new CallvaultError('CV_ERR_CLI_USAGE', ['--actor must be 1 to 128 printable characters']);
    return a;
  }
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.LOGNAME ?? 'unknown';
  }
}

/** The mandatory reason of an audited action: trimmed, non-empty, one line. */
export function reasonFrom(opts: { reason?: string }, what: string): string {
  const r = opts.reason?.trim() ?? '';
  if (r.length === 0) throw new CallvaultError('CV_ERR_OPS_REASON', [what]);
  if (r.length > 500 || /[\u0000-\u001f]/.test(r)) throw new CallvaultError('CV_ERR_CLI_USAGE', ['--reason must be one line of at most 500 characters']);
  return r;
}

export function intOption(value: string | undefined, name: string, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) throw new CallvaultError('CV_ERR_CLI_USAGE', [`${name} must be a whole number from ${min} to ${max}`]);
  return Number(value);
}

/**
 * A date argument. `YYYY-MM-DD` is a local day: as --from it is the day's
 * start, as --to it includes the whole day. An ISO-8601 instant is taken as
 * it is.
 */
export function dateArg(text: string, bound: 'from' | 'to'): Date {
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (day !== null) {
    const [y, m, d] = [Number(day[1]), Number(day[2]), Number(day[3])];
    const date = new Date(y, m - 1, d + (bound === 'to' ? 1 : 0));
    const check = new Date(y, m - 1, d);
    if (check.getFullYear() !== y || check.getMonth() !== m - 1 || check.getDate() !== d) throw new CallvaultError('CV_ERR_OPS_DATE', [text]);
    return date;
  }
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$/.test(text)) {
    const d = new Date(text);
    if (!Number.isNaN(d.getTime())) return d;
  }
  throw new CallvaultError('CV_ERR_OPS_DATE', [text]);
}

export interface Progress {
  update(done: number, total: number): void;
  stop(): void;
}

/** A progress bar on stderr when stdout is a terminal and the output is for people; otherwise nothing. */
export function progress(ctx: CommandContext, json: boolean, label: string): Progress {
  if (json || !ctx.io.isTTY) return { update: () => undefined, stop: () => undefined };
  let bar: cliProgress.SingleBar | null = null;
  return {
    update(done, total) {
      if (bar === null) {
        bar = new cliProgress.SingleBar({ format: `${label} [{bar}] {value}/{total} {eta_formatted}`, stream: process.stderr, hideCursor: true }, cliProgress.Presets.shades_classic);
        bar.start(total, 0);
      }
      bar.setTotal(total);
      bar.update(done);
    },
    stop() { bar?.stop(); },
  };
}

const pad2 = (n: number) => String(n).padStart(2, '0');

/** Local time, to the second: what an operator compares with the PBX's CDRs. */
export function localTime(iso: string): string {
  const d = new Date(iso);
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
}

export function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 3600 ? `${Math.floor(s / 3600)}h${pad2(Math.floor((s % 3600) / 60))}m` : `${Math.floor(s / 60)}m${pad2(s % 60)}s`;
}

export function recordingState(r: OpsRecording): string {
  return r.purgeStartedAt !== null ? 'purging' : r.status;
}

/** A recording for --json output: no keyed hashes (they are pseudonymous personal data and nobody needs them here). */
export function publicRecording(r: OpsRecording): Record<string, unknown> {
  const { callerHash: _c, agentHash: _a, ...rest } = r;
  return { ...rest, state: recordingState(r), hasCaller: r.callerHash !== null, hasAgent: r.agentHash !== null };
}

export function bytes(n: number | null): string {
  if (n === null) return 'unknown';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${v.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}
