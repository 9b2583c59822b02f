/** /metrics reports the event-loop delay since the last scrape, at 1 ms resolution (bench/capacity.ts reads it). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Metrics } from '../../../src/daemon/metrics.js';

const value = (text: string, name: string) => Number(new RegExp(`^${name} ([0-9.eE+-]+)$`, 'm').exec(text)?.[1]);

test('a 60 ms stall shows in the max since the last scrape, and the next scrape starts afresh', async () => {
  const m = new Metrics();
  await m.registry.metrics(); // starts the window
  await new Promise((r) => setTimeout(r, 20));
  const until = Date.now() + 60;
  while (Date.now() < until) { /* block the loop */ }
  await new Promise((r) => setTimeout(r, 20));
  const first = await m.registry.metrics();
  assert.ok(value(first, 'callvault_event_loop_delay_max_seconds') >= 0.05, first.match(/callvault_event_loop.*/g)?.join('\n'));
  await new Promise((r) => setTimeout(r, 50));
  const second = await m.registry.metrics();
  assert.ok(value(second, 'callvault_event_loop_delay_max_seconds') < 0.05, 'reset at each scrape');
  assert.ok(value(second, 'callvault_event_loop_delay_p99_seconds') <= value(second, 'callvault_event_loop_delay_max_seconds'));
});
