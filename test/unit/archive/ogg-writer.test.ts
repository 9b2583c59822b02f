import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OGG_BOS, OGG_CONTINUED, OGG_EOS, OggOpusWriter, encodeOggPage, encodeOpusHead, encodeOpusTags, lacing, oggCrc32 } from '../../../src/archive/ogg-writer.js';
import { oggPackets, oggPages, parseOggPage, parseOpusHead, parseOpusTags } from '../../../src/archive/ogg-reader.js';

async function* once(b: Buffer) { yield b; }

test('CRC-32 matches the known check value of the Ogg polynomial (CRC-32/CKSUM without final xor)', () => {
  // reveng catalogue: CRC-32/CKSUM (poly 04C11DB7, init 0, no reflection, xorout FFFFFFFF) checks to 765E7680.
  assert.equal(oggCrc32(Buffer.from("123456789", "ascii")), (0x765e7680 ^ 0xffffffff) >>> 0);
  assert.equal(oggCrc32(Buffer.alloc(0)), 0);
  // Incremental use gives the same result as one pass.
  assert.equal(oggCrc32(Buffer.from('56789'), oggCrc32(Buffer.from('1234'))), 0x89a1897f);
});

test('lacing values: 255s then the remainder, 0 when the length is a multiple of 255', () => {
  const cases: [number, number[]][] = [[0, [0]], [1, [1]], [254, [254]], [255, [255, 0]], [256, [255, 1]], [510, [255, 255, 0]]];
  for (const [len, want] of cases) assert.deepEqual(lacing(len), want, `length ${len}`);
});

test('a page round-trips through the reader with its CRC, and a flipped byte is caught', () => {
  const body = Buffer.from('hello ogg');
  const page = encodeOggPage({ flags: OGG_BOS, granule: 1234n, serial: 0xdeadbeef, sequence: 7, segments: lacing(body.length), body });
  const parsed = parseOggPage(page);
  assert.ok(parsed !== null);
  assert.equal(parsed.length, page.length);
  assert.equal(parsed.page.granule, 1234n);
  assert.equal(parsed.page.serial, 0xdeadbeef);
  assert.equal(parsed.page.sequence, 7);
  assert.deepEqual(parsed.page.body, body);
  for (const at of [5, 10, 27, page.length - 1]) {
    const bad = Buffer.from(page);
    bad[at] = bad[at]! ^ 0x01;
    assert.throws(() => parseOggPage(bad), /CRC mismatch/, `byte ${at}`);
  }
  assert.equal(parseOggPage(page.subarray(0, page.length - 1)), null, 'short buffer asks for more');
});

test('OpusHead has the RFC 7845 layout', () => {
  const h = encodeOpusHead({ channels: 2, preSkip: 312, inputSampleRate: 8000 });
  assert.equal(h.toString('latin1', 0, 8), 'OpusHead');
  assert.deepEqual([...h.subarray(8)], [1, 2, 312 & 0xff, 312 >> 8, 0x40, 0x1f, 0, 0, 0, 0, 0]);
  assert.deepEqual(parseOpusHead(h), { version: 1, channels: 2, preSkip: 312, inputSampleRate: 8000, outputGainQ8: 0, mappingFamily: 0 });
});

test('OpusTags round-trip, UTF-8 included, and reject a key with "="', () => {
  const t = encodeOpusTags('vendor é', [['ENCODER', 'callvault'], ['CALLVAULT_CALLER', '+33 1 23 ñ']]);
  assert.deepEqual(parseOpusTags(t), { vendor: 'vendor é', comments: [['ENCODER', 'callvault'], ['CALLVAULT_CALLER', '+33 1 23 ñ']] });
  assert.throws(() => encodeOpusTags('v', [['A=B', 'x']]), /invalid Vorbis comment key/);
});

