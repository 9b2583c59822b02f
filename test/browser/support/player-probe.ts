/**
 * Observes the player as a listener would: the `cv:playing` event (the audio
 * element started, with the page's timings) and `cv:decoded` (the AudioBuffer
 * the page decoded from the decrypted bytes with Web Audio), read back as
 * 16-bit samples per channel so the tests' Goertzel checks can run on them.
 */
import type { Page } from 'playwright-core';

export interface PlayerTimings { fetchMs: number; decryptMs: number; plainBytes: number; clickToAudioMs: number }
export interface Decoded { rate: number; channels: number; duration: number; samples: Int16Array[] }

/** Call before clicking play: the page keeps the player's events for the test. */
export async function watchPlayer(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { cvProbe: { playing?: unknown; decoded?: AudioBuffer } };
    w.cvProbe = {};
    const s = document.getElementById('player')!;
    s.addEventListener('cv:playing', (e) => { w.cvProbe.playing = (e as CustomEvent).detail; });
    s.addEventListener('cv:decoded', (e) => { w.cvProbe.decoded = (e as CustomEvent<{ buffer: AudioBuffer }>).detail.buffer; });
  });
}

export async function waitPlaying(page: Page, timeout = 60000): Promise<PlayerTimings> {
  const h = await page.waitForFunction(() => (window as unknown as { cvProbe: { playing?: unknown } }).cvProbe.playing, null, { timeout });
  return (await h.jsonValue()) as PlayerTimings;
}

export async function readDecoded(page: Page, timeout = 60000): Promise<Decoded> {
  await page.waitForFunction(() => (window as unknown as { cvProbe: { decoded?: unknown } }).cvProbe.decoded !== undefined, null, { timeout });
  const raw = await page.evaluate(() => {
    const b = (window as unknown as { cvProbe: { decoded: AudioBuffer } }).cvProbe.decoded;
    const chans: number[][] = [];
    for (let c = 0; c < b.numberOfChannels; c++) chans.push(Array.from(b.getChannelData(c), (v) => Math.round(Math.max(-1, Math.min(1, v)) * 32767)));
    return { rate: b.sampleRate, channels: b.numberOfChannels, duration: b.duration, chans };
  });
  return { rate: raw.rate, channels: raw.channels, duration: raw.duration, samples: raw.chans.map((c) => Int16Array.from(c)) };
}
