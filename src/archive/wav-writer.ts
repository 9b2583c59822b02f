/**
 * Writes 16-bit PCM WAV for `callvault decrypt -o x.wav`, streaming: a
 * header with placeholder sizes first, the samples, then the sizes patched in
 * place, so an hour of audio is never held in memory.
 */
import type { FileHandle } from 'node:fs/promises';

export function wavHeader(sampleRate: number, channels: number, dataBytes: number): Buffer {
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'latin1');
  h.writeUInt32LE(36 + dataBytes, 4);
  h.write('WAVE', 8, 'latin1');
  h.write('fmt ', 12, 'latin1');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20); // PCM
  h.writeUInt16LE(channels, 22);
  h.writeUInt32LE(sampleRate, 24);
  h.writeUInt32LE(sampleRate * channels * 2, 28);
  h.writeUInt16LE(channels * 2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'latin1');
  h.writeUInt32LE(dataBytes, 40);
  return h;
}

/** Writes a WAV to an open file from PCM chunks; the format is known once `format()` is called. */
export class WavWriter {
  readonly #fh: FileHandle;
  #rate = 0;
  #channels = 0;
  #bytes = 0;

  constructor(fh: FileHandle) {
    this.#fh = fh;
  }

  async format(sampleRate: number, channels: number): Promise<void> {
    this.#rate = sampleRate;
    this.#channels = channels;
    await this.#fh.write(wavHeader(sampleRate, channels, 0), 0, 44, 0);
  }

  async write(pcm: Buffer): Promise<void> {
    await this.#fh.write(pcm, 0, pcm.length, 44 + this.#bytes);
    this.#bytes += pcm.length;
  }

  async finish(): Promise<number> {
    if (this.#rate === 0) throw new Error('WAV format never set');
    await this.#fh.write(wavHeader(this.#rate, this.#channels, this.#bytes), 0, 44, 0);
    return this.#bytes;
  }
}
