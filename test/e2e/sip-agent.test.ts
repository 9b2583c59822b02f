/**
 * Agents in the loop over real SIP (issue 8): sipp callers, agents and a
 * supervisor on the sandbox Asterisk's chan_pjsip, the agents reached
 * through the real queue (app_queue, PJSIP members) or Dial, the agent step
 * (callvault-agent) on the agent's leg, MixMonitor started by the real
 * daemon over AMI, and the archive opened with age, opusinfo and opusdec.
 * The audio is checked in 10 ms windows: the caller's 440 Hz on the
 * caller's channel, the agents' 600 Hz on the other; the agent notice
 * (spoken prompt) is found on what Asterisk sent the agent and nowhere in
 * the file. The endpoint names are the callvault agent ids: agent1 is a
 * trainee recorded at rate 1.0; agent2 is protected on a second daemon.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { ensureSandbox, writeStack, InProcessDaemon, listWavs, sleep, waitForArchived, decryptWithStandardTools, type StackFiles } from './support/call-harness.js';
import { TONES, type PhaseStep, type SipRig } from './support/sip-ua.js';
import { SipCalls, type SipCallResult } from './support/sip-call.js';
import { channelOf, toneWindows, unexplainedWindows } from '../support/payment-audio.js';
import { NODE_TSX } from './archive-support.js';
import { RecordingIndex, type RecordingRow } from '../../src/index/index.js';
import { agentsOf } from '../../src/index/recordings.js';
import { KeyedHasher } from '../../src/privacy/keyed-hash.js';
import { localTime } from '../../src/policy/windows.js';
import { WEEK_DAYS } from '../../src/config/schema.js';

const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;

// A window on a day that is not today (Europe/Paris): "outside the window" whenever the test runs.
const today = localTime(new Date(), 'Europe/Paris').day;
const otherDay = WEEK_DAYS[(WEEK_DAYS.indexOf(today) + 3) % 7]!;
const LINES = `
  queue: { mode: sampled, rate: 0, digitTimeoutMs: 1000 }
  always: { mode: sampled, rate: 1, digitTimeoutMs: 1000 }
  office: { mode: sampled, rate: 1, digitTimeoutMs: 1000, windows: [{ days: [${otherDay}], from: '08:00', to: '18:00' }] }`;
// agent2 is a trainee too on the second daemon, where it is protected: only
// the protection keeps it unrecorded there.
const agents = (protectedIds: string[]) => `
agents:
  agent1: { rate: 1.0, team: support }
  agent2: { ${protectedIds.includes('agent2') ? 'rate: 1.0, ' : ''}team: sales }
  protected: [${protectedIds.join(', ')}]
  notice: { play: prompt }
teams:
  support: {}
  sales: {}
timeZone: Europe/Paris`;

let files: StackFiles;
let daemon: InProcessDaemon;
/** The same lines with agent2 protected (a staff representative). */
let guardedFiles: StackFiles;
let guarded: InProcessDaemon;
let rig: SipRig;
let calls: SipCalls;

/** A daemon that writes its monitor audit rows to its own index, as `callvault run` does. */
async function startDaemon(f: StackFiles): Promise<InProcessDaemon> {
  let index: RecordingIndex | null = null;
  const d = new InProcessDaemon(f, [], {
    archive: true,
    monitorAudit: { append: (row) => { (index ??= RecordingIndex.open(join(f.storage, 'index.sqlite'))).appendAudit(row); } },
  });
  await d.start();
  return d;
}

before(async () => {
  ensureSandbox();
  files = writeStack(LINES, agents([]), { stereo: true });
  guardedFiles = writeStack(LINES, agents(['agent2']), { stereo: true });
  daemon = await startDaemon(files);
  guarded = await startDaemon(guardedFiles);
  calls = await SipCalls.open();
  rig = calls.rig;
});
after(async () => {
  await calls?.close();
  await daemon?.stop();
  await guarded?.stop();
});

