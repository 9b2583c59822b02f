/**
 * Quality evaluations in a real browser (issue 10), on a real call: the
 * sandbox Asterisk connects a caller to agent1 through the agent step, the
 * real daemon records it in stereo and the archiver encrypts it to the
 * quality key (support/console-stack.ts). rita scores it while listening on
 * the evaluation page (the audio decrypted in her browser: the caller's
 * 440 Hz on one lane, the agent's 700 Hz on the other), her note lands on
 * the waveform; bob releases; agent1 signs in as alice, sees it on her page
 * and disputes it; bob (not the author) rescores; alice sees the new score
 * and her mean change, and acknowledges. axe-core and the CSP on each page.
 * Needs the sandbox lock: flock /tmp/cv-sandbox.lock -c '...'.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { cspRefusals } from './support/chromium.js';
import { startConsoleStack, type ConsoleStack } from './support/console-stack.js';
import { Browsers, grantPurpose, hearsCallerAndAgentLanes, makeKey, messageMatches, noSeriousAxe } from './support/console-steps.js';
import { watchPlayer, waitPlaying } from './support/player-probe.js';
import { DEFAULT_FORM } from '../../src/quality/default-form.js';

const KEY_PASS = { rita: 'rita personal passphrase', bob: 'bob personal passphrase' };
let stack: ConsoleStack;
const browsers = new Browsers(() => stack);
let evaluationUrl = '';
/** Where the flow leaves its screenshot of the dashboard (docs/images/dashboard.png is a copy of one). */
const SCREENSHOT = process.env.CALLVAULT_SCREENSHOT ?? join(tmpdir(), 'callvault-dashboard.png');

before(async () => {
  stack = await startConsoleStack([
    { name: 'ada', role: 'admin' },
    { name: 'rita', role: 'qa', purposes: ['quality'] },
    { name: 'bob', role: 'qa', purposes: ['quality'] },
    { name: 'alice', role: 'agent', agentId: 'agent1' },
  ], { agentCall: true });
});

after(async () => {
  await browsers.closeAll();
  await stack?.stop();
});

/** Checks the answer to every question of the default form: full marks, or the worst for those in `fail` (with a comment where the form has comment fields). */
async function answerAll(page: Page, fail: readonly string[] = [], comments = true): Promise<void> {
  for (const q of DEFAULT_FORM.sections.flatMap((s) => s.questions)) {
    const bad = fail.includes(q.id);
    const value = q.kind === 'yes-no' ? (bad ? 'no' : 'yes') : q.kind === 'scale' ? String(bad ? q.min : q.max)
      : [...q.options].sort((a, b) => (bad ? a.points - b.points : b.points - a.points))[0]!.id;
    await page.check(`input[name="a.${q.id}"][value="${value}"]`);
    if (bad && comments) await page.fill(`#c-${q.id}`, 'not done on this call');
  }
}

const text = async (page: Page, selector: string) => (await page.textContent(selector)) ?? '';

/** agent1's row of the quality dashboard as its cells' text: [agent, evaluations, score, critical, fatal, team, verdict]. */
async function dashboardRow(page: Page): Promise<string[]> {
  await page.goto(`${stack.url}/quality`);
  const row = page.locator('#quality-agents tbody tr', { hasText: 'agent1' });
  return (await row.locator('th, td').allTextContents()).map((c) => c.trim());
}

test('rita and bob make their keys; the admin grants them the quality purpose', async () => {
  for (const user of ['rita', 'bob'] as const) {
    const { page } = await browsers.signIn(user);
    await makeKey(stack, page, KEY_PASS[user]);
  }
  const { page } = await browsers.signIn('ada');
  await grantPurpose(stack, page, 'rita');
  await grantPurpose(stack, page, 'bob');
});

