/**
 * The ops commands from the outside: in-process (main + BufferIo) for the
 * cases, as real processes for exit codes, stdout/stderr separation, TTY
 * progress bars and running as another user. Every bad input must give a
 * clear message, a non-zero exit, and change nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, chownSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { OpsWorld, repo } from '../support/ops-world.js';
import { writeStatus, type DaemonStatus } from '../../src/daemon/status-file.js';
import { recordDecision } from '../../src/index/decision-log.js';
import { ObjectionRegister } from '../../src/index/objection-register.js';

const DAY = 86_400_000;
const ago = (days: number) => new Date(Date.now() - days * DAY);

/** Everything a failed command must leave as it was. */
function snapshot(w: OpsWorld): string {
  const db = new BetterSqlite3(w.layout.indexPath, { readonly: true });
  try {
    const dump = ['recordings', 'holds', 'tombstones', 'audit', 'objections'].map((t) => JSON.stringify(db.prepare(`SELECT * FROM ${t} ORDER BY 1`).all()));
    const files = readdirSync(w.layout.recordingsDir, { recursive: true }).map(String).sort();
    return dump.join('\n') + '\n' + files.join('\n');
  } finally {
    db.close();
  }
}

function daemonStatus(over: Partial<DaemonStatus> = {}): DaemonStatus {
  const now = new Date();
  return {
    version: 1, pid: process.pid, startedAt: new Date(now.getTime() - 3_600_000).toISOString(), writtenAt: now.toISOString(), pbx: 'asterisk',
    link: { state: 'up', since: now.getTime() - 3_000_000, reconnects: 2, lastError: null },
    callsInProgress: 4, recordingsInProgress: 1, archiveBacklog: 0, lastErrors: [{ at: now.toISOString(), where: 'archive', message: 'archive failed' }], ...over,
  };
}

test('status: answers from the index when the daemon is down, says so, and exits 1', async () => {
  const w = OpsWorld.create();
  const index = w.open();
  w.add(index, { startedAt: new Date(Date.now() - 1000) });
  w.add(index, { startedAt: ago(3) });
  w.add(index, { startedAt: ago(30) });
  recordDecision(index.db, { at: new Date(), line: 'support', decision: 'record', reason: 'sampled' }, 1);
  recordDecision(index.db, { at: new Date(), line: 'support', decision: 'skip', reason: 'not-sampled' }, 3);
  index.close();
  try {
    const r = await w.cli('status');
    assert.equal(r.code, 1);
    assert.match(r.stdout, /UNHEALTHY/);
    assert.match(r.stdout, /problem: daemon not running/);
    assert.match(r.stdout, /the daemon is not running .*figures below come from the index/);
    assert.match(r.stdout, /recordings: 1 today, 2 over 7 days, 3 in the index/);
    assert.match(r.stdout, /support \(sampled\): 1\/4 25\.0%, eligible 1\/4 25\.0%, objected 0\.0%; 1\/4 25\.0%, eligible 1\/4 25\.0%, objected 0\.0%; target 25\.0%/);
    const j = await w.cli('status', '--json');
    assert.equal(j.code, 1);
    const report = JSON.parse(j.stdout);
    assert.equal(report.healthy, false);
    assert.equal(report.daemon.state, 'absent');
    assert.equal(report.recordings.recordings, 3);
    assert.equal(report.sampling.find((s: { line: string }) => s.line === 'support').last7Days.achieved, 0.25);
    assert.match(report.nextPurge.at, /T\d\d:\d\d:00\.000Z$/);
    assert.equal(j.stderr, '');
  } finally {
    w.cleanup();
  }
});

