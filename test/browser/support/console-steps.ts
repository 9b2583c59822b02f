/**
 * The steps several browser flows take the same way a person would: sign in
 * in a fresh profile, make one's personal key on the Keys page, and (as an
 * admin) grant a purpose with the keygen file on the Grants page.
 */
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { launchChromium, axeViolations, type Browser } from './chromium.js';
import { PASSWORD, PURPOSE_PASSPHRASE, type ConsoleStack } from './console-stack.js';
import { readDecoded, waitPlaying } from './player-probe.js';
import { toneWindows } from '../../support/payment-audio.js';

/** Browsers opened by a test file, closed in its after(). */
export class Browsers {
  readonly #open: Browser[] = [];
  constructor(private readonly stack: () => ConsoleStack) {}

  /** A fresh browser profile signed in as `user`. */
  async signIn(user: string): Promise<{ browser: Browser; page: Page }> {
    const browser = await launchChromium();
    this.#open.push(browser);
    const page = await browser.newPage();
    await page.goto(`${this.stack().url}/login`);
    await page.fill('#username', user);
    await page.fill('#password', PASSWORD);
    await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')), page.click('#login-form button[type=submit]')]);
    return { browser, page };
  }

  /** A fresh profile, not signed in. */
  async anonymous(): Promise<{ browser: Browser; page: Page }> {
    const browser = await launchChromium();
    this.#open.push(browser);
    return { browser, page: await browser.newPage() };
  }

  async closeAll(): Promise<void> {
    for (const b of this.#open) await b.close().catch(() => undefined);
  }
}

export async function noSeriousAxe(page: Page, what: string): Promise<void> {
  const v = await axeViolations(page);
  assert.deepEqual(v, [], `${what}: axe-core serious/critical violations`);
}

export const messageMatches = (page: Page, id: string, re: RegExp, timeout = 60_000) =>
  page.waitForFunction(([i, src]) => new RegExp(src!).test(document.getElementById(i!)?.textContent ?? ''), [id, re.source], { timeout });

/** First sign-in's key setup on the Keys page (made and wrapped in the browser). */
export async function makeKey(stack: ConsoleStack, page: Page, passphrase: string): Promise<void> {
  await page.goto(`${stack.url}/keys`);
  await page.fill('#passphrase', passphrase);
  await page.fill('#passphrase2', passphrase);
  await page.click('#key-setup button[type=submit]');
  await messageMatches(page, 'key-message', /personal key is ready/);
}

/** An admin grants `purpose`'s identity (the keygen file of the stack, or `keyFile`) to `user` on the Grants page. */
export async function grantPurpose(stack: ConsoleStack, adminPage: Page, user: string, purpose = 'quality', keyFile = stack.purposeKeyFile): Promise<void> {
  await adminPage.goto(`${stack.url}/grants`);
  await adminPage.selectOption('#grant-user', user);
  await adminPage.selectOption('#grant-purpose', purpose);
  await adminPage.setInputFiles('#grant-identity-file', keyFile);
  await adminPage.fill('#grant-identity-passphrase', PURPOSE_PASSPHRASE);
  await adminPage.click('#grant-form button[type=submit]');
  await messageMatches(adminPage, 'grant-message', new RegExp(`Granted: ${user}`));
}

/**
 * After the play button: the call of the sandbox agent flow plays, and what
 * the browser decoded holds the caller's 440 Hz on the caller lane and
 * agent1's 700 Hz on the agent lane (stereo, as the daemon recorded it).
 */
export async function hearsCallerAndAgentLanes(page: Page): Promise<void> {
  await waitPlaying(page);
  const decoded = await readDecoded(page);
  assert.equal(decoded.channels, 2);
  assert.ok(toneWindows(decoded.samples[0]!, decoded.rate, 440).length > 100, 'the caller\'s 440 Hz on the caller lane');
  assert.ok(toneWindows(decoded.samples[1]!, decoded.rate, 700).length > 100, 'agent1\'s 700 Hz on the agent lane');
}
