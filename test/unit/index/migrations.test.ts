import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { MIGRATIONS, RecordingIndex, SCHEMA_VERSION, currentVersion, migrate, type Migration } from '../../../src/index/index.js';
import { isCallvaultError } from '../../../src/errors.js';

function withDir(fn: (dir: string) => void) {
  const dir = mkdtempSync(join(tmpdir(), 'cv-mig-'));
  try { fn(dir); } finally { rmSync(dir, { recursive: true, force: true }); }
}

const tables = (db: BetterSqlite3.Database) =>
  (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[]).map((r) => r.name);

test('a new index is created 0600, in WAL mode, with foreign keys, at the latest version', () => withDir((dir) => {
  const path = join(dir, 'index.sqlite');
  const index = RecordingIndex.open(path);
  try {
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.equal(index.db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(index.db.pragma('foreign_keys', { simple: true }), 1);
    assert.equal(index.schemaVersion, SCHEMA_VERSION);
    for (const t of ['audit', 'holds', 'recordings', 'schema_migrations', 'tombstones']) assert.ok(tables(index.db).includes(t), t);
    const indexes = (index.db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'recordings'").all() as { name: string }[]).map((r) => r.name);
    for (const i of ['recordings_started_at', 'recordings_line', 'recordings_purpose', 'recordings_agent_hash', 'recordings_caller_hash', 'recordings_status']) assert.ok(indexes.includes(i), i);
  } finally {
    index.close();
  }
  // Reopening applies nothing.
  const db = new BetterSqlite3(path);
  assert.deepEqual(migrate(db), []);
  db.close();
}));

test('migrations apply in order, each in its own transaction; a failing one leaves the previous version', () => withDir((dir) => {
  const db = new BetterSqlite3(join(dir, 'i.sqlite'));
  const good: Migration = { version: SCHEMA_VERSION + 1, name: 'add notes', sql: 'CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)' };
  const bad: Migration = { version: SCHEMA_VERSION + 2, name: 'broken', sql: 'CREATE TABLE half (id INTEGER); CREATE TABLE half (id INTEGER)' };
  assert.deepEqual(migrate(db, [...MIGRATIONS, good]), [...MIGRATIONS.map((m) => m.version), good.version]);
  assert.throws(() => migrate(db, [...MIGRATIONS, good, bad]), (e: unknown) => isCallvaultError(e, 'CV_ERR_INDEX_MIGRATION') && /broken/.test(e.message));
  assert.equal(currentVersion(db), good.version);
  assert.ok(!tables(db).includes('half'), 'the failed migration left nothing behind');
  db.close();
}));

test('an index newer than this code is refused, not guessed at', () => withDir((dir) => {
  const path = join(dir, 'i.sqlite');
  RecordingIndex.open(path).close();
  const db = new BetterSqlite3(path);
  db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(SCHEMA_VERSION + 5, 'future', new Date().toISOString());
  db.close();
  assert.throws(() => RecordingIndex.open(path), (e: unknown) => isCallvaultError(e, 'CV_ERR_INDEX_NEWER'));
  assert.throws(() => RecordingIndex.open(path, { readonly: true }), (e: unknown) => isCallvaultError(e, 'CV_ERR_INDEX_NEWER'));
}));

test('opening a file that is not SQLite fails with CV_ERR_INDEX_OPEN', () => withDir((dir) => {
  const path = join(dir, 'i.sqlite');
  writeFileSync(path, 'this is not a database, it is plain text and long enough to have a header');
  assert.throws(() => RecordingIndex.open(path), (e: unknown) => isCallvaultError(e, 'CV_ERR_INDEX_OPEN'));
  assert.throws(() => RecordingIndex.open(join(dir, 'absent.sqlite'), { readonly: true }), (e: unknown) => isCallvaultError(e, 'CV_ERR_INDEX_OPEN'));
}));
