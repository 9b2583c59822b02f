/**
 * How the CLI talks to people and to scripts. Errors go to stderr as
 * `callvault: error: ...` then `callvault: hint: ...`, lowercase, no final
 * period (house style, after age). `--json` output goes to stdout, one JSON
 * document, and nothing else is printed there.
 */
import { CallvaultError } from '../errors.js';

export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** Whether stdout is a terminal: progress bars and colour only then. */
  readonly isTTY: boolean;
}

/** Whether the reader of a stream is still there (`callvault list | head -1` closes it early). */
type ReaderState = 'open' | 'gone';

/**
 * Writes lines to a process stream. When the reader goes away (EPIPE) the
 * rest of the output is dropped and the command finishes quietly, as `head`
 * users expect, instead of dying on an unhandled 'error' event with a stack
 * trace. Any other write error is still thrown.
 */
function lineWriter(stream: NodeJS.WriteStream): (t: string) => void {
  let reader: ReaderState = 'open';
  let listening = false;
  return (t) => {
    if (!listening) {
      listening = true;
      stream.on('error', (err: NodeJS.ErrnoException) => {
        if (err.code !== 'EPIPE') throw err;
        reader = 'gone';
      });
    }
    if (reader === 'gone') return;
    stream.write(t.endsWith('\n') ? t : t + '\n');
  };
}

export const processIo: Io = {
  out: lineWriter(process.stdout),
  err: lineWriter(process.stderr),
  get isTTY() { return process.stdout.isTTY === true; },
};

/** Collects output: commands run in-process in tests write here. */
export class BufferIo implements Io {
  stdout = '';
  stderr = '';
  readonly isTTY = false;
  out(t: string): void { this.stdout += t.endsWith('\n') ? t : t + '\n'; }
  err(t: string): void { this.stderr += t.endsWith('\n') ? t : t + '\n'; }
}

/** "Cannot read" -> "cannot read", but "ENOENT: ..." and "AMI ..." stay as they are. */
function lowerFirst(s: string): string {
  return /^[A-Z][a-z]/.test(s) ? s[0]!.toLowerCase() + s.slice(1) : s;
}

function clean(s: string): string {
  return lowerFirst(s.trim().replace(/\.$/, ''));
}

/** Prints an error the house way and returns the exit code to use. */
export function reportError(io: Io, err: unknown): number {
  if (err instanceof CallvaultError) {
    io.err(`callvault: error: ${clean(err.message)}`);
    let cause: unknown = err.cause;
    // Keep the cause chain visible: the operator often needs the OS error (ENOSPC, EACCES).
    while (cause instanceof Error) {
      io.err(`callvault: error: caused by: ${clean(cause.message)}`);
      cause = cause.cause;
    }
    io.err(`callvault: hint: ${clean(err.hint)}`);
    return err.exit;
  }
  const message = err instanceof Error ? err.message : String(err);
  io.err(`callvault: error: ${clean(message)}`);
  io.err('callvault: hint: this is unexpected; rerun with CALLVAULT_LOG_LEVEL=debug and report it');
  return 70; // EX_SOFTWARE
}

export function printJson(io: Io, value: unknown): void {
  io.out(JSON.stringify(value, null, 2));
}
