import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { retentionDeadline, purgeDecision, RETENTION_CEILING_DAYS } from '../../../src/policy/retention.js';
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
