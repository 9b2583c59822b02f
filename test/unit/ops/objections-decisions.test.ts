import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OpsWorld } from '../../support/ops-world.js';
import { ObjectionRegister, purgeExpiredObjections } from '../../../src/index/objection-register.js';
import { DecisionTally, lineRates, localDay, recordDecision } from '../../../src/index/decision-log.js';

const DAY = 86_400_000;

test('objections: remembered by keyed hash until they expire, renewed when the caller objects again, then purged', () => {
  const w = OpsWorld.create();
  let now = new Date('2026-11-28T12:00:00Z');
  const reg = ObjectionRegister.open(w.layout.indexPath, { retentionDays: 30, now: () => now });
  try {
    const h = w.hasher.hex('objection', '+33612345678');
    const other = w.hasher.hex('objection', '+33612345679');
    assert.equal(reg.has(h), false);
    reg.remember(h);
    assert.equal(reg.has(h), true);
    assert.equal(reg.has(other), false);
    assert.equal(reg.expiresAt(h), new Date(now.getTime() + 30 * DAY).toISOString());
    now = new Date(now.getTime() + 20 * DAY);
    reg.remember(h); // objected again: the period restarts
    now = new Date(now.getTime() + 20 * DAY);
    assert.equal(reg.has(h), true, 'renewed 20 days ago, 30-day period');
    now = new Date(now.getTime() + 11 * DAY);
    assert.equal(reg.has(h), false, 'expired entries are not honoured, even before the purge');
    assert.equal(reg.count(), 0);
    assert.equal(reg.purgeExpired(), 1);
    const other2 = w.open();
    assert.equal(purgeExpiredObjections(other2.db, now), 0);
    other2.close();
    assert.throws(() => reg.remember('+33612345678'), RangeError, 'a number in clear is refused');
    assert.equal(reg.has('not-a-hash'), false);
    const raw = w.open();
    assert.equal((raw.db.prepare('SELECT COUNT(*) AS n FROM objections').get() as { n: number }).n, 0);
    raw.close();
  } finally {
    reg.close();
    w.cleanup();
  }
});

test('a 25% line read among eligible calls: early hang-ups and remembered objectors are out, objectors in, beside the objection rate', () => {
  const w = OpsWorld.create();
  const index = w.open();
  try {
    const at = new Date(2026, 10, 28, 10, 0);
    // 1000 calls offered: 200 hang up during the notice, 40 objected before and are remembered;
    // of the 760 left the draw picks 190 (25%), 38 of whom press 9.
    const counts: Array<[decision: 'record' | 'skip', reason: string, n: number]> = [
      ['skip', 'caller-hung-up', 200], ['skip', 'remembered-objection', 40], ['record', 'sampled', 152], ['skip', 'objected', 38], ['skip', 'not-sampled', 570],
    ];
    for (const [decision, reason, n] of counts) recordDecision(index.db, { at, line: 'support', decision, reason }, n);
    const [r] = lineRates(index.db, '2026-11-28', '2026-11-28');
    assert.equal(r!.achieved, 0.152, 'of all offered calls: far under the target');
    assert.equal(r!.eligible, 760);
    assert.equal(r!.achievedEligible, 152 / 760, 'recorded among eligible: the target less the objectors');
    assert.equal(r!.objectionRate, 0.2);
    assert.ok(Math.abs((r!.recorded + r!.objected) / r!.eligible - 0.25) < 1e-9, 'recorded plus objectors among eligible is the draw rate');
  } finally {
    index.close();
    w.cleanup();
  }
});

test('recordDecision and DecisionTally count calls per local day, line and decision; lineRates gives the achieved rate', () => {
  const w = OpsWorld.create();
  const index = w.open();
  try {
    const at = new Date(2026, 10, 28, 10, 0); // local
    for (let i = 0; i < 3; i++) recordDecision(index.db, { at, line: 'support', decision: 'record', reason: 'sampled' });
    recordDecision(index.db, { at, line: 'support', decision: 'skip', reason: 'not-sampled' }, 7);
    const tally = new DecisionTally(index.db, { flushEveryMs: 0 });
    for (let i = 0; i < 5; i++) tally.add({ at, line: 'support', decision: 'skip', reason: 'objected' });
    tally.add({ at: new Date(2026, 10, 27, 23, 59), line: 'insurance', decision: 'record', reason: 'mandatory' });
    assert.deepEqual(lineRates(index.db, '2026-11-28', '2026-11-28'), [{ line: 'support', offered: 10, recorded: 3, achieved: 0.3, eligible: 10, objected: 0, achievedEligible: 0.3, objectionRate: 0 }], 'buffered counts are not written yet');
    tally.close();
    assert.deepEqual(lineRates(index.db, '2026-11-28', '2026-11-28'), [{ line: 'support', offered: 15, recorded: 3, achieved: 0.2, eligible: 15, objected: 5, achievedEligible: 0.2, objectionRate: 5 / 8 }]);
    assert.deepEqual(lineRates(index.db, '2026-11-27', '2026-11-28'), [
      { line: 'insurance', offered: 1, recorded: 1, achieved: 1, eligible: 1, objected: 0, achievedEligible: 1, objectionRate: 0 },
      { line: 'support', offered: 15, recorded: 3, achieved: 0.2, eligible: 15, objected: 5, achievedEligible: 0.2, objectionRate: 5 / 8 },
    ]);
    assert.equal(localDay(at), '2026-11-28');
    assert.throws(() => recordDecision(index.db, { at, line: 'x', decision: 'record', reason: 'sampled' }, -1), RangeError);
  } finally {
    index.close();
    w.cleanup();
  }
});

test('lineRates: a call not sampled at entry and recorded at the agent\'s answer counts once as offered and once as recorded', () => {
  const w = OpsWorld.create();
  const index = w.open();
  try {
    const at = new Date(2026, 11, 2, 10, 0);
    // 10 helpdesk calls: 2 drawn at entry, 8 not; 3 of those 8 answered by a trainee (rate 1.0).
    recordDecision(index.db, { at, line: 'helpdesk', decision: 'record', reason: 'sampled' }, 2);
    recordDecision(index.db, { at, line: 'helpdesk', decision: 'skip', reason: 'not-sampled' }, 8);
    const tally = new DecisionTally(index.db, { flushEveryMs: 0 });
    for (let i = 0; i < 3; i++) tally.add({ at, line: 'helpdesk', decision: 'record-at-answer', reason: 'agent-rate' });
    tally.close();
    assert.deepEqual(lineRates(index.db, '2026-12-02', '2026-12-02'), [{ line: 'helpdesk', offered: 10, recorded: 5, achieved: 0.5, eligible: 10, objected: 0, achievedEligible: 0.5, objectionRate: 0 }]);
  } finally {
    index.close();
    w.cleanup();
  }
});
