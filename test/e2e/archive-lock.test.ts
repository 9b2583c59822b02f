/**
 * The archiver lock never outlives its holder (issue 12, item 4). A killed
 * daemon that its parent has not reaped yet is a zombie: `kill(pid, 0)`
 * still succeeds, so the old pid-file lock kept refusing the new daemon's
 * archiver, which never retried. These tests kill real processes with
 * SIGKILL, keep them unreaped, and restart within 0.2 s.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ArchiveLock, lockHolder } from '../../src/archive/archive-lock.js';
import { Archiver } from '../../src/archive/archiver.js';
import { StorageLayout } from '../../src/archive/storage-layout.js';
import { isCallvaultError } from '../../src/errors.js';
import { statusPath, type DaemonStatus } from '../../src/daemon/status-file.js';
import { fakeAmi } from '../support/fake-pbx-servers.js';
import { OpsWorld, repo } from '../support/ops-world.js';
import { RECIPIENT } from '../support/fake-call.js';
import { hasher, metadata, recordingId, RETENTION, spoolRecording, tempDir, wavFile } from '../unit/archive/fixtures.js';
import { NODE_TSX } from './archive-support.js';

const CHILD = new URL('./archive-lock-child.ts', import.meta.url).pathname;
const CLI = join(repo, 'src/cli/main.ts');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, probe: () => T | null | undefined | false, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== null && v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

function quote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * Starts `argv` in the background of a shell that then execs `sleep`: the
 * process's parent never waits, so once killed it stays a zombie until the
 * shell is killed. Returns the process's pid and the shell.
 */
