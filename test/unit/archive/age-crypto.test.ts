import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Encrypter, generateHybridIdentity, identityToRecipient } from 'age-encryption';
import {
  AgeFormatError, checkRecipients, decryptStream, encryptIdentityFile, encryptStream, isAgeEncrypted,
  loadIdentities, parseAgeHeader, recipientKind,
} from '../../../src/archive/age-crypto.js';
import { isCallvaultError } from '../../../src/errors.js';
import { newKey, tempDir } from './fixtures.js';

function streamOf(...parts: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({ start(c) { for (const p of parts) c.enqueue(p); c.close(); } });
}

async function collect(s: ReadableStream<Uint8Array>): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of s as unknown as AsyncIterable<Uint8Array>) out.push(Buffer.from(c));
  return Buffer.concat(out);
}

const noPassphrase = async (): Promise<string> => { throw new Error('no passphrase expected'); };

test('streaming encryption to several recipients (X25519 and hybrid) decrypts with each identity', async () => {
  const a = await newKey();
  const pq = await generateHybridIdentity();
  const pqRecipient = await identityToRecipient(pq);
  assert.equal(recipientKind(a.recipient), 'x25519');
  assert.equal(recipientKind(pqRecipient), 'hybrid');
  // Larger than one 64 KiB STREAM chunk, fed in odd sizes.
  const plain = Buffer.alloc(200_000);
  for (let i = 0; i < plain.length; i++) plain[i] = (i * 7) & 0xff;
  const cipher = await collect(await encryptStream(streamOf(plain.subarray(0, 1000), plain.subarray(1000, 70_001), plain.subarray(70_001)), [a.recipient, pqRecipient]));
  const header = parseAgeHeader(cipher);
  assert.ok(header !== null);
  assert.deepEqual(header.stanzas.map((s) => s.type), ['X25519', 'mlkem768x25519']);
  for (const id of [a.identity, pq]) assert.deepEqual(await collect(await decryptStream(streamOf(cipher), [id])), plain);
  const other = await newKey();
  await assert.rejects(decryptStream(streamOf(cipher), [other.identity]), /no identity matched/);
  // A flipped payload byte fails authentication.
  const bad = Buffer.from(cipher);
  bad[bad.length - 100] = bad[bad.length - 100]! ^ 1;
  await assert.rejects(collect(await decryptStream(streamOf(bad), [a.identity])));
});

test('age header parser: good headers, truncated ones ask for more, bad ones throw', async () => {
  const k = await newKey();
  const e = new Encrypter();
  e.addRecipient(k.recipient);
  const file = Buffer.from(await e.encrypt('hello'));
  const h = parseAgeHeader(file)!;
  assert.equal(h.stanzas.length, 1);
  assert.equal(file.toString('latin1', h.length - 1, h.length), '\n');
  assert.equal(parseAgeHeader(file.subarray(0, h.length - 5)), null);
  const cases: [string, string][] = [
    ['wrong magic', 'age-encryption.org/v2\n-> X25519 abc\n\n--- ' + 'A'.repeat(43) + '\n'],
    ['no stanza', 'age-encryption.org/v1\n--- ' + 'A'.repeat(43) + '\n'],
    ['bad MAC', 'age-encryption.org/v1\n-> X25519 abc\n\n--- short\n'],
    ['bad body', 'age-encryption.org/v1\n-> X25519 abc\n!!!!\n--- ' + 'A'.repeat(43) + '\n'],
    ['garbage line', 'age-encryption.org/v1\nhello\n'],
  ];
  for (const [name, text] of cases) assert.throws(() => parseAgeHeader(Buffer.from(text)), AgeFormatError, name);
});

test('recipients are checked at start, with the purpose named', async () => {
  const k = await newKey();
  assert.deepEqual(checkRecipients('quality', [k.recipient]), [k.recipient]);
  const bad: [string, string[] | undefined][] = [
    ['none configured', undefined], ['empty list', []], ['secret key by mistake', [k.identity]],
    ['bad checksum', [k.recipient.slice(0, -1) + (k.recipient.endsWith('q') ? 'p' : 'q')]], ['ssh key', ['ssh-ed25519 AAAA']],
  ];
  for (const [name, list] of bad) {
    assert.throws(() => checkRecipients('training', list), (e: unknown) => isCallvaultError(e, 'CV_ERR_ARCHIVE_RECIPIENTS') && /training/.test(e.message), name);
  }
});

test('identity files: plain, with comments, passphrase-protected; bad ones say why', async () => {
  const dir = tempDir();
  try {
    const k = await newKey();
    const plain = join(dir.path, 'plain.txt');
    writeFileSync(plain, `# created: now\n# public key: ${k.recipient}\n${k.identity}\n`);
    assert.deepEqual(await loadIdentities(plain, noPassphrase), [k.identity]);

    const protectedFile = join(dir.path, 'protected.age');
    const armored = await encryptIdentityFile(`${k.identity}\n`, 'correct horse', 10);
    assert.ok(isAgeEncrypted(Buffer.from(armored)));
    writeFileSync(protectedFile, armored);
    let asked = '';
    assert.deepEqual(await loadIdentities(protectedFile, async (p) => { asked = p; return 'correct horse'; }), [k.identity]);
    assert.match(asked, /protected\.age/);

    const cases: [string, string | null, RegExp, (p: string) => Promise<string>][] = [
      ['wrong passphrase', armored, /wrong passphrase/, async () => 'battery staple'],
      ['empty file', '', /no identity/, noPassphrase],
      ['a recipient, not an identity', k.recipient, /not an age identity/, noPassphrase],
      ['malformed key', 'AGE-SECRET-KEY-1QQQQ', /malformed/, noPassphrase],
      ['missing file', null, /cannot read/, noPassphrase],
    ];
    for (const [name, content, want, pass] of cases) {
      const p = join(dir.path, `case-${name.replace(/\W/g, '-')}`);
      if (content !== null) writeFileSync(p, content);
      await assert.rejects(loadIdentities(p, pass), (e: unknown) => isCallvaultError(e, 'CV_ERR_ARCHIVE_IDENTITY') && want.test(e.message), name);
    }
  } finally {
    dir.cleanup();
  }
});
