import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import { decideSampling } from '../../../src/policy/sampling.js';
import { lineSchema } from '../../../src/config/schema.js';
import { KeyedHasher } from '../../../src/privacy/keyed-hash.js';

const sampled = (rate: number) => lineSchema.parse({ mode: 'sampled', rate });
const draw = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });
const rate = fc.double({ min: 0, max: 1, noNaN: true });

test('a sampled line records exactly when the draw is below the rate', () => {
  fc.assert(fc.property(draw, rate, (d, r) => {
    const out = decideSampling(sampled(r), { draw: d });
    assert.equal(out.decision, d < r ? 'record' : 'skip');
  }));
});

test('an agent rate overrides the line rate', () => {
  fc.assert(fc.property(draw, rate, rate, (d, lineRate, agentRate) => {
    const out = decideSampling(sampled(lineRate), { draw: d, agentRate });
    assert.equal(out.decision, d < agentRate ? 'record' : 'skip');
    if (out.decision === 'record') assert.equal(out.reason, 'agent-rate');
  }));
});

test('rate 0 never records and rate 1 always records', () => {
  fc.assert(fc.property(draw, (d) => {
    assert.equal(decideSampling(sampled(0), { draw: d }).decision, 'skip');
    assert.equal(decideSampling(sampled(1), { draw: d }).decision, 'record');
  }));
});

test('mode decides before the draw', () => {
  const table = [
    { line: { mode: 'mandatory' }, remembered: true, want: 'record' },
    { line: { mode: 'never' }, remembered: false, want: 'skip' },
    { line: { mode: 'consent' }, remembered: false, want: 'ask' },
    { line: { mode: 'consent' }, remembered: true, want: 'skip' },
    { line: { mode: 'sampled', rate: 1 }, remembered: true, want: 'skip' },
  ] as const;
  for (const row of table) {
    fc.assert(fc.property(draw, (d) => {
      const out = decideSampling(lineSchema.parse(row.line), { draw: d, rememberedObjection: row.remembered });
      assert.equal(out.decision, row.want, JSON.stringify(row));
    }));
  }
});

test('a draw outside [0, 1) is a bug, not a decision', () => {
  for (const bad of [-0.1, 1, 1.5, Number.NaN]) {
    assert.throws(() => decideSampling(sampled(0.5), { draw: bad }), RangeError);
  }
});

test('keyed-hash draws reach the configured rate within 3 points over 1,000 calls', () => {
  // Several keys and rates: the property must hold for any key, not one lucky seed.
  for (const target of [0.2, 0.25, 0.3]) {
    for (let k = 0; k < 5; k++) {
      const hasher = new KeyedHasher(randomBytes(32));
      let recorded = 0;
      for (let i = 0; i < 1000; i++) {
        const linkedId = `${1764000000 + i}.${i * 7}`;
        if (decideSampling(sampled(target), { draw: hasher.unit('sampling', linkedId) }).decision === 'record') recorded++;
      }
      const achieved = recorded / 1000;
      assert.ok(Math.abs(achieved - target) <= 0.03, `rate ${target}: achieved ${achieved}`);
    }
  }
});

test('the same call always gets the same draw, and another key a different one', () => {
  const key = randomBytes(32);
  const a = new KeyedHasher(key).unit('sampling', '1764000000.42');
  const b = new KeyedHasher(Buffer.from(key)).unit('sampling', '1764000000.42');
  const c = new KeyedHasher(randomBytes(32)).unit('sampling', '1764000000.42');
  assert.equal(a, b);
  assert.notEqual(a, c);
  assert.ok(a >= 0 && a < 1);
});
