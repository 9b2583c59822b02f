/**
 * Ogg Opus demuxer: the reading half of ogg-writer.ts. It checks every page's
 * CRC and sequence number, reassembles packets across pages, and decodes
 * OpusHead and OpusTags. `callvault verify` uses it to prove a decrypted file
 * is whole, `callvault decrypt -o x.wav` to feed the decoder. Streaming: it
 * takes chunks of any size and never holds more than one page.
 */
import { OGG_BOS, OGG_CONTINUED, OGG_EOS, oggCrc32, type OggPageInput } from './ogg-writer.js';

export class OggFormatError extends Error {
  override readonly name = 'OggFormatError';
}

/** A page as read: the same fields the writer encodes (one definition, in ogg-writer.ts). */
export type OggPage = OggPageInput;

export interface OggPacket {
  data: Buffer;
  /** Granule of the page on which the packet ends, when it is the last packet ending there. */
  granule: bigint | null;
  /** The packet ends on the EOS page. */
  eos: boolean;
  pageSequence: number;
}

/** Parses one page at the start of `buf`; returns null when more bytes are needed. Throws on a bad page. */
export function parseOggPage(buf: Buffer): { page: OggPage; length: number } | null {
  if (buf.length < 27) return null;
  if (buf.toString('latin1', 0, 4) !== 'OggS') throw new OggFormatError('missing OggS capture pattern');
  if (buf[4] !== 0) throw new OggFormatError(`unknown Ogg version ${buf[4]}`);
  const nseg = buf[26]!;
  if (buf.length < 27 + nseg) return null;
  const segments = [...buf.subarray(27, 27 + nseg)];
  const bodyLength = segments.reduce((a, b) => a + b, 0);
  const length = 27 + nseg + bodyLength;
  if (buf.length < length) return null;
  const raw = Buffer.from(buf.subarray(0, length));
  const stored = raw.readUInt32LE(22);
  raw.writeUInt32LE(0, 22);
  const computed = oggCrc32(raw);
  if (stored !== computed) {
    throw new OggFormatError(`page CRC mismatch (stored ${stored.toString(16)}, computed ${computed.toString(16)})`);
  }
  return {
    page: {
      flags: buf[5]!,
      granule: buf.readBigInt64LE(6),
      serial: buf.readUInt32LE(14),
      sequence: buf.readUInt32LE(18),
      segments,
      body: Buffer.from(buf.subarray(27 + nseg, length)),
    },
    length,
  };
}

/** Pages of a single-stream Ogg file, checking CRCs, sequence numbers, BOS and EOS. */
export async function* oggPages(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<OggPage> {
  let buf = Buffer.alloc(0);
  let expected = 0;
  let serial: number | null = null;
  let sawEos = false;
  for await (const chunk of chunks) {
    buf = buf.length === 0 ? Buffer.from(chunk) : Buffer.concat([buf, chunk]);
    for (;;) {
      const parsed = parseOggPage(buf);
      if (parsed === null) break;
      buf = buf.subarray(parsed.length);
      const { page } = parsed;
      if (sawEos) throw new OggFormatError('data after the EOS page');
      if (serial === null) {
        if ((page.flags & OGG_BOS) === 0) throw new OggFormatError('first page lacks the BOS flag');
        serial = page.serial;
      } else if (page.serial !== serial) {
        throw new OggFormatError('more than one logical stream (chained or multiplexed files are not archive files)');
      }
      if (page.sequence !== expected) throw new OggFormatError(`page ${page.sequence} where ${expected} was expected (lost or reordered page)`);
      expected++;
      if ((page.flags & OGG_EOS) !== 0) sawEos = true;
      yield page;
    }
  }
  if (buf.length > 0) throw new OggFormatError(`truncated page at the end (${buf.length} trailing bytes)`);
  if (serial === null) throw new OggFormatError('no Ogg page');
  if (!sawEos) throw new OggFormatError('no EOS page: the file is truncated');
}

/** Packets reassembled from pages (RFC 3533 section 5: a lacing value below 255 ends a packet). */
export async function* oggPackets(pages: AsyncIterable<OggPage>): AsyncGenerator<OggPacket> {
  let partial: Buffer[] = [];
  for await (const page of pages) {
    if ((page.flags & OGG_CONTINUED) !== 0 && partial.length === 0) throw new OggFormatError('continued page without a packet to continue');
    if ((page.flags & OGG_CONTINUED) === 0 && partial.length > 0) throw new OggFormatError('packet cut short by a new page');
    const ends: Buffer[] = [];
    let offset = 0;
    for (const lace of page.segments) {
      partial.push(page.body.subarray(offset, offset + lace));
      offset += lace;
      if (lace < 255) { ends.push(Buffer.concat(partial)); partial = []; }
    }
    for (let i = 0; i < ends.length; i++) {
      const last = i === ends.length - 1;
      yield { data: ends[i]!, granule: last ? page.granule : null, eos: last && (page.flags & OGG_EOS) !== 0, pageSequence: page.sequence };
    }
  }
  if (partial.length > 0) throw new OggFormatError('last packet is incomplete');
}

export interface OpusHead {
  version: number;
  channels: number;
  preSkip: number;
  inputSampleRate: number;
  outputGainQ8: number;
  mappingFamily: number;
}

export function parseOpusHead(p: Buffer): OpusHead {
  if (p.length < 19 || p.toString('latin1', 0, 8) !== 'OpusHead') throw new OggFormatError('first packet is not OpusHead');
  const version = p[8]!;
  if (version >> 4 !== 0) throw new OggFormatError(`unsupported OpusHead version ${version}`);
  return { version, channels: p[9]!, preSkip: p.readUInt16LE(10), inputSampleRate: p.readUInt32LE(12), outputGainQ8: p.readInt16LE(16), mappingFamily: p[18]! };
}

export interface OpusTags {
  vendor: string;
  comments: Array<[string, string]>;
}

export function parseOpusTags(p: Buffer): OpusTags {
  if (p.length < 16 || p.toString('latin1', 0, 8) !== 'OpusTags') throw new OggFormatError('second packet is not OpusTags');
  let o = 8;
  const need = (n: number) => { if (o + n > p.length) throw new OggFormatError('OpusTags truncated'); };
  need(4);
  const vlen = p.readUInt32LE(o); o += 4;
  need(vlen);
  const vendor = p.toString('utf8', o, o + vlen); o += vlen;
  need(4);
  const count = p.readUInt32LE(o); o += 4;
  const comments: Array<[string, string]> = [];
  for (let i = 0; i < count; i++) {
    need(4);
    const len = p.readUInt32LE(o); o += 4;
    need(len);
    const c = p.toString('utf8', o, o + len); o += len;
    const eq = c.indexOf('=');
    if (eq <= 0) throw new OggFormatError('OpusTags comment without KEY=');
    comments.push([c.slice(0, eq), c.slice(eq + 1)]);
  }
  return { vendor, comments };
}
