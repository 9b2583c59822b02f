/**
 * Password hashing: argon2id with the OWASP Password Storage Cheat Sheet's
 * first configuration (m = 19 MiB, t = 2, p = 1), through @node-rs/argon2
 * (its binary ships inside an npm package, nothing downloaded at install).
 * A user without a password (just reset) can never sign in: verification
 * runs against a fixed dummy hash so that timing does not tell the two apart.
 */
import { hash, verify, Algorithm } from '@node-rs/argon2';
import { CallvaultError } from '../errors.js';

export const ARGON2_PARAMS = { algorithm: Algorithm.Argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const MIN_PASSWORD_LENGTH = 12;

export function checkPassword(password: string): void {
  if ([...password].length < MIN_PASSWORD_LENGTH) throw new CallvaultError('CV_ERR_CONSOLE_PASSWORD', [`shorter than ${MIN_PASSWORD_LENGTH} characters`]);
  if ([...password].length > 1024) throw new CallvaultError('CV_ERR_CONSOLE_PASSWORD', ['longer than 1024 characters']);
}

export async function hashPassword(password: string): Promise<string> {
  checkPassword(password);
  return hash(password, ARGON2_PARAMS);
}

let dummy: Promise<string> | null = null;

/** True when `password` matches; `stored` null (no password set) is always false, in the same time. */
export async function verifyPassword(stored: string | null, password: string): Promise<boolean> {
  if (stored === null) {
    dummy ??= hash('callvault-dummy-password', ARGON2_PARAMS);
    await verify(await dummy, password).catch(() => false);
    return false;
  }
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}
