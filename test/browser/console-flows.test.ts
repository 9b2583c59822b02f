/**
 * The review console in a real browser (Debian's chromium, headless) against
 * the real `callvault console` over HTTPS, serving a recording made by a real
 * call on the sandbox Asterisk through the real daemon and archiver
 * (support/console-stack.ts). Flows: first sign-in makes and wraps a personal
 * key; an admin grants the quality purpose by giving the `callvault keygen`
 * file in the grant page; the reviewer hears the call (the audio element
 * plays, its duration is the recording's, the decoded caller lane holds the
 * caller's 440 Hz and neither lane the 1 kHz card tone); a reviewer without
 * the grant is refused and told why; wrong passphrases say so; axe-core finds
 * no serious or critical violation; and afterwards nothing the server wrote
 * holds Ogg audio or an age private key.
 * Needs the sandbox lock: flock /tmp/cv-sandbox.lock -c '...'.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { cspRefusals } from './support/chromium.js';
import { startConsoleStack, PURPOSE_PASSPHRASE, type ConsoleStack } from './support/console-stack.js';
import { Browsers, messageMatches, noSeriousAxe } from './support/console-steps.js';
import { readDecoded, watchPlayer, waitPlaying } from './support/player-probe.js';
import { toneWindows } from '../support/payment-audio.js';

const KEY_PASS = { rita: 'rita personal passphrase', bob: 'bob personal passphrase' };
let stack: ConsoleStack;
const browsers = new Browsers(() => stack);
const signIn = (user: string) => browsers.signIn(user);

before(async () => {
  stack = await startConsoleStack([
    { name: 'ada', role: 'admin' },
    { name: 'rita', role: 'qa', purposes: ['quality'] },
    { name: 'bob', role: 'qa', purposes: ['quality'] },
  ]);
});

after(async () => {
  await browsers.closeAll();
  await stack?.stop();
});

test('the login page passes axe-core', async () => {
  const { page } = await browsers.anonymous();
  const res = await page.goto(`${stack.url}/login`);
  assert.match(res!.headers()['content-security-policy'] ?? '', /script-src 'self'/);
  await noSeriousAxe(page, 'login');
});

test('first sign-in: rita and bob make their personal keys in the browser', async () => {
  for (const user of ['rita', 'bob'] as const) {
    const { browser, page } = await signIn(user);
    await page.goto(`${stack.url}/keys`);
    await noSeriousAxe(page, 'keys (setup)');
    await page.fill('#passphrase', KEY_PASS[user]);
    await page.fill('#passphrase2', KEY_PASS[user]);
    await page.click('#key-setup button[type=submit]');
    await messageMatches(page, 'key-message', /personal key is ready/);
    await page.reload();
    assert.equal(await page.locator('#key-unlock').count(), 1, 'the keys page now offers to unlock the stored key');
    // Wrong passphrase on the unlock form: a clear message.
    await page.fill('#passphrase', 'not my passphrase');
    await page.click('#key-unlock button[type=submit]');
    await messageMatches(page, 'key-message', /Wrong passphrase/);
    assert.deepEqual(cspRefusals(browser.errors), []);
  }
});

test('an admin grants the quality purpose to rita with the keygen file, in the grant page', async () => {
  const { browser, page } = await signIn('ada');
  await page.goto(`${stack.url}/grants`);
  await page.selectOption('#grant-user', 'rita');
  await page.selectOption('#grant-purpose', 'quality');
  await page.setInputFiles('#grant-identity-file', stack.purposeKeyFile);
  await page.fill('#grant-identity-passphrase', 'wrong passphrase');
  await page.click('#grant-form button[type=submit]');
  await messageMatches(page, 'grant-message', /Wrong passphrase/);
  await page.fill('#grant-identity-passphrase', PURPOSE_PASSPHRASE);
  await page.click('#grant-form button[type=submit]');
  await messageMatches(page, 'grant-message', /Granted: rita/);
  assert.deepEqual(cspRefusals(browser.errors), []);
});

test('rita opens the recording of the real call and hears it: duration, caller tone, no card tone', async () => {
  const { browser, page } = await signIn('rita');
  await page.goto(`${stack.url}/recordings`);
  await noSeriousAxe(page, 'recordings');
  await Promise.all([page.waitForURL(`**/recordings/${stack.row.id}`), page.click(`a[href="/recordings/${stack.row.id}"]`)]);
  await noSeriousAxe(page, 'recording');
  await watchPlayer(page);
  await page.fill('#unlock-passphrase', 'wrong');
  await page.click('#play-button');
  await messageMatches(page, 'player-message', /Wrong passphrase/);
  await page.fill('#unlock-passphrase', KEY_PASS.rita);
  await page.fill('#access-reason', 'monthly quality review');
  await page.click('#play-button');
  await waitPlaying(page);
  await page.waitForFunction(() => (document.getElementById('audio') as HTMLAudioElement).currentTime > 0.3, null, { timeout: 20_000 });
  const duration = await page.evaluate(() => (document.getElementById('audio') as HTMLAudioElement).duration);
  assert.ok(Math.abs(duration * 1000 - stack.row.durationMs) <= 100, `audio element: ${duration} s, index: ${stack.row.durationMs} ms`);
  const decoded = await readDecoded(page);
  assert.equal(decoded.channels, 2);
  const caller = decoded.samples[0]!;
  const agent = decoded.samples[1]!;
  assert.ok(toneWindows(caller, decoded.rate, 440).length > 200, 'the caller lane holds the caller\'s 440 Hz');
  assert.deepEqual(toneWindows(agent, decoded.rate, 440).map((w) => w.atMs), [], 'and the agent lane does not');
  for (const [name, lane] of [['caller', caller], ['agent', agent]] as const) {
    assert.deepEqual(toneWindows(lane, decoded.rate, 1000).map((w) => w.atMs), [], `no card tone (1 kHz) on the ${name} lane`);
  }
  await page.waitForSelector('#player[data-waveform=drawn]');
  assert.equal(await page.locator('#player-pauses li').count(), stack.row.pauses.length);
  // A note at the current time goes to the server and onto the page.
  await page.fill('#note-text', 'greeting and notice correct');
  await page.click('#note-form button[type=submit]');
  await messageMatches(page, 'player-message', /Note saved/);
  await noSeriousAxe(page, 'recording (player loaded)');
  assert.deepEqual(cspRefusals(browser.errors), []);
  // The access is in the recording's audit trail with the reason typed.
  await page.reload();
  assert.match(await page.textContent('body') ?? '', /monthly quality review/);
  assert.match(await page.textContent('#note-list') ?? '', /greeting and notice correct/);
});

test('bob, a reviewer without the grant, gets the ciphertext refused and the page says why', async () => {
  const { page } = await signIn('bob');
  await page.goto(`${stack.url}/recordings/${stack.row.id}`);
  await page.fill('#unlock-passphrase', KEY_PASS.bob);
  await page.click('#play-button');
  await messageMatches(page, 'player-message', /quality/);
  const text = await page.textContent('#player-message') ?? '';
  assert.doesNotMatch(text, /Decrypted/);
  assert.equal(await page.evaluate(() => (document.getElementById('audio') as HTMLAudioElement).src), '');
});

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

test('after the session nothing the server wrote holds Ogg audio or an age private key', async () => {
  await stack.stop();
  const written = [...filesUnder(stack.files.storage), stack.logFile];
  assert.ok(written.some((f) => f.endsWith('index.sqlite')), 'the index is among the files checked');
  assert.ok(written.some((f) => f.endsWith('.age')), 'the archive is among the files checked');
  for (const f of written) {
    const bytes = readFileSync(f);
    assert.equal(bytes.indexOf('OggS'), -1, `${f} holds the Ogg magic`);
    assert.equal(bytes.indexOf('AGE-SECRET-KEY'), -1, `${f} holds an age private key`);
  }
});
