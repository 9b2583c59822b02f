/**
 * Recording ids: `YYYYMMDDTHHMMSSZ-xxxxxxxx` (UTC start time, 32 random
 * bits). Sortable by time, safe in file names and dialplan variables, and
 * free of personal data so it can appear in logs and file names.
 */
import { randomBytes } from 'node:crypto';

const ID = /^\d{8}T\d{6}Z-[0-9a-f]{8}$/;

export function newRecordingId(at: Date): string {
  const stamp = at.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  return `${stamp}-${randomBytes(4).toString('hex')}`;
}

export function isRecordingId(value: string): boolean {
  return ID.test(value);
}
