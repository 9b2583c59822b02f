/**
 * The audit log is append-only and hash-chained: tampering with the SQLite
 * file directly (triggers dropped in a raw connection, then a row edited or
 * deleted) must be detected by `callvault audit --verify` (exit 1, the row
 * named) and by `callvault doctor`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import BetterSqlite3 from 'better-sqlite3';
import { OpsWorld } from '../support/ops-world.js';

async function worldWithAudit(): Promise<{ w: OpsWorld; id: string }> {
  const w = OpsWorld.create();
  const index = w.open();
  const id = w.add(index);
  index.close();
  assert.equal((await w.cli('hold', id, '--reason', 'case 1', '--actor', 'alice')).code, 0);
  assert.equal((await w.cli('release', id, '--reason', 'case 1 closed', '--actor', 'alice')).code, 0);
  assert.equal((await w.cli('hold', id, '--reason', 'case 2', '--actor', 'bob')).code, 0);
  const ok = await w.cli('audit', '--verify');
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /audit chain ok: 4 row\(s\)/);
  const v = await w.cli('verify', '--audit');
  assert.equal(v.code, 0, v.stderr);
  assert.match(v.stdout, /audit chain ok: 4 row\(s\)/);
  return { w, id };
}

function tamper(w: OpsWorld, sql: string): void {
  const raw = new BetterSqlite3(w.layout.indexPath);
  try {
    raw.exec('DROP TRIGGER IF EXISTS audit_no_update; DROP TRIGGER IF EXISTS audit_no_delete;');
    raw.exec(sql);
  } finally {
    raw.close();
  }
}

const cases: Array<[name: string, sql: string, brokenAt: RegExp]> = [
  ['a changed reason', "UPDATE audit SET reason = 'routine check' WHERE seq = 2", /audit chain broken at row 2: hash does not match the row/],
  ['a changed actor', "UPDATE audit SET actor = 'mallory' WHERE seq = 3", /audit chain broken at row 3: hash does not match the row/],
  ['a removed middle row', 'DELETE FROM audit WHERE seq = 2', /audit chain broken at row 3: prev_hash does not match the previous row/],
  ['a removed last row', 'DELETE FROM audit WHERE seq = 4', /audit chain broken at row 4: rows 4 to 4 were removed from the end/],
  ['a row re-hashed after the edit (the next link breaks)', "UPDATE audit SET reason = 'x', hash = '" + 'f'.repeat(64) + "' WHERE seq = 2", /audit chain broken at row 2: hash does not match the row/],
];

for (const [name, sql, brokenAt] of cases) {
  test(`audit --verify detects ${name}`, async () => {
    const { w } = await worldWithAudit();
    try {
      tamper(w, sql);
      const r = await w.cli('audit', '--verify');
      assert.equal(r.code, 1);
      assert.match(r.stderr, brokenAt);
      assert.match(r.stderr, /callvault: hint: the audit table was changed outside callvault/);
      const v = await w.cli('verify', '--audit');
      assert.equal(v.code, 1, 'verify --audit detects it too');
      assert.match(v.stderr, brokenAt);
      const j = await w.cli('audit', '--verify', '--json');
      assert.equal(j.code, 1);
      assert.equal(JSON.parse(j.stdout).ok, false);
      const doctor = await w.cli('doctor', '--json', '--timeout', '200');
      const check = JSON.parse(doctor.stdout).checks.find((c: { name: string }) => c.name === 'index and audit chain');
      assert.equal(check.status, 'fail');
      assert.match(check.detail, brokenAt);
    } finally {
      w.cleanup();
    }
  });
}

test('through callvault the audit cannot be changed: the triggers refuse UPDATE and DELETE', async () => {
  const { w } = await worldWithAudit();
  const db = new BetterSqlite3(w.layout.indexPath);
  try {
    assert.throws(() => db.exec("UPDATE audit SET reason = 'x' WHERE seq = 1"), /audit is append-only/);
    assert.throws(() => db.exec('DELETE FROM audit WHERE seq = 1'), /audit is append-only/);
  } finally {
    db.close();
    w.cleanup();
  }
});

test('a tampered audit is reported by the real process too', async () => {
  const { w } = await worldWithAudit();
  try {
    tamper(w, "UPDATE audit SET action = 'view' WHERE seq = 3");
    const r = w.proc(['audit', '--verify']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^callvault: error: audit chain broken at row 3/m);
  } finally {
    w.cleanup();
  }
});
