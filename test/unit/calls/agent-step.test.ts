import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { CallRegistry } from '../../../src/calls/call-registry.js';
import { FakeDialogue, FakeControl, FakeAnswerRecording, makeDeps, callInfo } from '../../support/fake-call.js';
import type { AgentLeg, CallInfo } from '../../../src/pbx/call-control.js';
import type { CallerInput } from '../../../src/policy/consent.js';

const LINES = `
  queue: { mode: sampled, rate: 0, announce: when-recording }
  sampledall: { mode: sampled, rate: 1 }
  fromanswer: { mode: mandatory, recordFrom: answer }
  office: { mode: sampled, rate: 1, windows: [{ days: [mon, tue, wed, thu, fri], from: '08:00', to: '18:00' }] }`;
const AGENTS = `
agents:
  trainee: { rate: 1.0, team: support }
  veteran: { rate: 0, team: support }
  nightshift: { team: night }
  protected: [rep]
  notice: { play: prompt, periodicBeepSeconds: 15 }
teams:
  support: {}
  night: { windows: [{ days: [sat], from: '00:00', to: '06:00' }] }
timeZone: Europe/Paris`;
/** Wednesday 2 December 2026, 10:00 in Paris. */
const WEDNESDAY = Date.UTC(2026, 11, 2, 9);

function capture(): { logger: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({ write(chunk, _e, cb) { lines.push(JSON.parse(String(chunk)) as Record<string, unknown>); cb(); } });
  return { logger: pino({ level: 'info' }, sink), lines };
}

async function world(line: string, opts: { inputs?: CallerInput[]; mode?: 'ok' | 'reject' | 'hang'; at?: number; info?: Partial<CallInfo> } = {}) {
  const control = new FakeControl();
  const clock = { t: opts.at ?? WEDNESDAY };
  const base = makeDeps(LINES, control, clock, AGENTS);
  const log = capture();
  const answerRecording = new FakeAnswerRecording(base.recordingsDir, opts.mode ?? 'ok');
  const audit: Array<{ reason: string; details: Record<string, unknown> }> = [];
  const atAnswer: Array<[string, string]> = [];
  const deps = {
    ...base, logger: log.logger, answerRecording, monitorAudit: { append: (r: { reason: string; details: Record<string, unknown> }) => { audit.push(r); } },
    observe: { ...base.observe, recordedAtAnswer: (l: string, reason: string) => { atAnswer.push([l, reason]); } },
  };
  const reg = new CallRegistry(deps);
  const info = callInfo(line, opts.info);
  const ch = new FakeDialogue(info, [...(opts.inputs ?? [])], base.recordingsDir);
  await reg.consent(ch);
  let legs = 0;
  const leg = (agent: string): AgentLeg => ({ pbx: 'asterisk', linkedId: info.linkedId, agent, callId: `${info.callId}-agent-${++legs}`, channel: `Local/agent-${agent}-${legs};1`, language: null });
  return { reg, info, ch, deps: base, clock, answerRecording, control, log, audit, leg, atAnswer };
}

async function finish(w: Awaited<ReturnType<typeof world>>, recordingId: string) {
  w.reg.handle({ type: 'hangup', callId: w.info.callId });
  w.reg.handle({ type: 'recording-finished', callId: w.info.callId, recordingId });
  await w.reg.drain();
  return JSON.parse(readFileSync(join(w.deps.config.storage.spool, `${recordingId}.json`), 'utf8'));
}

