/**
 * Measures what one consented, recorded call with a payment pause puts on
 * the Event Socket between the real sandbox FreeSWITCH and the daemon, and
 * saves it to bench/freeswitch-call-shape.json for bench/capacity.ts
 * (`--pbx freeswitch`) to check its fake against. Two TCP proxies sit on the
 * wire: one on the daemon's inbound link (auth, `event plain ...`, `api
 * uuid_record ...`), one in front of the daemon's outbound listener (the
 * dialplan's `socket` application: consent, payment-enter, payment-exit).
 * Every frame each way is kept: commands with ids and paths replaced by
 * placeholders, events by name with their header count and size, and the
 * recorded leg's channel variables by name and value length only (values
 * hold the caller's number). Uses the shared sandbox: run it under the lock.
 *
 *   flock /tmp/cv-sandbox.lock -c 'scripts/freeswitch-sandbox start; npx tsx bench/freeswitch-shape.ts [CALLS]'
 */
import net from 'node:net';
import { writeFileSync } from 'node:fs';
import { FsDaemon } from '../test/e2e/support/freeswitch-harness.js';
import { RealFreeSwitch, sandbox, writeRealFsStack, startAttached } from '../test/e2e/support/freeswitch-real.js';
import { EslFrameParser, classifyFrame, getHeader } from '../src/pbx/freeswitch/esl-frame.js';
import { CommandReader } from '../test/support/esl-server/wire.js';

const calls = Number(process.argv[2] ?? '3');
const sb = sandbox();

