/** Shape checks for age material the browser sends: recipients, and base64 age files (binary or armored). */
import { AGE_MAGIC } from '../../archive/age-crypto.js';

export const RECIPIENT_SCHEMA = { type: 'string', pattern: '^age1[02-9ac-hj-np-z]{58}$' } as const;

/** Whether base64 text decodes to an age file: the one check the server can make on a wrap it cannot open. */
export function isAgeFileBase64(data: string): boolean {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(data)) return false;
  const bytes = Buffer.from(data, 'base64');
  const head = bytes.toString('latin1', 0, 64);
  return head.startsWith(AGE_MAGIC + '\n') || head.startsWith('-----BEGIN AGE ENCRYPTED FILE-----');
}