test('a trainee at rate 1.0 answering a call not sampled at entry records from the answer, and the agent is listed', async () => {
  const w = await world('queue');
  assert.deepEqual(w.ch.asked, ['notice-objection'], 'the caller is told at entry although announce is when-recording: an answer may record');
  assert.equal(w.ch.outcome.CALLVAULT_DECISION, 'at-answer');
  assert.equal(w.ch.outcome.CALLVAULT_RECORDING_ID, undefined, 'nothing is claimed before it runs');
  w.clock.t += 40_000; // queue time, not recorded
  const answer = await w.reg.agentAnswered(w.leg('trainee'));
  assert.equal(answer.action, 'record-now');
  assert.ok(answer.action === 'record-now');
  assert.equal(answer.reason, 'agent-rate');
  assert.deepEqual(w.atAnswer, [['queue', 'agent-rate']], 'status counts it as recorded (once)');
  assert.deepEqual(answer.notice, { kind: 'prompt', prompt: 'agent-notice', language: 'fr' });
  assert.equal(answer.vars.CALLVAULT_RECORDING_ID, answer.recordingId);
  assert.equal(Object.keys(answer.vars).at(-1), 'CALLVAULT_AGENT_DECISION', 'the commit marker comes last');
  assert.deepEqual(w.answerRecording.started[0]?.caller.channel, w.info.channel, 'recorded on the caller\'s call');
  assert.equal(w.answerRecording.started[0]?.options.periodicBeepSeconds, 15);
  w.clock.t += 60_000;
  const meta = await finish(w, answer.recordingId);
  assert.equal(meta.version, 2);
  assert.deepEqual(meta.agents, [{ agent: 'trainee', team: 'support', offsetMs: 0 }]);
  assert.equal(meta.agent, 'trainee');
  assert.equal(meta.decision, 'not-sampled', 'the entry decision stays auditable beside the agents');
});

test('transfers: every agent heard is listed in order with the offset they came in at', async () => {
  const w = await world('sampledall');
  const recordingId = w.ch.outcome.CALLVAULT_RECORDING_ID!;
  w.clock.t += 5_000;
  const a = await w.reg.agentAnswered(w.leg('veteran'));
  assert.equal(a.action, 'attached', 'a recorded call keeps recording whatever the agent\'s own rate');
  w.clock.t += 30_000;
  const b = await w.reg.agentAnswered(w.leg('trainee'));
  assert.equal(b.action, 'attached');
  const meta = await finish(w, recordingId);
  assert.deepEqual(meta.agents, [{ agent: 'veteran', team: 'support', offsetMs: 5_000 }, { agent: 'trainee', team: 'support', offsetMs: 35_000 }]);
});

const refusals: Array<{ name: string; line: string; agent: string; at?: number; inputs?: CallerInput[]; reason: string }> = [
  { name: 'a protected agent is never recorded', line: 'queue', agent: 'rep', reason: 'protected-agent' },
  { name: 'the caller\'s objection wins over a trainee\'s rate', line: 'queue', agent: 'trainee', inputs: [{ kind: 'key', key: '9' }], reason: 'objected' },
  { name: 'outside the line\'s window nothing is recorded', line: 'office', agent: 'trainee', at: Date.UTC(2026, 11, 5, 9), reason: 'outside-window' },
  { name: 'outside the team\'s window nothing is recorded', line: 'fromanswer', agent: 'nightshift', reason: 'outside-window' },
  { name: 'a veteran at rate 0 on a call not sampled', line: 'queue', agent: 'veteran', reason: 'not-sampled' },
];
for (const r of refusals) {
  test(`agent step: ${r.name}`, async () => {
    const w = await world(r.line, { ...(r.at !== undefined ? { at: r.at } : {}), ...(r.inputs ? { inputs: r.inputs } : {}) });
    const answer = await w.reg.agentAnswered(w.leg(r.agent));
    assert.deepEqual(answer, { action: 'not-recorded', reason: r.reason, vars: { CALLVAULT_AGENT_REASON: r.reason, CALLVAULT_AGENT_DECISION: 'skip' } });
    assert.equal(w.answerRecording.started.length, 0);
    assert.deepEqual(w.atAnswer, []);
  });
}

test('outside the line\'s window the entry decision says so and nothing is claimed', async () => {
  const w = await world('office', { at: Date.UTC(2026, 11, 5, 9) });
  assert.equal(w.ch.outcome.CALLVAULT_REASON, 'outside-window');
  assert.equal(w.ch.outcome.CALLVAULT_DECISION, 'skip');
});

