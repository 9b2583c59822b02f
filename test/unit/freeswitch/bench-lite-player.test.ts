/**
 * The capacity bench's light FreeSWITCH (bench/freeswitch-lite-player.ts and
 * bench/support/lite-*.ts) must answer each command as mod_event_socket
 * does, in order, with the events an application's execution fires, for any
 * application the daemon may send; and keep the sandbox FreeSWITCH's event
 * weights. Each case sends commands to one connection and reads back the
 * frames as a client would (its own framing, not the adapter's parser).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodePlainEvent, type EslEvent } from '../../../src/pbx/freeswitch/esl-event.js';
import { TimerHeap } from '../../../bench/support/timer-heap.js';
import { LiteChannel, type LiteChannelHost, type LiteEvent } from '../../../bench/support/lite-channel.js';
import { LiteListener, type LiteListenerHost } from '../../../bench/support/lite-listener.js';
import { padsAt } from '../../../bench/freeswitch-lite-player.js';
import { loadShape } from '../../../bench/support/freeswitch-bench-shape.js';
import type { ApiHost } from '../../../test/support/esl-server/api.js';

const shape = loadShape();
const NOTICE = '/prompts/en/notice-mandatory.wav';

interface Frame { headers: Map<string, string>; body: string; event: EslEvent | null }

/** Frames as a client reads them: a header block to the blank line, then Content-Length bytes. */
function frames(text: string): Frame[] {
  const out: Frame[] = [];
  let buf = Buffer.from(text, 'utf8');
  for (;;) {
    const end = buf.indexOf('\n\n');
    if (end < 0) break;
    const headers = new Map(buf.subarray(0, end).toString('utf8').split('\n').map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)] as [string, string]));
    const len = headers.has('Content-Length') ? Number(headers.get('Content-Length')) : 0;
    const body = buf.subarray(end + 2, end + 2 + len);
    buf = buf.subarray(end + 2 + len);
    const ct = headers.get('Content-Type') ?? '';
    out.push({ headers, body: body.toString('utf8'), event: ct === 'text/event-plain' ? decodePlainEvent(body) : null });
  }
  return out;
}

/** What a frame says, in one short string: the reply text, the api body, or the event and its application. */
function what(f: Frame): string {
  const ct = f.headers.get('Content-Type');
  if (f.event) {
    const app = f.event.get('Application');
    const resp = f.event.get('Application-Response');
    return [f.event.name, app, resp].filter((x) => x !== undefined).join(' ');
  }
  if (ct === 'command/reply' && f.headers.has('Unique-ID')) return 'channel-data';
  if (ct === 'command/reply') return `reply ${f.headers.get('Reply-Text') ?? ''}`;
  if (ct === 'api/response') return `api ${f.body.trim()}`;
  if (ct === 'text/disconnect-notice') return `disconnect ${f.headers.get('Content-Disposition') ?? ''}`.trim();
  return ct ?? '?';
}

function rig(opts: { kind: 'inbound' | 'outbound'; parkEvent?: boolean }) {
  const timers = new TimerHeap('manual');
  const dir = mkdtempSync(join(tmpdir(), 'cv-lite-'));
  let written = '';
  let ended = false;
  const listeners: LiteListener[] = [];
  const channels = new Map<string, LiteChannel>();
  const host: LiteChannelHost & LiteListenerHost & ApiHost = {
    identity: { coreUuid: 'core', hostname: 'fs-bench', ipv4: '192.0.2.1', ipv6: '::1' },
    timers,
    frameMs: 20,
    recording: { growMs: 2000, flushGrowMs: 100 },
    fileMs: (f) => (f === NOTICE ? 4000 : f.startsWith('silence_stream://') ? Number(f.slice(17)) : null),
    fire: (_ch, ev: LiteEvent) => { for (const l of listeners) l.offer(ev); },
    channelDown: () => { for (const l of listeners) l.channelDown(); },
    password: 'ClueCon',
    api: undefined as unknown as ApiHost,
    channel: (uuid) => channels.get(uuid),
    channelList: () => [...channels.values()],
    closed: () => undefined,
    faults: { refuseMask: false },
    db: new Map(),
    version: '1.10.12',
    startedAt: Date.now(),
    sleep: async () => undefined,
  };
  (host as { api: ApiHost }).api = host;
  const ch = new LiteChannel(host, { callerNumber: '+33612345678', destination: 'bench', context: 'callvault-bench', variables: { CALLVAULT_ACTION: 'consent', CALLVAULT_LINE: 'bench' } });
  channels.set(ch.uuid, ch);
  ch.answer();
  const sink = { write: (d: string) => { written += d; }, end: () => { ended = true; } };
  const l = new LiteListener(host, sink, opts.kind === 'inbound' ? { kind: 'inbound' } : { kind: 'outbound', channel: ch, parkEvent: opts.parkEvent ?? false });
  listeners.push(l);
  const settle = () => new Promise((r) => setImmediate(r));
  return {
    ch, timers, dir, l,
    get ended() { return ended; },
    /** Sends the commands (in one chunk: the daemon pipelines), lets replies out, returns what was written since the last read. */
    async send(...cmds: string[]): Promise<Frame[]> {
      l.push(Buffer.from(cmds.join(''), 'utf8'));
      await settle();
      return this.read();
    },
    async advance(ms: number): Promise<Frame[]> {
      timers.advance(ms);
      await settle();
      return this.read();
    },
    read(): Frame[] { const f = frames(written); written = ''; return f; },
  };
}

