/**
 * The review queue page through the real route, store and index: this
 * week's calls in the reviewer's scope, spread across agents by the keyed
 * draw (quota 2), in rounds; calls of other weeks, out of scope, without a
 * known agent or already evaluated are not proposed; an evaluation made
 * this week lowers that agent's need; the same request gives the same queue.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConsoleWorld, CONSOLE_YAML } from '../../support/console-world.js';
import { reviewDrawInput } from '../../../src/quality/review-draw.js';

const YAML = `${CONSOLE_YAML}
agents:
  agent1: { team: support }
  agent2: { team: support }
  agent3: { team: support }
teams:
  support: {}
timeZone: Europe/Paris
`;

const rowsOf = (body: string) => [...body.matchAll(/<tr><td>(\d+)<\/td><td>([^<]+)<\/td><td><a href="\/recordings\/([^"]+)">/g)].map((m) => ({ round: Number(m[1]), agent: m[2]!, id: m[3]! }));

test('the review queue: this week, in scope, evenly across agents by the keyed draw, in rounds; evaluations made lower the need', async () => {
  const w = await ConsoleWorld.create(YAML);
  try {
    // Wednesday 2 December 2026, 13:00 in Paris: the ISO week 2026-W49 runs from Monday 30 November.
    w.clock = Date.parse('2026-12-02T12:00:00Z');
    await w.addUser('quinn', 'qa', { purposes: ['quality'], teams: ['support-team'] });
    const at = (iso: string) => new Date(iso);
    const mine: Record<string, string[]> = { agent1: [], agent2: [], agent3: [] };
    for (const [agent, n] of [['agent1', 4], ['agent2', 3], ['agent3', 1]] as const) {
      for (let i = 0; i < n; i++) mine[agent]!.push(w.ops.add(w.index, { purpose: 'quality', line: 'support', agent, startedAt: at(`2026-11-30T${String(8 + i).padStart(2, '0')}:0${n}:00Z`) }));
    }
    // Not candidates: Sunday 29 November 23:30 in Paris (last week), another team's line, no known agent.
    const lastWeek = w.ops.add(w.index, { purpose: 'quality', line: 'support', agent: 'agent3', startedAt: at('2026-11-29T22:30:00Z') });
    const otherLine = w.ops.add(w.index, { purpose: 'quality', line: 'sales', agent: 'agent3', startedAt: at('2026-12-01T09:00:00Z') });
    const noAgent = w.ops.add(w.index, { purpose: 'quality', line: 'support', agent: null, startedAt: at('2026-12-01T10:00:00Z') });
    // Monday 30 November 00:30 in Paris is still this week although it is the 29th in UTC.
    const earlyMonday = w.ops.add(w.index, { purpose: 'quality', line: 'support', agent: 'agent3', startedAt: at('2026-11-29T23:30:00Z') });
    mine.agent3!.push(earlyMonday);

    const b = await w.signIn('quinn');
    const page = await w.request(b, 'GET', '/quality/queue');
    assert.equal(page.statusCode, 200, page.body);
    assert.match(page.body, /Period 2026-W49: 2 evaluations per agent/);
    const rows = rowsOf(page.body);
    const ids = rows.map((r) => r.id);
    for (const id of [lastWeek, otherLine, noAgent]) assert.ok(!ids.includes(id), `${id} is not a candidate`);

    // The spec, from the keyed draw: each agent's two smallest draws of the period.
    const draw = (id: string) => w.ops.hasher.unit('review', reviewDrawInput('2026-W49', id));
    const picks = (agent: string, n: number) => [...mine[agent]!].sort((x, y) => draw(x) - draw(y)).slice(0, n);
    assert.deepEqual(new Set(ids), new Set([...picks('agent1', 2), ...picks('agent2', 2), ...picks('agent3', 2)]));
    assert.deepEqual(rows.map((r) => r.round), [1, 1, 1, 2, 2, 2], 'every agent\'s first pick before anyone\'s second');
    assert.deepEqual(rows.filter((r) => r.round === 1).map((r) => r.agent).sort(), ['agent1', 'agent2', 'agent3']);
    assert.deepEqual(rowsOf((await w.request(b, 'GET', '/quality/queue')).body), rows, 'the same queue again: the draw is reproducible');

    // quinn evaluates agent1's first pick: agent1 needs one more, and that call is no longer proposed.
    const first = picks('agent1', 1)[0]!;
    assert.equal((await w.request(b, 'POST', `/recordings/${first}/evaluations`, { form: {} })).statusCode, 303);
    const after = rowsOf((await w.request(b, 'GET', '/quality/queue')).body);
    assert.deepEqual(after.filter((r) => r.agent === 'agent1').map((r) => r.id), [picks('agent1', 2)[1]]);
    assert.ok(!after.some((r) => r.id === first));
    assert.match((await w.request(b, 'GET', '/quality/queue')).body, /<tr><td>agent1<\/td><td>1<\/td><td>2<\/td><\/tr>/);
  } finally {
    await w.close();
  }
});
