import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_FORM } from '../../../src/quality/default-form.js';
import { formDigest, planFormSave, type LatestVersion } from '../../../src/quality/form-versioning.js';
import type { EvaluationForm } from '../../../src/quality/form.js';

const heavierAccuracy: EvaluationForm = { ...DEFAULT_FORM, sections: DEFAULT_FORM.sections.map((s) => (s.id === 'accuracy' ? { ...s, weight: 40 } : s)) };
const d1 = formDigest(DEFAULT_FORM);

test('the digest ignores the version number and sees any change of content', () => {
  assert.equal(formDigest({ ...DEFAULT_FORM, version: 7 }), d1);
  assert.notEqual(formDigest(heavierAccuracy), d1);
  assert.notEqual(formDigest({ ...DEFAULT_FORM, title: { ...DEFAULT_FORM.title, en: 'Call quality' } }), d1);
  assert.match(d1, /^[0-9a-f]{64}$/);
});

const cases: Array<[string, LatestVersion | null, EvaluationForm, string, number]> = [
  ['a new form starts at version 1, whatever the file says', null, { ...DEFAULT_FORM, version: 4 }, 'create', 1],
  ['saving the same content changes nothing', { version: 3, digest: d1, use: 'used' }, { ...DEFAULT_FORM, version: 9 }, 'unchanged', 3],
  ['an unused version is replaced in place', { version: 2, digest: d1, use: 'unused' }, heavierAccuracy, 'replace', 2],
  ['a used version is never changed: editing makes the next one', { version: 2, digest: d1, use: 'used' }, heavierAccuracy, 'new-version', 3],
];
for (const [name, latest, edited, action, version] of cases) {
  test(name, () => {
    const plan = planFormSave(latest, edited);
    assert.equal(plan.action, action);
    assert.equal(plan.action === 'unchanged' ? plan.version : plan.form.version, version);
  });
}
