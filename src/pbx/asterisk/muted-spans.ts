/**
 * Where MixMonitor's file is muted, read from the finished file: the pause
 * offsets in Asterisk's own timeline. The wall clock is not that timeline:
 * MixMonitor writes a frame only when the channel carries one (a caller
 * sending no media, as a Local channel before the talk, adds nothing to the
 * file), and the audiohook drops audio to keep its directions in sync
 * (main/audiohook.c, AST_AUDIOHOOK_SYNC_TOLERANCE), so the wall-clock offsets
 * came out 50 to 315 ms late on Asterisk 22 (mono and stereo). The file's length cannot be
 * read live either (FreeSWITCH's way): main/file.c gives every written file
 * a 32 KB stdio buffer, two seconds of mono audio. What MixMonitorMute writes
 * is exact digital zeros in every channel, so once the file is closed the
 * muted span is there to read.
 */
import { open } from 'node:fs/promises';
import type { PauseInterval } from '../../calls/call-state.js';

/** A muted span shorter than this is not looked at (a real pause lasts seconds). */
const MIN_RUN_MS = 100;
/**
 * How far the file may put a pause from the wall clock: about twice the
 * 315 ms measured, well under any pause (seconds). A run further off is someone else's
 * silence, and the wall-clock offsets stay.
 */
export const MAX_SHIFT_MS = 600;

export interface Run { fromMs: number; toMs: number }

/** Runs of exact zeros in every channel, at least MIN_RUN_MS long, in a 16-bit WAV (header walked to `data`). */
export async function zeroRuns(path: string, channels: number): Promise<{ runs: Run[]; lengthMs: number } | null> {
  const fh = await open(path, 'r');
  try {
    const head = Buffer.alloc(512);
    const { bytesRead } = await fh.read(head, 0, head.length, 0);
    if (bytesRead < 12 || head.toString('latin1', 0, 4) !== 'RIFF' || head.toString('latin1', 8, 12) !== 'WAVE') return null;
    let off = 12;
    let rate = 0;
    let dataOffset = -1;
    while (off + 8 <= bytesRead) {
      const id = head.toString('latin1', off, off + 4);
      const size = head.readUInt32LE(off + 4);
      if (id === 'fmt ' && off + 16 <= bytesRead) rate = head.readUInt32LE(off + 12);
      if (id === 'data') { dataOffset = off + 8; break; }
      off += 8 + size + (size & 1);
    }
    if (rate <= 0 || dataOffset < 0) return null;
    // format_wav writes a mono header for MixMonitor's D option: the channel count comes from the session.
    const frameBytes = 2 * channels;
    const perMs = rate / 1000;
    const runs: Run[] = [];
    let frame = 0;
    let start = -1;
    const flush = (end: number) => {
      if (start >= 0 && (end - start) / perMs >= MIN_RUN_MS) runs.push({ fromMs: start / perMs, toMs: end / perMs });
      start = -1;
    };
    const buf = Buffer.alloc(frameBytes * 8192);
    for (let pos = dataOffset; ;) {
      const { bytesRead: n } = await fh.read(buf, 0, buf.length, pos);
      const whole = n - (n % frameBytes);
      if (whole <= 0) break;
      for (let i = 0; i < whole; i += frameBytes, frame++) {
        let zero = true;
        for (let b = 0; b < frameBytes && zero; b++) zero = buf[i + b] === 0;
        if (zero) { if (start < 0) start = frame; } else flush(frame);
      }
      pos += whole;
    }
    flush(frame);
    return { runs, lengthMs: frame / perMs };
  } finally {
    await fh.close();
  }
}

/**
 * The pauses moved onto the file's muted spans: a `muted` pause takes the
 * bounds of the run that covers it when both ends are within MAX_SHIFT_MS;
 * a `muted-to-end` pause takes the start of a run that reaches the end.
 * Anything else (a `stopped` pause, no such run) keeps its offsets. Pure.
 */
export function alignPauses(pauses: readonly PauseInterval[], runs: readonly Run[], lengthMs: number): PauseInterval[] {
  return pauses.map((p) => {
    const near = (a: number, b: number) => Math.abs(a - b) <= MAX_SHIFT_MS;
    if (p.outcome === 'muted' && p.endOffsetMs !== null) {
      const run = runs.find((r) => near(r.fromMs, p.startOffsetMs) && near(r.toMs, p.endOffsetMs!));
      return run ? { ...p, startOffsetMs: Math.round(run.fromMs), endOffsetMs: Math.round(run.toMs) } : { ...p };
    }
    if (p.outcome === 'muted-to-end') {
      const run = runs.find((r) => near(r.fromMs, p.startOffsetMs) && Math.abs(r.toMs - lengthMs) < 1);
      return run ? { ...p, startOffsetMs: Math.round(run.fromMs) } : { ...p };
    }
    return { ...p };
  });
}
