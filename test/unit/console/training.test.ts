/**
 * Training (issue 10, docs/quality.md "Training") through the console's
 * routes: a trainer copies a quality recording to training (a real age file
 * made here as the browser would), the server refuses copies it can tell
 * are wrong, the copy is a training recording derived from its source with
 * the audit rows; playlists, assignment, a new hire's plays and progress,
 * who reaches what; then retention and legal holds on the copies.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { Encrypter, generateX25519Identity, identityToRecipient } from 'age-encryption';
import { ConsoleWorld, ORIGIN, type Browser } from '../../support/console-world.js';
import { RECIPIENT } from '../../support/fake-call.js';
import { putGrant } from '../../../src/console/store/grants.js';
import { parseAgeHeader } from '../../../src/console/age-header.js';
import { derivedFrom, getItem, itemsOf } from '../../../src/index/training-store.js';
import { getOpsRecording } from '../../../src/index/ops-rows.js';
import { recordingsByCallerHashes, activeHoldIds } from '../../../src/index/subject-queries.js';
import { placeHolds, releaseHolds } from '../../../src/index/hold-queries.js';
import { purgeDue } from '../../../src/ops/purge.js';
import { SESSION_COOKIE } from '../../../src/console/session-cookie.js';
import { parseSidecar, sidecarToRow } from '../../../src/archive/recording-sidecar.js';
import { verifyArchive } from '../../../src/archive/verify.js';

const DAY_MS = 86_400_000;
let w: ConsoleWorld;
const b: Record<string, Browser> = {};
/** The plaintext "audio" of the source recording, and the source's id. */
let plain: Uint8Array;
let source = '';
let copyId = '';
let playlistUrl = '';
let itemId = 0;

async function encryptTo(recipients: readonly string[], bytes: Uint8Array, passphrase?: string): Promise<Uint8Array> {
  const e = new Encrypter();
  if (passphrase !== undefined) { e.setPassphrase(passphrase); e.setScryptWorkFactor(10); }
  for (const r of recipients) e.addRecipient(r);
  return e.encrypt(bytes);
}

function grant(user: string, ...purposes: Array<'quality' | 'training'>): void {
  for (const p of purposes) putGrant(w.index.db, { username: user, purpose: p, purposeRecipient: RECIPIENT, wrapped: 'x', grantedBy: 'test' }, new Date(w.clock));
}

/** POST of raw bytes as the training-copy bundle sends them. */
function postCopy(who: Browser, id: string, body: Uint8Array) {
  return w.app.inject({
    method: 'POST', url: `/api/recordings/${id}/training-copy`, payload: Buffer.from(body),
    headers: { cookie: `${SESSION_COOKIE}=${who.cookie}`, origin: ORIGIN, 'x-csrf-token': who.csrf, 'content-type': 'application/octet-stream' },
  });
}

before(async () => {
  w = await ConsoleWorld.create();
  await w.addUser('tess', 'trainer', { teams: ['support-team'] });
  await w.addUser('tara', 'trainer', { teams: ['support-team'] });
  await w.addUser('tom', 'trainer');
  await w.addUser('quinn', 'qa', { purposes: ['quality'], teams: ['support-team'] });
  await w.addUser('nina', 'agent', { agentId: 'agent-new' });
  await w.addUser('otto', 'agent', { agentId: 'agent-other' });
  for (const u of ['tess', 'tara', 'tom', 'quinn', 'nina', 'otto']) await w.giveKey(u);
  grant('tess', 'quality', 'training');
  grant('tara', 'quality');
  grant('tom', 'quality', 'training');
  grant('quinn', 'quality', 'training');
  grant('nina', 'training');
  // A real age file as the archiver writes it: 200 KiB of "audio" (several STREAM chunks) to the quality key.
  plain = randomBytes(200 * 1024);
  source = w.ops.add(w.index, { purpose: 'quality', line: 'support', caller: '+33611223344', startedAt: new Date(w.clock - 170 * DAY_MS), durationMs: 20_000 });
  const quality = await identityToRecipient(await generateX25519Identity());
  writeFileSync(w.ops.layout.recordingPath(source), await encryptTo([quality], plain));
  for (const u of ['tess', 'tara', 'tom', 'quinn', 'nina', 'otto']) b[u] = await w.signIn(u);
});

