/**
 * The agent features on the real FreeSWITCH 1.10.12 of
 * scripts/freeswitch-sandbox, every leg a real SIP call with RTP from the
 * sandbox profile to itself: the caller calls "agent-LINE", waits in a
 * queue (500 Hz), and is bridged to an agent's phone ("agentside-HZ-MS":
 * talks at HZ, records what it hears). The agent leg runs callvault-agent
 * before the bridge. Checked in the audio (Goertzel, 50 ms windows so that
 * the 100 Hz-apart tones stay apart): the caller's 440 Hz on the left of the
 * stereo file, the agent on the right, no notice beep in the caller's file,
 * the beep at the agent's phone. The gate before eavesdrop is audited and
 * refuses outside the windows, for a protected agent, and with no daemon.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { readWav } from '../support/goertzel.js';
import { channelOf, toneWindows, unexplainedWindows } from '../support/payment-audio.js';
import { AGENT_BEEP_HZ } from '../../src/pbx/freeswitch/agent-step.js';
import type { EslEvent } from '../../src/pbx/freeswitch/esl-event.js';
import { FsDaemon, closedPort, sleep, type FsStack } from './support/freeswitch-harness.js';
import { RealFreeSwitch, sandbox, writeRealFsStack, waitFor, waitForSpool, startAttached, type FsSandbox } from './support/freeswitch-real.js';

const WIN = 10; // the project's 10 ms windows: a short beep or tone fragment cannot hide inside a wider one
const CALLER_HZ = 440;
const QUEUE_HZ = 500;

/** A weekday that is not today in the config's zone: a window there is closed now. */
function notToday(): string {
  const today = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Paris', weekday: 'short' }).format(new Date()).toLowerCase().slice(0, 3);
  const days = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
  return days[(days.indexOf(today) + 2) % 7]!;
}

const LINES = `
  queue: { mode: sampled, rate: 0, digitTimeoutMs: 1000 }
  fromanswer: { mode: sampled, rate: 1, recordFrom: answer, digitTimeoutMs: 1000 }
  closedhours: { mode: sampled, rate: 1, recordFrom: answer, digitTimeoutMs: 1000, windows: [{ days: [${notToday()}], from: '00:00', to: '24:00' }] }`;
const AGENTS = `
agents:
  trainee1: { rate: 1, team: newhires }
  trainee2: { rate: 1, team: newhires }
  regular1: { team: support }
  protected: [rep1]
  notice: { play: beep, periodicBeepSeconds: 5 }
teams:
  newhires: {}
  support: {}
`;

interface AuditRow { actor: string; action: string; reason: string; details: Record<string, unknown> }

let sb: FsSandbox;
let fs: RealFreeSwitch;
let stack: FsStack;
let daemon: FsDaemon;
const audit: AuditRow[] = [];

before(async () => {
  sb = sandbox();
  fs = await RealFreeSwitch.connect(sb);
  stack = writeRealFsStack(sb, LINES, { outbound: '127.0.0.1:0', freeswitch: '    stereo: true', top: AGENTS });
  daemon = new FsDaemon(stack, [], { append: (row) => audit.push(row) });
  await startAttached(daemon);
});
after(async () => {
  await daemon?.stop();
  await fs?.close();
});

interface Agent { id: string; hz: number; ms: number }
interface AgentCall {
  uuid: string;
  tag: string;
  vars: Record<string, string | undefined>;
  /** The agent legs (B-legs of the bridges), in order, with their variables at hangup. */
  agentLegs: Array<{ uuid: string; vars: Record<string, string | undefined> }>;
  events: EslEvent[];
  /** Every agent leg seen hanging up, for an assertion message. */
  diagnosis: string;
}

const TAG = 'sip_h_X-Callvault-Test';
const OUT_VARS = ['CALLVAULT_DECISION', 'CALLVAULT_RECORDING_ID', 'CALLVAULT_AGENT_DECISION', 'CALLVAULT_AGENT_REASON', 'CALLVAULT_AGENT_RECORDING_ID', 'CALLVAULT_AGENT', 'CALLVAULT_MONITOR_DECISION', 'CALLVAULT_MONITOR_REASON'];
const varsOf = (ev: EslEvent) => Object.fromEntries(OUT_VARS.map((n) => [n, ev.variable(n) || undefined]));

