/**
 * Latency of the agent step on the sandbox Asterisk with N concurrent calls
 * (default 50): from the FastAGI request of callvault-agent received (the
 * agent leg connected, before the bridge) to the daemon's answer returned
 * to the adapter, which then plays the notice and sets the variables. Two
 * kinds of answer: "record-now" (the answer draws the call: AMI MixMonitor
 * on the caller's channel, confirmed, variables set there) and "attached"
 * (the call records already: the agent is listed). Target: p99 under 20 ms.
 * A benchmark, not a test: it prints figures, it asserts nothing.
 * Usage: node --import tsx bench/agent-step.ts [CALLS]
 */
import { ensureSandbox, writeStack, Caller, InProcessDaemon } from '../test/e2e/support/call-harness.js';
import { preciseNow, type AgentLeg } from '../src/pbx/call-control.js';
import { pct } from './support/percentile.js';

const calls = Number(process.argv[2] ?? '50');
ensureSandbox();
const files = writeStack(`
  atanswer: { mode: sampled, rate: 0, digitTimeoutMs: 1000 }
  recorded: { mode: sampled, rate: 1, digitTimeoutMs: 1000 }`, `
agents:
  trainee: { rate: 1.0 }
timeZone: Europe/Paris`);
const daemon = new InProcessDaemon(files);
await daemon.start();
const registry = daemon.daemon.registry;
const byAction = new Map<string, number[]>();
// The adapter calls the registry through the handlers object: measure right there.
const inner = registry.agentAnswered.bind(registry);
registry.agentAnswered = async (leg: AgentLeg) => {
  const answer = await inner(leg);
  const ms = preciseNow() - (leg.receivedAt ?? preciseNow());
  byAction.set(answer.action, [...(byAction.get(answer.action) ?? []), ms]);
  return answer;
};

const caller = new Caller();
await caller.start();
const t0 = Date.now();
const results = await Promise.allSettled(Array.from({ length: calls }, (_, i) =>
  new Promise((r) => setTimeout(r, i * 10)).then(() => caller.call('tones', i % 2 === 0 ? 'atanswer' : 'recorded', daemon.agiPort, {
    context: 'callvault-agent-ivr', timeoutMs: 180_000,
    vars: { __CALLVAULT_TEST_AGENT: 'trainee', __CALLVAULT_TEST_WAIT: '1', __CALLVAULT_TEST_AGENT_TALK: '2' },
  }))));
const wall = (Date.now() - t0) / 1000;
await caller.stop();
await registry.drain();
await daemon.stop();

const fmt = (v: number) => v.toFixed(2).padStart(7);
const failed = results.filter((r) => r.status === 'rejected').length;
const all = [...byAction.values()].flat();
console.log(`agent-step: ${calls} concurrent calls on Asterisk (sandbox), ${wall.toFixed(1)} s wall, ${failed} failed`);
console.log(`                                        n      p50 ms   p99 ms   max ms`);
for (const [action, a] of [...byAction.entries(), ['all', all] as [string, number[]]]) {
  console.log(`agent step ${action.padEnd(11)} (AGI -> answer) ${String(a.length).padStart(4)} ${fmt(pct(a, 50))}  ${fmt(pct(a, 99))}  ${fmt(Math.max(...a))}`);
}
process.exit(0);
