/**
 * Call-path latency on the sandbox FreeSWITCH (scripts/freeswitch-sandbox)
 * with N concurrent calls (default 50) over loopback legs or SIP, measured
 * on FreeSWITCH's own clock (Event-Date-Timestamp of the recorded leg's
 * events), so the figure is what the caller lives through:
 * - consent: the consent `socket` starting to the first prompt's playback;
 * - pause: the payment-enter `socket` starting to the dialplan going on
 *   with the pause confirmed (connect, uuid_record mask, its +OK, the
 *   CALLVAULT_PAUSE answer, the socket closing).
 * The daemon runs as its own process (`callvault run`, as in production):
 * the test caller's event stream must not share its event loop. A
 * benchmark, not a test: it prints figures, it asserts nothing.
 * Usage: node --import tsx bench/call-latency-freeswitch.ts [CALLS] [loopback|sip]
 */
import { ChildDaemon } from '../test/e2e/support/call-harness.js';
import { RealFreeSwitch, sandbox, writeRealFsStack, type RealCall, type Transport } from '../test/e2e/support/freeswitch-real.js';
import type { EslEvent } from '../src/pbx/freeswitch/esl-event.js';

const calls = Number(process.argv[2] ?? '50');
const transport = (process.argv[3] ?? 'loopback') as Transport;
const sb = sandbox();
const stack = writeRealFsStack(sb, `
  bench: { mode: mandatory, infoKey: none }`);
const daemon = new ChildDaemon(stack, 0);
await daemon.start();
const fs = await RealFreeSwitch.connect(sb);
const t0 = Date.now();
const results = await Promise.allSettled(Array.from({ length: calls }, (_, i) =>
  // FreeSWITCH's vanilla limit is 30 new sessions a second: two legs a call, one call every 80 ms.
  new Promise((r) => setTimeout(r, i * 80)).then(() => fs.call(transport, 'bench'))));
const wall = (Date.now() - t0) / 1000;
await fs.close();
await daemon.kill('SIGTERM');

const us = (e: EslEvent) => Number(e.get('Event-Date-Timestamp'));
const exec = (r: RealCall, app: string, part = '') => r.events.filter((e) => e.name === 'CHANNEL_EXECUTE' && e.get('Application') === app && (e.get('Application-Data') ?? '').includes(part));
const consent: number[] = [];
const pause: number[] = [];
const outcomes = new Map<string, number>();
for (const r of results) {
  if (r.status !== 'fulfilled') continue;
  const call = r.value;
  const sockets = exec(call, 'socket');
  const prompt = exec(call, 'playback', `${sb.sounds}/`)[0];
  if (sockets[0] && prompt) consent.push((us(prompt) - us(sockets[0])) / 1000);
  const after = exec(call, 'execute_extension', 'callvault-payment-check')[0];
  if (sockets[1] && after) pause.push((us(after) - us(sockets[1])) / 1000);
  const outcome = call.vars.CALLVAULT_PAUSE ?? 'none';
  outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
}

function pct(a: number[], p: number): number {
  const s = [...a].sort((x, y) => x - y);
  return s.length === 0 ? Number.NaN : s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}
const fmt = (v: number) => v.toFixed(2).padStart(7);
const failed = results.filter((r) => r.status === 'rejected').length;
console.log(`call-latency: ${calls} concurrent calls on FreeSWITCH 1.10.12 (sandbox, ${transport}), ${wall.toFixed(1)} s wall, ${failed} failed`);
console.log(`                                       n      p50 ms   p99 ms   max ms`);
console.log(`consent (socket start -> 1st prompt)  ${String(consent.length).padStart(4)} ${fmt(pct(consent, 50))}  ${fmt(pct(consent, 99))}  ${fmt(Math.max(...consent))}`);
console.log(`pause   (payment socket -> goes on)   ${String(pause.length).padStart(4)} ${fmt(pct(pause, 50))}  ${fmt(pct(pause, 99))}  ${fmt(Math.max(...pause))}`);
console.log(`pause at the end of the call: ${JSON.stringify(Object.fromEntries(outcomes))} (off = confirmed and lifted; stopped = failed closed)`);
process.exit(0);
