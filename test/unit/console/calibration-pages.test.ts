/**
 * Calibration through the real routes, store and index: a lead opens a
 * session on a call, two evaluators score it blind (neither sees another's
 * answers while it is open), submitted answers are final, only the lead
 * closes and only once their reference and another entry are in; the report
 * gives each evaluator's deviation per question; the session is an analysis
 * document purged after its year unless the recording is held.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConsoleWorld } from '../../support/console-world.js';
import { DEFAULT_FORM } from '../../../src/quality/default-form.js';
import type { EvaluationForm } from '../../../src/quality/form.js';
import { calibrationReportOf, purgeExpiredCalibrations } from '../../../src/index/calibration-store.js';
import { placeHolds } from '../../../src/index/hold-queries.js';

function fields(form: EvaluationForm, set: Record<string, string> = {}): Record<string, string> {
  const out: Record<string, string> = {};
  for (const q of form.sections.flatMap((s) => s.questions)) {
    out[`a.${q.id}`] = set[q.id] ?? (q.kind === 'yes-no' ? 'yes' : q.kind === 'scale' ? String(q.max) : [...q.options].sort((a, b) => b.points - a.points)[0]!.id);
  }
  return out;
}

test('calibration: blind while open, final once submitted, closed by the lead, the report per evaluator and question', async () => {
  const w = await ConsoleWorld.create();
  try {
    await w.addUser('rita', 'qa', { purposes: ['quality'] });
    await w.addUser('bob', 'qa', { purposes: ['quality'] });
    await w.addUser('quinn', 'qa', { purposes: ['quality'] });
    await w.addUser('sam', 'supervisor', { teams: ['sales-team'] });
    const rec = w.ops.add(w.index, { purpose: 'quality', line: 'support' });
    const b = { rita: await w.signIn('rita'), bob: await w.signIn('bob'), quinn: await w.signIn('quinn'), sam: await w.signIn('sam') };

    assert.match((await w.request(b.rita, 'GET', `/recordings/${rec}`)).body, /<form id="calibration-start"/);
    const opened = await w.request(b.rita, 'POST', `/recordings/${rec}/calibrations`, { form: {} });
    assert.equal(opened.statusCode, 303, opened.body);
    const url = String(opened.headers.location);
    assert.match(url, /^\/calibrations\/cal-[0-9a-f]{24}$/);
    const id = url.split('/')[2]!;
    assert.equal((await w.request(b.sam, 'GET', url)).statusCode, 404, 'another team\'s supervisor does not reach it');

    // rita saves a draft; bob's page shows none of her answers, and no notes on the player.
    assert.equal((await w.request(b.rita, 'POST', `${url}/answers`, { form: { ...fields(DEFAULT_FORM), action: 'save' } })).statusCode, 303);
    const bobPage = (await w.request(b.bob, 'GET', url)).body;
    assert.doesNotMatch(bobPage, /value="[^"]*" checked/, 'blind: no answer of another evaluator on the page');
    assert.match(bobPage, /data-notes="off"/);
    assert.doesNotMatch(bobPage, /data-notes-url/);
    assert.doesNotMatch(bobPage, /<textarea id="c-/, 'answers only, no comments');

    // An incomplete submit is refused and nothing is final; bob then submits a different view.
    const { 'a.greeting': _g, ...incomplete } = fields(DEFAULT_FORM);
    assert.equal((await w.request(b.bob, 'POST', `${url}/answers`, { form: { ...incomplete, action: 'submit' } })).statusCode, 400);
    const bobSubmit = await w.request(b.bob, 'POST', `${url}/answers`, { form: { ...fields(DEFAULT_FORM, { greeting: 'no', courtesy: '3' }), action: 'submit' } });
    assert.equal(bobSubmit.statusCode, 303);
    assert.equal((await w.request(b.bob, 'POST', `${url}/answers`, { form: { ...fields(DEFAULT_FORM), action: 'submit' } })).statusCode, 409, 'submitted is final');
    // quinn starts but never submits: dropped at close.
    assert.equal((await w.request(b.quinn, 'POST', `${url}/answers`, { form: { ...fields(DEFAULT_FORM), action: 'save' } })).statusCode, 303);

    assert.equal(calibrationReportOf(w.index.db, id), null, 'no report while open');
    assert.equal((await w.request(b.bob, 'POST', `${url}/close`, { form: {} })).statusCode, 403, 'only the lead closes');
    assert.equal((await w.request(b.rita, 'POST', `${url}/close`, { form: {} })).statusCode, 409, 'not before the reference is submitted');
    assert.equal((await w.request(b.rita, 'POST', `${url}/answers`, { form: { ...fields(DEFAULT_FORM), action: 'submit' } })).statusCode, 303);
    assert.match((await w.request(b.rita, 'GET', url)).body, /rita \(reference\) — submitted/);
    assert.equal((await w.request(b.rita, 'POST', `${url}/close`, { form: {} })).statusCode, 303);

    const report = calibrationReportOf(w.index.db, id)!;
    assert.equal(report.kind, 'report');
    if (report.kind !== 'report') return;
    assert.deepEqual(report.evaluators.map((e) => e.evaluator), ['bob'], 'quinn\'s unsubmitted draft is not in the report');
    assert.deepEqual(report.evaluators[0]!.questions.greeting, { kind: 'scored', deviation: -100 });
    assert.deepEqual(report.evaluators[0]!.questions.courtesy, { kind: 'scored', deviation: -50 });
    const page = (await w.request(b.quinn, 'GET', url)).body;
    assert.match(page, /<tr id="cal-q-greeting"><td>[^<]+<\/td><td>-100\.0<\/td><\/tr>/);
    assert.match(page, /<tr id="cal-q-courtesy"><td>[^<]+<\/td><td>-50\.0<\/td><\/tr>/);
    assert.equal((await w.request(b.quinn, 'POST', `${url}/answers`, { form: { ...fields(DEFAULT_FORM), action: 'submit' } })).statusCode, 409, 'closed');

    const actions = w.index.listAudit(rec).map((a) => a.action);
    for (const a of ['calibration.create', 'calibration.submit', 'calibration.close', 'calibration.view']) assert.ok(actions.includes(a), `audit has ${a}`);

    // An analysis document: kept a year, longer under a legal hold.
    const later = new Date(w.clock + 367 * 86_400_000);
    placeHolds(w.index.db, [rec], { actor: 'legal', reason: 'case 7', now: new Date(w.clock), via: 'id' });
    assert.equal(purgeExpiredCalibrations(w.index.db, later, 'purge'), 0, 'held');
    w.index.db.prepare('UPDATE holds SET released_at = ?, released_by = ?').run(new Date(w.clock).toISOString(), 'legal');
    assert.equal(purgeExpiredCalibrations(w.index.db, new Date(w.clock), 'purge'), 0, 'not before its year');
    assert.equal(purgeExpiredCalibrations(w.index.db, later, 'purge'), 1);
    assert.equal((await w.request(b.rita, 'GET', url)).statusCode, 404);
  } finally {
    await w.close();
  }
});
