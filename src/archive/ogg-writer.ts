/**
 * Ogg Opus muxer (RFC 3533 pages, RFC 7845 mapping). Written here rather than
 * taken from a package so that the archive format depends on nothing we do
 * not control: each page carries its CRC, headers come first (OpusHead alone
 * on the BOS page, OpusTags next), granule positions count 48 kHz samples
 * including the pre-skip, and the EOS page's granule is trimmed so that a
 * decoder outputs exactly the source duration. Push style and synchronous:
 * the caller streams the pages it gets back, so nothing is held whole.
 */

/** Page header flags (RFC 3533 section 6). */
export const OGG_CONTINUED = 0x01;
export const OGG_BOS = 0x02;
export const OGG_EOS = 0x04;

/** Opus always counts granule positions at 48 kHz, whatever the input rate (RFC 7845 section 4). */
export const OPUS_GRANULE_RATE = 48_000;

/**
 * libopus lookahead at 48 kHz for the AUDIO and VOIP applications: 2.5 ms
 * (Fs/400) plus 4 ms delay compensation (Fs/250) = 312 samples. @discordjs/opus
 * cannot return OPUS_GET_LOOKAHEAD (it passes CTL values by value, not by
 * pointer), so we use the constant, which has not changed since libopus 1.0.
 */
export const OPUS_PRE_SKIP = 312;

const CRC_TABLE: Uint32Array = (() => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i << 24;
    for (let j = 0; j < 8; j++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
    table[i] = r >>> 0;
  }
  return table;
})();

/** CRC-32 as Ogg defines it: polynomial 0x04c11db7, initial value 0, no reflection, no final xor. */
export function oggCrc32(data: Uint8Array, crc = 0): number {
  let c = crc >>> 0;
  for (let i = 0; i < data.length; i++) c = ((c << 8) ^ CRC_TABLE[((c >>> 24) ^ data[i]!) & 0xff]!) >>> 0;
  return c >>> 0;
}

export interface OggPageInput {
  flags: number;
  granule: bigint;
  serial: number;
  sequence: number;
  /** Lacing values, one per 255-byte segment (RFC 3533 section 5). */
  segments: number[];
  body: Buffer;
}

/** Encodes one page and fills in its CRC. */
export function encodeOggPage(page: OggPageInput): Buffer {
  if (page.segments.length > 255) throw new RangeError('an Ogg page holds at most 255 segments');
  const header = Buffer.alloc(27 + page.segments.length);
  header.write('OggS', 0, 'latin1');
  header[4] = 0; // stream structure version
  header[5] = page.flags;
  header.writeBigInt64LE(page.granule, 6);
  header.writeUInt32LE(page.serial >>> 0, 14);
  header.writeUInt32LE(page.sequence >>> 0, 18);
  header.writeUInt32LE(0, 22); // CRC computed over the page with this field zeroed
  header[26] = page.segments.length;
  for (let i = 0; i < page.segments.length; i++) header[27 + i] = page.segments[i]!;
  const out = Buffer.concat([header, page.body]);
  out.writeUInt32LE(oggCrc32(out), 22);
  return out;
}

/** Lacing values for one packet: 255s then the remainder, which may be 0 (section 5). */
export function lacing(length: number): number[] {
  const out: number[] = [];
  let n = length;
  while (n >= 255) { out.push(255); n -= 255; }
  out.push(n);
  return out;
}

export interface OpusHeadFields {
  channels: 1 | 2;
  preSkip: number;
  inputSampleRate: number;
  outputGainQ8?: number;
}

/** OpusHead, channel mapping family 0 (mono or stereo), RFC 7845 section 5.1. */
export function encodeOpusHead(h: OpusHeadFields): Buffer {
  const b = Buffer.alloc(19);
  b.write('OpusHead', 0, 'latin1');
  b[8] = 1; // version
  b[9] = h.channels;
  b.writeUInt16LE(h.preSkip, 10);
  b.writeUInt32LE(h.inputSampleRate, 12);
  b.writeInt16LE(h.outputGainQ8 ?? 0, 16);
  b[18] = 0; // mapping family 0: mono or L/R stereo, no table
  return b;
}

/** OpusTags, RFC 7845 section 5.2: vendor string then `KEY=value` comments, all UTF-8. */
export function encodeOpusTags(vendor: string, comments: readonly (readonly [string, string])[]): Buffer {
  const parts: Buffer[] = [Buffer.from('OpusTags', 'latin1')];
  const u32 = (n: number) => { const b = Buffer.alloc(4); b.writeUInt32LE(n); return b; };
  const v = Buffer.from(vendor, 'utf8');
  parts.push(u32(v.length), v, u32(comments.length));
  for (const [key, value] of comments) {
    if (!/^[\x20-\x3c\x3e-\x7d]+$/.test(key)) throw new RangeError(`invalid Vorbis comment key ${key}`);
    const c = Buffer.from(`${key}=${value}`, 'utf8');
    parts.push(u32(c.length), c);
  }
  return Buffer.concat(parts);
}

