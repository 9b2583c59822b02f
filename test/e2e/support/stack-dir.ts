/**
 * The private files every e2e stack needs, whatever the PBX: a 0600 hash
 * key, a real age identity (made by Debian's age-keygen) and its recipient,
 * and a 0700 storage directory.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, mkdirSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

export interface StackDir { dir: string; hashKey: string; identity: string; recipient: string; storage: string }

export function makeStackDir(prefix: string): StackDir {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const hashKey = join(dir, 'hash.key');
  writeFileSync(hashKey, randomBytes(32), { mode: 0o600 });
  const identity = join(dir, 'qa.key');
  execFileSync('age-keygen', ['-o', identity], { stdio: 'pipe' });
  const recipient = execFileSync('age-keygen', ['-y', identity], { encoding: 'utf8' }).trim();
  const storage = join(dir, 'store');
  mkdirSync(storage, { mode: 0o700 });
  chmodSync(storage, 0o700);
  return { dir, hashKey, identity, recipient, storage };
}
