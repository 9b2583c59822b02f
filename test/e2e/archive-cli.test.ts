/**
 * The archive commands, in-process (main(argv, BufferIo)) and as a real
 * process: archive, verify, decrypt, keygen, reindex, and their refusals.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, unlinkSync, writeFileSync, appendFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { BufferIo } from '../../src/cli/output.js';
import { RecordingIndex } from '../../src/index/index.js';
import { metadata, recordingId, tempDir } from '../unit/archive/fixtures.js';
import { NODE_TSX, run, soxDuration, soxTone } from './archive-support.js';

const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = new BufferIo();
  const code = await main(['node', 'callvault', ...args], io);
  return { code, out: io.stdout, err: io.stderr };
}

function setup() {
  const d = tempDir();
  const spool = join(d.path, 'spool');
  const storage = join(d.path, 'storage');
  mkdirSync(spool);
  const hashKey = join(d.path, 'hash.key');
  writeFileSync(hashKey, Buffer.alloc(32, 9), { mode: 0o600 });
  const keyFile = join(d.path, 'key.txt');
  const recipient = /age1[0-9a-z]+/.exec(run('age-keygen', ['-o', keyFile]).stderr)![0];
  const common = ['--storage', storage];
  const archiveArgs = ['archive', '--spool', spool, ...common, '--recipient', `quality=${recipient}`, '--hash-key', hashKey];
  return { d, spool, storage, hashKey, keyFile, recipient, common, archiveArgs };
}

test('archive, verify, decrypt to .opus and .wav, with an audit row for each access', async () => {
  const s = setup();
  try {
    const ids = [recordingId(), recordingId()];
    for (const id of ids) {
      soxTone(join(s.spool, `${id}.wav`), 8000, 1.5, [440]);
      writeFileSync(join(s.spool, `${id}.json`), JSON.stringify(metadata(id)));
    }
    const a = await cli(...s.archiveArgs);
    assert.equal(a.code, 0, a.err);
    assert.match(a.out, /2 archived, 0 failed/);
    assert.deepEqual(readdirSync(s.spool), []);

    const v = await cli('verify', ...s.common, '-i', s.keyFile);
    assert.equal(v.code, 0, v.out + v.err);
    assert.match(v.out, /2 checked, 2 ok \(2 decrypted\), 0 problems/);

    const wav = join(s.d.path, 'out.wav');
    const dec = await cli('decrypt', ids[0]!, ...s.common, '-i', s.keyFile, '--reason', 'complaint 1234', '--actor', 'alice', '-o', wav);
    assert.equal(dec.code, 0, dec.err);
    assert.ok(Math.abs(soxDuration(wav) - 1.5) <= 0.02);
    assert.equal(statSync(wav).mode & 0o777, 0o600);
    const opus = join(s.d.path, 'out.opus');
    assert.equal((await cli('decrypt', ids[1]!, ...s.common, '-i', s.keyFile, '--reason', 'qa', '-o', opus)).code, 0);
    assert.match(run('opusinfo', [opus]).stdout, /Playback length: 0m:01\.500s/);

    const index = RecordingIndex.open(join(s.storage, 'index.sqlite'));
    const access = index.listAudit(ids[0]).filter((r) => r.action === 'decrypt');
    assert.equal(access.length, 1);
    assert.equal(access[0]!.actor, 'alice');
    assert.equal(access[0]!.reason, 'complaint 1234');
    assert.equal(index.verifyAuditChain().ok, true);
    index.close();
  } finally {
    s.d.cleanup();
  }
});

test('refusals: clear message, non-zero exit, nothing half-written', async () => {
  const s = setup();
  try {
    const id = recordingId();
    soxTone(join(s.spool, `${id}.wav`), 8000, 1, [440]);
    writeFileSync(join(s.spool, `${id}.json`), JSON.stringify(metadata(id)));
    assert.equal((await cli(...s.archiveArgs)).code, 0);
    const other = join(s.d.path, 'other.txt');
    run('age-keygen', ['-o', other]);
    const out = join(s.d.path, 'x.wav');
    const cases: { name: string; args: string[]; code: number; err: RegExp }[] = [
      { name: 'unknown id', args: ['decrypt', '20260101T000000Z-00000000', ...s.common, '-i', s.keyFile, '--reason', 'r', '-o', out], code: 1, err: /no recording with id 20260101T000000Z-00000000/ },
      { name: 'wrong key', args: ['decrypt', id, ...s.common, '-i', other, '--reason', 'r', '-o', out], code: 1, err: /cannot decrypt .*no identity matches/ },
      { name: 'no reason', args: ['decrypt', id, ...s.common, '-i', s.keyFile, '-o', out], code: 1, err: /a reason is required/ },
      { name: 'identity file missing', args: ['decrypt', id, ...s.common, '-i', join(s.d.path, 'nope'), '--reason', 'r', '-o', out], code: 1, err: /cannot use identity file/ },
      { name: 'no storage', args: ['verify'], code: 1, err: /no storage directory given/ },
      { name: 'backfill half given', args: [...s.archiveArgs, '--line', 'x'], code: 64, err: /--line and --purpose go together/ },
      { name: 'bad recipient option', args: [...s.archiveArgs, '--recipient', 'marketing=age1x'], code: 64, err: /PURPOSE=VALUE/ },
    ];
    for (const c of cases) {
      const r = await cli(...c.args);
      assert.equal(r.code, c.code, `${c.name}: ${r.err}`);
      assert.match(r.err, c.err, c.name);
      assert.match(r.err, /^callvault: error: /m, c.name);
      assert.match(r.err, /^callvault: hint: /m, c.name);
      assert.ok(!existsSync(out), `${c.name}: no output written`);
      assert.deepEqual(readdirSync(s.d.path).filter((n) => n.includes('.tmp')), [], `${c.name}: no temporary left`);
    }
    // Refuses to overwrite.
    writeFileSync(out, 'keep me');
    const r = await cli('decrypt', id, ...s.common, '-i', s.keyFile, '--reason', 'r', '-o', out);
    assert.equal(r.code, 1);
    assert.match(r.err, /refusing to overwrite/);
    assert.equal(readFileSync(out, 'utf8'), 'keep me');

    // Missing metadata: the WAV is named, kept, and the exit is non-zero.
    writeFileSync(join(s.spool, 'lonely.wav'), readFileSync(join(s.d.path, 'hash.key')));
    const m = await cli(...s.archiveArgs);
    assert.equal(m.code, 1);
    assert.match(m.err, /spool metadata missing or invalid for lonely\.wav/);
    assert.ok(existsSync(join(s.spool, 'lonely.wav')));

    // A world-readable storage directory is refused with exit 78.
    const open = join(s.d.path, 'open-storage');
    mkdirSync(open, { mode: 0o755 });
    const p = await cli('archive', '--spool', s.spool, '--storage', open, '--recipient', `quality=${s.recipient}`, '--hash-key', s.hashKey);
    assert.equal(p.code, 78);
    assert.match(p.err, /accessible by other users \(mode 0755\)/);
  } finally {
    s.d.cleanup();
  }
});

test('verify reports missing, corrupted and orphan files and exits 1; reindex rebuilds a lost index', async () => {
  const s = setup();
  try {
    const ids = [recordingId(), recordingId(), recordingId()];
    for (const id of ids) {
      soxTone(join(s.spool, `${id}.wav`), 8000, 0.5, [440]);
      writeFileSync(join(s.spool, `${id}.json`), JSON.stringify(metadata(id)));
    }
    assert.equal((await cli(...s.archiveArgs)).code, 0);
    const index = RecordingIndex.open(join(s.storage, 'index.sqlite'));
    const files = ids.map((id) => join(s.storage, index.getRecording(id)!.file));
    index.close();
    assert.equal((await cli('verify', ...s.common)).code, 0);

    // Index lost: reindex brings every row back from the sidecars.
    const saved = join(s.d.path, 'index.bak');
    for (const ext of ['', '-wal', '-shm']) if (existsSync(join(s.storage, 'index.sqlite' + ext))) renameSync(join(s.storage, 'index.sqlite' + ext), saved + ext);
    const ri = await cli('reindex', ...s.common, '--json');
    assert.equal(ri.code, 0, ri.err);
    assert.deepEqual(JSON.parse(ri.out).inserted.sort(), [...ids].sort());
    assert.equal((await cli('verify', ...s.common)).code, 0);

    unlinkSync(files[0]!);
    appendFileSync(files[1]!, 'x');
    writeFileSync(join(s.storage, 'recordings', 'stray.bin'), 'x');
    const v = await cli('verify', ...s.common, '--json');
    assert.equal(v.code, 1);
    const report = JSON.parse(v.out) as { issues: { kind: string; id: string | null; path: string | null }[] };
    const kinds = report.issues.map((i) => `${i.kind}:${i.id ?? i.path}`).sort();
    assert.deepEqual(kinds, [`corrupt:${ids[1]}`, `missing:${ids[0]}`, 'orphan:recordings/stray.bin'].sort());
    const one = await cli('verify', ids[2]!, ...s.common);
    assert.equal(one.code, 0, 'a healthy recording verifies on its own');
    const unknown = await cli('verify', '20260101T000000Z-00000000', ...s.common);
    assert.equal(unknown.code, 1);
    assert.match(unknown.out, /unknown 20260101T000000Z-00000000/);
  } finally {
    s.d.cleanup();
  }
});

test('reindex does not revive a purged recording whose files came back from a backup', async () => {
  const s = setup();
  try {
    const [kept, purged] = [recordingId(), recordingId()];
    for (const id of [kept, purged]) {
      soxTone(join(s.spool, `${id}.wav`), 8000, 0.5, [440]);
      writeFileSync(join(s.spool, `${id}.json`), JSON.stringify(metadata(id)));
    }
    assert.equal((await cli(...s.archiveArgs)).code, 0);
    // What a purge leaves: a tombstone and no row (the files are restored below as a backup would).
    const index = RecordingIndex.open(join(s.storage, 'index.sqlite'));
    index.db.prepare('INSERT INTO tombstones (recording_id, purged_at, reason, sha256) VALUES (?, ?, ?, NULL)').run(purged, new Date().toISOString(), 'retention-expired');
    index.db.prepare('DELETE FROM recordings WHERE id = ?').run(purged);
    index.close();
    const r = await cli('reindex', ...s.common, '--json');
    const report = JSON.parse(r.out) as { inserted: string[]; problems: { id: string | null; detail: string }[] };
    assert.deepEqual(report.inserted, [], 'nothing revived');
    assert.ok(report.problems.some((p) => p.id === purged && /purged/.test(p.detail)), r.out);
    const after = RecordingIndex.open(join(s.storage, 'index.sqlite'));
    assert.equal(after.getRecording(purged), null);
    assert.notEqual(after.getRecording(kept), null);
    after.close();
  } finally {
    s.d.cleanup();
  }
});

test('keygen: passphrase-protected by default, usable by decrypt with CALLVAULT_PASSPHRASE; never overwrites', async () => {
  const d = tempDir();
  try {
    const key = join(d.path, 'id.age');
    const env = { ...process.env, CALLVAULT_PASSPHRASE: 'correct horse battery' };
    const r = spawnSync(NODE_TSX[0]!, [...NODE_TSX.slice(1), MAIN, 'keygen', '-o', key, '--work-factor', '10'], { env, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const recipient = r.stdout.trim();
    assert.match(recipient, /^age1[0-9a-z]{58}$/);
    assert.match(readFileSync(key, 'utf8'), /^-----BEGIN AGE ENCRYPTED FILE-----/);
    assert.ok(!readFileSync(key, 'utf8').includes('AGE-SECRET-KEY'), 'the secret is not in clear');
    assert.equal(statSync(key).mode & 0o777, 0o600);
    const again = spawnSync(NODE_TSX[0]!, [...NODE_TSX.slice(1), MAIN, 'keygen', '-o', key, '--work-factor', '10'], { env, encoding: 'utf8' });
    assert.equal(again.status, 1);
    assert.match(again.stderr, /callvault: error: refusing to overwrite/);
    // No passphrase available and no terminal: refused, not silently unprotected.
    const noPass = spawnSync(NODE_TSX[0]!, [...NODE_TSX.slice(1), MAIN, 'keygen', '-o', join(d.path, 'k2')], { env: { ...process.env, CALLVAULT_PASSPHRASE: '' }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    assert.equal(noPass.status, 1);
    assert.match(noPass.stderr, /a passphrase is needed/);
    assert.ok(!existsSync(join(d.path, 'k2')));

    // Full round trip as real processes: archive to that recipient, decrypt with the protected identity.
    const spool = join(d.path, 'spool');
    const storage = join(d.path, 'storage');
    mkdirSync(spool);
    writeFileSync(join(d.path, 'hash.key'), Buffer.alloc(32, 3), { mode: 0o600 });
    const id = recordingId();
    soxTone(join(spool, `${id}.wav`), 8000, 1, [440]);
    writeFileSync(join(spool, `${id}.json`), JSON.stringify(metadata(id)));
    const arch = spawnSync(NODE_TSX[0]!, [...NODE_TSX.slice(1), MAIN, 'archive', '--spool', spool, '--storage', storage, '--recipient', `quality=${recipient}`, '--hash-key', join(d.path, 'hash.key')], { encoding: 'utf8' });
    assert.equal(arch.status, 0, arch.stderr);
    const out = join(d.path, 'call.wav');
    const dec = spawnSync(NODE_TSX[0]!, [...NODE_TSX.slice(1), MAIN, 'decrypt', id, '--storage', storage, '-i', key, '--reason', 'test', '-o', out], { env, encoding: 'utf8' });
    assert.equal(dec.status, 0, dec.stderr);
    assert.ok(Math.abs(soxDuration(out) - 1) <= 0.02);
    const wrong = spawnSync(NODE_TSX[0]!, [...NODE_TSX.slice(1), MAIN, 'decrypt', id, '--storage', storage, '-i', key, '--reason', 'test', '-o', join(d.path, 'w.wav')], { env: { ...env, CALLVAULT_PASSPHRASE: 'wrong' }, encoding: 'utf8' });
    assert.equal(wrong.status, 1);
    assert.match(wrong.stderr, /wrong passphrase/);
    rmSync(out);
  } finally {
    d.cleanup();
  }
});

test('--config: storage, spool, recipients, retention and hash key come from the config file', async () => {
  const d = tempDir();
  try {
    const storage = join(d.path, 'storage');
    const spool = join(d.path, 'spool');
    mkdirSync(spool);
    writeFileSync(join(d.path, 'hash.key'), Buffer.alloc(32, 6), { mode: 0o600 });
    const keyFile = join(d.path, 'key.txt');
    const recipient = /age1[0-9a-z]+/.exec(run('age-keygen', ['-o', keyFile]).stderr)![0];
    const config = join(d.path, 'callvault.yaml');
    writeFileSync(config, [
      'pbx:', '  type: asterisk', '  asterisk:', '    ami: { username: callvault, secret: s3cret }',
      '    recordings: { pbx: /var/spool/asterisk/callvault, local: ./spool }',
      'lines:', '  sales: { mode: sampled, rate: 0.5, purpose: quality }',
      'privacy: { hashKeyFile: ./hash.key }',
      'storage: { dir: ./storage, spool: ./spool }',
      `archive: { bitrateBps: 12000, recipients: { quality: [${recipient}] } }`,
      'retention: { quality: 10 }', '',
    ].join('\n'));
    const id = recordingId();
    soxTone(join(spool, `${id}.wav`), 8000, 1, [440]);
    writeFileSync(join(spool, `${id}.json`), JSON.stringify(metadata(id)));
    const r = await cli('archive', '--config', config);
    assert.equal(r.code, 0, r.err);
    const index = RecordingIndex.open(join(storage, 'index.sqlite'));
    const row = index.getRecording(id)!;
    index.close();
    assert.equal(row.bitrateBps, 12000);
    assert.equal(row.retentionUntil, '2026-12-08T15:05:05.000Z', 'ended + 10 days from the config');
    const v = await cli('verify', '--config', config, '-i', keyFile);
    assert.equal(v.code, 0, v.out + v.err);
    const bad = await cli('verify', '--config', join(d.path, 'missing.yaml'));
    assert.equal(bad.code, 78);
  } finally {
    d.cleanup();
  }
});
