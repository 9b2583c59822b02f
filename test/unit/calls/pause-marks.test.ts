import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { applyPauseMarks } from '../../../src/calls/pause-marks.js';
import type { PauseInterval } from '../../../src/calls/call-state.js';

const T0 = Date.UTC(2026, 11, 1, 12, 0, 0);

test('what the dialplan noted during an outage, table', () => {
  const rows: Array<{ name: string; pauses: PauseInterval[]; marks: Parameters<typeof applyPauseMarks>[1]; want: PauseInterval[] }> = [
    { name: 'no marks: unchanged', pauses: [], marks: [], want: [] },
    { name: 'failed closed while the daemon was down', pauses: [], marks: [{ kind: 'stopped', at: T0 + 4000 }], want: [{ startOffsetMs: 4000, endOffsetMs: null, outcome: 'stopped' }] },
    { name: 'a closed pause before, then a fail-closed stop', pauses: [{ startOffsetMs: 1000, endOffsetMs: 2000, outcome: 'muted' }], marks: [{ kind: 'stopped', at: T0 + 9000 }],
      want: [{ startOffsetMs: 1000, endOffsetMs: 2000, outcome: 'muted' }, { startOffsetMs: 9000, endOffsetMs: null, outcome: 'stopped' }] },
    { name: 'muted, then payment-exit while the daemon was down', pauses: [{ startOffsetMs: 3000, endOffsetMs: null, outcome: 'muted' }], marks: [{ kind: 'unmute-failed', at: T0 + 6000 }],
      want: [{ startOffsetMs: 3000, endOffsetMs: null, outcome: 'muted-to-end' }] },
    { name: 'an unmute failure whose mute was never journalled', pauses: [], marks: [{ kind: 'unmute-failed', at: T0 + 6000 }], want: [{ startOffsetMs: 6000, endOffsetMs: null, outcome: 'muted-to-end' }] },
    { name: 'a mark a second early (the dialplan clock) never goes below 0', pauses: [], marks: [{ kind: 'stopped', at: T0 - 800 }], want: [{ startOffsetMs: 0, endOffsetMs: null, outcome: 'stopped' }] },
  ];
  for (const r of rows) assert.deepEqual(applyPauseMarks(r.pauses, r.marks, T0), r.want, r.name);
});

test('property: marks never remove or shorten a pause, and never turn a stop back into a mute', () => {
  const pause = fc.record({ startOffsetMs: fc.nat(100_000), endOffsetMs: fc.option(fc.nat(100_000), { nil: null }), outcome: fc.constantFrom('muted', 'stopped', 'muted-to-end' as const) });
  const mark = fc.record({ kind: fc.constantFrom('stopped', 'unmute-failed' as const), at: fc.integer({ min: T0 - 5000, max: T0 + 100_000 }) });
  fc.assert(fc.property(fc.array(pause, { maxLength: 4 }), fc.array(mark, { maxLength: 3 }), (pauses, marks) => {
    const out = applyPauseMarks(pauses as PauseInterval[], marks, T0);
    assert.ok(out.length >= pauses.length);
    pauses.forEach((p, i) => {
      assert.equal(out[i]!.startOffsetMs, p.startOffsetMs);
      assert.equal(out[i]!.endOffsetMs, p.endOffsetMs);
      if (p.outcome === 'stopped') assert.equal(out[i]!.outcome, 'stopped');
    });
    if (marks.some((m) => m.kind === 'stopped')) assert.ok(out.some((p) => p.outcome === 'stopped'));
  }));
});
