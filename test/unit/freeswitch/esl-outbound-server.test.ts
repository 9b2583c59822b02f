/**
 * EslOutboundServer and EslOutboundSession against calls placed by the
 * simulated FreeSWITCH's `socket` application.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { EslOutboundServer, type EslOutboundSession } from '../../../src/pbx/freeswitch/esl-outbound-server.js';
import { isCallvaultError, type ErrorCode } from '../../../src/errors.js';
import { FakeFreeSwitch, type SimChannel } from '../../support/esl-server/index.js';

const fails = (code: ErrorCode) => (e: unknown) => isCallvaultError(e, code);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Harness {
  fs: FakeFreeSwitch;
  server: EslOutboundServer;
  port: number;
  call(opts?: { socketArgs?: string; callerNumber?: string }): Promise<SimChannel>;
}

/**
 * Runs `handler` for each call; the test body drives the calls and gets the
 * handler's outcome per call.
 */
async function harness(
  handler: (s: EslOutboundSession) => Promise<void>,
  body: (h: Harness, outcomes: Array<Promise<unknown>>) => Promise<void>,
  commandTimeoutMs = 2000,
): Promise<void> {
  const fs = new FakeFreeSwitch({ files: { 'ivr/notice.wav': 40, 'ivr/long.wav': 400, 'ivr/ask.wav': 60 } });
  await fs.start();
  const outcomes: Array<Promise<unknown>> = [];
  const server = new EslOutboundServer({
    host: '127.0.0.1',
    port: 0,
    commandTimeoutMs,
    handler: (s) => {
      const p = handler(s);
      outcomes.push(p.then(() => 'ok', (e: unknown) => e));
      return p;
    },
  });
  const { port } = await server.listen();
  const h: Harness = {
    fs,
    server,
    port,
    call: (o = {}) => fs.placeCall({ port, callerNumber: o.callerNumber ?? '+33123456789', destination: '3000', socketArgs: o.socketArgs ?? 'async full' }),
  };
  try {
    await body(h, outcomes);
  } finally {
    await server.close();
    await fs.stop();
  }
}

async function settled(outcomes: Array<Promise<unknown>>, n = 1): Promise<unknown[]> {
  for (let i = 0; i < 200 && outcomes.length < n; i++) await sleep(5);
  return Promise.all(outcomes);
}

test('connect gives the channel data, decoded; the session runs applications and reads variables', async () => {
  const seen: Record<string, unknown> = {};
  await harness(
    async (s) => {
      const ch = await s.connect();
      seen.channel = { uuid: ch.uuid, callUuid: ch.callUuid, caller: ch.callerNumber, dest: ch.destinationNumber, mode: ch.socketMode, control: ch.control, host: ch.event.variable('socket_host') };
      assert.equal(s.state.kind, 'connected');
      await s.myevents('json');
      seen.answer = (await s.execute('answer')).response;
      seen.play = (await s.execute('playback', 'ivr/notice.wav')).response;
      seen.missing = (await s.execute('playback', 'ivr/nope.wav')).response;
      await s.execute('set', 'note=line one\nline two');
      seen.unset = await s.getvar('never_set');
      seen.dest = await s.getvar('destination_number');
      // FreeSWITCH writes getvar's value raw into Reply-Text: a line break breaks the framing.
      seen.note = await s.getvar('note').catch((e: unknown) => e);
      seen.closedAfter = s.connection.closed;
    },
    async (h, outcomes) => {
      const ch = await h.call();
      assert.deepEqual(await settled(outcomes), ['ok']);
      assert.deepEqual(seen.channel, { uuid: ch.uuid, callUuid: ch.uuid, caller: '+33123456789', dest: '3000', mode: 'async', control: 'full', host: '127.0.0.1' });
      assert.equal(seen.answer, '_none_');
      assert.equal(seen.play, 'FILE PLAYED');
      assert.equal(seen.missing, 'FILE NOT FOUND');
      assert.equal(ch.variables.get('note'), 'line one\nline two', 'the body form sets a value with a line break intact');
      assert.ok(isCallvaultError(seen.note, 'CV_ERR_ESL_FRAME'), 'but getvar cannot read it back: the reply breaks the framing');
      assert.equal(seen.closedAfter, true, 'and the connection is dropped, never read out of step');
      assert.equal(seen.unset, null);
      assert.equal(seen.dest, '3000');
      assert.ok(ch.answered);
    },
  );
});

