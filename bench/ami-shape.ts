/**
 * Measures the AMI event stream a real call makes on the sandbox Asterisk,
 * as the daemon's manager user sees it with the documented eventfilters
 * (`strict`: docs/asterisk-protocol.md) and without (`read-all`), and saves
 * its shape to bench/asterisk-call-shape.json for bench/capacity.ts to
 * replay. Uses the shared sandbox: run it under the lock.
 *
 *   flock /tmp/cv-sandbox.lock -c 'scripts/asterisk-sandbox reload; npx tsx bench/ami-shape.ts [CALLS]'
 */
import { writeFileSync } from 'node:fs';
import { ensureSandbox, sandboxEnv, writeStack, Caller, InProcessDaemon } from '../test/e2e/support/call-harness.js';
import { AmiClient } from '../src/pbx/asterisk/ami-client.js';
import { silentLogger } from '../src/log/logger.js';

const calls = Number(process.argv[2] ?? '3');
ensureSandbox();
const env = sandboxEnv();
const files = writeStack(`
  bench: { mode: mandatory }`);
const daemon = new InProcessDaemon(files);
await daemon.start();

interface Seen { at: number; name: string; fields: Record<string, string> }
const users = {
  strict: { user: env.CALLVAULT_ASTERISK_AMI_USER!, secret: env.CALLVAULT_ASTERISK_AMI_SECRET! },
  'read-all': { user: env.CALLVAULT_ASTERISK_AMI_USER_ALL!, secret: env.CALLVAULT_ASTERISK_AMI_SECRET_ALL! },
};
const seen: Record<string, Seen[]> = { strict: [], 'read-all': [] };
const clients = await Promise.all(Object.entries(users).map(async ([kind, u]) => {
  const ami = new AmiClient({ host: env.CALLVAULT_ASTERISK_AMI_HOST!, port: Number(env.CALLVAULT_ASTERISK_AMI_PORT), username: u.user, secret: u.secret, logger: silentLogger, heartbeat: false });
  ami.on('event', (e: { name: string; fields: Record<string, string | undefined> }) => {
    seen[kind]!.push({ at: Date.now(), name: e.name, fields: Object.fromEntries(Object.entries(e.fields).filter((kv): kv is [string, string] => kv[1] !== undefined)) });
  });
  ami.start();
  await ami.waitConnected(15_000);
  return ami;
}));
const caller = new Caller();
await caller.start();
const ids: string[] = [];
for (let i = 0; i < calls; i++) {
  const r = await caller.call('tones', 'bench', daemon.agiPort, { vars: { CALLVAULT_TEST_TALK: '1', CALLVAULT_TEST_PAYMENT: '1' }, timeoutMs: 60_000 });
  ids.push(r.uniqueid);
}
await new Promise((r) => setTimeout(r, 1000));
await caller.stop();
for (const c of clients) await c.stop();
await daemon.daemon.registry.drain();
await daemon.stop();

/** An event belongs to a call when one of its fields names one of the call's channels or ids. */
const ofCall = (e: Seen, id: string) => Object.values(e.fields).some((v) => v.includes(id));
const shape: Record<string, { eventsPerCall: number; bytesPerCall: number; byName: Record<string, number>; sequence: Array<{ name: string; fields: Record<string, string> }> }> = {};
for (const kind of Object.keys(users)) {
  const per = ids.map((id) => seen[kind]!.filter((e) => ofCall(e, id)));
  const byName: Record<string, number> = {};
  for (const list of per) for (const e of list) byName[e.name] = (byName[e.name] ?? 0) + 1 / per.length;
  const bytes = per.map((l) => l.reduce((s, e) => s + Object.entries(e.fields).reduce((t, [k, v]) => t + k.length + v.length + 4, 0) + 2, 0));
  // The last call's events, ids replaced by placeholders, are the replayed template.
  const last = per[per.length - 1]!;
  const id = ids[ids.length - 1]!;
  shape[kind] = {
    eventsPerCall: per.reduce((s, l) => s + l.length, 0) / per.length,
    bytesPerCall: Math.round(bytes.reduce((s, b) => s + b, 0) / bytes.length),
    byName: Object.fromEntries(Object.entries(byName).sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, Math.round(v * 10) / 10])),
    sequence: last.map((e) => ({ name: e.name, fields: Object.fromEntries(Object.entries(e.fields).map(([k, v]) => [k, v.split(id).join('{ID}')])) })),
  };
}
const out = new URL('./asterisk-call-shape.json', import.meta.url).pathname;
writeFileSync(out, JSON.stringify({ measuredAt: new Date().toISOString(), asterisk: 'sandbox (scripts/asterisk-sandbox)', scenario: 'tones, talk 1 s, one payment pause, mandatory line', calls, users: shape }, null, 1) + '\n');
for (const [kind, s] of Object.entries(shape)) {
  console.log(`${kind}: ${s.eventsPerCall.toFixed(1)} events/call, ${s.bytesPerCall} bytes/call`);
  console.log(`  ${Object.entries(s.byName).map(([k, v]) => `${k} ${v}`).join(', ')}`);
}
console.log(`saved ${out}`);
process.exit(0);
