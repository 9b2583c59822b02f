/**
 * The key handling the console does in the browser, with age-encryption
 * (typage): the personal identity made on first sign-in and wrapped with a
 * passphrase (age scrypt), its unwrapping, the unwrapping of a purpose grant
 * (an age file to the personal recipient whose plaintext is a `callvault
 * keygen` identity file), and the wrapping of such a file to another user.
 * Private keys are strings in this module's callers' memory only: nothing
 * here touches localStorage, sessionStorage or IndexedDB.
 */
import { Decrypter, Encrypter, armor, generateX25519Identity, identityToRecipient, webauthn } from 'age-encryption';

/** scrypt work factor for the personal identity: age's default, about a second in a browser. */
export const PERSONAL_SCRYPT_LOG_N = 18;
const ARMOR_BEGIN = '-----BEGIN AGE ENCRYPTED FILE-----';

export interface PersonalKey {
  identity: string;
  /** The identity file text that the wraps hold. */
  text: string;
  recipient: string;
  /** base64 of the binary age file (scrypt) that holds the identity. */
  wrappedPassphrase: string;
}

/** Why a key operation failed, as a value the page turns into a sentence in the user's language. */
export type KeyFailure = 'wrong-passphrase' | 'not-an-identity-file' | 'no-identity' | 'not-for-you' | 'passkey-failed';

export class KeyError extends Error {
  override readonly name = 'KeyError';
  constructor(readonly failure: KeyFailure, options?: { cause?: unknown }) {
    super(failure, options);
  }
}

export function toBase64(bytes: Uint8Array): string {
  let s = '';
  // Chunks keep String.fromCharCode under the engines' argument limit.
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

export function fromBase64(text: string): Uint8Array {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** Makes a new X25519 identity and wraps it with the passphrase. */
export async function createPersonalKey(passphrase: string, logN = PERSONAL_SCRYPT_LOG_N): Promise<PersonalKey> {
  const identity = await generateX25519Identity();
  const recipient = await identityToRecipient(identity);
  const e = new Encrypter();
  e.setScryptWorkFactor(logN);
  e.setPassphrase(passphrase);
  const text = `# callvault console personal key\n# public key: ${recipient}\n${identity}\n`;
  const wrapped = await e.encrypt(text);
  return { identity, text, recipient, wrappedPassphrase: toBase64(wrapped) };
}

/** The AGE-SECRET-KEY lines of an identity file's text; throws no-identity when there is none. */
export function identitiesIn(text: string): string[] {
  const ids = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.startsWith('AGE-SECRET-KEY-'));
  if (ids.length === 0) throw new KeyError('no-identity');
  return ids;
}

/** Unwraps the personal identity from its passphrase-wrapped copy (base64 age file). */
export async function unwrapPersonalKey(wrappedBase64: string, passphrase: string): Promise<string> {
  const d = new Decrypter();
  d.addPassphrase(passphrase);
  let text: string;
  try {
    text = await d.decrypt(fromBase64(wrappedBase64), 'text');
  } catch (cause) {
    throw new KeyError('wrong-passphrase', { cause });
  }
  const [identity] = identitiesIn(text);
  return identity!;
}

/** Unwraps a grant (base64 age file to the personal recipient): the purpose identities. */
export async function unwrapGrant(wrappedBase64: string, personalIdentity: string): Promise<string[]> {
  const d = new Decrypter();
  d.addIdentity(personalIdentity);
  let text: string;
  try {
    text = await d.decrypt(fromBase64(wrappedBase64), 'text');
  } catch (cause) {
    throw new KeyError('not-for-you', { cause });
  }
  return identitiesIn(text);
}

/**
 * Opens a `callvault keygen` identity file (armored scrypt age file, binary
 * age file, or plain text with --no-passphrase) and returns its text.
 */
export async function openIdentityFile(bytes: Uint8Array, passphrase: string): Promise<string> {
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, 64)).trimStart();
  const isArmored = head.startsWith(ARMOR_BEGIN);
  if (!isArmored && !head.startsWith('age-encryption.org/v1\n')) {
    const text = new TextDecoder().decode(bytes);
    identitiesIn(text);
    return text;
  }
  let binary: Uint8Array;
  try {
    binary = isArmored ? armor.decode(new TextDecoder().decode(bytes)) : bytes;
  } catch (cause) {
    throw new KeyError('not-an-identity-file', { cause });
  }
  const d = new Decrypter();
  d.addPassphrase(passphrase);
  let text: string;
  try {
    text = await d.decrypt(binary, 'text');
  } catch (cause) {
    throw new KeyError('wrong-passphrase', { cause });
  }
  identitiesIn(text);
  return text;
}

/** The recipients (public keys) of the identities in an identity file's text. */
export async function recipientsOf(identityText: string): Promise<string[]> {
  return Promise.all(identitiesIn(identityText).map((i) => identityToRecipient(i)));
}

/** Wraps an identity file's text to a user's recipient: the grant the server stores (base64). */
export async function wrapForRecipient(identityText: string, recipient: string): Promise<string> {
  const e = new Encrypter();
  e.addRecipient(recipient);
  return toBase64(await e.encrypt(identityText));
}

/** Whether this browser offers WebAuthn at all (PRF support is only known once a credential is made). */
export function passkeysAvailable(): boolean {
  return typeof window !== 'undefined' && 'PublicKeyCredential' in window && window.isSecureContext;
}

/**
 * Makes a passkey (discoverable WebAuthn credential with the PRF extension,
 * typage's age-plugin-fido2prf format) and wraps the identity file text to
 * it: the second wrap, so the user can unlock with the passkey instead of the
 * passphrase. Throws passkey-failed when the user cancels or the
 * authenticator has no PRF.
 */
export async function wrapWithPasskey(text: string, keyName: string): Promise<string> {
  try {
    const credential = await webauthn.createCredential({ keyName });
    const e = new Encrypter();
    e.addRecipient(new webauthn.WebAuthnRecipient({ identity: credential }));
    return toBase64(await e.encrypt(text));
  } catch (cause) {
    throw new KeyError('passkey-failed', { cause });
  }
}

/** Unwraps the personal identity with the user's passkey (the browser asks which one). */
export async function unwrapWithPasskey(wrappedBase64: string): Promise<string> {
  const d = new Decrypter();
  d.addIdentity(new webauthn.WebAuthnIdentity());
  let text: string;
  try {
    text = await d.decrypt(fromBase64(wrappedBase64), 'text');
  } catch (cause) {
    throw new KeyError('passkey-failed', { cause });
  }
  const [identity] = identitiesIn(text);
  return identity!;
}