test('digits during play_and_get_digits: dtmf events, and the result in the completion event', async () => {
  const digits: string[] = [];
  let result: string | undefined;
  await harness(
    async (s) => {
      const ch = await s.connect();
      await s.myevents('plain');
      s.on('dtmf', (d) => digits.push(d));
      const r = await s.execute('play_and_get_digits', '1 4 1 500 # ivr/ask.wav silence_stream://10 consent_key \\d', { timeoutMs: 3000 });
      result = r.event.variable('consent_key');
      void ch;
    },
    async (h, outcomes) => {
      const ch = await h.call();
      await sleep(30);
      await h.fs.pressDigits(ch.uuid, '1#', 5);
      assert.deepEqual(await settled(outcomes), ['ok']);
      assert.deepEqual(digits, ['1', '#']);
      assert.equal(result, '1');
    },
  );
});

test('hangup with linger: state hungup, the application running completes, the queued one ends CV_ERR_ESL_CLOSED', async () => {
  const seen: Record<string, unknown> = {};
  await harness(
    async (s) => {
      await s.connect();
      await s.myevents();
      await s.linger();
      const hung = new Promise((r) => s.once('hangup', r));
      const complete = s.connection.waitForEvent((e) => e.name === 'CHANNEL_HANGUP_COMPLETE', { timeoutMs: 2000 });
      const running = s.execute('playback', 'ivr/long.wav', { timeoutMs: 3000 });
      const queued = s.execute('playback', 'ivr/notice.wav', { timeoutMs: 3000 });
      seen.cause = await hung;
      seen.running = (await running).response;
      seen.queued = await queued.then(
        () => 'resolved',
        (e: unknown) => e,
      );
      seen.stateAfter = s.state.kind;
      seen.afterHangup = await s.execute('playback', 'ivr/notice.wav').catch((e: unknown) => e);
      seen.complete = (await complete.promise).get('Hangup-Cause');
      seen.notice = s.connection.lastNotice?.disposition;
    },
    async (h, outcomes) => {
      const ch = await h.call();
      await sleep(60);
      ch.hangup('USER_BUSY');
      assert.deepEqual(await settled(outcomes), ['ok']);
      assert.equal(seen.cause, 'USER_BUSY');
      assert.equal(seen.running, 'PLAYBACK ERROR');
      assert.ok(isCallvaultError(seen.queued, 'CV_ERR_ESL_CLOSED'));
      assert.equal(seen.stateAfter, 'hungup');
      assert.ok(isCallvaultError(seen.afterHangup, 'CV_ERR_ESL_CLOSED'), 'nothing is sent for a call that is gone');
      assert.equal(seen.complete, 'USER_BUSY');
      assert.equal(seen.notice, 'linger');
      await sleep(30);
      assert.equal(h.server.activeSessions, 0, 'the server sent exit and the socket closed');
    },
  );
});

