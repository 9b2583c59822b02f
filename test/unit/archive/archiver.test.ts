import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ARCHIVE_STEPS, Archiver, type ArchiveStep, type ArchiverOptions } from '../../../src/archive/archiver.js';
import { decryptStream } from '../../../src/archive/age-crypto.js';
import { fileWebStream } from '../../../src/archive/recording-reader.js';
import { oggPackets, oggPages, parseOpusTags } from '../../../src/archive/ogg-reader.js';
import { RecordingIndex } from '../../../src/index/index.js';
import { isCallvaultError } from '../../../src/errors.js';
import { hasher, newKey, recordingId, RETENTION, spoolRecording, tempDir, wavFile } from './fixtures.js';

interface Env {
  spool: string;
  storage: string;
  key: Awaited<ReturnType<typeof newKey>>;
  options: (over?: Partial<ArchiverOptions>) => ArchiverOptions;
  cleanup: () => void;
}

async function env(): Promise<Env> {
  const d = tempDir();
  const spool = join(d.path, 'spool');
  const storage = join(d.path, 'storage');
  mkdirSync(spool);
  const key = await newKey();
  return {
    spool, storage, key,
    options: (over = {}) => ({ spoolDir: spool, storageDir: storage, recipientsByPurpose: { quality: [key.recipient] }, hasher, retentionDays: RETENTION, ...over }),
    cleanup: d.cleanup,
  };
}

async function decryptedTags(path: string, identity: string): Promise<Map<string, string>> {
  const plain = await decryptStream(fileWebStream(path), [identity]);
  for await (const p of oggPackets(oggPages(plain as unknown as AsyncIterable<Uint8Array>))) {
    if (p.data.toString('latin1', 0, 8) === 'OpusTags') return new Map(parseOpusTags(p.data).comments);
  }
  throw new Error('no tags');
}

/** Every file under a directory, recursively, relative. */
function tree(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath ?? (e as unknown as { path: string }).path, e.name).slice(dir.length + 1)).sort();
}

test('a spooled recording becomes one encrypted file, one sidecar, one row, one audit entry; the spool is emptied', async () => {
  const e = await env();
  try {
    const id = recordingId();
    spoolRecording(e.spool, id, wavFile(8000, 8000 * 3 + 17));
    const a = new Archiver(e.options());
    const r = await a.processOnce();
    await a.close();
    assert.deepEqual(r, { archived: [id], failed: [], deferred: [] });
    assert.deepEqual(readdirSync(e.spool), [], 'WAV and JSON removed');
    const day = 'recordings/2026/11/28';
    assert.deepEqual(tree(e.storage).filter((f) => f.startsWith('recordings')), [`${day}/${id}.json`, `${day}/${id}.opus.age`]);
    for (const f of tree(e.storage)) assert.equal(statSync(join(e.storage, f)).mode & 0o777, 0o600, f);
    for (const d of ['', 'recordings', day, 'tmp']) assert.equal(statSync(join(e.storage, d)).mode & 0o777, 0o700, d || 'storage');

    const index = RecordingIndex.open(join(e.storage, 'index.sqlite'));
    const row = index.getRecording(id)!;
    assert.equal(row.durationMs, 3002);
    assert.equal(row.callerHash, hasher.hex('caller', '+33123456789'));
    assert.equal(row.agentHash, hasher.hex('agent', 'agent-7'));
    assert.deepEqual(row.recipients, [e.key.recipient]);
    assert.deepEqual(row.pauses, [{ startOffsetMs: 1000, endOffsetMs: 2500, outcome: 'muted' }]);
    assert.equal(row.retentionUntil, '2026-12-28T15:05:05.000Z', 'ended + 30 days');
    assert.equal(row.sizeBytes, statSync(join(e.storage, row.file)).size);
    assert.deepEqual(index.listAudit(id).map((x) => x.action), ['archive']);
    index.close();

    // Clear numbers only inside the encrypted file; the sidecar and index hold hashes.
    const sidecar = readFileSync(join(e.storage, day, `${id}.json`), 'utf8');
    const db = readFileSync(join(e.storage, 'index.sqlite'));
    for (const secret of ['+33123456789', '33123456789', 'agent-7']) {
      assert.ok(!sidecar.includes(secret), `sidecar holds ${secret}`);
      assert.ok(!db.includes(secret), `index holds ${secret}`);
    }
    const tags = await decryptedTags(join(e.storage, row.file), e.key.identity);
    assert.equal(tags.get('CALLVAULT_CALLER'), '+33123456789');
    assert.equal(tags.get('CALLVAULT_AGENT'), 'agent-7');
    assert.equal(JSON.parse(tags.get('CALLVAULT_METADATA')!).recordingId, id);
  } finally {
    e.cleanup();
  }
});

