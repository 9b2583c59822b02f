/**
 * `callvault archive --spool DIR`: one archiving pass over a spool, the same
 * work the daemon's archiver does continuously. With `--line` and
 * `--purpose`, plain WAVs without metadata are backfilled. Also home of the
 * options and prompts the other archive commands share (decrypt, verify,
 * keygen, reindex).
 */
import { readdir } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { Archiver } from '../archive/archiver.js';
import { resolveArchiveSettings, type ArchiveSettings, type SettingsOptions } from '../archive/archive-settings.js';
import { CallvaultError } from '../errors.js';
import { createLogger, silentLogger } from '../log/logger.js';
import { isPurpose, PURPOSES } from '../policy/purpose.js';
import { KeyedHasher } from '../privacy/keyed-hash.js';
import { action, type CommandContext } from './context.js';
import { printJson, type Io } from './output.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** --config and --storage, which every archive command takes. */
export function storageOptions(cmd: Command): Command {
  return cmd
    .option('-c, --config <file>', 'configuration file (storage.dir, archive.recipients, retention, privacy.hashKeyFile)')
    .option('--storage <dir>', 'storage directory (overrides storage.dir)');
}

export function settingsFrom(opts: SettingsOptions): ArchiveSettings {
  return resolveArchiveSettings(opts);
}

/** Who is acting, for the audit log: --actor, else the OS user. */
export function actorFrom(opts: { actor?: string }): string {
  if (opts.actor !== undefined && opts.actor.trim() !== '') return opts.actor.trim();
  try {
    return userInfo().username;
  } catch {
    return `uid:${process.getuid?.() ?? 'unknown'}`;
  }
}

/**
 * Where passphrases come from: CALLVAULT_PASSPHRASE, else a prompt on the
 * terminal with echo off. With neither (a script, CI), CV_ERR_ARCHIVE_PASSPHRASE.
 */
export function passphraseSource(env: NodeJS.ProcessEnv = process.env) {
  return async (prompt: string): Promise<string> => {
    const fromEnv = env.CALLVAULT_PASSPHRASE;
    if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
    if (process.stdin.isTTY !== true) throw new CallvaultError('CV_ERR_ARCHIVE_PASSPHRASE', [prompt.replace(/^passphrase for /, '')]);
    return readHidden(`${prompt}: `);
  };
}

async function readHidden(prompt: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  const out = rl as unknown as { _writeToOutput: (s: string) => void; output: NodeJS.WritableStream };
  let prompted = false;
  out._writeToOutput = (s: string) => { if (!prompted) { process.stderr.write(s); prompted = true; } };
  try {
    return await new Promise<string>((resolve) => rl.question(prompt, resolve));
  } finally {
    process.stderr.write('\n');
    rl.close();
  }
}

interface ArchiveOpts extends SettingsOptions {
  line?: string;
  purpose?: string;
  minAge?: string;
  json?: boolean;
}

export function register(program: Command, ctx: CommandContext): void {
  storageOptions(program.command('archive'))
    .description('archive every finished recording in a spool (encode, encrypt, index, then delete the WAV)')
    .option('--spool <dir>', 'spool directory (overrides storage.spool)')
    .option('--line <name>', 'backfill: line for plain WAVs that have no JSON')
    .option('--purpose <purpose>', `backfill: purpose for plain WAVs (${PURPOSES.join(', ')})`)
    .option('--min-age <seconds>', 'backfill: skip WAVs modified more recently than this', '60')
    .option('--recipient <purpose=age1...>', 'age recipient for a purpose (repeatable; overrides the config)', collect)
    .option('--retention <purpose=days>', 'retention in days for a purpose (repeatable)', collect)
    .option('--hash-key <file>', 'keyed-hash key file (overrides privacy.hashKeyFile)')
    .option('--bitrate <bps>', 'Opus bitrate in bits per second (default 16000)')
    .option('--json', 'print the result as JSON')
    .action(action(ctx, (opts: ArchiveOpts) => runArchive(ctx.io, opts)));
}

async function runArchive(io: Io, opts: ArchiveOpts): Promise<number> {
  const s = settingsFrom(opts);
  if (s.spoolDir === null) throw new CallvaultError('CV_ERR_CLI_USAGE', ['no spool directory: pass --spool DIR or --config FILE']);
  if ((opts.line === undefined) !== (opts.purpose === undefined)) throw new CallvaultError('CV_ERR_CLI_USAGE', ['--line and --purpose go together (backfill)']);
  if (opts.purpose !== undefined && !isPurpose(opts.purpose)) throw new CallvaultError('CV_ERR_CLI_USAGE', [`--purpose ${opts.purpose}: expected one of ${PURPOSES.join(', ')}`]);
  if (s.hashKeyFile === null) throw new CallvaultError('CV_ERR_CLI_USAGE', ['no hashing key: pass --hash-key FILE or --config FILE (privacy.hashKeyFile)']);
  const minAge = Number(opts.minAge ?? '60');
  if (!Number.isFinite(minAge) || minAge < 0) throw new CallvaultError('CV_ERR_CLI_USAGE', [`--min-age ${opts.minAge}: expected seconds`]);
  const archiver = new Archiver({
    spoolDir: s.spoolDir, storageDir: s.storageDir, recipientsByPurpose: s.recipientsByPurpose,
    hasher: KeyedHasher.fromFile(s.hashKeyFile), retentionDays: s.retentionDays, bitrateBps: s.bitrateBps,
    logger: process.env.CALLVAULT_LOG_LEVEL !== undefined ? createLogger({ pretty: false, destination: process.stderr }) : silentLogger,
    backfill: opts.line !== undefined && opts.purpose !== undefined && isPurpose(opts.purpose)
      ? { line: opts.line, purpose: opts.purpose, minAgeMs: minAge * 1000 } : undefined,
  });
  let result;
  try {
    result = await archiver.processOnce();
  } finally {
    await archiver.close();
  }
  if (opts.json === true) {
    printJson(io, result);
  } else {
    for (const id of result.archived) io.out(`archived ${id}`);
    for (const f of result.failed) io.err(`callvault: error: ${f.id}: ${f.message} (${f.code})`);
    for (const d of result.deferred) io.err(`callvault: warning: ${d}: not archived in this pass (disk full); rerun later`);
    io.out(`callvault: ${result.archived.length} archived, ${result.failed.length} failed, ${result.deferred.length} left`);
    if (result.failed.length > 0) io.err('callvault: hint: the spool files of failed recordings are kept; fix the cause shown and rerun');
  }
  // WAVs still there without metadata: the call path's JSON never came, or a backfill needs --line/--purpose.
  const names = await readdir(s.spoolDir);
  const orphans = names.filter((n) => /\.wav$/i.test(n) && !n.startsWith('.') && !names.includes(n.replace(/\.wav$/i, '.json')));
  if (opts.json !== true) {
    for (const n of orphans) {
      const err = new CallvaultError('CV_ERR_ARCHIVE_META', [n, 'no JSON beside it']);
      io.err(`callvault: error: ${err.message}`);
    }
    if (orphans.length > 0) io.err(`callvault: hint: ${opts.line === undefined ? 'to archive plain WAVs pass --line LINE --purpose PURPOSE (backfill)' : 'WAVs modified within --min-age seconds are left alone; rerun later or lower --min-age'}`);
  }
  return result.failed.length > 0 || result.deferred.length > 0 || orphans.length > 0 ? 1 : 0;
}
