/**
 * Takes one SpoolSample (src/ops/spool-outlook.ts): the WAVs waiting in the
 * spool, their audio (rate and channels from each header, read once per
 * file and remembered; length from the size), and the free space left. It
 * runs in the archiver process, at its lower priority: thousands of files
 * can wait at peak, and their stats must not cost the call path anything.
 */
import { open, readdir, stat, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import type { SpoolSample } from '../ops/spool-outlook.js';
import { parseWavHeader } from './wav-reader.js';

/** Enough for the fmt chunk of what the PBXs write; a header that needs more counts as unknown (rate assumed below). */
const HEADER_BYTES = 4096;
/** When a header cannot be read (a file still being written by hand): 8 kHz mono, the call centre's usual. */
const FALLBACK_BYTES_PER_SECOND = 16_000;

export class SpoolSampler {
  readonly #spoolDir: string;
  readonly #storageDir: string;
  /** Bytes of audio per second, by WAV name. */
  readonly #rates = new Map<string, number>();

  constructor(spoolDir: string, storageDir: string) {
    this.#spoolDir = spoolDir;
    this.#storageDir = storageDir;
  }

  async #bytesPerSecond(path: string, name: string, size: number): Promise<number> {
    const known = this.#rates.get(name);
    if (known !== undefined) return known;
    let rate = FALLBACK_BYTES_PER_SECOND;
    try {
      const fh = await open(path, 'r');
      try {
        const buf = Buffer.alloc(Math.min(HEADER_BYTES, size));
        await fh.read(buf, 0, buf.length, 0);
        const f = parseWavHeader(buf, size);
        rate = f.sampleRate * f.blockAlign;
        this.#rates.set(name, rate);
      } finally {
        await fh.close();
      }
    } catch {
      // Not a readable WAV (yet): counted at the usual rate, and read again next time.
    }
    return rate;
  }

  async sample(archivedAudioSeconds: number, nowMs: number): Promise<SpoolSample> {
    const names = (await readdir(this.#spoolDir).catch(() => [] as string[])).filter((n) => !n.startsWith('.') && /\.wav$/i.test(n));
    let audioSeconds = 0;
    let files = 0;
    for (const n of names) {
      const path = join(this.#spoolDir, n);
      const st = await stat(path).catch(() => null);
      if (st === null || !st.isFile()) continue; // archived while we looked
      files++;
      audioSeconds += Math.max(0, st.size - 44) / await this.#bytesPerSecond(path, n, st.size);
    }
    const present = new Set(names);
    for (const n of this.#rates.keys()) if (!present.has(n)) this.#rates.delete(n);
    const free = await Promise.all([this.#spoolDir, this.#storageDir].map((d) => statfs(d).then((s) => s.bavail * s.bsize, () => Number.POSITIVE_INFINITY)));
    const freeBytes = Math.min(...free);
    return { atMs: nowMs, files, audioSeconds, archivedAudioSeconds, freeBytes: Number.isFinite(freeBytes) ? freeBytes : 0 };
  }
}