test('a crash after each step resumes to the same single result, and leaves no plaintext', async () => {
  for (const step of ARCHIVE_STEPS) {
    const e = await env();
    try {
      const id = recordingId();
      spoolRecording(e.spool, id, wavFile(8000, 8000 * 2, [440, 660]), { channels: 2 });
      const crash = new Archiver(e.options({ hooks: { step: (s: ArchiveStep) => { if (s === step) throw new Error(`crash at ${s}`); } } }));
      const first = await crash.processOnce();
      await crash.close();
      assert.equal(first.failed.length, 1, step);
      const resumed = new Archiver(e.options());
      const second = await resumed.processOnce();
      await resumed.close();
      const wantArchived = step === 'done' ? [] : [id]; // at 'done' the first run had finished everything
      assert.deepEqual(second.archived, wantArchived, `resume after ${step}`);
      assert.deepEqual(readdirSync(e.spool), [], `spool empty after ${step}`);
      assert.deepEqual(tree(join(e.storage, 'tmp')), [], `no partial output after ${step}`);
      const index = RecordingIndex.open(join(e.storage, 'index.sqlite'));
      assert.equal(index.countRecordings(), 1, step);
      const row = index.getRecording(id)!;
      assert.equal(row.channels, 2);
      assert.equal(index.listAudit(id).length, 1, `one archive entry after ${step}`);
      assert.equal(index.verifyAuditChain().ok, true);
      index.close();
      const tags = await decryptedTags(join(e.storage, row.file), e.key.identity);
      assert.equal(tags.get('CALLVAULT_ID'), id, step);
    } finally {
      e.cleanup();
    }
  }
});

test('a full disk keeps the WAV, reports the backlog, and retries after a backoff', async () => {
  const e = await env();
  try {
    const ids = [recordingId(), recordingId()];
    for (const id of ids) spoolRecording(e.spool, id, wavFile(8000, 4000));
    let full = true;
    const enospc = () => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28 });
    let now = Date.now();
    const realNow = Date.now;
    Date.now = () => now;
    try {
      const a = new Archiver(e.options({ hooks: { step: (s) => { if (s === 'encoding' && full) throw enospc(); } } }));
      const r1 = await a.processOnce();
      assert.deepEqual(r1.archived, []);
      assert.equal(r1.failed[0]!.code, 'CV_ERR_ARCHIVE_DISK_FULL');
      assert.deepEqual(r1.deferred, [ids[1]], 'the rest waits instead of failing one by one');
      assert.equal(readdirSync(e.spool).length, 4, 'both WAVs and JSONs kept');
      assert.deepEqual(tree(join(e.storage, 'tmp')), [], 'the partial file was removed to free space');
      const b = a.backlog();
      assert.equal(b.pending, 2);
      assert.equal(b.diskFull, true);
      assert.ok(b.nextRetryAt !== null);
      full = false;
      const r2 = await a.processOnce();
      assert.deepEqual(r2.archived, [], 'still backing off');
      assert.equal(r2.deferred.length, 2);
      now += 1500;
      const r3 = await a.processOnce();
      assert.deepEqual(r3.archived, ids);
      assert.deepEqual(a.backlog(), { pending: 0, failing: 0, diskFull: false, nextRetryAt: null });
      await a.close();
    } finally {
      Date.now = realNow;
    }
    assert.deepEqual(readdirSync(e.spool), []);
  } finally {
    e.cleanup();
  }
});

