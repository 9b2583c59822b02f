import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { alignPauses, zeroRuns, MAX_SHIFT_MS } from '../../../src/pbx/asterisk/muted-spans.js';

/** A WAV as format_wav writes it for MixMonitor: 8 kHz, a mono header even for interleaved stereo. */
function wav(samples: Int16Array): string {
  const data = Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'latin1'); h.writeUInt32LE(36 + data.length, 4); h.write('WAVE', 8, 'latin1');
  h.write('fmt ', 12, 'latin1'); h.writeUInt32LE(16, 16); h.writeUInt16LE(1, 20); h.writeUInt16LE(1, 22);
  h.writeUInt32LE(8000, 24); h.writeUInt32LE(16000, 28); h.writeUInt16LE(2, 32); h.writeUInt16LE(16, 34);
  h.write('data', 36, 'latin1'); h.writeUInt32LE(data.length, 40);
  const path = join(mkdtempSync(join(tmpdir(), 'cv-muted-')), 'r.wav');
  writeFileSync(path, Buffer.concat([h, data]));
  return path;
}

/** `ms` of samples per segment: true = muted (zeros in every channel), false = a tone. */
function audio(channels: number, segments: Array<[number, boolean]>): Int16Array {
  const out: number[] = [];
  for (const [ms, muted] of segments) for (let i = 0; i < ms * 8; i++) for (let c = 0; c < channels; c++) out.push(muted ? 0 : Math.round(8000 * Math.sin(i / 3)) || 1);
  return Int16Array.from(out);
}

test('zeroRuns finds the muted span in mono and in interleaved stereo, and ignores short silences', async () => {
  for (const channels of [1, 2]) {
    const found = await zeroRuns(wav(audio(channels, [[1000, false], [50, true], [500, false], [2000, true], [700, false]])), channels);
    assert.deepEqual(found, { runs: [{ fromMs: 1550, toMs: 3550 }], lengthMs: 4250 }, `${channels} channel(s)`);
  }
});

test('stereo: silence on one side only is not a mute', async () => {
  const s = audio(2, [[1000, false], [1000, true], [1000, false]]);
  for (let i = 8000 * 2; i < 16000 * 2; i += 2) s[i] = 100; // the caller keeps talking on the left
  assert.deepEqual((await zeroRuns(wav(s), 2))!.runs, []);
});

test('alignPauses moves a muted pause onto the run near it, and leaves what has no run alone', () => {
  const runs = [{ fromMs: 1880, toMs: 4100 }];
  assert.deepEqual(alignPauses([{ startOffsetMs: 2191, endOffsetMs: 4415, outcome: 'muted' }], runs, 6000), [{ startOffsetMs: 1880, endOffsetMs: 4100, outcome: 'muted' }]);
  // Too far: someone else's silence, the wall clock stays.
  const far = { startOffsetMs: 1880 + MAX_SHIFT_MS + 1, endOffsetMs: 4100, outcome: 'muted' as const };
  assert.deepEqual(alignPauses([far], runs, 6000), [far]);
  // A stopped pause has no muted span (the file ends there).
  const stopped = { startOffsetMs: 2000, endOffsetMs: null, outcome: 'stopped' as const };
  assert.deepEqual(alignPauses([stopped], runs, 6000), [stopped]);
  // Muted to the end: only a run that reaches the end of the file counts.
  assert.deepEqual(alignPauses([{ startOffsetMs: 2100, endOffsetMs: 6000, outcome: 'muted-to-end' }], [{ fromMs: 1900, toMs: 6000 }], 6000), [{ startOffsetMs: 1900, endOffsetMs: 6000, outcome: 'muted-to-end' }]);
  assert.deepEqual(alignPauses([{ startOffsetMs: 2100, endOffsetMs: 6000, outcome: 'muted-to-end' }], runs, 6000), [{ startOffsetMs: 2100, endOffsetMs: 6000, outcome: 'muted-to-end' }]);
});
