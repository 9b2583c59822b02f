/**
 * Call-path latency on the sandbox FreeSWITCH (scripts/freeswitch-sandbox)
 * with N concurrent calls (default 50), over loopback legs or SIP. Two views:
 * - inside the daemon, as bench/call-latency.ts gives them for Asterisk:
 *   consent (the outbound socket connected -> the first prompt command) and
 *   pause (the payment-enter socket connected -> FreeSWITCH's +OK for
 *   uuid_record mask);
 * - on FreeSWITCH's own clock (Event-Date-Timestamp of the recorded leg),
 *   what the caller lives through: the consent socket starting -> the first
 *   prompt playing, and the payment socket starting -> the dialplan going
 *   on with the pause confirmed.
 * The test caller runs in a child process: its event stream (every event of
 * 100 channels) must not share the daemon's event loop, or the bench
 * measures itself. A benchmark, not a test: it prints figures, it asserts
 * nothing. Usage: node --import tsx bench/call-latency-freeswitch.ts [CALLS] [loopback|sip]
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { FsDaemon } from '../test/e2e/support/freeswitch-harness.js';
import { RealFreeSwitch, sandbox, writeRealFsStack, type RealCall, type Transport } from '../test/e2e/support/freeswitch-real.js';
import type { EslEvent } from '../src/pbx/freeswitch/esl-event.js';
import { pct } from './support/percentile.js';

const calls = Number(process.argv[2] ?? '50');
const transport = (process.argv[3] ?? 'loopback') as Transport;
const sb = sandbox();

const fmt = (v: number) => v.toFixed(2).padStart(7);
const row = (label: string, a: number[]) => `${label} ${String(a.length).padStart(4)} ${fmt(pct(a, 50))}  ${fmt(pct(a, 99))}  ${fmt(Math.max(...a))}`;

if (process.argv[4] === '--caller') {
  // The child: places the calls against the daemon at argv[5], prints what FreeSWITCH's clock saw.
  const socket = process.argv[5]!;
  const fs = await RealFreeSwitch.connect(sb);
  const t0 = Date.now();
  const results = await Promise.allSettled(Array.from({ length: calls }, (_, i) =>
    // FreeSWITCH's vanilla limit is 30 new sessions a second: two legs a call, one call every 80 ms.
    new Promise((r) => setTimeout(r, i * 80)).then(() => fs.call(transport, 'bench', { headers: { Socket: socket } }))));
  const wall = (Date.now() - t0) / 1000;
  await fs.close();
  const us = (e: EslEvent) => Number(e.get('Event-Date-Timestamp'));
  const exec = (r: RealCall, app: string, part = '') => r.events.filter((e) => e.name === 'CHANNEL_EXECUTE' && e.get('Application') === app && (e.get('Application-Data') ?? '').includes(part));
  const consent: number[] = [];
  const pause: number[] = [];
  const outcomes: Record<string, number> = {};
  for (const r of results) {
    if (r.status !== 'fulfilled') continue;
    const sockets = exec(r.value, 'socket');
    const prompt = exec(r.value, 'playback', `${sb.sounds}/`)[0];
    if (sockets[0] && prompt) consent.push((us(prompt) - us(sockets[0])) / 1000);
    const after = exec(r.value, 'execute_extension', 'callvault-payment-check')[0];
    if (sockets[1] && after) pause.push((us(after) - us(sockets[1])) / 1000);
    const o = r.value.vars.CALLVAULT_PAUSE ?? 'none';
    outcomes[o] = (outcomes[o] ?? 0) + 1;
  }
  console.log(JSON.stringify({ wall, failed: results.filter((r) => r.status === 'rejected').length, consent, pause, outcomes }));
  process.exit(0);
}

const stack = writeRealFsStack(sb, `
  bench: { mode: mandatory, infoKey: none }`, { outbound: '127.0.0.1:0' });
const consent: number[] = [];
const pause: number[] = [];
const answers = new Map<string, number>();
const daemon = new FsDaemon(stack, [{
  consentLatency: (ms) => consent.push(ms),
  pauseLatency: (ms, answer) => { pause.push(ms); answers.set(answer, (answers.get(answer) ?? 0) + 1); },
}]);
await daemon.start();
const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), String(calls), transport, '--caller', daemon.socket], { stdio: ['ignore', 'pipe', 'inherit'] });
let out = '';
child.stdout.on('data', (d) => { out += String(d); });
await new Promise((r) => child.on('exit', r));
await daemon.daemon.registry.drain();
await daemon.stop();
const seen = JSON.parse(out.trim().split('\n').at(-1)!) as { wall: number; failed: number; consent: number[]; pause: number[]; outcomes: Record<string, number> };

console.log(`call-latency: ${calls} concurrent calls on FreeSWITCH 1.10.12 (sandbox, ${transport}), ${seen.wall.toFixed(1)} s wall, ${seen.failed} failed`);
console.log(`                                                  n      p50 ms   p99 ms   max ms`);
console.log(row('in the daemon: consent (socket -> 1st prompt)   ', consent));
console.log(row('in the daemon: pause (payment-enter -> mask +OK)', pause));
console.log(row('FreeSWITCH clock: consent socket -> notice plays', seen.consent));
console.log(row('FreeSWITCH clock: payment socket -> goes on     ', seen.pause));
console.log(`pause answers: ${JSON.stringify(Object.fromEntries(answers))}; at the end of the calls: ${JSON.stringify(seen.outcomes)} (off = confirmed and lifted)`);
process.exit(0);
