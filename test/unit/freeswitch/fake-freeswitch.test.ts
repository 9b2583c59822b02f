/**
 * The simulated FreeSWITCH, driven with raw bytes (no callvault client), so
 * its fidelity to mod_event_socket is checked on its own: a bug shared by the
 * client and the simulator cannot hide here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { FakeFreeSwitch, type SimChannel } from '../../support/esl-server/index.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const GOODBYE = 'Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n';

/** A raw socket with a byte buffer and "wait until the buffer holds X". */
class Wire {
  data = '';
  ended = false;
  constructor(readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => (this.data += d.toString('utf8')));
    socket.on('close', () => (this.ended = true));
    socket.on('error', () => undefined);
  }
  send(s: string): void {
    this.socket.write(s);
  }
  async until(pred: (data: string) => boolean, ms = 1000): Promise<string> {
    const end = Date.now() + ms;
    while (!pred(this.data)) {
      if (Date.now() > end) throw new Error(`timed out; have ${JSON.stringify(this.data.slice(-300))}`);
      await sleep(5);
    }
    return this.data;
  }
  take(): string {
    const d = this.data;
    this.data = '';
    return d;
  }
}

async function inbound(fs: FakeFreeSwitch): Promise<Wire> {
  const s = net.connect({ host: '127.0.0.1', port: fs.port });
  await new Promise((r) => s.once('connect', r));
  return new Wire(s);
}

