/**
 * `callvault user add|disable|enable|reset|passwd|list`: console users. The
 * first admin is made here. Passwords come from CALLVAULT_PASSWORD (scripts)
 * or are asked twice on the terminal; they are hashed with argon2id and never
 * printed or logged. Every change is an audit row under --actor.
 */
import type { Command } from 'commander';
import { action, type CommandContext } from './context.js';
import { actorFrom, configFrom, withActor, withConfig } from './ops-common.js';
import { printJson } from './output.js';
import { passphraseSource } from './archive.js';
import { openConsoleIndex } from '../console/console-index.js';
import { hashPassword } from '../console/passwords.js';
import { ROLES } from '../console/roles.js';
import { addUser, checkUserSpec, disableUser, enableUser, resetUser, setPassword } from '../console/user-service.js';
import { listUsers } from '../console/store/users.js';
import { getUserKey } from '../console/store/user-keys.js';
import { grantsOf } from '../console/store/grants.js';
import { KeyedHasher } from '../privacy/keyed-hash.js';
import { CallvaultError } from '../errors.js';

const collect = (v: string, acc: string[] = []) => [...acc, ...v.split(',').map((s) => s.trim()).filter((s) => s.length > 0)];

async function askPassword(username: string): Promise<string> {
  const env = process.env.CALLVAULT_PASSWORD;
  if (env !== undefined && env !== '') return env;
  const ask = passphraseSource({});
  const first = await ask(`password for ${username}`).catch((cause: unknown) => {
    throw new CallvaultError('CV_ERR_CONSOLE_PASSWORD', ['none given'], { cause, hint: 'set CALLVAULT_PASSWORD or run the command on a terminal' });
  });
  const again = await ask(`password for ${username} (again)`);
  if (first !== again) throw new CallvaultError('CV_ERR_CONSOLE_PASSWORD', ['the two entries differ']);
  return first;
}

interface AddOpts { config?: string; actor?: string; role: string; team?: string[]; purpose?: string[]; agentId?: string; language: string }

export function register(program: Command, ctx: CommandContext): void {
  const user = program.command('user').description('console users: add, disable, enable, reset, passwd, list');

  withActor(withConfig(user.command('add <name>')))
    .description('create a console user (password from CALLVAULT_PASSWORD or asked twice)')
    .requiredOption('--role <role>', ROLES.join(' | '))
    .option('--team <team>', 'team from console.teams (repeatable or comma-separated)', collect)
    .option('--purpose <purpose>', 'purposes a qa user reviews (repeatable or comma-separated)', collect)
    .option('--agent-id <id>', 'the PBX agent id of an agent user (kept as a keyed hash only)')
    .option('--language <fr|en>', 'console language', 'fr')
    .action(action(ctx, async (name: string, opts: AddOpts) => {
      const config = configFrom(opts);
      if (opts.language !== 'fr' && opts.language !== 'en') throw new CallvaultError('CV_ERR_CLI_USAGE', ['--language must be fr or en']);
      const agentHash = opts.agentId === undefined ? null : KeyedHasher.fromFile(config.privacy.hashKeyFile).hex('agent', opts.agentId);
      const spec = checkUserSpec({ username: name, role: opts.role, teams: opts.team ?? [], purposes: opts.purpose ?? [], agentHash, language: opts.language },
        Object.keys(config.console?.teams ?? {}));
      const hash = await hashPassword(await askPassword(name));
      const index = openConsoleIndex(config);
      try {
        addUser(index.db, spec, hash, actorFrom(opts), new Date());
      } finally { index.close(); }
      ctx.io.out(`callvault: user ${name} (${spec.role}) created; they sign in, then make their personal key on the Keys page`);
      return 0;
    }));

  const simple = (verb: string, description: string, run: (db: import('better-sqlite3').Database, name: string, actor: string) => string) => {
    withActor(withConfig(user.command(`${verb} <name>`))).description(description)
      .action(action(ctx, (name: string, opts: { config?: string; actor?: string }) => {
        const index = openConsoleIndex(configFrom(opts));
        try { ctx.io.out(run(index.db, name, actorFrom(opts))); } finally { index.close(); }
        return 0;
      }));
  };
  simple('disable', 'disable a user and end their sessions', (db, name, actor) => `callvault: user ${name} disabled; ${disableUser(db, name, actor, new Date())} session(s) ended`);
  simple('enable', 'enable a disabled user again', (db, name, actor) => { enableUser(db, name, actor, new Date()); return `callvault: user ${name} enabled`; });
  simple('reset', 'clear a user\'s password, personal key and grants (lost passphrase, departure)', (db, name, actor) => {
    const r = resetUser(db, name, actor, new Date());
    return `callvault: user ${name} reset: password cleared, ${r.key ? 'personal key deleted' : 'no personal key'}, ${r.grants} grant(s) deleted, ${r.sessions} session(s) ended; set a password with \`callvault user passwd ${name}\`, then grant again`;
  });

  withActor(withConfig(user.command('passwd <name>')))
    .description('set a user\'s password (CALLVAULT_PASSWORD or asked twice); ends their sessions')
    .action(action(ctx, async (name: string, opts: { config?: string; actor?: string }) => {
      const config = configFrom(opts);
      const hash = await hashPassword(await askPassword(name));
      const index = openConsoleIndex(config);
      try { setPassword(index.db, name, hash, actorFrom(opts), new Date()); } finally { index.close(); }
      ctx.io.out(`callvault: password of ${name} set`);
      return 0;
    }));

  withConfig(user.command('list'))
    .description('list console users')
    .option('--json', 'print as JSON')
    .action(action(ctx, (opts: { config?: string; json?: boolean }) => {
      const index = openConsoleIndex(configFrom(opts));
      try {
        const rows = listUsers(index.db).map((u) => ({
          username: u.username, role: u.role, teams: u.teams, purposes: u.purposes, state: u.state, language: u.language,
          password: u.passwordHash !== null, key: getUserKey(index.db, u.username) !== null, grants: grantsOf(index.db, u.username).map((g) => g.purpose),
        }));
        if (opts.json === true) printJson(ctx.io, rows);
        else if (rows.length === 0) ctx.io.out('callvault: no console user yet: create the first admin with `callvault user add NAME --role admin`');
        else for (const r of rows) ctx.io.out(`${r.username}\t${r.role}\t${r.state}\tteams=${r.teams.join(',') || '-'}\tpurposes=${r.purposes.join(',') || '-'}\tkey=${r.key ? 'yes' : 'no'}\tgrants=${r.grants.join(',') || '-'}${r.password ? '' : '\t(no password)'}`);
      } finally { index.close(); }
      return 0;
    }));
}