async function mux(packets: number, realSamples48k: number, comments: [string, string][] = []) {
  const w = new OggOpusWriter({ serial: 42, channels: 1, preSkip: 312, inputSampleRate: 8000, vendor: 'test', comments });
  const parts: Buffer[] = [w.headers()];
  for (let i = 0; i < packets; i++) {
    const p = w.packet(Buffer.alloc(40 + (i % 300), i & 0xff), 960);
    if (p !== null) parts.push(p);
  }
  parts.push(w.finish(realSamples48k));
  const file = Buffer.concat(parts);
  const pages = [];
  for await (const p of oggPages(once(file))) pages.push(p);
  const pkts = [];
  for await (const p of oggPackets(oggPages(once(file)))) pkts.push(p);
  return { file, pages, pkts };
}

test('muxer: BOS header page alone, tags next, granules at 48 kHz, EOS with the end trimmed', async () => {
  const { pages, pkts } = await mux(120, 120 * 960 - 700);
  assert.equal(pages[0]!.flags, OGG_BOS);
  assert.equal(pages[0]!.segments.length, 1, 'OpusHead alone on the first page');
  assert.equal(pages[0]!.granule, 0n);
  assert.equal(pages[1]!.granule, 0n, 'OpusTags page has granule 0');
  assert.equal(pages.at(-1)!.flags & OGG_EOS, OGG_EOS);
  assert.equal(pages.filter((p) => (p.flags & OGG_EOS) !== 0).length, 1);
  assert.equal(pages.at(-1)!.granule, BigInt(312 + 120 * 960 - 700), 'final granule = pre-skip + real samples');
  // Granules never go backwards and each page holds at most 1 s of audio.
  let prev = 0n;
  for (const p of pages.slice(2)) {
    assert.ok(p.granule >= prev);
    assert.ok(p.granule - prev <= 48000n + 960n);
    prev = p.granule;
  }
  assert.equal(pkts.length, 2 + 120);
  assert.equal(pkts[2]!.data.length, 40);
  assert.equal(pkts.at(-1)!.eos, true);
});

test('muxer: a tag packet larger than a page spans continued pages and still parses', async () => {
  const big = 'x'.repeat(70_000);
  const { pages, pkts } = await mux(3, 3 * 960 - 312, [['CALLVAULT_METADATA', big]]);
  assert.equal(pages[2]!.flags & OGG_CONTINUED, OGG_CONTINUED);
  assert.equal(pages[1]!.granule, -1n, 'a page where no packet ends has granule -1');
  assert.equal(parseOpusTags(pkts[1]!.data).comments[0]![1], big);
});

test('muxer refuses an end past the encoded audio, and packets after finish', () => {
  const w = new OggOpusWriter({ serial: 1, channels: 1, preSkip: 312, inputSampleRate: 8000, vendor: 'v', comments: [] });
  w.headers();
  w.packet(Buffer.alloc(10), 960);
  assert.throws(() => w.finish(960), /pad the last frame/);
  const w2 = new OggOpusWriter({ serial: 1, channels: 1, preSkip: 312, inputSampleRate: 8000, vendor: 'v', comments: [] });
  w2.headers();
  w2.packet(Buffer.alloc(10), 960);
  w2.finish(100);
  assert.throws(() => w2.packet(Buffer.alloc(10), 960), /after finish/);
});

test('reader rejects damaged streams: lost page, no EOS, trailing bytes, no BOS', async () => {
  const { file, pages } = await mux(200, 200 * 960 - 312);
  const drain = async (b: Buffer) => { for await (const _ of oggPages(once(b))) { /* consume */ } };
  const offsets: number[] = [];
  let o = 0;
  for (const p of pages) { offsets.push(o); o += 27 + p.segments.length + p.body.length; }
  const cases: [string, Buffer, RegExp][] = [
    ['a page removed', Buffer.concat([file.subarray(0, offsets[3]!), file.subarray(offsets[4]!)]), /expected/],
    ['truncated before EOS', file.subarray(0, offsets.at(-1)!), /no EOS/],
    ['cut mid-page', file.subarray(0, file.length - 3), /truncated page/],
    ['headers missing', file.subarray(offsets[2]!), /BOS/],
    ['not Ogg at all', Buffer.from('RIFF....WAVEfmt '.repeat(4)), /OggS/],
  ];
  for (const [name, bytes, want] of cases) await assert.rejects(drain(bytes), want, name);
  await drain(file); // the intact file passes
});
