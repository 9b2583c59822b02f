/**
 * SIGKILL at every step of archiving, in a real child process, then a
 * restart: nothing is lost (one row, one file that age and opusinfo accept),
 * nothing is duplicated, and no plaintext audio is left anywhere.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, openSync, readSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { ARCHIVE_STEPS } from '../../src/archive/archiver.js';
import { RecordingIndex } from '../../src/index/index.js';
import { metadata, recordingId, tempDir } from '../unit/archive/fixtures.js';
import { NODE_TSX, run, soxTone } from './archive-support.js';
import { writeFileSync } from 'node:fs';

const CHILD = new URL('./archive-fault-child.ts', import.meta.url).pathname;

function startChild(env: Record<string, string>): { wait: (marker: RegExp, ms: number) => Promise<string>; kill: () => Promise<number | null> } {
  const child = spawn(NODE_TSX[0]!, [...NODE_TSX.slice(1), CHILD], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (b: Buffer) => { out += b.toString(); });
  child.stderr.on('data', (b: Buffer) => { err += b.toString(); });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    wait: async (marker, ms) => {
      const deadline = Date.now() + ms;
      while (!marker.test(out)) {
        if (Date.now() > deadline) { child.kill('SIGKILL'); throw new Error(`child did not print ${marker} within ${ms} ms; stdout: ${out}; stderr: ${err}`); }
        if (child.exitCode !== null && !marker.test(out)) throw new Error(`child exited ${child.exitCode}; stdout: ${out}; stderr: ${err}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return out;
    },
    kill: async () => { child.kill('SIGKILL'); return exited; },
  };
}

/** Files whose first bytes are a WAV or an Ogg stream: plaintext audio. */
function plaintextAudio(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const found: string[] = [];
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const p = join(e.parentPath ?? (e as unknown as { path: string }).path, e.name);
    const fd = openSync(p, 'r');
    const head = Buffer.alloc(4);
    readSync(fd, head, 0, 4, 0);
    closeSync(fd);
    if (['RIFF', 'OggS'].includes(head.toString('latin1'))) found.push(p);
  }
  return found;
}

for (const step of ARCHIVE_STEPS) {
  test(`SIGKILL at "${step}" then restart: nothing lost, nothing doubled, no plaintext left`, async () => {
    const d = tempDir();
    try {
      const spool = join(d.path, 'spool');
      const storage = join(d.path, 'storage');
      mkdirSync(spool);
      const keyFile = join(d.path, 'key.txt');
      const { stderr } = run('age-keygen', ['-o', keyFile]);
      const recipient = /age1[0-9a-z]+/.exec(stderr)![0];
      const id = recordingId();
      // 30 s of audio: several 64 KiB age chunks, so "encoding" stops part way.
      soxTone(join(spool, `${id}.wav`), 8000, 30, [440, 660]);
      writeFileSync(join(spool, `${id}.json`), JSON.stringify(metadata(id, { channels: 2 })));
      const env = { CV_SPOOL: spool, CV_STORAGE: storage, CV_RECIPIENT: recipient };

      const first = startChild({ ...env, CV_PAUSE_AT: step });
      await first.wait(new RegExp(`PAUSED ${step}`), 30_000);
      await first.kill();
      if (['encoding', 'encoded', 'renamed', 'sidecar', 'indexed'].includes(step)) {
        assert.ok(existsSync(join(spool, `${id}.wav`)), `the WAV must survive a kill at ${step}`);
      }

      const second = startChild(env);
      const out = await second.wait(/DONE /, 60_000);
      await second.kill();
      const result = JSON.parse(out.slice(out.indexOf('DONE ') + 5).split('\n')[0]!) as { archived: string[]; failed: unknown[] };
      assert.deepEqual(result.failed, [], `restart after ${step} failed: ${out}`);

      assert.deepEqual(readdirSync(spool), [], 'spool emptied');
      assert.deepEqual(readdirSync(join(storage, 'tmp')), [], 'no partial output');
      assert.deepEqual(plaintextAudio(d.path).filter((p) => !p.startsWith(join(d.path, 'dec'))), [], 'no plaintext WAV or Ogg anywhere');
      const index = RecordingIndex.open(join(storage, 'index.sqlite'));
      assert.equal(index.countRecordings(), 1);
      const row = index.getRecording(id)!;
      assert.equal(index.listAudit(id).length, 1, 'archived once');
      index.close();
      const opus = join(d.path, 'decrypted.opus');
      run('age', ['-d', '-i', keyFile, '-o', opus, join(storage, row.file)]);
      const info = run('opusinfo', [opus]);
      assert.match(info.stdout, /Playback length: 0m:30\.000s/);
      assert.equal(readFileSync(opus).toString('latin1', 0, 4), 'OggS');
    } finally {
      d.cleanup();
    }
  });
}
