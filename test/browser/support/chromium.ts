/**
 * Debian's chromium driven by playwright-core, the way the browser tests and
 * the bench use it: headless, no sandbox (tests run as root), no network
 * beyond the console under test, a fresh profile per launch (so no key,
 * cookie or cache survives between runs), self-signed HTTPS accepted.
 * Console errors and CSP refusals are collected: a page that violates the
 * console's Content-Security-Policy fails the test that opened it.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CALLVAULT_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export interface Browser {
  context: BrowserContext;
  /** Every console error and page error, CSP refusals included, in order. */
  errors: string[];
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'cv-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    ignoreHTTPSErrors: true,
    viewport: { width: 1280, height: 900 },
  });
  const errors: string[] = [];
  const watch = (page: Page) => {
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  };
  context.pages().forEach(watch);
  context.on('page', watch);
  return {
    context,
    errors,
    newPage: () => context.newPage(),
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** The refusals the console's CSP made on a page (Chromium logs each as a console error). */
export function cspRefusals(errors: readonly string[]): string[] {
  return errors.filter((e) => /Content Security Policy/i.test(e));
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation { id: string; impact: string | null; help: string; nodes: number }

/**
 * Runs axe-core in the page. It is evaluated through the DevTools protocol,
 * not injected as a <script>, so the page's CSP stays as the user gets it.
 */
export async function axeViolations(page: Page, impacts: readonly string[] = ['serious', 'critical']): Promise<AxeViolation[]> {
  await page.evaluate(axeSource);
  const all = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(ctx: Document, opts: object): Promise<{ violations: Array<{ id: string; impact: string | null; help: string; nodes: unknown[] }> }> } }).axe;
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length }));
  });
  return all.filter((v) => v.impact !== null && impacts.includes(v.impact));
}
