/**
 * prompts.defaultLanguage on a real Asterisk 22, which always sends
 * agi_language (every channel starts with asterisk.conf's defaultlanguage,
 * `en` in the sandbox): a channel language equal to that default counts as
 * "no language set" (src/policy/language.ts), CALLVAULT_LANGUAGE wins, and a
 * language without prompts falls back to the default. Asterisk's console log
 * says which file it played.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ensureSandbox, writeStack, Caller, InProcessDaemon, waitForSpool, playedPrompts, type StackFiles } from './support/call-harness.js';

const LINES = `
  always: { mode: sampled, rate: 1 }`;

let files: StackFiles;
let daemon: InProcessDaemon;
const caller = new Caller();

before(async () => {
  ensureSandbox();
  // A French centre: Asterisk left at its own default (en), callvault's default fr.
  files = writeStack(LINES, '', { defaultLanguage: 'fr' });
  daemon = new InProcessDaemon(files);
  await daemon.start();
  await caller.start();
});
after(async () => {
  await caller.stop();
  await daemon.stop();
});

const table: Array<{ name: string; vars: Record<string, string>; heard: string }> = [
  { name: "nothing set (the channel has Asterisk's default en): the configured default, French", vars: {}, heard: 'fr' },
  { name: 'CALLVAULT_LANGUAGE=en: English, although the configured default is French', vars: { CALLVAULT_LANGUAGE: 'en' }, heard: 'en' },
  { name: 'a channel language without prompts (de): the configured default', vars: { CALLVAULT_TEST_LANGUAGE: 'de' }, heard: 'fr' },
];

for (const row of table) {
  test(`language: ${row.name}`, async () => {
    const r = await caller.call('tones', 'always', daemon.agiPort, { vars: { CALLVAULT_TEST_PAYMENT: '0', CALLVAULT_TEST_TALK: '1', ...row.vars } });
    assert.equal(r.vars.CALLVAULT_DECISION, 'record');
    assert.deepEqual(playedPrompts(r.channel), [`${row.heard}/callvault/notice-objection`], 'what Asterisk played');
    const meta = await waitForSpool(files.spool, r.vars.CALLVAULT_RECORDING_ID!);
    assert.equal(meta.language, row.heard);
  });
}
