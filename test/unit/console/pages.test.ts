/** The server-rendered pages: what each shows, in both languages, with no inline script or style. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ConsoleWorld, CONSOLE_YAML, type Browser } from '../../support/console-world.js';

let w: ConsoleWorld;
const b = new Map<string, Browser>();

before(async () => {
  w = await ConsoleWorld.create(CONSOLE_YAML + 'agents:\n  rates: { agent-7: 1.0 }\n');
  await w.addUser('ada', 'admin');
  await w.addUser('cora', 'compliance');
  await w.addUser('alex', 'agent', { agentId: 'agent-7' });
  await w.addUser('quinn', 'qa', { purposes: ['quality'] });
  await w.giveKey('quinn');
  for (const u of ['ada', 'cora', 'alex', 'quinn']) b.set(u, await w.signIn(u));
});
after(async () => { await w.close(); });

function clean(body: string): void {
  assert.doesNotMatch(body, /<script(?![^>]*\bsrc=)/, 'inline script');
  assert.doesNotMatch(body, /\sstyle=|<style/, 'inline style');
  assert.doesNotMatch(body, /\son[a-z]+=/, 'inline event handler');
}

test('audit page: the chain verdict, filters, and a broken chain said plainly', async () => {
  const id = w.ops.add(w.index, { purpose: 'quality' });
  const page = await w.request(b.get('cora')!, 'GET', '/audit');
  assert.equal(page.statusCode, 200);
  clean(page.body);
  assert.match(page.body, /id="audit-verdict" class="message ok" role="status">The chain is intact: \d+ rows/);
  assert.match(page.body, /console\.sign-in/);
  const filtered = await w.request(b.get('cora')!, 'GET', `/audit?recording=${id}`);
  assert.match(filtered.body, new RegExp(`href="/recordings/${id}"`));
  assert.doesNotMatch(filtered.body, /console\.sign-in/);
  // Tamper with a row behind callvault's back (the triggers are dropped first, as an attacker with the file would).
  w.index.db.exec('DROP TRIGGER audit_no_update');
  w.index.db.prepare("UPDATE audit SET actor = 'someone-else' WHERE seq = 2").run();
  const broken = await w.request(b.get('cora')!, 'GET', '/audit');
  assert.match(broken.body, /The chain is BROKEN at row 2/);
});

test('status page: sampling per line and spool backlog as SVG charts with their numbers', async () => {
  const page = await w.request(b.get('cora')!, 'GET', '/status');
  assert.equal(page.statusCode, 200);
  clean(page.body);
  assert.match(page.body, /<svg id="chart-sampling"[^>]*role="img"/);
  assert.match(page.body, /<svg id="chart-backlog"/);
  for (const line of ['support', 'sales', 'insurance']) assert.match(page.body, new RegExp(`<td>${line}</td>`));
  assert.match(page.body, /25% target/);
});

test('users page for the admin; the agent page shows the lines and the agent\'s own rate', async () => {
  const users = await w.request(b.get('ada')!, 'GET', '/users');
  clean(users.body);
  assert.match(users.body, /<td>quinn<\/td><td>qa<\/td><td><\/td><td>quality<\/td><td>active<\/td><td>yes<\/td>/);
  assert.match(users.body, /<th scope="row">support-team<\/th><td>support<\/td>/);
  const me = await w.request(b.get('alex')!, 'GET', '/me');
  clean(me.body);
  assert.match(me.body, /<td>support<\/td><td>sampled<\/td><td>quality<\/td><td>25%<\/td>/);
  assert.match(me.body, /id="me-rate">your sampling rate: 100%/);
});

test('French or English by the user\'s choice, on every page', async () => {
  for (const [path, user, fr, en] of [
    ['/recordings', 'quinn', 'Enregistrements', 'Recordings'], ['/keys', 'quinn', 'Ma clé personnelle', 'My personal key'],
    ['/status', 'cora', 'État', 'Status'], ['/audit', 'cora', 'Journal d’audit', 'Audit log'], ['/grants', 'ada', 'Accès', 'Grants'],
  ] as const) {
    const f = await w.request(b.get(user)!, 'GET', `${path}?lang=fr`);
    assert.match(f.body, /<html lang="fr">/, path);
    assert.match(f.body, new RegExp(`<h1>${fr}</h1>`), path);
    clean(f.body);
    const e = await w.request(b.get(user)!, 'GET', `${path}?lang=en`);
    assert.match(e.body, new RegExp(`<h1>${en}</h1>`), path);
  }
  // The switch is remembered: the next page without ?lang= stays in French, until switched back.
  const q = b.get('quinn')!;
  await w.request(q, 'GET', '/keys?lang=fr');
  assert.match((await w.request(q, 'GET', '/recordings')).body, /<html lang="fr">/);
  await w.request(q, 'GET', '/keys?lang=en');
  assert.match((await w.request(q, 'GET', '/recordings')).body, /<html lang="en">/);
  const login = await w.app.inject({ method: 'GET', url: '/login?lang=fr' });
  assert.match(login.body, /<label for="username">Nom d’utilisateur<\/label>/);
});

test('the key page offers setup without a key and unlock with one; the grant page lists users with a key', async () => {
  await w.addUser('newbie', 'trainer');
  const nb = await w.signIn('newbie');
  const setup = await w.request(nb, 'GET', '/keys');
  assert.match(setup.body, /<form id="key-setup">/);
  assert.match(setup.body, /id="passphrase2"/);
  const unlock = await w.request(b.get('quinn')!, 'GET', '/keys');
  assert.match(unlock.body, /<form id="key-unlock">/);
  const grants = await w.request(b.get('ada')!, 'GET', '/grants');
  assert.match(grants.body, /<option value="quinn">quinn \(qa\)<\/option>/);
  assert.doesNotMatch(grants.body, /<option value="newbie">/);
  for (const id of ['grant-form', 'grant-user', 'grant-purpose', 'grant-identity-file', 'grant-identity-passphrase']) assert.match(grants.body, new RegExp(`id="${id}"`));
});

test('recordings list: filters by duration and team, pages with a cursor', async () => {
  const q = b.get('cora')!;
  const base = Date.parse('2026-10-01T10:00:00Z');
  const ids: string[] = [];
  for (let i = 0; i < 300; i++) ids.push(w.ops.add(w.index, { purpose: 'quality', line: i % 2 === 0 ? 'support' : 'sales', startedAt: new Date(base + i * 30_000), durationMs: (i % 10 + 1) * 60_000 }));
  const first = await w.request(q, 'GET', '/recordings?from=2026-10-01&to=2026-10-01&team=sales-team&minDuration=300');
  assert.equal(first.statusCode, 200, first.body.slice(0, 300));
  const shown = [...first.body.matchAll(/<tr><td><a href="\/recordings\/([^"]+)">/g)].map((m) => m[1]!);
  const expected = ids.filter((_, i) => i % 2 === 1 && (i % 10 + 1) >= 5).reverse();
  assert.deepEqual(shown, expected.slice(0, 50));
  const next = /id="next-page" rel="next" href="([^"]+)"/.exec(first.body)![1]!.replace(/&amp;/g, '&');
  const second = await w.request(q, 'GET', next);
  assert.deepEqual([...second.body.matchAll(/<tr><td><a href="\/recordings\/([^"]+)">/g)].map((m) => m[1]!), expected.slice(50, 100));
  assert.equal((await w.request(q, 'GET', '/recordings?team=nope')).statusCode, 400);
  assert.equal((await w.request(q, 'GET', '/recordings?from=yesterday')).statusCode, 400);
});

test('subject request: the caller\'s recordings with holds, an audit row with a keyed hash, never the number', async () => {
  const id = w.ops.add(w.index, { purpose: 'quality', caller: '+33612345678' });
  w.ops.add(w.index, { purpose: 'quality', caller: '+33699999999' });
  w.index.db.prepare("INSERT INTO holds (recording_id, reason, placed_by, placed_at) VALUES (?, 'litigation', 'cora', '2026-11-30T10:00:00.000Z')").run(id);
  const c = b.get('cora')!;
  const res = await w.request(c, 'POST', '/subjects', { form: { number: '06 12 34 56 78', reason: 'request of 2026-12-01' } });
  assert.equal(res.statusCode, 200, res.body.slice(0, 300));
  clean(res.body);
  const rows = [...res.body.matchAll(/<tr><td><a href="\/recordings\/([^"]+)">[^<]+<\/a><\/td>.*?<td>(yes|no)<\/td><\/tr>/g)].map((m) => [m[1], m[2]]);
  assert.deepEqual(rows, [[id, 'yes']]);
  assert.doesNotMatch(res.body, /612345678|06 12 34/);
  const row = w.index.listAudit().at(-1)!;
  assert.deepEqual([row.actor, row.action, row.reason, row.details.found], ['cora', 'subject-find', 'request of 2026-12-01', 1]);
  assert.doesNotMatch(JSON.stringify(row), /612345678/);
  const bad = await w.request(c, 'POST', '/subjects', { form: { number: 'not a number', reason: 'x' } });
  assert.equal(bad.statusCode, 400);
});
