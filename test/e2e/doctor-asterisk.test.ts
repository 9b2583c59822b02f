/**
 * `callvault doctor` against the real sandbox Asterisk: the AMI login and
 * the manager.conf DTMF filter pass with the sandbox's own settings, and a
 * wrong secret fails the run with a fix to apply.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureSandbox, sandboxEnv, writeStack, type StackFiles } from './support/call-harness.js';
import { main } from '../../src/cli/main.js';
import { BufferIo } from '../../src/cli/output.js';

let files: StackFiles;
let managerConf: string;
before(() => {
  ensureSandbox();
  files = writeStack(`
  support: { mode: sampled }`);
  managerConf = join(sandboxEnv().CALLVAULT_ASTERISK_ROOT!, 'etc/asterisk/manager.conf');
});

async function doctor(): Promise<{ code: number; checks: Array<{ name: string; status: string; detail: string; fix?: string }> }> {
  const io = new BufferIo();
  const code = await main(['node', 'callvault', 'doctor', '-c', files.configPath, '--manager-conf', managerConf, '--json', '--timeout', '3000'], io);
  return { code, checks: JSON.parse(io.stdout).checks };
}

test('doctor: the real Asterisk accepts the login, and its manager.conf keeps DTMF away', async () => {
  const r = await doctor();
  const byName = new Map(r.checks.map((c) => [c.name, c]));
  assert.equal(byName.get('ami login')?.status, 'ok', JSON.stringify(byName.get('ami login')));
  assert.match(byName.get('ami login')!.detail, /Asterisk Call Manager/);
  assert.equal(byName.get('manager.conf dtmf filter')?.status, 'ok');
  assert.equal(r.code, r.checks.some((c) => c.status === 'fail') ? 1 : 0);
});

test('doctor: a wrong AMI secret fails the run and says how to fix it', async () => {
  writeFileSync(join(files.dir, 'ami.secret'), 'not-the-secret', { mode: 0o600 });
  const r = await doctor();
  const login = r.checks.find((c) => c.name === 'ami login')!;
  assert.equal(login.status, 'fail');
  assert.ok((login.fix ?? '').length > 0, 'a fix is given');
  assert.equal(r.code, 1);
});

test("doctor: the sandbox's read = all user logs in, and doctor warns that it would hear digits", async () => {
  const wide = writeStack(`
  support: { mode: sampled }`, '', { amiUser: 'read-all' });
  const io = new BufferIo();
  await main(['node', 'callvault', 'doctor', '-c', wide.configPath, '--manager-conf', managerConf, '--json', '--timeout', '3000'], io);
  const checks = new Map((JSON.parse(io.stdout).checks as Array<{ name: string; status: string; detail: string }>).map((c) => [c.name, c]));
  assert.equal(checks.get('ami login')?.status, 'ok');
  const filter = checks.get('manager.conf dtmf filter');
  assert.ok(filter && filter.status !== 'ok', `a read = all user without filters is flagged: ${JSON.stringify(filter)}`);
});
