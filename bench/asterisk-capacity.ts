/**
 * How many concurrent recorded calls the sandbox Asterisk holds on this
 * machine, and the daemon's share of the CPU beside it: Local-channel calls
 * (scripts/asterisk-sandbox's test caller playing tones into the IVR side,
 * MixMonitor recording every call on a mandatory line), in steps, with
 * Asterisk's and the daemon's CPU from /proc. A step "holds" when every
 * call of it was recorded and hung up normally. Uses the shared sandbox:
 * run it under the lock, briefly.
 *
 *   flock /tmp/cv-sandbox.lock -c 'scripts/asterisk-sandbox reload; npx tsx bench/asterisk-capacity.ts [50,100,200]'
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { execFileSync } from 'node:child_process';
import { ensureSandbox, writeStack, Caller, InProcessDaemon, repo } from '../test/e2e/support/call-harness.js';

const steps = (process.argv[2] ?? '50,100,200').split(',').map(Number);
const TALK_S = 20;
ensureSandbox();
const status = execFileSync(`${repo}/scripts/asterisk-sandbox`, ['status'], { encoding: 'utf8' });
const astPid = Number(/pid (\d+)/.exec(status)?.[1]);
const cpuS = (pid: number) => { const st = readFileSync(`/proc/${pid}/stat`, 'utf8'); const f = st.slice(st.lastIndexOf(')') + 2).split(' '); return (Number(f[11]) + Number(f[12])) / 100; };
const files = writeStack(`
  bench: { mode: mandatory }`);
const daemon = new InProcessDaemon(files);
await daemon.start();
const caller = new Caller();
await caller.start();
console.log(`asterisk-capacity: sandbox Asterisk pid ${astPid}, Local channels + MixMonitor, ${TALK_S} s talk, daemon in-process; load ${loadavg()[0]!.toFixed(2)}`);
console.log(' calls  ok  recorded  asterisk cpu%  daemon cpu%  load');
for (const n of steps) {
  const a0 = cpuS(astPid);
  const d0 = process.cpuUsage();
  const t0 = Date.now();
  const results = await Promise.allSettled(Array.from({ length: n }, (_, i) =>
    new Promise((r) => setTimeout(r, (i * 5000) / n)).then(() => caller.call('tones', 'bench', daemon.agiPort, { vars: { CALLVAULT_TEST_TALK: String(TALK_S), CALLVAULT_TEST_PAYMENT: '2' }, timeoutMs: 120_000 }))));
  const wall = (Date.now() - t0) / 1000;
  const a = cpuS(astPid) - a0;
  const d = process.cpuUsage(d0);
  const ok = results.filter((r) => r.status === 'fulfilled');
  const recorded = ok.filter((r) => (r as PromiseFulfilledResult<{ vars: Record<string, string> }>).value.vars.CALLVAULT_DECISION === 'record').length;
  console.log(`${String(n).padStart(6)} ${String(ok.length).padStart(4)} ${String(recorded).padStart(8)}  ${((a / wall) * 100).toFixed(1).padStart(12)}  ${(((d.user + d.system) / 1e6 / wall) * 100).toFixed(1).padStart(11)}  ${loadavg()[0]!.toFixed(2)}`);
  if (ok.length < n) { console.log(`  ${n - ok.length} call(s) failed: the sandbox does not hold ${n}`); break; }
}
await caller.stop();
await daemon.daemon.registry.drain();
await daemon.stop();
process.exit(0);
