/**
 * The bench's recording file, as uuid_record writes it, in few large
 * writes: the WAV header at start (sizes 0, as a writer leaves them until it
 * closes), then the audio appended every `growMs` from one pre-rendered
 * second of the test FreeSWITCH's 440 Hz tone (zeros while masked), and at
 * close the rest appended and the RIFF sizes written (libsndfile's close).
 *
 * Where the daemon reads the file's length it is kept exact: a mask, unmask
 * or stop first brings the file up to now (one small synchronous append), so
 * the pause offsets the daemon reads are the call's. While a masked file
 * waits for its unmask it grows every `flushGrowMs`: the daemon's unmask
 * waits for 240 ms more audio in the file (src/pbx/freeswitch/recording-position.ts)
 * and gives up after a second.
 */
import { closeSync, openSync, write, writeSync, close as closeFd } from 'node:fs';
import { SIM_TONE_HZ, SIM_WAV_RATE, wavHeader } from '../../test/support/esl-server/recording.js';
import type { Timer, TimerHeap } from './timer-heap.js';

const BYTES_PER_MS = (SIM_WAV_RATE * 2) / 1000;
/**
 * Seconds of tone rendered once: 440 Hz at 8 kHz is a whole number of cycles
 * a second, so it loops without a seam. An append that stays in one segment
 * is a slice of this (or of SILENCE), not a new buffer: at 2,000 calls the
 * appends' fresh buffers were megabytes a second of garbage.
 */
const SLICE_MS = 4000;
const TONE = (() => {
  const n = (SIM_WAV_RATE * (SLICE_MS + 1000)) / 1000;
  const b = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++) b.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * SIM_TONE_HZ * i) / SIM_WAV_RATE)), i * 2);
  return b;
})();
const SILENCE = Buffer.alloc(SLICE_MS * BYTES_PER_MS);

export interface LiteRecordingOptions {
  readonly growMs: number;
  readonly flushGrowMs: number;
  /** The longest synchronous file operation so far (open, header, catch-up before a mask), in ms: the bench's own disk stalls. */
  readonly stats?: { maxSyncMs: number };
}

export class LiteRecording {
  readonly path: string;
  readonly #timers: TimerHeap;
  readonly #opts: LiteRecordingOptions;
  readonly #startedAt: number;
  #fd: number | null;
  /** ms of the timeline already handed to a write. */
  #written = 0;
  /** Mask changes, in ms from the start: even entries start silence, odd ones end it. */
  readonly #masks: number[] = [];
  #inflight = 0;
  #timer: Timer | null = null;
  #state: 'recording' | 'closing' | 'closed' = 'recording';
  #onClosed: Array<() => void> = [];
  #flushing = false;