/** Originates a SIP call from the sandbox to itself with X-Callvault-* headers; returns the called leg's uuid. */
async function dial(dest: string, headers: Record<string, string>): Promise<{ uuid: string; callerUuid: string; tag: string; start: number }> {
  const tag = randomUUID().replace(/-/g, '');
  const callerUuid = randomUUID();
  const vars: Record<string, string> = { origination_uuid: callerUuid, origination_caller_id_number: '+33612345678', [TAG]: tag, ignore_early_media: 'true' };
  for (const [k, v] of Object.entries(headers)) vars[`sip_h_X-Callvault-${k}`] = v;
  const start = fs.events.length;
  const reply = await fs.conn.bgapi(`originate {${Object.entries(vars).map(([k, v]) => `${k}=${v}`).join(',')}}sofia/sandbox/${dest}@127.0.0.1:${sb.sipPort} &park()`, { timeoutMs: 30_000 });
  assert.match(reply, /^\+OK/, `originate: ${reply.trim()}`);
  const i = await fs.eventFrom(start, (ev) => ev.variable(TAG) === tag && ev.uuid !== callerUuid && ev.name === 'CHANNEL_EXECUTE', () => false, 10_000);
  return { uuid: fs.events[i!]!.uuid!, callerUuid, tag, start };
}

const hungUp = (uuid: string, from: number) => fs.eventFrom(from, (ev) => ev.uuid === uuid && ev.name === 'CHANNEL_HANGUP_COMPLETE', () => false, 90_000);

/** A caller (440 Hz, no key) on `line`, answered by `first`; `transfer` moves the caller to another agent `afterMs` after the recording started. */
async function agentCall(line: string, first: Agent, opts: { transfer?: Agent & { afterMs: number }; during?: (call: { uuid: string; tag: string; start: number }) => Promise<void>; socket?: string } = {}): Promise<AgentCall> {
  const call = await dial(`agent-${line}`, { Socket: opts.socket ?? daemon.socket, 'Answer-Agent': first.id, 'Agent-Hz': String(first.hz), 'Agent-Ms': String(first.ms) });
  await fs.callerTone(call.callerUuid, CALLER_HZ);
  const done = hungUp(call.uuid, call.start);
  const side = (async () => {
    if (opts.transfer) {
      const t = opts.transfer;
      const rec = await fs.eventFrom(call.start, (ev) => ev.uuid === call.uuid && ev.name === 'RECORD_START', () => false, 30_000);
      assert.ok(rec !== null);
      await sleep(t.afterMs);
      // What the agent's phone asks of FreeSWITCH for a blind transfer: move the caller's leg to the next agent.
      const r = await fs.api(`uuid_transfer ${call.uuid} callvault-e2e-bridge-${t.id}-${t.hz}-${t.ms} XML callvault-e2e`);
      assert.match(r, /^\+OK/, `uuid_transfer: ${r.trim()}`);
    }
    await opts.during?.(call);
  })();
  await done;
  await side;
  await fs.api(`uuid_kill ${call.callerUuid}`).catch(() => undefined);
  const last = fs.events.slice(call.start).filter((e) => e.uuid === call.uuid).at(-1)!;
  const callUuid = last.get('Channel-Call-UUID');
  // The B-legs carry CALLVAULT_AGENT and name the caller's leg: as their
  // Channel-Call-UUID while bridged, or as Other-Leg-Unique-ID. A leg the
  // caller was transferred away from (uuid_transfer) hangs up unbridged and
  // reports its own uuid as Channel-Call-UUID (seen on 1.10.12: the "missing
  // leg" of the transfer test's old flake), so both are matched.
  const agentHangups = () => fs.events.slice(call.start)
    .filter((e) => e.name === 'CHANNEL_HANGUP_COMPLETE' && e.uuid !== call.uuid && e.variable('CALLVAULT_AGENT')
      && (e.get('Channel-Call-UUID') === callUuid || e.get('Other-Leg-Unique-ID') === call.uuid));
  // The last agent leg's CHANNEL_HANGUP_COMPLETE can come after the caller's:
  // give it a moment; if it never comes, the caller's asserts say so.
  const expectedLegs = opts.transfer ? 2 : 1;
  for (const until = Date.now() + 5000; agentHangups().length < expectedLegs && Date.now() < until;) await sleep(50);
  const events = fs.events.slice(call.start);
  const agentLegs = agentHangups().map((e) => ({ uuid: e.uuid!, vars: varsOf(e) }));
  // What a missing leg looked like, for the assertion message: every agent leg's hangup since the call began.
  const seen = events.filter((e) => e.name === 'CHANNEL_HANGUP_COMPLETE' && e.variable('CALLVAULT_AGENT'))
    .map((e) => `${e.uuid} agent=${e.variable('CALLVAULT_AGENT')} call-uuid=${e.get('Channel-Call-UUID')} other-leg=${e.get('Other-Leg-Unique-ID') ?? '-'} decision=${e.variable('CALLVAULT_AGENT_DECISION') ?? '-'}`);
  return { uuid: call.uuid, tag: call.tag, vars: varsOf(last), agentLegs, events, diagnosis: `caller ${call.uuid} call-uuid=${callUuid}; agent hangups seen:\n${seen.join('\n')}` };
}

