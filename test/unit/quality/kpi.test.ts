import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kpiStatus } from '../../../src/quality/kpi.js';

const target = { atLeast: 80, minEvaluations: 5 };
const cases: Array<[string, number | null, number, string]> = [
  ['no evaluation', null, 0, 'no-data'],
  ['two calls are no trend', 95, 2, 'too-few'],
  ['just enough, above', 82.5, 5, 'met'],
  ['exactly the target', 80, 12, 'met'],
  ['the target up to floating point', 79.99999999999999, 12, 'met'],
  ['below', 79.5, 40, 'missed'],
];
for (const [name, percent, evaluations, status] of cases) {
  test(`kpi: ${name} -> ${status}`, () => {
    assert.equal(kpiStatus({ percent, evaluations }, target).status, status);
  });
}
test('kpi: the verdict says how far and how many are missing', () => {
  assert.deepEqual(kpiStatus({ percent: 70, evaluations: 10 }, target), { status: 'missed', gap: -10 });
  assert.deepEqual(kpiStatus({ percent: 90, evaluations: 3 }, target), { status: 'too-few', evaluations: 3, needed: 5 });
});