test('bad spool entries are kept and reported, and do not block the good ones', async () => {
  const e = await env();
  try {
    const good = recordingId();
    spoolRecording(e.spool, good, wavFile(8000, 800));
    const noWav = recordingId();
    writeFileSync(join(e.spool, `${noWav}.json`), JSON.stringify({ ...JSON.parse(readFileSync(join(e.spool, `${good}.json`), 'utf8')), recordingId: noWav, wav: `${noWav}.wav` }));
    const badJson = recordingId();
    writeFileSync(join(e.spool, `${badJson}.wav`), wavFile(8000, 800));
    writeFileSync(join(e.spool, `${badJson}.json`), '{"version": 1, "recordingId": ');
    const noKeys = recordingId();
    spoolRecording(e.spool, noKeys, wavFile(8000, 800), { purpose: 'contract' });
    const badWav = recordingId();
    spoolRecording(e.spool, badWav, Buffer.from('not a wav, just some bytes long enough'));
    const inProgress = recordingId();
    writeFileSync(join(e.spool, `${inProgress}.wav`), wavFile(8000, 800)); // JSON not written yet

    const a = new Archiver(e.options());
    const r = await a.processOnce();
    await a.close();
    assert.deepEqual(r.archived, [good]);
    const codes = Object.fromEntries(r.failed.map((f) => [f.id, f.code]));
    assert.deepEqual(codes, {
      [noWav]: 'CV_ERR_ARCHIVE_META', [badJson]: 'CV_ERR_ARCHIVE_META', [noKeys]: 'CV_ERR_ARCHIVE_RECIPIENTS', [badWav]: 'CV_ERR_ARCHIVE_WAV',
    });
    const left = readdirSync(e.spool).sort();
    for (const id of [badJson, noKeys, badWav]) assert.ok(left.includes(`${id}.wav`) && left.includes(`${id}.json`), id);
    assert.ok(left.includes(`${inProgress}.wav`), 'a WAV without its JSON is not touched');
    assert.equal(a.backlog().failing, 4);
  } finally {
    e.cleanup();
  }
});

test('the storage directory must be private, and only one archiver may work on it', async () => {
  const e = await env();
  try {
    mkdirSync(e.storage, { mode: 0o755 });
    chmodSync(e.storage, 0o755);
    await assert.rejects(new Archiver(e.options()).processOnce(), (err: unknown) => isCallvaultError(err, 'CV_ERR_ARCHIVE_PERMISSIONS') && /0755/.test(err.message));
    chmodSync(e.storage, 0o750);
    await assert.rejects(new Archiver(e.options()).processOnce(), (err: unknown) => isCallvaultError(err, 'CV_ERR_ARCHIVE_PERMISSIONS'));
    chmodSync(e.storage, 0o700);
    const a = new Archiver(e.options());
    await a.processOnce();
    await assert.rejects(new Archiver(e.options()).processOnce(), (err: unknown) => isCallvaultError(err, 'CV_ERR_ARCHIVE_LOCKED') && new RegExp(`pid ${process.pid}`).test(err.message));
    await a.close();
    // Released with close(): the next archiver takes it (a dead holder's lock: test/e2e/archive-lock.test.ts).
    const b = new Archiver(e.options());
    await b.processOnce();
    await b.close();
  } finally {
    e.cleanup();
  }
});

test('backfill: plain WAVs get synthesised metadata, once, and fresh ones wait', async () => {
  const e = await env();
  try {
    writeFileSync(join(e.spool, 'old call.wav'), wavFile(8000, 16000));
    const old = new Date('2025-03-04T05:06:07Z');
    utimesSync(join(e.spool, 'old call.wav'), old, old);
    writeFileSync(join(e.spool, 'fresh.wav'), wavFile(8000, 800));
    const a = new Archiver(e.options({ backfill: { line: 'legacy', purpose: 'quality' } }));
    const r = await a.processOnce();
    await a.close();
    assert.equal(r.archived.length, 1);
    assert.match(r.archived[0]!, /^20250304T050605Z-[0-9a-f]{8}$/, 'id from the start time (mtime minus duration)');
    assert.deepEqual(readdirSync(e.spool), ['fresh.wav']);
    const index = RecordingIndex.open(join(e.storage, 'index.sqlite'));
    const row = index.getRecording(r.archived[0]!)!;
    assert.equal(row.line, 'legacy');
    assert.equal(row.pbx, 'backfill');
    assert.equal(row.callerHash, null);
    assert.equal(row.durationMs, 2000);
    index.close();
  } finally {
    e.cleanup();
  }
});

test('start() archives in the background and stop() waits for the recording in progress', async () => {
  const e = await env();
  try {
    const a = new Archiver(e.options({ pollIntervalMs: 20 }));
    await a.start();
    const id = recordingId();
    spoolRecording(e.spool, id, wavFile(8000, 8000));
    const deadline = Date.now() + 10_000;
    while (readdirSync(e.spool).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await a.stop();
    assert.deepEqual(readdirSync(e.spool), []);
    const next = new Archiver(e.options());
    await next.processOnce(); // would throw CV_ERR_ARCHIVE_LOCKED had stop() kept the lock
    await next.close();
  } finally {
    e.cleanup();
  }
});
