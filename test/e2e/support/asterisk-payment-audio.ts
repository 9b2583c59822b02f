/**
 * The payment checks of the Asterisk e2e tests, made on the file MixMonitor
 * wrote (or on its decoded Opus copy), with the 10 ms windows of
 * test/support/payment-audio.ts: in the sandbox calls only the payment
 * carries 1 kHz, so one 1 kHz window anywhere in any channel is card audio.
 * The same rules as the real FreeSWITCH tests (freeswitch-real-call-path),
 * so that both PBXs are held to the same bar.
 */
import assert from 'node:assert/strict';
import type { Pcm } from '../../support/goertzel.js';
import { CARD_HZ, channelOf, silentSpans, toneWindows } from '../../support/payment-audio.js';

export interface MetaPause { startOffsetMs: number; endOffsetMs: number | null; outcome: string }

/** No card audio in any channel, and the caller's 440 Hz is there (so the file is not silent by accident). */
export function assertNoCardAudio(pcm: Pcm, label: string, minCallerWindows = 50): void {
  for (let c = 0; c < pcm.channels; c++) {
    const card = toneWindows(channelOf(pcm, c), pcm.rate, CARD_HZ);
    assert.deepEqual(card.map((w) => w.atMs), [], `${label}: card audio (1 kHz) in channel ${c + 1}, 10 ms windows at these offsets (ms)`);
  }
  const caller = toneWindows(channelOf(pcm, 0), pcm.rate, 440).length;
  assert.ok(caller >= minCallerWindows, `${label}: the caller (440 Hz) is in the recording (${caller} windows of 10 ms, want ${minCallerWindows})`);
}

/**
 * The metadata's one muted pause lies on the file's one muted span (exact
 * zeros in every channel, which is what MixMonitorMute writes), within
 * `toleranceMs` at both ends. Returns the errors (metadata minus audio, ms).
 */
export function assertPauseMatchesAudio(pcm: Pcm, pauses: readonly MetaPause[], label: string, toleranceMs = 20): { startErrMs: number; endErrMs: number } {
  assert.equal(pauses.length, 1, `${label}: one pause in the metadata`);
  const [p] = pauses;
  assert.equal(p!.outcome, 'muted', `${label}: the pause is a mute`);
  const spans = silentSpans(pcm);
  assert.equal(spans.length, 1, `${label}: one muted span in the audio (${JSON.stringify(spans)})`);
  const [span] = spans;
  const startErrMs = p!.startOffsetMs - span!.fromMs;
  const endErrMs = (p!.endOffsetMs ?? Number.NaN) - span!.toMs;
  assert.ok(Math.abs(startErrMs) <= toleranceMs, `${label}: pause starts at ${p!.startOffsetMs} ms in the metadata, ${span!.fromMs} ms in the audio`);
  assert.ok(Math.abs(endErrMs) <= toleranceMs, `${label}: pause ends at ${p!.endOffsetMs} ms in the metadata, ${span!.toMs} ms in the audio`);
  return { startErrMs, endErrMs };
}
