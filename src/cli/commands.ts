/**
 * The list of commands. One import and one call per command file; keep it
 * sorted so parallel additions merge cleanly.
 */
import type { Command } from 'commander';
import type { CommandContext } from './context.js';
import { register as checkConfig } from './check-config.js';

type Register = (program: Command, ctx: CommandContext) => void;

const registrations: Register[] = [
  checkConfig,
];

export function registerAll(program: Command, ctx: CommandContext): void {
  for (const register of registrations) register(program, ctx);
}
