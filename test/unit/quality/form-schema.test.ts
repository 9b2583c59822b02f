import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_FORM } from '../../../src/quality/default-form.js';
import { formJsonProblems, formToJson, parseFormJson, FORM_FORMAT } from '../../../src/quality/form-schema.js';
import { formProblems, questionsOf } from '../../../src/quality/form.js';
import { CallvaultError } from '../../../src/errors.js';

const exported = () => JSON.parse(formToJson(DEFAULT_FORM)) as Record<string, any>;

test('the default form is sound and has the guide\'s four sections in French and English', () => {
  assert.deepEqual(formProblems(DEFAULT_FORM), []);
  assert.deepEqual(DEFAULT_FORM.sections.map((s) => s.id), ['procedures', 'accuracy', 'collection', 'relationship']);
  assert.equal(DEFAULT_FORM.sections[3]!.label.en, 'Quality of the relationship with the customer');
  assert.equal(DEFAULT_FORM.sections[0]!.label.fr, 'Respect des procédures');
  for (const { question } of questionsOf(DEFAULT_FORM)) {
    assert.ok(question.label.fr.length > 0 && question.label.en.length > 0 && question.label.fr !== question.label.en, question.id);
  }
  const severities = questionsOf(DEFAULT_FORM).map((q) => q.question.severity);
  assert.ok(severities.includes('fatal') && severities.includes('critical'));
});

test('export then import gives the same form back, and exporting twice gives the same bytes', () => {
  const json = formToJson(DEFAULT_FORM);
  assert.equal(JSON.parse(json).format, FORM_FORMAT);
  const back = parseFormJson(json, 'default.json');
  assert.deepEqual(back, DEFAULT_FORM);
  assert.equal(formToJson(back), json);
});

// Each bad file names the path of its mistake.
const bad: Array<[string, (f: Record<string, any>) => void, RegExp]> = [
  ['no format marker', (f) => { delete f.format; }, /^format: is required$/],
  ['another format', (f) => { f.format = 'callvault-form/9'; }, /^format: must be "callvault-form\/1"$/],
  ['a zero section weight', (f) => { f.sections[1].weight = 0; }, /^sections\.1\.weight: must be greater than 0$/],
  ['a weight given as text', (f) => { f.sections[0].questions[2].weight = '2'; }, /^sections\.0\.questions\.2\.weight: must be a number$/],
  ['an unknown kind', (f) => { f.sections[0].questions[0].kind = 'stars'; }, /^sections\.0\.questions\.0\.kind: kind must be 'yes-no', 'scale' or 'choice'$/],
  ['a missing English label', (f) => { delete f.sections[2].questions[0].label.en; }, /^sections\.2\.questions\.0\.label\.en: is required$/],
  ['an unknown key', (f) => { f.sections[0].questions[0].mandatory = true; }, /^sections\.0\.questions\.0: unknown key 'mandatory'$/],
  ['a wrong N/A rule', (f) => { f.sections[0].questions[0].na = true; }, /^sections\.0\.questions\.0\.na: must be 'allowed' or 'forbidden'$/],
  ['an empty section', (f) => { f.sections[3].questions = []; }, /^sections\.3\.questions: a section needs at least one question$/],
  ['an id with spaces', (f) => { f.sections[0].id = 'Following procedures'; }, /^sections\.0\.id: must be 1-64 lowercase/],
  ['a question id used twice', (f) => { f.sections[1].questions[0].id = 'greeting'; }, /^sections\.1\.questions\.0\.id: question id 'greeting' is used twice in the form$/],
  ['a scale upside down', (f) => { Object.assign(f.sections[2].questions[0], { min: 5, max: 3 }); }, /^sections\.2\.questions\.0\.max: max \(3\) must be greater than min \(5\)$/],
  ['a choice no option can pass', (f) => { f.sections[1].questions[0].options[0].points = 0.9; }, /^sections\.1\.questions\.0\.options: no option reaches passAt \(1\)/],
  ['an option worth more than the question', (f) => { f.sections[1].questions[0].options[0].points = 2; }, /^sections\.1\.questions\.0\.options\.0\.points: must be at most 1$/],
  ['a pass mark above 100', (f) => { f.passMark = 120; }, /^passMark: must be at most 100$/],
];

for (const [name, spoil, expected] of bad) {
  test(`import refuses ${name}, naming the path`, () => {
    const f = exported();
    spoil(f);
    const r = formJsonProblems(f);
    assert.equal(r.form, null);
    assert.ok(r.problems.some((p) => expected.test(p)), `got: ${r.problems.join(' | ')}`);
  });
}

test('a file that is not JSON, or not a form, is an error with a code, the file name and every problem', () => {
  assert.throws(() => parseFormJson('{"format": ', 'x.json'), (err: unknown) => err instanceof CallvaultError && err.code === 'CV_ERR_QUALITY_FORM_PARSE' && /x\.json/.test(err.message) && err.cause instanceof SyntaxError);
  const f = exported();
  f.sections[0].weight = -1;
  f.passMark = 'high';
  assert.throws(() => parseFormJson(JSON.stringify(f), 'y.json'), (err: unknown) => err instanceof CallvaultError && err.code === 'CV_ERR_QUALITY_FORM_INVALID'
    && /y\.json/.test(err.message) && /sections\.0\.weight: must be greater than 0/.test(err.message) && /passMark: must be a number/.test(err.message));
});