/** Silent during the notice, then 440 Hz until hanging up `talkMs` after the queue (or dial) phase began. */
function agentCallSteps(phase: 'queue' | 'dial', talkMs: number): PhaseStep[] {
  return [{ phase: 'consent', tone: 'silence' }, { phase, tone: TONES.caller, hangupAfterMs: talkMs }];
}

/** The recording of this call, once archived (the PBX-side file is gone by then). */
async function recordingOf(f: StackFiles, r: SipCallResult, timeoutMs = 30_000): Promise<RecordingRow> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const index = RecordingIndex.open(join(f.storage, 'index.sqlite'), { readonly: true });
    const id = (() => { try { return index.listRecordings({ linkedId: r.linkedid })[0]?.id; } finally { index.close(); } })();
    if (id) return waitForArchived(f, id);
    if (Date.now() > until) throw new Error(`no recording indexed for call ${r.linkedid} within ${timeoutMs} ms`);
    await sleep(200);
  }
}

async function assertNothingRecorded(f: StackFiles, r: SipCallResult, wavsBefore: Set<string>): Promise<void> {
  await sleep(500);
  assert.deepEqual(listWavs(f.recordings).filter((w) => !wavsBefore.has(w)), [], 'MixMonitor wrote no file');
  const index = RecordingIndex.open(join(f.storage, 'index.sqlite'), { readonly: true });
  try {
    assert.deepEqual(index.listRecordings({ linkedId: r.linkedid }).map((row) => row.id), [], 'nothing indexed for this call');
  } finally { index.close(); }
}

/** Each party's tone on its own channel and not on the other, in 10 ms windows. */
function toneSplit(row: RecordingRow, f: StackFiles) {
  const { pcm } = decryptWithStandardTools(f, row);
  assert.equal(pcm.channels, 2, 'a stereo file');
  const caller = channelOf(pcm, 0);
  const other = channelOf(pcm, 1);
  const count = (s: Int16Array, hz: number) => toneWindows(s, pcm.rate, hz).length;
  return {
    pcm, caller, other,
    seconds: caller.length / pcm.rate,
    seen: { callerOnCaller: count(caller, TONES.caller), agentOnOther: count(other, TONES.agent), agentOnCaller: count(caller, TONES.agent) },
    agentOnCallerAt: toneWindows(caller, pcm.rate, TONES.agent).map((w) => Math.round(w.atMs)),
  };
}

test('sip: a trainee answering from the queue a call not sampled at entry: recorded from the answer, tagged, the agent notice on the agent leg only', async () => {
  const ringMs = 3000;
  const agent = await rig.agent({ agent: 'agent1', answerAfterMs: ringMs });
  const r = await calls.place({ line: 'queue', headers: { Flow: 'queue' }, steps: agentCallSteps('queue', ringMs + 7000) }, daemon.agiPort);
  assert.equal(await agent.sipp.done(20_000), 0, `agent1 answered and ran to its end\n${agent.sipp.report()}`);
  assert.match(r.channel, /^PJSIP\/caller-/);
  assert.equal(r.vars.CALLVAULT_DECISION, 'at-answer', 'entry left the decision to the answer');
  assert.equal(r.vars.CALLVAULT_RECORDING_ID ?? '', '', 'nothing claimed at entry');

  const row = await recordingOf(files, r);
  assert.equal(row.team, 'support');
  const hasher = KeyedHasher.fromFile(join(files.dir, 'hash.key'));
  const index = RecordingIndex.open(join(files.storage, 'index.sqlite'), { readonly: true });
  try {
    assert.deepEqual(agentsOf(index.db, row.id), [{ agentHash: hasher.hex('agent', 'agent1'), team: 'support', offsetMs: 0 }]);
  } finally { index.close(); }

  const { seconds, seen, caller, other, pcm, agentOnCallerAt } = toneSplit(row, files);
  // 3 s ringing in the queue, about 7 s after the answer: the queue time is not kept.
  assert.ok(seconds < ringMs / 1000 + 7 - 1.5 && seconds > 3, `from the answer only (${seconds.toFixed(1)} s)`);
  // agentOnCaller: a burst of about 70 ms of the agent's tone on the caller's channel as the
  // bridge forms (seen at 1.78 s, the answer) is Asterisk's; more would be crosstalk.
  assert.ok(seen.callerOnCaller >= 200 && seen.agentOnOther >= 200 && seen.agentOnCaller <= 10, `each on its channel: ${JSON.stringify(seen)}, 600 Hz on the caller's at ${agentOnCallerAt.join(', ')} ms`);

  // The notice: the caller only ever sends 440 Hz, so any speech Asterisk sent agent1 is the notice...
  const notice = unexplainedWindows(agent.heard.samples(), 8000, [TONES.caller]);
  assert.ok(notice >= 50, `agent1 heard the spoken notice (${notice} windows of speech)`);
  // ...and nowhere in the file: neither the caller's channel nor what the caller heard (ringing explained).
  const leaked = { caller: unexplainedWindows(caller, pcm.rate, [TONES.caller]), other: unexplainedWindows(other, pcm.rate, [TONES.agent, 440, 480]) };
  assert.ok(leaked.caller <= 5 && leaked.other <= 5, `no speech in the recording: ${JSON.stringify(leaked)}`);
});

