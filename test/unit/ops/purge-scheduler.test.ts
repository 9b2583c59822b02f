import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PurgeScheduler, nextDailyRun, type SchedulerClock } from '../../../src/ops/purge-scheduler.js';
import type { PurgeReport } from '../../../src/ops/purge.js';
import { OpsWorld } from '../../support/ops-world.js';

/** A clock whose time moves only when the test says; timers fire in order as it passes them. */
class FakeClock implements SchedulerClock {
  #now: number;
  #timers = new Map<number, { at: number; fn: () => void }>();
  #seq = 0;
  constructor(start: Date) { this.#now = start.getTime(); }
  now(): number { return this.#now; }
  setTimeout(fn: () => void, ms: number): unknown { const id = ++this.#seq; this.#timers.set(id, { at: this.#now + ms, fn }); return id; }
  clearTimeout(h: unknown): void { this.#timers.delete(h as number); }
  get pending(): number { return this.#timers.size; }
  /** Advances to `to`, firing due timers one by one and letting the promises they start settle. */
  async advanceTo(to: number): Promise<void> {
    for (;;) {
      const next = [...this.#timers.entries()].filter(([, t]) => t.at <= to).sort((a, b) => a[1].at - b[1].at)[0];
      if (next === undefined) break;
      this.#timers.delete(next[0]);
      this.#now = Math.max(this.#now, next[1].at);
      next[1].fn();
      for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
    }
    this.#now = to;
  }
}

const report = (): PurgeReport => ({ dryRun: false, purged: [], held: [], failed: [], resumed: 0, objectionsExpired: 0, evaluationsPurged: 0, calibrationsPurged: 0, aborted: false });
const local = (y: number, mo: number, d: number, h: number, mi: number) => new Date(y, mo - 1, d, h, mi);

test('nextDailyRun: later today, or tomorrow once the time has passed (local time)', () => {
  assert.deepEqual(nextDailyRun(local(2026, 11, 28, 1, 0), '03:30'), local(2026, 11, 28, 3, 30));
  assert.deepEqual(nextDailyRun(local(2026, 11, 28, 3, 30), '03:30'), local(2026, 11, 29, 3, 30));
  assert.deepEqual(nextDailyRun(local(2026, 12, 31, 23, 0), '03:30'), local(2027, 1, 1, 3, 30));
  assert.throws(() => nextDailyRun(new Date(), '25:00'), RangeError);
  assert.throws(() => new PurgeScheduler({ at: '3:30', run: async () => report() }), RangeError);
});

test('the scheduler runs once a day at ops.purgeAt, survives a failing run, and stop() ends it', async () => {
  const clock = new FakeClock(local(2026, 11, 28, 12, 0));
  const runs: number[] = [];
  let fail = true;
  const errors: unknown[] = [];
  const s = new PurgeScheduler({
    at: '03:30', clock,
    run: async () => { runs.push(clock.now()); if (fail) { fail = false; throw new Error('disk on fire'); } return report(); },
    onRun: (_r, err) => { if (err) errors.push(err); },
  });
  s.start();
  assert.deepEqual(s.nextRunAt(), local(2026, 11, 29, 3, 30));
  await clock.advanceTo(local(2026, 11, 29, 3, 29).getTime());
  assert.equal(runs.length, 0, 'not before the time');
  await clock.advanceTo(local(2026, 11, 29, 3, 31).getTime());
  assert.deepEqual(runs, [local(2026, 11, 29, 3, 30).getTime()]);
  assert.equal(errors.length, 1, 'the failure was reported');
  assert.deepEqual(s.nextRunAt(), local(2026, 11, 30, 3, 30), 'and the next day is still scheduled');
  await clock.advanceTo(local(2026, 12, 2, 12, 0).getTime());
  assert.deepEqual(runs.slice(1), [local(2026, 11, 30, 3, 30).getTime(), local(2026, 12, 1, 3, 30).getTime(), local(2026, 12, 2, 3, 30).getTime()]);
  await s.stop();
  assert.equal(s.nextRunAt(), null);
  assert.equal(clock.pending, 0, 'no timer left behind');
  await clock.advanceTo(local(2026, 12, 5, 12, 0).getTime());
  assert.equal(runs.length, 4);
});

test('a clock that jumps forward (suspend) runs the missed purge at the next check, once', async () => {
  const clock = new FakeClock(local(2026, 11, 28, 12, 0));
  let runs = 0;
  const s = new PurgeScheduler({ at: '03:30', clock, run: async () => { runs++; return report(); } });
  s.start();
  await clock.advanceTo(local(2026, 11, 28, 13, 0).getTime()); // one capped timer fired and re-armed
  assert.equal(runs, 0);
  await clock.advanceTo(local(2026, 11, 29, 9, 0).getTime());
  assert.equal(runs, 1);
  await s.stop();
});

test('stop() asks a run in progress to stop and waits for it', async () => {
  const clock = new FakeClock(local(2026, 11, 28, 3, 29));
  let sawAbort = false;
  let finished = false;
  const s = new PurgeScheduler({
    at: '03:30', clock,
    run: async (signal) => {
      while (!signal.aborted) await new Promise((r) => setTimeout(r, 5));
      sawAbort = true;
      await new Promise((r) => setTimeout(r, 20));
      finished = true;
      return report();
    },
  });
  s.start();
  await clock.advanceTo(local(2026, 11, 28, 3, 31).getTime());
  await s.stop();
  assert.ok(sawAbort);
  assert.ok(finished, 'stop() resolved only after the run ended');
});

test('PurgeScheduler.forConfig purges the deployment it is given', async () => {
  const w = OpsWorld.create();
  const index = w.open();
  const id = w.add(index, { purpose: 'quality', startedAt: new Date(Date.now() - 200 * 86_400_000) });
  index.close();
  try {
    const s = PurgeScheduler.forConfig(w.config);
    await s.runNow();
    assert.deepEqual(s.lastReport?.purged.map((p) => p.id), [id]);
    assert.deepEqual(w.filesOf(id), []);
    const check = w.open();
    assert.equal(check.listAudit().find((a) => a.action === 'purge')?.actor, 'callvault-daemon');
    check.close();
  } finally {
    w.cleanup();
  }
});

test('a missed day is caught up a few minutes after start; a recent run is not repeated', async () => {
  const clock = new FakeClock(local(2026, 11, 28, 9, 0));
  let runs = 0;
  const stale = new PurgeScheduler({ at: '03:30', clock, lastRunAt: () => local(2026, 11, 26, 3, 30), catchUpDelayMs: 300_000, run: async () => { runs++; return report(); } });
  stale.start();
  assert.deepEqual(stale.nextRunAt(), local(2026, 11, 28, 9, 5));
  await clock.advanceTo(local(2026, 11, 28, 9, 6).getTime());
  assert.equal(runs, 1);
  assert.deepEqual(stale.nextRunAt(), local(2026, 11, 29, 3, 30), 'then back to the daily time');
  await stale.stop();

  const fresh = new PurgeScheduler({ at: '03:30', clock, lastRunAt: () => local(2026, 11, 28, 3, 30), run: async () => { runs++; return report(); } });
  fresh.start();
  assert.deepEqual(fresh.nextRunAt(), local(2026, 11, 29, 3, 30));
  await fresh.stop();

  const never = new PurgeScheduler({ at: '03:30', clock, lastRunAt: () => null, run: async () => report() });
  never.start();
  assert.deepEqual(never.nextRunAt(), local(2026, 11, 28, 9, 11), 'no record of a purge: catch up too');
  await never.stop();
});

test('forConfig records each completed run, so a restart does not purge twice', async () => {
  const w = OpsWorld.create();
  w.open().close();
  try {
    const clock = new FakeClock(local(2026, 11, 28, 9, 0));
    const s = PurgeScheduler.forConfig(w.config, { clock });
    s.start();
    assert.deepEqual(s.nextRunAt(), local(2026, 11, 28, 9, 5), 'first start: no record yet');
    await s.runNow();
    await s.stop();
    const again = PurgeScheduler.forConfig(w.config, { clock });
    again.start();
    assert.deepEqual(again.nextRunAt(), local(2026, 11, 29, 3, 30));
    await again.stop();
  } finally {
    w.cleanup();
  }
});
