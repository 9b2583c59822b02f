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

const FMT_CHANNELS = 22;

/**
 * The channel count of a finished recording, with its WAV header made to
 * agree. Asterisk's MixMonitor option D writes interleaved stereo samples,
 * but format_wav only knows mono headers: the samples are right, the header
 * says 1 channel. We patch channels, byte rate and block align in place (the
 * canonical 44-byte header MixMonitor writes). A header that says 2 channels
 * is taken as it is: no PBX writes a stereo header over mono samples, and
 * FreeSWITCH writes one whenever RECORD_STEREO is set, by us or by the
 * integrator's dialplan. Any other mismatch is refused.
 */
export async function alignWavChannels(path: string, channels: 1 | 2): Promise<1 | 2> {
  const fh = await open(path, 'r+');
  try {
    const head = Buffer.alloc(44);
    const { bytesRead } = await fh.read(head, 0, 44, 0);
    if (bytesRead < 44 || head.toString('latin1', 0, 4) !== 'RIFF' || head.toString('latin1', 12, 16) !== 'fmt ') return channels;
    const declared = head.readUInt16LE(FMT_CHANNELS);
    if (declared === channels) return channels;
    if (declared === 2 && channels === 1) return 2;
    if (!(declared === 1 && channels === 2 && head.readUInt16LE(34) === 16 && head.readUInt16LE(20) === 1)) {
      throw new Error(`WAV header says ${declared} channel(s), metadata says ${channels}`);
    }
    const rate = head.readUInt32LE(24);
    const fix = Buffer.alloc(12);
    fix.writeUInt16LE(2, 0);          // channels
    fix.writeUInt32LE(rate, 2);       // sample rate (unchanged)
    fix.writeUInt32LE(rate * 4, 6);   // byte rate: 2 channels x 16 bits
    fix.writeUInt16LE(4, 10);         // block align
    await fh.write(fix, 0, 12, FMT_CHANNELS);
    await fh.sync();
    return 2;
  } finally {
    await fh.close();
  }
}

export async function handOff(spoolDir: string, wavSource: string, meta: SpoolMetadata): Promise<void> {
  // The archive's own schema checks what we write: a metadata file it would
  // refuse must fail here, where the call's context is still in the log.
  const checked = spoolMetadataSchema.safeParse(meta);
  if (!checked.success) {
    throw new CallvaultError('CV_ERR_SPOOL_REFUSED', [meta.recordingId, checked.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')]);
  }
  let channels: 1 | 2;
  try {
    channels = await alignWavChannels(wavSource, meta.channels);
  } catch (cause) {
    // ENOENT and the like are the file system's; a header we cannot take is the file's, for good.
    if ((cause as NodeJS.ErrnoException).code !== undefined) throw new CallvaultError('CV_ERR_SPOOL_WRITE', [spoolDir], { cause });
    throw new CallvaultError('CV_ERR_SPOOL_REFUSED', [meta.recordingId, (cause as Error).message], { cause });
  }
  try {
    await mkdir(spoolDir, { recursive: true, mode: 0o700 });
    if (channels !== meta.channels) meta = { ...meta, channels };
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
