/**
 * What a simulated `uuid_record` / `record_session` media bug "wrote". There
 * is no audio: each sound the channel carried (a prompt played, a key
 * pressed, words spoken) is logged into the current segment if the segment is
 * live audio, and only counted if the segment is masked, because FreeSWITCH's
 * mask (SMBF_MASK, switch_ivr_record_session_mask) writes silence in place of
 * the audio. Tests assert on this log that nothing was recorded while masked.
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
    if (this.active) this.#switch('audio', now);
  }

  hear(sound: CapturedSound): void {
    const cur = this.#current();
    if (!cur) return;
    if (cur.kind === 'audio') cur.captured.push(sound);
    else cur.suppressed++;
  }

  stop(now: number): void {
    if (!this.active) return;
    const cur = this.#current();
    if (cur) cur.to = now;
    this.#stoppedAt = now;
  }
}

export const SIM_WAV_RATE = 8000;
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
