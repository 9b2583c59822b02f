/**
 * From a real call to an encrypted archive, nothing mocked: the sandbox
 * Asterisk records a scripted call with a payment segment, the daemon hands
 * the WAV to its archiver (worker thread), and the result is checked with
 * the standard tools a team would use years later: Debian's `age` decrypts,
 * `opusinfo` validates, `opusdec` decodes, and the decoded audio still holds
 * the talk (440 Hz) and none of the payment (1 kHz).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ensureSandbox, writeStack, Caller, InProcessDaemon, listWavs, sleep, type StackFiles } from './support/call-harness.js';
import { RecordingIndex } from '../../src/index/index.js';
import { readWav, tonePowers } from '../support/goertzel.js';

let files: StackFiles;
let daemon: InProcessDaemon;
const caller = new Caller();

before(async () => {
  ensureSandbox();
  files = writeStack(`
  regulated: { mode: mandatory }`);
  daemon = new InProcessDaemon(files, [], { archive: true });
  await daemon.start();
  await caller.start();
});
after(async () => {
  await caller.stop();
  await daemon.stop();
});

test('a recorded call becomes one age file that standard tools open, with the payment silenced and no plaintext left', async () => {
  const r = await caller.call('tones', 'regulated', daemon.agiPort, { vars: { CALLVAULT_TEST_TALK: '2', CALLVAULT_TEST_PAYMENT: '2' } });
  assert.equal(r.vars.CALLVAULT_PAUSE, 'confirmed');
  const id = r.vars.CALLVAULT_RECORDING_ID!;
  const indexPath = join(files.storage, 'index.sqlite');
  let row = null;
  for (const until = Date.now() + 60_000; Date.now() < until && row === null; await sleep(200)) {
    if (!existsSync(indexPath)) continue;
    const index = RecordingIndex.open(indexPath, { readonly: true });
    try { row = index.getRecording(id); } finally { index.close(); }
  }
  assert.ok(row, `recording ${id} reached the index`);
  assert.equal(row.purpose, 'regulatory');
  assert.equal(row.pauses.length, 1);
  assert.match(row.callerHash ?? '', /^[0-9a-f]{64}$/, 'the caller is a keyed hash, not a number');

  // No plaintext anywhere once the encrypted copy is durable.
  assert.ok(!listWavs(files.recordings).includes(`${id}.wav`));
  assert.deepEqual(readdirSync(files.spool).filter((f) => f.startsWith(id)), []);

  const encrypted = join(files.storage, row.file);
  const opus = join(files.dir, `${id}.opus`);
  const wav = join(files.dir, `${id}.wav`);
  execFileSync('age', ['-d', '-i', files.identity, '-o', opus, encrypted]);
  execFileSync('opusinfo', [opus], { stdio: 'pipe' });
  execFileSync('opusdec', ['--rate', '8000', opus, wav], { stdio: 'pipe' });
  const pcm = readWav(wav);
  const seconds = pcm.samples.length / pcm.rate / pcm.channels;
  assert.ok(Math.abs(seconds * 1000 - row.durationMs) <= 40, `decoded ${seconds} s vs indexed ${row.durationMs} ms`);
  const p440 = tonePowers(pcm, 440);
  const p1000 = tonePowers(pcm, 1000);
  assert.ok(Math.max(...p440) > 1e-3, 'the talk survived compression');
  assert.ok(Math.max(...p1000) < Math.max(...p440) / 300, `1 kHz energy ${Math.max(...p1000)} after Opus vs 440 Hz ${Math.max(...p440)}`);
});
