/** `callvault check-config`: validates a config file the way `run` would, and exits 78 if it is wrong. */
import type { Command } from 'commander';
import { action, type CommandContext } from './context.js';
import { loadConfig } from '../config/index.js';
import { printJson } from './output.js';
import { configWarnings } from '../config/config-warnings.js';

export function register(program: Command, ctx: CommandContext): void {
  program.command('check-config')
    .description('validate a configuration file (exit 78 if invalid)')
    .requiredOption('-c, --config <file>', 'configuration file')
    .option('--json', 'print the resolved configuration as JSON')
    .action(action(ctx, (opts: { config: string; json?: boolean }) => {
      const config = loadConfig(opts.config);
      const warnings = configWarnings(config);
      if (opts.json) {
        printJson(ctx.io, { ok: true, warnings, config: redactSecrets(config) });
      } else {
        const lines = Object.entries(config.lines).map(([n, l]) => `${n} (${l.mode}${l.mode === 'sampled' ? ` ${Math.round(l.rate * 100)}%` : ''}, ${l.purpose})`);
        ctx.io.out(`callvault: config ${config.source} is valid`);
        ctx.io.out(`  pbx: ${config.pbx.type}`);
        ctx.io.out(`  lines: ${lines.join(', ')}`);
        ctx.io.out(`  storage: ${config.storage.dir} (spool ${config.storage.spool})`);
        for (const w of warnings) ctx.io.err(`callvault: warning: ${w}`);
      }
      return 0;
    }));
}

function redactSecrets<T>(value: T): T {
  return JSON.parse(JSON.stringify(value, (k, v: unknown) => (k === 'secret' || k === 'password' ? '[redacted]' : v))) as T;
}
