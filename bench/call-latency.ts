/**
 * Call-path latency on the sandbox Asterisk with N concurrent calls
 * (default 50): consent decision latency (FastAGI request received to the
 * first prompt command sent) and payment-pause latency (payment-enter
 * request received to AMI's confirmation of MixMonitorMute). Prints p50,
 * p99 and max. A benchmark, not a test: it prints figures, it asserts
 * nothing. Usage: node --import tsx bench/call-latency.ts [CALLS]
 */
import { ensureSandbox, writeStack, Caller, InProcessDaemon } from '../test/e2e/support/call-harness.js';
import { pct } from './support/percentile.js';

const calls = Number(process.argv[2] ?? '50');
ensureSandbox();
const files = writeStack(`
  bench: { mode: mandatory }`);
const consent: number[] = [];
const pause: number[] = [];
const answers = new Map<string, number>();
const daemon = new InProcessDaemon(files, [{
  consentLatency: (ms) => consent.push(ms),
  pauseLatency: (ms, answer) => { pause.push(ms); answers.set(answer, (answers.get(answer) ?? 0) + 1); },
}]);
await daemon.start();

const caller = new Caller();
await caller.start();
const t0 = Date.now();
const results = await Promise.allSettled(Array.from({ length: calls }, (_, i) =>
  new Promise((r) => setTimeout(r, i * 20)).then(() => caller.call('tones', 'bench', daemon.agiPort, { vars: { CALLVAULT_TEST_TALK: '1', CALLVAULT_TEST_PAYMENT: '2' }, timeoutMs: 180_000 }))));
const wall = (Date.now() - t0) / 1000;
await caller.stop();
await daemon.daemon.registry.drain();
await daemon.stop();

const fmt = (v: number) => v.toFixed(2).padStart(7);
const failed = results.filter((r) => r.status === 'rejected').length;
console.log(`call-latency: ${calls} concurrent calls on Asterisk (sandbox), ${wall.toFixed(1)} s wall, ${failed} failed`);
console.log(`                                   n      p50 ms   p99 ms   max ms`);
console.log(`consent (AGI request -> 1st prompt) ${String(consent.length).padStart(4)} ${fmt(pct(consent, 50))}  ${fmt(pct(consent, 99))}  ${fmt(Math.max(...consent))}`);
console.log(`pause   (payment-enter -> mute ok)  ${String(pause.length).padStart(4)} ${fmt(pct(pause, 50))}  ${fmt(pct(pause, 99))}  ${fmt(Math.max(...pause))}`);
console.log(`pause answers: ${JSON.stringify(Object.fromEntries(answers))}`);
process.exit(0);
