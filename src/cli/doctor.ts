/**
 * `callvault doctor`: checks the PBX link (AMI login or Event Socket auth),
 * the FastAGI / outbound port, manager.conf's DTMF filtering, keys, storage
 * permissions and space, the index and its audit chain, and the clock.
 * Prints a fix for each problem; exit 1 if any check fails.
 */
import type { Command } from 'commander';
import { runDoctor, type DoctorCheck } from '../ops/doctor.js';
import { action, type CommandContext } from './context.js';
import { printJson } from './output.js';
import { configFrom, intOption, withConfig } from './ops-common.js';

interface DoctorOpts { config?: string; json?: boolean; managerConf?: string; timeout?: string; minFreePercent?: string }

const MARK: Record<DoctorCheck['status'], string> = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL', skip: 'skip' };

export function register(program: Command, ctx: CommandContext): void {
  withConfig(program.command('doctor'))
    .description('check the PBX link, ports, manager.conf, keys, storage and clock; prints a fix for each problem (exit 1 if any fails)')
    .option('--manager-conf <file>', 'Asterisk manager.conf to check (default /etc/asterisk/manager.conf when present)')
    .option('--timeout <ms>', 'network timeout per check', '3000')
    .option('--min-free-percent <p>', 'free space under which the storage check fails', '10')
    .option('--json', 'print the checks as JSON')
    .action(action(ctx, async (opts: DoctorOpts) => {
      const config = configFrom(opts);
      const checks = await runDoctor(config, {
        managerConf: opts.managerConf,
        timeoutMs: intOption(opts.timeout, '--timeout', 100, 60_000, 3000),
        minFreePercent: intOption(opts.minFreePercent, '--min-free-percent', 0, 100, 10),
      });
      const failed = checks.filter((c) => c.status === 'fail').length;
      const warned = checks.filter((c) => c.status === 'warn').length;
      if (opts.json === true) {
        printJson(ctx.io, { ok: failed === 0, checks });
      } else {
        for (const c of checks) {
          ctx.io.out(`${MARK[c.status]}  ${c.name}: ${c.detail}`);
          if (c.fix !== undefined) ctx.io.out(`      fix: ${c.fix}`);
        }
        ctx.io.out(`callvault: ${checks.length} checks, ${failed} failed, ${warned} warning(s)`);
      }
      return failed > 0 ? 1 : 0;
    }));
}
