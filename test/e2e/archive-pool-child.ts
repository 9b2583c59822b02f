/**
 * A stand-in daemon for test/e2e/archive-pool.test.ts: starts an
 * ArchiverWorker on the storage directory given, prints `ARCHIVER <pid>`
 * once the archiver process reports running, then waits to be killed.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ArchiverWorker } from '../../src/archive/archiver-worker.js';
import { RETENTION } from '../unit/archive/fixtures.js';

const [spool, storage, dir] = process.argv.slice(2) as [string, string, string];
const hashKeyFile = join(dir, 'hash.key');
writeFileSync(hashKeyFile, Buffer.alloc(32, 4), { mode: 0o600 });
const worker = new ArchiverWorker({ spoolDir: spool, storageDir: storage, recipientsByPurpose: {}, hashKeyFile, retentionDays: RETENTION, pollIntervalMs: 50, logLevel: 'silent', workers: 2 });
await worker.start();
process.stdout.write(`ARCHIVER ${worker.processInfo().pid} ${worker.state().kind}\n`);
setInterval(() => undefined, 60_000);
