/**
 * The whole review stack for the browser flows, nothing mocked: a call on the
 * sandbox Asterisk recorded in stereo by the real daemon and archiver (as in
 * test/e2e/call-to-archive.test.ts), encrypted to a purpose key made by
 * `callvault keygen`; then `callvault console cert`, `callvault user add` and
 * `callvault console` as a real process over HTTPS on 127.0.0.1, its output
 * kept in a log file (what the server wrote, for the plaintext grep).
 * The sandbox must be held by the caller (flock /tmp/cv-sandbox.lock).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Caller, InProcessDaemon, ensureSandbox, repo, waitForArchived, writeStack, type StackFiles } from '../../e2e/support/call-harness.js';
import type { RecordingRow } from '../../../src/index/types.js';
import { buildBundle } from './static-console.js';

export const PURPOSE_PASSPHRASE = 'quality team key passphrase';
export const PASSWORD = 'a long console password 42';

export interface ConsoleStack {
  files: StackFiles;
  row: RecordingRow;
  /** With `agentCall`: a second real call, answered by agent1 (team support) through the agent step, so its row names the agent. */
  agentRow: RecordingRow | null;
  url: string;
  purposeKeyFile: string;
  /** With `training`: the training purpose's keygen file (archive.recipients.training points at it). */
  trainingKeyFile: string | null;
  logFile: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** `callvault ...` as a real process, from the source tree (tsx), like an operator would run it. */
export function cli(args: string[], env: Record<string, string> = {}): string {
  return execFileSync(process.execPath, ['--import', 'tsx', join(repo, 'src/cli/main.ts'), ...args], { cwd: repo, env: { ...process.env, ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A stereo call on a mandatory line (purpose quality) with a payment, archived; returns its index row. */
async function recordCall(files: StackFiles): Promise<RecordingRow> {
  ensureSandbox();
  const caller = new Caller();
  await caller.start();
  const daemon = new InProcessDaemon(files, [], { archive: true });
  await daemon.start();
  try {
    const r = await caller.call('tones', 'regulated', daemon.agiPort, { vars: { CALLVAULT_TEST_TALK: '2', CALLVAULT_TEST_PAYMENT: '2' } });
    if (r.vars.CALLVAULT_PAUSE !== 'confirmed') throw new Error(`the payment pause was not confirmed: ${JSON.stringify(r.vars)}`);
    return await waitForArchived(files, r.vars.CALLVAULT_RECORDING_ID!);
  } finally {
    await daemon.stop();
    await caller.stop();
  }
}

/** A call on the same line that reaches agent1 (Dial U() running callvault-agent): caller 440 Hz left, agent 700 Hz right. */
async function recordAgentCall(files: StackFiles): Promise<RecordingRow> {
  const caller = new Caller();
  await caller.start();
  const daemon = new InProcessDaemon(files, [], { archive: true });
  await daemon.start();
  try {
    const r = await caller.call('tones', 'regulated', daemon.agiPort, {
      context: 'callvault-agent-ivr', timeoutMs: 90_000,
      vars: { __CALLVAULT_TEST_AGENT: 'agent1', __CALLVAULT_TEST_VIA: 'dial', __CALLVAULT_TEST_WAIT: '1', __CALLVAULT_TEST_AGENT_TALK: '4' },
    });
    const id = r.vars.CALLVAULT_RECORDING_ID;
    if (!id) throw new Error(`the agent call was not recorded: ${JSON.stringify(r.vars)}`);
    const row = await waitForArchived(files, id);
    if (row.agentHash === null) throw new Error('the agent call\'s row names no agent: the agent step did not run');
    return row;
  } finally {
    await daemon.stop();
    await caller.stop();
  }
}

export interface StackUser { name: string; role: string; purposes?: string[]; agentId?: string; teams?: string[] }

/**
 * `training`: a second keygen key for the training purpose (same passphrase)
 * and console team `support-team` answering the recorded line, for trainers.
 */
export async function startConsoleStack(users: StackUser[], options: { agentCall?: boolean; training?: boolean } = {}): Promise<ConsoleStack> {
  // The console serves dist/console: build it from this checkout, never test a stale bundle.
  buildBundle();
  const port = await freePort();
  const files = writeStack(`
  regulated: { mode: mandatory, purpose: quality }`, `
console:
  listen: { host: 127.0.0.1, port: ${port} }
  tls: { cert: console-cert.pem, key: console-key.pem }
  origin: https://127.0.0.1:${port}
  defaultLanguage: en${options.training === true ? `
  teams: { support-team: [regulated] }` : ''}
agents:
  agent1: { team: support }
teams:
  support: {}`, { stereo: true });
  // The quality team's key, as an operator makes it; the archive encrypts quality recordings to it only.
  const purposeKeyFile = join(files.dir, 'quality-team.key');
  const purposeRecipient = cli(['keygen', '-o', purposeKeyFile], { CALLVAULT_PASSPHRASE: PURPOSE_PASSPHRASE }).trim();
  let trainingKeyFile: string | null = null;
  let training = '';
  if (options.training === true) {
    trainingKeyFile = join(files.dir, 'training-team.key');
    training = `, training: [${cli(['keygen', '-o', trainingKeyFile], { CALLVAULT_PASSPHRASE: PURPOSE_PASSPHRASE }).trim()}]`;
  }
  const config = readFileSync(files.configPath, 'utf8').replace(`quality: [${files.recipient}]`, `quality: [${purposeRecipient}]${training}`);
  if (!config.includes(purposeRecipient)) throw new Error('console-stack: could not point archive.recipients.quality at the keygen key');
  writeFileSync(files.configPath, config);
  const row = await recordCall(files);
  const agentRow = options.agentCall === true ? await recordAgentCall(files) : null;

  cli(['console', 'cert', '--host', '127.0.0.1', '--out-dir', files.dir]);
  for (const u of users) {
    cli(['user', 'add', u.name, '--config', files.configPath, '--role', u.role, '--language', 'en', ...(u.purposes ?? []).flatMap((p) => ['--purpose', p]), ...(u.agentId !== undefined ? ['--agent-id', u.agentId] : []), ...(u.teams ?? []).flatMap((t) => ['--team', t])], { CALLVAULT_PASSWORD: PASSWORD });
  }
  const logFile = join(files.dir, 'console.log');
  const log = createWriteStream(logFile);
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', join(repo, 'src/cli/main.ts'), 'console', '--config', files.configPath], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  let out = '';
  child.stdout!.on('data', (d) => { out += String(d); });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`console did not start:\n${out}\n${readFileSync(logFile, 'utf8')}`)), 30_000);
    child.stdout!.on('data', () => {
      const m = /listening on (https:\/\/\S+)/.exec(out);
      if (m !== null) { clearTimeout(timer); resolve(m[1]!); }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`console exited ${code}:\n${readFileSync(logFile, 'utf8')}`)); });
  });
  return {
    files, row, agentRow, url, purposeKeyFile, trainingKeyFile, logFile,
    async stop() {
      if (child.exitCode === null) {
        const gone = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await gone;
      }
      log.end();
    },
  };
}