test('sip: agent1 transfers the call to agent2 by REFER: one recording follows it and lists both agents in order', async () => {
  const first = await rig.agent({ agent: 'agent1', transferTo: { target: 'agent2', afterMs: 3000 } });
  const second = await rig.agent({ agent: 'agent2' });
  const r = await calls.place({ line: 'always', headers: { Flow: 'dial-agent1' }, steps: agentCallSteps('dial', 10_000) }, daemon.agiPort);
  assert.equal(await first.sipp.done(20_000), 0, `agent1's REFER was accepted (202)\n${first.sipp.report()}`);
  assert.equal(await second.sipp.done(20_000), 0, `agent2 took the transferred call\n${second.sipp.report()}`);
  assert.equal(r.vars.CALLVAULT_DECISION, 'record');
  const row = await recordingOf(files, r);
  const hasher = KeyedHasher.fromFile(join(files.dir, 'hash.key'));
  const index = RecordingIndex.open(join(files.storage, 'index.sqlite'), { readonly: true });
  const listed = (() => { try { return agentsOf(index.db, row.id); } finally { index.close(); } })();
  assert.deepEqual(listed.map((a) => [a.agentHash, a.team]), [[hasher.hex('agent', 'agent1'), 'support'], [hasher.hex('agent', 'agent2'), 'sales']]);
  assert.ok(listed[1]!.offsetMs - listed[0]!.offsetMs >= 2500, `agent2 joined about 3 s after agent1: offsets ${listed.map((a) => a.offsetMs).join(', ')}`);
  // Both agents' voices are in the file, on the agent channel, each after its own offset.
  const { other, pcm } = toneSplit(row, files);
  const agentAt = toneWindows(other, pcm.rate, TONES.agent).map((w) => w.atMs);
  const before = agentAt.filter((ms) => ms < listed[1]!.offsetMs).length;
  const after = agentAt.filter((ms) => ms > listed[1]!.offsetMs + 500).length;
  assert.ok(before >= 100 && after >= 100, `agent1 before the transfer (${before} windows), agent2 after (${after})`);
  assert.ok(toneWindows(second.heard.samples(), 8000, TONES.caller).length >= 100, 'agent2 heard the caller');
});

