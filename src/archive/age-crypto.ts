/**
 * age v1 encryption for recordings, through age-encryption (typage). The host
 * holds only recipients (public keys): X25519 `age1...` and the hybrid
 * post-quantum `age1pq1...` that typage supports. Both directions stream
 * (typage's STREAM is 64 KiB chunks), so memory does not grow with the call.
 * Identity files may be passphrase-protected the way age does it: the file is
 * itself an age file (armored or binary) encrypted with scrypt, which the
 * `age` CLI also reads (`age -d -i key.age`).
 */
import { readFile } from 'node:fs/promises';
import { Decrypter, Encrypter, armor, identityToRecipient } from 'age-encryption';
import { CallvaultError } from '../errors.js';

export const AGE_MAGIC = 'age-encryption.org/v1';
const ARMOR_BEGIN = '-----BEGIN AGE ENCRYPTED FILE-----';

/** The kinds of recipient we archive to; anything else is refused at start, not at the first call. */
export function recipientKind(recipient: string): 'x25519' | 'hybrid' | null {
  if (/^age1pq1[02-9ac-hj-np-z]+$/.test(recipient)) return 'hybrid';
  if (/^age1[02-9ac-hj-np-z]{58}$/.test(recipient)) return 'x25519';
  return null;
}

/** Throws CV_ERR_ARCHIVE_RECIPIENTS naming the purpose when a recipient list is empty or invalid. */
export function checkRecipients(purpose: string, recipients: readonly string[] | undefined): string[] {
  if (recipients === undefined || recipients.length === 0) throw new CallvaultError('CV_ERR_ARCHIVE_RECIPIENTS', [purpose]);
  for (const r of recipients) {
    try {
      if (recipientKind(r) === null) throw new Error('not an X25519 (age1...) or hybrid (age1pq1...) recipient');
      new Encrypter().addRecipient(r); // typage decodes the key here and throws if it is malformed
    } catch (cause) {
      throw new CallvaultError('CV_ERR_ARCHIVE_RECIPIENTS', [purpose], { cause, hint: `recipient ${r.slice(0, 16)}... under archive.recipients.${purpose} is not a valid age public key` });
    }
  }
  return [...recipients];
}

/** Encrypts a plaintext stream to the recipients; the result streams the age file. */
export async function encryptStream(plain: ReadableStream<Uint8Array>, recipients: readonly string[]): Promise<ReadableStream<Uint8Array>> {
  const e = new Encrypter();
  for (const r of recipients) e.addRecipient(r);
  return e.encrypt(plain);
}

export class AgeFormatError extends Error {
  override readonly name = 'AgeFormatError';
}

export interface AgeHeader {
  stanzas: { type: string; args: string[] }[];
  /** Bytes up to and including the MAC line: the payload starts here. */
  length: number;
}

/**
 * Parses the textual header of a binary age file (age spec, "Header"), without
 * any key: lets `callvault verify` check a file's structure and recipient
 * count. Returns null when `buf` ends before the header does.
 */
export function parseAgeHeader(buf: Buffer): AgeHeader | null {
  let pos = 0;
  const line = (): string | null => {
    const nl = buf.indexOf(0x0a, pos);
    if (nl < 0) return null;
    const s = buf.toString('latin1', pos, nl);
    pos = nl + 1;
    return s;
  };
  const first = line();
  if (first === null) {
    if (buf.length >= AGE_MAGIC.length && !buf.toString('latin1', 0, AGE_MAGIC.length).startsWith(AGE_MAGIC)) throw new AgeFormatError('not an age v1 file');
    return null;
  }
  if (first !== AGE_MAGIC) throw new AgeFormatError('not an age v1 file');
  const stanzas: AgeHeader['stanzas'] = [];
  for (;;) {
    const l = line();
    if (l === null) return null;
    if (l.startsWith('--- ')) {
      if (!/^--- [A-Za-z0-9+/]{43}$/.test(l)) throw new AgeFormatError('malformed header MAC');
      if (stanzas.length === 0) throw new AgeFormatError('no recipient stanza');
      return { stanzas, length: pos };
    }
    if (!l.startsWith('-> ')) throw new AgeFormatError('malformed stanza line');
    const args = l.slice(3).split(' ');
    if (args.some((a) => a.length === 0)) throw new AgeFormatError('empty stanza argument');
    // Body: base64 lines of 64 columns, ended by a shorter (possibly empty) line.
    for (;;) {
      const b = line();
      if (b === null) return null;
      if (!/^[A-Za-z0-9+/]{0,64}$/.test(b)) throw new AgeFormatError('malformed stanza body');
      if (b.length < 64) break;
    }
    stanzas.push({ type: args[0]!, args: args.slice(1) });
  }
}

/** Asks for a passphrase; the CLI reads CALLVAULT_PASSPHRASE or prompts on the TTY. */
export type PassphraseSource = (prompt: string) => Promise<string>;

/** Whether a file is an age-encrypted file (then an identity file is passphrase-protected). */
export function isAgeEncrypted(bytes: Buffer): boolean {
  const head = bytes.toString('latin1', 0, 64).trimStart();
  return head.startsWith(ARMOR_BEGIN) || head.startsWith(AGE_MAGIC + '\n');
}

/**
 * Reads an identity file: one `AGE-SECRET-KEY-1...` or `AGE-SECRET-KEY-PQ-1...`
 * per line, `#` comments, or the same encrypted with a passphrase.
 * Throws CV_ERR_ARCHIVE_IDENTITY naming the file and the reason.
 */
export async function loadIdentities(path: string, passphrase: PassphraseSource): Promise<string[]> {
  const fail = (reason: string, cause?: unknown) => new CallvaultError('CV_ERR_ARCHIVE_IDENTITY', [path, reason], cause === undefined ? {} : { cause });
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (cause) {
    throw fail('cannot read it', cause);
  }
  let text: string;
  if (isAgeEncrypted(bytes)) {
    const pass = await passphrase(`passphrase for identity file ${path}`);
    const d = new Decrypter();
    d.addPassphrase(pass);
    try {
      const s = bytes.toString('latin1').trimStart();
      const binary = s.startsWith(ARMOR_BEGIN) ? armor.decode(s) : new Uint8Array(bytes);
      text = await d.decrypt(binary, 'text');
    } catch (cause) {
      throw fail('wrong passphrase, or the file is damaged', cause);
    }
  } else {
    text = bytes.toString('utf8');
  }
  const identities = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0 && !l.startsWith('#'));
  if (identities.length === 0) throw fail('no identity in it');
  for (const id of identities) {
    if (!id.startsWith('AGE-SECRET-KEY-')) throw fail('a line is not an age identity (AGE-SECRET-KEY-...); plugin identities are not supported');
    try {
      new Decrypter().addIdentity(id);
      await identityToRecipient(id);
    } catch (cause) {
      throw fail('an identity in it is malformed', cause);
    }
  }
  return identities;
}

/** Decrypts an age stream; the header is checked before the promise resolves. */
export async function decryptStream(cipher: ReadableStream<Uint8Array>, identities: readonly string[]): Promise<ReadableStream<Uint8Array>> {
  const d = new Decrypter();
  for (const i of identities) d.addIdentity(i);
  return d.decrypt(cipher);
}

/** A new identity, passphrase-protected (armored scrypt age file) unless `passphrase` is null. */
export async function encryptIdentityFile(identityText: string, passphrase: string, scryptLogN = 18): Promise<string> {
  const e = new Encrypter();
  e.setScryptWorkFactor(scryptLogN);
  e.setPassphrase(passphrase);
  return armor.encode(await e.encrypt(identityText));
}
