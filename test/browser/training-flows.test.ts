/**
 * Training in a real browser (issue 10), on a real call: the sandbox
 * Asterisk connects a caller to agent1, the real daemon records it in stereo
 * and the archiver encrypts it to the quality key (support/console-stack.ts,
 * with a training key too). tina, a trainer of the line's team holding both
 * keys, copies it to training from the recording page: her browser decrypts
 * it, encrypts it to the training recipient and posts only the ciphertext.
 * She builds a playlist of the copy and assigns it to nora, a new hire, who
 * is told she lacks the training key until the admin grants it; then nora
 * plays the call (decrypted in her browser: the caller's 440 Hz on one lane,
 * the agent's 700 Hz on the other) to its end, and tina sees her progress.
 * axe-core and the CSP on each page. Needs the sandbox lock:
 * flock /tmp/cv-sandbox.lock scripts/test test/browser/training-flows.test.ts
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { cspRefusals } from './support/chromium.js';
import { startConsoleStack, type ConsoleStack } from './support/console-stack.js';
import { Browsers, grantPurpose, hearsCallerAndAgentLanes, makeKey, messageMatches, noSeriousAxe } from './support/console-steps.js';
import { watchPlayer } from './support/player-probe.js';
import { RecordingIndex } from '../../src/index/index.js';
import { StorageLayout } from '../../src/archive/storage-layout.js';
import { parseAgeHeader } from '../../src/console/age-header.js';

const KEY_PASS = { tina: 'tina personal passphrase', nora: 'nora personal passphrase' };
let stack: ConsoleStack;
const browsers = new Browsers(() => stack);
let copyId = '';
let playlistUrl = '';

before(async () => {
  stack = await startConsoleStack([
    { name: 'ada', role: 'admin' },
    { name: 'tina', role: 'trainer', teams: ['support-team'] },
    { name: 'nora', role: 'agent', agentId: 'agent9' },
  ], { agentCall: true, training: true });
});

after(async () => {
  await browsers.closeAll();
  await stack?.stop();
});

const text = async (page: import('playwright-core').Page, selector: string) => (await page.textContent(selector)) ?? '';

/** The index as the console left it (read-only: the console process holds it open). */
function indexRow(id: string): { purpose: string; derivedFrom: string | null; file: string; archivedAt: string; retentionUntil: string } {
  const index = RecordingIndex.open(new StorageLayout(stack.files.storage).indexPath, { readonly: true });
  try {
    const r = index.db.prepare('SELECT purpose, derived_from, file, archived_at, retention_until FROM recordings WHERE id = ?').get(id) as
      { purpose: string; derived_from: string | null; file: string; archived_at: string; retention_until: string };
    return { purpose: r.purpose, derivedFrom: r.derived_from, file: r.file, archivedAt: r.archived_at, retentionUntil: r.retention_until };
  } finally {
    index.close();
  }
}

test('tina and nora make their keys; the admin grants tina the quality and training purposes', async () => {
  for (const user of ['tina', 'nora'] as const) {
    const { page } = await browsers.signIn(user);
    await makeKey(stack, page, KEY_PASS[user]);
  }
  const { page } = await browsers.signIn('ada');
  await grantPurpose(stack, page, 'tina', 'quality');
  await grantPurpose(stack, page, 'tina', 'training', stack.trainingKeyFile!);
});

