/**
 * The recording journal is written off the event loop: write() and remove()
 * queue, background writers do the file work (one recording's entries in
 * order, up to four recordings at once), the latest entry
 * of a recording wins, and list() already shows what is queued, so a
 * recovery in the same process sees the same journal as the next start will.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecordingJournal, type JournalEntry } from '../../../src/calls/recording-journal.js';
import { CallRegistry } from '../../../src/calls/call-registry.js';
import { FakeControl, FakeDialogue, callInfo, makeDeps } from '../../support/fake-call.js';

const ID = '20261202T120000Z-0a1b2c3d';
const OTHER = '20261202T120001Z-1b2c3d4e';
function entry(recordingId: string, pauses: JournalEntry['pauses'] = []): JournalEntry {
  return {
    version: 1, recordingId, pbx: 'asterisk', callId: 'c1', linkedId: 'c1', line: 'support', purpose: 'quality',
    decision: 'sampled', consent: 'no-objection', language: 'fr', caller: null, agent: null,
    startedAt: '2026-12-02T12:00:00.000Z', endedAt: null, channels: 1, pauses, wav: `${recordingId}.wav`,
  };
}
const muted = (at: number): JournalEntry['pauses'] => [{ startOffsetMs: at, endOffsetMs: null, outcome: 'muted' }];

function withDir(fn: (storage: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const storage = mkdtempSync(join(tmpdir(), 'cv-journal-'));
    try { await fn(storage); } finally { rmSync(storage, { recursive: true, force: true }); }
  };
}

test('write returns before the file work: the file comes after, list() shows the entry meanwhile', withDir(async (storage) => {
  const j = new RecordingJournal(storage);
  j.write(entry(ID));
  assert.equal(existsSync(join(j.dir, `${ID}.json`)), false, 'nothing done on the event loop');
  assert.deepEqual(j.list().map((e) => e.recordingId), [ID]);
  await j.flush();
  assert.equal(JSON.parse(readFileSync(join(j.dir, `${ID}.json`), 'utf8')).recordingId, ID);
  assert.deepEqual(readdirSync(j.dir), [`${ID}.json`], 'no temporary file left');
}));

test('the latest entry of a recording wins, whatever was in flight', withDir(async (storage) => {
  const j = new RecordingJournal(storage);
  j.write(entry(ID));
  await Promise.resolve(); await Promise.resolve(); // let the first write start
  j.write(entry(ID, muted(1000)));
  j.write(entry(OTHER));
  j.write(entry(ID, muted(2000)));
  assert.deepEqual(j.list().find((e) => e.recordingId === ID)?.pauses, muted(2000));
  await j.flush();
  assert.deepEqual(JSON.parse(readFileSync(join(j.dir, `${ID}.json`), 'utf8')).pauses, muted(2000));
  assert.deepEqual(new Set(j.list().map((e) => e.recordingId)), new Set([ID, OTHER]));
}));

test('a removal after a write (queued or in flight) leaves no file; a write after the removal does', withDir(async (storage) => {
  const j = new RecordingJournal(storage);
  j.write(entry(ID));
  j.remove(ID);
  assert.deepEqual(j.list(), []);
  await j.flush();
  assert.equal(existsSync(join(j.dir, `${ID}.json`)), false);

  j.write(entry(ID));
  await Promise.resolve(); await Promise.resolve();
  j.remove(ID); // the write may be in flight: the removal is done after it
  await j.flush();
  assert.equal(existsSync(join(j.dir, `${ID}.json`)), false);
  assert.deepEqual(j.list(), []);

  j.remove(ID);
  j.write(entry(ID, muted(5)));
  await j.flush();
  assert.deepEqual(j.list().map((e) => e.pauses), [muted(5)]);
}));

test('writes queued after a drain ended start a new one (none is left queued for ever)', withDir(async (storage) => {
  const j = new RecordingJournal(storage);
  for (let i = 0; i < 5; i++) {
    j.write(entry(ID, muted(i)));
    await j.flush();
    assert.deepEqual(JSON.parse(readFileSync(join(j.dir, `${ID}.json`), 'utf8')).pauses, muted(i));
  }
}));

test('a write that fails reaches onError; the journal goes on with the next', withDir(async (storage) => {
  const failed: string[] = [];
  const j = new RecordingJournal(storage, { onError: (_err, id) => failed.push(id) });
  mkdirSync(join(storage, 'run'), { recursive: true });
  writeFileSync(join(storage, 'run', 'active'), 'not a directory');
  j.write(entry(ID));
  await j.flush();
  assert.deepEqual(failed, [ID]);
  rmSync(join(storage, 'run', 'active'));
  j.write(entry(OTHER));
  await j.flush();
  assert.deepEqual(failed, [ID]);
  assert.deepEqual(j.list().map((e) => e.recordingId), [OTHER]);
}));

test('write() settles once that entry, or a later one of the recording, is on disk', withDir(async (storage) => {
  const j = new RecordingJournal(storage);
  const first = j.write(entry(ID, muted(1)));
  const second = j.write(entry(ID, muted(2))); // replaces the first before it was written
  await first;
  assert.deepEqual(JSON.parse(readFileSync(join(j.dir, `${ID}.json`), 'utf8')).pauses, muted(2));
  await second;
  await j.remove(ID);
  assert.equal(existsSync(join(j.dir, `${ID}.json`)), false);
}));

test('many recordings written at once (several writers): each file ends as its recording\'s last entry, removals included', withDir(async (storage) => {
  const j = new RecordingJournal(storage);
  const ids = Array.from({ length: 40 }, (_, i) => `20261202T12${String(i).padStart(2, '0')}00Z-${(0x10000000 + i).toString(16)}`);
  const last = new Map<string, number | null>();
  const pending: Promise<void>[] = [];
  // Rounds spread over ticks, so writes of one recording are queued while an earlier one is being written.
  for (let round = 1; round <= 6; round++) {
    for (const [i, id] of ids.entries()) {
      if (round === 6 && i % 5 === 0) { pending.push(j.remove(id)); last.set(id, null); continue; }
      pending.push(j.write(entry(id, muted(round * 100 + i))));
      last.set(id, round * 100 + i);
    }
    await new Promise((r) => setImmediate(r));
  }
  await Promise.all(pending);
  await j.flush();
  for (const [id, at] of last) {
    const file = join(j.dir, `${id}.json`);
    if (at === null) assert.equal(existsSync(file), false, `${id} removed`);
    else assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')).pauses, muted(at), `${id} holds its last entry`);
  }
  assert.deepEqual(readdirSync(j.dir).filter((n) => n.endsWith('.tmp')), [], 'no temporary file left');
}));

// What a daemon killed right after answering leaves behind: the files on disk, not the queue in memory.
test('a session answers "started" and "confirmed" only once the journal on disk has the recording and the open pause', withDir(async () => {
  const deps = makeDeps(`
  regulated: { mode: mandatory }`, new FakeControl());
  const journal = new RecordingJournal(deps.config.storage.dir);
  const registry = new CallRegistry({ ...deps, journal });
  const info = callInfo('regulated');
  const ch = new FakeDialogue(info, [], deps.recordingsDir);
  await registry.consent(ch);
  const id = ch.outcome.CALLVAULT_RECORDING_ID!;
  const onDisk = (): JournalEntry | null => { try { return JSON.parse(readFileSync(join(journal.dir, `${id}.json`), 'utf8')) as JournalEntry; } catch { return null; } };
  assert.equal(onDisk()?.recordingId, id, 'the outcome went out after the journal was written');
  deps.clock.t += 5000;
  assert.equal(await registry.paymentEnter({ pbx: 'asterisk', callId: info.callId, channel: info.channel, recordingId: id }), 'confirmed');
  assert.deepEqual(onDisk()?.pauses.map((p) => [p.endOffsetMs, p.outcome]), [[null, 'muted']], 'the open pause is on disk when "confirmed" goes out');
  await journal.flush();
}));

// What a daemon killed inside #writeFile leaves, step by step: the entry list() must then give.
for (const [name, files, expected] of [
  ['killed while the tmp of a later entry was written: the .json stands', { json: muted(1), tmp: '{"version":1,"record' }, muted(1)],
  ['killed after the tmp, before the unlink: the .json stands (the later entry is lost, as before any rename)', { json: muted(1), tmp: muted(2) }, muted(1)],
  ['killed between the unlink and the rename: the whole tmp is the entry', { json: null, tmp: muted(2) }, muted(2)],
  ['killed while the first entry was written: a torn tmp alone is no entry', { json: null, tmp: '{"version":1,"record' }, null],
] as const) {
  test(`journal left by a kill: ${name}`, withDir(async (storage) => {
    const dir = join(storage, 'run', 'active');
    mkdirSync(dir, { recursive: true });
    const text = (v: unknown): string => typeof v === 'string' ? v : JSON.stringify(entry(ID, v as JournalEntry['pauses']));
    if (files.json !== null) writeFileSync(join(dir, `${ID}.json`), text(files.json));
    writeFileSync(join(dir, `${ID}.json.tmp`), text(files.tmp));
    const j = new RecordingJournal(storage);
    assert.deepEqual(j.list().map((e) => e.pauses), expected === null ? [] : [expected]);
    await j.remove(ID);
    assert.deepEqual(readdirSync(dir), [], 'remove() takes the leftover tmp too');
  }));
}

test('a tmp whose entry names another recording is not taken for this one', withDir(async (storage) => {
  const dir = join(storage, 'run', 'active');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${ID}.json.tmp`), JSON.stringify(entry(OTHER)));
  assert.deepEqual(new RecordingJournal(storage).list(), []);
}));
