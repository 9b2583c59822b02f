/**
 * The passkey wrap of the personal key (typage's WebAuthn PRF support), in
 * Debian's chromium with a CDP virtual authenticator that has PRF: the keys
 * page makes both wraps (passphrase and passkey), and the player unlocks with
 * the passkey alone and plays. An authenticator without PRF gets a clear
 * message and no key is stored. Against the stand-in server
 * (support/static-console.ts), on `localhost` (WebAuthn needs a domain).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Encrypter, generateX25519Identity, identityToRecipient } from 'age-encryption';
import type { Page } from 'playwright-core';
import { launchChromium, cspRefusals, type Browser } from './support/chromium.js';
import { StaticConsole } from './support/static-console.js';
import { watchPlayer, waitPlaying } from './support/player-probe.js';
import { wrapForRecipient } from '../../src/console/browser/age-keys.js';

const PASS = 'passphrase for the passkey test';
const dir = mkdtempSync(join(tmpdir(), 'cv-passkey-'));
let browser: Browser;
let purposeIdentity = '';

before(async () => {
  browser = await launchChromium();
  execFileSync('sox', ['-n', '-r', '48000', '-c', '2', '-b', '16', join(dir, 'call.wav'), 'synth', '2', 'sine', '440', 'sine', '600', 'gain', '-6']);
  execFileSync('opusenc', ['--quiet', join(dir, 'call.wav'), join(dir, 'call.opus')]);
  purposeIdentity = await generateX25519Identity();
});

after(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function withAuthenticator(page: Page, hasPrf: boolean): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true, hasPrf },
  });
}

async function stand(): Promise<StaticConsole> {
  const server = new StaticConsole();
  await server.start();
  const e = new Encrypter();
  e.addRecipient(await identityToRecipient(purposeIdentity));
  server.state.recordings.set('r1', { id: 'r1', purpose: 'quality', cipher: await e.encrypt(new Uint8Array(readFileSync(join(dir, 'call.opus')))), durationMs: 2000, channels: 2, pauses: [] });
  return server;
}

async function createKey(page: Page, server: StaticConsole, passkey: boolean): Promise<void> {
  await page.goto(`${server.localhostUrl}/keys-setup`);
  await page.fill('#passphrase', PASS);
  await page.fill('#passphrase2', PASS);
  if (passkey) await page.check('#passkey-too');
  await page.click('#key-setup button[type=submit]');
}

test('a passkey with PRF: both wraps stored, and the player unlocks with the passkey alone', async () => {
  const server = await stand();
  try {
    const page = await browser.newPage();
    await withAuthenticator(page, true);
    await createKey(page, server, true);
    await page.waitForFunction(() => /ready/.test(document.getElementById('key-message')?.textContent ?? ''), null, { timeout: 30_000 });
    assert.deepEqual(server.state.key!.wrapped.map((w) => w.kind), ['passphrase', 'passkey']);
    const passkeyWrap = Buffer.from(server.state.key!.wrapped[1]!.data, 'base64').toString('latin1');
    assert.match(passkeyWrap, /^age-encryption\.org\/v1\n-> age-encryption\.org\/fido2prf /, 'an age file with a fido2prf stanza');
    server.state.grants.push({ username: 'rita', purpose: 'quality', wrapped: await wrapForRecipient(`${purposeIdentity}\n`, server.state.key!.recipient) });
    await page.goto(`${server.localhostUrl}/recordings/r1`);
    await watchPlayer(page);
    await page.click('#unlock-passkey');
    await page.waitForFunction(() => /Key unlocked/.test(document.getElementById('player-message')?.textContent ?? ''), null, { timeout: 30_000 });
    await page.click('#play-button');
    const t = await waitPlaying(page);
    assert.ok(t.plainBytes > 1000);
    assert.deepEqual(cspRefusals(browser.errors), []);
    await page.close();
  } finally {
    await server.stop();
  }
});

test('an authenticator without PRF: a clear message, and no key is stored', async () => {
  const server = await stand();
  try {
    const page = await browser.newPage();
    await withAuthenticator(page, false);
    await createKey(page, server, true);
    await page.waitForFunction(() => /passkey could not be used/.test(document.getElementById('key-message')?.textContent ?? ''), null, { timeout: 30_000 });
    assert.equal(server.state.key, null);
    await page.close();
  } finally {
    await server.stop();
  }
});
