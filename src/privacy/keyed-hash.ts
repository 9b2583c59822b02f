/**
 * Keyed hashes (HMAC-SHA-256) of personal data: caller numbers, agent ids,
 * call ids used for sampling. They let logs and the index correlate a person
 * across calls without holding the value in clear; without the key (kept
 * outside the index, mode 0600) nobody can reverse them by enumerating the
 * small space of phone numbers, which a plain hash would allow.
 */
import { createHmac } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { CallvaultError } from '../errors.js';

export type HashDomain = 'caller' | 'agent' | 'sampling' | 'log' | 'objection' | 'review';

export class KeyedHasher {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (key.length < 32) throw new RangeError('keyed hash key must be at least 32 bytes');
    this.#key = Buffer.from(key);
  }

  static fromFile(path: string): KeyedHasher {
    try {
      const st = statSync(path);
      if ((st.mode & 0o077) !== 0) throw new Error(`mode ${(st.mode & 0o777).toString(8)} lets other users read it`);
      return new KeyedHasher(readFileSync(path));
    } catch (cause) {
      throw new CallvaultError('CV_ERR_OPS_HMAC_KEY', [path], { cause });
    }
  }

  /** Hex digest, domain-separated so that a caller hash never equals a sampling hash of the same string. */
  hex(domain: HashDomain, value: string): string {
    return createHmac('sha256', this.#key).update(domain).update('\0').update(value).digest('hex');
  }

  /** Short form for log lines: enough to correlate, too short to be an index key. */
  short(domain: HashDomain, value: string): string {
    return this.hex(domain, value).slice(0, 16);
  }

  /** A uniform number in [0, 1) derived from the value: the deterministic sampling draw. */
  unit(domain: HashDomain, value: string): number {
    const digest = createHmac('sha256', this.#key).update(domain).update('\0').update(value).digest();
    // 53 bits: the full precision of a double, so the draw is uniform to within 2^-53.
    const hi = digest.readUInt32BE(0) >>> 0;
    const lo = digest.readUInt32BE(4) >>> 11;
    return (hi * 2 ** 21 + lo) / 2 ** 53;
  }
}
