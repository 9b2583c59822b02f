/**
 * `callvault doctor` against a loopback AMI stand-in for every way a check
 * can fail, and against the real sandbox Asterisk (scripts/asterisk-sandbox:
 * real AMI login, its real manager.conf). The sandbox is started when it is
 * not running; if it cannot start the test fails, it never skips.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, execFileSync } from 'node:child_process';
import { chmodSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { OpsWorld, repo } from '../support/ops-world.js';
import { fakeAmi } from '../support/fake-pbx-servers.js';
import { writeStatus } from '../../src/daemon/status-file.js';
import { RECIPIENT } from '../support/fake-call.js';

interface Check { name: string; status: string; detail: string; fix?: string }

async function doctor(w: OpsWorld, ...args: string[]): Promise<{ code: number; checks: Map<string, Check> }> {
  const r = await w.cli('doctor', '--json', '--timeout', '1000', ...args);
  const body = JSON.parse(r.stdout) as { ok: boolean; checks: Check[] };
  assert.equal(body.ok, r.code === 0);
  return { code: r.code, checks: new Map(body.checks.map((c) => [c.name, c])) };
}

async function occupy(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { server, port: (server.address() as { port: number }).port };
}

test('doctor: all green against a working AMI, and exit 0', async () => {
  const ami = await fakeAmi('callvault', 'test-secret');
  const w = OpsWorld.create({ amiPort: ami.port });
  w.open().close();
  writeFileSync(join(w.dir, 'manager.conf'), '[callvault]\nsecret = test-secret\nread = system,call,agent,user\neventfilter(action(exclude),name(DTMFBegin)) =\neventfilter(action(exclude),name(DTMFEnd)) =\n');
  try {
    const { code, checks } = await doctor(w, '--manager-conf', join(w.dir, 'manager.conf'));
    const notOk = [...checks.values()].filter((c) => c.status !== 'ok');
    assert.deepEqual(notOk, []);
    assert.equal(code, 0);
    assert.match(checks.get('ami login')!.detail, /logged in as callvault \(Asterisk Call Manager\/9\.0\.0\)/);
    assert.deepEqual(ami.logins, ['callvault']);
    const text = await w.cli('doctor', '--timeout', '1000', '--manager-conf', join(w.dir, 'manager.conf'));
    assert.match(text.stdout, /callvault: 12 checks, 0 failed, 0 warning\(s\)/);
  } finally {
    await ami.close();
    w.cleanup();
  }
});

test('doctor: each broken piece fails with a fix, exit 1', async () => {
  const ami = await fakeAmi('callvault', 'another-secret');
  const busy = await occupy();
  const w = OpsWorld.create({ amiPort: ami.port, agiListen: `127.0.0.1:${busy.port}` });
  w.open().close();
  try {
    chmodSync(w.keyPath, 0o640);
    chmodSync(w.storage, 0o755);
    utimesSync(w.layout.indexPath, new Date(), new Date(Date.now() + 3_600_000)); // written "in an hour": the clock went back
    writeFileSync(join(w.dir, 'manager.conf'), '[callvault]\nsecret = x\nread = all\n');
    // A recipient that looks right but whose checksum is wrong: only decoding it tells.
    const bad = RECIPIENT.slice(0, -1) + (RECIPIENT.endsWith('p') ? 'q' : 'p');
    writeFileSync(w.configPath, readFileSync(w.configPath, 'utf8').replace(`quality: [${RECIPIENT}]`, `quality: [${bad}]`));
    const { code, checks } = await doctor(w, '--manager-conf', join(w.dir, 'manager.conf'));
    assert.equal(code, 1);
    const expect: Array<[string, RegExp, RegExp]> = [
      ['ami login', /login refused for callvault: Authentication failed/, /\[callvault\] section whose secret matches/],
      ['fastagi port', /in use by another process and the daemon is not running/, /ss -ltnp/],
      ['manager.conf dtmf filter', /read = all lets DTMF events \(card digits\) through/, /eventfilter\(action\(exclude\),name\(DTMFBegin\)\)/],
      ['hash key', /mode 0640: other users can read it/, /chmod 600/],
      ['age recipients', /quality: no age recipients configured for purpose quality/, /callvault keygen/],
      ['storage directory', /mode 0755: other users can enter it/, /chmod 700/],
      ['clock', /min in the future: the clock went back/, /timedatectl set-ntp true/],
    ];
    for (const [name, detail, fix] of expect) {
      const c = checks.get(name)!;
      assert.equal(c.status, 'fail', `${name}: ${c.detail}`);
      assert.match(c.detail, detail, name);
      assert.match(c.fix ?? '', fix, name);
    }
    // The same port held by a running daemon is fine.
    writeStatus(w.storage, {
      version: 1, pid: process.pid, startedAt: new Date().toISOString(), writtenAt: new Date().toISOString(), pbx: 'asterisk',
      link: { state: 'up', since: Date.now(), reconnects: 0, lastError: null }, callsInProgress: 0, recordingsInProgress: 0, archiveBacklog: 0, lastErrors: [],
    });
    const again = await doctor(w);
    assert.equal(again.checks.get('fastagi port')!.status, 'ok');
    assert.match(again.checks.get('fastagi port')!.detail, /held by the running daemon/);
    // A key too short, and a missing one.
    chmodSync(w.keyPath, 0o600);
    writeFileSync(w.keyPath, Buffer.alloc(16, 1));
    assert.match((await doctor(w)).checks.get('hash key')!.detail, /holds 16 bytes, under 32/);
  } finally {
    await ami.close();
    await new Promise((r) => busy.server.close(r));
    w.cleanup();
  }
});

const sandbox = join(repo, 'scripts/asterisk-sandbox');

function sandboxEnv(): Record<string, string> {
  if (spawnSync(sandbox, ['status'], { stdio: 'ignore' }).status !== 0) {
    const r = spawnSync(sandbox, ['start'], { encoding: 'utf8' });
    assert.equal(r.status, 0, `scripts/asterisk-sandbox start failed (the doctor e2e test needs the real Asterisk):\n${r.stderr}`);
  }
  const out = execFileSync(sandbox, ['env'], { encoding: 'utf8' });
  return Object.fromEntries(out.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

test('doctor against the real sandbox Asterisk: AMI login and its manager.conf pass; a wrong secret is refused by Asterisk', async () => {
  const env = sandboxEnv();
  const w = OpsWorld.create({ amiPort: Number(env.CALLVAULT_ASTERISK_AMI_PORT) });
  const managerConf = join(env.CALLVAULT_ASTERISK_ROOT!, 'etc/asterisk/manager.conf');
  const setSecret = (s: string) => writeFileSync(w.configPath, readFileSync(w.configPath, 'utf8')
    .replace(/username: \S+, secret: \S+,/, `username: ${env.CALLVAULT_ASTERISK_AMI_USER}, secret: ${s},`));
  try {
    setSecret(env.CALLVAULT_ASTERISK_AMI_SECRET!);
    const { checks } = await doctor(w, '--manager-conf', managerConf);
    assert.equal(checks.get('ami login')!.status, 'ok', checks.get('ami login')!.detail);
    assert.match(checks.get('ami login')!.detail, /Asterisk Call Manager\/\d/);
    assert.equal(checks.get('manager.conf dtmf filter')!.status, 'ok', checks.get('manager.conf dtmf filter')!.detail);
    setSecret('definitely-wrong');
    // Asterisk answers a refused login only after a second (its brute-force brake): the default 3 s timeout allows for it.
    const wrong = await doctor(w, '--manager-conf', managerConf, '--timeout', '3000');
    assert.equal(wrong.code, 1);
    assert.equal(wrong.checks.get('ami login')!.status, 'fail');
    assert.match(wrong.checks.get('ami login')!.detail, /login refused/);
  } finally {
    w.cleanup();
  }
});

test('doctor: a fresh install (no spool yet, no index yet) passes; the spool is for the daemon to create', async () => {
  const ami = await fakeAmi('callvault', 'test-secret');
  const w = OpsWorld.create({ amiPort: ami.port });
  const { rmdirSync, existsSync } = await import('node:fs');
  rmdirSync(w.spool); // as systemd's StateDirectory= leaves it: /var/lib/callvault only
  writeFileSync(join(w.dir, 'manager.conf'), '[callvault]\nsecret = test-secret\nread = system,call,agent,user\neventfilter(action(exclude),name(DTMFBegin)) =\neventfilter(action(exclude),name(DTMFEnd)) =\n');
  try {
    const { code, checks } = await doctor(w, '--manager-conf', join(w.dir, 'manager.conf'));
    assert.deepEqual([...checks.values()].filter((c) => c.status === 'fail'), []);
    assert.equal(code, 0);
    assert.equal(checks.get('spool directory')!.status, 'ok');
    assert.match(checks.get('spool directory')!.detail, /absent until the daemon starts, which creates it \(mode 0700\)/);
    assert.equal(existsSync(w.spool), false, 'the doctor changes nothing');
    chmodSync(w.storage, 0o500); // a parent the daemon cannot write into: the spool could not be created
    const broken = await doctor(w, '--manager-conf', join(w.dir, 'manager.conf'));
    if (process.getuid?.() !== 0) assert.equal(broken.checks.get('spool directory')!.status, 'fail');
  } finally {
    chmodSync(w.storage, 0o700);
    await ami.close();
    w.cleanup();
  }
});

test('doctor: manager.conf read once, and both of its checks say why when the AMI user\'s section is missing or the file cannot be read', async () => {
  const ami = await fakeAmi('callvault', 'test-secret');
  const w = OpsWorld.create({ amiPort: ami.port });
  w.open().close();
  writeFileSync(join(w.dir, 'manager.conf'), '[someone-else]\nsecret = x\nread = system\n');
  try {
    for (const [file, detail] of [
      [join(w.dir, 'manager.conf'), /manager\.conf has no \[callvault\] section/],
      [w.dir, /cannot read .*: EISDIR/], // a directory: read fails, whoever runs the doctor
    ] as const) {
      const { code, checks } = await doctor(w, '--manager-conf', file);
      assert.equal(code, 1);
      for (const name of ['manager.conf dtmf filter', 'manager.conf write classes']) {
        const c = checks.get(name)!;
        assert.equal(c.status, 'fail', `${name}: ${c.detail}`);
        assert.match(c.detail, detail, name);
        assert.ok((c.fix ?? '').length > 0, `${name} says how to fix it`);
      }
    }
  } finally {
    await ami.close();
    w.cleanup();
  }
});
