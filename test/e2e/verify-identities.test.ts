/**
 * `callvault verify --identity` with real age keys (issue 12, item 7): each
 * team holds the key of its own purposes only. Several `--identity` are all
 * tried; a recording none of them can open is "not decryptable with the
 * given identities", not corrupt, and exits 0; a damaged file is still
 * corrupt, whether the SHA-256 or only the decryption finds it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { Archiver } from '../../src/archive/archiver.js';
import { main } from '../../src/cli/main.js';
import { BufferIo } from '../../src/cli/output.js';
import { hasher, newKey, recordingId, RETENTION, spoolRecording, tempDir, wavFile } from '../unit/archive/fixtures.js';

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = new BufferIo();
  const code = await main(['node', 'callvault', ...args], io);
  return { code, stdout: io.stdout, stderr: io.stderr };
}

test('verify: every --identity is tried; another purpose\'s recording is not decryptable, not corrupt; damage is corrupt', async () => {
  const d = tempDir('cv-verify-');
  try {
    const storage = join(d.path, 'storage');
    const spool = join(d.path, 'spool');
    mkdirSync(spool, { mode: 0o700 });
    const quality = await newKey();
    const contract = await newKey();
    const q = recordingId();
    const c = recordingId();
    spoolRecording(spool, q, wavFile(8000, 8000), { purpose: 'quality' });
    spoolRecording(spool, c, wavFile(8000, 8000), { purpose: 'contract' });
    const a = new Archiver({ spoolDir: spool, storageDir: storage, recipientsByPurpose: { quality: [quality.recipient], contract: [contract.recipient] }, hasher, retentionDays: RETENTION });
    const r = await a.processOnce();
    await a.close();
    assert.deepEqual(r.archived.sort(), [q, c].sort());
    const qKey = join(d.path, 'quality.key');
    const cKey = join(d.path, 'contract.key');
    writeFileSync(qKey, `${quality.identity}\n`, { mode: 0o600 });
    writeFileSync(cKey, `${contract.identity}\n`, { mode: 0o600 });

    // One team's key: its recording decrypts, the other is reported for what it is.
    const one = await cli('verify', '--storage', storage, '--identity', qKey, '--actor', 'qa');
    assert.equal(one.code, 0, one.stdout + one.stderr);
    assert.match(one.stdout, new RegExp(`^ok ${q}$`, 'm'));
    assert.match(one.stdout, new RegExp(`^not-decryptable ${c}: not decryptable with the given identities \\(encrypted to another purpose's recipients\\)$`, 'm'));
    assert.doesNotMatch(one.stdout + one.stderr, /corrupt|backup/);
    assert.match(one.stdout, /2 checked, 1 ok \(1 decrypted\), 1 not decryptable with the given identities, 0 problems/);
    const json = JSON.parse((await cli('verify', '--storage', storage, '--identity', cKey, '--json')).stdout) as { result: string; notDecryptable: string[]; issues: unknown[] };
    assert.equal(json.result, 'ok');
    assert.deepEqual(json.notDecryptable, [q]);
    assert.deepEqual(json.issues, []);

    // Both keys: both tried, both decrypt (the last --identity used to win alone).
    for (const order of [[qKey, cKey], [cKey, qKey]]) {
      const both = await cli('verify', '--storage', storage, '--identity', order[0]!, '--identity', order[1]!);
      assert.equal(both.code, 0, both.stdout + both.stderr);
      assert.match(both.stdout, /2 checked, 2 ok \(2 decrypted\), 0 problems/);
    }

    // Damage found by the SHA-256: corrupt, exit 1, with the backup hint.
    const db = new BetterSqlite3(join(storage, 'index.sqlite'));
    const file = join(storage, (db.prepare('SELECT file FROM recordings WHERE id = ?').get(q) as { file: string }).file);
    const original = readFileSync(file);
    const damaged = Buffer.from(original);
    damaged[damaged.length - 40] = damaged[damaged.length - 40]! ^ 0x01; // in the last STREAM chunk of the payload
    writeFileSync(file, damaged);
    const sha = await cli('verify', '--storage', storage, '--identity', qKey);
    assert.equal(sha.code, 1);
    assert.match(sha.stdout, new RegExp(`^corrupt ${q} .*SHA-256 differs`, 'm'));
    assert.match(sha.stderr, /restore damaged or missing files from backup/);

    // Damage only decryption can find (index and sidecar rewritten to match the damaged bytes): still corrupt.
    const digest = createHash('sha256').update(damaged).digest('hex');
    db.prepare('UPDATE recordings SET sha256 = ? WHERE id = ?').run(digest, q);
    db.close();
    const sidecarPath = file.replace(/\.opus\.age$/, '.json');
    const sidecar = JSON.parse(readFileSync(sidecarPath, 'utf8')) as { sha256: string };
    writeFileSync(sidecarPath, JSON.stringify({ ...sidecar, sha256: digest }));
    const deep = await cli('verify', '--storage', storage, '--identity', qKey, '--identity', cKey);
    assert.equal(deep.code, 1, deep.stdout);
    assert.match(deep.stdout, new RegExp(`^corrupt ${q} .*decryption failed part way`, 'm'));
    assert.match(deep.stdout, new RegExp(`^ok ${c}$`, 'm'));
    assert.doesNotMatch(deep.stdout, /not-decryptable/);
  } finally {
    d.cleanup();
  }
});