after(async () => { await w.close(); });

test('the training recipients are given to trainers: public keys only', async () => {
  const res = await w.request(b.tess!, 'GET', '/api/training/recipients');
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), { recipients: [RECIPIENT] });
});

test('copies the server can tell are wrong are refused with a clear message, and audited', async () => {
  const other = await identityToRecipient(await generateX25519Identity());
  const cases: Array<[string, Uint8Array, RegExp]> = [
    ['to other recipients too', await encryptTo([RECIPIENT, other], plain), /addressed to 2 recipient\(s\), the training purpose has 1 .*addressed to other recipients/],
    ['to a passphrase', await encryptTo([], plain, 'anyone with this'), /opened by a scrypt stanza/],
    ['of another plaintext', await encryptTo([RECIPIENT], randomBytes(1000)), /not a copy of this recording/],
    ['not age at all', Buffer.from(plain.subarray(0, 4096)), /not an age file/],
  ];
  for (const [what, body, message] of cases) {
    const res = await postCopy(b.tess!, source, body);
    assert.equal(res.statusCode, 409, what);
    assert.equal(res.json().error.code, 'CV_ERR_CONSOLE_TRAINING_COPY', what);
    assert.match(res.json().error.message, message, what);
  }
  const refusals = w.index.listAudit(source).filter((a) => a.action === 'training.copy-refused');
  assert.deepEqual(refusals.map((a) => a.details.problem), ['recipient-count', 'foreign-stanza', 'length', 'not-age']);
  assert.equal(w.index.listRecordings({ purpose: 'training' }).length, 0, 'nothing stored');
});

test('a trainer with teams reaches the quality calls of their lines only; without a team, training only', async () => {
  const otherLine = w.ops.add(w.index, { purpose: 'quality', line: 'sales' });
  assert.equal((await w.request(b.tess!, 'GET', `/recordings/${source}`)).statusCode, 200);
  assert.match((await w.request(b.tess!, 'GET', `/recordings/${source}`)).body, /id="training-copy"/);
  assert.equal((await w.request(b.tess!, 'GET', `/recordings/${otherLine}`)).statusCode, 404);
  assert.equal((await w.request(b.tom!, 'GET', `/recordings/${source}`)).statusCode, 404);
  // QA hears the call but is offered no copy.
  assert.doesNotMatch((await w.request(b.quinn!, 'GET', `/recordings/${source}`)).body, /id="training-copy"/);
  const cut = await postCopy(b.tess!, otherLine, new Uint8Array(10));
  assert.equal(cut.statusCode, 404);
});

test('who may copy: a trainer in scope holding both keys; not without the training grant, not out of scope, not another role', async () => {
  const body = await encryptTo([RECIPIENT], plain);
  const noTraining = await postCopy(b.tara!, source, body);
  assert.deepEqual([noTraining.statusCode, noTraining.json().error.code], [403, 'CV_ERR_CONSOLE_NO_GRANT']);
  // tom has no team: no quality recording is his to hear, so the source is unknown to him.
  const noTeam = await postCopy(b.tom!, source, body);
  assert.deepEqual([noTeam.statusCode, noTeam.json().error.code], [404, 'CV_ERR_CONSOLE_NOT_FOUND']);
  const qa = await postCopy(b.quinn!, source, body);
  assert.deepEqual([qa.statusCode, qa.json().error.code], [403, 'CV_ERR_CONSOLE_FORBIDDEN']);
});

