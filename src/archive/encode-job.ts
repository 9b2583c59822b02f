/**
 * One recording's CPU-heavy step: WAV to Ogg Opus to age ciphertext, written
 * to the temporary path and fsynced. The plaintext Ogg never touches the
 * disk (it is encrypted as it is encoded). It runs in the archiver's own
 * thread (CLI, tests) or in a thread of the encode pool (encode-pool.ts,
 * the daemon); either way the job is plain data, so it crosses threads.
 */
import { createHash, randomInt } from 'node:crypto';
import { open, unlink } from 'node:fs/promises';
import { CallvaultError, isCallvaultError } from '../errors.js';
import { encryptStream } from './age-crypto.js';
import { FILE_MODE } from './durable-fs.js';
import { encodeOggOpus, type EncodeStats } from './opus-codec.js';
import { WavReader } from './wav-reader.js';

export interface EncodeJob {
  id: string;
  wavPath: string;
  /** The WAV's name as the spool metadata gives it, for the message when it is missing. */
  wavName: string;
  tmpPath: string;
  recipients: string[];
  bitrateBps?: number;
  complexity?: number;
  vendor: string;
  comments: [string, string][];
}

export interface EncodeResult {
  stats: EncodeStats & { channels: 1 | 2; sampleRate: number };
  sha256: string;
  size: number;
}

/** Runs one job; `onFirstBytes` is called once the first ciphertext bytes are on disk (fault-injection hooks). */
export async function runEncodeJob(job: EncodeJob, onFirstBytes?: () => void | Promise<void>): Promise<EncodeResult> {
  let reader: WavReader;
  try {
    reader = await WavReader.open(job.wavPath);
  } catch (err) {
    throw isCallvaultError(err, 'CV_ERR_ARCHIVE_WAV') && (err.cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT'
      ? new CallvaultError('CV_ERR_ARCHIVE_META', [job.id, `the WAV ${job.wavName} named by the metadata is not in the spool`], { cause: err })
      : err;
  }
  const stats = {} as EncodeStats;
  const ogg = encodeOggOpus(reader.chunks(), {
    sampleRate: reader.format.sampleRate, channels: reader.format.channels, bitrateBps: job.bitrateBps,
    complexity: job.complexity, serial: randomInt(0, 2 ** 32 - 1), vendor: job.vendor, comments: job.comments, label: job.wavPath,
  }, stats);
  const plain = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const r = await ogg.next();
      if (r.done === true) controller.close();
      else controller.enqueue(r.value);
    },
    async cancel() {
      await ogg.return(undefined);
    },
  }, { highWaterMark: 0 });
  const hash = createHash('sha256');
  let size = 0;
  const fh = await open(job.tmpPath, 'w', FILE_MODE);
  let announced = false;
  try {
    const cipher = await encryptStream(plain, job.recipients);
    for await (const chunk of cipher as unknown as AsyncIterable<Uint8Array>) {
      hash.update(chunk);
      size += chunk.length;
      await fh.write(chunk);
      if (!announced) { announced = true; await onFirstBytes?.(); }
    }
    await fh.sync();
  } catch (err) {
    await fh.close().catch(() => undefined);
    await unlink(job.tmpPath).catch(() => undefined); // frees the space a full disk needs
    throw err;
  } finally {
    await reader.close().catch(() => undefined);
  }
  await fh.close();
  return { stats: { ...stats, channels: reader.format.channels, sampleRate: reader.format.sampleRate }, sha256: hash.digest('hex'), size };
}