test('status: healthy with a live daemon, unhealthy on link down, backlog or a nearly full disk', async () => {
  const w = OpsWorld.create();
  w.open().close();
  try {
    writeStatus(w.storage, daemonStatus());
    const ok = await w.cli('status');
    assert.equal(ok.code, 0, ok.stdout);
    assert.match(ok.stdout, /callvault: healthy/);
    assert.match(ok.stdout, /pbx link: up since .*, 2 reconnect\(s\)/);
    assert.match(ok.stdout, /calls in progress: 4 \(1 recording\)/);
    assert.match(ok.stdout, /archive: archive failed/);

    writeStatus(w.storage, daemonStatus({ link: { state: 'down', since: Date.now() - 60_000, reconnects: 3, lastError: 'ECONNREFUSED' } }));
    const down = await w.cli('status');
    assert.equal(down.code, 1);
    assert.match(down.stdout, /problem: PBX link down since .*ECONNREFUSED/);

    writeStatus(w.storage, daemonStatus());
    for (let i = 0; i < 3; i++) writeFileSync(join(w.spool, `2026112${i}T000000Z-0000000${i}.wav`), 'RIFF');
    const backlog = await w.cli('status', '--max-backlog', '2');
    assert.equal(backlog.code, 1);
    assert.match(backlog.stdout, /problem: spool backlog 3 over 2/);
    assert.equal((await w.cli('status', '--max-backlog', '3')).code, 0);

    const full = await w.cli('status', '--min-free-percent', '100');
    assert.equal(full.code, 1);
    assert.match(full.stdout, /problem: storage nearly full/);

    writeStatus(w.storage, daemonStatus({ writtenAt: new Date(Date.now() - 120_000).toISOString() }));
    const stale = await w.cli('status');
    assert.equal(stale.code, 1);
    assert.match(stale.stdout, /daemon status stale: last update 120 s ago/);

    const bad = await w.cli('status', '--max-backlog', 'lots');
    assert.equal(bad.code, 64);
    assert.match(bad.stderr, /callvault: error: --max-backlog must be a whole number/);
  } finally {
    w.cleanup();
  }
});

test('status still answers with no index yet, and as a real process', async () => {
  const w = OpsWorld.create();
  try {
    const r = w.proc(['status']);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /index: absent \(no index yet: nothing archived\)/);
    assert.match(r.stdout, /problem: daemon not running/);
    const j = w.proc(['status', '--json']);
    assert.equal(j.code, 1);
    assert.equal(JSON.parse(j.stdout).index.state, 'absent');
  } finally {
    w.cleanup();
  }
});