test('a trainer copies a quality recording: a training recording derived from it, kept by retention.training from now, audited', async () => {
  const body = await encryptTo([RECIPIENT], plain);
  const res = await postCopy(b.tess!, source, body);
  assert.equal(res.statusCode, 201, res.body);
  copyId = res.json().id;
  const copy = getOpsRecording(w.index.db, copyId)!;
  const src = getOpsRecording(w.index.db, source)!;
  assert.equal(copy.purpose, 'training');
  assert.equal(derivedFrom(w.index.db, copyId), source);
  for (const k of ['line', 'callerHash', 'agentHash', 'startedAt', 'endedAt', 'durationMs', 'channels'] as const) assert.equal(copy[k], src[k], k);
  assert.deepEqual(copy.recipients, [RECIPIENT]);
  assert.equal(copy.archivedAt, new Date(w.clock).toISOString());
  assert.equal(copy.retentionUntil, new Date(w.clock + 183 * DAY_MS).toISOString(), 'from the copy\'s creation, not the call');
  assert.deepEqual(readFileSync(w.ops.layout.absolute(copy.file)), Buffer.from(body), 'stored as sent');
  assert.equal(parseAgeHeader(readFileSync(w.ops.layout.absolute(copy.file)))?.stanzas.length, 1);
  // Its sidecar (version 3) rebuilds the same row, derivation included; `verify` finds the copy whole.
  const sidecar = parseSidecar(readFileSync(w.ops.layout.sidecarPath(copyId), 'utf8'), copyId);
  assert.deepEqual([sidecar.version, sidecar.derivedFrom, sidecar.sha256, sidecar.purpose], [3, source, copy.sha256, 'training']);
  assert.equal(sidecarToRow(sidecar, copy.file, copy.retentionUntil).derivedFrom, source);
  const verified = await verifyArchive({ index: w.index, layout: w.ops.layout, ids: [copyId] });
  assert.deepEqual([verified.ok, verified.issues], [[copyId], []]);
  const made = w.index.listAudit(copyId).find((a) => a.action === 'training.copy')!;
  assert.equal(made.actor, 'tess');
  assert.equal(made.details.from, source);
  assert.ok(w.index.listAudit(source).some((a) => a.action === 'training.copied' && a.details.copy === copyId && a.actor === 'tess'));
  assert.equal(w.index.verifyAuditChain().ok, true);
  // The source's page links the copy; the copy's says where it came from.
  assert.match((await w.request(b.tess!, 'GET', `/recordings/${source}`)).body, new RegExp(`href="/recordings/${copyId}"`));
  assert.match((await w.request(b.tess!, 'GET', `/recordings/${copyId}`)).body, new RegExp(`id="derived-from">${source}<`));
  // A copy is not copied again.
  const again = await postCopy(b.tess!, copyId, body);
  assert.deepEqual([again.statusCode, again.json().error.code], [409, 'CV_ERR_CONSOLE_TRAINING_COPY']);
  assert.match(again.json().error.message, /only those are copied to training/);
});

test('a trainer builds a playlist and assigns it to a new hire; other trainers and other new hires do not reach it', async () => {
  const created = await w.request(b.tess!, 'POST', '/training/playlists', { form: { name: 'Greeting well' } });
  assert.equal(created.statusCode, 303);
  playlistUrl = created.headers.location!.replace(/\?.*/, '');
  assert.match((await w.request(b.tess!, 'GET', '/training')).body, /Greeting well/);
  // Only training copies go in a playlist: the quality source is refused as unknown.
  assert.equal((await w.request(b.tess!, 'POST', `${playlistUrl}/items`, { form: { recording: source } })).statusCode, 404);
  assert.equal((await w.request(b.tess!, 'POST', `${playlistUrl}/items`, { form: { recording: copyId, note: 'listen to the first ten seconds' } })).statusCode, 303);
  // Only agent-role users are new hires.
  assert.equal((await w.request(b.tess!, 'POST', `${playlistUrl}/assignments`, { form: { username: 'quinn' } })).statusCode, 404);
  assert.equal((await w.request(b.tess!, 'POST', `${playlistUrl}/assignments`, { form: { username: 'nina' } })).statusCode, 303);
  const page = await w.request(b.tess!, 'GET', playlistUrl);
  assert.match(page.body, /listen to the first ten seconds/);
  assert.match(page.body, /<tr><th scope="row">nina<\/th><td>not started<\/td>/);
  // Another trainer's playlist is unknown to tara, for reading and for writing.
  assert.equal((await w.request(b.tara!, 'GET', playlistUrl)).statusCode, 404);
  assert.equal((await w.request(b.tara!, 'POST', `${playlistUrl}/assignments`, { form: { username: 'otto' } })).statusCode, 404);
  itemId = itemsOf(w.index.db, playlistUrl.split('/').pop()!)[0]!.id;
});