function agentSideFile(tag: string, hz: number): string {
  return join(dirname(sb.recordings), `agentside-${tag}-${hz}.wav`);
}

test('real freeswitch: a trainee at rate 1.0 answers a call not sampled at entry: recorded from the answer, tagged, the notice beep to the agent only', async () => {
  const trainee = { id: 'trainee1', hz: 700, ms: 3000 };
  const r = await agentCall('queue', trainee);
  assert.notEqual(r.vars.CALLVAULT_DECISION, 'record', `not recorded at entry (rate 0): ${r.vars.CALLVAULT_DECISION}`);
  assert.equal(r.agentLegs.length, 1);
  const leg = r.agentLegs[0]!.vars;
  assert.equal(leg.CALLVAULT_AGENT_DECISION, 'record', `agent step: ${leg.CALLVAULT_AGENT_REASON}`);
  assert.equal(leg.CALLVAULT_AGENT_REASON, 'agent-rate');
  const id = r.vars.CALLVAULT_RECORDING_ID;
  assert.ok(id, 'the caller\'s leg carries the recording id set at answer');
  assert.equal(leg.CALLVAULT_AGENT_RECORDING_ID, id);
  assert.equal(r.events.filter((e) => e.name === 'RECORD_START' && e.uuid === r.uuid).length, 1, 'one uuid_record, on the caller\'s leg');
  const meta = await waitForSpool(stack, id);
  const agents = meta.agents as Array<{ agent: string; team: string | null; offsetMs: number }>;
  assert.equal(agents.length, 1);
  assert.equal(agents[0]!.team, 'newhires');
  assert.equal(agents[0]!.agent, 'trainee1', 'the agent who answered is on the recording (encrypted with it; the index keeps a keyed hash)');
  const pcm = readWav(join(stack.spool, `${id}.wav`));
  assert.equal(pcm.channels, 2);
  const [left, right] = [channelOf(pcm, 0), channelOf(pcm, 1)];
  assert.ok(toneWindows(left, pcm.rate, CALLER_HZ, WIN).length > 20, 'the caller on the left');
  assert.ok(toneWindows(right, pcm.rate, trainee.hz, WIN).length > 20, 'the agent on the right');
  assert.equal(toneWindows(left, pcm.rate, trainee.hz, WIN).length, 0, 'the agent not on the left');
  assert.equal(toneWindows(right, pcm.rate, QUEUE_HZ, WIN).length, 0, 'the queue before the answer is not in the file');
  assert.deepEqual(toneWindows(left, pcm.rate, AGENT_BEEP_HZ, WIN).map((w) => w.atMs), [], 'no notice beep in the caller\'s channel');
  assert.deepEqual(toneWindows(right, pcm.rate, AGENT_BEEP_HZ, WIN).map((w) => w.atMs), [], 'the notice played before the bridge: not in the call either');
  // What the agent's phone heard: the beep first, then the caller.
  const heard = readWav(agentSideFile(r.tag, trainee.hz));
  const beeps = toneWindows(heard.samples, heard.rate, AGENT_BEEP_HZ, WIN);
  const caller = toneWindows(heard.samples, heard.rate, CALLER_HZ, WIN);
  assert.ok(beeps.length >= 3, `the agent heard the notice beep (${beeps.length} windows)`);
  assert.ok(caller.length > 20 && beeps[0]!.atMs < caller[0]!.atMs, 'the notice came before the caller was connected');
  rmSync(agentSideFile(r.tag, trainee.hz), { force: true });
});

