/**
 * `callvault windows`: the periods an employee may be recorded or listened
 * to, per line, for HR to hand out (French or English), or as JSON.
 */
import type { Command } from 'commander';
import { CallvaultError } from '../errors.js';
import { action, type CommandContext } from './context.js';
import { printJson } from './output.js';
import { configFrom, withConfig } from './ops-common.js';
import { periodTable, renderPeriodTable } from '../ops/window-table.js';

interface Opts { config?: string; agent?: string; team?: string; lang?: string; json?: boolean }

export function register(program: Command, ctx: CommandContext): void {
  withConfig(program.command('windows'))
    .description('print the periods when calls may be recorded or listened to (for an agent, a team, or everyone)')
    .option('--agent <id>', 'agent id as the PBX passes it (their team\'s windows apply)')
    .option('--team <name>', 'team name (config teams:)')
    .option('--lang <lang>', 'fr or en (default: prompts.defaultLanguage)')
    .option('--json', 'print JSON')
    .action(action(ctx, (opts: Opts) => {
      const config = configFrom(opts);
      if (opts.agent !== undefined && opts.team !== undefined) throw new CallvaultError('CV_ERR_CLI_USAGE', ['give --agent or --team, not both']);
      if (opts.team !== undefined && !(opts.team in config.teams)) {
        throw new CallvaultError('CV_ERR_CLI_USAGE', [`--team ${opts.team} is not one of the teams in the config (${Object.keys(config.teams).join(', ') || 'none'})`]);
      }
      const lang = opts.lang ?? config.prompts.defaultLanguage;
      if (lang !== 'fr' && lang !== 'en') throw new CallvaultError('CV_ERR_CLI_USAGE', ['--lang must be fr or en']);
      const table = periodTable(config, opts.agent !== undefined
        ? { kind: 'agent', agent: opts.agent, team: config.agents.byId[opts.agent]?.team ?? null }
        : opts.team !== undefined ? { kind: 'team', team: opts.team } : { kind: 'everyone' });
      if (opts.json === true) printJson(ctx.io, table);
      else for (const l of renderPeriodTable(table, lang)) ctx.io.out(l);
      return 0;
    }));
}
