/**
 * EslConnection (inbound mode) against the simulated FreeSWITCH, plus a few
 * scripted raw servers for what the simulator would never do (garbage, a late
 * reply, silence).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { Writable } from 'node:stream';
import { EslConnection } from '../../../src/pbx/freeswitch/esl-connection.js';
import type { EslEvent } from '../../../src/pbx/freeswitch/esl-event.js';
import { isCallvaultError, type ErrorCode } from '../../../src/errors.js';
import { createLogger } from '../../../src/log/logger.js';
import { FakeFreeSwitch, MEDIA_BUG_LAG_MS } from '../../support/esl-server/index.js';

const fails = (code: ErrorCode) => (e: unknown) => isCallvaultError(e, code);

async function withFake<T>(fn: (fs: FakeFreeSwitch) => Promise<T>, options: ConstructorParameters<typeof FakeFreeSwitch>[0] = {}): Promise<T> {
  const fs = new FakeFreeSwitch({ files: { 'ivr/notice.wav': 60 }, ...options });
  await fs.start();
  try {
    return await fn(fs);
  } finally {
    await fs.stop();
  }
}

function connect(fs: FakeFreeSwitch, extra: Partial<Parameters<typeof EslConnection.connect>[0]> = {}): Promise<EslConnection> {
  return EslConnection.connect({ host: '127.0.0.1', port: fs.port, password: 'ClueCon', commandTimeoutMs: 2000, ...extra });
}

/** A TCP server that runs a script per connection, for behaviour FreeSWITCH itself never shows. */
async function rawServer(script: (socket: net.Socket) => void): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    script(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('auth: accepted, then api works', () =>
  withFake(async (fs) => {
    const c = await connect(fs);
    assert.match(await c.api('status'), /^UP /);
    assert.deepEqual(fs.pastListeners.length + fs.listeners.size, 1);
    const l = [...fs.listeners][0];
    assert.deepEqual(l?.commands, ['auth ClueCon', 'api status']);
    await c.exit();
  }));

test('table: connecting fails with the right error', async () => {
  const rows: Array<{ name: string; setup: (fs: FakeFreeSwitch) => Promise<{ port: number; password?: string; done?: () => Promise<void> }>; code: ErrorCode }> = [
    { name: 'wrong password', setup: async (fs) => ({ port: fs.port, password: 'nope' }), code: 'CV_ERR_ESL_AUTH' },
    {
      name: 'ACL rejection',
      setup: async (fs) => {
        fs.faults.rejectInbound = true;
        return { port: fs.port };
      },
      code: 'CV_ERR_ESL_CONNECT',
    },
    {
      name: 'nothing listening',
      setup: async () => {
        const s = await rawServer(() => undefined);
        await s.close();
        return { port: s.port };
      },
      code: 'CV_ERR_ESL_CONNECT',
    },
    {
      name: 'no greeting',
      setup: async () => {
        const s = await rawServer(() => undefined);
        return { port: s.port, done: s.close };
      },
      code: 'CV_ERR_ESL_TIMEOUT',
    },
    {
      name: 'an HTTP server',
      setup: async () => {
        const s = await rawServer((sock) => sock.write('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n'));
        return { port: s.port, done: s.close };
      },
      code: 'CV_ERR_ESL_FRAME',
    },
  ];
  for (const row of rows) {
    await withFake(async (fs) => {
      const { port, password, done } = await row.setup(fs);
      await assert.rejects(
        EslConnection.connect({ host: '127.0.0.1', port, password: password ?? 'ClueCon', connectTimeoutMs: 300 }),
        fails(row.code),
        row.name,
      );
      await done?.();
    });
  }
});

test('a refused password ends with FreeSWITCH closing the socket after its goodbye', () =>
  withFake(async (fs) => {
    await assert.rejects(connect(fs, { password: 'wrong' }), fails('CV_ERR_ESL_AUTH'));
    await sleep(30);
    const l = fs.pastListeners[0];
    assert.ok(l, 'the listener ended');
    const out = l.transcript.filter((t) => t.dir === 'out').map((t) => t.data).join('');
    assert.equal(out, 'Content-Type: auth/request\n\nContent-Type: command/reply\nReply-Text: -ERR invalid\n\nContent-Type: text/disconnect-notice\nContent-Length: 67\n\nDisconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n');
  }));

test('replies go to the command that asked, in order, even when they are sent together', () =>
  withFake(async (fs) => {
    const c = await connect(fs);
    const finished: string[] = [];
    const track = <T>(name: string, p: Promise<T>) => p.then((v) => (finished.push(name), v));
    const [slow, ev, one, filt, two] = await Promise.all([
      track('slow', c.api('msleep 80')),
      track('event', c.command('event plain CHANNEL_ANSWER')),
      track('one', c.api('echo one')),
      track('filter', c.command('filter Unique-ID abc')),
      track('two', c.api('echo two')),
    ]);
    assert.equal(slow, '+OK');
    assert.equal(ev.text, '+OK event listener enabled plain');
    assert.equal(one, 'one');
    assert.equal(filt.text, '+OK filter added. [Unique-ID]=[abc]');
    assert.equal(two, 'two');
    // api blocks the listener: nothing after it is answered before it.
    assert.deepEqual(finished, ['slow', 'event', 'one', 'filter', 'two']);
    await c.exit();
  }));

test('bgapi: each result reaches its caller by Job-UUID, whatever the finishing order', () =>
  withFake(async (fs) => {
    const c = await connect(fs);
    await c.subscribe('plain', ['BACKGROUND_JOB']);
    const finished: string[] = [];
    const [slow, fast] = await Promise.all([
      c.bgapi('msleep 120').then((v) => (finished.push('slow'), v)),
      c.bgapi('echo fast result').then((v) => (finished.push('fast'), v)),
    ]);
    assert.equal(slow, '+OK');
    assert.equal(fast, 'fast result');
    assert.deepEqual(finished, ['fast', 'slow']);
    // The Job-UUIDs were ours: the server used the ones we sent.
    const l = [...fs.listeners][0];
    const inbound = (l?.transcript ?? []).filter((t) => t.dir === 'in').map((t) => t.data).join('');
    const sent = inbound.split('\n\n').filter((b) => b.startsWith('bgapi')).map((b) => /Job-UUID: (\S+)/.exec(b)?.[1]);
    const fired = fs.events.filter((e) => e.name === 'BACKGROUND_JOB').map((e) => e.get('Job-UUID'));
    assert.equal(sent.length, 2);
    assert.deepEqual(new Set(fired), new Set(sent));
    await c.exit();
  }));

test('bgapi without BACKGROUND_JOB events is refused before anything is sent', () =>
  withFake(async (fs) => {
    const c = await connect(fs);
    await assert.rejects(c.bgapi('status'), fails('CV_ERR_ESL_COMMAND'));
    assert.ok(![...fs.listeners][0]?.commands.some((l) => l.startsWith('bgapi')));
    await c.exit();
  }));

test('table: events arrive decoded, plain and JSON', async () => {
  for (const format of ['plain', 'json'] as const) {
    await withFake(async (fs) => {
      const c = await connect(fs);
      await c.subscribe(format, ['CHANNEL_ANSWER']);
      const ch = fs.createChannel({ callerNumber: '+33 1 23 45 67 89', callerName: 'Zoë "Z" Smith', destination: '3000', variables: { note: 'a: b%c & d\nline two' } });
      const got = c.waitForEvent((e) => e.name === 'CHANNEL_ANSWER');
      ch.answer();
      const ev = await got.promise;
      assert.equal(ev.uuid, ch.uuid, format);
      assert.equal(ev.get('Caller-Caller-ID-Number'), '+33 1 23 45 67 89', format);
      assert.equal(ev.get('Caller-Caller-ID-Name'), 'Zoë "Z" Smith', format);
      assert.equal(ev.variable('note'), 'a: b%c & d\nline two', format);
      assert.equal(ev.get('Channel-Call-UUID'), ch.uuid, format);
      await c.exit();
    });
  }
});

test('filters and subscriptions decide what arrives', () =>
  withFake(async (fs) => {
    const c = await connect(fs);
    await c.subscribe('json', ['ALL']);
    const a = fs.createChannel({ callerNumber: '1001', destination: '1' });
    const b = fs.createChannel({ callerNumber: '1002', destination: '2' });
    await c.filter('Unique-ID', a.uuid);
    const seen: EslEvent[] = [];
    c.on('event', (e) => seen.push(e));
    b.answer();
    a.answer();
    await c.waitForEvent((e) => e.name === 'CHANNEL_ANSWER').promise;
    await sleep(20);
    assert.deepEqual(seen.map((e) => e.uuid), [a.uuid]);
    await c.noevents();
    a.hangup();
    await sleep(30);
    assert.equal(seen.filter((e) => e.name === 'CHANNEL_HANGUP').length, 0);
    await c.exit();
  }));

test('a command that never gets a reply times out, and so does everything behind it', () =>
  withFake(async (fs) => {
    const c = await connect(fs);
    fs.faults.stallOn = (line) => line.startsWith('api uuid_record');
    await assert.rejects(c.api('uuid_record x mask /tmp/a.wav', { timeoutMs: 80 }), (e: unknown) => isCallvaultError(e, 'CV_ERR_ESL_TIMEOUT') && /uuid_record/.test(e.message));
    await assert.rejects(c.api('status', { timeoutMs: 80 }), fails('CV_ERR_ESL_TIMEOUT'));
    c.close();
  }));

test('a reply that comes after its deadline is dropped, not handed to the next command', async () => {
  const server = await rawServer((s) => {
    s.write('Content-Type: auth/request\n\n');
    let n = 0;
    s.on('data', (d: Buffer) => {
      for (const line of d.toString().split('\n\n').filter(Boolean)) {
        n++;
        if (line.startsWith('auth')) s.write('Content-Type: command/reply\nReply-Text: +OK accepted\n\n');
        else if (n === 2) setTimeout(() => s.write('Content-Type: command/reply\nReply-Text: +OK first\n\n'), 120);
        else setTimeout(() => s.write('Content-Type: command/reply\nReply-Text: +OK second\n\n'), 150);
      }
    });
  });
  const c = await EslConnection.connect({ host: '127.0.0.1', port: server.port, password: 'x' });
  await assert.rejects(c.command('event plain ALL', [], { timeoutMs: 40 }), fails('CV_ERR_ESL_TIMEOUT'));
  const second = await c.command('filter a b', [], { timeoutMs: 1000 });
  assert.equal(second.text, '+OK second');
  c.close();
  await server.close();
});

test('a dropped connection ends everything pending with CV_ERR_ESL_CLOSED', () =>
  withFake(async (fs) => {
    const c = await connect(fs);
    await c.subscribe('plain', ['BACKGROUND_JOB']);
    const closed = new Promise<unknown>((r) => c.once('close', r));
    const job = c.bgapi('msleep 500', { timeoutMs: 2000 });
    const wait = c.waitForEvent(() => false, { timeoutMs: 2000 }).promise;
    await sleep(30);
    fs.dropConnections();
    await assert.rejects(job, fails('CV_ERR_ESL_CLOSED'));
    await assert.rejects(wait, fails('CV_ERR_ESL_CLOSED'));
    assert.ok(isCallvaultError(await closed, 'CV_ERR_ESL_CLOSED'));
    await assert.rejects(c.api('status'), fails('CV_ERR_ESL_CLOSED'));
    assert.equal(c.closed, true);
  }));

test('a FreeSWITCH restart: the shutdown notice, then close; a new connection sees a new Core-UUID', () =>
  withFake(async (fs) => {
    const c = await connect(fs);
    await c.subscribe('json', ['CHANNEL_CREATE']);
    const first = c.waitForEvent((e) => e.name === 'CHANNEL_CREATE');
    fs.createChannel({ callerNumber: '1', destination: '2' });
    const before = (await first.promise).get('Core-UUID');
    const reason = new Promise<unknown>((r) => c.once('close', r));
    await fs.restart(20);
    assert.ok(isCallvaultError(await reason, 'CV_ERR_ESL_CLOSED'));
    assert.deepEqual(c.lastNotice, { disposition: null, sessionUuid: null, lingerSeconds: null });
    const c2 = await connect(fs);
    await c2.subscribe('json', ['CHANNEL_CREATE']);
    const next = c2.waitForEvent((e) => e.name === 'CHANNEL_CREATE');
    fs.createChannel({ callerNumber: '1', destination: '2' });
    assert.notEqual((await next.promise).get('Core-UUID'), before);
    await c2.exit();
  }));

test('exit: +OK bye, the goodbye notice, a clean close', () =>
  withFake(async (fs) => {
    const c = await connect(fs);
    const reason = new Promise<unknown>((r) => c.once('close', r));
    await c.exit();
    assert.equal(await reason, null);
    assert.equal(c.closed, true);
  }));

test('a line break in a command or header is refused and nothing is sent', () =>
  withFake(async (fs) => {
    const c = await connect(fs);
    await assert.rejects(c.api('status\nexit'), fails('CV_ERR_ESL_COMMAND'));
    await assert.rejects(c.sendmsg('u', [['execute-app-arg', 'x\ncall-command: hangup']]), fails('CV_ERR_ESL_COMMAND'));
    assert.equal(await c.api('echo still here'), 'still here');
    assert.deepEqual([...fs.listeners][0]?.commands, ['auth ClueCon', 'api echo still here']);
    await c.exit();
  }));

test('inbound execute on a channel: completion by Application-UUID; myevents <uuid>', () =>
  withFake(async (fs) => {
    const ch = fs.createChannel({ callerNumber: '1001', destination: '3000' });
    const c = await connect(fs);
    await c.myevents('json', ch.uuid);
    const r = await c.execute(ch.uuid, 'playback', 'ivr/notice.wav');
    assert.equal(r.response, 'FILE PLAYED');
    assert.equal(r.event.get('Application'), 'playback');
    const missing = await c.execute(ch.uuid, 'playback', 'ivr/none.wav');
    assert.equal(missing.response, 'FILE NOT FOUND');
    await assert.rejects(c.execute('no-such-uuid', 'answer', undefined), (e: unknown) => isCallvaultError(e, 'CV_ERR_ESL_COMMAND') && /invalid session id/.test(e.message));
    await c.exit();
  }));

test('the payment pause on the simulator: nothing reaches the recording while masked, unless unmasked within the media bug\'s lag', async () => {
  for (const { refuse, waitBeforeUnmask } of [{ refuse: false, waitBeforeUnmask: MEDIA_BUG_LAG_MS + 20 }, { refuse: true, waitBeforeUnmask: MEDIA_BUG_LAG_MS + 20 }, { refuse: false, waitBeforeUnmask: 0 }]) {
    await withFake(async (fs) => {
      fs.faults.refuseMask = refuse;
      const ch = fs.createChannel({ callerNumber: '+33123456789', destination: '3000' });
      const c = await connect(fs);
      const path = '/var/spool/callvault/r1.wav';
      assert.equal(await c.api(`uuid_record ${ch.uuid} start ${path}`), '+OK Success\n');
      await fs.pressDigits(ch.uuid, '12', 0);
      const masked = await c.api(`uuid_record ${ch.uuid} mask ${path}`);
      assert.equal(masked.startsWith('+OK'), !refuse);
      await fs.pressDigits(ch.uuid, '4111', 0);
      ch.speak('four one one one');
      await new Promise((r) => setTimeout(r, waitBeforeUnmask));
      assert.equal(await c.api(`uuid_record ${ch.uuid} unmask ${path}`), '+OK Success\n');
      await fs.pressDigits(ch.uuid, '9', 0);
      const rec = ch.recordingHistory[0];
      assert.ok(rec);
      const digits = rec.captured.filter((s) => s.kind === 'dtmf').map((s) => (s.kind === 'dtmf' ? s.digit : '')).join('');
      if (refuse) {
        // The fault switch is real: with the mask refused, the card digits are in the file.
        assert.equal(digits, '1241119');
        assert.equal(rec.segments.length, 1);
      } else if (waitBeforeUnmask < MEDIA_BUG_LAG_MS) {
        // As the real FreeSWITCH 1.10.12 does: the mask is read when a frame is
        // written, so what was still held back at the unmask is written in clear.
        assert.equal(digits, '1241119');
        assert.ok(rec.captured.some((x) => x.kind === 'speech' && x.text.includes('four')));
      } else {
        assert.equal(digits, '129');
        assert.deepEqual(rec.segments.map((s) => s.kind), ['audio', 'silence', 'audio']);
        assert.equal(rec.segments[1]?.captured.length, 0);
        assert.equal(rec.segments[1]?.suppressed, 5);
      }
      assert.equal(await c.api(`uuid_record ${ch.uuid} mask /not/recording.wav`), '-ERR Cannot mask recording session!\n');
      await c.exit();
    });
  }
});

test('logs carry verbs, never the password, caller numbers or digits', () =>
  withFake(
    async (fs) => {
      let out = '';
      const destination = new Writable({
        write(chunk, _enc, cb) {
          out += String(chunk);
          cb();
        },
      });
      const logger = createLogger({ level: 'debug', destination });
      const ch = fs.createChannel({ callerNumber: '+33612345678', destination: '3000' });
      const c = await connect(fs, { password: 'Sup3r-S3cret', logger });
      await c.subscribe('plain', ['ALL']);
      await c.api(`uuid_setvar ${ch.uuid} card 4111111111111111`);
      await fs.pressDigits(ch.uuid, '4242', 0);
      fs.faults.stallOn = (l) => l.startsWith('api uuid_getvar');
      await assert.rejects(c.api(`uuid_getvar ${ch.uuid} card`, { timeoutMs: 50 }));
      c.close();
      assert.match(out, /esl: command/);
      for (const secret of ['Sup3r-S3cret', '+33612345678', '33612345678', '4111111111111111', '4242']) {
        assert.ok(!out.includes(secret), `log leaks ${secret}`);
      }
    },
    { password: 'Sup3r-S3cret' },
  ));
