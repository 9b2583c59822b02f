/**
 * What a simulated `uuid_record` / `record_session` media bug "wrote". There
 * is no audio: each sound the channel carried (a prompt played, a key
 * pressed, words spoken) is logged into the current segment if the segment is
 * live audio, and only counted if the segment is masked, because FreeSWITCH's
 * mask (SMBF_MASK, switch_ivr_record_session_mask) writes silence in place of
 * the audio. Tests assert on this log that nothing was recorded while masked.
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