test('the new hire sees only their own assignments, plays the call (audited) and their progress reaches the trainer', async () => {
  assert.match((await w.request(b.nina!, 'GET', '/learn')).body, /Greeting well/);
  assert.doesNotMatch((await w.request(b.otto!, 'GET', '/learn')).body, /Greeting well/);
  for (const url of [`/learn/items/${itemId}`, `/api/learn/items/${itemId}/meta`, `/api/learn/items/${itemId}/audio`]) {
    assert.equal((await w.request(b.otto!, 'GET', url)).statusCode, 404, `otto ${url}`);
  }
  assert.equal((await w.request(b.otto!, 'POST', `/api/learn/items/${itemId}/progress`, { json: { playedSeconds: 20 } })).statusCode, 404);
  assert.equal((await w.request(b.nina!, 'GET', '/api/learn/items/999999/meta')).statusCode, 404);

  const meta = (await w.request(b.nina!, 'GET', `/api/learn/items/${itemId}/meta`)).json();
  assert.equal(meta.purpose, 'training');
  assert.deepEqual(meta.notes, []);
  const page = await w.request(b.nina!, 'GET', `/learn/items/${itemId}`);
  assert.match(page.body, new RegExp(`data-audio-url="/api/learn/items/${itemId}/audio"`));
  assert.match(page.body, /listen to the first ten seconds/);
  const audio = await w.request(b.nina!, 'GET', `/api/learn/items/${itemId}/audio`);
  assert.equal(audio.statusCode, 200);
  assert.deepEqual(audio.rawPayload, readFileSync(w.ops.layout.recordingPath(copyId)));
  assert.ok(w.index.listAudit(copyId).some((a) => a.action === 'training.play' && a.actor === 'nina'));

  const half = (await w.request(b.nina!, 'POST', `/api/learn/items/${itemId}/progress`, { json: { playedSeconds: 10 } })).json();
  assert.deepEqual(half, { playedSeconds: 10, completed: false });
  assert.match((await w.request(b.tess!, 'GET', playlistUrl)).body, /<th scope="row">nina<\/th><td>played 0:10 of 0:20<\/td>/);
  // A later, shorter session does not lower it; 90 % completes it, once.
  assert.deepEqual((await w.request(b.nina!, 'POST', `/api/learn/items/${itemId}/progress`, { json: { playedSeconds: 3 } })).json(), { playedSeconds: 10, completed: false });
  assert.deepEqual((await w.request(b.nina!, 'POST', `/api/learn/items/${itemId}/progress`, { json: { playedSeconds: 18 } })).json(), { playedSeconds: 18, completed: true });
  await w.request(b.nina!, 'POST', `/api/learn/items/${itemId}/progress`, { json: { playedSeconds: 20 } });
  assert.equal(w.index.listAudit(copyId).filter((a) => a.action === 'training.completed').length, 1);
  const trainerPage = (await w.request(b.tess!, 'GET', playlistUrl)).body;
  assert.match(trainerPage, /<th scope="row">nina<\/th><td>completed<\/td><td>1 of 1 calls completed<\/td>/);
  assert.match((await w.request(b.nina!, 'GET', '/learn')).body, /1 of 1 calls completed/);
});

test('a new hire without the training key is told so, and the audio is refused', async () => {
  w.index.db.prepare("DELETE FROM console_grants WHERE username = 'nina'").run();
  try {
    assert.match((await w.request(b.nina!, 'GET', '/learn')).body, /You hold no training key yet/);
    assert.match((await w.request(b.nina!, 'GET', `/learn/items/${itemId}`)).body, /You hold no training key yet/);
    const res = await w.request(b.nina!, 'GET', `/api/learn/items/${itemId}/audio`);
    assert.deepEqual([res.statusCode, res.json().error.code], [403, 'CV_ERR_CONSOLE_NO_GRANT']);
  } finally {
    grant('nina', 'training');
  }
});

