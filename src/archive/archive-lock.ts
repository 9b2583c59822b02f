/**
 * One archiver per storage directory: two would race on the same spool entry
 * (both encrypt, one rename wins, the index row may describe the other). The
 * lock is a file holding the owner's pid, created with O_EXCL; a lock whose
 * pid is dead (SIGKILL, power loss) is stale and taken over. PID reuse could
 * make a stale lock look alive: the operator then sees CV_ERR_ARCHIVE_LOCKED
 * naming the pid, and removes the file.
 */
import { open, readFile, unlink } from 'node:fs/promises';
import { CallvaultError } from '../errors.js';
import { FILE_MODE } from './durable-fs.js';

/** Locks held by this process (a worker thread has its own set, and takes its own lock). */
const held = new Set<string>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class ArchiveLock {
  readonly path: string;
  #released = false;

  private constructor(path: string) {
    this.path = path;
  }

  static async acquire(path: string, storageDir: string): Promise<ArchiveLock> {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const fh = await open(path, 'wx', FILE_MODE);
        await fh.writeFile(`${process.pid}\n`);
        await fh.sync();
        await fh.close();
        held.add(path);
        return new ArchiveLock(path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const text = await readFile(path, 'utf8').catch(() => '');
      const pid = Number.parseInt(text.trim(), 10);
      const ours = pid === process.pid;
      if (Number.isInteger(pid) && pid > 0 && ((ours && held.has(path)) || (!ours && alive(pid)))) {
        throw new CallvaultError('CV_ERR_ARCHIVE_LOCKED', [pid, storageDir]);
      }
      await unlink(path).catch(() => undefined); // stale: its owner is gone
    }
    throw new CallvaultError('CV_ERR_ARCHIVE_LOCKED', ['unknown', storageDir]);
  }

  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    held.delete(this.path);
    await unlink(this.path).catch(() => undefined);
  }
}
