import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { randomBytes, createHash } from 'node:crypto';
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

// Fixed keys, so the test is deterministic: with random keys, 1,000 Bernoulli
// draws at 30% leave ±3 points about 4% of the time by pure chance, and a
// suite that runs fifteen such trials would fail every other run.
const fixedKey = (k: number) => createHash('sha256').update(`callvault sampling test key ${k}`).digest();
const linkedIds = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `${1764000000 + from + i}.${(from + i) * 7}`);

function achieved(hasher: KeyedHasher, target: number, ids: string[]): number {
  let recorded = 0;
  for (const id of ids) if (decideSampling(sampled(target), { draw: hasher.unit('sampling', id) }).decision === 'record') recorded++;
  return recorded / ids.length;
}

test('keyed-hash draws reach the configured rate within 3 points over 1,000 calls', () => {
  for (const target of [0.2, 0.25, 0.3]) {
    for (let k = 0; k < 5; k++) {
      const rate = achieved(new KeyedHasher(fixedKey(k)), target, linkedIds(1000));
      assert.ok(Math.abs(rate - target) <= 0.03, `key ${k}, rate ${target}: achieved ${rate}`);
    }
  }
});

test('the draw is uniform: 200,000 calls land within half a point of every rate', () => {
  const hasher = new KeyedHasher(fixedKey(99));
  const ids = linkedIds(200_000);
  const draws = ids.map((id) => hasher.unit('sampling', id));
  for (const target of [0.05, 0.2, 0.25, 0.3, 0.5, 0.9]) {
    const rate = draws.filter((d) => d < target).length / draws.length;
    assert.ok(Math.abs(rate - target) <= 0.005, `rate ${target}: achieved ${rate}`);
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