const sendmsg = (app: string, arg: string | null, uuid: string) =>
  `sendmsg\ncall-command: execute\nexecute-app-name: ${app}\n${arg === null ? '' : `execute-app-arg: ${arg}\n`}event-lock: true\nEvent-UUID: ${uuid}\n\n`;

/** The outbound socket's commands, each with what mod_event_socket answers (replies first, then the events, in order). */
const OUTBOUND: Array<{ name: string; before?: string[]; send: string[]; expect: string[]; then?: { advance: number; expect: string[] }; vars?: Record<string, string | undefined> }> = [
  { name: 'connect: the channel data, as a command/reply', send: ['connect\n\n'], expect: ['channel-data'] },
  { name: 'myevents, then again', before: ['connect\n\n'], send: ['myevents\n\n', 'myevents\n\n'], expect: ['reply +OK Events Enabled', 'reply -ERR aready enabled.'] },
  { name: 'linger, linger <n>, nolinger', before: ['connect\n\n'], send: ['linger\n\n', 'linger 5\n\n', 'nolinger\n\n'], expect: ['reply +OK will linger', 'reply +OK will linger 5 seconds', 'reply +OK will not linger'] },
  { name: 'getvar: the value, or -ERR for an unset one', before: ['connect\n\n'], send: ['getvar CALLVAULT_LINE\n\n', 'getvar playback_terminators\n\n'], expect: ['reply bench', 'reply -ERR command not found'] },
  {
    name: 'execute set: +OK, then EXECUTE and EXECUTE_COMPLETE',
    before: ['connect\n\n', 'myevents\n\n'],
    send: [sendmsg('set', 'CALLVAULT_DECISION=record', 'a1')],
    expect: ['reply +OK', 'CHANNEL_EXECUTE set', 'CHANNEL_EXECUTE_COMPLETE set _none_'],
    vars: { CALLVAULT_DECISION: 'record' },
  },
  {
    name: 'execute multiset with ^^ and a delimiter',
    before: ['connect\n\n', 'myevents\n\n'],
    send: [sendmsg('multiset', '^^:CALLVAULT_REASON=mandatory:CALLVAULT_DECISION=record', 'a2')],
    expect: ['reply +OK', 'CHANNEL_EXECUTE multiset', 'CHANNEL_EXECUTE_COMPLETE multiset _none_'],
    vars: { CALLVAULT_REASON: 'mandatory', CALLVAULT_DECISION: 'record' },
  },
  {
    name: 'execute multiset split on spaces; unset',
    before: ['connect\n\n', 'myevents\n\n'],
    send: [sendmsg('multiset', 'a=1 b=2', 'a3'), sendmsg('unset', 'a', 'a4')],
    expect: ['reply +OK', 'reply +OK', 'CHANNEL_EXECUTE multiset', 'CHANNEL_EXECUTE_COMPLETE multiset _none_', 'CHANNEL_EXECUTE unset', 'CHANNEL_EXECUTE_COMPLETE unset _none_'],
    vars: { a: undefined, b: '2' },
  },
  {
    name: 'playback takes the prompt\'s length',
    before: ['connect\n\n', 'myevents\n\n'],
    send: [sendmsg('playback', NOTICE, 'p1')],
    expect: ['reply +OK', 'CHANNEL_EXECUTE playback'],
    then: { advance: 4000, expect: ['CHANNEL_EXECUTE_COMPLETE playback FILE PLAYED'] },
    vars: { playback_ms: '4000' },
  },
  {
    name: 'playback of a missing file: FILE NOT FOUND at once',
    before: ['connect\n\n', 'myevents\n\n'],
    send: [sendmsg('playback', '/prompts/xx/none.wav', 'p2')],
    expect: ['reply +OK', 'CHANNEL_EXECUTE playback', 'CHANNEL_EXECUTE_COMPLETE playback FILE NOT FOUND'],
  },
  {
    name: 'play_and_get_digits: the prompt, then its timeout, no digit',
    before: ['connect\n\n', 'myevents\n\n'],
    send: [sendmsg('play_and_get_digits', '1 1 1 3000 none silence_stream://10 silence_stream://250 callvault_digit ^[12]$', 'g1')],
    expect: ['reply +OK', 'CHANNEL_EXECUTE play_and_get_digits'],
    then: { advance: 3010, expect: ['CHANNEL_EXECUTE_COMPLETE play_and_get_digits _none_'] },
    vars: { callvault_digit: undefined },
  },
  {
    name: 'an application the player does not know completes at once',
    before: ['connect\n\n', 'myevents\n\n'],
    send: [sendmsg('some_future_app', 'x', 'u1')],
    expect: ['reply +OK', 'CHANNEL_EXECUTE some_future_app', 'CHANNEL_EXECUTE_COMPLETE some_future_app _none_'],
  },
  {
    name: 'pipelined: myevents, linger and three sendmsg in one write; replies in order, the queue behind a playback',
    before: ['connect\n\n'],
    send: ['myevents\n\n', 'linger\n\n', sendmsg('set', 'x=1', 'q1'), sendmsg('playback', NOTICE, 'q2'), sendmsg('set', 'y=2', 'q3')],
    expect: ['reply +OK Events Enabled', 'reply +OK will linger', 'reply +OK', 'reply +OK', 'reply +OK', 'CHANNEL_EXECUTE set', 'CHANNEL_EXECUTE_COMPLETE set _none_', 'CHANNEL_EXECUTE playback'],
    then: { advance: 4000, expect: ['CHANNEL_EXECUTE_COMPLETE playback FILE PLAYED', 'CHANNEL_EXECUTE set', 'CHANNEL_EXECUTE_COMPLETE set _none_'] },
  },
  { name: 'events only after myevents', before: ['connect\n\n'], send: [sendmsg('set', 'x=1', 'n1')], expect: ['reply +OK'] },
  { name: 'the first command, if not connect, gets no reply', send: ['myevents\n\n', 'linger\n\n'], expect: ['reply +OK will linger'] },
  { name: 'exit: +OK bye, the disconnect notice', before: ['connect\n\n'], send: ['exit\n\n'], expect: ['reply +OK bye', 'disconnect disconnect'] },
  { name: 'api on a full socket', before: ['connect\n\n'], send: ['api uuid_getvar nosuch x\n\n'], expect: ['api -ERR No such channel!'] },
];

