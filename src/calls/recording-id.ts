/**
 * Recording ids: `YYYYMMDDTHHMMSSZ-xxxxxxxx` (UTC start time, 32 random
 * bits). Sortable by time, safe in file names and dialplan variables, and
 * free of personal data so it can appear in logs and file names.
 */
import { randomBytes } from 'node:crypto';

/** The one definition of the id's shape (spool, archive and index all use it). */
export const RECORDING_ID = /^[0-9]{8}T[0-9]{6}Z-[0-9a-f]{8}$/;

export function newRecordingId(at: Date): string {
  const stamp = at.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  return `${stamp}-${randomBytes(4).toString('hex')}`;
}

export function isRecordingId(value: string): boolean {
  return RECORDING_ID.test(value);
}