test('rita evaluates the real agent call while listening: her note about a question lands on the waveform; she submits', async () => {
  const row = stack.agentRow!;
  const { browser, page } = await browsers.signIn('rita');
  await page.goto(`${stack.url}/recordings/${row.id}`);
  await Promise.all([page.waitForURL(/\/evaluations\/ev-[0-9a-f]{24}$/), page.click('#evaluation-start button[type=submit]')]);
  evaluationUrl = page.url();
  await noSeriousAxe(page, 'evaluation (draft)');

  await watchPlayer(page);
  await page.fill('#unlock-passphrase', KEY_PASS.rita);
  await page.fill('#access-reason', 'quality evaluation');
  await page.click('#play-button');
  await hearsCallerAndAgentLanes(page);
  await page.waitForSelector('#player[data-waveform=drawn]');
  await page.waitForFunction(() => (document.getElementById('audio') as HTMLAudioElement).currentTime > 1, null, { timeout: 20_000 });
  await page.selectOption('#note-question', 'greeting');
  await page.fill('#note-text', 'greeting said over the caller');
  await page.click('#note-form button[type=submit]');
  await messageMatches(page, 'player-message', /Note saved/);
  assert.match(await text(page, '#note-list'), /greeting said over the caller/);
  // No payment on this call: the one region on the waveform is the note.
  assert.equal(await page.getAttribute('#player', 'data-regions'), '1', 'the note is drawn on the waveform');

  await answerAll(page);
  await Promise.all([page.waitForURL(/done=submitted/), page.click('#evaluation-form button[value=submit]')]);
  assert.match(await text(page, '#evaluation-state'), /submitted/);
  assert.match(await text(page, '#evaluation-score'), /100\.0 %/);
  assert.match(await text(page, '#evaluation-notes'), /\[.*Greeting.*\] greeting said over the caller — rita/);
  await noSeriousAxe(page, 'evaluation (submitted)');
  // The dashboard counts it from its submission on.
  assert.deepEqual((await dashboardRow(page)).slice(0, 3), ['agent1', '1', '100.0%']);
  await noSeriousAxe(page, 'quality dashboard');
  assert.deepEqual(cspRefusals(browser.errors), []);
});

test('bob releases it; alice (agent1) sees it on her page, reads it and disputes it', async () => {
  const bob = await browsers.signIn('bob');
  await bob.page.goto(evaluationUrl);
  await Promise.all([bob.page.waitForURL(/done=release/), bob.page.click('#step-release button[type=submit]')]);
  assert.match(await text(bob.page, '#evaluation-state'), /released/);

  const { browser, page } = await browsers.signIn('alice');
  await page.goto(`${stack.url}/me`);
  await noSeriousAxe(page, 'me (agent)');
  assert.match(await text(page, '#me-evaluations'), /waiting for you/);
  assert.match(await text(page, '#me-means'), /Your mean score: 100\.0 %/);
  await Promise.all([page.waitForURL(evaluationUrl), page.click(`#me-evaluations a[href="${new URL(evaluationUrl).pathname}"]`)]);
  assert.equal(await page.locator('#player').count(), 0, 'the agent reads the evaluation; the audio is not theirs to hear here');
  assert.match(await text(page, '#evaluation-notes'), /greeting said over the caller/);
  await noSeriousAxe(page, 'evaluation (agent)');
  await page.fill('#comment-dispute', 'the caller spoke first, I greeted right after');
  await Promise.all([page.waitForURL(/done=dispute/), page.click('#step-dispute button[type=submit]')]);
  assert.match(await text(page, '#evaluation-state'), /disputed/);
  assert.deepEqual(cspRefusals(browser.errors), []);
});

