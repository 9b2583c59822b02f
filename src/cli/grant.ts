/**
 * `callvault grant --purpose P --user NAME --identity FILE`: gives a console
 * user the means to decrypt a purpose's recordings. On the host where it
 * runs (an admin's workstation, not necessarily the sidecar), it opens the
 * `callvault keygen` identity file with its passphrase, re-encrypts the
 * identity to the user's personal recipient with age, and stores only that
 * wrapped copy in the index. `--revoke` deletes it.
 */
import { Encrypter, identityToRecipient } from 'age-encryption';
import type { Command } from 'commander';
import { action, type CommandContext } from './context.js';
import { actorFrom, configFrom, withActor, withConfig } from './ops-common.js';
import { passphraseSource } from './archive.js';
import { loadIdentities } from '../archive/age-crypto.js';
import { openConsoleIndex } from '../console/console-index.js';
import { revokeGrant, storeGrant } from '../console/grant-service.js';
import { getUserKey } from '../console/store/user-keys.js';
import { getUser } from '../console/store/users.js';
import { PURPOSES, type Purpose } from '../policy/purpose.js';
import { CallvaultError } from '../errors.js';

interface GrantOpts { config?: string; actor?: string; purpose: string; user: string; identity?: string; revoke?: boolean; anyRecipient?: boolean }

/** The plaintext of a grant: an identity file the browser (or `age -d`) reads as it would the original. */
export function grantPlaintext(purpose: Purpose, identity: string, recipient: string): string {
  return `# callvault purpose identity: ${purpose}\n# public key: ${recipient}\n${identity}\n`;
}

export async function wrapIdentity(plaintext: string, userRecipient: string): Promise<string> {
  const e = new Encrypter();
  e.addRecipient(userRecipient);
  return Buffer.from(await e.encrypt(plaintext)).toString('base64');
}

export function register(program: Command, ctx: CommandContext): void {
  withActor(withConfig(program.command('grant')))
    .description('grant a console user a purpose (wraps the purpose identity to their personal key), or --revoke it')
    .requiredOption('--purpose <purpose>', PURPOSES.join(' | '))
    .requiredOption('--user <name>', 'console user')
    .option('--identity <file>', 'the purpose identity file made by `callvault keygen` (passphrase from CALLVAULT_PASSPHRASE or asked)')
    .option('--any-recipient', 'accept an identity not listed under archive.recipients (a key of older recordings, after a rotation)')
    .option('--revoke', 'delete the user\'s grant for the purpose')
    .action(action(ctx, async (opts: GrantOpts) => {
      if (!(PURPOSES as readonly string[]).includes(opts.purpose)) throw new CallvaultError('CV_ERR_CLI_USAGE', [`--purpose must be one of ${PURPOSES.join(', ')}`]);
      const purpose = opts.purpose as Purpose;
      const config = configFrom(opts);
      const actor = actorFrom(opts);
      if (opts.revoke === true) {
        const index = openConsoleIndex(config);
        try {
          const removed = revokeGrant(index.db, opts.user, purpose, actor, new Date());
          ctx.io.out(removed ? `callvault: grant ${purpose} of ${opts.user} revoked` : `callvault: ${opts.user} had no grant for ${purpose}`);
          if (removed) ctx.io.err('callvault: hint: a revoked user may still hold the key in an open tab; rotate the purpose key to be sure (docs/console.md, "Revocation and rotation")');
          return removed ? 0 : 1;
        } finally { index.close(); }
      }
      if (opts.identity === undefined) throw new CallvaultError('CV_ERR_CLI_USAGE', ['--identity FILE is required to grant (or pass --revoke)']);
      // Check the user first: no passphrase is asked for a grant that cannot be stored.
      const check = openConsoleIndex(config);
      let userRecipient: string;
      try {
        if (getUser(check.db, opts.user) === null) throw new CallvaultError('CV_ERR_CONSOLE_UNKNOWN_USER', [opts.user]);
        const key = getUserKey(check.db, opts.user);
        if (key === null) throw new CallvaultError('CV_ERR_CONSOLE_NO_KEY', [opts.user]);
        userRecipient = key.recipient;
      } finally { check.close(); }
      const identities = await loadIdentities(opts.identity, passphraseSource());
      const configured = config.archive.recipients[purpose] ?? [];
      let chosen: { identity: string; recipient: string } | null = null;
      for (const identity of identities) {
        const recipient = await identityToRecipient(identity);
        if (configured.includes(recipient) || (opts.anyRecipient === true && chosen === null)) chosen = { identity, recipient };
        if (configured.includes(recipient)) break;
      }
      if (chosen === null) {
        throw new CallvaultError('CV_ERR_CONSOLE_GRANT_KEY', [purpose, `none of its ${identities.length} key(s) is under archive.recipients.${purpose}`, purpose]);
      }
      const wrapped = await wrapIdentity(grantPlaintext(purpose, chosen.identity, chosen.recipient), userRecipient);
      const index = openConsoleIndex(config);
      try {
        storeGrant(index.db, { username: opts.user, purpose, purposeRecipient: chosen.recipient, wrapped, by: actor }, new Date());
      } finally { index.close(); }
      ctx.io.out(`callvault: ${opts.user} granted ${purpose} (key ${chosen.recipient.slice(0, 16)}..., wrapped to ${userRecipient.slice(0, 16)}...)`);
      return 0;
    }));
}
