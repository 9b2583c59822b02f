/**
 * The console as it runs for real: certificate from `callvault console cert`
 * (Debian openssl), users and grants from the real CLI processes, the console
 * as its own process on a TLS listener on 127.0.0.1, and a client that
 * verifies the certificate. The key chain is checked end to end: the grant
 * made by `callvault grant` opens with the user's own identity, and the
 * purpose identity inside it decrypts the ciphertext the console served.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, statSync } from 'node:fs';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { join, dirname } from 'node:path';
import { Decrypter, Encrypter, generateX25519Identity, identityToRecipient } from 'age-encryption';
import { OpsWorld, repo } from '../support/ops-world.js';
import { RECIPIENT } from '../support/fake-call.js';
import { BUNDLE_ENTRIES } from '../../src/console/assets.js';
import { SESSION_COOKIE } from '../../src/console/session-cookie.js';

const PASSWORD = 'a long enough console password';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)); });
  });
}

interface Res { status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }

function https(port: number, ca: Buffer, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Res> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', servername: 'localhost', port, method, path, ca, headers: { ...headers, ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/** The CLI as a real process, for commands without --config. */
function bare(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(repo, 'src/cli/main.ts'), ...args], { cwd: repo, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function cookieOf(r: Res): string {
  const set = r.headers['set-cookie'];
  const m = new RegExp(`${SESSION_COOKIE}=([^;]+)`).exec(Array.isArray(set) ? set.join('\n') : String(set));
  assert.ok(m, 'a session cookie');
  return m[1]!;
}

const csrfOf = (html: string) => /<meta name="csrf-token" content="([^"]+)">/.exec(html)![1]!;

