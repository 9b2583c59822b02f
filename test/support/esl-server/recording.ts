/**
 * What a simulated `uuid_record` / `record_session` media bug "wrote". There
 * is no audio: each sound the channel carried (a prompt played, a key
 * pressed, words spoken) is logged into the current segment if the segment is
 * live audio, and only counted if the segment is masked, because FreeSWITCH's
 * mask (SMBF_MASK, switch_ivr_record_session_mask) writes silence in place of
 * the audio. Tests assert on this log that nothing was recorded while masked.
 *
 * The mask is applied when a frame is written, not when it was captured: the
 * media bug holds frames back until both directions have one
 * (switch_core_media_bug_read), so a sound is judged by the mask as it is
 * MEDIA_BUG_LAG_MS after it was heard. That is what the real FreeSWITCH
 * 1.10.12 showed: unmasking right after the payment wrote its last 60 ms in
 * clear. A sound heard within that lag before an unmask lands in the file.
 *
 * While the recording runs the file grows one 20 ms frame at a time (with
 * enable_file_write_buffering=false, as callvault sets it), tone or zeros as
 * the segment is, so a reader can follow its length as on the real server.
 *
 * `wav()` renders the same timeline as the file FreeSWITCH would have closed:
 * 8 kHz 16-bit mono PCM, a 440 Hz tone for every millisecond of live audio
 * and zeros for every masked millisecond, so the archive stage has a real
 * file to consume and a test can find the mask in the samples.
 */

export type CapturedSound =
  | { readonly kind: 'prompt'; readonly file: string; readonly at: number }
  | { readonly kind: 'dtmf'; readonly digit: string; readonly at: number }
  | { readonly kind: 'speech'; readonly text: string; readonly at: number };

export interface RecordingSegment {
  readonly kind: 'audio' | 'silence';
  readonly from: number;
  to: number | null;
  /** Sounds written to the file: always empty for a silence segment. */
  readonly captured: CapturedSound[];
  /** Sounds the channel carried during a silence segment and the file did not get. */
  suppressed: number;
}

export class SimRecording {
  readonly path: string;
  readonly limitSeconds: number;
  readonly segments: RecordingSegment[] = [];
  #stoppedAt: number | null = null;

  constructor(path: string, limitSeconds: number, now: number) {
    this.path = path;
    this.limitSeconds = limitSeconds;
    this.segments.push({ kind: 'audio', from: now, to: null, captured: [], suppressed: 0 });
  }

  get active(): boolean {
    return this.#stoppedAt === null;
  }

  get masked(): boolean {
    return this.#current()?.kind === 'silence';
  }

  get stoppedAt(): number | null {
    return this.#stoppedAt;
  }

  /** Everything written to the file, in order. */
  get captured(): CapturedSound[] {
    return this.segments.flatMap((s) => s.captured);
  }

  #current(): RecordingSegment | undefined {
    const last = this.segments[this.segments.length - 1];
    return last && last.to === null ? last : undefined;
  }

  #switch(kind: 'audio' | 'silence', now: number): void {
    const cur = this.#current();
    if (!cur || cur.kind === kind) return;
    cur.to = now;
    this.segments.push({ kind, from: now, to: null, captured: [], suppressed: 0 });
  }

  mask(now: number): void {
    if (this.active) this.#switch('silence', now);
  }

  unmask(now: number): void {
    if (!this.active) return;
    const wasMasked = this.masked;
    this.#switch('audio', now);
    const cur = this.#current();
    if (wasMasked && cur) this.#releaseHeld(now, cur);
  }

  hear(sound: CapturedSound): void {
    const cur = this.#current();
    if (!cur) return;
    if (cur.kind === 'audio') cur.captured.push(sound);
    else {
      cur.suppressed++;
      this.#held.push(sound);
    }
  }

  /** Sounds heard while masked, still in the media bug's buffers: an unmask within the lag writes them in clear. */
  #held: CapturedSound[] = [];

  #releaseHeld(now: number, into: RecordingSegment): void {
    const leaked = this.#held.filter((x) => now - x.at < MEDIA_BUG_LAG_MS);
    this.#held = [];
    for (const x of leaked) into.captured.push(x);
  }

  stop(now: number): void {
    if (!this.active) return;
    const cur = this.#current();
    if (cur) cur.to = now;
    this.#stoppedAt = now;
  }
}

/** How long the media bug held frames back on the real FreeSWITCH (20 ms ptime, loopback and SIP). */
export const MEDIA_BUG_LAG_MS = 60;
export const SIM_WAV_RATE = 8000;
/** One frame of the growing file. */
export const SIM_FRAME_MS = 20;
export const SIM_TONE_HZ = 440;

/** A RIFF/WAVE header for 16-bit mono PCM; `dataBytes` 0 is what a writer leaves until it closes the file. */
export function wavHeader(dataBytes: number, rate = SIM_WAV_RATE): Buffer {
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'latin1');
  h.writeUInt32LE(dataBytes === 0 ? 0 : 36 + dataBytes, 4);
  h.write('WAVE', 8, 'latin1');
  h.write('fmt ', 12, 'latin1');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(rate, 24);
  h.writeUInt32LE(rate * 2, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'latin1');
  h.writeUInt32LE(dataBytes, 40);
  return h;
}

/** The samples of [fromMs, toMs) of the recording's timeline (relative to its start): tone where audio, zeros where masked. */
export function renderPcm(rec: SimRecording, fromMs: number, toMs: number, rate = SIM_WAV_RATE): Buffer {
  const start = rec.segments[0]?.from ?? 0;
  const first = Math.round((fromMs * rate) / 1000);
  const last = Math.round((toMs * rate) / 1000);
  const pcm = Buffer.alloc(Math.max(0, last - first) * 2);
  for (let i = first; i < last; i++) {
    const t = start + (i * 1000) / rate;
    const seg = rec.segments.find((x) => t >= x.from && (x.to === null || t < x.to));
    if (seg?.kind === 'audio') pcm.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * SIM_TONE_HZ * i) / rate)), (i - first) * 2);
  }
  return pcm;
}

/** The closed file for a stopped recording: tone where it heard audio, zeros where it was masked. */
export function renderWav(rec: SimRecording, rate = SIM_WAV_RATE): Buffer {
  const start = rec.segments[0]?.from ?? 0;
  const end = rec.stoppedAt ?? rec.segments[rec.segments.length - 1]?.to ?? start;
  const total = Math.max(0, Math.round(((end - start) * rate) / 1000));
  const pcm = Buffer.alloc(total * 2);
  for (const seg of rec.segments) {
    if (seg.kind !== 'audio') continue;
    const from = Math.round(((seg.from - start) * rate) / 1000);
    const to = Math.min(total, Math.round((((seg.to ?? end) - start) * rate) / 1000));
    for (let i = from; i < to; i++) pcm.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * SIM_TONE_HZ * i) / rate)), i * 2);
  }
  return Buffer.concat([wavHeader(pcm.length, rate), pcm]);
}
