import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { WavFormatError, WavReader, parseWavHeader } from '../../../src/archive/wav-reader.js';
import { wavHeader } from '../../../src/archive/wav-writer.js';
import { isCallvaultError } from '../../../src/errors.js';
import { sinePcm, tempDir, wavFile } from './fixtures.js';

function chunk(id: string, body: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.write(id, 0, 'latin1');
  h.writeUInt32LE(body.length, 4);
  return Buffer.concat([h, body, body.length % 2 === 1 ? Buffer.alloc(1) : Buffer.alloc(0)]);
}

function fmt(tag: number, channels: number, rate: number, bits: number, extensible = false): Buffer {
  const b = Buffer.alloc(extensible ? 40 : 16);
  b.writeUInt16LE(extensible ? 0xfffe : tag, 0);
  b.writeUInt16LE(channels, 2);
  b.writeUInt32LE(rate, 4);
  b.writeUInt32LE((rate * channels * bits) / 8, 8);
  b.writeUInt16LE((channels * bits) / 8, 12);
  b.writeUInt16LE(bits, 14);
  if (extensible) { b.writeUInt16LE(22, 16); b.writeUInt16LE(bits, 18); b.writeUInt16LE(tag, 24); }
  return b;
}

function riff(...chunks: Buffer[]): Buffer {
  const body = Buffer.concat([Buffer.from('WAVE', 'latin1'), ...chunks]);
  const h = Buffer.alloc(8);
  h.write('RIFF', 0, 'latin1');
  h.writeUInt32LE(body.length, 4);
  return Buffer.concat([h, body]);
}

const pcm = sinePcm(8000, 100, [440]);

test('good WAVs: the format and the usable data are read right', () => {
  const dataChunkWithSize = (size: number, bytes: Buffer) => { const c = chunk('data', bytes); c.writeUInt32LE(size, 4); return c; };
  const cases: { name: string; file: Buffer; want: Partial<ReturnType<typeof parseWavHeader>> }[] = [
    { name: 'good_mono_8k (MixMonitor)', file: wavFile(8000, 100), want: { sampleRate: 8000, channels: 1, dataOffset: 44, dataBytes: 200, sizeRepaired: false } },
    { name: 'good_stereo_8k', file: wavFile(8000, 100, [440, 660]), want: { channels: 2, blockAlign: 4, dataBytes: 400 } },
    { name: 'good_extensible', file: riff(chunk('fmt ', fmt(1, 1, 16000, 16, true)), chunk('data', pcm)), want: { sampleRate: 16000, dataBytes: 200 } },
    { name: 'good_list_before_data_odd_size', file: riff(chunk('fmt ', fmt(1, 1, 8000, 16)), chunk('LIST', Buffer.from('INFOabc')), chunk('data', pcm)), want: { dataOffset: 12 + 24 + 16 + 8, dataBytes: 200 } },
    { name: 'good_unfinished_size_zero', file: riff(chunk('fmt ', fmt(1, 1, 8000, 16)), dataChunkWithSize(0, pcm)), want: { dataBytes: 200, sizeRepaired: true } },
    { name: 'good_unfinished_size_ffffffff', file: riff(chunk('fmt ', fmt(1, 1, 8000, 16)), dataChunkWithSize(0xffffffff, pcm)), want: { dataBytes: 200, sizeRepaired: true } },
    { name: 'good_truncated_capped_to_file', file: riff(chunk('fmt ', fmt(1, 1, 8000, 16)), dataChunkWithSize(10_000, pcm)), want: { dataBytes: 200, sizeRepaired: true } },
    { name: 'good_odd_byte_dropped', file: Buffer.concat([wavHeader(8000, 1, 201), pcm, Buffer.alloc(1)]), want: { dataBytes: 200 } },
  ];
  for (const c of cases) {
    const f = parseWavHeader(c.file, c.file.length);
    for (const [k, v] of Object.entries(c.want)) assert.equal(f[k as keyof typeof f], v, `${c.name}: ${k}`);
  }
});