test('console over real HTTPS: cert, users, grant, sign-in, recording page, ciphertext that the granted key decrypts', { timeout: 120_000 }, async () => {
  const port = await freePort();
  const origin = `https://localhost:${port}`;
  const ops = OpsWorld.create({ extraYaml: '' });
  let child: ChildProcess | null = null;
  try {
    // 1. Certificate by the real command.
    const certDir = join(ops.dir, 'tls');
    const cert = bare(['console', 'cert', '--host', 'localhost', '--out-dir', certDir]);
    assert.equal(cert.code, 0, cert.stderr);
    assert.match(cert.stderr, /to replace it/);
    assert.equal(statSync(join(certDir, 'console-key.pem')).mode & 0o777, 0o600);
    const ca = readFileSync(join(certDir, 'console-cert.pem'));

    // 2. Plain HTTP on a non-loopback address is a config error (78); loopback is allowed.
    const base = readFileSync(ops.configPath, 'utf8');
    writeFileSync(ops.configPath, base + `console:\n  listen: { host: 0.0.0.0, port: ${port} }\n`);
    const bad = ops.proc(['check-config']);
    assert.equal(bad.code, 78, bad.stderr);
    assert.match(bad.stderr, /console\.tls .*required/);

    // 3. The purpose key (callvault keygen) and the config that archives to it.
    const idFile = join(ops.dir, 'quality.key.age');
    const keygen = bare(['keygen', '-o', idFile, '--work-factor', '10'], { CALLVAULT_PASSPHRASE: 'purpose passphrase' });
    assert.equal(keygen.code, 0, keygen.stderr);
    const purposeRecipient = keygen.stdout.trim();
    writeFileSync(ops.configPath, base.replaceAll(RECIPIENT, purposeRecipient) + `console:
  listen: { host: 127.0.0.1, port: ${port} }
  origin: ${origin}
  tls: { cert: ${join(certDir, 'console-cert.pem')}, key: ${join(certDir, 'console-key.pem')} }
  teams: { support-team: [support] }
`);
    assert.equal(ops.proc(['check-config']).code, 0);

    // 4. A real recording file: an age file to the purpose recipient.
    const index = ops.open();
    const id = ops.add(index, { purpose: 'quality', line: 'support' });
    const plaintext = Buffer.concat([Buffer.from('OggS'), randomBytes(5000)]);
    const e = new Encrypter();
    e.addRecipient(purposeRecipient);
    const cipher = Buffer.from(await e.encrypt(plaintext));
    const row = index.getRecording(id)!;
    writeFileSync(join(ops.storage, row.file), cipher);
    index.close();

    // 5. Users by the real CLI; the reviewer's personal key as the browser would store it.
    const add = ops.proc(['user', 'add', 'quinn', '--role', 'qa', '--purpose', 'quality', '--team', 'support-team', '--language', 'en'], { env: { CALLVAULT_PASSWORD: PASSWORD } });
    assert.equal(add.code, 0, add.stderr);
    const short = ops.proc(['user', 'add', 'shorty', '--role', 'admin'], { env: { CALLVAULT_PASSWORD: 'short' } });
    assert.notEqual(short.code, 0);
    assert.match(short.stderr, /shorter than 12/);
    const userIdentity = await generateX25519Identity();
    const wrapE = new Encrypter();
    wrapE.setPassphrase('user passphrase');
    wrapE.setScryptWorkFactor(10);
    const wrappedUser = Buffer.from(await wrapE.encrypt(userIdentity)).toString('base64');

    // 6. The console, its own process.
    mkdirSync(join(ops.dir, 'assets'));
    const manifest: Record<string, { file: string; integrity: string }> = {};
    // Every entry the console checks for at start (a new bundle would otherwise fail here only).
    for (const name of BUNDLE_ENTRIES) {
      const js = `export const entry = ${JSON.stringify(name)};\n`;
      const file = `${name}-${createHash('sha256').update(js).digest('hex').slice(0, 8)}.js`;
      writeFileSync(join(ops.dir, 'assets', file), js);
      manifest[name] = { file, integrity: `sha384-${createHash('sha384').update(js).digest('base64')}` };
    }
    writeFileSync(join(ops.dir, 'assets', 'manifest.json'), JSON.stringify(manifest));
    child = spawn(process.execPath, ['--import', 'tsx', join(repo, 'src/cli/main.ts'), 'console', '--config', ops.configPath, '--assets', join(ops.dir, 'assets')], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (c: Buffer) => { out += c.toString(); });
    child.stderr!.on('data', (c: Buffer) => { out += c.toString(); });
    const deadline = Date.now() + 30_000;
    while (!/listening on https:\/\/127\.0\.0\.1:/.test(out)) {
      if (Date.now() > deadline || child.exitCode !== null) assert.fail(`console did not start: ${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }

    // 7. A browser's way through it.
    const login = await https(port, ca, 'GET', '/login');
    assert.equal(login.status, 200);
    assert.equal(login.headers['strict-transport-security'], 'max-age=31536000');
    const anonCookie = cookieOf(login);
    const form = new URLSearchParams({ username: 'quinn', password: PASSWORD, _csrf: csrfOf(login.body.toString()) }).toString();
    const signIn = await https(port, ca, 'POST', '/login', { cookie: `${SESSION_COOKIE}=${anonCookie}`, origin, 'content-type': 'application/x-www-form-urlencoded' }, form);
    assert.equal(signIn.status, 303, signIn.body.toString());
    const cookie = `${SESSION_COOKIE}=${cookieOf(signIn)}`;
    assert.notEqual(cookieOf(signIn), anonCookie);
    const keysPage = await https(port, ca, 'GET', '/keys', { cookie });
    const csrf = csrfOf(keysPage.body.toString());
    assert.match(keysPage.body.toString(), new RegExp(`<script type="module" src="/assets/${manifest.keys!.file}" integrity="${manifest.keys!.integrity.replace(/[+/]/g, '\\$&')}" crossorigin="anonymous">`));
    const asset = await https(port, ca, 'GET', `/assets/${manifest.keys!.file}`);
    assert.equal(asset.status, 200);
    assert.equal(`sha384-${createHash('sha384').update(asset.body).digest('base64')}`, manifest.keys!.integrity);
    assert.equal((await https(port, ca, 'GET', '/assets/manifest.json')).status, 404);
    const recipient = await identityToRecipient(userIdentity);
    const keyRes = await https(port, ca, 'POST', '/api/me/key', { cookie, origin, 'x-csrf-token': csrf, 'content-type': 'application/json' },
      JSON.stringify({ recipient, wrapped: [{ kind: 'passphrase', data: wrappedUser }] }));
    assert.equal(keyRes.status, 201, keyRes.body.toString());

    // No grant yet: the contract's refusal.
    const refused = await https(port, ca, 'GET', `/api/recordings/${id}/audio`, { cookie });
    assert.equal(refused.status, 403);
    assert.equal(JSON.parse(refused.body.toString()).error.code, 'CV_ERR_CONSOLE_NO_GRANT');

    // 8. The grant by the real CLI, from the keygen identity file and its passphrase.
    const grant = ops.proc(['grant', '--purpose', 'quality', '--user', 'quinn', '--identity', idFile, '--actor', 'ada'], { env: { CALLVAULT_PASSPHRASE: 'purpose passphrase' } });
    assert.equal(grant.code, 0, grant.stderr);

    const page = await https(port, ca, 'GET', `/recordings/${id}`, { cookie });
    assert.equal(page.status, 200);
    assert.match(page.body.toString(), /id="player"/);
    const audio = await https(port, ca, 'GET', `/api/recordings/${id}/audio?reason=calibration`, { cookie });
    assert.equal(audio.status, 200);
    assert.deepEqual(audio.body, cipher, 'the .age file exactly as stored');

    // 9. What a browser does next, here in Node: unwrap own identity, open the grant, decrypt.
    const grants = JSON.parse((await https(port, ca, 'GET', '/api/me/grants', { cookie })).body.toString()) as Array<{ purpose: string; recipient: string; wrapped: string }>;
    assert.equal(grants.length, 1);
    assert.equal(grants[0]!.recipient, purposeRecipient);
    const me = JSON.parse((await https(port, ca, 'GET', '/api/me/key', { cookie })).body.toString()) as { wrapped: Array<{ data: string }> };
    const unwrapUser = new Decrypter();
    unwrapUser.addPassphrase('user passphrase');
    const myIdentity = (await unwrapUser.decrypt(Buffer.from(me.wrapped[0]!.data, 'base64'), 'text')).trim();
    const openGrant = new Decrypter();
    openGrant.addIdentity(myIdentity);
    const purposeIdentityText = await openGrant.decrypt(Buffer.from(grants[0]!.wrapped, 'base64'), 'text');
    const purposeIdentity = purposeIdentityText.split('\n').find((l) => l.startsWith('AGE-SECRET-KEY-'))!;
    const dec = new Decrypter();
    dec.addIdentity(purposeIdentity);
    assert.deepEqual(Buffer.from(await dec.decrypt(audio.body)), plaintext);

    // 10. The audit trail and the CLI's view of it.
    const audit = ops.proc(['audit', '--json']);
    for (const action of ['console.user-add', 'console.sign-in', 'console.key-created', 'console.listen-refused', 'console.grant', 'console.listen']) {
      assert.match(audit.stdout, new RegExp(`"action": ?"${action.replace('.', '\\.')}"`), action);
    }
    const list = ops.proc(['user', 'list', '--json']);
    assert.deepEqual(JSON.parse(list.stdout).map((u: { username: string; grants: string[]; key: boolean }) => [u.username, u.key, u.grants]), [['quinn', true, ['quality']]]);
    // Revoke: the grant is gone and the ciphertext is refused again.
    assert.equal(ops.proc(['grant', '--revoke', '--purpose', 'quality', '--user', 'quinn']).code, 0);
    assert.equal((await https(port, ca, 'GET', `/api/recordings/${id}/audio`, { cookie })).status, 403);
    void dirname;
  } finally {
    if (child !== null && child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child!.once('exit', r));
    }
    ops.cleanup();
  }
});
