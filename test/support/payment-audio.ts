/**
 * The payment checks the way a person would make them: listen to the file.
 * In the e2e calls only the payment carries 1 kHz (the caller reading the
 * card, the IVR reading it back); everything else is 440 Hz (caller) and
 * 600 Hz (agent). So any 1 kHz in the recording is card audio. Windows are
 * 10 ms: the leak the real FreeSWITCH showed at unmask lasted 20 to 60 ms
 * and a 50 ms window averaged it away.
 */
import { goertzel, type Pcm } from './goertzel.js';

export const WINDOW_MS = 10;
export const CARD_HZ = 1000;

/** One channel (0-based) of an interleaved recording. */
export function channelOf(pcm: Pcm, channel: number): Int16Array {
  if (pcm.channels === 1) return pcm.samples;
  const out = new Int16Array(Math.floor(pcm.samples.length / pcm.channels));
  for (let i = 0; i < out.length; i++) out[i] = pcm.samples[i * pcm.channels + channel]!;
  return out;
}

export interface ToneWindow { atMs: number; power: number; share: number }

/**
 * Windows where `freq` is present: its Goertzel power is at least -50 dBFS
 * and at least a tenth of the window's energy (so a loud other tone leaking
 * into the bin does not count, and a quiet card tone under speech does).
 */
export function toneWindows(samples: Int16Array, rate: number, freq: number, windowMs = WINDOW_MS): ToneWindow[] {
  const n = Math.round((rate * windowMs) / 1000);
  const hits: ToneWindow[] = [];
  for (let i = 0; i + n <= samples.length; i += n) {
    const power = goertzel(samples, rate, freq, i, i + n);
    let energy = 0;
    for (let j = i; j < i + n; j++) energy += (samples[j]! / 32768) ** 2;
    // A sine of amplitude A: Goertzel power A²/4, half its mean square A²/2.
    const half = energy / n / 2;
    const share = half > 0 ? power / half : 0;
    if (power >= 2.5e-6 && share >= 0.1) hits.push({ atMs: (i * 1000) / rate, power, share });
  }
  return hits;
}

/** The spans (ms) where every channel is exact digital silence for at least `minMs`: what a PBX's mask writes. */
export function silentSpans(pcm: Pcm, minMs = 100): Array<{ fromMs: number; toMs: number }> {
  const frames = Math.floor(pcm.samples.length / pcm.channels);
  const spans: Array<{ fromMs: number; toMs: number }> = [];
  let start = -1;
  const flush = (end: number) => {
    if (start >= 0 && ((end - start) * 1000) / pcm.rate >= minMs) spans.push({ fromMs: (start * 1000) / pcm.rate, toMs: (end * 1000) / pcm.rate });
    start = -1;
  };
  for (let f = 0; f < frames; f++) {
    let zero = true;
    for (let c = 0; c < pcm.channels && zero; c++) zero = pcm.samples[f * pcm.channels + c] === 0;
    if (zero) { if (start < 0) start = f; } else flush(f);
  }
  flush(frames);
  return spans;
}

/**
 * 10 ms windows with sound that none of `tones` explains (their share of
 * the window's energy under half): speech, such as the spoken agent notice.
 * Pure tones (the test tones, the queue's ringing) are explained.
 */
export function unexplainedWindows(samples: Int16Array, rate: number, tones: number[]): number {
  const n = Math.round((rate * WINDOW_MS) / 1000);
  let count = 0;
  for (let i = 0; i + n <= samples.length; i += n) {
    let energy = 0;
    for (let j = i; j < i + n; j++) energy += (samples[j]! / 32768) ** 2;
    const half = energy / n / 2;
    if (half < 1e-5) continue; // about -47 dBFS: silence and comfort noise
    const share = tones.reduce((s, hz) => s + goertzel(samples, rate, hz, i, i + n), 0) / half;
    if (share < 0.5) count++;
  }
  return count;
}