interface Wire { kind: string; at: number; toDaemon: Buffer[]; fromDaemon: Buffer[] }
const wires: Wire[] = [];
/** A proxy: accepts on a free port, connects each client to `target()`, keeps the bytes. */
async function proxy(kind: (n: number) => string, target: () => { host: string; port: number }): Promise<number> {
  let n = 0;
  const server = net.createServer((client) => {
    const w: Wire = { kind: kind(n++), at: Date.now(), toDaemon: [], fromDaemon: [] };
    wires.push(w);
    const up = net.connect(target());
    // kind 'inbound': the client is the daemon; else the client is FreeSWITCH.
    const daemonSide = w.kind === 'inbound' ? client : up;
    const fsSide = w.kind === 'inbound' ? up : client;
    daemonSide.on('data', (d) => { w.fromDaemon.push(d); fsSide.write(d); });
    fsSide.on('data', (d) => { w.toDaemon.push(d); daemonSide.write(d); });
    for (const [a, b] of [[client, up], [up, client]] as const) { a.on('end', () => b.end()); a.on('error', () => b.destroy()); a.on('close', () => b.destroy()); }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return (server.address() as net.AddressInfo).port;
}

const inboundPort = await proxy(() => 'inbound', () => ({ host: sb.eslHost, port: sb.eslPort }));
const stack = writeRealFsStack({ ...sb, eslHost: '127.0.0.1', eslPort: inboundPort }, `
  bench: { mode: mandatory, infoKey: none }`, { outbound: '127.0.0.1:0' });
const daemon = new FsDaemon(stack);
await startAttached(daemon);
const outboundPort = await proxy(() => 'outbound', () => { const [host, port] = daemon.socket.split(':'); return { host: host!, port: Number(port) }; });
const fs = await RealFreeSwitch.connect(sb);
const t0 = Date.now();
const uuids: string[] = [];
for (let i = 0; i < calls; i++) {
  const r = await fs.call('loopback', 'bench', { headers: { Socket: `127.0.0.1:${outboundPort}` } });
  if (r.vars.CALLVAULT_DECISION !== 'record' || r.vars.CALLVAULT_PAUSE !== 'off') throw new Error(`call ${i}: not a recorded call with a lifted pause: ${JSON.stringify(r.vars)}`);
  uuids.push(r.uuid, r.callerUuid);
}
const wallS = (Date.now() - t0) / 1000;
await fs.close();
await new Promise((r) => setTimeout(r, 1000));
await daemon.daemon.registry.drain();
await daemon.stop();

/** Ids, paths and times out of a command or value, so the template is the same for every call. */
const generic = (s: string) => uuids.reduce((t, u, i) => t.split(u).join(i % 2 === 0 ? '{UUID}' : '{CALLER_UUID}'), s)
  .replace(/[0-9]{8}T[0-9]{6}Z-[0-9a-f]+/g, '{RECORDING_ID}').replace(/\/[^ ]*\.wav/g, '{PATH}.wav');

interface Frame { dir: 'to-daemon' | 'from-daemon'; what: string; headers: number; bytes: number; contentType?: string; vars?: Record<string, number> }
function frames(w: Wire): Frame[] {
  const out: Frame[] = [];
  const parser = new EslFrameParser();
  for (const f of parser.push(Buffer.concat(w.toDaemon))) {
    const m = classifyFrame(f);
    const bytes = f.headers.reduce((s, [k, v]) => s + k.length + v.length + 3, 1) + f.body.length;
    const contentType = getHeader(f.headers, 'Content-Type') ?? '';
    let what: string = m.kind;
    let headers = f.headers.length;
    let vars: Record<string, number> | undefined;
    if (m.kind === 'event') {
      what = `${m.event.name}${m.event.get('Application') ? ` ${m.event.get('Application')}` : ''}${m.event.get('Event-Subclass') ? ` ${m.event.get('Event-Subclass')}` : ''}`;
      headers = m.event.headers.length;
    } else if (m.kind === 'command-reply' || m.kind === 'api-response') what = `${m.kind} ${generic(m.text.split('\n')[0]!.trim()).slice(0, 60)}`;
    else if (m.kind === 'channel-data') {
      headers = m.event.headers.length;
      vars = Object.fromEntries(m.event.headers.filter(([k]) => k.startsWith('variable_')).map(([k, v]) => [k.slice('variable_'.length), Buffer.byteLength(v)]));
    }
    out.push({ dir: 'to-daemon', what, headers, bytes, contentType, ...(vars ? { vars } : {}) });
  }
  const reader = new CommandReader();
  for (const c of reader.push(Buffer.concat(w.fromDaemon))) {
    const app = c.headers.find(([k]) => k.toLowerCase() === 'execute-app-name')?.[1];
    const arg = c.headers.find(([k]) => k.toLowerCase() === 'execute-app-arg')?.[1] ?? c.body;
    const what = generic(c.line.startsWith('auth ') ? 'auth {PASSWORD}' : c.line) + (app ? ` ${app} ${generic(arg).slice(0, 60)}` : '');
    out.push({ dir: 'from-daemon', what, headers: c.headers.length, bytes: c.line.length + 2 + c.headers.reduce((s, [k, v]) => s + k.length + v.length + 3, 0) + c.body.length });
  }
  return out;
}

const outbound = wires.filter((w) => w.kind === 'outbound');
const inbound = wires.filter((w) => w.kind === 'inbound');
// Each call opens three sockets in order: consent, payment-enter, payment-exit (the dialplan's CALLVAULT_ACTION).
const ACTIONS = ['consent', 'payment-enter', 'payment-exit'];
if (outbound.length !== calls * 3) throw new Error(`expected ${calls * 3} outbound sockets, saw ${outbound.length}`);
const sockets = Object.fromEntries(ACTIONS.map((a, k) => {
  const all = outbound.filter((_, i) => i % 3 === k).map(frames);
  const last = all.at(-1)!;
  return [a, {
    framesPerCall: all.reduce((s, f) => s + f.length, 0) / calls,
    bytesToDaemonPerCall: Math.round(all.reduce((s, f) => s + f.filter((x) => x.dir === 'to-daemon').reduce((t, x) => t + x.bytes, 0), 0) / calls),
    eventsToDaemonPerCall: all.reduce((s, f) => s + f.filter((x) => x.contentType === 'text/event-plain' || x.contentType === 'text/event-json').length, 0) / calls,
    sequence: last,
  }];
}));
const inFrames = inbound.flatMap(frames);
const inEvents = inFrames.filter((f) => f.contentType === 'text/event-plain' || f.contentType === 'text/event-json');
const inCommands = inFrames.filter((f) => f.dir === 'from-daemon');
const byWhat = (fr: Frame[]) => { const m: Record<string, number> = {}; for (const f of fr) m[f.what] = (m[f.what] ?? 0) + 1; return m; };
const shape = {
  measuredAt: new Date().toISOString(),
  freeswitch: '1.10.12, sandbox (scripts/freeswitch-sandbox), loopback legs',
  scenario: 'mandatory line, notice played, recorded from entry, one payment pause (card read aloud then keyed), bench/freeswitch-shape.ts',
  captured: 'TCP proxies on the daemon\'s inbound link and in front of its outbound listener; every frame each way',
  calls,
  wallS,
  inbound: {
    eventsPerCall: inEvents.length / calls,
    eventBytesPerCall: Math.round(inEvents.reduce((s, f) => s + f.bytes, 0) / calls),
    eventsByName: Object.fromEntries(Object.entries(byWhat(inEvents)).map(([k, v]) => [k, v / calls])),
    commandsPerCall: Object.fromEntries(Object.entries(byWhat(inCommands)).map(([k, v]) => [k, v / calls])),
    // Frames to the daemon then from it (each direction in order): the link's opening, not one call's.
    opening: inFrames.filter((f) => f.dir === 'to-daemon').slice(0, 4).concat(inCommands.slice(0, 4)),
  },
  sockets,
};
const out = new URL('./freeswitch-call-shape.json', import.meta.url).pathname;
writeFileSync(out, JSON.stringify(shape, null, 1) + '\n');
console.log(`${calls} calls in ${wallS.toFixed(1)} s; inbound link: ${shape.inbound.eventsPerCall.toFixed(1)} events/call, ${shape.inbound.eventBytesPerCall} bytes/call`);
for (const [a, s] of Object.entries(sockets)) console.log(`  ${a} socket: ${s.framesPerCall.toFixed(1)} frames, ${s.eventsToDaemonPerCall.toFixed(1)} events, ${s.bytesToDaemonPerCall} bytes to the daemon per call`);
console.log(`saved ${out}`);
process.exit(0);