export interface OggOpusWriterOptions extends OpusHeadFields {
  serial: number;
  vendor: string;
  comments: readonly (readonly [string, string])[];
  /** Flush a page once it holds this much audio (48 kHz samples). Default 1 s, as opusenc. */
  maxPageSamples?: number;
}

/**
 * Turns Opus packets into Ogg pages. Call `headers()` once, `packet()` for
 * each encoded packet, then `finish()` with the number of real (untrimmed)
 * samples at 48 kHz. Pages are flushed lazily, before a packet that would not
 * fit, so that the last page is never empty and can carry the EOS flag and
 * the end trim.
 */
export class OggOpusWriter {
  readonly #opts: OggOpusWriterOptions;
  #sequence = 0;
  #granule = 0n;
  #segments: number[] = [];
  #bodies: Buffer[] = [];
  #pendingSamples = 0;
  #lastPageGranule = 0n;
  #finished = false;

  constructor(options: OggOpusWriterOptions) {
    this.#opts = options;
  }

  /** The two header pages (RFC 7845 section 3: OpusHead alone on the BOS page, then OpusTags). */
  headers(): Buffer {
    const head = this.#page(OGG_BOS, 0n, [encodeOpusHead(this.#opts)]);
    const tags = encodeOpusTags(this.#opts.vendor, this.#opts.comments);
    return Buffer.concat([head, ...this.#pagesFor(tags)]);
  }

  /** Adds one packet holding `samples48k` samples; returns the page it completed, if any. */
  packet(data: Buffer, samples48k: number): Buffer | null {
    if (this.#finished) throw new Error('packet after finish');
    const seg = lacing(data.length);
    const maxSamples = this.#opts.maxPageSamples ?? OPUS_GRANULE_RATE;
    let out: Buffer | null = null;
    if (this.#segments.length > 0 && (this.#segments.length + seg.length > 255 || this.#pendingSamples >= maxSamples)) {
      out = this.#flush(0, this.#granule);
    }
    this.#segments.push(...seg);
    this.#bodies.push(data);
    this.#pendingSamples += samples48k;
    this.#granule += BigInt(samples48k);
    return out;
  }

  /**
   * Flushes the last page with EOS. `realSamples48k` is the source duration at
   * 48 kHz: the granule becomes pre-skip + that, trimming the padding of the
   * last frame (RFC 7845 section 4.4).
   */
  finish(realSamples48k: number): Buffer {
    if (this.#finished) throw new Error('finish called twice');
    this.#finished = true;
    let end = BigInt(this.#opts.preSkip + realSamples48k);
    if (end > this.#granule) throw new RangeError('fewer samples encoded than the stated duration; pad the last frame');
    if (end < this.#lastPageGranule) end = this.#lastPageGranule; // never move the granule backwards
    if (this.#segments.length === 0) {
      // No packet at all (an empty recording): an EOS page with no packet is legal.
      return this.#page(OGG_EOS, end, []);
    }
    return this.#flush(OGG_EOS, end);
  }

  #flush(flags: number, granule: bigint): Buffer {
    const page = encodeOggPage({
      flags, granule, serial: this.#opts.serial, sequence: this.#sequence++,
      segments: this.#segments, body: Buffer.concat(this.#bodies),
    });
    this.#segments = [];
    this.#bodies = [];
    this.#pendingSamples = 0;
    this.#lastPageGranule = granule;
    return page;
  }

  #page(flags: number, granule: bigint, packets: Buffer[]): Buffer {
    const segments = packets.flatMap((p) => lacing(p.length));
    return encodeOggPage({ flags, granule, serial: this.#opts.serial, sequence: this.#sequence++, segments, body: Buffer.concat(packets) });
  }

  /** A header packet may exceed one page (long tags): split it over continued pages, granule 0. */
  #pagesFor(packet: Buffer): Buffer[] {
    const seg = lacing(packet.length);
    const pages: Buffer[] = [];
    let offset = 0;
    let first = true;
    for (let i = 0; i < seg.length; i += 255) {
      const chunk = seg.slice(i, i + 255);
      const bytes = chunk.reduce((a, b) => a + b, 0);
      const last = i + 255 >= seg.length;
      // A page whose packet continues on the next one has granule -1 (no packet ends on it).
      pages.push(encodeOggPage({
        flags: first ? 0 : OGG_CONTINUED, granule: last ? 0n : -1n, serial: this.#opts.serial,
        sequence: this.#sequence++, segments: chunk, body: packet.subarray(offset, offset + bytes),
      }));
      offset += bytes;
      first = false;
    }
    return pages;
  }
}
