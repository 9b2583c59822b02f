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
    assert.equal(existsSync(join(storage, 'archiver.lock')), false);
    const index = RecordingIndex.open(join(storage, 'index.sqlite'));
    assert.equal(index.getRecording(id)?.durationMs, 120_000);
    index.close();
  } finally {
    d.cleanup();
  }
});

test('ArchiverWorker.start() fails with the archiver\'s error code on a bad storage directory', async () => {
  const d = tempDir();
  try {
    const storage = join(d.path, 'storage');
    mkdirSync(storage, { mode: 0o777 });
    const { chmodSync } = await import('node:fs');
    chmodSync(storage, 0o777);
    writeFileSync(join(d.path, 'hash.key'), Buffer.alloc(32, 4), { mode: 0o600 });
    const worker = new ArchiverWorker({ spoolDir: d.path, storageDir: storage, recipientsByPurpose: {}, hashKeyFile: join(d.path, 'hash.key'), retentionDays: RETENTION, logLevel: 'silent' });
    await assert.rejects(worker.start(), (e: unknown) => (e as { code?: string }).code === 'CV_ERR_ARCHIVE_PERMISSIONS' && /accessible by other users/.test((e as Error).message));
    await worker.stop();
  } finally {
    d.cleanup();
  }
});
