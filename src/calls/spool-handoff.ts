/**
 * Hands a finished recording to the archive: moves the WAV into the spool,
 * then writes `<id>.json` beside it. The JSON is written last, atomically
 * (tmp, fsync, rename, fsync dir): its presence means the WAV is complete.
 * The format is the contract in docs/spec.md, "Spool".
 */
import { open, rename, copyFile, unlink, mkdir, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { CallvaultError } from '../errors.js';
import { spoolMetadataSchema, type SpoolMetadata } from '../archive/spool-metadata.js';

export type { SpoolMetadata };

async function fsyncPath(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try { await fh.sync(); } finally { await fh.close(); }
}

/** Moves `source` into `spoolDir` (rename when on the same filesystem, else copy then unlink). */
async function moveDurably(source: string, target: string): Promise<void> {
  try {
    await rename(source, target);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    const tmp = `${target}.tmp`;
    await copyFile(source, tmp);
    await fsyncPath(tmp);
    await rename(tmp, target);
    await unlink(source);
  }
  await chmod(target, 0o600);
  await fsyncPath(target);
}

export async function handOff(spoolDir: string, wavSource: string, meta: SpoolMetadata): Promise<void> {
  // The archive's own schema checks what we write: a metadata file it would
  // refuse must fail here, where the call's context is still in the log.
  const checked = spoolMetadataSchema.safeParse(meta);
  if (!checked.success) {
    throw new CallvaultError('CV_ERR_SPOOL_WRITE', [spoolDir], { cause: new Error(checked.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')) });
  }
  try {
    await mkdir(spoolDir, { recursive: true, mode: 0o700 });
    await moveDurably(wavSource, join(spoolDir, meta.wav));
    const jsonPath = join(spoolDir, `${meta.recordingId}.json`);
    const tmp = `${jsonPath}.tmp`;
    const fh = await open(tmp, 'w', 0o600);
    try {
      await fh.writeFile(JSON.stringify(meta, null, 2) + '\n');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, jsonPath);
    await fsyncPath(spoolDir);
  } catch (cause) {
    throw new CallvaultError('CV_ERR_SPOOL_WRITE', [spoolDir], { cause });
  }
}
