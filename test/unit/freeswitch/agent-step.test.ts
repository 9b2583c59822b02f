/**
 * The FreeSWITCH agent step and monitor gate, protocol side: what the agent
 * leg's and the supervisor's outbound sockets carry, and what is sent back.
 * The whole flow runs against the real FreeSWITCH in
 * test/e2e/freeswitch-real-agent.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EslEvent } from '../../../src/pbx/freeswitch/esl-event.js';
import type { ChannelData } from '../../../src/pbx/freeswitch/esl-outbound-server.js';
import { actionOf } from '../../../src/pbx/freeswitch/freeswitch-adapter.js';
import { AGENT_BEEP_HZ, agentLegOf, agentLegSets, noticeFile, periodicBeepFile } from '../../../src/pbx/freeswitch/agent-step.js';
import { eavesdropSets, monitorRequestOf } from '../../../src/pbx/freeswitch/monitor-gate.js';

function channelData(vars: Record<string, string>): ChannelData {
  const headers: Array<[string, string]> = [['Event-Name', 'CHANNEL_DATA'], ['Unique-ID', 'b-1'], ['Channel-Call-UUID', 'a-1']];
  for (const [k, v] of Object.entries(vars)) headers.push([`variable_${k}`, v]);
  return { uuid: 'b-1', callUuid: 'a-1', callerNumber: null, destinationNumber: 'callvault-agent', socketMode: 'async', control: 'full', event: new EslEvent(headers) };
}

test('actionOf knows the agent and monitor requests', () => {
  for (const a of ['agent', 'monitor'] as const) assert.equal(actionOf(channelData({ CALLVAULT_ACTION: a })), a);
  assert.equal(actionOf(channelData({ CALLVAULT_ACTION: 'eavesdrop' })), null);
});

test('agentLegOf: the agent id from CALLVAULT_AGENT, else mod_callcenter\'s cc_agent; the key from Channel-Call-UUID', () => {
  const rows: Array<{ vars: Record<string, string>; agent: string | null; member: string | null; language?: string }> = [
    { vars: { CALLVAULT_AGENT: 'a42' }, agent: 'a42', member: null },
    { vars: { CALLVAULT_AGENT: 'a42', CALLVAULT_AGENT_LANGUAGE: 'fr' }, agent: 'a42', member: null, language: 'fr' },
    { vars: { cc_agent: 'agent-7', cc_member_session_uuid: 'm-9' }, agent: 'agent-7', member: 'm-9' },
    { vars: { CALLVAULT_AGENT: 'a42', cc_agent: 'agent-7' }, agent: 'a42', member: null },
    { vars: { cc_agent: 'agent-7', cc_member_session_uuid: 'm 9; rm' }, agent: 'agent-7', member: null },
    { vars: { CALLVAULT_AGENT: '' }, agent: null, member: null },
    { vars: {}, agent: null, member: null },
  ];
  for (const row of rows) {
    const got = agentLegOf(channelData(row.vars), 1);
    if (row.agent === null) { assert.equal(got, null, JSON.stringify(row.vars)); continue; }
    assert.ok(got, JSON.stringify(row.vars));
    assert.equal(got.leg.agent, row.agent);
    assert.equal(got.leg.linkedId, 'a-1');
    assert.equal(got.leg.callId, 'b-1');
    assert.equal(got.leg.channel, 'b-1');
    assert.equal(got.leg.language, row.language ?? null);
    assert.equal(got.memberUuid, row.member, JSON.stringify(row.vars));
  }
});

test('agentLegSets: the recording id is renamed on the agent leg and the decision is the last set', () => {
  assert.deepEqual(agentLegSets({ CALLVAULT_AGENT_DECISION: 'record', CALLVAULT_RECORDING_ID: 'r1', CALLVAULT_AGENT_REASON: 'agent-rate' }),
    ['CALLVAULT_AGENT_RECORDING_ID=r1', 'CALLVAULT_AGENT_REASON=agent-rate', 'CALLVAULT_AGENT_DECISION=record']);
  assert.deepEqual(agentLegSets({ CALLVAULT_AGENT_REASON: 'error' }), ['CALLVAULT_AGENT_REASON=error']);
});

test('notice and periodic beep files', () => {
  assert.equal(noticeFile({ kind: 'beep' }, '/p'), `tone_stream://%(300,0,${AGENT_BEEP_HZ})`);
  assert.equal(noticeFile({ kind: 'prompt', prompt: 'agent-notice', language: 'fr' }, '/p'), '/p/fr/agent-notice.wav');
  for (const [s, want] of [[5, `%(200,4800,${AGENT_BEEP_HZ});loops=-1`], [15, `%(200,14800,${AGENT_BEEP_HZ});loops=-1`]] as const) {
    assert.equal(periodicBeepFile(s), `tone_stream://${want}`);
  }
  // uuid_displace splits its arguments on spaces.
  assert.ok(!/\s/.test(periodicBeepFile(600)));
});

test('monitorRequestOf: supervisor, target and mode, or why the gate refuses', () => {
  const rows: Array<{ vars: Record<string, string>; want: unknown }> = [
    { vars: { CALLVAULT_SUPERVISOR: 's1', CALLVAULT_MONITOR_AGENT: 'a42' }, want: { target: { kind: 'agent', agent: 'a42' }, mode: 'listen' } },
    { vars: { CALLVAULT_SUPERVISOR: 's1', CALLVAULT_MONITOR_CHANNEL: 'u-5', CALLVAULT_MONITOR_MODE: 'whisper' }, want: { target: { kind: 'channel', channel: 'u-5' }, mode: 'whisper' } },
    { vars: { CALLVAULT_SUPERVISOR: 's1', CALLVAULT_MONITOR_AGENT: 'a42', CALLVAULT_MONITOR_MODE: 'record' }, want: { invalid: 'bad-mode' } },
    { vars: { CALLVAULT_MONITOR_AGENT: 'a42' }, want: { invalid: 'no-supervisor' } },
    { vars: { CALLVAULT_SUPERVISOR: 's1' }, want: { invalid: 'no-target' } },
  ];
  for (const row of rows) {
    const got = monitorRequestOf(channelData(row.vars), 1);
    if ('invalid' in got) { assert.deepEqual(got, row.want); continue; }
    const w = row.want as { target: unknown; mode: string };
    assert.deepEqual({ target: got.target, mode: got.mode, supervisor: got.supervisor, supervisorCallId: got.supervisorCallId }, { ...w, supervisor: 's1', supervisorCallId: 'b-1' });
  }
});

test('eavesdropSets: DTMF mode changes are always off; only whisper and barge let the supervisor be heard', () => {
  const rows = [
    { mode: 'listen', toAgent: 'false', toCaller: 'false' },
    { mode: 'whisper', toAgent: 'true', toCaller: 'false' },
    { mode: 'barge', toAgent: 'true', toCaller: 'true' },
  ] as const;
  for (const r of rows) {
    assert.deepEqual(eavesdropSets(r.mode), ['eavesdrop_enable_dtmf=false', `eavesdrop_whisper_bleg=${r.toAgent}`, `eavesdrop_whisper_aleg=${r.toCaller}`], r.mode);
  }
});
