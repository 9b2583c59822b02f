/**
 * `callvault decrypt ID --identity FILE --reason TEXT [-o out.opus|out.wav]`:
 * the one way to listen to a recording. Every use leaves an audit row (who,
 * why, when) before any byte is decrypted; the output is never overwritten
 * and never half-written.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { loadIdentities } from '../archive/age-crypto.js';
import { decryptToFile } from '../archive/recording-reader.js';
import { StorageLayout } from '../archive/storage-layout.js';
import { CallvaultError } from '../errors.js';
import { RecordingIndex } from '../index/index.js';
import { actorFrom, passphraseSource, settingsFrom, storageOptions } from './archive.js';
import { action, type CommandContext } from './context.js';
import { printJson } from './output.js';

interface DecryptOpts {
  config?: string;
  storage?: string;
  identity: string;
  reason?: string;
  output?: string;
  actor?: string;
  json?: boolean;
}

export function register(program: Command, ctx: CommandContext): void {
  storageOptions(program.command('decrypt'))
    .description('decrypt a recording to an Ogg Opus or WAV file (traced in the audit log)')
    .argument('<id>', 'recording id')
    .requiredOption('-i, --identity <file>', 'age identity file (passphrase-protected ones ask for it, or read CALLVAULT_PASSPHRASE)')
    .option('--reason <text>', 'why you access this recording (required, kept in the audit log)')
    .option('-o, --output <file>', 'output file; .wav decodes to PCM, anything else is Ogg Opus (default ./<id>.opus)')
    .option('--actor <name>', 'who is acting (default: the OS user)')
    .option('--json', 'print the result as JSON')
    .action(action(ctx, async (id: string, opts: DecryptOpts) => {
      if (opts.reason === undefined || opts.reason.trim() === '') throw new CallvaultError('CV_ERR_ARCHIVE_REASON');
      const s = settingsFrom(opts);
      const layout = new StorageLayout(s.storageDir);
      const identities = await loadIdentities(opts.identity, passphraseSource());
      const output = resolve(opts.output ?? `${id}.opus`);
      const index = RecordingIndex.open(layout.indexPath);
      try {
        const r = await decryptToFile({ index, layout, id, identities, output, actor: actorFrom(opts), reason: opts.reason });
        if (opts.json === true) printJson(ctx.io, { id, output, format: r.format, bytes: r.bytes, durationMs: r.row.durationMs });
        else ctx.io.out(`callvault: decrypted ${id} to ${output} (${r.format}, ${r.bytes} bytes)`);
      } finally {
        index.close();
      }
      return 0;
    }));
}
