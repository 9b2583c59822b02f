import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { GENESIS_HASH, auditHash, canonicalJson } from '../../../src/index/index.js';
import { row, tempIndex } from './fixtures.js';

function seeded(n = 5) {
  const t = tempIndex();
  for (let i = 1; i <= n; i++) t.index.appendAudit({ actor: `op${i}`, action: i % 2 ? 'decrypt' : 'verify', recordingId: `20261128T150405Z-0000000${i}`, reason: `case ${i}`, details: { n: i, nested: { b: 2, a: 1 } }, at: new Date(Date.UTC(2026, 10, 28, 15, i)) });
  return t;
}

/** Tampering needs the triggers out of the way, as an attacker with the file would do. */
function raw(t: ReturnType<typeof tempIndex>, sql: string) {
  t.index.db.exec('DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete; DROP TRIGGER audit_chain_link;');
  t.index.db.exec(sql);
}

test('canonical JSON sorts keys at every level and drops undefined', () => {
  assert.equal(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null }, u: undefined }), '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}');
  assert.throws(() => canonicalJson({ x: Number.NaN }), /non-finite/);
});

test('each row hashes sha256(prev_hash || canonical row), starting from the genesis hash', () => {
  const t = seeded(3);
  try {
    const rows = t.index.listAudit();
    assert.equal(rows.length, 3);
    assert.equal(rows[0]!.prevHash, GENESIS_HASH);
    const expected = createHash('sha256').update(GENESIS_HASH).update(canonicalJson({
      seq: 1, at: rows[0]!.at, actor: 'op1', action: 'decrypt', recordingId: '20261128T150405Z-00000001', reason: 'case 1', details: { n: 1, nested: { a: 1, b: 2 } },
    })).digest('hex');
    assert.equal(rows[0]!.hash, expected);
    assert.equal(rows[1]!.prevHash, rows[0]!.hash);
    assert.equal(auditHash(rows[1]!.prevHash, rows[1]!), rows[1]!.hash);
    assert.deepEqual(t.index.verifyAuditChain(), { ok: true, rows: 3, head: rows[2]!.hash });
  } finally {
    t.cleanup();
  }
});

test('the table refuses UPDATE, DELETE and a row that does not link to the last one', () => {
  const t = seeded(2);
  try {
    assert.throws(() => t.index.db.prepare("UPDATE audit SET reason = 'nothing to see' WHERE seq = 1").run(), /append-only/);
    assert.throws(() => t.index.db.prepare('DELETE FROM audit WHERE seq = 2').run(), /append-only/);
    assert.throws(() => t.index.db.prepare(`INSERT INTO audit (at, actor, action, details, prev_hash, hash) VALUES ('x', 'x', 'x', '{}', '${'0'.repeat(64)}', '${'1'.repeat(64)}')`).run(), /does not link/);
    assert.equal(t.index.verifyAuditChain().ok, true);
  } finally {
    t.cleanup();
  }
});

test('tampering with the file is detected at the first bad row', () => {
  const cases: [string, string, number, RegExp][] = [
    ['a reason rewritten', "UPDATE audit SET reason = 'routine' WHERE seq = 3", 3, /changed/],
    ['an actor rewritten', "UPDATE audit SET actor = 'someone else' WHERE seq = 1", 1, /changed/],
    ['details rewritten', `UPDATE audit SET details = '{"n":99}' WHERE seq = 2`, 2, /changed/],
    ['a row deleted in the middle', 'DELETE FROM audit WHERE seq = 3', 4, /removed or inserted/],
    ['the last row deleted', 'DELETE FROM audit WHERE seq = 5', 5, /removed from the end/],
    ['a row rewritten with a recomputed own hash', "UPDATE audit SET reason = 'x', hash = '" + 'e'.repeat(64) + "' WHERE seq = 2", 2, /changed/],
  ];
  for (const [name, sql, at, why] of cases) {
    const t = seeded(5);
    try {
      raw(t, sql);
      const v = t.index.verifyAuditChain();
      assert.equal(v.ok, false, name);
      if (!v.ok) {
        assert.equal(v.brokenAt, at, name);
        assert.match(v.reason, why, name);
      }
    } finally {
      t.cleanup();
    }
  }
});

test('a recording row and its audit entry are written together or not at all', () => {
  const t = tempIndex();
  try {
    const r = row('20261128T150405Z-00000001');
    assert.equal(t.index.insertRecordingWithAudit(r, { actor: 'archiver', action: 'archive', recordingId: r.id }), true);
    assert.equal(t.index.insertRecordingWithAudit(r, { actor: 'archiver', action: 'archive', recordingId: r.id }), false, 'idempotent');
    assert.equal(t.index.listAudit(r.id).length, 1, 'no audit row for the no-op');
    assert.throws(() => t.index.insertRecordingWithAudit(row('20261128T150405Z-00000002', { sha256: 'bad' }), { actor: 'a', action: 'archive' }));
    assert.equal(t.index.listAudit().length, 1);
    assert.equal(t.index.getRecording('20261128T150405Z-00000002'), null);
  } finally {
    t.cleanup();
  }
});