test('list and show: filters, agent by keyed hash, JSON without hashes, paging, tombstones, bad input', async () => {
  const w = OpsWorld.create();
  const index = w.open();
  const a = w.add(index, { startedAt: new Date(2026, 10, 20, 10, 0), agent: 'alice', line: 'support' });
  const b = w.add(index, { startedAt: new Date(2026, 10, 21, 10, 0), agent: 'bob', purpose: 'contract', callId: 'call-77', linkedId: 'link-77' });
  const c = w.add(index, { startedAt: new Date(2026, 10, 22, 10, 0), agent: 'alice', purpose: 'regulatory' });
  index.close();
  try {
    const all = await w.cli('list');
    assert.equal(all.code, 0);
    assert.deepEqual(all.stdout.trim().split('\n').map((l) => l.split(' ')[0]), [c, b, a]);
    const alice = JSON.parse((await w.cli('list', '--agent', 'alice', '--json')).stdout);
    assert.deepEqual(alice.recordings.map((r: { id: string }) => r.id), [c, a]);
    assert.equal(alice.recordings[0].agentHash, undefined, 'no keyed hash in the output');
    assert.equal(alice.recordings[0].callerHash, undefined);
    assert.deepEqual(JSON.parse((await w.cli('list', '--purpose', 'contract', '--json')).stdout).recordings.map((r: { id: string }) => r.id), [b]);
    assert.deepEqual(JSON.parse((await w.cli('list', '--from', '2026-11-21', '--to', '2026-11-21', '--json')).stdout).recordings.map((r: { id: string }) => r.id), [b], 'a --to day is included whole');
    const page1 = await w.cli('list', '--limit', '2');
    const cursor = /more: add --after (\S+)/.exec(page1.stdout)?.[1];
    assert.ok(cursor, page1.stdout);
    const page2 = await w.cli('list', '--limit', '2', '--after', cursor);
    assert.deepEqual(page2.stdout.trim().split('\n').map((l) => l.split(' ')[0]), [a]);

    const shown = await w.cli('show', b);
    assert.equal(shown.code, 0);
    assert.match(shown.stdout, /call:\s+call-77 \(linked link-77, asterisk\)/);
    assert.match(shown.stdout, /audit #\d+: .* archive by archiver/);
    assert.equal(JSON.parse((await w.cli('show', 'call-77', '--json')).stdout).recordings[0].id, b, 'a call id finds its recording');

    const bad: Array<[string[], number, RegExp]> = [
      [['show', '20261128T000000Z-deadbeef'], 1, /no recording or call with id 20261128T000000Z-deadbeef/],
      [['list', '--purpose', 'fun'], 64, /--purpose must be one of quality, training, analysis, contract, regulatory/],
      [['list', '--status', 'lost'], 64, /--status must be one of archived, held, purging/],
      [['list', '--from', '2026-13-01'], 1, /not a date: 2026-13-01/],
      [['list', '--from', 'yesterday'], 1, /not a date: yesterday/],
      [['list', '--from', '2026-11-22', '--to', '2026-11-21'], 64, /--from must be before --to/],
      [['list', '--after', 'garbage'], 64, /--after is not a cursor/],
      [['list', '--limit', '0'], 64, /--limit must be a whole number from 1 to 1000/],
    ];
    for (const [args, code, message] of bad) {
      const r = await w.cli(...args);
      assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.match(r.stderr, /callvault: hint: /);
      assert.equal(r.stdout, '', `${args.join(' ')} printed nothing on stdout`);
    }
  } finally {
    w.cleanup();
  }
});

test('hold and release by id and by caller: held recordings survive purge and erase; bad input changes nothing', async () => {
  const w = OpsWorld.create();
  const index = w.open();
  const old1 = w.add(index, { startedAt: ago(300), caller: '0612345678' });
  const old2 = w.add(index, { startedAt: ago(301), caller: '+33612345678' });
  const other = w.add(index, { startedAt: ago(302), caller: '+33700000000' });
  index.close();
  try {
    const before = snapshot(w);
    const bad: Array<[string[], number, RegExp]> = [
      [['hold', old1], 1, /a reason is required for hold/],
      [['hold', old1, '--reason', '   '], 1, /a reason is required for hold/],
      [['hold', '--reason', 'x'], 64, /give either a recording\/call id or --caller NUMBER/],
      [['hold', old1, '--caller', '+33612345678', '--reason', 'x'], 64, /give either/],
      [['hold', 'no-such-call', '--reason', 'x'], 1, /no recording or call with id no-such-call/],
      [['hold', '--caller', '06 12 34', '--reason', 'x'], 1, /not a valid phone number: "06 12 34"/],
      [['hold', '--caller', '+33199999999', '--reason', 'x'], 1, /no recording of \+33199999999/],
      [['release', old1], 1, /a reason is required for release/],
      [['hold', old1, '--reason', 'x', '--actor', ''], 64, /--actor must be 1 to 128/],
    ];
    for (const [args, code, message] of bad) {
      const r = await w.cli(...args);
      assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
    }
    assert.equal(snapshot(w), before, 'no bad command changed the index or the files');

    const held = await w.cli('hold', '--caller', '06.12.34.56.78', '--reason', 'dispute 2026-118', '--actor', 'legal@example');
    assert.equal(held.code, 0, held.stderr);
    assert.deepEqual(held.stdout.trim().split('\n').map((l) => l.split(' ')[0]).sort(), [old1, old2].sort(), 'both written forms of the number matched');

    const dry = JSON.parse((await w.cli('purge', '--dry-run', '--json')).stdout);
    assert.deepEqual(dry.purged.map((p: { id: string }) => p.id), [other]);
    assert.deepEqual(dry.held.sort(), [old1, old2].sort());

    const erase = await w.cli('subject', 'erase', '+33 6 12 34 56 78', '--reason', 'DSAR-9', '--json');
    assert.equal(erase.code, 0, erase.stderr);
    const er = JSON.parse(erase.stdout);
    assert.deepEqual(er.erased, []);
    assert.deepEqual(er.keptUnderHold.sort(), [old1, old2].sort());

    const rel = await w.cli('release', old1, '--reason', 'case closed');
    assert.equal(rel.code, 0);
    assert.match(rel.stdout, new RegExp(`${old1}  released`));
    const again = await w.cli('release', old1, '--reason', 'case closed');
    assert.match(again.stdout, /was not held; unchanged/);
    const purge = await w.cli('purge', '--reason', 'retention', '--json');
    assert.deepEqual(JSON.parse(purge.stdout).purged.map((p: { id: string }) => p.id).sort(), [old1, other].sort());
    assert.deepEqual(w.filesOf(old2).length, 2, 'still held');
    const holdPurged = await w.cli('hold', old1, '--reason', 'too late');
    assert.equal(holdPurged.code, 1);
    assert.match(holdPurged.stderr, /recording .* was purged on .* \(retention-expired\)/);

    const audit = JSON.parse((await w.cli('audit', '--recording', old2, '--json')).stdout).audit;
    assert.deepEqual(audit.map((a: { action: string }) => a.action), ['archive', 'hold']);
    assert.equal(audit[1].actor, 'legal@example');
    assert.equal(audit[1].reason, 'dispute 2026-118');
  } finally {
    w.cleanup();
  }
});

test('proof-received destroys contract recordings at once, refuses other purposes without changing anything', async () => {
  const w = OpsWorld.create();
  const index = w.open();
  const contract = w.add(index, { purpose: 'contract', callId: 'c-1', linkedId: 'l-1' });
  const contract2 = w.add(index, { purpose: 'contract', callId: 'c-2', linkedId: 'l-1' });
  const quality = w.add(index, { purpose: 'quality', callId: 'q-1', linkedId: 'l-9' });
  index.close();
  try {
    const before = snapshot(w);
    for (const [args, message] of [
      [['proof-received', quality, '--reason', 'signed'], /has purpose quality, not contract/],
      [['proof-received', 'l-1'], /a reason is required for proof-received/],
      [['proof-received', 'nope', '--reason', 'x'], /no recording or call with id nope/],
    ] as Array<[string[], RegExp]>) {
      const r = await w.cli(...args);
      assert.equal(r.code, 1, args.join(' '));
      assert.match(r.stderr, message);
    }
    assert.equal(snapshot(w), before);
    const r = await w.cli('proof-received', 'l-1', '--reason', 'e-signature 4411');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(w.filesOf(contract), []);
    assert.deepEqual(w.filesOf(contract2), []);
    assert.equal(w.filesOf(quality).length, 2);
    const shown = await w.cli('show', contract);
    assert.match(shown.stdout, /purged on .* \(proof-received\); only this tombstone remains/);
    const audit = JSON.parse((await w.cli('audit', '--recording', contract, '--json')).stdout).audit.map((a: { action: string }) => a.action);
    assert.deepEqual(audit, ['archive', 'proof-received', 'purge']);
    const twice = await w.cli('proof-received', contract, '--reason', 'again');
    assert.equal(twice.code, 0);
    assert.match(twice.stdout, /already purged/);
  } finally {
    w.cleanup();
  }
});

test('subject find and erase: by any written form, logged in the audit, and the number never stored in clear', async () => {
  const w = OpsWorld.create({ extraYaml: '' });
  const index = w.open();
  const mine = [w.add(index, { caller: '0612345678' }), w.add(index, { caller: '+33612345678' }), w.add(index, { caller: '0033612345678' })];
  const theirs = w.add(index, { caller: '+33612345670' });
  index.close();
  const reg = ObjectionRegister.open(w.layout.indexPath, { retentionDays: 365 });
  reg.remember(w.hasher.hex('objection', '+33612345678'));
  reg.close();
  try {
    const bad = await w.cli('subject', 'find', '06 12 34 56');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /not a valid phone number/);
    const before = snapshot(w);
    assert.equal((await w.cli('subject', 'erase', '0612345678')).code, 1, 'erase needs a reason');
    assert.equal(snapshot(w), before);

    const found = await w.cli('subject', 'find', '06 12 34 56 78', '--json');
    assert.equal(found.code, 0, found.stderr);
    const f = JSON.parse(found.stdout);
    assert.equal(f.number, '+33612345678');
    assert.deepEqual(f.recordings.map((r: { id: string }) => r.id).sort(), [...mine].sort());
    assert.ok(f.objectionRememberedUntil);

    const erased = await w.cli('subject', 'erase', '+33612345678', '--reason', 'DSAR 2026-31', '--actor', 'dpo');
    assert.equal(erased.code, 0, erased.stderr);
    assert.match(erased.stdout, /erased 3 recording\(s\) of \+33612345678, kept 0 under legal hold/);
    assert.match(erased.stdout, /objection remembered until/);
    for (const id of mine) assert.deepEqual(w.filesOf(id), []);
    assert.equal(w.filesOf(theirs).length, 2);
    const audit = JSON.parse((await w.cli('audit', '--json')).stdout).audit as Array<{ action: string; actor: string; reason: string; details: Record<string, unknown> }>;
    const request = audit.find((a) => a.action === 'subject-erase')!;
    assert.equal(request.actor, 'dpo');
    assert.equal(request.details.found, 3);
    assert.equal(audit.filter((a) => a.action === 'erase').length, 3);
    assert.ok(audit.some((a) => a.action === 'subject-find'));
    const forget = await w.cli('subject', 'erase', '+33612345678', '--reason', 'DSAR 2026-31 objection too', '--forget-objection', '--json');
    assert.equal(JSON.parse(forget.stdout).objectionForgotten, true);

    // No form of the number, anywhere in the index files.
    for (const name of readdirSync(w.storage).filter((n) => n.startsWith('index.sqlite'))) {
      const bytes = readFileSync(join(w.storage, name)).toString('latin1');
      for (const form of ['612345678', '+33612345678', '0612345678']) assert.ok(!bytes.includes(form), `${form} found in ${name}`);
    }
  } finally {
    w.cleanup();
  }
});

