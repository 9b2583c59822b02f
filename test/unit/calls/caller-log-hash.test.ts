/**
 * The caller's keyed hash in log lines must be one value per caller, whatever
 * form the PBX gave the number in and whichever path built the session: a
 * fresh call (raw caller ID from the PBX) and the same call adopted after a
 * daemon restart (caller from the journal, stored in E.164) must log the
 * same `callerHash`, or an operator cannot follow one caller across a restart.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CallRegistry } from '../../../src/calls/call-registry.js';
import { RecordingJournal } from '../../../src/calls/recording-journal.js';
import { createLogger } from '../../../src/log/logger.js';
import { FakeControl, FakeDialogue, callInfo, makeDeps } from '../../support/fake-call.js';

const LINES = `
  regulated: { mode: mandatory }`;

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger({ level: 'debug', destination: { write: (s: string) => { lines.push(JSON.parse(s) as Record<string, unknown>); } } });
  return { logger, lines };
}

function callerHashes(lines: Array<Record<string, unknown>>): Set<unknown> {
  return new Set(lines.filter((l) => 'callerHash' in l).map((l) => l.callerHash));
}

// National, spaced, 00-international: forms a PBX hands over for one French number.
for (const raw of ['01 23 45 67 89', '0123456789', '0033123456789', '+33 (0)1 23 45 67 89']) {
  test(`caller hash in logs: the same before and after a restart adopts the call (PBX gave ${JSON.stringify(raw)})`, async () => {
    const before = capture();
    const deps = makeDeps(LINES, new FakeControl());
    const journal = new RecordingJournal(deps.config.storage.dir);
    const first = new CallRegistry({ ...deps, logger: before.logger, journal });
    const info = callInfo('regulated', { caller: raw });
    const ch = new FakeDialogue(info, [], deps.recordingsDir);
    await first.consent(ch);
    const recordingId = ch.outcome.CALLVAULT_RECORDING_ID;
    assert.ok(recordingId !== undefined, 'the call is recorded');
    assert.equal(journal.list()[0]?.caller, '+33123456789', 'the journal keeps the E.164 form');

    // A new daemon: the PBX still reports the caller ID as it gave it; the journal has E.164.
    const after = capture();
    const second = new CallRegistry({ ...deps, logger: after.logger, journal });
    await second.reconcile(async () => ({ running: [{ info, recordingId, paused: false }], live: new Set([info.callId]) }));
    assert.equal(second.get(info.callId)?.state.kind, 'recording');
    // Payment after a restart without reconcile: adoption by recording id alone, caller from the journal.
    const third = capture();
    const viaPayment = new CallRegistry({ ...deps, logger: third.logger, journal });
    assert.equal(await viaPayment.paymentEnter({ pbx: 'asterisk', callId: info.callId, channel: info.channel, recordingId }), 'confirmed');

    const hashes = [before, after, third].map((c) => callerHashes(c.lines));
    for (const h of hashes) assert.equal(h.size, 1, 'one caller hash per run');
    assert.deepEqual([...hashes[1]!], [...hashes[0]!], 'the hash survives a restart that adopts the call');
    assert.deepEqual([...hashes[2]!], [...hashes[0]!], 'the hash survives adoption through a payment request');
    assert.equal([...hashes[0]!][0], deps.hasher.short('log', '+33123456789'), 'computed from the E.164 form');
    for (const c of [before, after, third]) assert.ok(!JSON.stringify(c.lines).includes('123456789'), 'no caller number in clear');
  });
}
