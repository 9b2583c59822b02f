/**
 * `callvault CMD | head -1`: when the reader closes the pipe early, every
 * command that writes to stdout finishes quietly, with the exit code it
 * would have had, instead of dying on EPIPE with a stack trace (issue 12,
 * item 7). Real processes, real pipes: the read end is closed before the
 * command writes its first byte.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { OpsWorld, repo } from '../support/ops-world.js';

const CLI = join(repo, 'src/cli/main.ts');

function closedPipeRun(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CALLVAULT_PASSPHRASE: 'unused' } });
  child.stdout.destroy(); // the reader is gone before the first write: every write gets EPIPE
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr })));
}

test('every command writing to stdout exits quietly when the reader closed the pipe', async () => {
  const w = OpsWorld.create();
  try {
    const index = w.open();
    const ids = Array.from({ length: 30 }, () => w.add(index));
    index.close();
    const cfg = ['--config', w.configPath];
    const cases: Array<{ name: string; args: string[] }> = [
      { name: 'status', args: ['status', ...cfg] },
      { name: 'status --json', args: ['status', '--json', ...cfg] },
      { name: 'list', args: ['list', ...cfg] },
      { name: 'list --json', args: ['list', '--json', ...cfg] },
      { name: 'show', args: ['show', ids[0]!, ...cfg] },
      { name: 'audit', args: ['audit', ...cfg] },
      { name: 'audit --verify', args: ['audit', '--verify', ...cfg] },
      { name: 'verify', args: ['verify', ...cfg] },
      { name: 'doctor', args: ['doctor', '--timeout', '200', ...cfg] },
      { name: 'check-config', args: ['check-config', ...cfg] },
      { name: 'check-config --json', args: ['check-config', '--json', ...cfg] },
      { name: 'purge --dry-run', args: ['purge', '--dry-run', ...cfg] },
      { name: 'subject find', args: ['subject', 'find', '+33123456789', '--reason', 'test', ...cfg] },
      { name: 'help', args: ['help'] },
      { name: '--version', args: ['--version'] },
      { name: 'keygen', args: ['keygen', '--no-passphrase', '-o', join(w.dir, 'k1.txt')] },
    ];
    for (const c of cases) {
      // The exit code the command has with a reader that stays: the closed pipe must not change it.
      const args = c.name === 'keygen' ? ['keygen', '--no-passphrase', '-o', join(w.dir, 'k0.txt')] : c.args;
      const normal = spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: repo, encoding: 'utf8', timeout: 60_000 });
      assert.ok(normal.stdout.length > 0, `${c.name} writes to stdout (else this case proves nothing): ${normal.stderr}`);
      const r = await closedPipeRun(c.args);
      assert.doesNotMatch(r.stderr, /EPIPE|Unhandled 'error'|\n\s+at /, `${c.name}: ${r.stderr}`);
      assert.equal(r.code, normal.status, `${c.name}: exit code with the pipe closed early (stderr: ${r.stderr})`);
    }
  } finally {
    w.cleanup();
  }
});
