/**
 * One bad recording does not block the others: a file the spool refuses is
 * moved to <storage>/quarantine with a note, its call ends, and the other
 * orphans of a crash are still recovered. `callvault status` reports it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CallRegistry } from '../../../src/calls/call-registry.js';
import { RecordingJournal } from '../../../src/calls/recording-journal.js';
import { countQuarantined, quarantineDir } from '../../../src/calls/quarantine.js';
import { FakeDialogue, FakeControl, makeDeps, callInfo } from '../../support/fake-call.js';

const LINES = `
  regulated: { mode: mandatory }`;

/** A WAV header the spool cannot take for a 2-channel recording: 8-bit mono. */
function eightBitMono(): Buffer {
  const h = Buffer.alloc(44 + 800);
  h.write('RIFF', 0, 'latin1'); h.writeUInt32LE(36 + 800, 4); h.write('WAVE', 8, 'latin1');
  h.write('fmt ', 12, 'latin1'); h.writeUInt32LE(16, 16); h.writeUInt16LE(1, 20); h.writeUInt16LE(1, 22);
  h.writeUInt32LE(8000, 24); h.writeUInt32LE(8000, 28); h.writeUInt16LE(1, 32); h.writeUInt16LE(8, 34);
  h.write('data', 36, 'latin1'); h.writeUInt32LE(800, 40);
  return h;
}

async function twoRecordings() {
  const deps = makeDeps(LINES, new FakeControl());
  const journal = new RecordingJournal(deps.config.storage.dir);
  const withJournal = { ...deps, journal };
  const reg = new CallRegistry(withJournal);
  const ids: string[] = [];
  for (let i = 0; i < 2; i++) {
    const ch = new FakeDialogue(callInfo('regulated'), [], deps.recordingsDir);
    await reg.consent(ch);
    ids.push(ch.outcome.CALLVAULT_RECORDING_ID!);
    deps.clock.t += 1000;
  }
  return { deps: withJournal, journal, ids };
}

test('recovery after a crash: the refused file goes to quarantine, the next orphan is still recovered', async () => {
  const { deps, journal, ids } = await twoRecordings();
  const [bad, good] = ids as [string, string];
  // The bad one: its journal says stereo, its file is 8-bit mono.
  const entry = journal.list().find((e) => e.recordingId === bad)!;
  journal.write({ ...entry, channels: 2 });
  writeFileSync(join(deps.recordingsDir, `${bad}.wav`), eightBitMono());
  // A new daemon (nothing in memory) finds both files finished.
  const next = new CallRegistry(deps);
  await next.recoverOrphans(new Set(), Date.now() + 60_000);
  const spool = deps.config.storage.spool;
  assert.ok(existsSync(join(spool, `${good}.json`)), 'the good orphan was recovered');
  assert.ok(!existsSync(join(spool, `${bad}.json`)), 'the bad one was not handed off');
  const q = quarantineDir(deps.config.storage.dir);
  assert.deepEqual(readdirSync(q).sort(), [`${bad}.quarantine.json`, `${bad}.wav`]);
  const note = JSON.parse(readFileSync(join(q, `${bad}.quarantine.json`), 'utf8')) as { reason: string };
  assert.match(note.reason, /cannot go to the spool/);
  assert.equal((readdirSync(q).map((n) => n)).length, 2);
  assert.deepEqual(journal.list(), [], 'neither stays in the journal: the next start does not trip on it again');
  assert.equal(countQuarantined(deps.config.storage.dir), 1);
});

/** A PBX that says "stereo" and writes an 8-bit mono file: the spool must refuse it. */
class StereoClaimingDialogue extends FakeDialogue {
  override async startRecording(id: string): Promise<void> {
    await super.startRecording(id);
    writeFileSync(join(this.recDirForTest, `${id}.wav`), eightBitMono());
    return { channels: 2 } as unknown as void;
  }
  constructor(info: ReturnType<typeof callInfo>, readonly recDirForTest: string) { super(info, [], recDirForTest); }
}

test('a live call whose file the spool refuses ends (not stuck in progress) and its file goes to quarantine', async () => {
  const deps = makeDeps(LINES, new FakeControl());
  const reg = new CallRegistry(deps);
  const info = callInfo('regulated');
  const ch = new StereoClaimingDialogue(info, deps.recordingsDir);
  await reg.consent(ch);
  const id = ch.outcome.CALLVAULT_RECORDING_ID!;
  const session = reg.get(info.callId)!;
  reg.handle({ type: 'hangup', callId: info.callId });
  reg.handle({ type: 'recording-finished', callId: info.callId, recordingId: id });
  await reg.drain();
  assert.equal(session.state.kind, 'quarantined');
  assert.equal(reg.size, 0, 'the call is not left in progress');
  assert.ok(existsSync(join(quarantineDir(deps.config.storage.dir), `${id}.wav`)));
  assert.ok(!existsSync(join(deps.recordingsDir, `${id}.wav`)), 'nothing left where the PBX writes');
  assert.ok(!existsSync(join(deps.config.storage.spool, `${id}.json`)));
});
