/**
 * A purge killed with SIGKILL at arbitrary points must leave no recording
 * row that points at a missing file without being marked as purging, no
 * tombstone beside its row, and an intact audit chain; the next purge
 * finishes the job. The child is the real CLI (`callvault purge`), killed
 * while it works, several times at different depths.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { OpsWorld, repo } from '../support/ops-world.js';
import { verifyAuditChain } from '../../src/index/audit-log.js';

const N = 1200;
const DAY = 86_400_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Observed { rows: number; marked: number; tombstones: number }

/** The invariants, checked on the index and the files as a fresh process would find them. */
function checkInvariants(w: OpsWorld, ids: string[]): Observed {
  const db = new BetterSqlite3(w.layout.indexPath, { readonly: true });
  try {
    const rows = db.prepare('SELECT id, file, purge_started_at FROM recordings').all() as Array<{ id: string; file: string; purge_started_at: string | null }>;
    const tombstones = new Set((db.prepare('SELECT recording_id FROM tombstones').all() as Array<{ recording_id: string }>).map((t) => t.recording_id));
    let marked = 0;
    for (const r of rows) {
      assert.ok(!tombstones.has(r.id), `${r.id} has both a row and a tombstone`);
      if (r.purge_started_at !== null) { marked++; continue; }
      assert.ok(existsSync(join(w.storage, r.file)), `${r.id}: unmarked row whose encrypted file is missing`);
      assert.ok(existsSync(w.layout.sidecarPath(r.id)), `${r.id}: unmarked row whose sidecar is missing`);
    }
    for (const id of tombstones) assert.deepEqual(w.filesOf(id), [], `${id}: tombstoned but files remain`);
    assert.equal(rows.length + tombstones.size, ids.length, 'every recording is a row or a tombstone');
    const chain = verifyAuditChain(db);
    assert.ok(chain.ok, JSON.stringify(chain));
    const purges = (db.prepare("SELECT COUNT(*) AS n FROM audit WHERE action = 'purge'").get() as { n: number }).n;
    assert.equal(purges, tombstones.size, 'one audit row per tombstone, written in the same transaction');
    return { rows: rows.length, marked, tombstones: tombstones.size };
  } finally {
    db.close();
  }
}

async function purgeUntilKilled(w: OpsWorld, killAfterTombstones: number): Promise<{ killedAt: number; exited: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(repo, 'src/cli/main.ts'), 'purge', '--reason', 'sigkill test', '--config', w.configPath], { cwd: repo, stdio: 'ignore' });
  const exited = new Promise<string>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? `code ${code}`)));
  const db = new BetterSqlite3(w.layout.indexPath, { readonly: true });
  db.pragma('busy_timeout = 1000');
  let killedAt = -1;
  try {
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && child.exitCode === null) {
      const n = (db.prepare('SELECT COUNT(*) AS n FROM tombstones').get() as { n: number }).n;
      if (n >= killAfterTombstones) {
        child.kill('SIGKILL');
        killedAt = n;
        break;
      }
      await sleep(2);
    }
  } finally {
    db.close();
  }
  return { killedAt, exited: await exited };
}

test('purge killed with SIGKILL at several depths: no unmarked row without its files, resumable to the end', async (t) => {
  const w = OpsWorld.create();
  const index = w.open();
  const ids: string[] = [];
  index.db.transaction(() => { for (let i = 0; i < N; i++) ids.push(w.add(index, { startedAt: new Date(Date.now() - (200 + (i % 50)) * DAY) })); })();
  index.close();
  try {
    let total = 0;
    for (const fraction of [0.05, 0.4, 0.75]) {
      const target = Math.max(1, Math.floor(N * fraction));
      const { killedAt, exited } = await purgeUntilKilled(w, target);
      assert.equal(exited, 'SIGKILL', `the purge finished before it could be killed (at ${killedAt}); raise N`);
      const seen = checkInvariants(w, ids);
      assert.ok(seen.tombstones >= target && seen.tombstones < N, JSON.stringify(seen));
      assert.ok(seen.tombstones >= total, 'no tombstone lost across kills');
      total = seen.tombstones;
      // How deep the kill landed; `marked` 1 means between the mark and the tombstone (files possibly gone).
      t.diagnostic(`killed after ${killedAt} tombstones: ${JSON.stringify(seen)}`);
    }
    // Resume in-process: everything left goes, marked rows first.
    const r = await w.cli('purge', '--reason', 'resume after kill', '--json');
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.equal(report.purged.length, N - total);
    const end = checkInvariants(w, ids);
    assert.deepEqual(end, { rows: 0, marked: 0, tombstones: N });
  } finally {
    w.cleanup();
  }
});
