/**
 * The archiver pool (issue 11): N recordings encoded at once on N threads,
 * in a process of lower scheduling priority than the daemon, with the
 * guarantees of one archiver (one lock, nothing lost on failure, no
 * archiver outliving its daemon). Real files, real `age -d` and opusinfo.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Archiver } from '../../src/archive/archiver.js';
import { ArchiverWorker } from '../../src/archive/archiver-worker.js';
import { policyOfStat } from '../../src/archive/archiver-scheduling.js';
import { ArchiveLock } from '../../src/archive/archive-lock.js';
import { EncodePool, type Encoder } from '../../src/archive/encode-pool.js';
import { StorageLayout } from '../../src/archive/storage-layout.js';
import { RecordingIndex } from '../../src/index/index.js';
import { hasher, RETENTION, recordingId, spoolRecording, tempDir, wavFile } from '../unit/archive/fixtures.js';
import { NODE_TSX, run } from './archive-support.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function ageKey(dir: string): { file: string; recipient: string } {
  const file = join(dir, 'key.txt');
  const { stderr } = run('age-keygen', ['-o', file]);
  const recipient = /age1[0-9a-z]+/.exec(stderr + readFileSync(file, 'utf8'))![0];
  return { file, recipient };
}

/** Wraps an encoder to count how many jobs it runs at once. */
function counting(inner: Encoder): Encoder & { peak: number } {
  let inFlight = 0;
  const c = {
    size: inner.size, peak: 0,
    async encode(job: Parameters<Encoder['encode']>[0]) {
      inFlight++;
      c.peak = Math.max(c.peak, inFlight);
      try { return await inner.encode(job); } finally { inFlight--; }
    },
    close: () => inner.close(),
  };
  return c;
}

