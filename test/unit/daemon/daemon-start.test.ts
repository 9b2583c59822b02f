/**
 * Daemon start never leaves the call path up without status (issue 12, item
 * 4): the status file exists before the adapter takes calls; an archiver
 * that cannot start leaves the calls going and the status saying why; an
 * adapter that cannot start undoes the start.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Daemon, type ArchiveStage } from '../../../src/daemon/daemon.js';
import { statusPath, type DaemonStatus } from '../../../src/daemon/status-file.js';
import type { ArchiverState } from '../../../src/archive/archiver.js';
import type { PbxAdapter } from '../../../src/pbx/call-control.js';
import { silentLogger } from '../../../src/log/logger.js';
import { FakeControl, testConfig } from '../../support/fake-call.js';

function world() {
  const dir = mkdtempSync(join(tmpdir(), 'cv-daemon-'));
  writeFileSync(join(dir, 'hash.key'), Buffer.alloc(32, 7), { mode: 0o600 });
  const config = testConfig(dir, `
  regulated: { mode: mandatory }`);
  return { dir, config };
}

/** An adapter that records what it saw when it started, and can fail. */
function adapter(storage: string, fail = false) {
  const seen: { statusAtStart: boolean | null; stopped: boolean } = { statusAtStart: null, stopped: false };
  const a: PbxAdapter = {
    kind: 'asterisk',
    control: new FakeControl(),
    async start() {
      seen.statusAtStart = existsSync(statusPath(storage));
      if (fail) throw new Error('cannot listen for FastAGI');
    },
    async inventory() { return { running: [], live: new Set<string>() }; },
    link() { return { state: 'up', since: 0, reconnects: 0, lastError: null }; },
    async stop() { seen.stopped = true; },
  };
  return { a, seen };
}

function archive(failStart: unknown, state: ArchiverState): ArchiveStage {
  return {
    async start() { if (failStart !== null) throw failStart; },
    async stop() {},
    backlog: () => 0,
    state: () => state,
  };
}

const status = (storage: string) => JSON.parse(readFileSync(statusPath(storage), 'utf8')) as DaemonStatus;

test('an archiver that throws at start: the daemon still starts, writes status, and says the archiver is not running', async () => {
  const { config } = world();
  const { a, seen } = adapter(config.storage.dir);
  const retrying: ArchiverState = { kind: 'retrying', attempts: 1, code: 'CV_ERR_ARCHIVE_LOCKED', message: 'another archiver (pid 42) is working on storage x', hint: null, nextAttemptAt: new Date().toISOString() };
  const d = new Daemon({ config, logger: silentLogger, adapter: a, archive: archive(new Error('worker exploded'), retrying) });
  await d.start(); // used to throw here, with the adapter already taking calls
  try {
    assert.equal(seen.statusAtStart, true, 'the status file existed before the adapter took calls');
    const st = status(config.storage.dir);
    assert.equal(st.pid, process.pid);
    assert.equal(st.archiver?.kind, 'retrying');
    assert.ok(st.lastErrors.some((e) => e.where === 'archive'), JSON.stringify(st.lastErrors));
  } finally {
    await d.stop();
  }
});

test('an adapter that cannot start: start() throws and leaves nothing running', async () => {
  const { config } = world();
  const { a } = adapter(config.storage.dir, true);
  let archiveStarted = false;
  const stage = archive(null, { kind: 'running', since: new Date().toISOString() });
  const d = new Daemon({ config, logger: silentLogger, adapter: a, archive: { ...stage, start: async () => { archiveStarted = true; } } });
  await assert.rejects(d.start(), /cannot listen for FastAGI/);
  assert.equal(archiveStarted, false, 'the archiver is not started without a call path');
  assert.ok(status(config.storage.dir).lastErrors.some((e) => e.where === 'pbx-adapter'));
});

test('start creates the spool, mode 0700, before anything hands off to it', async () => {
  const { config } = world();
  assert.equal(existsSync(config.storage.spool), false);
  const { a } = adapter(config.storage.dir);
  const d = new Daemon({ config, logger: silentLogger, adapter: a });
  await d.start();
  try {
    assert.equal(statSync(config.storage.spool).mode & 0o777, 0o700);
    assert.deepEqual(readdirSync(config.storage.spool), []);
    assert.equal(status(config.storage.dir).archiver?.kind, 'disabled');
  } finally {
    await d.stop();
  }
});