test('a trainer edits a playlist: moves and takes out calls, ends an assignment (its progress goes), deletes it; each step audited, only by its trainer', async () => {
  const created = await w.request(b.tess!, 'POST', '/training/playlists', { form: { name: 'Editing' } });
  const url = created.headers.location!.replace(/\?.*/, '');
  const id = url.split('/').pop()!;
  for (const note of ['first', 'second', 'third']) await w.request(b.tess!, 'POST', `${url}/items`, { form: { recording: copyId, note } });
  const notes = () => itemsOf(w.index.db, id).map((i) => i.note);
  const [first, second, third] = itemsOf(w.index.db, id).map((i) => i.id) as [number, number, number];
  assert.deepEqual(notes(), ['first', 'second', 'third']);
  const move = (who: Browser, item: number, direction: string) => w.request(who, 'POST', `${url}/items/${item}/move`, { form: { direction } });
  assert.equal((await move(b.tess!, third, 'up')).headers.location, `${url}?done=moved`);
  assert.deepEqual(notes(), ['first', 'third', 'second']);
  assert.equal((await move(b.tess!, first, 'up')).headers.location, url, 'already first: nothing moved, nothing said');
  await move(b.tess!, first, 'down');
  assert.deepEqual(notes(), ['third', 'first', 'second']);
  assert.equal((await move(b.tess!, first, 'sideways')).statusCode, 400);
  // The page offers what the routes take: no "up" on the first call, no "down" on the last.
  const page = (await w.request(b.tess!, 'GET', url)).body;
  assert.doesNotMatch(page, new RegExp(`items/${third}/move"><input type="hidden" name="_csrf" value="[^"]*"><input type="hidden" name="direction" value="up"`));
  assert.match(page, new RegExp(`items/${third}/move"><input type="hidden" name="_csrf" value="[^"]*"><input type="hidden" name="direction" value="down"`));
  assert.doesNotMatch(page, new RegExp(`items/${second}/move"><input type="hidden" name="_csrf" value="[^"]*"><input type="hidden" name="direction" value="down"`));
  // Another trainer, and another playlist's item, are unknown.
  assert.equal((await move(b.tara!, first, 'up')).statusCode, 404);
  assert.equal((await w.request(b.tess!, 'POST', `${url}/items/${itemId}/remove`, { form: {} })).statusCode, 404, 'an item of another playlist');
  assert.equal((await w.request(b.tess!, 'POST', `${url}/items/${first}/remove`, { form: {} })).headers.location, `${url}?done=removed`);
  assert.deepEqual(notes(), ['third', 'second']);
  assert.notEqual(getOpsRecording(w.index.db, copyId), null, 'the copy stays');

  await w.request(b.tess!, 'POST', `${url}/assignments`, { form: { username: 'nina' } });
  assert.equal((await w.request(b.nina!, 'POST', `/api/learn/items/${second}/progress`, { json: { playedSeconds: 5 } })).statusCode, 200);
  assert.equal((w.index.db.prepare('SELECT COUNT(*) AS n FROM training_progress WHERE item_id = ?').get(second) as { n: number }).n, 1);
  assert.equal((await w.request(b.tara!, 'POST', `${url}/assignments/remove`, { form: { username: 'nina' } })).statusCode, 404);
  assert.equal((await w.request(b.tess!, 'POST', `${url}/assignments/remove`, { form: { username: 'nina' } })).headers.location, `${url}?done=unassigned`);
  assert.equal((await w.request(b.tess!, 'POST', `${url}/assignments/remove`, { form: { username: 'nina' } })).statusCode, 404, 'no such assignment any more');
  assert.equal((w.index.db.prepare('SELECT COUNT(*) AS n FROM training_progress WHERE item_id = ?').get(second) as { n: number }).n, 0, 'her progress on it went with the assignment');
  assert.equal((await w.request(b.nina!, 'GET', `/learn/items/${second}`)).statusCode, 404);
  assert.doesNotMatch((await w.request(b.nina!, 'GET', '/learn')).body, /Editing/);
  assert.match((await w.request(b.nina!, 'GET', '/learn')).body, /Greeting well/, 'her other playlist is untouched');

  assert.equal((await w.request(b.tara!, 'POST', `${url}/delete`, { form: {} })).statusCode, 404);
  assert.equal((await w.request(b.tess!, 'POST', `${url}/delete`, { form: {} })).headers.location, '/training?done=deleted');
  assert.equal((await w.request(b.tess!, 'GET', url)).statusCode, 404);
  assert.equal((w.index.db.prepare('SELECT COUNT(*) AS n FROM training_playlist_items WHERE playlist_id = ?').get(id) as { n: number }).n, 0);
  assert.notEqual(getOpsRecording(w.index.db, copyId), null, 'the copy stays for its own retention');
  const actions = w.index.db.prepare("SELECT action FROM audit WHERE action LIKE 'training.%' AND actor = 'tess' ORDER BY seq").all().map((r) => (r as { action: string }).action);
  for (const a of ['training.playlist-move', 'training.playlist-remove', 'training.unassign', 'training.playlist-delete']) assert.ok(actions.includes(a), a);
  assert.equal(actions.filter((a) => a === 'training.playlist-move').length, 2, 'the move that did nothing wrote no row');
});

