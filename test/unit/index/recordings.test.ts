import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RecordingFilter } from '../../../src/index/index.js';
import { row, tempIndex } from './fixtures.js';

test('insert then get returns the same row; a second insert of the id changes nothing', () => {
  const t = tempIndex();
  try {
    const r = row('20261128T150405Z-00000001');
    assert.equal(t.index.insertRecording(r), true);
    assert.deepEqual(t.index.getRecording(r.id), { ...r, team: null, status: 'archived' });
    assert.equal(t.index.insertRecording({ ...r, line: 'other' }), false);
    assert.equal(t.index.getRecording(r.id)?.line, 'sales');
    assert.equal(t.index.getRecording('20261128T150405Z-ffffffff'), null);
  } finally {
    t.cleanup();
  }
});

test('constraints refuse rows that cannot be right', () => {
  const t = tempIndex();
  try {
    const cases: [string, Parameters<typeof row>[1]][] = [
      ['unknown purpose', { purpose: 'marketing' as 'quality' }],
      ['three channels', { channels: 3 as 1 }],
      ['short sha', { sha256: 'abc' }],
      ['short caller hash (a clear number?)', { callerHash: '+33123456789' }],
      ['unknown status', { status: 'deleted' as 'archived' }],
      ['empty file', { sizeBytes: 0 }],
    ];
    cases.forEach(([name, over], i) => assert.throws(() => t.index.insertRecording(row(`20261128T150405Z-0000000${i}`, over)), /CHECK constraint/, name));
  } finally {
    t.cleanup();
  }
});

test('listRecordings filters by date, line, purpose, hashes, status, and pages', () => {
  const t = tempIndex();
  try {
    const rows = [
      row('20261101T100000Z-00000001', { startedAt: '2026-11-01T10:00:00Z', line: 'sales', purpose: 'quality', agentHash: '1'.repeat(64), callerHash: '9'.repeat(64) }),
      row('20261102T100000Z-00000002', { startedAt: '2026-11-02T10:00:00Z', line: 'support', purpose: 'training', agentHash: '1'.repeat(64), callerHash: null }),
      row('20261103T100000Z-00000003', { startedAt: '2026-11-03T10:00:00+01:00', line: 'sales', purpose: 'contract', agentHash: '2'.repeat(64), status: 'held' }),
      row('20261104T100000Z-00000004', { startedAt: '2026-11-04T10:00:00Z', line: 'support', purpose: 'quality', agentHash: null, retentionUntil: '2026-12-01T00:00:00Z' }),
    ];
    for (const r of rows) t.index.insertRecording(r);
    const ids = (f: RecordingFilter) => t.index.listRecordings(f).map((r) => r.id.slice(-1));
    const cases: [string, RecordingFilter, string[]][] = [
      ['all, oldest first', {}, ['1', '2', '3', '4']],
      ['newest first', { order: 'desc' }, ['4', '3', '2', '1']],
      ['from is inclusive, to exclusive', { from: '2026-11-02T10:00:00Z', to: '2026-11-04T10:00:00Z' }, ['2', '3']],
      ['offsets are normalised to UTC', { from: new Date('2026-11-03T09:00:00Z'), to: new Date('2026-11-03T09:00:01Z') }, ['3']],
      ['line', { line: 'support' }, ['2', '4']],
      ['purpose', { purpose: 'quality' }, ['1', '4']],
      ['agent hash', { agentHash: '1'.repeat(64) }, ['1', '2']],
      ['caller hash', { callerHash: '9'.repeat(64) }, ['1']],
      ['status', { status: 'held' }, ['3']],
      ['retention ended', { retentionBefore: '2027-01-01T00:00:00Z' }, ['4']],
      ['combined', { line: 'sales', purpose: 'contract' }, ['3']],
      ['page', { limit: 2, offset: 1 }, ['2', '3']],
      ['offset alone', { offset: 3 }, ['4']],
      ['nothing', { line: 'nope' }, []],
    ];
    for (const [name, f, want] of cases) assert.deepEqual(ids(f), want, name);
    assert.equal(t.index.countRecordings(), 4);
  } finally {
    t.cleanup();
  }
});

test('holds reference recordings (foreign key enforced)', () => {
  const t = tempIndex();
  try {
    assert.throws(() => t.index.db.prepare("INSERT INTO holds (recording_id, reason, placed_by, placed_at) VALUES ('nope', 'r', 'a', 'now')").run(), /FOREIGN KEY/);
    t.index.insertRecording(row('20261128T150405Z-00000001'));
    t.index.db.prepare("INSERT INTO holds (recording_id, reason, placed_by, placed_at) VALUES ('20261128T150405Z-00000001', 'dispute', 'legal', 'now')").run();
    assert.throws(() => t.index.db.prepare("DELETE FROM recordings WHERE id = '20261128T150405Z-00000001'").run(), /FOREIGN KEY/);
  } finally {
    t.cleanup();
  }
});