/** Places a call whose socket application dials a raw server; returns the channel and the accepted wire. */
async function outbound(fs: FakeFreeSwitch, socketArgs: string): Promise<{ ch: SimChannel; wire: Wire; close: () => Promise<void> }> {
  let accepted!: (w: Wire) => void;
  const got = new Promise<Wire>((r) => (accepted = r));
  const server = net.createServer((s) => accepted(new Wire(s)));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  const ch = await fs.placeCall({ port, socketArgs, callerNumber: '+33123456789', destination: '3000' });
  const wire = await got;
  return {
    ch,
    wire,
    close: async () => {
      wire.socket.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

async function withFake(fn: (fs: FakeFreeSwitch) => Promise<void>, options: ConstructorParameters<typeof FakeFreeSwitch>[0] = {}): Promise<void> {
  const fs = new FakeFreeSwitch({ files: { 'ivr/short.wav': 40, 'ivr/long.wav': 200 }, ...options });
  await fs.start();
  try {
    await fn(fs);
  } finally {
    await fs.stop();
  }
}

const reply = (t: string) => `Content-Type: command/reply\nReply-Text: ${t}\n\n`;

test('inbound: the exact bytes of a short session', () =>
  withFake(async (fs) => {
    const w = await inbound(fs);
    assert.equal(await w.until((d) => d.endsWith('\n\n')), 'Content-Type: auth/request\n\n');
    w.take();
    const steps: Array<[string, string]> = [
      ['event plain ALL\n\n', reply('-ERR command not found')],
      ['auth ClueCon\n\n', reply('+OK accepted')],
      ['api echo hi there\n\n', 'Content-Type: api/response\nContent-Length: 8\n\nhi there'],
      ['api nosuch\n\n', 'Content-Type: api/response\nContent-Length: 31\n\n-ERR nosuch Command not found!\n'],
      ['api echo\n\n', 'Content-Type: api/response\nContent-Length: 14\n\n-ERR no reply\n'],
      ['event json CHANNEL_ANSWER DTMF\n\n', reply('+OK event listener enabled json')],
      ['event plain NOT_AN_EVENT\n\n', reply('-ERR no keywords supplied')],
      ['filter Unique-ID abc\n\n', reply('+OK filter added. [Unique-ID]=[abc]')],
      ['filter delete Unique-ID abc\n\n', reply('+OK filter deleted. [Unique-ID][abc]')],
      ['filter Unique-ID\n\n', reply('-ERR invalid syntax')],
      ['linger\n\n', reply('-ERR not controlling a session')],
      ['sendmsg\ncall-command: hangup\n\n', reply('-ERR invalid session id []')],
      ['sendmsg 1234\ncall-command: hangup\n\n', reply('-ERR invalid session id [1234]')],
      ['nixevent DTMF\n\n', reply('+OK events nixed')],
      ['noevents\n\n', reply('+OK no longer listening for events')],
      ['noevents\n\n', reply('-ERR not listening for events')],
      ['frobnicate\n\n', reply('-ERR command not found')],
      ['bgapi echo x\nJob-UUID: job-1\n\n', 'Content-Type: command/reply\nReply-Text: +OK Job-UUID: job-1\nJob-UUID: job-1\n\n'],
    ];
    for (const [cmd, want] of steps) {
      w.send(cmd);
      assert.equal(await w.until((d) => d.length >= want.length), want, cmd);
      await sleep(5);
      assert.equal(w.take(), want, `${cmd} (nothing more)`);
    }
    w.send('exit\n\n');
    const bye = reply('+OK bye') + `Content-Type: text/disconnect-notice\nContent-Length: ${GOODBYE.length}\n\n${GOODBYE}`;
    assert.equal(await w.until((d) => d.length >= bye.length), bye);
    await w.until(() => w.ended);
  }));

test('inbound: a wrong password gets -ERR invalid, the goodbye, and the socket closes', () =>
  withFake(async (fs) => {
    const w = await inbound(fs);
    await w.until((d) => d.endsWith('\n\n'));
    w.take();
    w.send('auth nope\n\n');
    await w.until(() => w.ended);
    assert.equal(w.data, reply('-ERR invalid') + `Content-Type: text/disconnect-notice\nContent-Length: 67\n\n${GOODBYE}`);
  }));

test('inbound: no first packet within the deadline → goodbye and close', () =>
  withFake(
    async (fs) => {
      const w = await inbound(fs);
      await w.until(() => w.ended, 1000);
      assert.ok(w.data.endsWith(GOODBYE));
    },
    { firstPacketTimeoutMs: 50 },
  ));

test('inbound: commands are read as read_packet reads them (CRLF, split chunks, header spacing, bodies)', () =>
  withFake(async (fs) => {
    const w = await inbound(fs);
    await w.until((d) => d.endsWith('\n\n'));
    w.take();
    for (const piece of ['au', 'th Clue', 'Con\r\n', '\r\n']) {
      w.send(piece);
      await sleep(5);
    }
    assert.equal(await w.until((d) => d.endsWith('\n\n')), reply('+OK accepted'));
    w.take();
    const ch = fs.createChannel({ callerNumber: '1', destination: '2' });
    w.send(`sendmsg ${ch.uuid}\ncall-command:    execute\nexecute-app-name: set\ncontent-type: text/plain\ncontent-length: 9\n\nfoo=a\nb c`);
    assert.equal(await w.until((d) => d.endsWith('\n\n')), reply('+OK'));
    await ch.idle();
    assert.equal(ch.variables.get('foo'), 'a\nb c');
  }));

test('outbound: the first command is processed but not answered unless it is connect', () =>
  withFake(async (fs) => {
    const { wire, ch, close } = await outbound(fs, 'async full');
    wire.send('myevents\n\n');
    await sleep(50);
    assert.equal(wire.data, '', 'no reply to a first command that is not connect');
    wire.send('connect\n\n');
    const data = await wire.until((d) => d.endsWith('\n\n'));
    assert.ok(data.startsWith('Event-Name: CHANNEL_DATA\nCore-UUID: '));
    assert.ok(data.endsWith('Content-Type: command/reply\nReply-Text: %2BOK%0A\nSocket-Mode: async\nControl: full\n\n'));
    assert.ok(data.includes('\nChannel-Caller-ID-Number: %2B33123456789\n'));
    assert.ok(data.includes(`\nUnique-ID: ${ch.uuid}\n`));
    assert.ok(data.includes('\nvariable_socket_host: 127.0.0.1\n'));
    assert.ok(!data.includes('Content-Length'));
    await close();
  }));

test('table: outbound replies by socket mode', async () => {
  const rows: Array<{ args: string; cmd: string; want: string }> = [
    { args: 'async full', cmd: 'linger', want: reply('+OK will linger') },
    { args: 'async full', cmd: 'linger 10', want: reply('+OK will linger 10 seconds') },
    { args: 'async full', cmd: 'nolinger', want: reply('+OK will not linger') },
    { args: 'async full', cmd: 'myevents', want: reply('+OK Events Enabled') },
    { args: 'async full', cmd: 'getvar sip_to_user', want: reply('3000') },
    { args: 'async full', cmd: 'getvar no_such_var', want: reply('-ERR command not found') },
    { args: 'async full', cmd: 'resume', want: reply('+OK') },
    { args: 'async full', cmd: 'api echo ok', want: 'Content-Type: api/response\nContent-Length: 2\n\nok' },
    { args: 'async', cmd: 'linger', want: reply('-ERR command not found') },
    { args: 'async', cmd: 'api echo ok', want: reply('-ERR command not found') },
    { args: 'async', cmd: 'event plain ALL', want: reply('-ERR command not found') },
    { args: 'async', cmd: 'myevents', want: reply('+OK Events Enabled') },
    { args: 'async', cmd: 'getvar sip_to_user', want: reply('3000') },
  ];
  for (const row of rows) {
    await withFake(async (fs) => {
      const { wire, close } = await outbound(fs, row.args);
      wire.send('connect\n\n');
      await wire.until((d) => d.endsWith('\n\n'));
      wire.take();
      wire.send(`${row.cmd}\n\n`);
      assert.equal(await wire.until((d) => d.length >= row.want.length), row.want, `${row.args}: ${row.cmd}`);
      await close();
    });
  }
});

const execute = (app: string, arg: string | null, lock: boolean, uuid: string) =>
  `sendmsg\ncall-command: execute\nexecute-app-name: ${app}\n${arg === null ? '' : `execute-app-arg: ${arg}\n`}${lock ? 'event-lock: true\n' : ''}Event-UUID: ${uuid}\n\n`;

test('outbound static socket: the sendmsg reply waits for the application; async replies at once', async () => {
  for (const args of ['full', 'async full']) {
    await withFake(async (fs) => {
      const { wire, close } = await outbound(fs, args);
      wire.send('connect\n\n');
      await wire.until((d) => d.endsWith('\n\n'));
      wire.take();
      const t0 = Date.now();
      wire.send(execute('playback', 'ivr/long.wav', true, 'u-1'));
      await wire.until((d) => d.includes('Reply-Text: +OK\n'));
      const elapsed = Date.now() - t0;
      if (args === 'full') assert.ok(elapsed >= 190, `static: replied after ${elapsed} ms`);
      else assert.ok(elapsed < 150, `async: replied after ${elapsed} ms`);
      await close();
    });
  }
});

test('event-lock: a sendmsg waits for the locked application; without it, it runs inside the running one', async () => {
  for (const lock of [true, false]) {
    await withFake(async (fs) => {
      const { wire, ch, close } = await outbound(fs, 'async full');
      wire.send('connect\n\n');
      await wire.until((d) => d.endsWith('\n\n'));
      wire.send(execute('playback', 'ivr/long.wav', lock, 'outer'));
      await sleep(40);
      wire.send(execute('set', 'x=1', false, 'inner'));
      await sleep(20);
      await ch.idle();
      const inner = ch.appLog.find((a) => a.appUuid === 'inner');
      const outer = ch.appLog.find((a) => a.appUuid === 'outer');
      assert.ok(inner && outer && outer.endedAt !== null && inner.endedAt !== null);
      if (lock) {
        assert.equal(inner.depth, 0);
        assert.ok(inner.startedAt >= outer.endedAt, 'ran after the playback');
      } else {
        assert.equal(inner.depth, 1, 'ran inside the playback');
        assert.ok(inner.endedAt <= outer.endedAt);
      }
      await close();
    });
  }
});

test('multiset sets and unsets as mod_dptools does (space or ^^ separator), in the order sent with the application queued behind it', async () => {
  const cases: Array<{ arg: string; want: Record<string, string | undefined> }> = [
    { arg: 'a=1 b= c=x', want: { a: '1', b: undefined, c: 'x' } },
    { arg: '^^;a=1 2;b=', want: { a: '1 2', b: undefined, c: 'old' } },
  ];
  for (const { arg, want } of cases) {
    await withFake(async (fs) => {
      const { wire, ch, close } = await outbound(fs, 'async full');
      wire.send('connect\n\n');
      await wire.until((d) => d.endsWith('\n\n'));
      ch.variables.set('b', 'old');
      ch.variables.set('c', 'old');
      // Sent in one write, as the adapter pipelines them: the playback must run after the multiset.
      wire.send(execute('multiset', arg, true, 'm') + execute('playback', 'ivr/short.wav', true, 'p'));
      await sleep(20);
      await ch.idle();
      for (const [k, v] of Object.entries(want)) assert.equal(ch.variables.get(k), v, `${arg}: ${k}`);
      const m = ch.appLog.find((a) => a.appUuid === 'm');
      const p = ch.appLog.find((a) => a.appUuid === 'p');
      assert.ok(m && p && m.endedAt !== null && p.startedAt >= m.endedAt, `${arg}: multiset ran, then the playback`);
      await close();
    });
  }
});

test('EXECUTE events carry Application-UUID and Response; an unknown application hangs up', () =>
  withFake(async (fs) => {
    const { wire, ch, close } = await outbound(fs, 'async full');
    wire.send('connect\n\n');
    await wire.until((d) => d.endsWith('\n\n'));
    wire.send('myevents plain\n\n');
    wire.send(execute('playback', 'ivr/short.wav', true, 'app-1'));
    await ch.idle();
    const complete = await fs.waitForEvent((e) => e.name === 'CHANNEL_EXECUTE_COMPLETE' && e.get('Application-UUID') === 'app-1');
    assert.equal(complete.get('Application-Response'), 'FILE PLAYED');
    assert.equal(complete.get('Application-Data'), 'ivr/short.wav');
    assert.ok(fs.events.some((e) => e.name === 'CHANNEL_EXECUTE' && e.get('Application-UUID') === 'app-1'));
    // Wait for the COMPLETE event itself on the wire: the earlier CHANNEL_EXECUTE
    // also ends with this Application-UUID, and stopping there raced the check below.
    const data = await wire.until((d) => /Event-Name: CHANNEL_EXECUTE_COMPLETE\n[^]*?Application-UUID: app-1\n\n/.test(d));
    assert.ok(data.includes('Application-Response: FILE%20PLAYED\n'), 'on the wire, URL-encoded');
    wire.send(execute('no_such_app', 'x', true, 'app-2'));
    await fs.waitForEvent((e) => e.name === 'CHANNEL_HANGUP' && e.uuid === ch.uuid);
    assert.equal(ch.hangupCause, 'DESTINATION_OUT_OF_ORDER');
    assert.ok(!fs.events.some((e) => e.get('Application-UUID') === 'app-2'));
    await close();
  }));

test('linger: after hangup the linger notice, the last events, then exit and the session goodbye', () =>
  withFake(async (fs) => {
    const { wire, ch, close } = await outbound(fs, 'async full');
    wire.send('connect\n\n');
    await wire.until((d) => d.endsWith('\n\n'));
    wire.send('myevents\n\n');
    wire.send('linger\n\n');
    await wire.until((d) => d.includes('+OK will linger'));
    wire.take();
    ch.hangup('NORMAL_CLEARING');
    const lingerNotice = `Content-Type: text/disconnect-notice\nControlled-Session-UUID: ${ch.uuid}\nContent-Disposition: linger\nChannel-Name: ${ch.name}\nLinger-Time: -1\nContent-Length: 0\n\n`;
    const data = await wire.until((d) => d.includes('Event-Name: CHANNEL_DESTROY'));
    const iHangup = data.indexOf('Event-Name: CHANNEL_HANGUP\n');
    const iNotice = data.indexOf(lingerNotice);
    const iComplete = data.indexOf('Event-Name: CHANNEL_HANGUP_COMPLETE\n');
    assert.ok(iHangup >= 0 && iNotice > iHangup && iComplete > iNotice, 'hangup, linger notice, hangup complete');
    assert.equal(wire.ended, false, 'the socket lingers');
    wire.take();
    wire.send('exit\n\n');
    await wire.until(() => wire.ended);
    assert.equal(wire.data, reply('+OK bye') + `Content-Type: text/disconnect-notice\nControlled-Session-UUID: ${ch.uuid}\nContent-Disposition: disconnect\nContent-Length: 67\n\n${GOODBYE}`);
    await close();
  }));

test('no linger: the socket closes with the goodbye once the channel is down', () =>
  withFake(async (fs) => {
    const { wire, ch, close } = await outbound(fs, 'async full');
    wire.send('connect\n\n');
    await wire.until((d) => d.endsWith('\n\n'));
    wire.send('myevents\n\n');
    await wire.until((d) => d.includes('+OK Events Enabled'));
    ch.hangup();
    await wire.until(() => wire.ended);
    assert.ok(wire.data.includes('Event-Name: CHANNEL_HANGUP\n'));
    assert.ok(wire.data.endsWith(`Content-Disposition: disconnect\nContent-Length: 67\n\n${GOODBYE}`));
    assert.ok(!wire.data.includes('CHANNEL_HANGUP_COMPLETE'), 'lost without linger');
    await close();
  }));

test('play_and_get_digits: barge-in, terminator, validation, retries', async () => {
  const rows: Array<{ name: string; press: string; at: number; args: string; want: string | undefined }> = [
    { name: 'digits then terminator', press: '1234#', at: 10, args: '1 8 1 300 # ivr/long.wav silence_stream://10 pan \\d+', want: '1234' },
    { name: 'max digits ends it', press: '12345', at: 10, args: '1 3 1 300 # ivr/long.wav silence_stream://10 pan \\d+', want: '123' },
    { name: 'regexp refuses', press: '12#', at: 10, args: '1 4 1 300 # ivr/short.wav silence_stream://10 pan 9\\d+', want: undefined },
    { name: 'nothing pressed', press: '', at: 10, args: '1 4 2 60 # ivr/short.wav silence_stream://10 pan \\d+', want: undefined },
  ];
  for (const row of rows) {
    await withFake(async (fs) => {
      const { wire, ch, close } = await outbound(fs, 'async full');
      wire.send('connect\n\n');
      await wire.until((d) => d.endsWith('\n\n'));
      wire.send(execute('play_and_get_digits', row.args, true, 'pagd'));
      await sleep(row.at);
      if (row.press) await fs.pressDigits(ch.uuid, row.press, 5);
      await fs.waitForEvent((e) => e.name === 'CHANNEL_EXECUTE_COMPLETE' && e.get('Application-UUID') === 'pagd', 3000);
      assert.equal(ch.variables.get('pan'), row.want, row.name);
      await close();
    });
  }
});

test('hangup during playback: PLAYBACK ERROR after CHANNEL_HANGUP; the queued application never runs', () =>
  withFake(async (fs) => {
    const { wire, ch, close } = await outbound(fs, 'async full');
    wire.send('connect\n\n');
    await wire.until((d) => d.endsWith('\n\n'));
    wire.send(execute('playback', 'ivr/long.wav', true, 'p1'));
    wire.send(execute('playback', 'ivr/short.wav', true, 'p2'));
    await sleep(50);
    ch.hangup('NORMAL_CLEARING');
    await fs.waitForEvent((e) => e.name === 'CHANNEL_DESTROY');
    const names = fs.events.filter((e) => e.uuid === ch.uuid).map((e) => `${e.name}${e.get('Application-UUID') ? `:${e.get('Application-UUID')}` : ''}`);
    assert.ok(names.indexOf('CHANNEL_HANGUP') < names.indexOf('CHANNEL_EXECUTE_COMPLETE:p1'));
    assert.equal(fs.events.find((e) => e.get('Application-UUID') === 'p1' && e.name === 'CHANNEL_EXECUTE_COMPLETE')?.get('Application-Response'), 'PLAYBACK ERROR');
    assert.ok(!names.some((n) => n.endsWith(':p2')), 'p2 never ran');
    assert.ok(names.indexOf('CHANNEL_EXECUTE_COMPLETE:p1') < names.indexOf('CHANNEL_HANGUP_COMPLETE'));
    await close();
  }));

test('the socket ending: the call goes on in the dialplan, or hangs up if nothing follows', async () => {
  for (const after of ['continue', 'hangup'] as const) {
    await withFake(async (fs) => {
      let accepted!: (s: net.Socket) => void;
      const got = new Promise<net.Socket>((r) => (accepted = r));
      const server = net.createServer((s) => accepted(s));
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const ch = await fs.placeCall({ port: (server.address() as net.AddressInfo).port, callerNumber: '1', destination: '2', afterSocket: after });
      const s = await got;
      s.destroy();
      await sleep(40);
      assert.equal(ch.alive, after === 'continue', after);
      await new Promise<void>((r) => server.close(() => r()));
    });
  }
});