/** The nice value of a thread or process, from /proc (field 19 of stat). */
function niceOf(path: string): number {
  const stat = readFileSync(path, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
}

test('a pool of 2 archives 4 recordings two at a time; each decrypts with age -d and passes opusinfo', async () => {
  const d = tempDir();
  const pool = counting(new EncodePool(2));
  try {
    const spool = join(d.path, 'spool');
    const storage = join(d.path, 'storage');
    mkdirSync(spool);
    const key = ageKey(d.path);
    const cases = [
      { rate: 8000, seconds: 20, freqs: [440] },
      { rate: 8000, seconds: 15, freqs: [440, 1000] },
      { rate: 16000, seconds: 10, freqs: [600] },
      { rate: 8000, seconds: 25, freqs: [300] },
    ];
    const ids = cases.map((c) => {
      const id = recordingId();
      spoolRecording(spool, id, wavFile(c.rate, c.rate * c.seconds, c.freqs), { channels: c.freqs.length as 1 | 2 });
      return id;
    });
    const a = new Archiver({ spoolDir: spool, storageDir: storage, recipientsByPurpose: { quality: [key.recipient] }, hasher, retentionDays: RETENTION, encoder: pool });
    const pass = await a.processOnce();
    await a.close();
    assert.deepEqual([...pass.archived].sort(), [...ids].sort());
    assert.deepEqual(pass.failed, []);
    assert.equal(pool.peak, 2, 'two recordings were in flight at once');
    assert.deepEqual(readdirSync(spool), [], 'spool emptied');
    assert.deepEqual(readdirSync(new StorageLayout(storage).tmpDir), [], 'no partial output left');
    const index = RecordingIndex.open(join(storage, 'index.sqlite'));
    try {
      for (const [i, id] of ids.entries()) {
        const row = index.getRecording(id)!;
        assert.equal(row.durationMs, cases[i]!.seconds * 1000, id);
        const opus = join(d.path, `${id}.opus`);
        run('age', ['-d', '-i', key.file, '-o', opus, join(storage, row.file)]);
        const oi = run('opusinfo', [opus]);
        assert.doesNotMatch(oi.stdout + oi.stderr, /WARNING|ERROR/i, id);
        assert.match(oi.stdout, new RegExp(`Channels: ${cases[i]!.freqs.length}`), id);
        assert.match(oi.stdout, new RegExp(`Original sample rate: ${cases[i]!.rate} Hz`), id);
      }
    } finally {
      index.close();
    }
  } finally {
    await pool.close();
    d.cleanup();
  }
});

test('failures cross the thread boundary with their codes; the spool files stay; the good one is archived', async () => {
  const d = tempDir();
  const pool = new EncodePool(2);
  try {
    const spool = join(d.path, 'spool');
    const storage = join(d.path, 'storage');
    mkdirSync(spool);
    const key = ageKey(d.path);
    const good = recordingId();
    spoolRecording(spool, good, wavFile(8000, 8000 * 5));
    const cases = [
      { name: 'WAV missing', wav: null, code: 'CV_ERR_ARCHIVE_META', kept: ['json'] },
      { name: 'WAV not a WAV', wav: Buffer.from('RIFF garbage, not a wave file at all'), code: 'CV_ERR_ARCHIVE_WAV', kept: ['json', 'wav'] },
    ].map((c) => ({ ...c, id: recordingId() }));
    for (const c of cases) {
      spoolRecording(spool, c.id, c.wav ?? Buffer.alloc(0));
      if (c.wav === null) unlinkSync(join(spool, `${c.id}.wav`));
    }
    const a = new Archiver({ spoolDir: spool, storageDir: storage, recipientsByPurpose: { quality: [key.recipient] }, hasher, retentionDays: RETENTION, encoder: pool });
    const pass = await a.processOnce();
    await a.close();
    assert.deepEqual(pass.archived, [good]);
    for (const c of cases) {
      const f = pass.failed.find((x) => x.id === c.id);
      assert.equal(f?.code, c.code, `${c.name}: ${JSON.stringify(f)}`);
      for (const ext of c.kept) assert.ok(existsSync(join(spool, `${c.id}.${ext}`)), `${c.name}: ${ext} kept`);
    }
    assert.deepEqual(readdirSync(new StorageLayout(storage).tmpDir), [], 'no partial output left');
  } finally {
    await pool.close();
    d.cleanup();
  }
});

const SCHED_OTHER = 0;
const SCHED_IDLE = 5;

/** Every thread of the archiver process, the encode threads among them, with its nice value and policy. */
function threadsOf(pid: number): Array<{ tid: number; nice: number; policy: number }> {
  return readdirSync(`/proc/${pid}/task`).map((t) => {
    const stat = readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8');
    return { tid: Number(t), nice: niceOf(`/proc/${pid}/task/${t}/stat`), policy: policyOfStat(stat) };
  });
}

const schedulingCases: Array<{ scheduling: 'idle' | 'nice'; policy: number }> = [
  { scheduling: 'idle', policy: SCHED_IDLE },
  { scheduling: 'nice', policy: SCHED_OTHER },
];
for (const { scheduling, policy } of schedulingCases) {
  test(`archive.scheduling ${scheduling}: every archiver thread runs policy ${policy} at the configured nice value; the daemon keeps its own`, { skip: process.platform !== 'linux' ? 'reads /proc' : false }, async () => {
    const d = tempDir();
    try {
      const spool = join(d.path, 'spool');
      mkdirSync(spool);
      writeFileSync(join(d.path, 'hash.key'), Buffer.alloc(32, 4), { mode: 0o600 });
      const before = { nice: niceOf('/proc/thread-self/stat'), policy: policyOfStat(readFileSync('/proc/thread-self/stat', 'utf8')) };
      const worker = new ArchiverWorker({ spoolDir: spool, storageDir: join(d.path, 'storage'), recipientsByPurpose: {}, hashKeyFile: join(d.path, 'hash.key'), retentionDays: RETENTION, logLevel: 'silent', workers: 3, nice: 15, scheduling });
      await worker.start();
      try {
        const { pid, threads, scheduling: reported } = worker.processInfo();
        assert.ok(pid !== null);
        assert.equal(reported, scheduling, 'the process reports the scheduling it got');
        assert.equal(threads.length, 3, 'one thread per configured worker');
        const all = threadsOf(pid);
        for (const t of threads) assert.ok(all.some((a) => a.tid === t), `encode thread ${t} is a thread of the archiver process`);
        // The nice value reaches the thread that set it and those it starts later (the
        // encode threads); Node's own threads, started before, keep 0. chrt --all-tasks reaches all.
        for (const t of all.filter((a) => a.tid === pid || threads.includes(a.tid))) assert.equal(t.nice, 15, `thread ${t.tid}: nice`);
        for (const t of all) assert.equal(t.policy, policy, `thread ${t.tid}: policy`);
        assert.deepEqual({ nice: niceOf('/proc/thread-self/stat'), policy: policyOfStat(readFileSync('/proc/thread-self/stat', 'utf8')) }, before, 'the daemon side keeps its priority and policy');
      } finally {
        await worker.stop();
      }
    } finally {
      d.cleanup();
    }
  });
}

test('a daemon killed with SIGKILL takes its archiver process with it: the lock is free again', async (t) => {
  const d = tempDir();
  try {
    const spool = join(d.path, 'spool');
    const storage = join(d.path, 'storage');
    mkdirSync(spool);
    const child = spawn(NODE_TSX[0]!, [...NODE_TSX.slice(1), new URL('./archive-pool-child.ts', import.meta.url).pathname, spool, storage, d.path], { stdio: ['ignore', 'pipe', 'inherit'] });
    t.after(() => { child.kill('SIGKILL'); }); // a failed assertion must not leave the stand-in daemon running
    let out = '';
    child.stdout!.on('data', (b: Buffer) => { out += b.toString(); });
    const deadline = Date.now() + 30_000;
    while (!/ARCHIVER \d+ running/.test(out) && Date.now() < deadline) await sleep(20);
    const pid = Number(/ARCHIVER (\d+) running/.exec(out)?.[1]);
    assert.ok(pid > 0, `the stand-in daemon started its archiver: ${out}`);
    const lockPath = new StorageLayout(storage).lockPath;
    await assert.rejects(ArchiveLock.acquire(lockPath, storage), /another archiver/, 'held while the archiver runs');
    child.kill('SIGKILL');
    const gone = Date.now() + 10_000;
    while (existsSync(`/proc/${pid}`) && !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8')) && Date.now() < gone) await sleep(20);
    assert.ok(!existsSync(`/proc/${pid}`) || /^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8')), 'the archiver process exited after its daemon died');
    await (await ArchiveLock.acquire(lockPath, storage)).release(); // throws CV_ERR_ARCHIVE_LOCKED if it still held it
  } finally {
    d.cleanup();
  }
});