for (const c of OUTBOUND) {
  test(`lite outbound: ${c.name}`, async () => {
    const r = rig({ kind: 'outbound' });
    if (c.before) await r.send(...c.before);
    assert.deepEqual((await r.send(...c.send)).map(what), c.expect);
    if (c.then) assert.deepEqual((await r.advance(c.then.advance)).map(what), c.then.expect);
    for (const [k, v] of Object.entries(c.vars ?? {})) assert.equal(r.ch.variables.get(k), v, k);
  });
}

test('lite outbound: Application-UUID is the sendmsg Event-UUID, on both events', async () => {
  const r = rig({ kind: 'outbound' });
  await r.send('connect\n\n', 'myevents\n\n');
  const f = await r.send(sendmsg('set', 'x=1', 'the-app-uuid'));
  assert.deepEqual(f.filter((x) => x.event).map((x) => x.event!.get('Application-UUID')), ['the-app-uuid', 'the-app-uuid']);
  assert.equal(f.find((x) => x.event)?.event?.uuid, r.ch.uuid);
});

test('lite outbound: connect carries the channel variables, Socket-Mode async, Control full', async () => {
  const r = rig({ kind: 'outbound' });
  const [data] = await r.send('connect\n\n');
  assert.equal(data!.headers.get('Socket-Mode'), 'async');
  assert.equal(data!.headers.get('Control'), 'full');
  assert.equal(data!.headers.get('Unique-ID'), r.ch.uuid);
  assert.equal(data!.headers.get('variable_CALLVAULT_ACTION'), 'consent');
  assert.equal(data!.headers.get('Channel-Caller-ID-Number'), '%2B33612345678');
});

