/**
 * The recordings search against a brute-force answer: every page, followed
 * by its cursor to the end, gives exactly the rows a filter-and-sort over
 * all rows gives, newest first, for single queries and for the per-line and
 * per-purpose split-and-merge, with many rows sharing a start instant.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OpsWorld } from '../../support/ops-world.js';
import { searchRecordings, splitOf, type SearchQuery } from '../../../src/console/recording-search.js';
import type { Scope } from '../../../src/console/roles.js';
import type { Purpose } from '../../../src/policy/purpose.js';

test('search pages equal a brute-force filter and sort, split or not', () => {
  const w = OpsWorld.create();
  const index = w.open();
  try {
    const base = Date.parse('2026-11-01T00:00:00Z');
    const lines: Array<[string, Purpose]> = [['support', 'quality'], ['sales', 'contract'], ['insurance', 'regulatory'], ['support', 'training']];
    for (let i = 0; i < 240; i++) {
      const [line, purpose] = lines[i % lines.length]!;
      // Groups of three share an instant: ties are settled by id.
      w.add(index, { line, purpose, startedAt: new Date(base + Math.floor(i / 3) * 60_000), durationMs: 10_000 + (i % 7) * 10_000 });
    }
    const all = index.listRecordings({ limit: 10_000 });
    const cases: Array<[string, SearchQuery, Scope]> = [
      ['everything', { limit: 7 }, { kind: 'all' }],
      ['scope: two lines (split by line)', { limit: 9 }, { kind: 'some', purposes: null, lines: ['support', 'sales'] }],
      ['scope: two purposes (split by purpose)', { limit: 11 }, { kind: 'some', purposes: ['quality', 'contract'], lines: null }],
      ['team lines within scope lines', { limit: 5, teamLines: ['sales', 'insurance'] }, { kind: 'some', purposes: null, lines: ['support', 'sales'] }],
      ['duration and dates', { limit: 6, minDurationMs: 30_000, maxDurationMs: 50_000, from: new Date(base + 3_600_000).toISOString() }, { kind: 'all' }],
      ['one line, one purpose', { limit: 4, line: 'support', purpose: 'training' }, { kind: 'some', purposes: ['training', 'quality'], lines: null }],
      ['scope lines x purposes (split by pair)', { limit: 4 }, { kind: 'some', purposes: ['quality', 'contract', 'training'], lines: ['support', 'sales'] }],
      ['a line and a purpose that never meet', { limit: 5, line: 'sales', purpose: 'training' }, { kind: 'all' }],
      ['a filter outside the scope', { limit: 5, line: 'insurance' }, { kind: 'some', purposes: null, lines: ['support'] }],
      ['no scope', { limit: 5 }, { kind: 'none' }],
    ];
    for (const [name, q, scope] of cases) {
      const expected = all.filter((r) => {
        if (scope.kind === 'none') return false;
        if (scope.kind === 'some' && ((scope.purposes !== null && !scope.purposes.includes(r.purpose)) || (scope.lines !== null && !scope.lines.includes(r.line)))) return false;
        if (q.line !== undefined && r.line !== q.line) return false;
        if (q.purpose !== undefined && r.purpose !== q.purpose) return false;
        if (q.teamLines !== undefined && !q.teamLines.includes(r.line)) return false;
        if (q.minDurationMs !== undefined && r.durationMs < q.minDurationMs) return false;
        if (q.maxDurationMs !== undefined && r.durationMs > q.maxDurationMs) return false;
        if (q.from !== undefined && r.startedAt < q.from) return false;
        return true;
      }).sort((a, b) => (a.startedAt === b.startedAt ? (a.id < b.id ? 1 : -1) : a.startedAt < b.startedAt ? 1 : -1)).map((r) => r.id);
      const got: string[] = [];
      let after: string | undefined;
      for (let pages = 0; pages < 1000; pages++) {
        const page = searchRecordings(index.db, { ...q, after }, scope);
        assert.ok(page.rows.length <= q.limit);
        got.push(...page.rows.map((r) => r.id));
        if (page.next === null) break;
        after = page.next;
      }
      assert.deepEqual(got, expected, name);
      assert.equal(expected.length === 0, scope.kind === 'none' || /never meet|outside/.test(name), `${name}: selects ${expected.length}`);
    }
    assert.equal(splitOf({ limit: 5 }, { kind: 'some', purposes: null, lines: ['support', 'sales'] })?.length, 2);
    assert.equal(splitOf({ limit: 5, line: 'support' }, { kind: 'some', purposes: null, lines: ['support', 'sales'] }), null);
  } finally {
    index.close();
    w.cleanup();
  }
});