async function unreapedChild(argv: string[], marker: RegExp, logTo: string): Promise<{ pid: number; shell: ChildProcess; output: () => string }> {
  const shell = spawn('sh', ['-c', `${argv.map(quote).join(' ')} > ${quote(logTo)} 2>&1 & echo $!; exec sleep 300`], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  shell.stdout!.on('data', (b: Buffer) => { out += b.toString(); });
  const pid = Number(await until('the child pid', () => /^(\d+)\n/.exec(out)?.[1]));
  const output = () => (existsSync(logTo) ? readFileSync(logTo, 'utf8') : '');
  await until(`${marker} from the child; it printed: ${output()}`, () => marker.test(output()), 60_000);
  return { pid, shell, output };
}

function processState(pid: number): string | null {
  try {
    return /^State:\s+(\S)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? null;
  } catch {
    return null;
  }
}

function killAndConfirmZombie(pid: number): Promise<void> {
  process.kill(pid, 'SIGKILL');
  return until(`process ${pid} to be a zombie`, () => processState(pid) === 'Z', 10_000).then(() => undefined);
}

test('a lock held by a process killed with SIGKILL and not yet reaped is free at once', async () => {
  const d = tempDir('cv-lock-');
  const storage = join(d.path, 'storage');
  let shell: ChildProcess | undefined;
  try {
    const holder = await unreapedChild([...NODE_TSX, CHILD, storage], /LOCKED \d+/, join(d.path, 'child.log'));
    shell = holder.shell;
    const path = new StorageLayout(storage).lockPath;
    await assert.rejects(ArchiveLock.acquire(path, storage), (err: unknown) => isCallvaultError(err, 'CV_ERR_ARCHIVE_LOCKED') && err.message.includes(`pid ${holder.pid}`), 'held while the holder lives, and the message names it');
    await killAndConfirmZombie(holder.pid);
    // The leader turns zombie while its other threads still exit; the kernel drops the lock with the last of them.
    await until('the kernel to drop the dead holder\'s lock', () => lockHolder(path) === null, 10_000);
    assert.equal(processState(holder.pid), 'Z', 'still unreaped');
    process.kill(holder.pid, 0); // what the pid-file lock relied on: it still "succeeds" for a zombie
    const lock = await ArchiveLock.acquire(path, storage);
    await lock.release();
  } finally {
    shell?.kill('SIGKILL');
    d.cleanup();
  }
});

test('the archiver retries while another process holds the lock, and archives once it is gone', async () => {
  const d = tempDir('cv-lock-');
  const storage = join(d.path, 'storage');
  const spool = join(d.path, 'spool');
  let shell: ChildProcess | undefined;
  try {
    const holder = await unreapedChild([...NODE_TSX, CHILD, storage], /LOCKED \d+/, join(d.path, 'child.log'));
    shell = holder.shell;
    const { mkdirSync } = await import('node:fs');
    mkdirSync(spool, { mode: 0o700 });
    const id = recordingId();
    spoolRecording(spool, id, wavFile(8000, 8000));
    const a = new Archiver({ spoolDir: spool, storageDir: storage, recipientsByPurpose: { quality: [RECIPIENT] }, hasher, retentionDays: RETENTION, pollIntervalMs: 20, maxBackoffMs: 50 });
    await a.start(); // does not throw: the call path must not depend on the archive
    const st = a.state();
    assert.ok(st.kind === 'retrying' && st.code === 'CV_ERR_ARCHIVE_LOCKED' && st.message.includes(`pid ${holder.pid}`), JSON.stringify(st));
    await until('a second failed attempt', () => { const s = a.state(); return s.kind === 'retrying' && s.attempts >= 2; });
    assert.ok(existsSync(join(spool, `${id}.wav`)), 'the recording waits in the spool');
    await killAndConfirmZombie(holder.pid);
    await until('the archiver to run', () => a.state().kind === 'running');
    await until('the recording to be archived', () => readdirSync(spool).length === 0);
    await a.stop();
  } finally {
    shell?.kill('SIGKILL');
    d.cleanup();
  }
});

function readDaemonStatus(storage: string): DaemonStatus | null {
  try {
    return JSON.parse(readFileSync(statusPath(storage), 'utf8')) as DaemonStatus;
  } catch {
    return null;
  }
}

test('daemon killed with SIGKILL, left unreaped, restarted within 0.2 s: the new archiver runs and archives', async () => {
  const ami = await fakeAmi('callvault', 'test-secret');
  const w = OpsWorld.create({ amiPort: ami.port });
  const shells: ChildProcess[] = [];
  try {
    const run = [...NODE_TSX, CLI, 'run', '-c', w.configPath];
    const first = await unreapedChild(run, /daemon: started/, join(w.dir, 'first.log'));
    shells.push(first.shell);
    await until('the first daemon\'s archiver to run', () => {
      const s = readDaemonStatus(w.storage);
      return s !== null && s.pid === first.pid && s.archiver?.kind === 'running';
    });
    await killAndConfirmZombie(first.pid);
    const killedAt = Date.now();
    const second = spawn(run[0]!, run.slice(1), { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
    const spawnedWithinMs = Date.now() - killedAt;
    assert.ok(spawnedWithinMs < 200, `restart spawned ${spawnedWithinMs} ms after the kill`);
    let log = '';
    second.stdout!.on('data', (b: Buffer) => { log += b.toString(); });
    second.stderr!.on('data', (b: Buffer) => { log += b.toString(); });
    try {
      assert.equal(processState(first.pid), 'Z', 'the first daemon is still unreaped');
      const status = await until(`the second daemon's archiver to run; log: ${log}`, () => {
        const s = readDaemonStatus(w.storage);
        return s !== null && s.pid === second.pid && s.archiver?.kind === 'running' ? s : null;
      });
      assert.equal(status.archiver?.kind, 'running');
      assert.doesNotMatch(log, /another archiver/, 'the second daemon was never refused the lock');
      const id = recordingId();
      writeFileSync(join(w.spool, `${id}.wav`), wavFile(8000, 8000));
      writeFileSync(join(w.spool, `${id}.json`), JSON.stringify(metadata(id)));
      await until('the second daemon to archive a recording', () => readdirSync(w.spool).length === 0);
      const report = JSON.parse((await w.cli('status', '--json')).stdout) as { archiver: { state: string } };
      assert.equal(report.archiver.state, 'running');
    } finally {
      second.kill('SIGTERM');
      await new Promise((r) => second.once('exit', r));
    }
  } finally {
    for (const s of shells) s.kill('SIGKILL');
    await ami.close();
    w.cleanup();
  }
});

test('status is unhealthy, says why and how to fix it, while the daemon\'s archiver cannot run; the call path is up meanwhile', async () => {
  const ami = await fakeAmi('callvault', 'test-secret');
  const w = OpsWorld.create({ amiPort: ami.port });
  let shell: ChildProcess | undefined;
  let daemon: ChildProcess | undefined;
  let log = '';
  try {
    const holder = await unreapedChild([...NODE_TSX, CHILD, w.storage], /LOCKED \d+/, join(w.dir, 'holder.log'));
    shell = holder.shell;
    daemon = spawn(NODE_TSX[0]!, [...NODE_TSX.slice(1), CLI, 'run', '-c', w.configPath], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
    daemon.stdout!.on('data', (b: Buffer) => { log += b.toString(); });
    daemon.stderr!.on('data', (b: Buffer) => { log += b.toString(); });
    await until(`the daemon to start; log: ${log}`, () => /daemon: started/.test(log), 60_000);
    const st = readDaemonStatus(w.storage);
    assert.equal(st?.pid, daemon.pid, 'the daemon wrote its status file although its archiver cannot run');
    assert.equal(st?.archiver?.kind, 'retrying');
    const r = w.proc(['status']);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /UNHEALTHY/);
    assert.match(r.stdout, new RegExp(`problem: archiver not running: another archiver \\(pid ${holder.pid}\\) is working on storage`));
    assert.match(r.stdout, /archiver: not running: .*attempt \d+, next at/);
    assert.match(r.stdout, /  hint: the daemon archives by itself; .*recordings wait in the spool and archiving resumes by itself/);
    assert.match(r.stdout, /daemon: running/);
    await killAndConfirmZombie(holder.pid);
    await until('the daemon\'s archiver to run after the holder died', () => readDaemonStatus(w.storage)?.archiver?.kind === 'running', 60_000);
    const after = w.proc(['status']);
    assert.doesNotMatch(after.stdout, /archiver not running/);
    assert.match(after.stdout, /archiver: running since/);
  } finally {
    shell?.kill('SIGKILL');
    if (daemon !== undefined) {
      daemon.kill('SIGTERM');
      await new Promise((r) => daemon!.once('exit', r));
    }
    await ami.close();
    w.cleanup();
  }
});
