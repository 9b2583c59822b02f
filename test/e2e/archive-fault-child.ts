/**
 * Child process for archive-fault.test.ts: runs one archiving pass and, when
 * CV_PAUSE_AT names a step, stops there (prints `PAUSED <step>`) and waits
 * to be SIGKILLed. Not a test file itself.
 */
import { Archiver, type ArchiveStep } from '../../src/archive/archiver.js';
import { KeyedHasher } from '../../src/privacy/keyed-hash.js';

const env = process.env;
const pauseAt = env.CV_PAUSE_AT as ArchiveStep | undefined;
const archiver = new Archiver({
  spoolDir: env.CV_SPOOL!, storageDir: env.CV_STORAGE!, recipientsByPurpose: { quality: [env.CV_RECIPIENT!] },
  hasher: new KeyedHasher(Buffer.alloc(32, 1)), retentionDays: { quality: 30, training: 30, analysis: 30, contract: 30, regulatory: 30 },
  hooks: {
    step: async (step) => {
      if (step !== pauseAt) return;
      process.stdout.write(`PAUSED ${step}\n`);
      await new Promise(() => { /* wait for SIGKILL */ });
    },
  },
});
const result = await archiver.processOnce();
await archiver.close();
process.stdout.write(`DONE ${JSON.stringify(result)}\n`);