test('real freeswitch: the spoken agent notice (play: prompt) reaches the agent\'s phone before the bridge and is nowhere in the recording', async () => {
  const spoken = writeRealFsStack(sb, LINES, { outbound: '127.0.0.1:0', freeswitch: '    stereo: true', top: AGENTS.replace('notice: { play: beep, periodicBeepSeconds: 5 }', 'notice: { play: prompt }') });
  const second = new FsDaemon(spoken, []);
  await startAttached(second);
  try {
    const trainee = { id: 'trainee2', hz: 700, ms: 4000 };
    const r = await agentCall('queue', trainee, { socket: second.socket });
    assert.equal(r.agentLegs[0]?.vars.CALLVAULT_AGENT_DECISION, 'record', r.diagnosis);
    const id = r.vars.CALLVAULT_RECORDING_ID!;
    await waitForSpool(spoken, id); // the hand-off: the WAV is in the spool once its metadata is
    const pcm = readWav(join(spoken.spool, `${id}.wav`));
    const heard = readWav(agentSideFile(r.tag, trainee.hz));
    // The caller only sends 440 Hz and the agent 700 Hz: anything else the agent heard is the spoken notice.
    const notice = unexplainedWindows(heard.samples, heard.rate, [CALLER_HZ, trainee.hz]);
    assert.ok(notice >= 50, `the agent heard the spoken notice (${notice} windows of speech)`);
    const firstCaller = toneWindows(heard.samples, heard.rate, CALLER_HZ, WIN).find((w, i, all) => all[i + 20] !== undefined && all[i + 20]!.atMs - w.atMs < 300);
    assert.ok(firstCaller, 'the agent then heard the caller');
    const leaked = { left: unexplainedWindows(channelOf(pcm, 0), pcm.rate, [CALLER_HZ]), right: unexplainedWindows(channelOf(pcm, 1), pcm.rate, [trainee.hz]) };
    assert.ok(leaked.left <= 5 && leaked.right <= 5, `no speech in either channel of the recording: ${JSON.stringify(leaked)}`);
    rmSync(agentSideFile(r.tag, trainee.hz), { force: true });
  } finally {
    await second.stop();
  }
});

test('real freeswitch: recordFrom answer: a sampled call records only from the agent\'s answer', async () => {
  const r = await agentCall('fromanswer', { id: 'regular1', hz: 700, ms: 2000 });
  const leg = r.agentLegs[0]!.vars;
  assert.equal(leg.CALLVAULT_AGENT_DECISION, 'record', `agent step: ${leg.CALLVAULT_AGENT_REASON}`);
  const id = r.vars.CALLVAULT_RECORDING_ID!;
  const pcm = readWav(join((await waitForSpool(stack, id), stack.spool), `${id}.wav`));
  const right = channelOf(pcm, 1);
  assert.equal(toneWindows(right, pcm.rate, QUEUE_HZ, WIN).length, 0, 'no queue music in the file');
  assert.ok(toneWindows(right, pcm.rate, 700, WIN).length > 20, 'the agent is');
  rmSync(agentSideFile(r.tag, 700), { force: true });
});

test('real freeswitch: a protected agent and a call outside the line\'s window are not recorded', async () => {
  const [prot, closed] = await Promise.all([
    agentCall('fromanswer', { id: 'rep1', hz: 700, ms: 1500 }),
    agentCall('closedhours', { id: 'trainee2', hz: 700, ms: 1500 }),
  ]);
  for (const [r, reason] of [[prot, 'protected-agent'], [closed, 'outside-window']] as const) {
    assert.equal(r.agentLegs[0]!.vars.CALLVAULT_AGENT_DECISION, 'skip');
    assert.equal(r.agentLegs[0]!.vars.CALLVAULT_AGENT_REASON, reason);
    assert.equal(r.vars.CALLVAULT_RECORDING_ID, undefined, `${reason}: no recording id`);
    assert.equal(r.events.filter((e) => e.name === 'RECORD_START' && e.uuid === r.uuid).length, 0, `${reason}: nothing recorded`);
    // No notice for a call that is not recorded.
    const heard = readWav(agentSideFile(r.tag, 700));
    assert.equal(toneWindows(heard.samples, heard.rate, AGENT_BEEP_HZ, WIN).length, 0, `${reason}: no notice to the agent`);
    rmSync(agentSideFile(r.tag, 700), { force: true });
  }
});

