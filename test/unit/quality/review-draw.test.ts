import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { drawReviewQueue, periodKey, reviewDrawInput, type ReviewCandidate, type QueueItem } from '../../../src/quality/review-draw.js';
import { KeyedHasher } from '../../../src/privacy/keyed-hash.js';

const weeks: Array<[string, string, string]> = [
  ['2026-12-02', '2026-W49', '2026-12'], // a Wednesday
  ['2026-11-30', '2026-W49', '2026-11'], // its Monday, in the previous month
  ['2026-12-06', '2026-W49', '2026-12'], // its Sunday
  ['2027-01-01', '2026-W53', '2027-01'], // 2026 has 53 ISO weeks (it starts on a Thursday)
  ['2021-01-03', '2020-W53', '2021-01'],
  ['2024-12-30', '2025-W01', '2024-12'], // a Monday whose Thursday is in 2025
];
for (const [day, week, month] of weeks) {
  test(`period of ${day}: ${week}, ${month}`, () => {
    assert.equal(periodKey(day, 'week'), week);
    assert.equal(periodKey(day, 'month'), month);
  });
}
test('a day that is not a day is refused', () => {
  for (const bad of ['2026-02-30', '2026-13-01', '2026-1-1', 'today']) assert.throws(() => periodKey(bad, 'week'), RangeError, bad);
});

const agents = ['a', 'b', 'c', 'd'].map((x) => x.repeat(64));
const candidatesArb = fc.uniqueArray(fc.record({ recordingId: fc.string({ minLength: 1, maxLength: 6 }), agentHash: fc.constantFrom(...agents), draw: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }) }), { selector: (c) => c.recordingId, maxLength: 40 });
const doneArb = fc.record(Object.fromEntries(agents.map((a) => [a, fc.integer({ min: 0, max: 4 })])) as Record<string, fc.Arbitrary<number>>, { requiredKeys: [] });
const quotaArb = fc.integer({ min: 0, max: 6 });

const countBy = (q: readonly QueueItem[]) => q.reduce<Record<string, number>>((m, i) => ({ ...m, [i.agentHash]: (m[i.agentHash] ?? 0) + 1 }), {});

test('property: each agent gets min(quota - done, candidates) calls, those with the smallest draws', () => {
  fc.assert(fc.property(candidatesArb, quotaArb, doneArb, (cands, perAgent, done) => {
    const q = drawReviewQueue(cands, { perAgent, done });
    for (const agent of agents) {
      const mine = cands.filter((c) => c.agentHash === agent).sort((x, y) => x.draw - y.draw || (x.recordingId < y.recordingId ? -1 : 1));
      const want = Math.min(Math.max(0, perAgent - (done[agent] ?? 0)), mine.length);
      assert.deepEqual(q.filter((i) => i.agentHash === agent).map((i) => i.recordingId), mine.slice(0, want).map((c) => c.recordingId));
    }
  }));
});

test('property: the queue does not depend on the order candidates come in, and an agent\'s picks not on other agents\' calls', () => {
  fc.assert(fc.property(candidatesArb, quotaArb, doneArb, fc.integer(), (cands, perAgent, done, seed) => {
    const q = drawReviewQueue(cands, { perAgent, done });
    const shuffled = [...cands].sort((x, y) => ((x.recordingId.charCodeAt(0) * 7919 + seed) % 13) - ((y.recordingId.charCodeAt(0) * 7919 + seed) % 13));
    assert.deepEqual(drawReviewQueue(shuffled, { perAgent, done }), q);
    const onlyA = drawReviewQueue(cands.filter((c) => c.agentHash === agents[0]), { perAgent, done });
    assert.deepEqual(onlyA.map((i) => i.recordingId), q.filter((i) => i.agentHash === agents[0]).map((i) => i.recordingId));
  }));
});

test('property: any prefix of the queue is even: an agent is two calls ahead of another only when that one has no more picks', () => {
  fc.assert(fc.property(candidatesArb, quotaArb, doneArb, (cands, perAgent, done) => {
    const q = drawReviewQueue(cands, { perAgent, done });
    const total = countBy(q);
    for (let n = 0; n <= q.length; n++) {
      const seen = countBy(q.slice(0, n));
      for (const x of agents) for (const y of agents) {
        if ((seen[x] ?? 0) >= (seen[y] ?? 0) + 2) assert.equal(seen[y] ?? 0, total[y] ?? 0, `prefix ${n}: ${x.slice(0, 1)} ahead of ${y.slice(0, 1)}`);
      }
    }
    q.forEach((item, i) => { if (i > 0) assert.ok(item.round >= q[i - 1]!.round); });
  }));
});

test('with the keyed HMAC draw, the same key and period give the same queue; another period draws afresh', () => {
  const hasher = new KeyedHasher(Buffer.alloc(32, 7));
  const ids = Array.from({ length: 60 }, (_, i) => `20261201T0900${String(i).padStart(2, '0')}Z-0000000${i % 10}`);
  const build = (period: string): ReviewCandidate[] => ids.map((id, i) => ({ recordingId: id, agentHash: agents[i % 3]!, draw: hasher.unit('review', reviewDrawInput(period, id)) }));
  const w49 = drawReviewQueue(build('2026-W49'), { perAgent: 5, done: { [agents[1]!]: 3 } });
  assert.deepEqual(drawReviewQueue(build('2026-W49'), { perAgent: 5, done: { [agents[1]!]: 3 } }), w49);
  assert.deepEqual(countBy(w49), { [agents[0]!]: 5, [agents[1]!]: 2, [agents[2]!]: 5 });
  assert.deepEqual(w49.slice(0, 3).map((i) => i.round), [1, 1, 1]);
  assert.equal(new Set(w49.slice(0, 3).map((i) => i.agentHash)).size, 3, 'the first round covers every agent');
  const w50 = drawReviewQueue(build('2026-W50'), { perAgent: 5, done: {} });
  assert.notDeepEqual(w50.map((i) => i.recordingId).sort(), w49.map((i) => i.recordingId).sort());
  assert.notEqual(hasher.unit('review', 'x'), hasher.unit('sampling', 'x'), 'the review draw is not the sampling draw');
});

test('bad quotas and draws are bugs, refused loudly', () => {
  assert.throws(() => drawReviewQueue([], { perAgent: -1, done: {} }), RangeError);
  assert.throws(() => drawReviewQueue([{ recordingId: 'r', agentHash: agents[0]!, draw: 1 }], { perAgent: 1, done: {} }), RangeError);
});
