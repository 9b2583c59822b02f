/**
 * The status file's background write (the periodic refreshes, off the event
 * loop) gives the same file as the synchronous one, atomically, and a
 * synchronous write after it is the last word.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readStatus, statusPath, writeStatus, writeStatusInBackground, type DaemonStatus } from '../../../src/daemon/status-file.js';

function status(calls: number): DaemonStatus {
  return {
    version: 1, pid: process.pid, startedAt: new Date(0).toISOString(), writtenAt: new Date().toISOString(), pbx: 'asterisk',
    link: { state: 'up', since: 0, reconnects: 0, lastError: null }, callsInProgress: calls, recordingsInProgress: 0, archiveBacklog: 0, lastErrors: [],
  };
}

test('the background write reads back as the synchronous one does, 0600, no temporary file left; a later synchronous write wins', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cv-status-'));
  try {
    await writeStatusInBackground(dir, status(7));
    const r = readStatus(dir, Date.now());
    assert.equal(r.state, 'running');
    assert.equal(r.state === 'running' ? r.status.callsInProgress : -1, 7);
    assert.equal(statSync(statusPath(dir)).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, 'run')).mode & 0o777, 0o700);
    assert.deepEqual(readdirSync(join(dir, 'run')), ['status.json']);
    await writeStatusInBackground(dir, status(8));
    writeStatus(dir, status(9));
    const last = readStatus(dir, Date.now());
    assert.equal(last.state === 'running' ? last.status.callsInProgress : -1, 9);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