test('table: what an outbound session refuses', async () => {
  const rows: Array<{ name: string; socketArgs: string; run: (s: EslOutboundSession) => Promise<unknown>; code: ErrorCode; timeoutMs?: number }> = [
    { name: 'linger without full', socketArgs: 'async', run: async (s) => (await s.connect(), s.linger()), code: 'CV_ERR_ESL_COMMAND' },
    { name: 'execute before connect', socketArgs: 'async full', run: (s) => s.execute('answer'), code: 'CV_ERR_ESL_COMMAND' },
    { name: 'execute without events', socketArgs: 'async full', run: async (s) => (await s.connect(), s.execute('answer')), code: 'CV_ERR_ESL_COMMAND' },
    { name: 'connect twice', socketArgs: 'async full', run: async (s) => (await s.connect(), s.connect()), code: 'CV_ERR_ESL_COMMAND' },
    { name: 'an application outliving its deadline', socketArgs: 'async full', run: async (s) => (await s.connect(), await s.myevents(), s.execute('playback', 'ivr/long.wav', { timeoutMs: 80 })), code: 'CV_ERR_ESL_TIMEOUT' },
    {
      name: 'a static socket: the sendmsg reply waits for the application',
      socketArgs: 'full',
      run: async (s) => (await s.connect(), await s.myevents(), s.execute('playback', 'ivr/long.wav', { timeoutMs: 100 })),
      code: 'CV_ERR_ESL_TIMEOUT',
    },
    { name: 'an unknown application hangs the call up', socketArgs: 'async full', run: async (s) => (await s.connect(), await s.myevents(), s.execute('no_such_app', 'x')), code: 'CV_ERR_ESL_CLOSED' },
    { name: 'a bad variable name', socketArgs: 'async full', run: async (s) => (await s.connect(), s.getvar('a b')), code: 'CV_ERR_ESL_COMMAND' },
  ];
  for (const row of rows) {
    let err: unknown = 'no error';
    await harness(
      async (s) => {
        try {
          await row.run(s);
        } catch (e) {
          err = e;
        }
      },
      async (h, outcomes) => {
        await h.call({ socketArgs: row.socketArgs });
        await settled(outcomes);
        assert.ok(fails(row.code)(err), `${row.name}: got ${String(err)}`);
      },
    );
  }
});

test('a channel data reply on a single-channel socket says so', async () => {
  let control = '';
  await harness(
    async (s) => {
      control = (await s.connect()).control;
    },
    async (h, outcomes) => {
      await h.call({ socketArgs: 'async' });
      await settled(outcomes);
      assert.equal(control, 'single-channel');
    },
  );
});

test('two calls at once: each session sees only its own channel', async () => {
  const perCall = new Map<string, string[]>();
  await harness(
    async (s) => {
      const ch = await s.connect();
      await s.myevents();
      const names: string[] = [];
      perCall.set(ch.uuid, names);
      s.on('event', (e) => names.push(`${e.name}:${e.uuid === ch.uuid ? 'own' : 'other'}`));
      await s.execute('answer');
      await s.execute('playback', 'ivr/notice.wav');
    },
    async (h, outcomes) => {
      const [a, b] = await Promise.all([h.call({ callerNumber: '1001' }), h.call({ callerNumber: '1002' })]);
      assert.deepEqual(await settled(outcomes, 2), ['ok', 'ok']);
      for (const ch of [a, b]) {
        const names = perCall.get(ch.uuid) ?? [];
        assert.ok(names.length >= 4, `${ch.uuid}: ${names.join(',')}`);
        assert.ok(names.every((n) => n.endsWith(':own')));
      }
    },
  );
});

test('a failing handler closes its call, and the server keeps taking calls', async () => {
  let n = 0;
  await harness(
    async (s) => {
      const mine = ++n;
      await s.connect();
      if (mine === 1) throw new Error('handler bug');
    },
    async (h, outcomes) => {
      await h.call();
      await h.call();
      const results = await settled(outcomes, 2);
      assert.deepEqual(results.map((r) => (r instanceof Error ? r.message : r)).sort(), ['handler bug', 'ok']);
      await sleep(30);
      assert.equal(h.server.activeSessions, 0);
      assert.equal(h.fs.listeners.size, 0, 'both sockets closed');
    },
  );
});

test('listening on a taken port is CV_ERR_ESL_LISTEN', async () => {
  const blocker = net.createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  const port = (blocker.address() as net.AddressInfo).port;
  const server = new EslOutboundServer({ host: '127.0.0.1', port, handler: async () => undefined });
  await assert.rejects(server.listen(), fails('CV_ERR_ESL_LISTEN'));
  await new Promise<void>((r) => blocker.close(() => r()));
});

test('closing the server ends the calls in progress', async () => {
  let reason: unknown = 'not closed';
  await harness(
    async (s) => {
      await s.connect();
      await s.myevents();
      await new Promise((r) => s.once('close', (why) => r((reason = why))));
    },
    async (h) => {
      await h.call();
      await sleep(40);
      assert.equal(h.server.activeSessions, 1);
      await h.server.close();
      await sleep(20);
      assert.ok(isCallvaultError(reason, 'CV_ERR_ESL_CLOSED'));
      assert.equal(h.server.activeSessions, 0);
    },
  );
});
