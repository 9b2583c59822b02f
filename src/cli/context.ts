/** What every command handler gets, and the wrapper that turns throws into exit codes. */
import { reportError, type Io } from './output.js';

export interface CommandContext {
  readonly io: Io;
  /** Set by a handler: the exit code main() returns. */
  exitCode: number;
}

/** Wraps a handler so that errors print the house way and set the exit code. */
export function action<A extends unknown[]>(ctx: CommandContext, fn: (...args: A) => Promise<number> | number) {
  return async (...args: A): Promise<void> => {
    try {
      ctx.exitCode = await fn(...args);
    } catch (err) {
      ctx.exitCode = reportError(ctx.io, err);
    }
  };
}