const unrecorded: Array<{ name: string; line: string; agent: 'agent1' | 'agent2'; which: () => { f: StackFiles; d: InProcessDaemon } }> = [
  { name: 'outside the line\'s window nothing is recorded, though the trainee answers', line: 'office', agent: 'agent1', which: () => ({ f: files, d: daemon }) },
  { name: 'a protected agent at rate 1.0 is not recorded', line: 'queue', agent: 'agent2', which: () => ({ f: guardedFiles, d: guarded }) },
];
for (const row of unrecorded) {
  test(`sip: ${row.name}`, async () => {
    const { f, d } = row.which();
    const before = new Set(listWavs(f.recordings));
    const agent = await rig.agent({ agent: row.agent });
    const r = await calls.place({ line: row.line, headers: { Flow: `dial-${row.agent}` }, steps: agentCallSteps('dial', 4000) }, d.agiPort);
    assert.equal(await agent.sipp.done(20_000), 0, `the agent was bridged and talked\n${agent.sipp.report()}`);
    assert.ok(toneWindows(agent.heard.samples(), 8000, TONES.caller).length >= 100, 'the call went on: the agent heard the caller');
    assert.notEqual(r.vars.CALLVAULT_DECISION, 'record');
    assert.equal(r.vars.CALLVAULT_RECORDING_ID ?? '', '');
    await assertNothingRecorded(f, r, before);
  });
}

test('sip: on a line recording from entry, a protected agent answering stops the recording: none of the agent is in the file', async () => {
  const agent = await rig.agent({ agent: 'agent2' });
  const r = await calls.place({ line: 'always', headers: { Flow: 'dial-agent2' }, steps: agentCallSteps('dial', 5000) }, guarded.agiPort);
  assert.equal(await agent.sipp.done(20_000), 0, agent.sipp.report());
  assert.equal(r.vars.CALLVAULT_DECISION, 'record', 'recorded from entry, before anyone knew who would answer');
  const row = await recordingOf(guardedFiles, r);
  const { pcm, caller, other, seconds } = toneSplit(row, guardedFiles);
  const agentWindows = toneWindows(other, pcm.rate, TONES.agent).length + toneWindows(caller, pcm.rate, TONES.agent).length;
  assert.equal(agentWindows, 0, 'no 10 ms window holds the protected agent\'s voice');
  assert.ok(seconds < 2, `the file stops at the answer (${seconds.toFixed(2)} s of a 5 s conversation)`);
  const index = RecordingIndex.open(join(guardedFiles.storage, 'index.sqlite'), { readonly: true });
  try {
    assert.deepEqual(agentsOf(index.db, row.id), [], 'the protected agent is not listed on the recording');
  } finally { index.close(); }
});

/** `callvault audit --action monitor --json` on a stack, as a compliance officer runs it. */
function monitorAudit(f: StackFiles): Array<{ reason: string; details: Record<string, unknown> }> {
  const out = spawnSync(NODE_TSX[0]!, [...NODE_TSX.slice(1), MAIN, 'audit', '--action', 'monitor', '--json', '--config', f.configPath], { encoding: 'utf8' });
  assert.equal(out.status, 0, out.stderr);
  return (JSON.parse(out.stdout) as { audit: Array<{ reason: string; details: Record<string, unknown> }> }).audit;
}

