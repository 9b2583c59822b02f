/**
 * Reads the header of an age v1 file (age-encryption.org/v1) without any
 * key: the stanzas (type and arguments) and where the payload starts. The
 * console uses it to check a training copy made in a browser before storing
 * it: the server cannot decrypt, but it can refuse a file that is not age,
 * that a passphrase or plugin could open, or whose recipients are not as
 * many as the training recipients. An X25519 stanza does not name its
 * recipient (age hides who a file is for), so the count and the type are
 * all a keyless reader can check (docs/decisions.md, "Training copies").
 * "Not an age file" is a null return, as typage's parsers do.
 */

export interface AgeStanza { type: string; args: string[] }
export interface AgeHeader { stanzas: AgeStanza[]; /** Bytes up to and including the MAC line's newline. */ length: number }

const INTRO = 'age-encryption.org/v1\n';
/** Headers are small; a bound keeps a garbage upload from being scanned to its end. */
const MAX_HEADER = 64 * 1024;

export function parseAgeHeader(bytes: Uint8Array): AgeHeader | null {
  const limit = Math.min(bytes.length, MAX_HEADER);
  const text = Buffer.from(bytes.subarray(0, limit)).toString('latin1');
  if (!text.startsWith(INTRO)) return null;
  const stanzas: AgeStanza[] = [];
  let at = INTRO.length;
  const line = (): string | null => {
    const end = text.indexOf('\n', at);
    if (end < 0) return null;
    const l = text.slice(at, end);
    at = end + 1;
    return l;
  };
  for (;;) {
    const l = line();
    if (l === null) return null;
    if (l.startsWith('--- ')) {
      if (!/^--- [A-Za-z0-9+/]{43}$/.test(l) || stanzas.length === 0) return null;
      return { stanzas, length: at };
    }
    if (!l.startsWith('-> ')) return null;
    const [type, ...args] = l.slice(3).split(' ');
    if (type === undefined || type === '' || args.some((a) => a === '')) return null;
    // The body: base64 lines of 64 columns, the last one shorter (possibly empty).
    for (;;) {
      const b = line();
      if (b === null || !/^[A-Za-z0-9+/]{0,64}$/.test(b)) return null;
      if (b.length < 64) break;
    }
    stanzas.push({ type, args });
  }
}

/** Why a browser-made copy is refused, as a value the route turns into a sentence. */
export type CopyProblem =
  | { problem: 'not-age' }
  | { problem: 'foreign-stanza'; type: string }
  | { problem: 'recipient-count'; expected: number; found: number }
  | { problem: 'length'; expected: number; found: number };

/**
 * Checks a copy against what the server knows: it is age, only X25519
 * stanzas (what `age1...` recipients make), one per training recipient, and
 * its payload is exactly as long as the source's (the same plaintext in the
 * same 64 KiB STREAM chunks makes the same length: another file would not).
 */
export function checkCopy(copy: Uint8Array, recipients: number, sourcePayloadBytes: number): CopyProblem | null {
  const h = parseAgeHeader(copy);
  if (h === null) return { problem: 'not-age' };
  const foreign = h.stanzas.find((s) => s.type !== 'X25519');
  if (foreign !== undefined) return { problem: 'foreign-stanza', type: foreign.type };
  if (h.stanzas.length !== recipients) return { problem: 'recipient-count', expected: recipients, found: h.stanzas.length };
  const payload = copy.length - h.length;
  if (payload !== sourcePayloadBytes) return { problem: 'length', expected: sourcePayloadBytes, found: payload };
  return null;
}
