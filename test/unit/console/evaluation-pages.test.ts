/**
 * The evaluation pages of the console (issue 10) through the real routes,
 * store and SQLite index: a reviewer starts and scores a draft on a
 * recording in scope, a submit with gaps is refused with the gaps named and
 * the draft kept, a time-stamped note about a question reaches the player's
 * meta, another reviewer releases, the agent alone sees it, disputes (a
 * comment is required), the author may not judge the dispute, another
 * reviewer rescores, the agent acknowledges, compliance voids; every step is
 * in the audit chain and nobody out of reach learns the evaluation exists.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConsoleWorld, CONSOLE_YAML } from '../../support/console-world.js';
import { DEFAULT_FORM } from '../../../src/quality/default-form.js';
import type { EvaluationForm } from '../../../src/quality/form.js';
import { answersFromFields } from '../../../src/console/routes/evaluation-answers.js';
import { getEvaluation } from '../../../src/index/quality-store.js';

const YAML = `${CONSOLE_YAML}
agents:
  agent1: { team: support }
  agent2: { team: support }
teams:
  support: {}
`;

/** Form fields answering every question of `form` with full marks, except `fail` (answered with its worst). */
function fields(form: EvaluationForm, o: { fail?: string[]; skip?: string[] } = {}): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of form.sections) {
    for (const q of s.questions) {
      if (o.skip?.includes(q.id)) continue;
      const bad = o.fail?.includes(q.id) ?? false;
      out[`a.${q.id}`] = q.kind === 'yes-no' ? (bad ? 'no' : 'yes') : q.kind === 'scale' ? String(bad ? q.min : q.max)
        : [...q.options].sort((a, b) => (bad ? a.points - b.points : b.points - a.points))[0]!.id;
      if (bad) out[`c.${q.id}`] = 'missed it';
    }
  }
  return out;
}

const location = (r: { headers: Record<string, unknown> }) => String(r.headers.location ?? '');