test('recordFrom answer: entry records nothing, the answer starts it (unknown agent: the line\'s rule, warned once)', async () => {
  const w = await world('fromanswer');
  assert.equal(w.ch.outcome.CALLVAULT_DECISION, 'at-answer');
  assert.equal(w.ch.started.length, 0);
  const a = await w.reg.agentAnswered(w.leg('stranger'));
  assert.equal(a.action, 'record-now');
  assert.deepEqual(w.atAnswer, [], 'the entry (mandatory: record) already counted it as recorded');
  assert.ok(a.action === 'record-now' && a.reason === 'mandatory');
  const again = await w.reg.agentAnswered(w.leg('stranger'));
  assert.equal(again.action, 'attached');
  const warned = w.log.lines.filter((l) => l.msg === 'agent: id not in the config; the line\'s rule applies');
  assert.equal(warned.length, 1);
  assert.ok(!JSON.stringify(w.log.lines).includes('stranger'), 'the agent id is logged only as a keyed hash');
});

for (const mode of ['reject', 'hang'] as const) {
  test(`a start at answer that is ${mode === 'reject' ? 'refused' : 'never confirmed'} claims nothing and does not hold the bridge`, async () => {
    const w = await world('fromanswer', { mode });
    const t0 = Date.now();
    const a = await w.reg.agentAnswered(w.leg('trainee'));
    assert.ok(Date.now() - t0 < 1500, 'inside the agent step deadline');
    assert.deepEqual(a, { action: 'not-recorded', reason: 'start-failed', vars: { CALLVAULT_AGENT_REASON: 'start-failed', CALLVAULT_AGENT_DECISION: 'skip' } });
    assert.equal(w.reg.get(w.info.callId)?.state.kind, 'unrecorded');
    assert.ok(w.control.calls.includes('stop'), 'asked the PBX to stop a start that may come late');
  });
}

test('a protected agent answering a recorded call stops the recording; what came before is kept', async () => {
  const w = await world('sampledall');
  const recordingId = w.ch.outcome.CALLVAULT_RECORDING_ID!;
  w.clock.t += 12_000;
  const a = await w.reg.agentAnswered(w.leg('rep'));
  assert.equal(a.action, 'not-recorded');
  assert.ok(w.control.calls.includes('stop'));
  const meta = await finish(w, recordingId);
  assert.deepEqual(meta.pauses, [{ startOffsetMs: 12_000, endOffsetMs: 12_000, outcome: 'stopped' }]);
  assert.equal(meta.version, 1, 'nobody is listed: the protected agent is not on the recording');
});

test('an agent step for a call the daemon never saw is skipped', async () => {
  const w = await world('queue');
  const a = await w.reg.agentAnswered({ ...w.leg('trainee'), linkedId: 'restarted-meanwhile' });
  assert.equal(a.action, 'not-recorded');
  assert.ok(a.action === 'not-recorded' && a.reason === 'unknown-call');
});

test('monitor gate: allowed on a live agent inside the windows, audited at start and end', async () => {
  const w = await world('sampledall');
  await w.reg.agentAnswered(w.leg('trainee'));
  const ok = await w.reg.monitor({ pbx: 'asterisk', supervisor: 'sup-1', supervisorCallId: 'sup-leg-1', target: { kind: 'agent', agent: 'trainee' }, mode: 'listen' });
  assert.equal(ok.decision, 'allow');
  assert.ok(ok.decision === 'allow' && ok.channel.startsWith('Local/agent-trainee'));
  assert.equal(w.reg.monitorsActive, 1);
  w.clock.t += 20_000;
  w.reg.handle({ type: 'monitor-started', supervisorCallId: 'sup-leg-1', targetCallId: null });
  w.reg.handle({ type: 'hangup', callId: 'sup-leg-1' });
  assert.equal(w.reg.monitorsActive, 0);
  assert.deepEqual(w.audit.map((r) => [r.reason, r.details.phase, r.details.mode]), [['allowed', 'start', 'listen'], ['ended', 'end', 'listen']]);
  const end = w.audit[1]!.details;
  assert.equal(Date.parse(end.end as string) - Date.parse(end.start as string), 20_000);
  assert.equal(end.spyStarted, true);
  assert.equal(end.call, w.info.linkedId);
  assert.ok(!JSON.stringify(w.audit).includes('trainee') && !JSON.stringify(w.audit).includes('sup-1'), 'hashes only');
});

