/**
 * Streaming reader for the spool's WAV files: 16-bit PCM, mono or stereo,
 * as Asterisk MixMonitor and FreeSWITCH record_session write them. It reads
 * the header once, then hands out the samples in fixed-size chunks so that a
 * one-hour call is never held whole. MixMonitor leaves the RIFF and data
 * sizes at 0 (or 0xFFFFFFFF) when Asterisk dies mid-call; we then trust the
 * file length instead, because the audio is still good.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { CallvaultError } from '../errors.js';

export interface WavFormat {
  sampleRate: number;
  channels: 1 | 2;
  bitsPerSample: 16;
  /** Bytes per sample frame (all channels). */
  blockAlign: number;
  /** Offset of the first sample byte. */
  dataOffset: number;
  /** Sample bytes usable: declared size, capped by the file, rounded down to whole frames. */
  dataBytes: number;
  /** The data size in the header disagreed with the file (unfinished recording). */
  sizeRepaired: boolean;
}

const WAVE_FORMAT_PCM = 0x0001;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;
/** How much of the file may precede the samples (fmt, LIST, fact... chunks). */
export const MAX_WAV_HEADER = 1 << 20;

/** Why a buffer is not a WAV we read; a value, so callers can word it. */
export class WavFormatError extends Error {
  override readonly name = 'WavFormatError';
}

/**
 * Parses the header from the first bytes of a file of `fileSize` bytes.
 * Throws WavFormatError with the reason when the file is not a supported WAV.
 */
export function parseWavHeader(buf: Buffer, fileSize: number): WavFormat {
  if (buf.length < 12) throw new WavFormatError('file too short for a RIFF header');
  if (buf.toString('latin1', 0, 4) !== 'RIFF') throw new WavFormatError('no RIFF signature');
  if (buf.toString('latin1', 8, 12) !== 'WAVE') throw new WavFormatError('RIFF file is not WAVE');
  let offset = 12;
  let fmt: { channels: number; sampleRate: number; bits: number; blockAlign: number } | null = null;
  while (offset + 8 <= buf.length) {
    const id = buf.toString('latin1', offset, offset + 4);
    const size = buf.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > buf.length) throw new WavFormatError('fmt chunk truncated');
      let tag = buf.readUInt16LE(body);
      if (tag === WAVE_FORMAT_EXTENSIBLE) {
        if (size < 40 || body + 26 > buf.length) throw new WavFormatError('extensible fmt chunk truncated');
        tag = buf.readUInt16LE(body + 24); // first two bytes of the SubFormat GUID
      }
      if (tag !== WAVE_FORMAT_PCM) throw new WavFormatError(`audio format ${tag} is not PCM`);
      fmt = { channels: buf.readUInt16LE(body + 2), sampleRate: buf.readUInt32LE(body + 4), blockAlign: buf.readUInt16LE(body + 12), bits: buf.readUInt16LE(body + 14) };
    } else if (id === 'data') {
      if (fmt === null) throw new WavFormatError('data chunk before fmt chunk');
      if (fmt.bits !== 16) throw new WavFormatError(`${fmt.bits}-bit samples (16-bit only)`);
      if (fmt.channels !== 1 && fmt.channels !== 2) throw new WavFormatError(`${fmt.channels} channels (mono or stereo only)`);
      if (fmt.sampleRate < 8000 || fmt.sampleRate > 48000) throw new WavFormatError(`sample rate ${fmt.sampleRate} Hz (8000 to 48000 only)`);
      if (fmt.blockAlign !== fmt.channels * 2) throw new WavFormatError(`block align ${fmt.blockAlign} does not match ${fmt.channels} channels of 16 bits`);
      const available = Math.max(0, fileSize - body);
      const unfinished = size === 0 || size === 0xffffffff;
      const declared = unfinished ? available : size;
      const usable = Math.min(declared, available);
      return {
        sampleRate: fmt.sampleRate,
        channels: fmt.channels,
        bitsPerSample: 16,
        blockAlign: fmt.blockAlign,
        dataOffset: body,
        dataBytes: usable - (usable % fmt.blockAlign),
        sizeRepaired: unfinished || declared > available,
      };
    }
    // Chunks are word-aligned: an odd size is followed by a pad byte.
    offset = body + size + (size & 1);
  }
  throw new WavFormatError(fmt === null ? 'no fmt chunk' : 'no data chunk');
}

/** An open WAV file: its format, then its samples in chunks. Close it when done. */
export class WavReader {
  readonly path: string;
  readonly format: WavFormat;
  readonly #fh: FileHandle;

  private constructor(path: string, fh: FileHandle, format: WavFormat) {
    this.path = path;
    this.#fh = fh;
    this.format = format;
  }

  static async open(path: string): Promise<WavReader> {
    let fh: FileHandle;
    try {
      fh = await open(path, 'r');
    } catch (cause) {
      throw new CallvaultError('CV_ERR_ARCHIVE_WAV', [path, (cause as Error).message], { cause });
    }
    try {
      const { size } = await fh.stat();
      const head = Buffer.alloc(Math.min(size, MAX_WAV_HEADER));
      const { bytesRead } = await fh.read(head, 0, head.length, 0);
      const format = parseWavHeader(head.subarray(0, bytesRead), size);
      return new WavReader(path, fh, format);
    } catch (cause) {
      await fh.close();
      throw new CallvaultError('CV_ERR_ARCHIVE_WAV', [path, (cause as Error).message], { cause });
    }
  }

  /** Sample frames (one sample per channel) in the file. */
  get frames(): number {
    return this.format.dataBytes / this.format.blockAlign;
  }

  /**
   * The samples as interleaved 16-bit little-endian buffers of at most
   * `chunkBytes` (rounded down to whole frames). Each buffer is fresh: the
   * consumer may keep it.
   */
  async *chunks(chunkBytes = 64 * 1024): AsyncGenerator<Buffer> {
    const step = Math.max(this.format.blockAlign, chunkBytes - (chunkBytes % this.format.blockAlign));
    const end = this.format.dataOffset + this.format.dataBytes;
    for (let pos = this.format.dataOffset; pos < end;) {
      const want = Math.min(step, end - pos);
      const buf = Buffer.alloc(want);
      const { bytesRead } = await this.#fh.read(buf, 0, want, pos);
      if (bytesRead === 0) break; // the file shrank under us: stop at what we have
      const whole = bytesRead - (bytesRead % this.format.blockAlign);
      if (whole === 0) break;
      yield whole === want ? buf : buf.subarray(0, whole);
      pos += whole;
    }
  }

  async close(): Promise<void> {
    await this.#fh.close();
  }
}
