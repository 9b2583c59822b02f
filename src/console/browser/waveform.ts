/**
 * The waveform under the player: wavesurfer.js drawing peaks we compute from
 * the decoded audio (decodeAudioData at 8 kHz, enough for a telephone call),
 * one lane per channel (stereo: caller left, agent right, as the archive
 * writes them), payment pauses as marked regions and notes as markers.
 * wavesurfer never fetches anything: the console's CSP would refuse its fetch
 * of a blob: URL, and the audio element already has the decrypted Blob.
 */
// The unbundled ESM build, so scripts/build-console.mjs can rewrite renderer.js (CSP).
import WaveSurfer from 'wavesurfer.js/dist/wavesurfer.js';
import RegionsPlugin from 'wavesurfer.js/dist/plugins/regions.esm.js';
import type { Note } from './api.js';

export const DECODE_RATE = 8000;
const LANE_HEIGHT = 72;
/** About 50 peaks per second, capped so a long call does not draw a million bars. */
const PEAKS_PER_SECOND = 50;
const MAX_PEAKS = 12000;

export const CARD_COLOUR = 'rgba(179, 38, 30, 0.28)';
export const NOTE_COLOUR = '#0b5394';

/** Decodes Ogg Opus bytes in the page with Web Audio, at DECODE_RATE. */
export async function decodeAudio(bytes: ArrayBuffer, channels: number): Promise<AudioBuffer> {
  const ctx = new OfflineAudioContext(Math.max(1, channels), 1, DECODE_RATE);
  return ctx.decodeAudioData(bytes);
}

/** Max-abs peaks per channel. */
export function peaksOf(buffer: AudioBuffer): Float32Array[] {
  const n = Math.max(1, Math.min(MAX_PEAKS, Math.ceil(buffer.duration * PEAKS_PER_SECOND)));
  const out: Float32Array[] = [];
  for (let c = 0; c < buffer.numberOfChannels; c++) {
    const data = buffer.getChannelData(c);
    const peaks = new Float32Array(n);
    const step = data.length / n;
    for (let i = 0; i < n; i++) {
      let max = 0;
      const end = Math.min(data.length, Math.floor((i + 1) * step));
      for (let j = Math.floor(i * step); j < end; j++) {
        const v = Math.abs(data[j]!);
        if (v > max) max = v;
      }
      peaks[i] = max;
    }
    out.push(peaks);
  }
  return out;
}

export interface Pause { startMs: number; endMs: number | null }

export class Waveform {
  readonly #ws: WaveSurfer;
  readonly #regions: ReturnType<typeof RegionsPlugin.create>;
  readonly #duration: number;

  constructor(container: HTMLElement, media: HTMLMediaElement, peaks: Float32Array[], duration: number, label: string) {
    this.#duration = duration;
    this.#regions = RegionsPlugin.create();
    const lane = { waveColor: '#3d5a80', progressColor: '#1b2a41', height: LANE_HEIGHT };
    this.#ws = WaveSurfer.create({
      container,
      media,
      peaks,
      duration,
      height: LANE_HEIGHT,
      normalize: true,
      splitChannels: peaks.map(() => ({ ...lane })),
      cursorColor: '#000',
      cursorWidth: 2,
      interact: true,
      plugins: [this.#regions],
    });
    // The canvas is a picture: the page lists pauses and notes as text for screen readers.
    container.setAttribute('role', 'img');
    container.setAttribute('aria-label', label);
  }

  addPause(p: Pause, text: string): void {
    const end = p.endMs === null ? this.#duration : Math.min(this.#duration, p.endMs / 1000);
    this.#regions.addRegion({ start: p.startMs / 1000, end, color: CARD_COLOUR, content: text, drag: false, resize: false });
  }

  addNote(n: Note): void {
    const short = n.text.length > 24 ? `${n.text.slice(0, 23)}…` : n.text;
    this.#regions.addRegion({ start: n.atMs / 1000, color: NOTE_COLOUR, content: short, drag: false, resize: false });
  }

  get regionCount(): number {
    return this.#regions.getRegions().length;
  }
}
