/**
 * Helpers for the archive end-to-end tests: the real binaries (age, opusenc,
 * opusinfo, opusdec, sox, soxi). A missing binary FAILS the test with the
 * package to install; it never skips (scripts/install-deps installs them).
 */
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';

const PACKAGES: Record<string, string> = {
  age: 'age', 'age-keygen': 'age', opusenc: 'opus-tools', opusinfo: 'opus-tools', opusdec: 'opus-tools', sox: 'sox', soxi: 'sox', script: 'bsdutils',
};

export function requireBinary(name: string): void {
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  assert.equal(r.status, 0, `required binary '${name}' is missing: install the Debian package '${PACKAGES[name] ?? name}' (scripts/install-deps does)`);
}

/** Runs a binary, failing the test with its stderr when it exits non-zero. */
export function run(cmd: string, args: string[], options: SpawnSyncOptions = {}): { stdout: string; stderr: string } {
  requireBinary(cmd);
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')} exited ${r.status}: ${String(r.stderr)}`);
  return { stdout: String(r.stdout), stderr: String(r.stderr) };
}

export function soxDuration(path: string): number {
  return Number(run('soxi', ['-D', path]).stdout.trim());
}

/** sox synth: `sox -n -r RATE -c CH -b 16 out synth SECONDS sine F1 [sine F2]`. */
export function soxTone(out: string, rate: number, seconds: number, freqs: number[]): void {
  run('sox', ['-n', '-r', String(rate), '-c', String(freqs.length), '-b', '16', '-e', 'signed-integer', out, 'synth', String(seconds), ...freqs.flatMap((f) => ['sine', String(f)])]);
}

/** The node command that runs a TypeScript entry point the way the tests do. */
export const NODE_TSX = [process.execPath, '--import', 'tsx'];