test('real freeswitch: a transfer between two agents: the recording follows the call and lists both, in order, with offsets', async () => {
  const r = await agentCall('queue', { id: 'trainee1', hz: 700, ms: 20_000 }, { transfer: { id: 'regular1', hz: 850, ms: 2500, afterMs: 2500 } });
  assert.equal(r.agentLegs.length, 2, `two agent legs\n${r.diagnosis}`);
  assert.equal(r.agentLegs[0]!.vars.CALLVAULT_AGENT_DECISION, 'record');
  assert.equal(r.agentLegs[1]!.vars.CALLVAULT_AGENT_DECISION, 'attached');
  const id = r.vars.CALLVAULT_RECORDING_ID!;
  const meta = await waitForSpool(stack, id);
  const agents = meta.agents as Array<{ agent: string; team: string | null; offsetMs: number }>;
  assert.deepEqual(agents.map((a) => a.team), ['newhires', 'support']);
  assert.equal(agents[0]!.offsetMs, 0);
  const pcm = readWav(join(stack.spool, `${id}.wav`));
  const right = channelOf(pcm, 1);
  const first = toneWindows(right, pcm.rate, 700, WIN);
  const second = toneWindows(right, pcm.rate, 850, WIN);
  assert.ok(first.length > 20 && second.length > 20, 'both agents are in the file');
  assert.ok(first.at(-1)!.atMs < second[0]!.atMs, 'the first agent, then the second');
  // The second agent's offset is where their voice starts, give or take the notice and the bridge.
  assert.ok(Math.abs(second[0]!.atMs - agents[1]!.offsetMs) < 1500, `offset ${agents[1]!.offsetMs} ms, voice at ${second[0]!.atMs} ms`);
  for (const hz of [700, 850]) rmSync(agentSideFile(r.tag, hz), { force: true });
});

/** A supervisor dials the gate for `agent` (on a call now), listens `listenMs` if let in, hangs up; the gate's leg and its events. */
async function supervise(agent: string, socket: string, listenMs: number): Promise<{ uuid: string; vars: Record<string, string | undefined>; eavesdrops: EslEvent[] }> {
  const m = await dial(`monitor-${agent}`, { Socket: socket, Supervisor: 'sup7', 'Monitor-Mode': 'listen' });
  let ended = false;
  const done = hungUp(m.uuid, m.start).then(() => { ended = true; });
  const spy = await fs.eventFrom(m.start, (ev) => ev.uuid === m.uuid && ev.name === 'CHANNEL_EXECUTE' && ev.get('Application') === 'eavesdrop', () => ended, 10_000);
  if (spy !== null) { await sleep(listenMs); await fs.api(`uuid_kill ${m.callerUuid}`); }
  await done;
  await fs.api(`uuid_kill ${m.callerUuid}`).catch(() => undefined);
  const events = fs.events.slice(m.start).filter((e) => e.uuid === m.uuid);
  return { uuid: m.uuid, vars: varsOf(events.at(-1)!), eavesdrops: events.filter((e) => e.name === 'CHANNEL_EXECUTE' && e.get('Application') === 'eavesdrop') };
}

test('real freeswitch: the live-listening gate: allowed and audited start and end; refused outside the window, for a protected agent, and with the daemon down', async () => {
  const down = `127.0.0.1:${await closedPort()}`;
  const results: Record<string, Awaited<ReturnType<typeof supervise>>> = {};
  const busy = (agent: string, line: string, key: string, socket = daemon.socket) => agentCall(line, { id: agent, hz: 700, ms: 7000 }, {
    during: async (call) => {
      await fs.eventFrom(call.start, (ev) => ev.name === 'CHANNEL_EXECUTE_COMPLETE' && ev.variable('CALLVAULT_AGENT') === agent && ev.get('Application') === 'execute_extension', () => false, 20_000);
      await sleep(500);
      results[key] = await supervise(agent, socket, 1500);
    },
  });
  await Promise.all([busy('trainee1', 'queue', 'allowed'), busy('trainee2', 'closedhours', 'window'), busy('rep1', 'fromanswer', 'protected'), busy('regular1', 'fromanswer', 'down', down)]);
  const allowed = results.allowed!;
  assert.equal(allowed.vars.CALLVAULT_MONITOR_DECISION, 'allow');
  assert.equal(allowed.eavesdrops.length, 1, 'eavesdrop ran once');
  for (const [key, reason] of [['window', 'refused: outside-window'], ['protected', 'refused: protected-agent'], ['down', null]] as const) {
    const r = results[key]!;
    assert.equal(r.vars.CALLVAULT_MONITOR_DECISION, 'refuse', key);
    assert.equal(r.eavesdrops.length, 0, `${key}: no eavesdrop`);
    if (reason) assert.ok(audit.some((a) => a.action === 'monitor' && a.reason === reason), `${key}: audited as ${reason}`);
  }
  await waitFor('the end of the listening in the audit', () => audit.some((a) => a.reason === 'ended'));
  const start = audit.find((a) => a.reason === 'allowed')!;
  const end = audit.find((a) => a.reason === 'ended')!;
  assert.equal(start.details.mode, 'listen');
  assert.equal(end.details.spyStarted, true, 'the end row says eavesdrop really ran');
  assert.equal(end.details.monitorId, start.details.monitorId);
  assert.ok(typeof start.details.supervisor === 'string' && start.details.supervisor !== 'sup7', 'the supervisor is a keyed hash');
});