test('a ChanSpy the gate never allowed (a dialplan without callvault-monitor) is audited too, as ungated, with the device, agent and call', async () => {
  const w = await world('sampledall');
  const leg = w.leg('trainee');
  await w.reg.agentAnswered(leg);
  w.reg.handle({ type: 'monitor-started', supervisorCallId: 'rogue-leg', targetCallId: leg.callId, supervisorDevice: 'PJSIP/desk42' });
  assert.equal(w.reg.monitorsActive, 1, 'counted in status like a gated one');
  w.clock.t += 5_000;
  w.reg.handle({ type: 'monitor-ended', supervisorCallId: 'rogue-leg' });
  assert.deepEqual(w.audit.map((r) => [r.reason, r.details.phase, r.details.via]), [['ungated: no callvault-monitor gate', 'start', 'ungated'], ['ended', 'end', 'ungated']]);
  const start = w.audit[0]!.details;
  assert.equal(start.call, w.info.linkedId);
  assert.equal(start.agent, w.deps.hasher.hex('agent', 'trainee'));
  assert.equal(start.supervisor, w.deps.hasher.hex('agent', 'PJSIP/desk42'));
  assert.ok(!JSON.stringify(w.audit).includes('desk42') && !JSON.stringify(w.audit).includes('trainee'), 'hashes only');
  assert.ok(w.log.lines.some((l) => l.msg === 'monitor: live listening started without the callvault-monitor gate'));
});

test('a ChanSpy on a call callvault does not handle (internal, or another daemon\'s) is not this daemon\'s to audit', async () => {
  const w = await world('sampledall');
  w.reg.handle({ type: 'monitor-started', supervisorCallId: 'rogue-leg', targetCallId: 'some-internal-call', supervisorDevice: 'PJSIP/desk42' });
  w.reg.handle({ type: 'monitor-ended', supervisorCallId: 'rogue-leg' });
  assert.deepEqual(w.audit, []);
  assert.equal(w.reg.monitorsActive, 0);
});

const monitorRefusals: Array<{ name: string; agent: string; answer?: string; at?: number; reason: string }> = [
  { name: 'protected agent', agent: 'rep', answer: 'rep', reason: 'protected-agent' },
  { name: 'no live call', agent: 'veteran', reason: 'no-live-call' },
  { name: 'outside the team window', agent: 'nightshift', answer: 'nightshift', reason: 'outside-window' },
];
for (const r of monitorRefusals) {
  test(`monitor gate refuses: ${r.name}`, async () => {
    const w = await world('sampledall');
    if (r.answer) await w.reg.agentAnswered(w.leg(r.answer));
    const out = await w.reg.monitor({ pbx: 'asterisk', supervisor: 'sup-1', supervisorCallId: 'sup-leg-2', target: { kind: 'agent', agent: r.agent }, mode: 'whisper' });
    assert.deepEqual(out, { decision: 'refuse', reason: r.reason });
    assert.deepEqual(w.audit.map((a) => a.reason), [`refused: ${r.reason}`]);
  });
}

test('an agent leg that hung up (transferred away) no longer takes listening', async () => {
  const w = await world('sampledall');
  const leg = w.leg('trainee');
  await w.reg.agentAnswered(leg);
  w.reg.handle({ type: 'hangup', callId: leg.callId });
  const out = await w.reg.monitor({ pbx: 'asterisk', supervisor: 's', supervisorCallId: 'x', target: { kind: 'agent', agent: 'trainee' }, mode: 'listen' });
  assert.deepEqual(out, { decision: 'refuse', reason: 'no-live-call' });
});
