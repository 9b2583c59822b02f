/**
 * From a real call to an encrypted archive, nothing mocked: the sandbox
 * Asterisk records a scripted call with a payment segment, the daemon hands
 * the WAV to its archiver (worker thread), and the result is checked with
 * the standard tools a team would use years later: Debian's `age` decrypts,
 * `opusinfo` validates, `opusdec` decodes, and the decoded audio still holds
 * the talk (440 Hz) and none of the payment (1 kHz). In stereo
 * (pbx.asterisk.stereo, MixMonitor option D) the caller is on the left, what
 * the caller hears on the right, and the Opus file has two channels.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { ensureSandbox, writeStack, Caller, InProcessDaemon, listWavs, waitForArchived, decryptWithStandardTools, type StackFiles } from './support/call-harness.js';
import { channelOf, toneWindows } from '../support/payment-audio.js';
import { assertNoCardAudio } from './support/asterisk-payment-audio.js';

const caller = new Caller();
const stacks: Array<{ files: StackFiles; daemon: InProcessDaemon }> = [];

/** A sandbox stack with the archiver on, mono or stereo. */
async function archivingStack(stereo: boolean): Promise<{ files: StackFiles; daemon: InProcessDaemon }> {
  const files = writeStack(`
  regulated: { mode: mandatory }`, '', { stereo });
  const daemon = new InProcessDaemon(files, [], { archive: true });
  await daemon.start();
  stacks.push({ files, daemon });
  return { files, daemon };
}

before(async () => {
  ensureSandbox();
  await caller.start();
});
after(async () => {
  await caller.stop();
  for (const s of stacks) await s.daemon.stop();
});

test('a recorded call becomes one age file that standard tools open, with the payment silenced and no plaintext left', async () => {
  const { files, daemon } = await archivingStack(false);
  const r = await caller.call('tones', 'regulated', daemon.agiPort, { vars: { CALLVAULT_TEST_TALK: '2', CALLVAULT_TEST_PAYMENT: '2' } });
  assert.equal(r.vars.CALLVAULT_PAUSE, 'confirmed');
  const id = r.vars.CALLVAULT_RECORDING_ID!;
  const row = await waitForArchived(files, id);
  assert.equal(row.purpose, 'regulatory');
  assert.equal(row.pauses.length, 1);
  assert.match(row.callerHash ?? '', /^[0-9a-f]{64}$/, 'the caller is a keyed hash, not a number');

  // No plaintext anywhere once the encrypted copy is durable.
  assert.ok(!listWavs(files.recordings).includes(`${id}.wav`));
  assert.deepEqual(readdirSync(files.spool).filter((f) => f.startsWith(id)), []);

  const { pcm } = decryptWithStandardTools(files, row);
  const seconds = pcm.samples.length / pcm.rate / pcm.channels;
  assert.ok(Math.abs(seconds * 1000 - row.durationMs) <= 40, `decoded ${seconds} s vs indexed ${row.durationMs} ms`);
  // 10 ms windows on the decoded Opus: what a team would hear years later holds no card audio.
  assertNoCardAudio(pcm, 'decoded Opus, mono', 300);
});

test('stereo: caller left, the other side right, no payment audio in either, and a stereo Opus file', async () => {
  const { files, daemon } = await archivingStack(true);
  const r = await caller.call('tones', 'regulated', daemon.agiPort, { vars: { CALLVAULT_TEST_TALK: '2', CALLVAULT_TEST_PAYMENT: '2' } });
  assert.equal(r.vars.CALLVAULT_PAUSE, 'confirmed');
  const id = r.vars.CALLVAULT_RECORDING_ID!;
  const row = await waitForArchived(files, id);
  assert.equal(row.channels, 2);
  const { pcm, opusinfo } = decryptWithStandardTools(files, row);
  assert.match(opusinfo, /Channels: 2/);
  assert.equal(pcm.channels, 2);
  const left = channelOf(pcm, 0);
  const right = channelOf(pcm, 1);
  assert.ok(toneWindows(left, pcm.rate, 440).length > 300, 'the caller (440 Hz) is on the left');
  assert.deepEqual(toneWindows(right, pcm.rate, 440).map((w) => w.atMs), [], 'and not on the right');
  // Both channels, every 10 ms window: no card audio (1 kHz) on either side.
  assertNoCardAudio(pcm, 'decoded Opus, stereo', 300);
});
