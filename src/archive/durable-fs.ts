/**
 * File operations that survive a crash or power loss at any instant: write to
 * a temporary name, fsync the file, rename it into place, fsync the
 * directory (POSIX: a rename is durable only once its directory is synced).
 * Everything callvault stores is private: files 0600, directories 0700.
 */
import { constants } from 'node:fs';
import { chmod, link, mkdir, open, rename, stat, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { CallvaultError } from '../errors.js';

export const FILE_MODE = 0o600;
export const DIR_MODE = 0o700;

export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** mkdir -p with mode 0700 on every directory it creates, each made durable in its parent. */
export async function ensurePrivateDir(dir: string): Promise<void> {
  try {
    const st = await stat(dir);
    if (!st.isDirectory()) throw new Error(`${dir} exists and is not a directory`);
    return;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await ensurePrivateDir(dirname(dir));
  try {
    await mkdir(dir, { mode: DIR_MODE });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  await chmod(dir, DIR_MODE); // mkdir's mode is filtered by the umask
  await fsyncDir(dirname(dir));
}

/**
 * Refuses a storage directory that other users can read, write or enter
 * (CV_ERR_ARCHIVE_PERMISSIONS). Creates it 0700 when absent.
 */
export async function checkStorageDir(dir: string): Promise<void> {
  await ensurePrivateDir(dir);
  const st = await stat(dir);
  if ((st.mode & 0o077) !== 0) {
    throw new CallvaultError('CV_ERR_ARCHIVE_PERMISSIONS', [dir, (st.mode & 0o777).toString(8).padStart(4, '0')]);
  }
}

/** Writes `data` to `path` atomically and durably, mode 0600. `tmp` must be on the same filesystem. */
export async function writeFileDurable(path: string, data: string | Uint8Array, tmp = `${path}.tmp`): Promise<void> {
  const fh = await open(tmp, 'w', FILE_MODE);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
  await fsyncDir(dirname(path));
}

/**
 * Moves a finished temporary file into place without ever replacing an
 * existing file: link() fails with EEXIST where rename() would clobber.
 * Used for operator outputs (`decrypt -o`), where overwriting is refused.
 */
export async function publishNoClobber(tmp: string, path: string): Promise<void> {
  try {
    await link(tmp, path);
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'EEXIST') throw new CallvaultError('CV_ERR_ARCHIVE_EXISTS', [path], { cause });
    throw cause;
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
  await fsyncDir(dirname(path));
}

/** unlink that treats "already gone" as done: every cleanup step must be idempotent. */
export async function removeIfPresent(path: string): Promise<boolean> {
  try {
    await unlink(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

export function isDiskFull(err: unknown): boolean {
  for (let e: unknown = err; e instanceof Error || (typeof e === 'object' && e !== null); e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: unknown }).code;
    if (code === 'ENOSPC' || code === 'EDQUOT' || code === 'SQLITE_FULL') return true;
    if ((e as { cause?: unknown }).cause === undefined) break;
  }
  return false;
}
