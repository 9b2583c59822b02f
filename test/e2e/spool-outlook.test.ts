/**
 * The backlog report on a real spool directory: the sampler reads real WAV
 * headers and sizes and the file system's free space; the archiver process
 * reports the outlook the daemon puts into status.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, statfsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SpoolSampler } from '../../src/archive/spool-sampler.js';
import { ArchiverWorker } from '../../src/archive/archiver-worker.js';
import { spoolOutlook } from '../../src/ops/spool-outlook.js';
import { RETENTION, recordingId, spoolRecording, tempDir, wavFile } from '../unit/archive/fixtures.js';

test('a real spool: audio counted from each header (8 kHz mono, 16 kHz stereo), growth and off-peak drain from two samples', async () => {
  const d = tempDir();
  try {
    const spool = join(d.path, 'spool');
    mkdirSync(spool);
    const sampler = new SpoolSampler(spool, d.path);
    const t0 = 1_000_000;
    // 3 x 60 s of 8 kHz mono and 30 s of 16 kHz stereo: 210 s.
    for (let i = 0; i < 3; i++) spoolRecording(spool, recordingId(), wavFile(8000, 8000 * 60));
    spoolRecording(spool, recordingId(), wavFile(16000, 16000 * 30, [440, 1000]), { channels: 2 });
    writeFileSync(join(spool, 'notes.txt'), 'not audio');
    const a = await sampler.sample(0, t0);
    assert.equal(a.files, 4);
    assert.ok(Math.abs(a.audioSeconds - 210) < 0.01, `${a.audioSeconds} s`);
    const fs = statfsSync(spool);
    assert.ok(Math.abs(a.freeBytes - fs.bavail * fs.bsize) < 64 * 1024 * 1024, 'free space from statfs');
    // A minute later 4 more minutes of audio arrived and 1 audio minute was archived: +3 audio min per min = 3 h/h.
    for (let i = 0; i < 4; i++) spoolRecording(spool, recordingId(), wavFile(8000, 8000 * 60));
    const b = await sampler.sample(60, t0 + 60_000);
    assert.equal(b.files, 8);
    const o = spoolOutlook([a, b]);
    assert.equal(o.files, 8);
    assert.ok(Math.abs(o.audioHours - 450 / 3600) < 0.001, `${o.audioHours}`);
    assert.ok(Math.abs(o.growthAudioHoursPerHour! - 4) < 0.01, `growth ${o.growthAudioHoursPerHour}`);
    assert.ok(Math.abs(o.archiveAudioHoursPerHour! - 1) < 0.01, `archive ${o.archiveAudioHoursPerHour}`);
    assert.ok(o.drain.kind === 'growing' && Math.abs(o.drain.ifNoNewCallsHours! - 450 / 3600) < 0.01, JSON.stringify(o.drain));
  } finally {
    d.cleanup();
  }
});

test('the archiver process reports the outlook of its spool (what the daemon writes into status)', async () => {
  const d = tempDir();
  try {
    const spool = join(d.path, 'spool');
    mkdirSync(spool);
    writeFileSync(join(d.path, 'hash.key'), Buffer.alloc(32, 4), { mode: 0o600 });
    // No recipients for the purpose: the recordings fail and stay, a backlog that does not drain.
    for (let i = 0; i < 3; i++) spoolRecording(spool, recordingId(), wavFile(8000, 8000 * 40));
    const worker = new ArchiverWorker({ spoolDir: spool, storageDir: join(d.path, 'storage'), recipientsByPurpose: {}, hashKeyFile: join(d.path, 'hash.key'), retentionDays: RETENTION, logLevel: 'silent', workers: 1, pollIntervalMs: 50, sampleEveryMs: 100 });
    await worker.start();
    try {
      const deadline = Date.now() + 20_000;
      while (worker.outlook() === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const o = worker.outlook();
      assert.ok(o !== null, 'an outlook was reported');
      assert.equal(o.files, 3);
      assert.ok(Math.abs(o.audioHours - 120 / 3600) < 0.001, `${o.audioHours}`);
      assert.equal(o.drain.kind, 'measuring', 'a minute of history is needed for a trend');
    } finally {
      await worker.stop();
    }
  } finally {
    d.cleanup();
  }
});

test('callvault status shows the outlook the daemon wrote, and a disk about to fill is a problem (exit 1)', async () => {
  const { OpsWorld } = await import('../support/ops-world.js');
  const { writeStatus } = await import('../../src/daemon/status-file.js');
  const w = OpsWorld.create();
  w.open().close();
  try {
    const now = Date.now();
    const status = (spool: ReturnType<typeof spoolOutlook>) => ({
      version: 1 as const, pid: process.pid, startedAt: new Date(now - 3_600_000).toISOString(), writtenAt: new Date().toISOString(), pbx: 'asterisk' as const,
      link: { state: 'up' as const, since: now - 3_000_000, reconnects: 0, lastError: null }, callsInProgress: 0, recordingsInProgress: 0, archiveBacklog: 0,
      lastErrors: [], spool,
    });
    // 10 minutes at peak: the backlog grows 100 audio h/h, 400 h/h archived, the disk loses 10 GB/h with 5 GB left.
    const samples = Array.from({ length: 21 }, (_, i) => {
      const h = (i * 30_000) / 3_600_000;
      return { atMs: now - 600_000 + i * 30_000, files: 100 + i, audioSeconds: (20 + 100 * h) * 3600, archivedAudioSeconds: 400 * h * 3600, freeBytes: (5 - 10 * h) * 1e9 };
    });
    writeStatus(w.storage, status(spoolOutlook(samples)) as never);
    const r = await w.cli('status');
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout, /problem: disk full in 0\.3 h at the current rate/);
    assert.match(r.stdout, /36\.67 audio h waiting; growth 100\.00 audio h\/h, archiving 400\.00 audio h\/h; growing; with no new calls drained in 6 min; disk full in 20 min/);
    const j = JSON.parse((await w.cli('status', '--json')).stdout) as { spool: { outlook: { disk: { kind: string; hoursLeft: number } } } };
    assert.equal(j.spool.outlook.disk.kind, 'filling');
    assert.ok(Math.abs(j.spool.outlook.disk.hoursLeft - 1 / 3) < 0.01);
    // Plenty of room and a draining backlog: healthy.
    const calm = samples.map((s, i) => ({ ...s, audioSeconds: (20 - 50 * (i * 30_000) / 3_600_000) * 3600, freeBytes: 500e9 }));
    writeStatus(w.storage, status(spoolOutlook(calm)) as never);
    const ok = await w.cli('status');
    assert.equal(ok.code, 0, ok.stdout);
    assert.match(ok.stdout, /11\.67 audio h waiting; growth -50\.00 audio h\/h.*drained in 14 min/);
  } finally {
    w.cleanup();
  }
});
