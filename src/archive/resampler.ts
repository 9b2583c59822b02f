/**
 * Sample-rate conversion for the rare WAV whose rate Opus does not take
 * (Opus encodes 8, 12, 16, 24 or 48 kHz). Telephony audio is 8 or 16 kHz and
 * is encoded as is; this exists for backfilled files (11.025, 22.05, 44.1,
 * 32 kHz). We only ever convert up to the next supported rate, a ratio close
 * to 1 with no aliasing, so linear interpolation is enough for speech and
 * keeps the archiver free of a DSP dependency.
 */

export const OPUS_RATES = [8000, 12000, 16000, 24000, 48000] as const;

/** The rate we encode a source at: itself when Opus takes it, else the next supported rate up. */
export function codingRate(sourceRate: number): number {
  for (const r of OPUS_RATES) if (r >= sourceRate) return r;
  return 48000;
}

/** Streaming linear resampler over interleaved 16-bit samples. */
export class LinearResampler {
  readonly #from: number;
  readonly #to: number;
  readonly #channels: number;
  /** Position of the next output frame, in input frames relative to #prev. */
  #pos = 0;
  #prev: Int16Array | null = null;

  constructor(from: number, to: number, channels: number) {
    this.#from = from;
    this.#to = to;
    this.#channels = channels;
  }

  /** Output frames for `inputFrames` input frames in total (what the stream's length should be). */
  static outputFrames(inputFrames: number, from: number, to: number): number {
    return Math.round((inputFrames * to) / from);
  }

  push(chunk: Buffer): Buffer {
    const ch = this.#channels;
    const input = toInt16(chunk);
    // Prepend the last frame of the previous chunk so interpolation spans the boundary.
    const frames = input.length / ch;
    const src = this.#prev === null ? input : concat(this.#prev, input);
    const base = this.#prev === null ? 0 : 1;
    const total = frames + base;
    const step = this.#from / this.#to;
    const out: number[] = [];
    let pos = this.#pos;
    while (pos + 1 < total) {
      const i = Math.floor(pos);
      const f = pos - i;
      for (let c = 0; c < ch; c++) {
        const a = src[i * ch + c]!;
        const b = src[(i + 1) * ch + c]!;
        out.push(Math.round(a + (b - a) * f));
      }
      pos += step;
    }
    this.#pos = pos - (total - 1);
    this.#prev = src.slice((total - 1) * ch, total * ch);
    return Buffer.from(Int16Array.from(out).buffer);
  }

  /** Emits what remains (the tail is held back for interpolation), repeating the last frame. */
  flush(): Buffer {
    if (this.#prev === null) return Buffer.alloc(0);
    const out: number[] = [];
    let pos = this.#pos;
    while (pos < 1) {
      for (let c = 0; c < this.#channels; c++) out.push(this.#prev[c]!);
      pos += this.#from / this.#to;
    }
    this.#prev = null;
    return Buffer.from(Int16Array.from(out).buffer);
  }
}

function concat(a: Int16Array, b: Int16Array): Int16Array {
  const out = new Int16Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** A view on the samples; copies when the buffer is not 2-byte aligned (Int16Array requires it). */
export function toInt16(chunk: Buffer): Int16Array {
  if (chunk.byteOffset % 2 === 0) return new Int16Array(chunk.buffer, chunk.byteOffset, chunk.length >> 1);
  return new Int16Array(Uint8Array.from(chunk).buffer, 0, chunk.length >> 1);
}