test('bad WAVs are refused with the reason', () => {
  const cases: [string, Buffer, RegExp][] = [
    ['fail_empty', Buffer.alloc(0), /too short/],
    ['fail_garbage', Buffer.from('this is not a wav file at all, just text'), /no RIFF/],
    ['fail_riff_not_wave', Buffer.concat([Buffer.from('RIFF\0\0\0\0AVI '), chunk('data', pcm)]), /not WAVE/],
    ['fail_8bit', riff(chunk('fmt ', fmt(1, 1, 8000, 8)), chunk('data', pcm)), /8-bit/],
    ['fail_float', riff(chunk('fmt ', fmt(3, 1, 8000, 32)), chunk('data', pcm)), /format 3 is not PCM/],
    ['fail_alaw', riff(chunk('fmt ', fmt(6, 1, 8000, 8)), chunk('data', pcm)), /not PCM/],
    ['fail_three_channels', riff(chunk('fmt ', fmt(1, 3, 8000, 16)), chunk('data', pcm)), /3 channels/],
    ['fail_96k', riff(chunk('fmt ', fmt(1, 1, 96000, 16)), chunk('data', pcm)), /96000/],
    ['fail_no_data', riff(chunk('fmt ', fmt(1, 1, 8000, 16))), /no data chunk/],
    ['fail_data_before_fmt', riff(chunk('data', pcm), chunk('fmt ', fmt(1, 1, 8000, 16))), /before fmt/],
    ['fail_fmt_truncated', riff(chunk('fmt ', Buffer.alloc(8))), /fmt chunk truncated/],
    ['fail_header_only_cut', wavFile(8000, 10).subarray(0, 30), /fmt chunk truncated|no fmt chunk/],
  ];
  for (const [name, bytes, want] of cases) {
    assert.throws(() => parseWavHeader(bytes, bytes.length), (err: unknown) => err instanceof WavFormatError && want.test(err.message), name);
  }
});

test('any byte string either parses or fails with WavFormatError, never anything else', () => {
  const prefix = wavFile(8000, 4).subarray(0, 12);
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), (bytes, withPrefix) => {
    const buf = withPrefix ? Buffer.concat([prefix, bytes]) : Buffer.from(bytes);
    try {
      const f = parseWavHeader(buf, buf.length);
      assert.ok(f.dataBytes >= 0 && f.dataBytes % f.blockAlign === 0);
    } catch (err) {
      if (!(err instanceof WavFormatError)) throw err;
    }
  }), { numRuns: 2000 });
});

test('WavReader streams the samples in whole frames, and reports a missing or bad file as CV_ERR_ARCHIVE_WAV', async () => {
  const dir = tempDir();
  try {
    const path = join(dir.path, 'a.wav');
    const stereo = wavFile(8000, 1001, [440, 660]);
    writeFileSync(path, stereo);
    const r = await WavReader.open(path);
    assert.equal(r.frames, 1001);
    const parts: Buffer[] = [];
    for await (const c of r.chunks(1000)) { assert.equal(c.length % 4, 0); assert.ok(c.length <= 1000); parts.push(c); }
    await r.close();
    assert.deepEqual(Buffer.concat(parts), stereo.subarray(44));
    await assert.rejects(WavReader.open(join(dir.path, 'missing.wav')), (e: unknown) => isCallvaultError(e, 'CV_ERR_ARCHIVE_WAV'));
    writeFileSync(join(dir.path, 'bad.wav'), 'garbage, not a RIFF file at all');
    await assert.rejects(WavReader.open(join(dir.path, 'bad.wav')), (e: unknown) => isCallvaultError(e, 'CV_ERR_ARCHIVE_WAV') && /no RIFF/.test(e.message));
  } finally {
    dir.cleanup();
  }
});
