/** The index as the console and its CLI commands open it: read-write (they write sessions, users, audit rows), created if absent. */
import { mkdirSync } from 'node:fs';
import type { ResolvedConfig } from '../config/index.js';
import { RecordingIndex } from '../index/index.js';
import { StorageLayout } from '../archive/storage-layout.js';

export function openConsoleIndex(config: ResolvedConfig): RecordingIndex {
  mkdirSync(config.storage.dir, { recursive: true, mode: 0o700 });
  return RecordingIndex.open(new StorageLayout(config.storage.dir).indexPath);
}
