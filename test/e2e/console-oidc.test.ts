/**
 * OpenID Connect sign-in against a real provider (oidc-provider, the
 * certified Node implementation, on loopback): the console's redirect, the
 * provider's own login and consent forms, the callback, the code exchange
 * with PKCE and the ID token checks. A provider account without a local user,
 * a disabled user, and a callback in another browser are refused.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { createServer } from 'node:net';
import Provider from 'oidc-provider';
import { ConsoleWorld, CONSOLE_YAML, ORIGIN, type Browser } from '../support/console-world.js';
import { disableUser } from '../../src/console/user-service.js';

let w: ConsoleWorld;
let server: Server;
let issuer: string;

function freePort(): Promise<number> {
  return new Promise((resolve) => { const s = createServer(); s.listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)); }); });
}

before(async () => {
  const port = await freePort();
  issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients: [{ client_id: 'callvault', client_secret: 'console-client-secret', redirect_uris: [`${ORIGIN}/login/oidc/callback`], response_types: ['code'], grant_types: ['authorization_code'] }],
    pkce: { required: () => true },
    claims: { openid: ['sub'], profile: ['preferred_username'] },
    // The provider's own account store: the login name is the account, and its preferred_username.
    findAccount: async (_ctx, id) => ({ accountId: id, claims: async () => ({ sub: `sub-${id}`, preferred_username: id }) }),
    features: { devInteractions: { enabled: true } },
  });
  provider.on('server_error', (_ctx: unknown, err: Error) => { process.stderr.write(`provider: ${err.stack}\n`); });
  server = await new Promise<Server>((resolve) => { const s = provider.listen(port, '127.0.0.1', () => resolve(s)); });
  w = await ConsoleWorld.create(CONSOLE_YAML + `  oidc: { issuer: '${issuer}', clientId: callvault, clientSecret: console-client-secret, label: Company sign-in }\n`);
  await w.addUser('quinn', 'qa', { purposes: ['quality'] });
  await w.addUser('dora', 'qa', { purposes: ['quality'] });
});

after(async () => {
  await w.close();
  await new Promise((r) => server.close(r));
});

/** A browser on the provider's side: a cookie jar and manual redirects. */
class ProviderBrowser {
  jar = new Map<string, string>();
  async go(url: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<Response> {
    const headers: Record<string, string> = {};
    if (this.jar.size > 0) headers.cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
    let body: string | undefined;
    if (init.form !== undefined) { headers['content-type'] = 'application/x-www-form-urlencoded'; body = new URLSearchParams(init.form).toString(); }
    const res = await fetch(url, { method: init.method ?? 'GET', headers, body, redirect: 'manual' });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair!.indexOf('=');
      this.jar.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
    return res;
  }
}

/** Logs in at the provider as `account` (its dev login form, then consent); returns the console callback URL. */
async function providerLogin(authorizeUrl: string, account: string): Promise<string> {
  const pb = new ProviderBrowser();
  let res = await pb.go(authorizeUrl);
  for (let step = 0; step < 10; step++) {
    const location = res.headers.get('location');
    if (location !== null) {
      const next = new URL(location, issuer).href;
      if (next.startsWith(ORIGIN)) return next;
      res = await pb.go(next);
      continue;
    }
    const page = await res.text();
    const action = /<form[^>]*action="([^"]+)"/.exec(page)?.[1];
    assert.ok(action, `a provider form: ${page.slice(0, 300)}`);
    const form: Record<string, string> = {};
    for (const tag of page.match(/<input[^>]*>/g) ?? []) {
      const name = /\bname="([^"]+)"/.exec(tag)?.[1];
      if (name !== undefined) form[name] = /\bvalue="([^"]*)"/.exec(tag)?.[1] ?? '';
    }
    const button = /<button[^>]*name="([^"]+)"[^>]*value="([^"]*)"/.exec(page);
    if (button !== null) form[button[1]!] = button[2]!;
    if ('login' in form) { form.login = account; form.password = 'any'; }
    res = await pb.go(new URL(action!.replace(/&amp;/g, '&'), issuer).href, { method: 'POST', form });
  }
  assert.fail('the provider never redirected back to the console');
}

async function startAt(b: Browser): Promise<string> {
  const res = await w.request(b, 'GET', '/login/oidc');
  assert.equal(res.statusCode, 303, res.body);
  w.absorb(b, res);
  const location = String(res.headers.location);
  assert.ok(location.startsWith(`${issuer}/`), location);
  const u = new URL(location);
  assert.equal(u.searchParams.get('code_challenge_method'), 'S256');
  assert.ok(u.searchParams.get('nonce') && u.searchParams.get('state'));
  return location;
}

const callbackPath = (url: string) => { const u = new URL(url); return u.pathname + u.search; };

test('sign-in through the identity provider opens a session for the local user of that name', async () => {
  const b = await w.anonymous();
  const login = await w.request(b, 'GET', '/login');
  assert.match(login.body, /<a id="oidc-login" href="\/login\/oidc">Company sign-in<\/a>/);
  const before = b.cookie;
  const callback = await providerLogin(await startAt(b), 'quinn');
  const res = await w.request(b, 'GET', callbackPath(callback));
  assert.equal(res.statusCode, 303, res.body.slice(0, 400));
  w.absorb(b, res);
  assert.notEqual(b.cookie, before, 'a new session id');
  assert.equal((await w.request(b, 'GET', '/api/me/grants')).statusCode, 200);
  const row = w.index.listAudit().filter((a) => a.action === 'console.sign-in').at(-1)!;
  assert.deepEqual([row.actor, row.details.method, row.details.issuer], ['quinn', 'oidc', issuer]);
  // The same callback again (a replayed code) is refused.
  const again = await w.anonymous();
  assert.equal((await w.request(again, 'GET', callbackPath(callback))).statusCode, 401);
});

test('refused: a provider account with no local user, a disabled user, a callback in another browser', async () => {
  const a = await w.anonymous();
  const cb = await providerLogin(await startAt(a), 'mallory');
  assert.equal((await w.request(a, 'GET', callbackPath(cb))).statusCode, 401);
  assert.equal(w.index.listAudit().at(-1)!.details.why, 'no local user for this provider account');

  disableUser(w.index.db, 'dora', 'test', new Date(w.clock));
  const d = await w.anonymous();
  const cbd = await providerLogin(await startAt(d), 'dora');
  assert.equal((await w.request(d, 'GET', callbackPath(cbd))).statusCode, 401);
  assert.deepEqual([w.index.listAudit().at(-1)!.actor, w.index.listAudit().at(-1)!.details.why], ['dora', 'disabled']);

  // Login CSRF: the victim's browser gets the attacker's callback; its session has no such sign-in under way.
  const attacker = await w.anonymous();
  const cba = await providerLogin(await startAt(attacker), 'quinn');
  const victim = await w.anonymous();
  assert.equal((await w.request(victim, 'GET', callbackPath(cba))).statusCode, 401);
  assert.equal(w.index.listAudit().at(-1)!.details.why, 'no sign-in under way in this browser');
});
