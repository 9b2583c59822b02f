/**
 * The bundle's key module (src/console/browser/age-keys.ts) in Node, where
 * typage behaves as in the browser: wraps open with the right secret only,
 * and each failure is the KeyError the page turns into a sentence.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Encrypter, armor, generateX25519Identity, identityToRecipient } from 'age-encryption';
import { KeyError, createPersonalKey, fromBase64, identitiesIn, openIdentityFile, recipientsOf, toBase64, unwrapGrant, unwrapPersonalKey, wrapForRecipient } from '../../../src/console/browser/age-keys.js';

const LOG_N = 10; // fast scrypt for tests; the page uses 18

async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof KeyError, `expected a KeyError, got ${String(err)}`);
    return err.failure;
  }
  return 'no failure';
}

test('base64 round-trips every byte value, in chunks larger than the engines\' argument limit', () => {
  const bytes = new Uint8Array(200_000).map((_, i) => (i * 7) & 0xff);
  assert.deepEqual(fromBase64(toBase64(bytes)), bytes);
});

test('personal key: the passphrase opens it, a wrong one is wrong-passphrase', async () => {
  const key = await createPersonalKey('the right passphrase', LOG_N);
  assert.equal(await identityToRecipient(await unwrapPersonalKey(key.wrappedPassphrase, 'the right passphrase')), key.recipient);
  assert.equal(await failure(unwrapPersonalKey(key.wrappedPassphrase, 'another one')), 'wrong-passphrase');
});

test('grant: opens with the personal identity it was made for only', async () => {
  const mine = await createPersonalKey('p', LOG_N);
  const other = await generateX25519Identity();
  const purpose = await generateX25519Identity();
  const grant = await wrapForRecipient(`# quality\n${purpose}\n`, mine.recipient);
  assert.deepEqual(await unwrapGrant(grant, mine.identity), [purpose]);
  assert.equal(await failure(unwrapGrant(grant, other)), 'not-for-you');
});

test('identity files: armored and binary scrypt files, plain text, and the failures', async () => {
  const id = await generateX25519Identity();
  const text = `# created by keygen\n${id}\n`;
  const e = new Encrypter();
  e.setScryptWorkFactor(LOG_N);
  e.setPassphrase('file pass');
  const binary = await e.encrypt(text);
  const armored = new TextEncoder().encode(armor.encode(binary));
  const cases: Array<{ name: string; bytes: Uint8Array; pass: string; expect: string }> = [
    { name: 'armored, right passphrase', bytes: armored, pass: 'file pass', expect: text },
    { name: 'binary, right passphrase', bytes: binary, pass: 'file pass', expect: text },
    { name: 'plain text (keygen --no-passphrase)', bytes: new TextEncoder().encode(text), pass: '', expect: text },
    { name: 'armored, wrong passphrase', bytes: armored, pass: 'nope', expect: 'wrong-passphrase' },
    { name: 'not an identity file', bytes: new TextEncoder().encode('hello\n'), pass: '', expect: 'no-identity' },
    { name: 'damaged armor', bytes: new TextEncoder().encode('-----BEGIN AGE ENCRYPTED FILE-----\n!!!\n-----END AGE ENCRYPTED FILE-----\n'), pass: 'x', expect: 'not-an-identity-file' },
  ];
  for (const c of cases) {
    const got = await openIdentityFile(c.bytes, c.pass).catch((err: unknown) => (err instanceof KeyError ? err.failure : `other: ${String(err)}`));
    assert.equal(got, c.expect, c.name);
  }
  assert.deepEqual(await recipientsOf(text), [await identityToRecipient(id)]);
  assert.throws(() => identitiesIn('# nothing\n'), (err) => err instanceof KeyError && err.failure === 'no-identity');
});