  /** Opens the file and writes its header; throws when the path cannot be opened (uuid_record answers -ERR). */
  constructor(path: string, timers: TimerHeap, opts: LiteRecordingOptions) {
    this.path = path;
    this.#timers = timers;
    this.#opts = opts;
    const t0 = performance.now();
    this.#fd = openSync(path, 'w');
    writeSync(this.#fd, wavHeader(0), 0, 44, 0);
    this.#noteSync(t0);
    this.#startedAt = timers.now();
    this.#schedule();
  }

  get masked(): boolean {
    return this.#masks.length % 2 === 1;
  }

  get active(): boolean {
    return this.#state === 'recording';
  }

  /** ms of audio the file holds once the writes in flight land. */
  get writtenMs(): number {
    return this.#written;
  }

  mask(on: boolean): void {
    if (!this.active || on === this.masked) return;
    this.#catchUp(true);
    this.#masks.push(this.#written);
    if (!on) this.#flushing = false;
  }

  /** The payment-exit socket opened: grow finely until the unmask so the daemon's flush wait sees audio arrive. */
  expectUnmask(): void {
    if (!this.active || !this.masked || this.#flushing) return;
    this.#flushing = true;
    this.#timers.cancel(this.#timer);
    this.#schedule();
  }

  /** Appends the rest, writes the RIFF sizes, closes; `done` runs once the file is closed. */
  close(done: () => void): void {
    if (this.#state === 'closed') { done(); return; }
    this.#onClosed.push(done);
    if (this.#state === 'closing') return;
    this.#catchUp(false);
    this.#state = 'closing';
    this.#timers.cancel(this.#timer);
    this.#maybeFinish();
  }

  #schedule(): void {
    const every = this.#flushing ? this.#opts.flushGrowMs : this.#opts.growMs;
    this.#timer = this.#timers.after(every, () => {
      if (!this.active) return;
      this.#catchUp(false);
      this.#schedule();
    });
  }

  /** Hands [written, now) to a write; `sync` when the daemon reads the length right after. */
  #catchUp(sync: boolean): void {
    const fd = this.#fd;
    if (fd === null) return;
    const upTo = Math.floor(this.#timers.now() - this.#startedAt);
    if (upTo <= this.#written) return;
    const pcm = this.#render(this.#written, upTo);
    const at = 44 + this.#written * BYTES_PER_MS;
    this.#written = upTo;
    if (sync) {
      const t0 = performance.now();
      try { writeSync(fd, pcm, 0, pcm.length, at); } catch { /* the directory went away: FreeSWITCH logs and carries on */ }
      this.#noteSync(t0);
      return;
    }
    this.#inflight++;
    write(fd, pcm, 0, pcm.length, at, () => {
      this.#inflight--;
      this.#maybeFinish();
    });
  }

  #noteSync(t0: number): void {
    const st = this.#opts.stats;
    if (st) st.maxSyncMs = Math.max(st.maxSyncMs, performance.now() - t0);
  }

  #maybeFinish(): void {
    if (this.#state !== 'closing' || this.#inflight > 0 || this.#fd === null) return;
    const fd = this.#fd;
    this.#fd = null;
    const data = this.#written * BYTES_PER_MS;
    write(fd, wavHeader(data), 0, 44, 0, () => {
      closeFd(fd, () => {
        this.#state = 'closed';
        for (const f of this.#onClosed.splice(0)) f();
      });
    });
  }

  /** Tone where live, zeros where masked, for [fromMs, toMs) of the timeline; the tone's phase follows the sample index, as renderPcm does. */
  #render(fromMs: number, toMs: number): Buffer {
    let k0 = 0;
    while (k0 < this.#masks.length && this.#masks[k0]! <= fromMs) k0++;
    const oneSegment = k0 === this.#masks.length || this.#masks[k0]! >= toMs;
    if (oneSegment && toMs - fromMs <= SLICE_MS) {
      // Never written to: the writes in flight may share it.
      if (k0 % 2 === 1) return SILENCE.subarray(0, (toMs - fromMs) * BYTES_PER_MS);
      const at = (fromMs % 1000) * BYTES_PER_MS;
      return TONE.subarray(at, at + (toMs - fromMs) * BYTES_PER_MS);
    }
    const out = Buffer.alloc((toMs - fromMs) * BYTES_PER_MS);
    let t = fromMs;
    while (t < toMs) {
      // The segment holding t: how many mask changes are at or before it.
      let k = 0;
      while (k < this.#masks.length && this.#masks[k]! <= t) k++;
      const end = Math.min(toMs, k < this.#masks.length ? this.#masks[k]! : toMs);
      if (k % 2 === 0) {
        // Live: copy the tone, wrapping each second.
        let pos = t;
        while (pos < end) {
          const inSecond = pos % 1000;
          const n = Math.min(end - pos, SLICE_MS);
          TONE.copy(out, (pos - fromMs) * BYTES_PER_MS, inSecond * BYTES_PER_MS, (inSecond + n) * BYTES_PER_MS);
          pos += n;
        }
      }
      t = end;
    }
    return out;
  }

  /** For a bench that stops mid-call: close without waiting. */
  abandon(): void {
    if (this.#fd !== null) { try { closeSync(this.#fd); } catch { /* already closed */ } }
    this.#fd = null;
    this.#state = 'closed';
  }
}
