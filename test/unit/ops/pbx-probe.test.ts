import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { probeAmi, probeEsl } from '../../../src/ops/pbx-probe.js';
import { fakeAmi, fakeEsl, type FakeMode } from '../../support/fake-pbx-servers.js';

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

const amiCases: Array<[name: string, mode: FakeMode, secret: string, ok: boolean, stage: string, detail: RegExp]> = [
  ['good login', 'normal', 's3cret', true, 'done', /logged in as callvault \(Asterisk Call Manager\/9\.0\.0\)/],
  ['wrong secret', 'normal', 'wrong', false, 'login', /login refused for callvault: Authentication failed/],
  ['silent server', 'silent', 's3cret', false, 'login', /no answer within 300 ms/],
  ['not an AMI', 'not-the-protocol', 's3cret', false, 'connect', /not an Asterisk Manager Interface/],
];

for (const [name, mode, secret, ok, stage, detail] of amiCases) {
  test(`AMI probe: ${name}`, async () => {
    const server = await fakeAmi('callvault', 's3cret', mode);
    try {
      const r = await probeAmi({ host: '127.0.0.1', port: server.port, username: 'callvault', secret, timeoutMs: 300 });
      assert.equal(r.ok, ok, r.detail);
      assert.equal(r.stage, stage);
      assert.match(r.detail, detail);
      assert.doesNotMatch(r.detail, /s3cret|wrong/, 'the secret is never in a message');
    } finally {
      await server.close();
    }
  });
}

test('AMI probe: nothing listening is a connect failure', async () => {
  const r = await probeAmi({ host: '127.0.0.1', port: await freePort(), username: 'u', secret: 's', timeoutMs: 1000 });
  assert.equal(r.ok, false);
  assert.equal(r.stage, 'connect');
  assert.match(r.detail, /ECONNREFUSED/);
});

const eslCases: Array<[name: string, mode: FakeMode, password: string, ok: boolean, detail: RegExp]> = [
  ['good password', 'normal', 'ClueCon', true, /authenticated/],
  ['wrong password', 'normal', 'nope', false, /authentication refused: -ERR invalid/],
  ['silent server', 'silent', 'ClueCon', false, /no answer within 300 ms/],
  ['not an event socket', 'not-the-protocol', 'ClueCon', false, /not a FreeSWITCH Event Socket/],
];

for (const [name, mode, password, ok, detail] of eslCases) {
  test(`Event Socket probe: ${name}`, async () => {
    const server = await fakeEsl('ClueCon', mode);
    try {
      const r = await probeEsl({ host: '127.0.0.1', port: server.port, password, timeoutMs: 300 });
      assert.equal(r.ok, ok, r.detail);
      assert.match(r.detail, detail);
    } finally {
      await server.close();
    }
  });
}