test('tina copies the recorded call to training in her browser: the server stores a training recording derived from it', async () => {
  const source = stack.agentRow!;
  const { browser, page } = await browsers.signIn('tina');
  await page.goto(`${stack.url}/recordings/${source.id}`);
  await noSeriousAxe(page, 'recording (trainer)');
  await page.fill('#copy-passphrase', KEY_PASS.tina);
  await page.click('#copy-button');
  await messageMatches(page, 'copy-message', /Copied to training: \d{8}T\d{6}Z-[0-9a-f]{8}/);
  copyId = (await page.getAttribute('#training-copy', 'data-copy-id'))!;
  const row = indexRow(copyId);
  assert.equal(row.purpose, 'training');
  assert.equal(row.derivedFrom, source.id);
  assert.equal(Date.parse(row.retentionUntil) - Date.parse(row.archivedAt), 183 * 86_400_000, 'retention.training from the copy\'s creation');
  const stored = readFileSync(new StorageLayout(stack.files.storage).absolute(row.file));
  assert.deepEqual(parseAgeHeader(stored)?.stanzas.map((s) => s.type), ['X25519'], 'an age file to the one training recipient');
  assert.equal(stored.includes(Buffer.from('OggS')), false, 'no Ogg page in clear in the stored copy');
  // The audit trail of the copy says who made it from what.
  await page.goto(`${stack.url}/recordings/${copyId}`);
  assert.match(await text(page, '#derived-from'), new RegExp(source.id));
  assert.match(await text(page, 'body'), /training\.copy/);
  assert.deepEqual(cspRefusals(browser.errors), []);
});

test('tina builds a playlist of the copy with a note and assigns it to nora', async () => {
  const { browser, page } = await browsers.signIn('tina');
  await page.goto(`${stack.url}/training`);
  await noSeriousAxe(page, 'training (trainer)');
  await page.fill('#playlist-name', 'Exemplary calls');
  await Promise.all([page.waitForURL(/\/training\/playlists\/pl-[0-9a-f]{24}\?done=created$/), page.click('#playlist-create button[type=submit]')]);
  playlistUrl = page.url().replace(/\?.*/, '');
  await page.selectOption('#item-copy', copyId);
  await page.fill('#item-note', 'hear how agent1 greets and waits');
  await Promise.all([page.waitForURL(/done=added/), page.click('#playlist-add button[type=submit]')]);
  await page.selectOption('#assign-user', 'nora');
  await Promise.all([page.waitForURL(/done=assigned/), page.click('#playlist-assign button[type=submit]')]);
  assert.match(await text(page, '#playlist-items'), /hear how agent1 greets and waits/);
  assert.match(await text(page, '#playlist-progress'), /nora\s*not started/);
  await noSeriousAxe(page, 'playlist (trainer)');
  assert.deepEqual(cspRefusals(browser.errors), []);
});

test('nora is told she lacks the training key; once granted, she plays the call to its end in her browser', async () => {
  const { browser, page } = await browsers.signIn('nora');
  await page.goto(`${stack.url}/learn`);
  assert.match(await text(page, '#learn-missing'), /no training key yet/);
  assert.match(await text(page, 'main'), /Exemplary calls/);
  await noSeriousAxe(page, 'learn (no key)');

  const admin = await browsers.signIn('ada');
  await grantPurpose(stack, admin.page, 'nora', 'training', stack.trainingKeyFile!);

  await page.goto(`${stack.url}/learn`);
  assert.equal(await page.locator('#learn-missing').count(), 0);
  await Promise.all([page.waitForURL(/\/learn\/items\/\d+$/), page.click('main ol a')]);
  assert.match(await text(page, '#learn-note'), /hear how agent1 greets and waits/);
  await noSeriousAxe(page, 'learn item');
  await watchPlayer(page);
  await page.fill('#unlock-passphrase', KEY_PASS.nora);
  await page.click('#play-button');
  await hearsCallerAndAgentLanes(page);
  // Played to the end: the server answered "completed" to the player's last report.
  await page.waitForSelector('#player[data-progress=completed]', { timeout: 120_000 });
  await page.goto(`${stack.url}/learn`);
  assert.match(await text(page, 'main'), /1 of 1 calls completed/);
  assert.deepEqual(cspRefusals(browser.errors), []);
});

test('tina sees nora\'s progress on the playlist', async () => {
  const { page } = await browsers.signIn('tina');
  await page.goto(playlistUrl);
  assert.match(await text(page, '#playlist-progress'), /nora\s*completed\s*1 of 1 calls completed/);
});

test('nothing the console wrote holds audio or a key in clear', () => {
  const log = readFileSync(stack.logFile);
  for (const needle of ['OggS', 'AGE-SECRET-KEY']) assert.equal(log.includes(Buffer.from(needle)), false, needle);
});
