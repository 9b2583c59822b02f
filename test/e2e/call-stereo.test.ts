/**
 * Stereo recordings on the real Asterisk (pbx.asterisk.stereo: MixMonitor
 * option D): the caller's side on the left channel, the side played to the
 * caller on the right, the payment silent in both, and through the archive
 * a two-channel Ogg Opus that opusdec decodes as stereo.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ensureSandbox, writeStack, Caller, InProcessDaemon, sleep, type StackFiles } from './support/call-harness.js';
import { RecordingIndex } from '../../src/index/index.js';
import { readWav, tonePowers, type Pcm } from '../support/goertzel.js';

let files: StackFiles;
let daemon: InProcessDaemon;
const caller = new Caller();

before(async () => {
  ensureSandbox();
  files = writeStack(`
  regulated: { mode: mandatory }`, '', { stereo: true });
  daemon = new InProcessDaemon(files, [], { archive: true });
  await daemon.start();
  await caller.start();
});
after(async () => {
  await caller.stop();
  await daemon.stop();
});

function channel(pcm: Pcm, c: number): Pcm {
  const out = new Int16Array(Math.floor(pcm.samples.length / pcm.channels));
  for (let i = 0; i < out.length; i++) out[i] = pcm.samples[i * pcm.channels + c]!;
  return { rate: pcm.rate, channels: 1, samples: out };
}

test('stereo: caller left, the other side right, no payment audio in either, and a stereo Opus file', async () => {
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
  assert.ok(row, 'archived');
  assert.equal(row.channels, 2);
  const opus = join(files.dir, `${id}.opus`);
  const wav = join(files.dir, `${id}.wav`);
  execFileSync('age', ['-d', '-i', files.identity, '-o', opus, join(files.storage, row.file)]);
  const info = execFileSync('opusinfo', [opus], { encoding: 'utf8' });
  assert.match(info, /Channels: 2/);
  execFileSync('opusdec', ['--rate', '8000', opus, wav], { stdio: 'pipe' });
  const pcm = readWav(wav);
  assert.equal(pcm.channels, 2);
  const left = channel(pcm, 0);
  const right = channel(pcm, 1);
  const max = (a: number[]) => Math.max(...a);
  assert.ok(max(tonePowers(left, 440)) > 1e-3, 'the caller (440 Hz) is on the left');
  assert.ok(max(tonePowers(right, 440)) < max(tonePowers(left, 440)) / 100, 'and not on the right');
  for (const [name, side] of [['left', left], ['right', right]] as const) {
    assert.ok(max(tonePowers(side, 1000)) < max(tonePowers(left, 440)) / 300, `no 1 kHz on the ${name}`);
  }
});
