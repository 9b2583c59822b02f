import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backfillMetadata, compactUtc, parseSpoolMetadata } from '../../../src/archive/spool-metadata.js';
import { isCallvaultError } from '../../../src/errors.js';
import { metadata } from './fixtures.js';

const ID = '20261128T150405Z-a1b2c3d4';

test('the documented example is valid and comes back unchanged', () => {
  const m = metadata(ID);
  assert.deepEqual(parseSpoolMetadata(JSON.stringify(m), ID), m);
  const nulls = metadata(ID, { caller: null, agent: null, language: null, pauses: [{ startOffsetMs: 5, endOffsetMs: null, outcome: 'stopped' }], channels: 2, pbx: 'freeswitch' });
  assert.deepEqual(parseSpoolMetadata(JSON.stringify(nulls), ID), nulls);
});

test('invalid metadata is refused with the field named', () => {
  const base = metadata(ID) as unknown as Record<string, unknown>;
  const cases: [string, Record<string, unknown> | string, RegExp][] = [
    ['not JSON', '{"version": 1,', /not valid JSON/],
    ['version 2', { ...base, version: 2 }, /version/],
    ['bad id', { ...base, recordingId: '../../etc/passwd', wav: '../../etc/passwd.wav' }, /recordingId/],
    ['unknown purpose', { ...base, purpose: 'marketing' }, /purpose/],
    ['unknown pbx', { ...base, pbx: 'teams' }, /pbx/],
    ['three channels', { ...base, channels: 3 }, /channels/],
    ['ends before it starts', { ...base, endedAt: '2026-11-28T15:00:00Z' }, /endedAt/],
    ['not a date', { ...base, startedAt: 'yesterday' }, /startedAt/],
    ['wav elsewhere', { ...base, wav: 'other.wav' }, /wav/],
    ['wav path', { ...base, wav: '/tmp/x.wav' }, /wav/],
    ['pause ends first', { ...base, pauses: [{ startOffsetMs: 10, endOffsetMs: 5, outcome: 'muted' }] }, /pauses/],
    ['pause outcome', { ...base, pauses: [{ startOffsetMs: 10, endOffsetMs: 50, outcome: 'skipped' }] }, /pauses/],
    ['missing caller key', Object.fromEntries(Object.entries(base).filter(([k]) => k !== 'caller')), /caller/],
    ['unknown key', { ...base, callerName: 'Alice' }, /callerName|unrecognized/i],
  ];
  for (const [name, value, want] of cases) {
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    assert.throws(() => parseSpoolMetadata(text, ID), (e: unknown) => isCallvaultError(e, 'CV_ERR_ARCHIVE_META') && want.test(e.message), name);
  }
});

test('backfill metadata is deterministic and honest about what it does not know', () => {
  const input = { wavPath: '/data/old/call 42.wav', endedAt: new Date('2025-01-02T03:04:05Z'), durationMs: 65_000, channels: 1 as const, line: 'legacy', purpose: 'quality' as const };
  const a = backfillMetadata(input);
  const b = backfillMetadata({ ...input });
  assert.equal(a.recordingId, b.recordingId);
  assert.match(a.recordingId, /^20250102T030300Z-[0-9a-f]{8}$/);
  assert.notEqual(backfillMetadata({ ...input, wavPath: '/data/old/call 43.wav' }).recordingId, a.recordingId);
  assert.equal(a.caller, null);
  assert.equal(a.consent, 'not-asked');
  assert.equal(a.pbx, 'backfill');
  assert.equal(a.wav, 'call 42.wav');
  // It passes the same validation as the call path's files.
  assert.deepEqual(parseSpoolMetadata(JSON.stringify(a), a.recordingId), a);
  assert.equal(compactUtc(new Date('2026-11-28T15:04:05.678Z')), '20261128T150405Z');
});
