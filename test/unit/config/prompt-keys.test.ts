/**
 * The shipped prompts name keys ("to object, press 9", "for more
 * information, press 0"): on a default config each announced key must do
 * what the prompt says, and no prompt may announce a key the line ignores.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { lineSchema } from '../../../src/config/schema.js';
import { planDialogue, acceptedKeys } from '../../../src/policy/consent.js';
import { decideSampling } from '../../../src/policy/sampling.js';

const prompts = (lang: string): Map<string, string> => new Map(
  readFileSync(new URL(`../../../prompts/text/${lang}.txt`, import.meta.url), 'utf8').split('\n')
    .filter((l) => l !== '' && !l.startsWith('#')).map((l) => [l.slice(0, l.indexOf('\t')), l.slice(l.indexOf('\t') + 1)] as [string, string]),
);
// "press 9" / "tapez 9": the digit after the verb.
const announced = (text: string): string[] => [...text.matchAll(/(?:press|tapez) ([0-9*#])/g)].map((m) => m[1]!).sort();

const modes = [
  { mode: 'sampled', prompt: 'notice-objection' },
  { mode: 'mandatory', prompt: 'notice-mandatory' },
  { mode: 'consent', prompt: 'notice-consent' },
] as const;

for (const lang of ['en', 'fr']) {
  for (const { mode, prompt } of modes) {
    test(`${lang} ${prompt}: the keys it announces are exactly the keys a default ${mode} line offers`, () => {
      const line = lineSchema.parse({ mode });
      const plan = planDialogue(line, decideSampling(line, { draw: 0 }));
      assert.equal(plan.kind !== 'silent' && plan.prompt, prompt);
      const text = prompts(lang).get(prompt);
      assert.ok(text, `${prompt} in prompts/text/${lang}.txt`);
      assert.deepEqual(announced(text), [...acceptedKeys(plan)].sort());
    });
  }
}

test("infoKey: 'none' turns the information key off", () => {
  const line = lineSchema.parse({ mode: 'mandatory', infoKey: 'none' });
  assert.equal(acceptedKeys(planDialogue(line, decideSampling(line, { draw: 0 }))), '');
});
