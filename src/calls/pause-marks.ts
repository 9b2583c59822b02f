/**
 * Completes a recording's pauses with what the dialplan noted while the
 * daemon could not hear it (PauseMark, src/pbx/call-control.ts): a payment
 * that failed closed, or an unmute that never came. Without this a recording
 * stopped or left muted during a daemon outage is archived as if nothing
 * had happened (issue 12). Pure: offsets from the recording's start.
 */
import type { PauseMark } from '../pbx/call-control.js';
import type { PauseInterval } from './call-state.js';

export function applyPauseMarks(pauses: readonly PauseInterval[], marks: readonly PauseMark[], startedAt: number): PauseInterval[] {
  const out = pauses.map((p) => ({ ...p }));
  for (const mark of [...marks].sort((a, b) => a.at - b.at)) {
    // The dialplan's clock has one-second steps: never before the recording's start.
    const offset = Math.max(0, Math.round(mark.at - startedAt));
    const open = out.at(-1)?.endOffsetMs === null ? out.at(-1) : undefined;
    if (mark.kind === 'stopped') {
      if (open) open.outcome = 'stopped';
      else out.push({ startOffsetMs: offset, endOffsetMs: null, outcome: 'stopped' });
    } else if (open) {
      if (open.outcome === 'muted') open.outcome = 'muted-to-end';
    } else {
      // The mute itself was not journalled (the daemon died between Asterisk's
      // Success and the journal write): from the unmute attempt on is all we know.
      out.push({ startOffsetMs: offset, endOffsetMs: null, outcome: 'muted-to-end' });
    }
  }
  return out;
}
