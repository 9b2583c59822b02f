/**
 * Where FreeSWITCH's recording file is, in milliseconds of audio: the
 * PBX's own clock for a recording. FreeSWITCH writes a frame to the file
 * only when the channel reads media (record_callback runs on
 * SWITCH_ABC_TYPE_READ_PING, switch_ivr_async.c), so the file's timeline is
 * not the wall clock: while the call sits in an outbound socket nothing is
 * written, and pause offsets measured with Date.now() came out 134 to
 * 172 ms late. The mask flag is read when a frame is written, so the file's
 * length at the moment uuid_record mask answers is where the silence starts.
 *
 * mod_sndfile writes through libsndfile, which keeps no write cache: the
 * file's size follows what was written, and its header (written at open)
 * gives the rate and channel count.
 */
import { open } from 'node:fs/promises';

export interface WavLayout {
  /** Byte offset of the first sample. */
  readonly dataOffset: number;
  readonly bytesPerMs: number;
}

/** The layout of a WAV being written (RIFF sizes are not final yet: only the chunk walk up to `data` is trusted). Null when the header is not there yet. */
export async function wavLayout(path: string): Promise<WavLayout | null> {
  let fh;
  try {
    fh = await open(path, 'r');
    const head = Buffer.alloc(512);
    const { bytesRead } = await fh.read(head, 0, head.length, 0);
    if (bytesRead < 12 || head.toString('latin1', 0, 4) !== 'RIFF' || head.toString('latin1', 8, 12) !== 'WAVE') return null;
    let off = 12;
    let bytesPerSecond = 0;
    while (off + 8 <= bytesRead) {
      const id = head.toString('latin1', off, off + 4);
      const size = head.readUInt32LE(off + 4);
      if (id === 'fmt ' && off + 16 <= bytesRead) bytesPerSecond = head.readUInt32LE(off + 16);
      if (id === 'data') return bytesPerSecond > 0 ? { dataOffset: off + 8, bytesPerMs: bytesPerSecond / 1000 } : null;
      off += 8 + size + (size & 1);
    }
    return null;
  } catch {
    return null;
  } finally {
    await fh?.close();
  }
}

/** Milliseconds of audio in the file now; null when the file or its header is not readable. */
export async function positionMs(path: string, layout?: WavLayout | null): Promise<number | null> {
  const l = layout ?? (await wavLayout(path));
  if (l === null) return null;
  let fh;
  try {
    fh = await open(path, 'r');
    const size = (await fh.stat()).size;
    return Math.max(0, (size - l.dataOffset) / l.bytesPerMs);
  } catch {
    return null;
  } finally {
    await fh?.close();
  }
}

/**
 * Resolves once the file holds at least `ms` more audio than it did when
 * called, or false at `deadlineMs` (the call has no media flowing, or the
 * file is not readable). Polls: the file grows one frame (10 to 60 ms) at a
 * time.
 */
export async function waitForGrowth(path: string, ms: number, deadlineMs: number, pollMs = 10): Promise<boolean> {
  const layout = await wavLayout(path);
  if (layout === null) return false;
  const from = await positionMs(path, layout);
  if (from === null) return false;
  const until = Date.now() + deadlineMs;
  for (;;) {
    const now = await positionMs(path, layout);
    if (now !== null && now - from >= ms) return true;
    if (Date.now() >= until) return false;
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