test('a subject request finds the copy with the call; a hold on the source keeps the copy', async () => {
  const found = recordingsByCallerHashes(w.index.db, [w.ops.hasher.hex('caller', '+33611223344')]).map((r) => r.id).sort();
  assert.deepEqual(found, [source, copyId].sort());
  placeHolds(w.index.db, [source], { actor: 'cora', reason: 'dispute 42', now: new Date(w.clock), via: 'id' });
  assert.deepEqual([...activeHoldIds(w.index.db, [copyId])], [copyId], 'the source\'s hold covers its copy');
  const ctx = (at: number) => ({ index: w.index, layout: w.ops.layout, actor: 'purge', reason: 'unit test', now: () => new Date(at) });
  const later = w.clock + 200 * DAY_MS;
  const held = await purgeDue(ctx(later), w.ops.config.retention);
  assert.ok(held.held.includes(source) && held.held.includes(copyId), JSON.stringify(held));
  assert.notEqual(getOpsRecording(w.index.db, copyId), null);
  releaseHolds(w.index.db, [source], { actor: 'cora', reason: 'case closed', now: new Date(w.clock), via: 'id' });
});

test('retention: the source goes by its call\'s date, the copy 183 days after it was made; its playlist item goes with it', async () => {
  const ctx = (at: number) => ({ index: w.index, layout: w.ops.layout, actor: 'purge', reason: 'unit test', now: () => new Date(at) });
  // 20 days on: the 190-day-old call is past quality retention; the 20-day-old copy is not.
  const first = await purgeDue(ctx(w.clock + 20 * DAY_MS), w.ops.config.retention);
  assert.deepEqual(first.purged.map((p) => p.id), [source]);
  assert.notEqual(getOpsRecording(w.index.db, copyId), null);
  assert.equal(itemsOf(w.index.db, playlistUrl.split('/').pop()!).length, 1, 'the copy outlives its source');
  const second = await purgeDue(ctx(w.clock + 184 * DAY_MS), w.ops.config.retention);
  assert.deepEqual(second.purged.map((p) => p.id), [copyId]);
  assert.equal(getItem(w.index.db, itemId), null);
  assert.deepEqual(itemsOf(w.index.db, playlistUrl.split('/').pop()!), [], 'the purged copy left the playlist');
  assert.equal((await w.request(b.nina!, 'GET', `/api/learn/items/${itemId}/meta`)).statusCode, 404);
  assert.doesNotMatch((await w.request(b.tess!, 'GET', playlistUrl)).body, new RegExp(copyId));
});
