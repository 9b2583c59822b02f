/**
 * `callvault keygen [-o FILE] [--no-passphrase] [--pq]`: makes an age identity
 * for the people allowed to listen, and prints its recipient (public key) for
 * archive.recipients. The identity is passphrase-protected by default, in
 * the format the `age` CLI reads (`age -d -i FILE` asks for the passphrase).
 * The identity belongs on the listener's machine, never on the sidecar host.
 */
import { open } from 'node:fs/promises';
import { generateHybridIdentity, generateX25519Identity, identityToRecipient } from 'age-encryption';
import type { Command } from 'commander';
import { encryptIdentityFile } from '../archive/age-crypto.js';
import { FILE_MODE } from '../archive/durable-fs.js';
import { CallvaultError } from '../errors.js';
import { passphraseSource } from './archive.js';
import { action, type CommandContext } from './context.js';

interface KeygenOpts {
  output?: string;
  passphrase: boolean;
  pq?: boolean;
  workFactor: string;
}

export function register(program: Command, ctx: CommandContext): void {
  program.command('keygen')
    .description('generate an age identity (passphrase-protected by default) and print its recipient')
    .option('-o, --output <file>', 'write the identity here (mode 0600, never overwritten); default stdout')
    .option('--no-passphrase', 'do not protect the identity with a passphrase')
    .option('--pq', 'post-quantum hybrid identity (age1pq1...; needs age 1.3+ to decrypt with the age CLI)')
    .option('--work-factor <log2n>', 'scrypt work factor for the passphrase (log2 N)', '18')
    .action(action(ctx, async (opts: KeygenOpts) => {
      const logN = Number(opts.workFactor);
      if (!Number.isInteger(logN) || logN < 10 || logN > 22) throw new CallvaultError('CV_ERR_CLI_USAGE', ['--work-factor: expected an integer from 10 to 22']);
      const identity = opts.pq === true ? await generateHybridIdentity() : await generateX25519Identity();
      const recipient = await identityToRecipient(identity);
      const body = `# created: ${new Date().toISOString()}\n# public key: ${recipient}\n${identity}\n`;
      let text = body;
      if (opts.passphrase) {
        const target = opts.output ?? 'the new identity';
        const ask = passphraseSource();
        const first = await ask(`passphrase for ${target}`);
        if (process.env.CALLVAULT_PASSPHRASE === undefined || process.env.CALLVAULT_PASSPHRASE === '') {
          const again = await ask(`passphrase for ${target} (again)`);
          if (again !== first) throw new CallvaultError('CV_ERR_ARCHIVE_PASSPHRASE', [target], { hint: 'the two passphrases differ; run keygen again' });
        }
        text = await encryptIdentityFile(body, first, logN);
      }
      if (opts.output === undefined) {
        ctx.io.out(text);
        ctx.io.err(`Public key: ${recipient}`);
        return 0;
      }
      let fh;
      try {
        fh = await open(opts.output, 'wx', FILE_MODE);
      } catch (cause) {
        if ((cause as NodeJS.ErrnoException).code === 'EEXIST') throw new CallvaultError('CV_ERR_ARCHIVE_EXISTS', [opts.output], { cause });
        throw cause;
      }
      try {
        await fh.writeFile(text);
        await fh.sync();
      } finally {
        await fh.close();
      }
      ctx.io.out(recipient);
      ctx.io.err(`callvault: identity written to ${opts.output}${opts.passphrase ? ' (passphrase-protected)' : ''}; add the recipient above to archive.recipients`);
      return 0;
    }));
}
