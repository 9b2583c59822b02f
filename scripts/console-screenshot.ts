/**
 * Takes the README's picture of the player (docs/img/console-player.png) from
 * the real stack: a real call on the sandbox Asterisk, archived, served by
 * `callvault console` over HTTPS, granted and played in headless chromium
 * (test/browser/support/console-stack.ts). Hold the sandbox lock:
 *   flock /tmp/cv-sandbox.lock -c 'npx tsx scripts/console-screenshot.ts [out.png]'
 */
import { join } from 'node:path';
import { launchChromium } from '../test/browser/support/chromium.js';
import { startConsoleStack, PASSWORD, PURPOSE_PASSPHRASE } from '../test/browser/support/console-stack.js';
import { repo } from '../test/e2e/support/call-harness.js';
import { watchPlayer, waitPlaying } from '../test/browser/support/player-probe.js';

const out = process.argv[2] ?? join(repo, 'docs/img/console-player.png');
const KEY_PASS = 'screenshot passphrase 1';
const stack = await startConsoleStack([{ name: 'ada', role: 'admin' }, { name: 'rita', role: 'qa', purposes: ['quality'] }]);
try {
  const signIn = async (user: string) => {
    const browser = await launchChromium();
    const page = await browser.newPage();
    await page.setViewportSize({ width: 1100, height: 900 });
    await page.goto(`${stack.url}/login`);
    await page.fill('#username', user);
    await page.fill('#password', PASSWORD);
    await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')), page.click('#login-form button[type=submit]')]);
    return { browser, page };
  };
  const rita = await signIn('rita');
  await rita.page.goto(`${stack.url}/keys`);
  await rita.page.fill('#passphrase', KEY_PASS);
  await rita.page.fill('#passphrase2', KEY_PASS);
  await rita.page.click('#key-setup button[type=submit]');
  await rita.page.waitForSelector('#key-message.cv-ok', { timeout: 60_000 });
  const ada = await signIn('ada');
  await ada.page.goto(`${stack.url}/grants`);
  await ada.page.selectOption('#grant-user', 'rita');
  await ada.page.selectOption('#grant-purpose', 'quality');
  await ada.page.setInputFiles('#grant-identity-file', stack.purposeKeyFile);
  await ada.page.fill('#grant-identity-passphrase', PURPOSE_PASSPHRASE);
  await ada.page.click('#grant-form button[type=submit]');
  await ada.page.waitForSelector('#grant-message.cv-ok', { timeout: 60_000 });
  await ada.browser.close();
  const page = rita.page;
  await page.goto(`${stack.url}/recordings/${stack.row.id}`);
  await watchPlayer(page);
  await page.fill('#unlock-passphrase', KEY_PASS);
  await page.click('#play-button');
  await waitPlaying(page);
  await page.waitForSelector('#player[data-waveform=drawn]', { timeout: 60_000 });
  await page.fill('#note-text', 'notice played, caller agreed');
  await page.click('#note-form button[type=submit]');
  await page.waitForSelector('#note-list li');
  await page.evaluate(() => { const a = document.getElementById('audio') as HTMLAudioElement; a.pause(); a.currentTime = a.duration * 0.35; });
  await page.waitForTimeout(500);
  await page.locator('#player').screenshot({ path: out });
  console.log(`console-screenshot: ${out}`);
  await rita.browser.close();
} finally {
  await stack.stop();
}
