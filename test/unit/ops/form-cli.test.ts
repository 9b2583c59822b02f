/**
 * `callvault form list|export|import` on a real index, and the console's
 * forms page through the real routes: export of the built-in form, import of
 * an edit (in place while unused, the next version once used), the same
 * content again changes nothing, a bad file is refused whole with its
 * problems and writes nothing; in the console the text comes back as typed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OpsWorld } from '../../support/ops-world.js';
import { ConsoleWorld } from '../../support/console-world.js';
import { createEvaluation, listForms } from '../../../src/index/quality-store.js';

test('form export, import and list: versions follow use, bad files write nothing', async () => {
  const w = OpsWorld.create();
  try {
    w.open().close(); // the index the daemon makes at its first archive
    const exported = join(w.dir, 'default.json');
    const ex = await w.cli('form', 'export', 'default', '-o', exported);
    assert.equal(ex.code, 0, ex.stderr);
    const form = JSON.parse(readFileSync(exported, 'utf8'));
    assert.equal(form.format, 'callvault-form/1');
    assert.equal(form.version, 1);

    const again = await w.cli('form', 'import', exported);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /form default: unchanged \(same content as version 1\)/);

    // An edit while nobody used version 1: replaced in place.
    form.sections[0].weight = 30;
    writeFileSync(exported, JSON.stringify(form));
    assert.match((await w.cli('form', 'import', exported)).stdout, /version 1 replaced/);

    // Once an evaluation used it, an edit is the next version; version 1 stays.
    const index = w.open();
    const rec = w.add(index, {});
    assert.deepEqual(createEvaluation(index.db, { id: 'ev-1', recordingId: rec, form: { id: 'default', version: 1 }, evaluator: 'eve', now: new Date() }), { created: true });
    index.close();
    form.passMark = 75;
    writeFileSync(exported, JSON.stringify(form));
    const next = await w.cli('form', 'import', exported, '--json');
    assert.deepEqual(JSON.parse(next.stdout), { form: 'default', version: 2, action: 'new-version' });
    const v1 = JSON.parse((await w.cli('form', 'export', 'default', '--form-version', '1')).stdout);
    assert.equal(v1.passMark, 80, 'the used version kept its pass mark');
    assert.equal(v1.sections[0].weight, 30);

    // A bad file: every problem named, exit non-zero, nothing written.
    form.sections[1].weight = 0;
    writeFileSync(exported, JSON.stringify(form));
    const bad = await w.cli('form', 'import', exported);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /is not valid: sections\.1\.weight: must be greater than 0/);
    writeFileSync(exported, '{ "format": ');
    const notJson = await w.cli('form', 'import', exported);
    assert.notEqual(notJson.code, 0);
    assert.match(notJson.stderr, /is not valid JSON/);
    const missing = await w.cli('form', 'export', 'nope');
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /no evaluation form nope/);

    const list = JSON.parse((await w.cli('form', 'list', '--json')).stdout) as { forms: Array<{ id: string; versions: Array<{ version: number; firstUsedAt: string | null }> }> };
    assert.deepEqual(list.forms.map((f) => [f.id, f.versions.map((v) => [v.version, v.firstUsedAt !== null])]), [['default', [[2, false], [1, true]]]]);
  } finally {
    w.cleanup();
  }
});

test('the console forms page: a qa user downloads, edits and saves; a bad text is refused with its problems and kept as typed', async () => {
  const w = await ConsoleWorld.create();
  try {
    await w.addUser('quinn', 'qa', { purposes: ['quality'] });
    const b = await w.signIn('quinn');
    const page = await w.request(b, 'GET', '/quality/forms');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<textarea id="form-json" name="json"/);
    const dl = await w.request(b, 'GET', '/quality/forms/default/1');
    assert.equal(dl.statusCode, 200);
    assert.match(String(dl.headers['content-disposition']), /attachment; filename="default-v1.json"/);
    const form = dl.json();

    const sales = { ...form, id: 'sales-2027', title: { fr: 'Ventes 2027', en: 'Sales 2027' } };
    const saved = await w.request(b, 'POST', '/quality/forms', { form: { json: JSON.stringify(sales) } });
    assert.equal(saved.statusCode, 303);
    assert.equal(saved.headers.location, '/quality/forms?saved=sales-2027&version=1&plan=create');
    assert.match((await w.request(b, 'GET', String(saved.headers.location))).body, /Form sales-2027 created as version 1\./);
    assert.deepEqual(listForms(w.index.db).map((f) => f.id), ['default', 'sales-2027']);

    const typed = JSON.stringify({ ...sales, passMark: 150 });
    const bad = await w.request(b, 'POST', '/quality/forms', { form: { json: typed } });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /passMark/);
    const textarea = /<textarea id="form-json"[^>]*>([^<]*)<\/textarea>/.exec(bad.body)![1]!;
    const unescaped = textarea.replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n))).replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
    assert.equal(unescaped, typed, 'the text comes back as typed');
    assert.equal(listForms(w.index.db).find((f) => f.id === 'sales-2027')!.versions.length, 1, 'nothing saved');

    // The recording page offers the choice of form once there are two.
    const rec = w.ops.add(w.index, { purpose: 'quality', line: 'support' });
    assert.match((await w.request(b, 'GET', `/recordings/${rec}`)).body, /<select id="evaluation-form-id" name="form"><option value="default" selected>default<\/option><option value="sales-2027">/);
    const started = await w.request(b, 'POST', `/recordings/${rec}/evaluations`, { form: { form: 'sales-2027' } });
    assert.equal(started.statusCode, 303);
    assert.match((await w.request(b, 'GET', String(started.headers.location))).body, /Sales 2027 \(v1\)/);
  } finally {
    await w.close();
  }
});
