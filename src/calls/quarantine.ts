/**
 * Quarantine: where a recording goes when it cannot be handed to the
 * archive (a WAV the spool refuses, metadata that does not validate). One
 * bad file must not block the others: it used to abort every later start's
 * recovery, so later crash orphans were never archived, and left its call
 * "in progress" forever. The file is moved, not deleted (it is the only copy
 * of the recording), beside a JSON note of why; `callvault status` reports
 * it as a problem until an operator archives it by hand
 * (`callvault archive --spool DIR --line LINE --purpose PURPOSE`) or deletes it.
 *
 * The folder is `<storage>/quarantine/`, mode 0700, files 0600: like the
 * spool, it holds plaintext audio.
 */
import { chmodSync, mkdirSync, readdirSync, renameSync, writeFileSync, copyFileSync, unlinkSync } from 'node:fs';
import { basename, join } from 'node:path';

export function quarantineDir(storageDir: string): string {
  return join(storageDir, 'quarantine');
}

/** Moves `wav` (if it exists) into the quarantine with a note; returns where it went. */
export function quarantine(storageDir: string, wav: string, note: { recordingId: string; reason: string; metadata?: unknown }): string {
  const dir = quarantineDir(storageDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const target = join(dir, basename(wav));
  try {
    renameSync(wav, target);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EXDEV') {
      copyFileSync(wav, target);
      unlinkSync(wav);
    } else if (code !== 'ENOENT') {
      throw err;
    }
  }
  try { chmodSync(target, 0o600); } catch { /* the file was already gone: the note still says why */ }
  writeFileSync(join(dir, `${note.recordingId}.quarantine.json`), JSON.stringify({ ...note, at: new Date().toISOString() }, null, 2) + '\n', { mode: 0o600 });
  return target;
}

/** How many recordings wait in quarantine (their notes); 0 when there is no quarantine. */
export function countQuarantined(storageDir: string): number {
  try {
    return readdirSync(quarantineDir(storageDir)).filter((n) => n.endsWith('.quarantine.json')).length;
  } catch {
    return 0;
  }
}
