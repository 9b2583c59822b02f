import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeOggOpus, encodeOggOpus, type DecodedOpus, type EncodeStats } from '../../../src/archive/opus-codec.js';
import { oggPages } from '../../../src/archive/ogg-reader.js';
import { LinearResampler, codingRate } from '../../../src/archive/resampler.js';
import { sinePcm } from './fixtures.js';

async function* chunks(buf: Buffer, size: number) {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

async function roundTrip(rate: number, frames: number, freqs: number[], chunkSize = 4096) {
  const pcm = sinePcm(rate, frames, freqs);
  const stats = {} as EncodeStats;
  const parts: Buffer[] = [];
  for await (const b of encodeOggOpus(chunks(pcm, chunkSize - (chunkSize % (2 * freqs.length))), {
    sampleRate: rate, channels: freqs.length as 1 | 2, serial: 9, vendor: 'test', comments: [['CALLVAULT_ID', 'x']], label: 'test',
  }, stats)) parts.push(b);
  const ogg = Buffer.concat(parts);
  let headers: DecodedOpus | null = null;
  const out: Buffer[] = [];
  for await (const p of decodeOggOpus(chunks(ogg, 1000), (d) => { headers = d; })) out.push(p);
  return { pcm, ogg, stats, decoded: Buffer.concat(out), headers: headers as DecodedOpus | null };
}

/** Dominant frequency estimate by zero crossings of one channel. */
function zeroCrossingHz(pcm: Buffer, rate: number, channels: number, channel: number): number {
  let crossings = 0;
  let prev = 0;
  const n = pcm.length / (2 * channels);
  for (let i = 0; i < n; i++) {
    const v = pcm.readInt16LE((i * channels + channel) * 2);
    if (i > 0 && (prev < 0) !== (v < 0)) crossings++;
    prev = v;
  }
  return (crossings / 2) / (n / rate);
}

test('decoded length equals the source length exactly, whatever the frame alignment', async () => {
  const cases: [string, number, number, number[]][] = [
    ['8 kHz mono, 3.37 s (not a multiple of 20 ms)', 8000, 26_960, [440]],
    ['8 kHz mono, exact 20 ms multiple', 8000, 16_000, [440]],
    ['8 kHz mono, one sample', 8000, 1, [440]],
    ['8 kHz mono, empty', 8000, 0, [440]],
    ['8 kHz stereo', 8000, 20_000, [440, 660]],
    ['16 kHz mono', 16000, 33_333, [500]],
    ['48 kHz stereo', 48000, 48_000, [300, 700]],
  ];
  for (const [name, rate, frames, freqs] of cases) {
    const r = await roundTrip(rate, frames, freqs);
    assert.equal(r.decoded.length, r.pcm.length, `${name}: decoded bytes`);
    assert.equal(r.stats.sourceFrames, frames, name);
    assert.equal(r.stats.durationMs, Math.round((frames * 1000) / rate), name);
    assert.equal(r.headers?.head.inputSampleRate, rate, name);
    assert.equal(r.headers?.head.channels, freqs.length, name);
    assert.equal(r.headers?.head.preSkip, 312, name);
  }
});

test('the audio survives: each channel keeps its tone', async () => {
  const r = await roundTrip(8000, 16_000, [440, 1000]);
  // Skip the first 100 ms (encoder warm-up).
  const tail = r.decoded.subarray(800 * 4);
  assert.ok(Math.abs(zeroCrossingHz(tail, 8000, 2, 0) - 440) < 15, 'left channel ~440 Hz');
  assert.ok(Math.abs(zeroCrossingHz(tail, 8000, 2, 1) - 1000) < 30, 'right channel ~1000 Hz');
});

test('16 kbit/s mono speech-band audio stays near the target bitrate', async () => {
  const r = await roundTrip(8000, 8000 * 10, [440]);
  const kbps = (r.ogg.length * 8) / 10 / 1000;
  assert.ok(kbps > 4 && kbps < 20, `${kbps.toFixed(1)} kbit/s`);
  let pages = 0;
  for await (const _ of oggPages(chunks(r.ogg, 512))) pages++;
  assert.ok(pages >= 10, 'pages of about one second');
});

test('rates Opus does not take are resampled up, and keep their duration', async () => {
  assert.deepEqual([8000, 11025, 22050, 32000, 44100, 48000].map(codingRate), [8000, 12000, 24000, 48000, 48000, 48000]);
  const r = await roundTrip(44100, 44100, [300]);
  assert.equal(r.headers?.head.inputSampleRate, 44100);
  assert.equal(r.headers?.sampleRate, 48000, 'decoded at 48 kHz');
  assert.equal(r.decoded.length / 2, 48000, 'one second at 48 kHz');
  assert.ok(Math.abs(zeroCrossingHz(r.decoded.subarray(9600), 48000, 1, 0) - 300) < 10);
});

test('the resampler emits round(n * to / from) frames whatever the chunking', () => {
  for (const [from, to, n, step] of [[11025, 12000, 11025, 100], [44100, 48000, 12345, 999], [22050, 24000, 7, 3]] as const) {
    const rs = new LinearResampler(from, to, 1);
    const pcm = sinePcm(from, n, [200]);
    let out = 0;
    for (let i = 0; i < pcm.length; i += step * 2) out += rs.push(pcm.subarray(i, i + step * 2)).length / 2;
    out += rs.flush().length / 2;
    assert.ok(Math.abs(out - LinearResampler.outputFrames(n, from, to)) <= 1, `${from}->${to}: ${out}`);
  }
});
