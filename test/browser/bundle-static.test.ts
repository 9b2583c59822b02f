/**
 * The console's browser bundle on its own, in Debian's chromium under the
 * console's CSP, against a stand-in server (support/static-console.ts): the
 * personal key is made and wrapped in the browser (and Node's typage opens
 * the wrapped copy with the passphrase), wrong passphrases say so, the grant
 * page opens a real `callvault keygen` file and wraps it to the user, and the
 * player decrypts a real Ogg Opus file (opusenc) in its worker and plays it:
 * the decoded samples hold 440 Hz on the caller lane and 600 Hz on the agent
 * lane. Nothing the browser sent holds a private key or Ogg audio.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Decrypter, Encrypter, identityToRecipient } from 'age-encryption';
import type { Page } from 'playwright-core';
import { launchChromium, cspRefusals, type Browser } from './support/chromium.js';
import { StaticConsole } from './support/static-console.js';
import { toneWindows } from '../support/payment-audio.js';
import { readDecoded, watchPlayer, waitPlaying } from './support/player-probe.js';

const PASS = 'correct horse battery staple';
const PURPOSE_PASS = 'purpose key passphrase';
const dir = mkdtempSync(join(tmpdir(), 'cv-bundle-'));
const server = new StaticConsole();
let browser: Browser;
let purposeFile = '';
let purposeRecipient = '';

before(async () => {
  await server.start();
  browser = await launchChromium();
  // The purpose key as an operator makes it: `callvault keygen`, passphrase-protected.
  purposeFile = join(dir, 'quality.key');
  purposeRecipient = execFileSync(process.execPath, ['bin/callvault.js', 'keygen', '-o', purposeFile], { env: { ...process.env, CALLVAULT_PASSPHRASE: PURPOSE_PASS }, encoding: 'utf8' }).trim();
  // A stereo call: 440 Hz caller (left), 600 Hz agent (right), 4 s, encoded by opusenc.
  execFileSync('sox', ['-n', '-r', '48000', '-c', '2', '-b', '16', join(dir, 'call.wav'), 'synth', '4', 'sine', '440', 'sine', '600', 'gain', '-6']);
  execFileSync('opusenc', ['--quiet', '--bitrate', '32', join(dir, 'call.wav'), join(dir, 'call.opus')]);
  const e = new Encrypter();
  e.addRecipient(purposeRecipient);
  const cipher = await e.encrypt(new Uint8Array(readFileSync(join(dir, 'call.opus'))));
  server.state.recordings.set('rec-quality', { id: 'rec-quality', purpose: 'quality', cipher, durationMs: 4000, channels: 2, pauses: [{ startMs: 1000, endMs: 1600 }] });
  server.state.recordings.set('rec-regulatory', { id: 'rec-regulatory', purpose: 'regulatory', cipher, durationMs: 4000, channels: 2, pauses: [] });
});

after(async () => {
  await browser?.close();
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function open(path: string): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(server.url + path);
  return page;
}

test('first sign-in: the key is made and wrapped in the browser; the server gets the recipient and a scrypt age file only', async () => {
  const page = await open('/keys-setup');
  await page.fill('#passphrase', PASS);
  await page.fill('#passphrase2', PASS + 'x');
  await page.click('#key-setup button[type=submit]');
  await page.waitForFunction(() => /differ/.test(document.getElementById('key-message')?.textContent ?? ''));
  assert.equal(server.state.key, null, 'mismatched passphrases send nothing');
  await page.fill('#passphrase2', PASS);
  await page.click('#key-setup button[type=submit]');
  await page.waitForFunction(() => /ready/.test(document.getElementById('key-message')?.textContent ?? ''), null, { timeout: 30000 });
  const key = server.state.key!;
  assert.match(key.recipient, /^age1[02-9ac-hj-np-z]{58}$/);
  assert.equal(key.wrapped[0]!.kind, 'passphrase');
  const d = new Decrypter();
  d.addPassphrase(PASS);
  const text = await d.decrypt(Buffer.from(key.wrapped[0]!.data, 'base64'), 'text');
  const identity = text.split('\n').find((l) => l.startsWith('AGE-SECRET-KEY-1'))!;
  assert.equal(await identityToRecipient(identity), key.recipient, 'the wrapped identity is the one whose recipient was sent');
  assert.deepEqual(await page.evaluate(() => [localStorage.length, sessionStorage.length]), [0, 0], 'nothing in web storage');
  assert.deepEqual(cspRefusals(browser.errors), []);
  await page.close();
});

test('key unlock: a wrong passphrase says so, the right one unlocks', async () => {
  const page = await open('/keys-unlock');
  await page.fill('#passphrase', 'not it');
  await page.click('#key-unlock button[type=submit]');
  await page.waitForFunction(() => /Wrong passphrase/.test(document.getElementById('key-message')?.textContent ?? ''), null, { timeout: 30000 });
  assert.equal(await page.getAttribute('#key-message', 'role'), 'alert');
  await page.fill('#passphrase', PASS);
  await page.click('#key-unlock button[type=submit]');
  await page.waitForFunction(() => /Key unlocked/.test(document.getElementById('key-message')?.textContent ?? ''), null, { timeout: 30000 });
  await page.close();
});

test('grant page: wrong file passphrase and wrong purpose key are refused; the right file is wrapped to the user', async () => {
  const cases: Array<{ name: string; recipients: string; pass: string; expect: RegExp }> = [
    { name: 'wrong passphrase', recipients: purposeRecipient, pass: 'nope', expect: /Wrong passphrase/ },
    { name: 'another purpose', recipients: 'age1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq', pass: PURPOSE_PASS, expect: /not the key of the chosen purpose/ },
    { name: 'right file', recipients: purposeRecipient, pass: PURPOSE_PASS, expect: /Granted: rita/ },
  ];
  for (const c of cases) {
    server.purposeRecipients = c.recipients;
    const page = await open('/grants');
    await page.setInputFiles('#grant-identity-file', purposeFile);
    await page.fill('#grant-identity-passphrase', c.pass);
    await page.click('#grant-form button[type=submit]');
    await page.waitForFunction((re) => new RegExp(re).test(document.getElementById('grant-message')?.textContent ?? ''), c.expect.source, { timeout: 30000 });
    await page.close();
  }
  assert.equal(server.state.grants.length, 1, 'only the right file made a grant');
  const d = new Decrypter();
  d.addPassphrase(PASS);
  const personal = (await d.decrypt(Buffer.from(server.state.key!.wrapped[0]!.data, 'base64'), 'text')).split('\n').find((l) => l.startsWith('AGE-SECRET-KEY-1'))!;
  const g = new Decrypter();
  g.addIdentity(personal);
  const purposeText = await g.decrypt(Buffer.from(server.state.grants[0]!.wrapped, 'base64'), 'text');
  const purposeId = purposeText.split('\n').find((l) => l.startsWith('AGE-SECRET-KEY-1'))!;
  assert.equal(await identityToRecipient(purposeId), purposeRecipient);
});

test('player: no grant is refused by the server and the page says why', async () => {
  const page = await open('/recordings/rec-regulatory');
  await page.fill('#unlock-passphrase', PASS);
  await page.click('#play-button');
  await page.waitForFunction(() => /no grant for the purpose regulatory/.test(document.getElementById('player-message')?.textContent ?? ''), null, { timeout: 30000 });
  assert.equal(await page.evaluate(() => (document.getElementById('audio') as HTMLAudioElement).src), '');
  await page.close();
});

test('player: wrong passphrase, then decrypt in the worker, play, two lanes with the caller and agent tones, pause region, a note', async () => {
  const page = await open('/recordings/rec-quality');
  await watchPlayer(page);
  const before = server.state.audioRequests.length;
  await page.fill('#unlock-passphrase', 'wrong');
  await page.click('#play-button');
  await page.waitForFunction(() => /Wrong passphrase/.test(document.getElementById('player-message')?.textContent ?? ''), null, { timeout: 30000 });
  assert.equal(server.state.audioRequests.length, before, 'no ciphertext is fetched before the key unlocks');
  await page.fill('#unlock-passphrase', PASS);
  await page.fill('#access-reason', 'coaching session');
  await page.click('#play-button');
  const timings = await waitPlaying(page);
  assert.ok(timings.plainBytes > 1000);
  assert.equal(server.state.audioRequests.at(-1)!.reason, 'coaching session');
  const decoded = await readDecoded(page);
  assert.equal(decoded.channels, 2);
  assert.ok(Math.abs(decoded.duration - 4) < 0.1, `decoded ${decoded.duration} s`);
  assert.ok(Math.abs((await page.evaluate(() => (document.getElementById('audio') as HTMLAudioElement).duration)) - 4) < 0.1);
  const caller440 = toneWindows(decoded.samples[0]!, decoded.rate, 440).length;
  const agent440 = toneWindows(decoded.samples[1]!, decoded.rate, 440).length;
  const agent600 = toneWindows(decoded.samples[1]!, decoded.rate, 600).length;
  assert.ok(caller440 > 300, `caller lane holds 440 Hz (${caller440} windows)`);
  assert.equal(agent440, 0, 'and the agent lane does not');
  assert.ok(agent600 > 300, `agent lane holds 600 Hz (${agent600} windows)`);
  await page.waitForSelector('#player[data-waveform=drawn]');
  assert.deepEqual(await page.$$eval('.cv-lane-labels span', (s) => s.map((e) => e.textContent)), ['Caller', 'Agent']);
  assert.match(await page.textContent('#player-pauses') ?? '', /0:01–0:01 : card data: not recorded/);
  const regionText = await page.evaluate(() => {
    const host = document.querySelector('#waveform > div');
    return host?.shadowRoot?.querySelector('[part~="region"]')?.textContent ?? '';
  });
  assert.equal(regionText, 'card data: not recorded');
  // wavesurfer's shadow styles apply under the CSP (adopted sheet, see scripts/build-console.mjs).
  assert.equal(await page.evaluate(() => {
    const canvas = document.querySelector('#waveform > div')?.shadowRoot?.querySelector('canvas');
    return canvas === null || canvas === undefined ? 'no canvas' : getComputedStyle(canvas).position;
  }), 'absolute');
  // Keyboard: arrow right jumps 5 s (clamped at the end), space pauses.
  await page.evaluate(() => { (document.activeElement as HTMLElement | null)?.blur(); });
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('Space');
  assert.equal(await page.evaluate(() => (document.getElementById('audio') as HTMLAudioElement).paused), true);
  await page.keyboard.press('ArrowUp');
  assert.equal(await page.evaluate(() => (document.getElementById('audio') as HTMLAudioElement).playbackRate), 1.25);
  await page.keyboard.press('n');
  await page.keyboard.type('greeting is fine');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => /greeting is fine/.test(document.getElementById('note-list')?.textContent ?? ''));
  assert.equal(server.state.notes.length, 1);
  assert.ok(server.state.notes[0]!.atMs >= 0);
  // Nothing the browser sent holds a private key or audio.
  const sent = JSON.stringify(server.state.posts);
  assert.doesNotMatch(sent, /AGE-SECRET-KEY|OggS/);
  for (const p of server.state.posts) assert.equal(p.csrf, 'static-csrf-token', `${p.url} sent the CSRF token`);
  assert.deepEqual(cspRefusals(browser.errors), [], 'no CSP refusal on any page');
  await page.close();
});

test('French page: the bundle writes in French', async () => {
  server.lang = 'fr';
  const page = await open('/recordings/rec-quality');
  await page.click('#play-button');
  await page.waitForFunction(() => /phrase secrète/.test(document.getElementById('player-message')?.textContent ?? ''));
  assert.match(await page.textContent('#player-shortcuts') ?? '', /Raccourcis clavier/);
  server.lang = 'en';
  await page.close();
});
