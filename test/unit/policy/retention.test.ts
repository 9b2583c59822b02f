import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { retentionDeadline, purgeDecision, RETENTION_CEILING_DAYS, evaluationDeadline, evaluationPurgeDecision, EVALUATION_RETENTION_CEILING_DAYS } from '../../../src/policy/retention.js';
import { PURPOSES } from '../../../src/policy/purpose.js';

const DAY = 86_400_000;
const date = fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2040, 0, 1) }).map((t) => new Date(t));
const purpose = fc.constantFrom(...PURPOSES);

test('the deadline never exceeds the CNIL ceiling for the purpose, whatever the config says', () => {
  fc.assert(fc.property(purpose, date, fc.integer({ min: 1, max: 10_000 }), (p, ended, days) => {
    const cfg = { quality: days, training: days, analysis: days, contract: days, regulatory: days };
    const deadline = retentionDeadline(p, ended, cfg);
    assert.ok(deadline.getTime() - ended.getTime() <= RETENTION_CEILING_DAYS[p] * DAY);
    assert.ok(deadline.getTime() > ended.getTime());
  }));
});

test('quality recordings go after 6 months, contract proof after 5 years', () => {
  const ended = new Date('2026-01-01T00:00:00Z');
  const cfg = { quality: 183, training: 183, analysis: 366, contract: 1827, regulatory: 2557 };
  assert.equal(retentionDeadline('quality', ended, cfg).toISOString(), '2026-07-03T00:00:00.000Z');
  assert.equal(retentionDeadline('contract', ended, cfg).toISOString(), '2031-01-02T00:00:00.000Z');
});

test('a held recording is never purged', () => {
  fc.assert(fc.property(purpose, date, date, fc.integer({ min: 1, max: 5 }), fc.option(date), (p, deadline, now, holds, proof) => {
    assert.deepEqual(purgeDecision({ purpose: p, deadline, holds, proofReceivedAt: proof }, now), { decision: 'keep', reason: 'legal-hold' });
  }));
});

test('without a hold, purge exactly when the deadline has passed (or contract proof arrived)', () => {
  fc.assert(fc.property(purpose, date, date, (p, deadline, now) => {
    const d = purgeDecision({ purpose: p, deadline, holds: 0 }, now);
    assert.equal(d.decision, now.getTime() >= deadline.getTime() ? 'purge' : 'keep');
  }));
  const now = new Date('2027-01-01T00:00:00Z');
  const far = new Date('2030-01-01T00:00:00Z');
  assert.deepEqual(purgeDecision({ purpose: 'contract', deadline: far, holds: 0, proofReceivedAt: new Date('2026-12-01T00:00:00Z') }, now), { decision: 'purge', reason: 'proof-received' });
  assert.deepEqual(purgeDecision({ purpose: 'quality', deadline: far, holds: 0, proofReceivedAt: new Date('2026-12-01T00:00:00Z') }, now), { decision: 'keep', reason: 'within-retention' });
});

test('an evaluation is kept at most one year from its creation, whatever the setting asks', () => {
  fc.assert(fc.property(date, fc.integer({ min: 1, max: 10_000 }), (created, days) => {
    const deadline = evaluationDeadline(created, days);
    assert.equal(deadline.getTime() - created.getTime(), Math.min(days, 366) * DAY);
  }));
  assert.equal(evaluationDeadline(new Date('2026-03-01T09:00:00Z')).toISOString(), '2027-03-02T09:00:00.000Z');
  assert.equal(EVALUATION_RETENTION_CEILING_DAYS, 366);
  assert.throws(() => evaluationDeadline(new Date(), 0), RangeError);
});

test('an evaluation goes when its year is over unless its recording is held, independently of the audio', () => {
  fc.assert(fc.property(date, date, fc.integer({ min: 0, max: 3 }), (deadline, now, holds) => {
    const d = evaluationPurgeDecision({ deadline, holds }, now);
    if (holds > 0) assert.deepEqual(d, { decision: 'keep', reason: 'legal-hold' });
    else assert.equal(d.decision, now.getTime() >= deadline.getTime() ? 'purge' : 'keep');
  }));
  // Audio of a quality call goes after 183 days; its evaluation, made a week after the call, stays to day 373.
  const call = new Date('2026-01-01T00:00:00Z');
  const evaluated = new Date(call.getTime() + 7 * DAY);
  const day200 = new Date(call.getTime() + 200 * DAY);
  const cfg = { quality: 183, training: 183, analysis: 366, contract: 1827, regulatory: 2557 };
  assert.equal(purgeDecision({ purpose: 'quality', deadline: retentionDeadline('quality', call, cfg), holds: 0 }, day200).decision, 'purge');
  assert.deepEqual(evaluationPurgeDecision({ deadline: evaluationDeadline(evaluated), holds: 0 }, day200), { decision: 'keep', reason: 'within-retention' });
  assert.deepEqual(evaluationPurgeDecision({ deadline: evaluationDeadline(evaluated), holds: 0 }, new Date(call.getTime() + 373 * DAY)), { decision: 'purge', reason: 'retention-expired' });
});
