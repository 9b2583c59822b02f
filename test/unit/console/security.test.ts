/**
 * The console's security properties, each as a request a browser or an
 * attacker would send: CSRF and Origin refusals, no session fixation,
 * throttled sign-in, idle and absolute expiry, disabled and reset users,
 * the cookie's attributes, escaping, and an audit row for each sign-in event.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConsoleWorld, ORIGIN, PASSWORD, csrfOf } from '../../support/console-world.js';
import { disableUser, resetUser } from '../../../src/console/user-service.js';
import { putGrant } from '../../../src/console/store/grants.js';
import { getUserKey } from '../../../src/console/store/user-keys.js';

async function world() {
  const w = await ConsoleWorld.create();
  await w.addUser('quinn', 'qa', { purposes: ['quality'] });
  await w.addUser('ada', 'admin');
  return w;
}

const actions = (w: ConsoleWorld) => w.index.listAudit().map((a) => `${a.actor} ${a.action}`);

test('CSRF: a state change without the session\'s token, or from another origin, is refused', async () => {
  const w = await world();
  try {
    const b = await w.signIn('quinn');
    const id = w.ops.add(w.index, { purpose: 'quality' });
    const note = { json: { atMs: 1, text: 'x' } };
    const cases: Array<[string, Parameters<ConsoleWorld['request']>[3], string]> = [
      ['no token', { ...note, csrf: null }, 'CV_ERR_CONSOLE_CSRF'],
      ['wrong token', { ...note, csrf: 'A'.repeat(43) }, 'CV_ERR_CONSOLE_CSRF'],
      ['another site', { ...note, origin: 'https://evil.example' }, 'CV_ERR_CONSOLE_ORIGIN'],
      ['no origin at all', { ...note, origin: null }, 'CV_ERR_CONSOLE_ORIGIN'],
      ['http instead of https', { ...note, origin: ORIGIN.replace('https', 'http') }, 'CV_ERR_CONSOLE_ORIGIN'],
    ];
    for (const [what, o, code] of cases) {
      const res = await w.request(b, 'POST', `/api/recordings/${id}/notes`, o);
      assert.equal(res.statusCode, 403, what);
      assert.equal(res.json().error.code, code, what);
    }
    // Another user's token does not work with this session.
    const other = await w.signIn('ada');
    assert.equal((await w.request(b, 'POST', `/api/recordings/${id}/notes`, { ...note, csrf: other.csrf })).statusCode, 403);
    // Plain form: sign-out without the token is refused and the session survives.
    const out = await w.request(b, 'POST', '/logout', { form: { go: '1' }, csrf: null });
    assert.equal(out.statusCode, 403);
    assert.equal((await w.request(b, 'GET', '/keys')).statusCode, 200);
    assert.equal((await w.request(b, 'POST', `/api/recordings/${id}/notes`, note)).statusCode, 201, 'with the token it works');
    // The login form too: a cross-site login (login CSRF) is refused.
    const anon = await w.anonymous();
    assert.equal((await w.request(anon, 'POST', '/login', { form: { username: 'quinn', password: PASSWORD }, csrf: null })).statusCode, 403);
  } finally { await w.close(); }
});

test('no session fixation: signing in gives a new session id, and the pre-login id is dead', async () => {
  const w = await world();
  try {
    const victim = await w.anonymous();
    const planted = victim.cookie!;
    const res = await w.request(victim, 'POST', '/login', { form: { username: 'quinn', password: PASSWORD } });
    assert.equal(res.statusCode, 303);
    w.absorb(victim, res);
    assert.notEqual(victim.cookie, planted);
    const attacker = { cookie: planted, csrf: '' };
    const page = await w.request(attacker, 'GET', '/keys');
    assert.deepEqual([page.statusCode, page.headers.location], [303, '/login']);
    // A made-up cookie is just no session.
    assert.equal((await w.request({ cookie: 'A'.repeat(43), csrf: '' }, 'GET', '/api/me/key')).statusCode, 401);
    // The index keeps digests, not the cookie value.
    const stored = w.index.db.prepare('SELECT id_hash FROM console_sessions').all() as Array<{ id_hash: string }>;
    assert.ok(stored.every((r) => r.id_hash !== victim.cookie));
  } finally { await w.close(); }
});

test('the cookie is __Host-, Secure, HttpOnly, SameSite=Strict, Path=/; pages carry the security headers', async () => {
  const w = await world();
  try {
    const res = await w.app.inject({ method: 'GET', url: '/login' });
    const cookie = String(res.headers['set-cookie']);
    assert.match(cookie, /^__Host-cv_session=[A-Za-z0-9_-]{43}; Path=\/; Secure; HttpOnly; SameSite=Strict; Max-Age=43200$/);
    assert.doesNotMatch(cookie, /Domain=/i);
    for (const h of ['content-security-policy', 'x-content-type-options', 'x-frame-options', 'referrer-policy', 'strict-transport-security']) assert.ok(res.headers[h], h);
    assert.match(String(res.headers['content-security-policy']), /script-src 'self';.*object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'/);
    assert.equal(res.headers['cache-control'], 'no-store');
    // no-referrer would make Chromium send `Origin: null` on our own form posts (found by the browser tests).
    assert.equal(res.headers['referrer-policy'], 'same-origin');
  } finally { await w.close(); }
});

test('sign-in is throttled per account (5 failures) and per address (20), and each attempt is audited', async () => {
  const w = await world();
  try {
    const anon = await w.anonymous();
    for (let i = 0; i < 5; i++) {
      const r = await w.request(anon, 'POST', '/login', { form: { username: 'quinn', password: `wrong password ${i}` } });
      assert.equal(r.statusCode, 401);
      assert.match(r.body, /id="login-message"/);
    }
    const locked = await w.request(anon, 'POST', '/login', { form: { username: 'quinn', password: PASSWORD } });
    assert.equal(locked.statusCode, 429, 'the right password is refused while locked');
    assert.match(locked.body, /Too many failed sign-ins/);
    w.clock += 16 * 60_000;
    const again = await w.request(anon, 'POST', '/login', { form: { username: 'quinn', password: PASSWORD } });
    assert.equal(again.statusCode, 303, 'after the lock, the right password works');
    const log = actions(w);
    assert.equal(log.filter((a) => a === 'quinn console.sign-in-failed').length, 5);
    assert.equal(log.filter((a) => a === 'quinn console.sign-in-throttled').length, 1);
    assert.equal(log.filter((a) => a === 'quinn console.sign-in').length, 1);
    // Per address: a spray over many accounts from one address.
    w.clock += 16 * 60_000;
    const spray = await w.anonymous();
    for (let i = 0; i < 20; i++) await w.request(spray, 'POST', '/login', { form: { username: `user${i}`, password: 'guess guess guess' } });
    assert.equal((await w.request(spray, 'POST', '/login', { form: { username: 'ada', password: PASSWORD } })).statusCode, 429);
    // A typed name that is no account is not written to the audit log.
    assert.ok(!w.index.listAudit().some((a) => a.actor.startsWith('user1')));
  } finally { await w.close(); }
});

test('a session expires after the idle timeout and after the absolute timeout, with an audit row', async () => {
  const w = await world();
  try {
    const idle = await w.signIn('quinn');
    w.clock += 31 * 60_000;
    const r = await w.request(idle, 'GET', '/api/me/grants');
    assert.equal(r.statusCode, 401);
    assert.equal(r.json().error.code, 'CV_ERR_CONSOLE_UNAUTHENTICATED');
    const abs = await w.signIn('quinn');
    for (let i = 0; i < 12 * 4; i++) { // active every 15 minutes for 12 hours
      w.clock += 15 * 60_000;
      const res = await w.request(abs, 'GET', '/api/me/grants');
      if (i < 12 * 4 - 1) assert.equal(res.statusCode, 200, `still live at ${(i + 1) * 15} min`);
      else assert.equal(res.statusCode, 401, 'dead at 12 h whatever the activity');
    }
    assert.equal(actions(w).filter((a) => a === 'quinn console.session-expired').length, 2);
    const login = await w.request(abs, 'GET', '/login');
    assert.equal(login.statusCode, 200);
  } finally { await w.close(); }
});

test('disabling a user ends their sessions and refuses their sign-in; reset deletes password, key and grants', async () => {
  const w = await world();
  try {
    const b = await w.signIn('quinn');
    await w.giveKey('quinn');
    putGrant(w.index.db, { username: 'quinn', purpose: 'quality', purposeRecipient: 'age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p', wrapped: 'x', grantedBy: 't' }, new Date());
    assert.equal(disableUser(w.index.db, 'quinn', 'ada', new Date(w.clock)), 1);
    assert.equal((await w.request(b, 'GET', '/api/me/key')).statusCode, 401);
    const anon = await w.anonymous();
    assert.equal((await w.request(anon, 'POST', '/login', { form: { username: 'quinn', password: PASSWORD } })).statusCode, 401);
    const r = resetUser(w.index.db, 'quinn', 'ada', new Date(w.clock));
    assert.deepEqual(r, { grants: 1, sessions: 0, key: true });
    assert.equal(getUserKey(w.index.db, 'quinn'), null);
    assert.ok(actions(w).includes('ada console.user-disable') && actions(w).includes('ada console.user-reset'));
  } finally { await w.close(); }
});

test('sign-out deletes the session on the server: the old cookie opens nothing', async () => {
  const w = await world();
  try {
    const b = await w.signIn('quinn');
    const cookie = b.cookie;
    const out = await w.request(b, 'POST', '/logout', { form: {} });
    assert.equal(out.statusCode, 303);
    assert.match(String(out.headers['set-cookie']), /Max-Age=0/);
    assert.equal((await w.request({ cookie, csrf: b.csrf }, 'GET', '/api/me/key')).statusCode, 401);
    assert.ok(actions(w).includes('quinn console.sign-out'));
  } finally { await w.close(); }
});

test('what users typed is escaped in pages (access reason, note text, username in the login form)', async () => {
  const w = await world();
  try {
    await w.giveKey('quinn');
    putGrant(w.index.db, { username: 'quinn', purpose: 'quality', purposeRecipient: 'age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p', wrapped: 'x', grantedBy: 't' }, new Date());
    const b = await w.signIn('quinn');
    const id = w.ops.add(w.index, { purpose: 'quality' });
    const evil = '<script>alert(1)</script>"\'';
    assert.equal((await w.request(b, 'GET', `/api/recordings/${id}/audio?reason=${encodeURIComponent(evil)}`)).statusCode, 200);
    const page = await w.request(b, 'GET', `/recordings/${id}`);
    assert.ok(!page.body.includes('<script>alert'), 'reason not escaped');
    assert.ok(page.body.includes('&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;'));
    const anon = await w.anonymous();
    const login = await w.request(anon, 'POST', '/login', { form: { username: '"><img src=x>', password: 'nope nope nope' } });
    assert.ok(!login.body.includes('"><img'));
    assert.ok(csrfOf(login.body) !== null);
  } finally { await w.close(); }
});

test('JSON bodies are validated by schema: a wrap that is not an age file is refused, never stored', async () => {
  const w = await world();
  try {
    const b = await w.signIn('quinn');
    const cases: unknown[] = [
      { recipient: 'age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p', wrapped: [{ kind: 'passphrase', data: Buffer.from('AGE-SECRET-KEY-1' + 'Q'.repeat(100)).toString('base64') }] },
      { recipient: 'not-a-recipient', wrapped: [{ kind: 'passphrase', data: Buffer.from('age-encryption.org/v1\n' + 'x'.repeat(200)).toString('base64') }] },
      { recipient: 'age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p', wrapped: [] },
      { recipient: 'age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p' },
    ];
    for (const json of cases) {
      const res = await w.request(b, 'POST', '/api/me/key', { json });
      assert.equal(res.statusCode, 400, JSON.stringify(json).slice(0, 80));
      assert.equal(res.json().error.code, 'CV_ERR_CONSOLE_BAD_REQUEST');
    }
    assert.equal(getUserKey(w.index.db, 'quinn'), null);
    const good = { recipient: 'age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p', wrapped: [{ kind: 'passphrase', data: Buffer.from('age-encryption.org/v1\n' + 'x'.repeat(200)).toString('base64') }] };
    assert.equal((await w.request(b, 'POST', '/api/me/key', { json: good })).statusCode, 201);
    const again = await w.request(b, 'POST', '/api/me/key', { json: good });
    assert.deepEqual([again.statusCode, again.json().error.code], [409, 'CV_ERR_CONSOLE_KEY_EXISTS']);
  } finally { await w.close(); }
});
