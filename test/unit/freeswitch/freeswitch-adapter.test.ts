/**
 * The FreeSWITCH adapter's translation, table by table, and its inbound side
 * against the simulator: uuid_record replies, RECORD_STOP as file
 * completion, the fail-closed CUSTOM event, inventory after a reconnect.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EslEvent } from '../../../src/pbx/freeswitch/esl-event.js';
import type { ChannelData } from '../../../src/pbx/freeswitch/esl-outbound-server.js';
import {
  FreeSwitchAdapter, actionOf, callInfoOf, getvarValue, multisetArg, outcomeSets, parseShowChannels, playAndGetDigitsArg, wavLooksClosed,
} from '../../../src/pbx/freeswitch/freeswitch-adapter.js';
import { silentLogger } from '../../../src/log/logger.js';
import { isCallvaultError } from '../../../src/errors.js';
import type { CallHandlers, PbxEvent } from '../../../src/pbx/call-control.js';
import { FakeFreeSwitch, wavHeader } from '../../support/esl-server/index.js';

function channelData(vars: Record<string, string>, callerNumber: string | null = '+33612345678'): ChannelData {
  const headers: Array<[string, string]> = [['Event-Name', 'CHANNEL_DATA'], ['Unique-ID', 'u-1'], ['Channel-Call-UUID', 'c-1']];
  for (const [k, v] of Object.entries(vars)) headers.push([`variable_${k}`, v]);
  return { uuid: 'u-1', callUuid: 'c-1', callerNumber, destinationNumber: 'callvault-demo', socketMode: 'async', control: 'full', event: new EslEvent(headers) };
}

test('actionOf reads CALLVAULT_ACTION and ignores anything else', () => {
  for (const [value, want] of [['consent', 'consent'], ['payment-enter', 'payment-enter'], ['payment-exit', 'payment-exit'], ['', null], ['Consent', null], ['rm -rf', null]] as const) {
    assert.equal(actionOf(channelData(value === '' ? {} : { CALLVAULT_ACTION: value })), want, `CALLVAULT_ACTION=${value}`);
  }
});

test('callInfoOf: the channel is the Unique-ID, the sampling key the Channel-Call-UUID', () => {
  const info = callInfoOf(channelData({ CALLVAULT_LINE: 'support', CALLVAULT_AGENT: 'a42', CALLVAULT_LANGUAGE: 'fr' }), 'en');
  assert.deepEqual(info, { pbx: 'freeswitch', callId: 'u-1', linkedId: 'c-1', channel: 'u-1', line: 'support', agent: 'a42', caller: '+33612345678', language: 'fr' });
  const bare = callInfoOf(channelData({}, ''), 'en');
  assert.equal(bare.line, '');
  assert.equal(bare.agent, null);
  assert.equal(bare.caller, null);
  assert.equal(bare.language, 'en');
});

test('play_and_get_digits: one key among those offered, barge-in, no terminator', () => {
  assert.equal(playAndGetDigitsArg('/p/en/notice-objection.wav', '90', 5000), '1 1 1 5000 none /p/en/notice-objection.wav silence_stream://250 callvault_digit ^[90]$');
  assert.equal(playAndGetDigitsArg('/p/x.wav', '*#', 1200.4), '1 1 1 1200 none /p/x.wav silence_stream://250 callvault_digit ^[*#]$');
  for (const bad of ['', '9 ', '9]', 'a']) assert.throws(() => playAndGetDigitsArg('/p/x.wav', bad, 1000), (e) => isCallvaultError(e, 'CV_ERR_ESL_COMMAND'), `keys ${JSON.stringify(bad)}`);
  assert.throws(() => playAndGetDigitsArg('/p/a b.wav', '9', 1000), (e) => isCallvaultError(e, 'CV_ERR_ESL_COMMAND'));
});

test('multiset: name=value pairs in order, an empty value unsets, anything multiset would split is refused', () => {
  const cases: Array<[Array<[string, string | null]>, string]> = [
    [[['playback_terminators', '90'], ['playback_terminator_used', null]], 'playback_terminators=90 playback_terminator_used='],
    [[['a', '*#']], 'a=*#'],
    [[['b', null], ['c', '1']], 'b= c=1'],
  ];
  for (const [vars, want] of cases) assert.equal(multisetArg(vars), want);
  const bad: Array<Array<[string, string | null]>> = [[], [['a b', '1']], [['a=b', '1']], [['', '1']], [['x', '1 2']], [['x', '${y}']], [['x', 'a\nb']]];
  for (const vars of bad) assert.throws(() => multisetArg(vars), (e) => isCallvaultError(e, 'CV_ERR_ESL_COMMAND'), JSON.stringify(vars));
});

test('outcome: CALLVAULT_DECISION is set last, whatever the order given', () => {
  const sets = outcomeSets({ CALLVAULT_DECISION: 'record', CALLVAULT_CONSENT: 'informed', CALLVAULT_RECORDING_ID: 'x', CALLVAULT_LINE: 'regulated' });
  assert.equal(sets.at(-1), 'CALLVAULT_DECISION=record');
  assert.equal(sets.length, 4);
});

test('uuid_getvar replies: _undef_, -ERR and empty are "unset"', () => {
  const rows: Array<[string, string | null]> = [['_undef_', null], ['-ERR No such channel!\n', null], ['', null], ['confirmed', 'confirmed'], ['confirmed\n', 'confirmed'], ['-USAGE: x', null]];
  for (const [reply, want] of rows) assert.equal(getvarValue(reply), want, JSON.stringify(reply));
});

test('show channels as json: empty, rows, and garbage', () => {
  assert.deepEqual(parseShowChannels('{"row_count":0}'), []);
  assert.deepEqual(parseShowChannels('{"row_count":2,"rows":[{"uuid":"a","call_uuid":"c","cid_num":"+331"},{"uuid":"b","call_uuid":"","cid_num":""},{"nouuid":1}]}'), [
    { uuid: 'a', callUuid: 'c', cidNum: '+331' },
    { uuid: 'b', callUuid: 'b', cidNum: null },
  ]);
  assert.throws(() => parseShowChannels('-ERR no reply'), (e) => isCallvaultError(e, 'CV_ERR_ESL_FRAME'));
});

test('a WAV is closed when its RIFF size matches the file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cv-wav-'));
  writeFileSync(join(dir, 'open.wav'), wavHeader(0));
  writeFileSync(join(dir, 'closed.wav'), Buffer.concat([wavHeader(4), Buffer.alloc(4)]));
  assert.equal(await wavLooksClosed(join(dir, 'open.wav')), false);
  assert.equal(await wavLooksClosed(join(dir, 'closed.wav')), true);
  assert.equal(await wavLooksClosed(join(dir, 'missing.wav')), false);
});

const noHandlers: CallHandlers = {
  consent: async () => undefined,
  paymentEnter: async () => 'failed',
  paymentExit: async () => 'failed',
  agentAnswered: async () => ({ action: 'not-recorded', reason: 'error', vars: {} }),
  monitor: async () => ({ decision: 'refuse', reason: 'error' }),
};

async function world(): Promise<{ fs: FakeFreeSwitch; adapter: FreeSwitchAdapter; events: PbxEvent[]; dir: string }> {
  const fs = new FakeFreeSwitch({ writeRecordings: true });
  await fs.start();
  const dir = mkdtempSync(join(tmpdir(), 'cv-fsa-'));
  const adapter = new FreeSwitchAdapter({
    esl: { host: '127.0.0.1', port: fs.port, password: 'ClueCon', commandTimeoutMs: 500 },
    outbound: { host: '127.0.0.1', port: 0 },
    recordings: { pbx: dir, local: dir },
    prompts: { prefix: '/p', defaultLanguage: 'en' },
    logger: silentLogger,
    finishWaitMs: 200,
    backoff: { minMs: 50, maxMs: 200 },
  });
  const events: PbxEvent[] = [];
  await adapter.start(noHandlers, (e) => events.push(e));
  return { fs, adapter, events, dir };
}

const ID = '20250101T120000Z-01234567';

test('recording control: +OK is success, anything else a CV_ERR_ESL_COMMAND; RECORD_STOP is "file complete"', async () => {
  const { fs, adapter, events } = await world();
  try {
    const ch = fs.createChannel({ callerNumber: '+33600000000', destination: 'x' });
    ch.answer();
    await adapter.recordCommand(ch.uuid, 'start', adapter.pbxPath(ID));
    adapter.trackRecording(ch.uuid, ID);
    await adapter.control.mute(ch.uuid, ID);
    assert.equal(ch.recordingHistory[0]!.masked, true);
    fs.faults.refuseMask = true;
    await assert.rejects(adapter.control.mute(ch.uuid, ID), (e) => isCallvaultError(e, 'CV_ERR_ESL_COMMAND'));
    fs.faults.refuseMask = false;
    await adapter.control.unmute(ch.uuid, ID);
    await assert.rejects(adapter.control.mute('no-such-uuid', ID), (e) => isCallvaultError(e, 'CV_ERR_ESL_COMMAND'));
    await assert.rejects(adapter.recordCommand('bad uuid; x', 'stop', adapter.pbxPath(ID)), (e) => isCallvaultError(e, 'CV_ERR_ESL_COMMAND'));
    ch.hangup();
    await fs.waitForEvent((e) => e.name === 'CHANNEL_HANGUP_COMPLETE' && e.uuid === ch.uuid);
    for (let i = 0; i < 100 && !events.some((e) => e.type === 'hangup'); i++) await fs.sleep(10);
    const kinds = events.filter((e) => 'callId' in e && e.callId === ch.uuid).map((e) => e.type);
    assert.deepEqual(kinds, ['recording-finished', 'hangup'], 'RECORD_STOP (after the file closed) then the hangup');
    assert.equal(await wavLooksClosed(adapter.pbxPath(ID)), true, 'the file was closed when RECORD_STOP came');
  } finally {
    await adapter.stop();
    await fs.stop();
  }
});

test('the dialplan\'s fail-closed notice becomes a fail-closed event', async () => {
  const { fs, adapter, events } = await world();
  try {
    const ch = fs.createChannel({ callerNumber: '+33600000000', destination: 'x' });
    await ch.execute('event', 'Event-Name=CUSTOM,Event-Subclass=callvault::fail_closed');
    await ch.execute('event', 'Event-Name=CUSTOM,Event-Subclass=someone::else');
    for (let i = 0; i < 100 && events.length === 1; i++) await fs.sleep(10);
    assert.deepEqual(events.filter((e) => e.type === 'fail-closed'), [{ type: 'fail-closed', callId: ch.uuid }]);
  } finally {
    await adapter.stop();
    await fs.stop();
  }
});

test('inventory: running recordings with their pause state; calls gone while the link was down are hung up and their files finished', async () => {
  const { fs, adapter, events, dir } = await world();
  try {
    const a = fs.createChannel({ callerNumber: '+33600000001', destination: 'x', variables: { CALLVAULT_RECORDING_ID: ID, CALLVAULT_PAUSE: 'confirmed', CALLVAULT_LINE: 'support' } });
    const b = fs.createChannel({ callerNumber: '+33600000002', destination: 'x', variables: { CALLVAULT_RECORDING_ID: '20250101T120001Z-01234567', CALLVAULT_PAUSE: 'stopped' } });
    fs.createChannel({ callerNumber: '+33600000003', destination: 'x' });
    const gone = '20250101T120002Z-01234567';
    adapter.trackRecording('vanished-uuid', gone);
    writeFileSync(join(dir, `${gone}.wav`), Buffer.concat([wavHeader(2), Buffer.alloc(2)]));
    const { running, live } = await adapter.inventory();
    assert.equal(live.size, 3);
    assert.ok(live.has(a.uuid) && live.has(b.uuid));
    assert.deepEqual(running.map((r) => [r.recordingId, r.paused, r.info.line, r.info.caller]), [[ID, true, 'support', '+33600000001']]);
    for (let i = 0; i < 100 && !events.some((e) => e.type === 'recording-finished'); i++) await fs.sleep(10);
    assert.deepEqual(events.filter((e) => 'callId' in e && e.callId === 'vanished-uuid'), [
      { type: 'hangup', callId: 'vanished-uuid' },
      { type: 'recording-finished', callId: 'vanished-uuid', recordingId: gone },
    ]);
  } finally {
    await adapter.stop();
    await fs.stop();
  }
});

test('the inbound link reports down and up, and counts the reconnect', async () => {
  const { fs, adapter, events } = await world();
  try {
    assert.equal(adapter.link().state, 'up');
    fs.dropConnections();
    for (let i = 0; i < 200 && !(adapter.link().state === 'up' && adapter.link().reconnects === 1); i++) await fs.sleep(10);
    assert.equal(adapter.link().reconnects, 1);
    assert.deepEqual(events.map((e) => e.type), ['link-up', 'link-down', 'link-up']);
    await assert.rejects(adapter.control.mute('x', ID), (e) => isCallvaultError(e, 'CV_ERR_ESL_COMMAND'));
  } finally {
    await adapter.stop();
    await fs.stop();
  }
});
