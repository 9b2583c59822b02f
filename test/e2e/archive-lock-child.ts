/**
 * Holds the archiver lock of a storage directory until killed, for
 * test/e2e/archive-lock.test.ts. Prints `LOCKED <pid>` once it holds it.
 */
import { mkdirSync } from 'node:fs';
import { ArchiveLock } from '../../src/archive/archive-lock.js';
import { StorageLayout } from '../../src/archive/storage-layout.js';

const storage = process.argv[2]!;
mkdirSync(storage, { recursive: true, mode: 0o700 });
await ArchiveLock.acquire(new StorageLayout(storage).lockPath, storage);
process.stdout.write(`LOCKED ${process.pid}\n`);
setInterval(() => undefined, 60_000);
