/**
 * The agent step end to end on the real sandbox Asterisk (issue 8): a
 * scripted caller reaches an agent through Dial U() or a Queue with Local
 * members, the agent leg runs callvault-agent, the real daemon decides at
 * answer and starts MixMonitor on the caller's channel through AMI; a
 * supervisor's leg runs the callvault-monitor gate before ChanSpy. The
 * stereo recordings are checked with Goertzel filters: the caller's 440 Hz
 * on the left, the agent's 700 Hz on the right.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ensureSandbox, writeStack, Caller, InProcessDaemon, waitForSpool, waitForArchived, listWavs, sleep, sandboxCommand, type StackFiles, type CallResult } from './support/call-harness.js';
import { readWav, goertzel, type Pcm } from '../support/goertzel.js';
import { RecordingIndex } from '../../src/index/index.js';
import { agentsOf } from '../../src/index/recordings.js';
import { KeyedHasher } from '../../src/privacy/keyed-hash.js';
import { localTime } from '../../src/policy/windows.js';
import { WEEK_DAYS } from '../../src/config/schema.js';

// A window on a day that is not today (Europe/Paris): "outside the window" whenever the test runs.
const today = localTime(new Date(), 'Europe/Paris').day;
const otherDay = WEEK_DAYS[(WEEK_DAYS.indexOf(today) + 3) % 7]!;
const LINES = `
  queue: { mode: sampled, rate: 0, digitTimeoutMs: 1000 }
  always: { mode: sampled, rate: 1, digitTimeoutMs: 1000 }
  fromanswer: { mode: mandatory, recordFrom: answer, infoKey: none }
  office: { mode: sampled, rate: 1, digitTimeoutMs: 1000, windows: [{ days: [${otherDay}], from: '08:00', to: '18:00' }] }
  outbound: { mode: mandatory, infoKey: none }`;
const AGENTS = `
agents:
  trainee: { rate: 1.0, team: support }
  veteran: { team: sales }
  protected: [rep]
  notice: { play: prompt }
teams:
  support: {}
  sales: {}
timeZone: Europe/Paris`;

const audit: Array<{ reason: string; details: Record<string, unknown> }> = [];
let files: StackFiles;
let daemon: InProcessDaemon;
const caller = new Caller();

before(async () => {
  ensureSandbox();
  files = writeStack(LINES, AGENTS, { stereo: true });
  await sandboxCommand('cli', 'agi set debug off');
  daemon = new InProcessDaemon(files, [], { archive: true, monitorAudit: { append: (r) => { audit.push(r); } } });
  await daemon.start();
  await caller.start();
});
after(async () => {
  await caller.stop();
  await daemon.stop();
});

interface AgentCall extends CallResult {
  /** CALLVAULT_* on the agent's leg (the ;1 half where callvault-agent ran), read while the agent talks. */
  agentVars: Record<string, string>;
  /** The caller channel's CALLVAULT_RECORDING_ID while the agent talks. */
  callerRecordingId: string;
}

/** Places a call that reaches `agent` (Dial U(), or the queue), and reads both legs' variables while the agent talks. */
async function agentCall(line: string, agent: string, o: { via?: 'dial' | 'queue'; wait?: number; talk?: number; port?: number; during?: (agentLeg: string, callerChannel: string) => Promise<void> } = {}): Promise<AgentCall> {
  const agentVars: Record<string, string> = {};
  let callerRecordingId = '';
  let callerChannel = '';
  let linked = '';
  const reads: Promise<void>[] = [];
  const off = caller.ami.onEvent('UserEvent', (e) => {
    // The first agent only: after a transfer the next agent's leg raises the same event.
    if (e.fields.UserEvent !== 'CallvaultTestAgent' || !callerChannel || e.fields.Linkedid !== linked || reads.length > 0) return;
    const leg = e.fields.Channel!.replace(/;2$/, ';1');
    reads.push((async () => {
      // The agent step runs on the ;1 half as the ;2 half answers, notice included: wait for its commit marker.
      for (let i = 0; i < 40 && (await caller.ami.getvar(leg, 'CALLVAULT_AGENT_DECISION').catch(() => '')) === ''; i++) await sleep(100);
      for (const v of ['CALLVAULT_AGENT_DECISION', 'CALLVAULT_AGENT_REASON', 'CALLVAULT_RECORDING_ID']) agentVars[v] = await caller.ami.getvar(leg, v).catch(() => '');
      callerRecordingId = await caller.ami.getvar(callerChannel, 'CALLVAULT_RECORDING_ID').catch(() => '');
      if (o.during) await o.during(leg, callerChannel);
    })());
  });
  try {
    const r = await caller.call('tones', line, o.port ?? daemon.agiPort, {
      context: 'callvault-agent-ivr', timeoutMs: 90_000,
      vars: {
        __CALLVAULT_TEST_AGENT: agent, __CALLVAULT_TEST_VIA: o.via ?? 'dial',
        __CALLVAULT_TEST_WAIT: String(o.wait ?? 2), __CALLVAULT_TEST_AGENT_TALK: String(o.talk ?? 4),
      },
      onPhase: (phase, channel, linkedId) => { if (phase === 'consent') { callerChannel = channel; linked = linkedId; } },
    });
    await Promise.all(reads);
    return { ...r, agentVars, callerRecordingId };
  } finally {
    off();
  }
}