test('lite outbound: a sendmsg to an idle parked channel runs on arrival (SIG_BREAK ends the frame read)', async () => {
  const r = rig({ kind: 'outbound' });
  await r.send('connect\n\n', 'myevents\n\n');
  assert.deepEqual((await r.send(sendmsg('set', 'x=1', 'w1'))).map(what), ['reply +OK', 'CHANNEL_EXECUTE set', 'CHANNEL_EXECUTE_COMPLETE set _none_']);
});

test('lite outbound: CHANNEL_PARK after myevents where the measured socket reported it', async () => {
  const r = rig({ kind: 'outbound', parkEvent: true });
  await r.send('connect\n\n');
  assert.deepEqual((await r.send('myevents\n\n')).map(what), ['reply +OK Events Enabled']);
  assert.deepEqual((await r.advance(20)).map(what), ['CHANNEL_PARK']);
});

test('lite outbound: a hangup while lingering: HANGUP, the running application completes, the linger notice, HANGUP_COMPLETE', async () => {
  const r = rig({ kind: 'outbound' });
  await r.send('connect\n\n', 'myevents\n\n', 'linger\n\n', sendmsg('playback', NOTICE, 'h1'));
  r.ch.hangup('NORMAL_CLEARING');
  assert.deepEqual((await r.advance(0)).map(what), ['CHANNEL_HANGUP', 'CHANNEL_EXECUTE_COMPLETE playback PLAYBACK ERROR', 'disconnect linger']);
  assert.deepEqual((await r.advance(40)).map(what), ['CHANNEL_HANGUP_COMPLETE', 'CHANNEL_DESTROY']);
});

/** The inbound link, as the daemon uses it. */
const INBOUND: Array<{ name: string; send: (uuid: string, dir: string) => string[]; expect: (uuid: string, dir: string) => string[] }> = [
  { name: 'a wrong password', send: () => ['auth nope\n\n'], expect: () => ['reply -ERR invalid', 'disconnect'] },
  { name: 'nothing before auth', send: () => ['api status\n\n'], expect: () => ['reply -ERR command not found'] },
  {
    name: 'auth and the daemon\'s subscription',
    send: () => ['auth ClueCon\n\n', 'event plain CHANNEL_HANGUP_COMPLETE RECORD_STOP CUSTOM callvault::fail_closed\n\n'],
    expect: () => ['reply +OK accepted', 'reply +OK event listener enabled plain'],
  },
  { name: 'json events are refused, loudly', send: () => ['auth ClueCon\n\n', 'event json CHANNEL_HANGUP_COMPLETE\n\n'], expect: () => ['reply +OK accepted', 'reply -ERR bench lite player: plain events only (use --fs-player sim)'] },
  { name: 'uuid_getvar: a value, _undef_', send: (u) => ['auth ClueCon\n\n', `api uuid_getvar ${u} CALLVAULT_LINE\n\n`, `api uuid_getvar ${u} CALLVAULT_PAUSE\n\n`], expect: () => ['reply +OK accepted', 'api bench', 'api _undef_'] },
  {
    name: 'uuid_record start, mask, unmask, stop; a stop of nothing',
    send: (u, d) => ['auth ClueCon\n\n', ...['start', 'mask', 'unmask', 'stop', 'stop'].map((v) => `api uuid_record ${u} ${v} ${d}/r.wav\n\n`)],
    expect: () => ['reply +OK accepted', 'api +OK Success', 'api +OK Success', 'api +OK Success', 'api +OK Success', 'api -ERR Cannot stop record session!'],
  },
  { name: 'an unknown api', send: () => ['auth ClueCon\n\n', 'api nope\n\n'], expect: () => ['reply +OK accepted', 'api -ERR nope Command not found!'] },
  { name: 'sendmsg <uuid> to a channel that does not exist', send: () => ['auth ClueCon\n\n', 'sendmsg 0000\ncall-command: hangup\n\n'], expect: () => ['reply +OK accepted', 'reply -ERR invalid session id [0000]'] },
];

