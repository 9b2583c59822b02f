/** The keyless reading of age headers (src/console/age-header.ts): real files from typage, and broken ones. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Encrypter, generateX25519Identity, identityToRecipient } from 'age-encryption';
import { checkCopy, parseAgeHeader } from '../../../src/console/age-header.js';

async function fileTo(recipients: number, plain: Uint8Array, passphrase = false): Promise<Uint8Array> {
  const e = new Encrypter();
  if (passphrase) { e.setPassphrase('p'); e.setScryptWorkFactor(8); }
  for (let i = 0; i < recipients; i++) e.addRecipient(await identityToRecipient(await generateX25519Identity()));
  return e.encrypt(plain);
}

test('good: the stanzas of real files, and where the payload starts', async () => {
  for (const [n, size] of [[1, 0], [1, 65536], [3, 200_000]] as const) {
    const plain = new Uint8Array(size);
    const f = await fileTo(n, plain);
    const h = parseAgeHeader(f)!;
    assert.deepEqual(h.stanzas.map((s) => s.type), Array(n).fill('X25519'));
    assert.equal(new TextDecoder().decode(f.subarray(0, h.length)).split('\n').at(-2)!.startsWith('--- '), true);
    assert.equal(checkCopy(f, n, f.length - h.length), null);
  }
  assert.deepEqual(parseAgeHeader(await fileTo(0, new Uint8Array(10), true))!.stanzas.map((s) => s.type), ['scrypt']);
});

test('fail: not age, cut, or malformed lines are null', async () => {
  const good = new TextDecoder('latin1').decode((await fileTo(1, new Uint8Array(10))).subarray(0, 200));
  const header = good.slice(0, good.indexOf('\n---') + 1 + 47);
  const cases = {
    'other version': header.replace('v1', 'v2'),
    'cut before the MAC': header.slice(0, header.indexOf('---')),
    'short MAC': header.replace(/--- (\S+)/, '--- abc') ,
    'no stanza': 'age-encryption.org/v1\n--- ' + 'A'.repeat(43) + '\n',
    'empty argument': header.replace('-> X25519 ', '-> X25519  '),
    'body not base64': header.replace(/\n([A-Za-z0-9+/]{10})/, '\n!!!!!!!!!!'),
  };
  for (const [what, text] of Object.entries(cases)) assert.equal(parseAgeHeader(Buffer.from(text, 'latin1')), null, what);
});

test('checkCopy names each problem', async () => {
  const f = await fileTo(2, new Uint8Array(100));
  const payload = f.length - parseAgeHeader(f)!.length;
  assert.deepEqual(checkCopy(f, 1, payload), { problem: 'recipient-count', expected: 1, found: 2 });
  assert.deepEqual(checkCopy(f, 2, payload + 1), { problem: 'length', expected: payload + 1, found: payload });
  assert.deepEqual(checkCopy(await fileTo(0, new Uint8Array(100), true), 1, payload), { problem: 'foreign-stanza', type: 'scrypt' });
  assert.deepEqual(checkCopy(new Uint8Array(100), 1, payload), { problem: 'not-age' });
});