/** The agents the index lists for a recording, by id (the keyed hashes matched back against `names`). */
function agentsInIndex(id: string, names = ['trainee', 'veteran', 'rep', 'stranger']): Array<{ agent: string; team: string | null; offsetMs: number }> {
  const hasher = KeyedHasher.fromFile(join(files.dir, 'hash.key'));
  const byHash = new Map(names.map((n) => [hasher.hex('agent', n), n]));
  const index = RecordingIndex.open(join(files.storage, 'index.sqlite'), { readonly: true });
  try {
    return agentsOf(index.db, id).map((a) => ({ agent: byHash.get(a.agentHash) ?? a.agentHash, team: a.team, offsetMs: a.offsetMs }));
  } finally { index.close(); }
}

/** Left and right of an interleaved stereo recording. */
function split(pcm: Pcm): [Pcm, Pcm] {
  const n = pcm.samples.length / 2;
  const l = new Int16Array(n);
  const r = new Int16Array(n);
  for (let i = 0; i < n; i++) { l[i] = pcm.samples[2 * i]!; r[i] = pcm.samples[2 * i + 1]!; }
  return [{ rate: pcm.rate, channels: 1, samples: l }, { rate: pcm.rate, channels: 1, samples: r }];
}

/** Share of 100 ms blocks where `freq` stands out (power over 1e-3, as the payment tests use). */
function toneShare(pcm: Pcm, freq: number): number {
  const block = pcm.rate / 10;
  let hits = 0;
  let n = 0;
  for (let i = 0; i + block <= pcm.samples.length; i += block, n++) if (goertzel(pcm.samples, pcm.rate, freq, i, i + block) > 1e-3) hits++;
  return n === 0 ? 0 : hits / n;
}

function newWavs(before: Set<string>): string[] {
  return listWavs(files.recordings).filter((f) => !before.has(f));
}

test('agent step: a trainee at rate 1.0 answering a call not sampled at entry is recorded from the answer, tagged in the index', async () => {
  const r = await agentCall('queue', 'trainee', { wait: 3, talk: 4 });
  assert.equal(r.vars.CALLVAULT_DECISION, 'at-answer', 'entry left the decision to the answer');
  assert.equal(r.vars.CALLVAULT_RECORDING_ID ?? '', '', 'nothing claimed at entry');
  assert.equal(r.agentVars.CALLVAULT_AGENT_DECISION, 'record');
  assert.equal(r.agentVars.CALLVAULT_AGENT_REASON, 'agent-rate');
  const id = r.agentVars.CALLVAULT_RECORDING_ID!;
  assert.ok(id, 'the agent leg got the recording id once it ran');
  assert.equal(r.callerRecordingId, id, 'the recording runs on the caller\'s channel');
  const meta = await waitForSpool(files.spool, id);
  assert.deepEqual(meta.agents, [{ agent: 'trainee', team: 'support', offsetMs: 0 }]);
  const [left, right] = split(readWav(join(files.spool, `${id}.wav`)));
  const seconds = left.samples.length / left.rate;
  assert.ok(seconds < 3 + 4 - 1.5, `the queue wait is not in the file (${seconds.toFixed(1)} s)`);
  assert.ok(toneShare(left, 440) > 0.5, 'the caller\'s 440 Hz on the left');
  assert.ok(toneShare(right, 700) > 0.5, 'the agent\'s 700 Hz on the right');
  assert.ok(toneShare(left, 700) < 0.1, 'no agent tone in the caller\'s channel');
  const row = await waitForArchived(files, id);
  assert.equal(row.team, 'support');
  assert.deepEqual(agentsInIndex(id), [{ agent: 'trainee', team: 'support', offsetMs: 0 }]);
});

