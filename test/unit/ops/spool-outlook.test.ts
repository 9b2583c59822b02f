import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { spoolOutlook, type SpoolSample } from '../../../src/ops/spool-outlook.js';

const MIN = 60_000;
const HOUR = 3_600_000;
const GB = 1e9;

/** Samples every 30 s for `minutes`, each field a linear function of the time in hours. */
function series(minutes: number, f: { files?: (h: number) => number; audioH: (h: number) => number; archivedH?: (h: number) => number; freeGB?: (h: number) => number }): SpoolSample[] {
  const out: SpoolSample[] = [];
  for (let t = 0; t <= minutes * MIN; t += 30_000) {
    const h = t / HOUR;
    out.push({
      atMs: 1_000_000 + t, files: Math.round(f.files?.(h) ?? f.audioH(h) * 20), audioSeconds: f.audioH(h) * 3600,
      archivedAudioSeconds: (f.archivedH?.(h) ?? 0) * 3600, freeBytes: (f.freeGB?.(h) ?? 100) * GB,
    });
  }
  return out;
}

const cases = [
  { name: 'empty spool', samples: series(10, { files: () => 0, audioH: () => 0 }), drain: 'empty', disk: 'not-filling', warnings: 0 },
  { name: 'one sample: measuring', samples: series(0, { audioH: () => 5 }), drain: 'measuring', disk: 'measuring', warnings: 0 },
  { name: 'under a minute of history: measuring', samples: series(0.5, { audioH: (h) => 5 + h }), drain: 'measuring', disk: 'measuring', warnings: 0 },
  // 10 audio hours waiting, shrinking by 4 per hour: 2.5 h to go.
  { name: 'draining', samples: series(10, { audioH: (h) => 10 + 4 * (10 / 60) - 4 * h, archivedH: (h) => 50 * h }), drain: 'draining', hours: 2.5, disk: 'not-filling', warnings: 0 },
  // Peak: +100 audio h/h into the spool, archiving 400 h/h; with no new calls the backlog drains in backlog/400 h.
  { name: 'growing at peak, drains off-peak', samples: series(10, { audioH: (h) => 50 + 100 * h, archivedH: (h) => 400 * h }), drain: 'growing', offPeakHours: (50 + 100 / 6) / 400, disk: 'not-filling', warnings: 0 },
  { name: 'growing and nothing archived', samples: series(10, { audioH: (h) => 50 + 100 * h }), drain: 'growing', offPeakHours: null, disk: 'not-filling', warnings: 1 },
  { name: 'growing, off-peak drain over 12 h', samples: series(10, { audioH: (h) => 5000 + 100 * h, archivedH: (h) => 100 * h }), drain: 'growing', offPeakHours: (5000 + 100 / 6) / 100, disk: 'not-filling', warnings: 1 },
  { name: 'steady backlog', samples: series(10, { audioH: () => 3, archivedH: (h) => 100 * h }), drain: 'steady', offPeakHours: 3 / 100, disk: 'not-filling', warnings: 0 },
  // 2 GB free, losing 1 GB/h: 2 h left (from the last sample, which has lost 1/6 GB).
  { name: 'disk filling fast: warns', samples: series(10, { audioH: () => 3, archivedH: (h) => 100 * h, freeGB: (h) => 2 - h }), drain: 'steady', disk: 'filling', hoursLeft: (2 - 1 / 6), warnings: 1 },
  { name: 'disk filling slowly: no warning', samples: series(10, { audioH: () => 3, archivedH: (h) => 100 * h, freeGB: (h) => 100 - h }), drain: 'steady', disk: 'filling', hoursLeft: 100 - 1 / 6, warnings: 0 },
] as const;

for (const c of cases) {
  test(`spoolOutlook: ${c.name}`, () => {
    const o = spoolOutlook(c.samples);
    assert.equal(o.drain.kind, c.drain);
    assert.equal(o.disk.kind, c.disk);
    assert.equal(o.warnings.length, c.warnings, o.warnings.join('; '));
    if ('hours' in c) assert.ok(o.drain.kind === 'draining' && Math.abs(o.drain.hours - c.hours) < 0.01, JSON.stringify(o.drain));
    if ('offPeakHours' in c) {
      assert.ok(o.drain.kind === 'growing' || o.drain.kind === 'steady');
      const got = o.drain.ifNoNewCallsHours;
      if (c.offPeakHours === null) assert.equal(got, null);
      else assert.ok(got !== null && Math.abs(got - c.offPeakHours) < 0.01, `${got} vs ${c.offPeakHours}`);
    }
    if ('hoursLeft' in c) assert.ok(o.disk.kind === 'filling' && Math.abs(o.disk.hoursLeft - c.hoursLeft) < 0.01, JSON.stringify(o.disk));
  });
}

test('spoolOutlook: samples outside the window do not count', () => {
  // An hour of growth long ago, then 15 min flat: steady now.
  const old = series(60, { audioH: (h) => 10 * h }).map((s) => ({ ...s, atMs: s.atMs - 2 * HOUR }));
  const recent = series(15, { audioH: () => 10 });
  assert.equal(spoolOutlook([...old, ...recent]).drain.kind, 'steady');
});

test('spoolOutlook: a linear backlog gives back its slope, in any sample order', () => {
  fc.assert(fc.property(
    fc.double({ min: -50, max: 50, noNaN: true }), fc.double({ min: 100, max: 1000, noNaN: true }), fc.integer({ min: 2, max: 14 }),
    (rate, start, minutes) => {
      const s = series(minutes, { audioH: (h) => start + rate * h });
      const o = spoolOutlook([...s].reverse());
      return o.growthAudioHoursPerHour !== null && Math.abs(o.growthAudioHoursPerHour - rate) < 0.01;
    },
  ));
});

test('spoolOutlook: no samples is a programming error', () => {
  assert.throws(() => spoolOutlook([]), RangeError);
});
