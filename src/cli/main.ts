/**
 * The `callvault` command. Each command lives in its own file and exports a
 * `register(program, io)` function; handlers return an exit code instead of
 * calling process.exit, so tests can run every command in-process and as a
 * real process (house style 7).
 */
import { Command, CommanderError } from 'commander';
import { processIo, reportError, type Io } from './output.js';
import { registerAll } from './commands.js';
import type { CommandContext } from './context.js';

export function buildProgram(ctx: CommandContext): Command {
  const program = new Command('callvault')
    .description('call-recording sidecar for Asterisk and FreeSWITCH: consent, sampling, PCI pause, encrypted archive')
    .version(process.env.npm_package_version ?? '0.1.0')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.io.out(s.replace(/\n$/, '')),
      writeErr: (s) => ctx.io.err(s.replace(/\n$/, '')),
      outputError: (s, write) => write(`callvault: error: ${s.replace(/^error: /, '').trim()}\ncallvault: hint: run \`callvault help\` for usage`),
    });
  registerAll(program, ctx);
  return program;
}

/** Runs the CLI with argv (as process.argv) and returns the exit code. */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const ctx: CommandContext = { io, exitCode: 0 };
  const program = buildProgram(ctx);
  try {
    await program.parseAsync(argv);
    return ctx.exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit 0 through the same path as usage errors.
      return err.exitCode === 0 ? 0 : 64;
    }
    return reportError(io, err);
  }
}

const invokedDirectly = process.argv[1] !== undefined && /cli[\\/]main\.(ts|js)$/.test(process.argv[1]);
if (invokedDirectly) {
  process.exitCode = await main(process.argv);
}