test('agent step through a Queue with Local members: the agent id comes from MEMBERNAME', async () => {
  const r = await agentCall('queue', '', { via: 'queue', wait: 1, talk: 3 });
  assert.equal(r.agentVars.CALLVAULT_AGENT_DECISION, 'record');
  const id = r.agentVars.CALLVAULT_RECORDING_ID!;
  await waitForArchived(files, id); // the index, not the spool: see the recordFrom test below
  assert.deepEqual(agentsInIndex(id), [{ agent: 'trainee', team: 'support', offsetMs: 0 }]);
});

test('recordFrom answer on a mandatory line, agent unknown to the config: recorded from the answer by the line\'s rule', async () => {
  const r = await agentCall('fromanswer', 'stranger', { wait: 3, talk: 3 });
  assert.equal(r.vars.CALLVAULT_DECISION, 'at-answer');
  assert.equal(r.agentVars.CALLVAULT_AGENT_DECISION, 'record');
  assert.equal(r.agentVars.CALLVAULT_AGENT_REASON, 'mandatory');
  // Read from the index, not the spool: this daemon archives, and a 3 s file can be archived (its
  // spool copy gone) before a poll of the spool sees it (the suite of 2026-12-02 evening lost that race).
  const id = r.agentVars.CALLVAULT_RECORDING_ID!;
  const row = await waitForArchived(files, id);
  assert.ok(row.durationMs < (3 + 3 - 1.5) * 1000, `from the answer only (${row.durationMs} ms)`);
  assert.deepEqual(agentsInIndex(id), [{ agent: 'stranger', team: null, offsetMs: 0 }]);
});

const unrecorded: Array<{ name: string; line: string; agent: string; reason: string }> = [
  { name: 'a protected agent is not recorded', line: 'queue', agent: 'rep', reason: 'protected-agent' },
  { name: 'outside the line\'s window nothing is recorded', line: 'office', agent: 'trainee', reason: 'outside-window' },
];
for (const row of unrecorded) {
  test(`agent step: ${row.name}`, async () => {
    const before = new Set(listWavs(files.recordings));
    const r = await agentCall(row.line, row.agent, { wait: 1, talk: 3 });
    assert.deepEqual(r.phases.slice(-2), ['agent', 'done'], 'the call was bridged and ran to its end');
    assert.equal(r.agentVars.CALLVAULT_AGENT_DECISION, 'skip');
    assert.equal(r.agentVars.CALLVAULT_AGENT_REASON, row.reason);
    assert.equal(r.agentVars.CALLVAULT_RECORDING_ID, '');
    assert.equal(r.callerRecordingId, '');
    await sleep(300);
    assert.deepEqual(newWavs(before), [], 'MixMonitor wrote no file');
  });
}

test('daemon down during the agent step: the bridge goes on, nothing is claimed, nothing recorded', async () => {
  const second = new InProcessDaemon(writeStack(LINES, AGENTS, { stereo: true }));
  await second.start();
  const before = new Set(listWavs(files.recordings));
  const talk = caller.ami.waitForEvent('UserEvent', (e) => e.fields.UserEvent === 'CallvaultTestPhase' && e.fields.Phase === 'talk', 60_000);
  const call = agentCall('queue', 'trainee', { wait: 4, talk: 3, port: second.agiPort });
  // The consent ran on `second`; stop it while the caller waits for the agent.
  await talk;
  await second.stop();
  const r = await call;
  assert.deepEqual(r.phases.slice(-2), ['agent', 'done'], 'bridged and ran to its end');
  assert.equal(r.vars.CALLVAULT_DECISION, 'at-answer');
  assert.equal(r.agentVars.CALLVAULT_AGENT_DECISION, 'error', 'the subroutine saw no answer and said so');
  assert.equal(r.agentVars.CALLVAULT_RECORDING_ID, '');
  assert.equal(r.callerRecordingId, '');
  await sleep(300);
  assert.deepEqual(newWavs(before), []);
});

test('transfer A -> B: one recording follows the call and lists both agents with their offsets', async () => {
  let transferredAt = 0;
  const r = await agentCall('always', 'veteran', {
    wait: 1, talk: 12,
    during: async (leg) => {
      await sleep(1500);
      transferredAt = Date.now();
      await caller.ami.action('BlindTransfer', { Channel: leg, Context: 'callvault-agent-transfer', Exten: 'trainee' });
    },
  });
  assert.ok(transferredAt > 0);
  const id = r.vars.CALLVAULT_RECORDING_ID!;
  assert.ok(id, 'recorded from entry');
  const meta = await waitForSpool(files.spool, id);
  const agents = meta.agents as Array<{ agent: string; team: string | null; offsetMs: number }>;
  assert.deepEqual(agents.map((a) => [a.agent, a.team]), [['veteran', 'sales'], ['trainee', 'support']]);
  assert.ok(agents[1]!.offsetMs - agents[0]!.offsetMs >= 2000, `offsets ${agents.map((a) => a.offsetMs).join(', ')}`);
});

