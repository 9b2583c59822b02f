/**
 * The daemon's way to run the archiver: in a worker thread. The main event
 * loop must stay responsive while a long recording is encoded.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ArchiverWorker } from '../../src/archive/archiver-worker.js';
import { RecordingIndex } from '../../src/index/index.js';
import { metadata, newKey, recordingId, RETENTION, tempDir, wavFile } from '../unit/archive/fixtures.js';

test('ArchiverWorker archives off the main thread; the event loop keeps ticking; stop() releases the lock', async () => {
  const d = tempDir();
  try {
    const spool = join(d.path, 'spool');
    const storage = join(d.path, 'storage');
    mkdirSync(spool);
    const hashKeyFile = join(d.path, 'hash.key');
    writeFileSync(hashKeyFile, Buffer.alloc(32, 4), { mode: 0o600 });
    const key = await newKey();
    const worker = new ArchiverWorker({ spoolDir: spool, storageDir: storage, recipientsByPurpose: { quality: [key.recipient] }, hashKeyFile, retentionDays: RETENTION, pollIntervalMs: 50, logLevel: 'silent' });
    await worker.start();
    const id = recordingId();
    writeFileSync(join(spool, `${id}.wav`), wavFile(8000, 8000 * 120)); // two minutes: a few hundred ms of CPU
    writeFileSync(join(spool, `${id}.json`), JSON.stringify(metadata(id)));
    // Measure the main loop's worst delay while the worker encodes.
    let worst = 0;
    let last = Date.now();
    const ticker = setInterval(() => { const now = Date.now(); worst = Math.max(worst, now - last - 5); last = now; }, 5);
    const deadline = Date.now() + 30_000;
    while (readdirSync(spool).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    clearInterval(ticker);
    await worker.stop();
    assert.deepEqual(readdirSync(spool), [], 'archived by the worker');
    assert.ok(worst < 100, `main loop stalled ${worst} ms`);
    const { ArchiveLock } = await import('../../src/archive/archive-lock.js');
    await (await ArchiveLock.acquire(join(storage, 'archiver-lock.sqlite'), storage)).release(); // throws CV_ERR_ARCHIVE_LOCKED if stop() kept it
    const index = RecordingIndex.open(join(storage, 'index.sqlite'));
    assert.equal(index.getRecording(id)?.durationMs, 120_000);
    index.close();
  } finally {
    d.cleanup();
  }
});

test('ArchiverWorker on a bad storage directory: start() resolves, state() says why, and it runs once fixed', async () => {
  const d = tempDir();
  try {
    const storage = join(d.path, 'storage');
    mkdirSync(storage, { mode: 0o777 });
    const { chmodSync } = await import('node:fs');
    chmodSync(storage, 0o777);
    writeFileSync(join(d.path, 'hash.key'), Buffer.alloc(32, 4), { mode: 0o600 });
    const worker = new ArchiverWorker({ spoolDir: d.path, storageDir: storage, recipientsByPurpose: {}, hashKeyFile: join(d.path, 'hash.key'), retentionDays: RETENTION, logLevel: 'silent', pollIntervalMs: 20, maxBackoffMs: 50 });
    await worker.start();
    const st = worker.state();
    assert.equal(st.kind, 'retrying');
    assert.ok(st.kind === 'retrying' && st.code === 'CV_ERR_ARCHIVE_PERMISSIONS' && /accessible by other users/.test(st.message), JSON.stringify(st));
    chmodSync(storage, 0o700);
    const deadline = Date.now() + 20_000;
    while (worker.state().kind !== 'running' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(worker.state().kind, 'running', 'the archiver retried and started once the directory was fixed');
    await worker.stop();
    assert.equal(worker.state().kind, 'stopped');
  } finally {
    d.cleanup();
  }
});
