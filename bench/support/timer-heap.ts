/**
 * One timer for thousands of calls: a min-heap of deadlines driven by a
 * single setTimeout armed for the earliest one. The test FreeSWITCH gives
 * every channel its own 20 ms media timer; at 5,000 calls that is 250,000
 * timer callbacks a second in the bench process, which is what saturated it.
 * Here a call costs heap entries only when something happens to it.
 *
 * `manual` clocks are for tests: nothing is armed, `advance` runs what is due.
 */

export interface Timer {
  readonly at: number;
  cancelled: boolean;
}

interface Entry extends Timer {
  readonly seq: number;
  readonly fn: () => void;
}

export interface TimerClock {
  now(): number;
  /** Arms the host's timer; null for a manual clock. */
  arm: ((ms: number, fn: () => void) => { unref?(): unknown }) | null;
}

export const REAL_CLOCK: TimerClock = { now: () => performance.now(), arm: (ms, fn) => setTimeout(fn, ms) };

export class TimerHeap {
  readonly #heap: Entry[] = [];
  readonly #clock: TimerClock;
  #seq = 0;
  #armedAt = Number.POSITIVE_INFINITY;
  #armed: ReturnType<typeof setTimeout> | null = null;
  #manualNow = 0;

  constructor(clock: TimerClock | 'manual' = REAL_CLOCK) {
    this.#clock = clock === 'manual' ? { now: () => this.#manualNow, arm: null } : clock;
  }

  now(): number {
    return this.#clock.now();
  }

  get size(): number {
    return this.#heap.length;
  }

  at(at: number, fn: () => void): Timer {
    const e: Entry = { at, seq: this.#seq++, fn, cancelled: false };
    this.#push(e);
    this.#arm();
    return e;
  }

  after(ms: number, fn: () => void): Timer {
    return this.at(this.now() + Math.max(0, ms), fn);
  }

  /** Lazy: a cancelled entry stays in the heap until its time and is skipped. */
  cancel(t: Timer | null | undefined): void {
    if (t) t.cancelled = true;
  }

  /** Manual clock: moves time forward by `ms`, running everything due on the way, in deadline order. */
  advance(ms: number): void {
    const until = this.#manualNow + ms;
    for (;;) {
      const top = this.#heap[0];
      if (top === undefined || top.at > until) break;
      this.#manualNow = Math.max(this.#manualNow, top.at);
      this.#runDue();
    }
    this.#manualNow = until;
  }

  /** Drops every pending entry (the bench closing). */
  clear(): void {
    this.#heap.length = 0;
    if (this.#armed !== null) clearTimeout(this.#armed);
    this.#armed = null;
    this.#armedAt = Number.POSITIVE_INFINITY;
  }

  #runDue(): void {
    const now = this.now();
    for (;;) {
      const top = this.#heap[0];
      if (top === undefined || top.at > now) break;
      this.#pop();
      if (top.cancelled) continue;
      try {
        top.fn();
      } catch (err) {
        // A bench bug must show, not stop every other call's clock.
        console.error('bench: timer callback failed', err);
      }
    }
  }

  #arm(): void {
    const arm = this.#clock.arm;
    const top = this.#heap[0];
    if (arm === null || top === undefined || top.at >= this.#armedAt) return;
    if (this.#armed !== null) clearTimeout(this.#armed);
    this.#armedAt = top.at;
    this.#armed = arm(Math.max(0, top.at - this.now()), () => {
      this.#armed = null;
      this.#armedAt = Number.POSITIVE_INFINITY;
      this.#runDue();
      this.#arm();
    }) as ReturnType<typeof setTimeout>;
  }

  #less(a: Entry, b: Entry): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  #push(e: Entry): void {
    const h = this.#heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.#less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  #pop(): void {
    const h = this.#heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.#less(h[l]!, h[m]!)) m = l;
      if (r < h.length && this.#less(h[r]!, h[m]!)) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}