/** Originates a supervisor's phone running the gate against `agent`; resolves with its result and the ChanSpy events seen. */
async function supervise(agent: string, port: number): Promise<{ result: string; reason: string; spyStarts: number }> {
  let spyStarts = 0;
  const offSpy = caller.ami.onEvent('ChanSpyStart', () => { spyStarts++; });
  const done = caller.ami.waitForEvent('UserEvent', (e) => e.fields.UserEvent === 'CallvaultTestMonitor', 20_000);
  try {
    await caller.ami.action('Originate', {
      Channel: 'Local/sup@callvault-test-supervisor', Application: 'Wait', Data: '20', Async: 'true',
      Variable: [`__CALLVAULT_AGI=agi://127.0.0.1:${port}`, `__CALLVAULT_TEST_SPY=${agent}`, '__CALLVAULT_TEST_SPY_MODE=listen'],
    });
    const e = await done;
    return { result: e.fields.Result ?? '', reason: e.fields.Reason ?? '', spyStarts };
  } finally { offSpy(); }
}

test('monitor gate: allowed on a live call (ChanSpy runs, start and end audited), refused for a protected agent, refused when the daemon is down', async () => {
  audit.length = 0;
  const outcomes: Record<string, { result: string; reason: string; spyStarts: number }> = {};
  await agentCall('always', 'trainee', {
    wait: 1, talk: 8,
    during: async () => { outcomes.allowed = await supervise('trainee', daemon.agiPort); },
  });
  assert.equal(outcomes.allowed?.result, 'allow');
  assert.ok((outcomes.allowed?.spyStarts ?? 0) >= 1, 'ChanSpy ran');
  await sleep(500);
  assert.deepEqual(audit.map((a) => [a.reason, a.details.phase]).slice(0, 2), [['allowed', 'start'], ['ended', 'end']]);
  assert.equal(audit[1]!.details.spyStarted, true);

  await agentCall('always', 'rep', { wait: 1, talk: 6, during: async () => { outcomes.protected = await supervise('rep', daemon.agiPort); } });
  assert.deepEqual(outcomes.protected && [outcomes.protected.result, outcomes.protected.reason, outcomes.protected.spyStarts], ['refused', 'protected-agent', 0]);

  const closedPort = 1; // nothing listens: the connection is refused
  await agentCall('always', 'trainee', { wait: 1, talk: 6, during: async () => { outcomes.down = await supervise('trainee', closedPort); } });
  assert.deepEqual(outcomes.down && [outcomes.down.result, outcomes.down.spyStarts], ['refused', 0], 'fails closed');
  assert.ok(audit.some((a) => a.reason === 'refused: protected-agent'));
});

test('private-call prefix: *77 goes out without callvault, any other number through callvault-consent', async () => {
  const place = async (exten: string): Promise<void> => {
    const hungUp = caller.ami.waitForEvent('Hangup', (e) => e.fields.Channel?.startsWith(`Local/${exten}@callvault-agent-outgoing`) === true, 60_000);
    await caller.ami.action('Originate', {
      Channel: `Local/${exten}@callvault-agent-outgoing`, Application: 'Wait', Data: '10', Async: 'true',
      CallerID: '"Agent" <trainee>', Variable: [`__CALLVAULT_AGI=agi://127.0.0.1:${daemon.agiPort}`],
    });
    await hungUp;
  };
  const before = new Set(listWavs(files.recordings));
  const agi0 = daemon.adapter.agi.stats().connections;
  await place('*770612345678');
  assert.equal(daemon.adapter.agi.stats().connections, agi0, 'callvault was never asked');
  await sleep(300);
  assert.deepEqual(newWavs(before), [], 'nothing recorded');
  await place('0612345678');
  assert.equal(daemon.adapter.agi.stats().connections, agi0 + 1, 'the ordinary number went through callvault-consent');
  // And was recorded (mandatory outbound line): the file leaves the PBX's directory at once, so look in the index.
  let rows = 0;
  for (let i = 0; i < 100 && rows === 0; i++) {
    await sleep(200);
    const index = RecordingIndex.open(join(files.storage, 'index.sqlite'), { readonly: true });
    try { rows = index.listRecordings({ line: 'outbound' }).length; } finally { index.close(); }
  }
  assert.equal(rows, 1, 'the ordinary call was recorded and archived');
});
