/**
 * Tone detection for the e2e tests: the Goertzel algorithm gives the power
 * of one frequency in a block of samples, cheaper than an FFT and exact for
 * the handful of test tones (440, 660, 1000, 1400 Hz). Used to prove that no
 * 1 kHz "card data" tone reached a recording.
 */
import { readFileSync } from 'node:fs';

export interface Pcm { rate: number; channels: number; samples: Int16Array }

/** Reads a 16-bit PCM WAV (any header layout: walks the chunks). */
export function readWav(path: string): Pcm {
  const b = readFileSync(path);
  if (b.toString('latin1', 0, 4) !== 'RIFF' || b.toString('latin1', 8, 12) !== 'WAVE') throw new Error(`${path}: not a WAV file`);
  let off = 12;
  let rate = 0;
  let channels = 0;
  while (off + 8 <= b.length) {
    const id = b.toString('latin1', off, off + 4);
    const size = b.readUInt32LE(off + 4);
    if (id === 'fmt ') {
      channels = b.readUInt16LE(off + 10);
      rate = b.readUInt32LE(off + 12);
    } else if (id === 'data') {
      const len = Math.min(size, b.length - off - 8) & ~1;
      const copy = Buffer.from(b.subarray(off + 8, off + 8 + len));
      return { rate, channels, samples: new Int16Array(copy.buffer, copy.byteOffset, len / 2) };
    }
    off += 8 + size + (size & 1);
  }
  throw new Error(`${path}: no data chunk`);
}

/** Power of `freq` in samples[from, to), normalised per sample (relative units). */
export function goertzel(samples: Int16Array, rate: number, freq: number, from = 0, to = samples.length): number {
  const coeff = 2 * Math.cos((2 * Math.PI * freq) / rate);
  let s1 = 0;
  let s2 = 0;
  for (let i = from; i < to; i++) {
    const s0 = (samples[i]! / 32768) + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const n = Math.max(1, to - from);
  return (s1 * s1 + s2 * s2 - coeff * s1 * s2) / (n * n);
}

/** Per-block (50 ms) power of a frequency over a whole recording. */
export function tonePowers(pcm: Pcm, freq: number, blockMs = 50): number[] {
  const block = Math.round((pcm.rate * blockMs) / 1000);
  const out: number[] = [];
  for (let i = 0; i + block <= pcm.samples.length; i += block) out.push(goertzel(pcm.samples, pcm.rate, freq, i, i + block));
  return out;
}