test('sip: the supervisor listens to agent1 (ChanSpy, heard, audited start and end); refused for the protected agent2 and outside the window', async () => {
  const hasher = KeyedHasher.fromFile(join(files.dir, 'hash.key'));
  const listen = async (f: StackFiles, d: InProcessDaemon, line: string, target: 'agent1' | 'agent2') => {
    const agent = await rig.agent({ agent: target });
    const call = calls.place({ line, headers: { Flow: `dial-${target}` }, steps: agentCallSteps('dial', 9000) }, d.agiPort);
    // Once the agent talks (its first RTP reached us is the bridge): the supervisor dials in.
    for (const until = Date.now() + 30_000; agent.heard.firstPacketAt === 0; await sleep(100)) if (Date.now() > until) throw new Error('agent never bridged');
    await sleep(1500);
    const monitorResult = calls.ami.waitForEvent('UserEvent', (e) => e.fields.UserEvent === 'CallvaultTestMonitor', 30_000);
    const supervisor = await rig.supervise(target, { AGI: String(d.agiPort) });
    const result = await monitorResult;
    assert.equal(await supervisor.sipp.done(30_000), 0, supervisor.sipp.report());
    await call;
    assert.equal(await agent.sipp.done(20_000), 0);
    return { result: result.fields.Result, reason: result.fields.Reason, heard: supervisor.heard.samples() };
  };

  const allowed = await listen(files, daemon, 'always', 'agent1');
  assert.equal(allowed.result, 'allow');
  const heard = { caller: toneWindows(allowed.heard, 8000, TONES.caller).length, agent: toneWindows(allowed.heard, 8000, TONES.agent).length };
  assert.ok(heard.caller >= 100 && heard.agent >= 100, `the supervisor heard both sides over RTP: ${JSON.stringify(heard)}`);
  await sleep(300);
  const rows = monitorAudit(files);
  assert.deepEqual(rows.map((a) => [a.reason, a.details.phase]), [['allowed', 'start'], ['ended', 'end']]);
  assert.equal(rows[0]!.details.supervisor, hasher.hex('agent', 'supervisor'));
  assert.equal(rows[0]!.details.agent, hasher.hex('agent', 'agent1'));
  assert.equal(rows[0]!.details.mode, 'listen');

  const outside = await listen(files, daemon, 'office', 'agent1');
  assert.deepEqual([outside.result, outside.reason], ['refused', 'outside-window']);
  assert.equal(toneWindows(outside.heard, 8000, TONES.caller).length, 0, 'the supervisor heard nothing of the call');

  const protectedAgent = await listen(guardedFiles, guarded, 'always', 'agent2');
  assert.deepEqual([protectedAgent.result, protectedAgent.reason], ['refused', 'protected-agent']);
  assert.equal(toneWindows(protectedAgent.heard, 8000, TONES.agent).length, 0);
  await sleep(300);
  assert.deepEqual(monitorAudit(files).map((a) => a.reason).slice(2), ['refused: outside-window']);
  assert.deepEqual(monitorAudit(guardedFiles).map((a) => a.reason), ['refused: protected-agent']);
});

test('sip: a ChanSpy the site runs without the gate cannot be refused, but it is audited (ungated) with the agent and the call', async () => {
  const hasher = KeyedHasher.fromFile(join(files.dir, 'hash.key'));
  const before = monitorAudit(files).length;
  const agent = await rig.agent({ agent: 'agent1' });
  const call = calls.place({ line: 'always', headers: { Flow: 'dial-agent1' }, steps: agentCallSteps('dial', 7000) }, daemon.agiPort);
  for (const until = Date.now() + 30_000; agent.heard.firstPacketAt === 0; await sleep(100)) if (Date.now() > until) throw new Error('agent never bridged');
  await sleep(1000);
  const supervisor = await rig.supervise('agent1', {}, 'rawspy');
  assert.equal(await supervisor.sipp.done(30_000), 0, supervisor.sipp.report());
  const r = await call;
  assert.equal(await agent.sipp.done(20_000), 0);
  assert.ok(toneWindows(supervisor.heard.samples(), 8000, TONES.agent).length >= 50, 'the supervisor did listen');
  await sleep(300);
  const rows = monitorAudit(files).slice(before);
  assert.deepEqual(rows.map((a) => [a.reason, a.details.phase, a.details.via]), [['ungated: no callvault-monitor gate', 'start', 'ungated'], ['ended', 'end', 'ungated']]);
  assert.equal(rows[0]!.details.agent, hasher.hex('agent', 'agent1'));
  assert.equal(rows[0]!.details.supervisor, hasher.hex('agent', 'PJSIP/supervisor'));
  assert.equal(rows[0]!.details.call, r.linkedid);
});