test('bob, not the author, rescores the dispute; alice sees the new score and her mean change, and acknowledges', async () => {
  const rita = await browsers.signIn('rita');
  await rita.page.goto(evaluationUrl);
  assert.equal(await rita.page.locator('button[value=rescore]').count(), 0, 'the author is not offered the rescore of her own evaluation');

  const { page } = await browsers.signIn('bob');
  await page.goto(evaluationUrl);
  await answerAll(page, ['greeting']);
  await page.fill('#rescore-comment', 'the greeting came late: counted as missed, the rest stands');
  await Promise.all([page.waitForURL(/done=rescored/), page.click('#evaluation-form button[value=rescore]')]);
  const score = await text(page, '#evaluation-score');
  const percent = Number(/(\d+\.\d) %/.exec(score)![1]);
  assert.ok(percent < 100, `the rescore lowered the score: ${score}`);
  assert.match(await text(page, '#evaluation-history'), /Rescore — bob \(was 100\.0 %\)/);
  assert.deepEqual((await dashboardRow(page)).slice(0, 3), ['agent1', '1', `${percent.toFixed(1)}%`], 'the dashboard follows the rescore');
  // The picture in the README: the dashboard as a reviewer sees it after this flow.
  await page.setViewportSize({ width: 1200, height: 1400 });
  await page.screenshot({ path: SCREENSHOT, fullPage: true });

  const alice = await browsers.signIn('alice');
  await alice.page.goto(`${stack.url}/me`);
  assert.match(await text(alice.page, '#me-means'), new RegExp(`Your mean score: ${percent.toFixed(1)} %`));
  await alice.page.goto(evaluationUrl);
  assert.match(await text(alice.page, '#evaluation-score'), new RegExp(`${percent.toFixed(1)} %`));
  await Promise.all([alice.page.waitForURL(/done=acknowledge/), alice.page.click('#step-acknowledge button[type=submit]')]);
  assert.match(await text(alice.page, '#evaluation-state'), /acknowledged/);
  assert.equal(await alice.page.locator('#step-dispute').count(), 0, 'one dispute per evaluation');
});

test('calibration with two evaluators on the real call: blind while open, then the report shows bob\'s deviation from rita\'s reference', async () => {
  const rita = await browsers.signIn('rita');
  await rita.page.goto(`${stack.url}/recordings/${stack.agentRow!.id}`);
  await Promise.all([rita.page.waitForURL(/\/calibrations\/cal-[0-9a-f]{24}$/), rita.page.click('#calibration-start button[type=submit]')]);
  const url = rita.page.url();
  await noSeriousAxe(rita.page, 'calibration (open)');
  // Both hear the call in their browser; the player has no notes here.
  await watchPlayer(rita.page);
  await rita.page.fill('#unlock-passphrase', KEY_PASS.rita);
  await rita.page.click('#play-button');
  await waitPlaying(rita.page);
  assert.equal(await rita.page.locator('.cv-notes').isVisible(), false, 'no notes in a blind calibration');
  await answerAll(rita.page);
  await Promise.all([rita.page.waitForURL(/done=submitted/), rita.page.click('#calibration-form button[value=submit]')]);

  const bob = await browsers.signIn('bob');
  await bob.page.goto(url);
  assert.equal(await bob.page.locator('#calibration-form input[type=radio]:checked').count(), 0, 'bob sees none of rita\'s answers');
  assert.match(await text(bob.page, '#calibration-participants'), /rita \(reference\) — submitted/);
  await watchPlayer(bob.page);
  await bob.page.fill('#unlock-passphrase', KEY_PASS.bob);
  await bob.page.click('#play-button');
  await waitPlaying(bob.page);
  await answerAll(bob.page, ['greeting'], false);
  await Promise.all([bob.page.waitForURL(/done=submitted/), bob.page.click('#calibration-form button[value=submit]')]);
  assert.equal(await bob.page.locator('#calibration-report-h, #cal-report-h').count(), 0, 'no report before the lead closes');

  await rita.page.goto(url);
  await Promise.all([rita.page.waitForURL(/done=closed/), rita.page.click('#calibration-close button[type=submit]')]);
  assert.match(await text(rita.page, '#calibration-summary'), /bob/);
  assert.match(await text(rita.page, '#cal-q-greeting'), /-100\.0/);
  await noSeriousAxe(rita.page, 'calibration (report)');
});