for (const c of INBOUND) {
  test(`lite inbound: ${c.name}`, async () => {
    const r = rig({ kind: 'inbound' });
    assert.deepEqual((await r.advance(0)).map(what), ['auth/request']);
    assert.deepEqual((await r.send(...c.send(r.ch.uuid, r.dir))).map(what), c.expect(r.ch.uuid, r.dir));
  });
}

test('lite inbound: show channels as json lists the live channel', async () => {
  const r = rig({ kind: 'inbound' });
  await r.advance(0);
  const [, res] = await r.send('auth ClueCon\n\n', 'api show channels as json\n\n');
  const parsed = JSON.parse(res!.body) as { row_count: number; rows: Array<{ uuid: string; cid_num: string }> };
  assert.equal(parsed.row_count, 1);
  assert.equal(parsed.rows[0]!.uuid, r.ch.uuid);
});

test('lite inbound: at hangup the WAV is closed with its RIFF sizes, then RECORD_STOP, then CHANNEL_HANGUP_COMPLETE', async () => {
  const r = rig({ kind: 'inbound' });
  await r.advance(0);
  const path = join(r.dir, 'call.wav');
  await r.send('auth ClueCon\n\n', 'event plain CHANNEL_HANGUP_COMPLETE RECORD_STOP\n\n', `api uuid_record ${r.ch.uuid} start ${path}\n\n`);
  await r.advance(2500); // one append of the growing file
  await r.send(`api uuid_record ${r.ch.uuid} mask ${path}\n\n`);
  // The mask brought the file up to now: the daemon reads the pause's offset from its length.
  assert.equal(statSync(path).size, 44 + 2500 * 16);
  await r.advance(1000);
  r.ch.hangup('NORMAL_CLEARING');
  await r.advance(40);
  // Wait for the file's close (real fs writes), then read the events it released.
  let got: string[] = [];
  for (let i = 0; i < 100 && got.length < 2; i++) { await new Promise((x) => setTimeout(x, 10)); got = got.concat(r.read().map(what)); }
  assert.deepEqual(got, ['RECORD_STOP', 'CHANNEL_HANGUP_COMPLETE']);
  const wav = readFileSync(path);
  assert.equal(wav.readUInt32LE(4), wav.length - 8);
  assert.equal(wav.readUInt32LE(40), wav.length - 44);
  assert.equal(wav.length, 44 + 3540 * 16);
  // The test FreeSWITCH's tone up to the mask (its phase follows the sample index, across appends), zeros after it.
  for (const i of [1, 7, 15_999, 16_000, 16_001, 19_999]) assert.equal(wav.readInt16LE(44 + i * 2), Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 8000)), `sample ${i}`);
  assert.equal(wav.subarray(44 + 2500 * 16).every((b) => b === 0), true);
});

test('lite player: the channel carries the measured number of variables at each socket, and its events weigh what the real ones do', () => {
  for (const kind of ['consent', 'payment-enter', 'payment-exit']) {
    const real = Object.keys(shape.sockets[kind]!.sequence[0]!.vars!).length;
    const pads = padsAt(shape, kind).length;
    assert.ok(pads > 0 && pads < real, `${kind}: ${pads} pads of ${real} variables`);
  }
  const r = rig({ kind: 'inbound' });
  for (const [k, v] of padsAt(shape, 'consent')) r.ch.variables.set(k, v);
  const body = Buffer.byteLength(r.ch.render('CHANNEL_HANGUP_COMPLETE', [['Hangup-Cause', 'NORMAL_CLEARING']]));
  const realBytes = shape.inbound.eventBytesPerCall / shape.inbound.eventsPerCall;
  assert.ok(body > realBytes / 2 && body < realBytes * 2, `lite ${body} bytes vs real ${realBytes.toFixed(0)}`);
});

test('timer heap: deadline order, ties in insertion order, cancel', () => {
  const t = new TimerHeap('manual');
  const seen: string[] = [];
  t.at(30, () => seen.push('c'));
  t.at(10, () => seen.push('a'));
  const x = t.at(20, () => seen.push('x'));
  t.at(10, () => seen.push('b'));
  t.at(20, () => t.after(5, () => seen.push('d')));
  t.cancel(x);
  t.advance(100);
  assert.deepEqual(seen, ['a', 'b', 'd', 'c']);
  assert.equal(t.size, 0);
});
