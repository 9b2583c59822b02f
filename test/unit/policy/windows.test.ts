import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { insideWindows, localTime, combinedSpans, weeklySpans, formatMinute } from '../../../src/policy/windows.js';
import { WEEK_DAYS, windowSchema, type RecordingWindow } from '../../../src/config/schema.js';

const office: RecordingWindow[] = [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '08:00', to: '18:00' }];

test('localTime follows the zone and its daylight saving time', () => {
  const table: Array<[string, string, string, number]> = [
    ['2026-12-02T07:30:00Z', 'Europe/Paris', 'wed', 8 * 60 + 30],   // winter: UTC+1
    ['2026-07-01T06:30:00Z', 'Europe/Paris', 'wed', 8 * 60 + 30],   // summer: UTC+2
    ['2026-03-29T00:59:00Z', 'Europe/Paris', 'sun', 1 * 60 + 59],   // just before the spring jump
    ['2026-03-29T01:00:00Z', 'Europe/Paris', 'sun', 3 * 60],        // 02:00 does not exist
    ['2026-12-06T23:30:00Z', 'Europe/Paris', 'mon', 30],            // UTC Sunday, Paris Monday
    ['2026-12-02T07:30:00Z', 'America/Martinique', 'wed', 3 * 60 + 30],
  ];
  for (const [iso, tz, day, minute] of table) assert.deepEqual(localTime(new Date(iso), tz), { day, minute }, `${iso} ${tz}`);
});

test('office hours: table of instants', () => {
  const table: Array<[string, boolean]> = [
    ['2026-12-02T06:59:00Z', false], // Wed 07:59 Paris
    ['2026-12-02T07:00:00Z', true],  // Wed 08:00: from is inclusive
    ['2026-12-02T16:59:00Z', true],  // Wed 17:59
    ['2026-12-02T17:00:00Z', false], // Wed 18:00: to is exclusive
    ['2026-12-05T10:00:00Z', false], // Saturday
    ['2026-07-01T06:00:00Z', true],  // summer Wed 08:00
  ];
  for (const [iso, want] of table) assert.equal(insideWindows([office], new Date(iso), 'Europe/Paris'), want, iso);
});

const windowArb = fc.record({
  days: fc.uniqueArray(fc.constantFrom(...WEEK_DAYS), { minLength: 1 }),
  a: fc.integer({ min: 0, max: 24 * 60 }),
  b: fc.integer({ min: 0, max: 24 * 60 }),
}).filter((w) => w.a !== w.b).map((w) => windowSchema.parse({ days: w.days, from: formatMinute(Math.min(w.a, w.b)), to: formatMinute(Math.max(w.a, w.b)) }));
const listArb = fc.option(fc.array(windowArb, { minLength: 1, maxLength: 4 }), { nil: undefined });
const instant = fc.date({ min: new Date('2025-01-01T00:00:00Z'), max: new Date('2028-12-31T00:00:00Z'), noInvalidDate: true });
const zone = fc.constantFrom('Europe/Paris', 'UTC', 'America/New_York', 'Asia/Kolkata');

/** The definition, written the naive way: some window lists the day and holds the minute. */
function naive(list: readonly RecordingWindow[] | undefined, at: Date, tz: string): boolean {
  if (list === undefined) return true;
  const { day, minute } = localTime(at, tz);
  const m = (s: string) => Number(s.slice(0, 2)) * 60 + Number(s.slice(3));
  return list.some((w) => w.days.includes(day) && minute >= m(w.from) && minute < m(w.to));
}

test('insideWindows agrees with the naive definition, and lists intersect', () => {
  fc.assert(fc.property(listArb, listArb, instant, zone, (a, b, at, tz) => {
    assert.equal(insideWindows([a], at, tz), naive(a, at, tz));
    assert.equal(insideWindows([a, b], at, tz), naive(a, at, tz) && naive(b, at, tz));
  }));
});

test('no windows means always; combined spans are sorted, disjoint and within the day', () => {
  fc.assert(fc.property(instant, zone, (at, tz) => assert.equal(insideWindows([undefined, undefined], at, tz), true)));
  fc.assert(fc.property(listArb, listArb, (a, b) => {
    const spans = combinedSpans([a, b]);
    for (const d of WEEK_DAYS) {
      let last = -1;
      for (const [from, to] of spans[d]) {
        assert.ok(from > last && from < to && to <= 1440, JSON.stringify(spans[d]));
        last = to;
      }
    }
  }));
  assert.deepEqual(weeklySpans(undefined).sun, [[0, 1440]]);
});
