/**
 * The list of commands. One import and one call per command file; keep it
 * sorted so parallel additions merge cleanly.
 */
import type { Command } from 'commander';
import type { CommandContext } from './context.js';
import { register as archive } from './archive.js';
import { register as audit } from './audit.js';
import { register as checkConfig } from './check-config.js';
import { register as consoleCmd } from './console.js';
import { register as decrypt } from './decrypt.js';
import { register as doctor } from './doctor.js';
import { register as grant } from './grant.js';
import { register as hold } from './hold.js';
import { register as keygen } from './keygen.js';
import { register as list } from './list.js';
import { register as purge } from './purge.js';
import { register as reindex } from './reindex.js';
import { register as run } from './run.js';
import { register as status } from './status.js';
import { register as agent } from './agent.js';
import { register as form } from './form.js';
import { register as subject } from './subject.js';
import { register as user } from './user.js';
import { register as verify } from './verify.js';
import { register as windows } from './windows.js';

type Register = (program: Command, ctx: CommandContext) => void;

const registrations: Register[] = [
  agent,
  archive,
  audit,
  checkConfig,
  consoleCmd,
  decrypt,
  doctor,
  form,
  grant,
  hold,
  keygen,
  list,
  purge,
  reindex,
  run,
  status,
  subject,
  user,
  verify,
  windows,
];

export function registerAll(program: Command, ctx: CommandContext): void {
  for (const register of registrations) register(program, ctx);
}
