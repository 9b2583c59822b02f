/**
 * The `esl` npm package (shimaore's client and server, v11) against the
 * simulated FreeSWITCH. Two purposes: a third-party client that works
 * against the simulator is evidence the simulator speaks FreeSWITCH and not
 * just "what our client expects"; and the behaviours that made us keep our
 * own code (docs/decisions.md, "FreeSWITCH Event Socket: own code, not the esl
 * package") are pinned here. If an `esl` upgrade changes one, its test fails
 * and the decision should be revisited.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FreeSwitchClient, FreeSwitchServer, once, type FreeSwitchResponse } from 'esl';
import { FakeFreeSwitch } from '../../support/esl-server/index.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function quietLogger(debugLines: string[] = []) {
  const line = (msg: string, data?: unknown) => debugLines.push(`${msg} ${JSON.stringify(data ?? {}, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`);
  return { debug: line, info: line, error: line };
}

async function withClient(fn: (call: FreeSwitchResponse, fs: FakeFreeSwitch) => Promise<void>, debugLines: string[] = [], password = 'ClueCon'): Promise<void> {
  const fs = new FakeFreeSwitch({ password });
  await fs.start();
  const client = new FreeSwitchClient({ host: '127.0.0.1', port: fs.port, password, logger: quietLogger(debugLines) });
  const connected = once(client, 'connect');
  client.connect();
  const [call] = await connected;
  try {
    await fn(call, fs);
  } finally {
    client.end();
    await fs.stop();
  }
}

test('esl client works against the simulator: auth, api, bgapi, JSON events', () =>
  withClient(async (call, fs) => {
    const status = await call.api('status', 2000);
    assert.match(String(status.body), /^UP /);
    const job = await call.bgapi('echo from a job', 2000);
    assert.equal(job.body['_body'], 'from a job');
    await call.event_json('CHANNEL_ANSWER');
    const seen = new Promise<Record<string, string | undefined>>((r) => call.on('CHANNEL_ANSWER', (m) => r(m.body)));
    const ch = fs.createChannel({ callerNumber: '+33 1 23', destination: '3000' });
    ch.answer();
    assert.equal((await seen)['Caller-Caller-ID-Number'], '+33 1 23');
  }));

test('finding: esl leaves plain-event values URL-encoded', () =>
  withClient(async (call, fs) => {
    await call.send('event plain CHANNEL_ANSWER');
    const seen = new Promise<Record<string, string | undefined>>((r) => call.on('CHANNEL_ANSWER', (m) => r(m.body)));
    fs.createChannel({ callerNumber: '+33 1 23', destination: '3000' }).answer();
    assert.equal((await seen)['Caller-Caller-ID-Number'], '%2B33%201%2023');
  }));

test('finding: esl cuts a header value at its second ": "', () =>
  withClient(async (call) => {
    const res = await call.send('filter Unique-ID a: b');
    // FreeSWITCH sent "Reply-Text: +OK filter added. [Unique-ID]=[a: b]".
    assert.equal(res.headers['Reply-Text'], '+OK filter added. [Unique-ID]=[a');
  }));

test('finding: esl hands the auth command, password included, to its debug logger', async () => {
  const lines: string[] = [];
  await withClient(async () => undefined, lines, 'Sup3r-S3cret');
  assert.ok(lines.some((l) => l.includes('Sup3r-S3cret')));
});

test('finding: esl server needs "full" (it sends "event json ALL"), and command() gives up after 1 s', async () => {
  const fs = new FakeFreeSwitch({ files: { 'ivr/short.wav': 50, 'ivr/long.wav': 1300 } });
  await fs.start();
  const errors: string[] = [];
  const results: string[] = [];
  const server = new FreeSwitchServer({ logger: quietLogger() });
  server.on('error', (e) => errors.push(String(e)));
  server.on('connection', (call) => {
    void (async () => {
      const short = await call.command('playback', 'ivr/short.wav');
      results.push(String(short.body['Application-Response']));
      await call.command('playback', 'ivr/long.wav').then(
        () => results.push('long played'),
        (e: unknown) => results.push(String(e).split(':')[0] ?? ''),
      );
      call.end();
    })();
  });
  await server.listen({ host: '127.0.0.1', port: 0 });
  const port = (server as unknown as { __server: { address(): { port: number } } }).__server.address().port;
  try {
    await fs.placeCall({ port, callerNumber: '1001', destination: '3000', socketArgs: 'async full' });
    for (let i = 0; i < 300 && results.length < 2; i++) await sleep(10);
    assert.deepEqual(results, ['FILE PLAYED', 'FreeSwitchTimeout']);
    await fs.placeCall({ port, callerNumber: '1001', destination: '3000', socketArgs: 'async' });
    for (let i = 0; i < 100 && errors.length === 0; i++) await sleep(10);
    assert.match(errors[0] ?? '', /event json ALL/);
    assert.match(errors[0] ?? '', /-ERR command not found/);
  } finally {
    // esl's close() waits for its connections to end: end them from the FreeSWITCH side first.
    await fs.stop();
    await server.close().catch(() => undefined);
  }
});