test('an evaluation from draft to acknowledged and void, in the console, each step by the person the lifecycle names', async () => {
  const w = await ConsoleWorld.create(YAML);
  try {
    await w.addUser('rita', 'qa', { purposes: ['quality'], teams: ['support-team'] });
    await w.addUser('bob', 'qa', { purposes: ['quality'], teams: ['support-team'] });
    await w.addUser('sam', 'supervisor', { teams: ['sales-team'] });
    await w.addUser('alice', 'agent', { agentId: 'agent1' });
    await w.addUser('eve', 'agent', { agentId: 'agent2' });
    await w.addUser('cora', 'compliance');
    const rec = w.ops.add(w.index, { purpose: 'quality', line: 'support', agent: 'agent1', durationMs: 90_000 });
    const b = {
      rita: await w.signIn('rita'), bob: await w.signIn('bob'), sam: await w.signIn('sam'),
      alice: await w.signIn('alice'), eve: await w.signIn('eve'), cora: await w.signIn('cora'),
    };

    // The recording page offers the evaluation to a reviewer; the POST makes a draft and goes to it.
    const page = await w.request(b.rita, 'GET', `/recordings/${rec}`);
    assert.match(page.body, /<form id="evaluation-start" method="post" action="\/recordings\/[^"]+\/evaluations">/);
    const started = await w.request(b.rita, 'POST', `/recordings/${rec}/evaluations`, { form: {} });
    assert.equal(started.statusCode, 303, started.body);
    const url = location(started);
    const id = url.replace('/evaluations/', '');
    assert.match(id, /^ev-[0-9a-f]{24}$/);
    assert.equal(getEvaluation(w.index.db, id)!.form.version, 1, 'the default form, saved on first use, version 1');

    const draft = await w.request(b.rita, 'GET', url);
    assert.equal(draft.statusCode, 200);
    assert.match(draft.body, /<form id="evaluation-form" method="post"/);
    assert.match(draft.body, new RegExp(`data-meta-url="/api/evaluations/${id}/meta" data-notes-url="/api/evaluations/${id}/notes"`), 'the player reads and writes the evaluation\'s notes');
    for (const q of DEFAULT_FORM.sections.flatMap((s) => s.questions)) assert.match(draft.body, new RegExp(`<fieldset class="question" id="q-${q.id}">`));
    assert.doesNotMatch(draft.body, /style=|<script(?! type="module" src=)/, 'no inline style or script (CSP)');

    // A submit with gaps: refused, the gaps named, what was answered kept.
    const skip = ['greeting', 'courtesy'];
    const partial = await w.request(b.rita, 'POST', `${url}/answers`, { form: { ...fields(DEFAULT_FORM, { skip }), action: 'submit' } });
    assert.equal(partial.statusCode, 400);
    assert.match(partial.body, /cannot be submitted yet/);
    for (const q of skip) assert.match(partial.body, new RegExp(`${DEFAULT_FORM.sections.flatMap((s) => s.questions).find((x) => x.id === q)!.label.en.replace(/[()]/g, '.')}: not answered`));
    assert.equal(getEvaluation(w.index.db, id)!.state.state, 'draft');
    assert.match((await w.request(b.rita, 'GET', url)).body, /name="a\.identity-check" value="yes" checked/, 'the answers given were saved');

    // A note at the player's position about one question; the player's meta has it.
    const note = await w.request(b.rita, 'POST', `/api/evaluations/${id}/notes`, { json: { atMs: 12_500, text: 'no greeting', questionId: 'greeting' } });
    assert.equal(note.statusCode, 201, note.body);
    const badNote = await w.request(b.rita, 'POST', `/api/evaluations/${id}/notes`, { json: { atMs: 12_500, text: 'x', questionId: 'nope' } });
    assert.equal(badNote.statusCode, 400);
    const late = await w.request(b.rita, 'POST', `/api/evaluations/${id}/notes`, { json: { atMs: 95_000, text: 'after the end' } });
    assert.equal(late.statusCode, 400);
    const meta = (await w.request(b.rita, 'GET', `/api/evaluations/${id}/meta`)).json();
    assert.deepEqual(meta.notes.map((n: { atMs: number; text: string }) => [n.atMs, n.text]), [[12_500, 'no greeting']]);
    assert.equal(meta.durationMs, 90_000);

    // Only the author edits the draft.
    const notAuthor = await w.request(b.bob, 'POST', `${url}/answers`, { form: { ...fields(DEFAULT_FORM), action: 'save' } });
    assert.equal(notAuthor.statusCode, 403);

    const submitted = await w.request(b.rita, 'POST', `${url}/answers`, { form: { ...fields(DEFAULT_FORM), action: 'submit' } });
    assert.equal(submitted.statusCode, 303, submitted.body);
    assert.equal(location(submitted), `${url}?done=submitted`);
    const afterSubmit = getEvaluation(w.index.db, id)!;
    assert.equal(afterSubmit.state.state, 'submitted');
    assert.equal(afterSubmit.score!.percent, 100);

    // Before release the agent does not know it exists; another agent never does; a supervisor of another team neither.
    assert.equal((await w.request(b.alice, 'GET', url)).statusCode, 404);
    const mine = (await w.request(b.alice, 'GET', '/me')).body;
    assert.doesNotMatch(mine, new RegExp(id));
    // The agent is told when they may be recorded or listened to: callvault windows for their id and team.
    const windows = /<pre id="me-windows">([\s\S]*?)<\/pre>/.exec(mine)?.[1] ?? '';
    assert.match(windows, /agent1 \(team support\)/);
    assert.match(windows, /line support: about 25% of calls/);
    assert.equal((await w.request(b.sam, 'GET', url)).statusCode, 404);
    assert.equal((await w.request(b.sam, 'POST', `${url}/step`, { form: { event: 'release' } })).statusCode, 404);

    const released = await w.request(b.bob, 'POST', `${url}/step`, { form: { event: 'release' } });
    assert.equal(released.statusCode, 303, released.body);
    assert.equal((await w.request(b.eve, 'GET', url)).statusCode, 404, 'another agent');

    const me = await w.request(b.alice, 'GET', '/me');
    assert.match(me.body, new RegExp(`<a href="/evaluations/${id}">`));
    assert.match(me.body, /waiting for you/);
    assert.match(me.body, /Your mean score: <strong>100\.0 %<\/strong> \(from 1 evaluations\)/);
    const seen = await w.request(b.alice, 'GET', url);
    assert.equal(seen.statusCode, 200);
    assert.doesNotMatch(seen.body, /id="player"/, 'the agent reads the evaluation, not the audio');
    assert.match(seen.body, /<form class="step" id="step-acknowledge"/);
    assert.match(seen.body, /<form class="step" id="step-dispute"/);
    assert.doesNotMatch(seen.body, /id="step-release"|id="step-void"/);

    // A dispute needs a comment.
    const bare = await w.request(b.alice, 'POST', `${url}/step`, { form: { event: 'dispute', comment: '  ' } });
    assert.equal(bare.statusCode, 409);
    const disputed = await w.request(b.alice, 'POST', `${url}/step`, { form: { event: 'dispute', comment: 'the customer hung up before the greeting' } });
    assert.equal(disputed.statusCode, 303);
    assert.equal(getEvaluation(w.index.db, id)!.state.state, 'disputed');

    // The evaluator may not judge the dispute of their own evaluation; another reviewer rescores it.
    const own = await w.request(b.rita, 'POST', `${url}/answers`, { form: { ...fields(DEFAULT_FORM, { fail: ['greeting'] }), action: 'rescore', comment: 'fair' } });
    assert.equal(own.statusCode, 403);
    assert.match((await w.request(b.bob, 'GET', url)).body, /<button type="submit" name="action" value="rescore">/);
    const rescored = await w.request(b.bob, 'POST', `${url}/answers`, { form: { ...fields(DEFAULT_FORM, { fail: ['greeting'] }), action: 'rescore', comment: 'greeting counted as missed, the rest stands' } });
    assert.equal(rescored.statusCode, 303, rescored.body);
    const after = getEvaluation(w.index.db, id)!;
    assert.equal(after.state.state, 'rescored');
    assert.ok(after.score!.percent! < 100, `a failed question lowers the score (${after.score!.percent})`);
    assert.match((await w.request(b.alice, 'GET', url)).body, /\(was 100\.0 %\)/, 'the history shows the score before');

    const ack = await w.request(b.alice, 'POST', `${url}/step`, { form: { event: 'acknowledge', comment: '' } });
    assert.equal(ack.statusCode, 303);
    assert.equal(getEvaluation(w.index.db, id)!.state.state, 'acknowledged');
    const again = await w.request(b.alice, 'POST', `${url}/step`, { form: { event: 'dispute', comment: 'one more' } });
    assert.equal(again.statusCode, 409, 'one dispute per evaluation');

    // Compliance voids it (a call that should not have been heard); the agent no longer reaches it.
    assert.equal((await w.request(b.cora, 'POST', `${url}/step`, { form: { event: 'void' } })).statusCode, 409, 'a reason is required');
    const voided = await w.request(b.cora, 'POST', `${url}/step`, { form: { event: 'void', comment: 'caller had objected' } });
    assert.equal(voided.statusCode, 303);
    assert.equal((await w.request(b.alice, 'GET', url)).statusCode, 404);
    assert.doesNotMatch((await w.request(b.alice, 'GET', '/me')).body, new RegExp(id));

    const actions = w.index.listAudit(rec).map((a) => a.action);
    for (const a of ['evaluation.create', 'evaluation.note', 'evaluation.submit', 'evaluation.release', 'evaluation.dispute', 'evaluation.rescore', 'evaluation.acknowledge', 'evaluation.void', 'evaluation.view']) {
      assert.ok(actions.includes(a), `audit has ${a}: ${actions.join(', ')}`);
    }
    assert.ok(!JSON.stringify(w.index.listAudit(rec)).includes('hung up before the greeting'), 'comments stay out of the audit chain');
  } finally {
    await w.close();
  }
});

test('answersFromFields: blank is unanswered, na is N/A, a value of the wrong kind stays a problem for the scoring rules', () => {
  const f = fields(DEFAULT_FORM, { skip: ['greeting'] });
  const answers = answersFromFields(DEFAULT_FORM, { ...f, 'a.courtesy': 'na', 'a.identity-check': 'maybe', 'c.courtesy': '  spaces  ' });
  assert.equal(answers.find((a) => a.questionId === 'greeting'), undefined);
  assert.deepEqual(answers.find((a) => a.questionId === 'courtesy'), { questionId: 'courtesy', value: { kind: 'na' }, comment: 'spaces' });
  assert.deepEqual(answers.find((a) => a.questionId === 'identity-check')!.value, { kind: 'choice', option: 'maybe' });
});
