/**
 * Where things live under the storage directory (docs/spec.md, "Recording
 * file"). Recordings are spread by UTC start date so that no directory grows
 * without bound and purging a day is cheap; the path derives from the id
 * alone, so a file can be found without the index.
 */
import { join, relative, sep } from 'node:path';
import { RECORDING_ID } from './spool-metadata.js';

export const RECORDING_EXT = '.opus.age';
export const SIDECAR_EXT = '.json';
export const INDEX_FILE = 'index.sqlite';

export class StorageLayout {
  readonly root: string;

  constructor(root: string) {
    this.root = root;
  }

  get indexPath(): string { return join(this.root, INDEX_FILE); }
  get recordingsDir(): string { return join(this.root, 'recordings'); }
  /** Partial outputs; only ever ciphertext or non-sensitive JSON, removed at start. */
  get tmpDir(): string { return join(this.root, 'tmp'); }
  /** An OS lock held by the one archiver (archive-lock.ts); versions before it used a pid file, `archiver.lock`, no longer read. */
  get lockPath(): string { return join(this.root, 'archiver-lock.sqlite'); }

  /** recordings/YYYY/MM/DD for the id's start date. */
  dirFor(id: string): string {
    if (!RECORDING_ID.test(id)) throw new RangeError(`not a recording id: ${id}`);
    return join(this.recordingsDir, id.slice(0, 4), id.slice(4, 6), id.slice(6, 8));
  }

  recordingPath(id: string): string { return join(this.dirFor(id), id + RECORDING_EXT); }
  sidecarPath(id: string): string { return join(this.dirFor(id), id + SIDECAR_EXT); }
  tmpRecordingPath(id: string): string { return join(this.tmpDir, `${id}${RECORDING_EXT}.tmp`); }

  /** The path stored in the index: relative to the root, with forward slashes. */
  relative(path: string): string {
    return relative(this.root, path).split(sep).join('/');
  }

  absolute(rel: string): string {
    return join(this.root, ...rel.split('/'));
  }
}

/** Every file under recordings/, as absolute paths, depth first; missing directory = none. */
export async function* walkFiles(dir: string): AsyncGenerator<string> {
  const { readdir } = await import('node:fs/promises');
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* walkFiles(p);
    else yield p;
  }
}
