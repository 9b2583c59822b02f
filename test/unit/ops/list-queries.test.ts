import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { OpsWorld } from '../../support/ops-world.js';
import { decodeCursor, encodeCursor, listPage, type ListQuery } from '../../../src/index/list-queries.js';
import { placeHolds } from '../../../src/index/hold-queries.js';
import { beginPurge } from '../../../src/index/retention-queries.js';

const DAY = 86_400_000;
const BASE = Date.parse('2026-11-01T00:00:00Z');

test('paging visits every matching recording exactly once, in order, whatever the page size and filter', () => {
  const w = OpsWorld.create();
  const index = w.open();
  try {
    const lines = ['support', 'sales', 'insurance'];
    const agents = ['a1', 'a2', 'a3', 'a4'];
    const all: Array<{ id: string; startedAt: number; line: string; agent: string }> = [];
    for (let i = 0; i < 120; i++) {
      // Several recordings share a start instant: ties are where keyset paging usually breaks.
      const startedAt = BASE + Math.floor(i / 3) * 3_600_000;
      const line = lines[i % 3]!;
      const agent = agents[i % 4]!;
      const purpose = line === 'sales' ? 'contract' : line === 'insurance' ? 'regulatory' : 'quality';
      all.push({ id: w.add(index, { startedAt: new Date(startedAt), line, agent, purpose }), startedAt, line, agent });
    }
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 25 }), fc.boolean(), fc.option(fc.constantFrom(...lines), { nil: undefined }),
      fc.option(fc.constantFrom(...agents), { nil: undefined }), fc.option(fc.integer({ min: 0, max: 40 }), { nil: undefined }),
      (limit, asc, line, agent, fromHours) => {
        const q: ListQuery = { limit, order: asc ? 'asc' : 'desc' };
        if (line !== undefined) q.line = line;
        if (agent !== undefined) q.agentHash = w.hasher.hex('agent', agent);
        if (fromHours !== undefined) q.from = new Date(BASE + fromHours * 3_600_000);
        const want = all
          .filter((r) => (line === undefined || r.line === line) && (agent === undefined || r.agent === agent) && (q.from === undefined || r.startedAt >= q.from.getTime()))
          .sort((a, b) => (a.startedAt - b.startedAt) || (a.id < b.id ? -1 : 1))
          .map((r) => r.id);
        if (!asc) want.reverse();
        const got: string[] = [];
        let page = listPage(index.db, q);
        for (let guard = 0; ; guard++) {
          assert.ok(page.rows.length <= limit);
          got.push(...page.rows.map((r) => r.id));
          if (page.next === null) break;
          assert.ok(guard < 200, 'paging terminates');
          const cursor = decodeCursor(encodeCursor(page.next));
          assert.ok(cursor !== null);
          page = listPage(index.db, { ...q, after: cursor });
        }
        assert.deepEqual(got, want);
      }), { numRuns: 60 });
  } finally {
    index.close();
    w.cleanup();
  }
});

test('status filters: held and purging', () => {
  const w = OpsWorld.create();
  const index = w.open();
  try {
    const [a, b, c] = [0, 1, 2].map((i) => w.add(index, { startedAt: new Date(BASE + i * DAY) }));
    placeHolds(index.db, [a!], { actor: 't', reason: 'r', now: new Date(), via: 'id' });
    beginPurge(index.db, b!, 'retention-expired', new Date());
    assert.deepEqual(listPage(index.db, { limit: 10, status: 'held' }).rows.map((r) => r.id), [a]);
    assert.deepEqual(listPage(index.db, { limit: 10, status: 'purging' }).rows.map((r) => r.id), [b]);
    assert.deepEqual(listPage(index.db, { limit: 10, status: 'archived' }).rows.map((r) => r.id).sort(), [b, c].sort());
    assert.throws(() => listPage(index.db, { limit: 0 }), RangeError);
    assert.equal(decodeCursor('bm90IGEgY3Vyc29y'), null);
  } finally {
    index.close();
    w.cleanup();
  }
});

test('an index still at schema 1 is migrated on first use by a read command, and read commands then work', async () => {
  const { default: BetterSqlite3 } = await import('better-sqlite3');
  const { MIGRATIONS, migrate } = await import('../../../src/index/migrations.js');
  const w = OpsWorld.create();
  try {
    const old = new BetterSqlite3(w.layout.indexPath);
    migrate(old, MIGRATIONS.slice(0, 1));
    old.close();
    const r = await w.cli('list', '--json');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout).recordings, []);
    const check = new BetterSqlite3(w.layout.indexPath, { readonly: true });
    assert.equal((check.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number }).v, MIGRATIONS[MIGRATIONS.length - 1]!.version);
    check.close();
  } finally {
    w.cleanup();
  }
});
