/**
 * docs/spec.md says where the caller's number is in clear before archiving:
 * the journal and the spool JSON. This checks that the journal does hold it
 * (so the statement is needed), that the file and its folder are private,
 * and that the spec names both places.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecordingJournal } from '../../../src/calls/recording-journal.js';

test('the journal holds the caller in clear, 0600 in a 0700 folder, and docs/spec.md says so', async () => {
  const storage = mkdtempSync(join(tmpdir(), 'cv-journal-'));
  try {
    const journal = new RecordingJournal(storage);
    journal.write({
      version: 1, recordingId: '20261201T120000Z-0a1b2c3d', pbx: 'asterisk', callId: 'c1', linkedId: 'c1', line: 'support', purpose: 'quality',
      decision: 'sampled', consent: 'no-objection', language: 'fr', caller: '+33612345678', agent: null,
      startedAt: '2026-12-01T12:00:00.000Z', endedAt: null, channels: 1, pauses: [], wav: '20261201T120000Z-0a1b2c3d.wav',
    });
    await journal.flush(); // written in the background
    const [file] = readdirSync(journal.dir);
    const path = join(journal.dir, file!);
    assert.match(readFileSync(path, 'utf8'), /\+33612345678/, 'in clear: needed after a crash to put it in the encrypted file');
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.equal(statSync(journal.dir).mode & 0o777, 0o700);
  } finally {
    rmSync(storage, { recursive: true, force: true });
  }
  const spec = readFileSync(new URL('../../../docs/spec.md', import.meta.url), 'utf8');
  const section = spec.slice(spec.indexOf('## Where the caller is in clear'), spec.indexOf('## Index'));
  assert.ok(section.includes('run/active/<id>.json') && section.includes('<spool>/<id>.json'), 'the spec names the journal and the spool JSON');
});