test('audit lists and verifies; an unknown recording is an error', async () => {
  const w = OpsWorld.create();
  const index = w.open();
  const id = w.add(index);
  index.close();
  try {
    const v = await w.cli('audit', '--verify');
    assert.equal(v.code, 0);
    assert.match(v.stdout, /audit chain ok: 1 row\(s\)/);
    const list = await w.cli('audit');
    assert.match(list.stdout, new RegExp(`#1 .* archiver archive ${id}`));
    const unknown = await w.cli('audit', '--recording', '20260101T000000Z-00000000');
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no recording or call with id 20260101T000000Z-00000000/);
  } finally {
    w.cleanup();
  }
});

test('a missing or unsafe hash key, a missing config and a missing index fail clearly', async () => {
  const w = OpsWorld.create();
  w.open().close();
  try {
    chmodSync(w.keyPath, 0o644);
    const unsafe = await w.cli('subject', 'find', '0612345678');
    assert.equal(unsafe.code, 1);
    assert.match(unsafe.stderr, /cannot read the hashing key .*hash\.key/);
    assert.match(unsafe.stderr, /caused by: mode 644 lets other users read it/);
    rmSync(w.keyPath);
    const missing = await w.cli('list', '--agent', 'alice');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /cannot read the hashing key/);
    assert.match(missing.stderr, /callvault: hint: set privacy.hashKeyFile/);

    const { main } = await import('../../src/cli/main.js');
    const { BufferIo } = await import('../../src/cli/output.js');
    const io = new BufferIo();
    const saved = process.env.CALLVAULT_CONFIG;
    delete process.env.CALLVAULT_CONFIG;
    assert.equal(await main(['node', 'callvault', 'list'], io), 64);
    if (saved !== undefined) process.env.CALLVAULT_CONFIG = saved;
    assert.match(io.stderr, /no configuration: pass --config FILE or set CALLVAULT_CONFIG/);

    rmSync(w.layout.indexPath);
    const noIndex = await w.cli('list');
    assert.equal(noIndex.code, 1);
    assert.match(noIndex.stderr, /there is no index at .*index\.sqlite yet/);
  } finally {
    w.cleanup();
  }
});

test('a locked index: writes fail with a clear message after --lock-timeout and change nothing', async () => {
  const w = OpsWorld.create();
  const index = w.open();
  const id = w.add(index, { startedAt: ago(300) });
  index.close();
  const other = new BetterSqlite3(w.layout.indexPath);
  try {
    const before = snapshot(w);
    other.exec('BEGIN EXCLUSIVE');
    for (const args of [['hold', id, '--reason', 'x'], ['purge', '--reason', 'x'], ['subject', 'erase', '+33123456789', '--reason', 'x']]) {
      const r = await w.cli(...args, '--lock-timeout', '200');
      assert.equal(r.code, 1, `${args[0]}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, /callvault: error: the index at .*index\.sqlite is read-only or locked/);
      assert.match(r.stderr, /caused by: database is locked/);
    }
    // WAL readers are not blocked by a writer: list still answers.
    assert.equal((await w.cli('list', '--lock-timeout', '200')).code, 0);
    other.exec('ROLLBACK');
    assert.equal(snapshot(w), before, 'nothing half-done');
    // An exclusive locking mode blocks readers too: they fail the same clear way.
    other.pragma('locking_mode = EXCLUSIVE');
    other.exec('BEGIN EXCLUSIVE; UPDATE recordings SET line = line; COMMIT');
    const r = await w.cli('list', '--lock-timeout', '200');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /read-only or locked|cannot open the index/);
  } finally {
    other.close();
    w.cleanup();
  }
});

test('a read-only index (another user, mode 0444): writes fail clearly, as a real process run as nobody', () => {
  const w = OpsWorld.create();
  const index = w.open();
  const id = w.add(index, { startedAt: ago(300) });
  index.close();
  try {
    const before = snapshot(w);
    // nobody owns the storage but cannot write the index file.
    chmodSync(w.dir, 0o711);
    chmodSync(w.configPath, 0o644);
    chownSync(w.keyPath, 65534, 65534);
    for (const p of [w.storage, ...readdirSync(w.storage, { recursive: true }).map((n) => join(w.storage, String(n)))]) chownSync(p, 65534, 65534);
    chmodSync(w.layout.indexPath, 0o444);
    const asNobody = { uid: 65534, gid: 65534, env: { HOME: '/tmp' } };
    const hold = w.proc(['hold', id, '--reason', 'x', '--lock-timeout', '200'], asNobody);
    assert.equal(hold.code, 1, hold.stdout + hold.stderr);
    assert.match(hold.stderr, /callvault: error: the index at .*index\.sqlite is read-only or locked/);
    assert.match(hold.stderr, /callvault: hint: check file permissions/);
    const purge = w.proc(['purge', '--reason', 'x'], asNobody);
    assert.equal(purge.code, 1);
    assert.match(purge.stderr, /read-only or locked/);
    assert.deepEqual(w.filesOf(id).length, 2, 'the purge deleted nothing it could not record');
    const list = w.proc(['list', '--json'], asNobody);
    assert.equal(list.code, 0, list.stderr);
    assert.equal(JSON.parse(list.stdout).recordings[0].id, id);
    chmodSync(w.layout.indexPath, 0o644);
    assert.equal(snapshot(w), before);
  } finally {
    w.cleanup();
  }
});

test('as a real process: exit codes, JSON on stdout only, and a progress bar only on a terminal', () => {
  const w = OpsWorld.create();
  const index = w.open();
  for (let i = 0; i < 5; i++) w.add(index, { startedAt: ago(300 + i) });
  const keep = w.add(index, { startedAt: ago(1) });
  index.close();
  try {
    const bad = w.proc(['subject', 'find', 'abc']);
    assert.equal(bad.code, 1);
    assert.equal(bad.stdout, '');
    assert.match(bad.stderr, /^callvault: error: not a valid phone number: "abc"/m);
    assert.equal(w.proc(['hold', keep]).code, 1);
    assert.equal(w.proc(['list', '--limit', 'x']).code, 64);

    const piped = w.proc(['purge', '--dry-run']);
    assert.equal(piped.code, 0);
    assert.equal(piped.stderr, '', 'no progress bar when piped');
    // On a terminal (script gives the command a pty), the purge draws its bar.
    const cmd = [process.execPath, '--import', 'tsx', join(repo, 'src/cli/main.ts'), 'purge', '--reason', 'tty test', '--config', w.configPath].map((a) => `'${a}'`).join(' ');
    const tty = spawnSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8', cwd: repo, timeout: 60_000 });
    assert.equal(tty.status, 0, tty.stdout + tty.stderr);
    assert.match(tty.stdout, /purge \[[█░]+\] 5\/5/);
    assert.match(tty.stdout, /purged 5 recording\(s\)/);
    const json = w.proc(['purge', '--reason', 'nothing left', '--json']);
    assert.equal(json.code, 0);
    assert.deepEqual(JSON.parse(json.stdout).purged, []);
  } finally {
    w.cleanup();
  }
});

test('subject find shows the evaluation notes about a caller\'s calls, erase removes their text and keeps the score', async () => {
  const { saveForm, createEvaluation, addEvaluationNote, evaluationNotes } = await import('../../src/index/quality-store.js');
  const { DEFAULT_FORM } = await import('../../src/quality/default-form.js');
  const w = OpsWorld.create({ extraYaml: '' });
  const index = w.open();
  const mine = w.add(index, { caller: '+33612345678' });
  const now = new Date();
  saveForm(index.db, DEFAULT_FORM, 'lead', now);
  createEvaluation(index.db, { id: 'ev1', recordingId: mine, form: { id: 'default', version: 1 }, evaluator: 'eve', now });
  addEvaluationNote(index.db, { evaluationId: 'ev1', questionId: null, atMs: 3_000, text: 'caller spells his name', author: 'eve', now });
  index.close();
  try {
    const found = await w.cli('subject', 'find', '06 12 34 56 78', '--json');
    assert.equal(found.code, 0, found.stderr);
    assert.deepEqual(JSON.parse(found.stdout).evaluations.map((e: { evaluationId: string; notes: unknown[] }) => [e.evaluationId, e.notes]), [['ev1', [{ atMs: 3_000, text: 'caller spells his name' }]]]);
    const erased = await w.cli('subject', 'erase', '+33612345678', '--reason', 'DSAR 2026-32');
    assert.equal(erased.code, 0, erased.stderr);
    assert.match(erased.stdout, /removed notes and comments from 1 evaluation\(s\) of these calls \(scores kept\)/);
    const after = w.open();
    try {
      assert.deepEqual(evaluationNotes(after.db, 'ev1'), []);
      assert.equal((after.db.prepare("SELECT COUNT(*) AS n FROM quality_evaluations WHERE id = 'ev1'").get() as { n: number }).n, 1, 'the evaluation of the agent stays');
    } finally { after.close(); }
  } finally {
    w.cleanup();
  }
});
