import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  EslFrameParser,
  classifyFrame,
  encodeCommand,
  encodeFrame,
  makeFrame,
  type EslFrame,
  type EslHeader,
} from '../../../src/pbx/freeswitch/esl-frame.js';
import { EslEvent, decodeJsonEvent, decodePlainEvent, encodeJsonEvent, encodePlainEvent, urlDecode, urlEncode } from '../../../src/pbx/freeswitch/esl-event.js';
import { isCallvaultError } from '../../../src/errors.js';

const b = (s: string) => Buffer.from(s, 'utf8');
const frameError = (e: unknown) => isCallvaultError(e, 'CV_ERR_ESL_FRAME');

function feed(parser: EslFrameParser, chunks: readonly Buffer[]): EslFrame[] {
  return chunks.flatMap((c) => parser.push(c));
}

function splitAt(buf: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => Math.min(Math.max(c, 0), buf.length)))].sort((x, y) => x - y);
  const out: Buffer[] = [];
  let from = 0;
  for (const p of points) {
    out.push(buf.subarray(from, p));
    from = p;
  }
  out.push(buf.subarray(from));
  return out;
}

const REPLY = 'Content-Type: command/reply\nReply-Text: +OK accepted\n\n';
const API = 'Content-Type: api/response\nContent-Length: 12\n\n+OK Success\n';
const EVENT_BODY = 'Event-Name: DTMF\nUnique-ID: abc\nDTMF-Digit: 5\n\n';
const EVENT = `Content-Length: ${EVENT_BODY.length}\nContent-Type: text/event-plain\n\n${EVENT_BODY}`;

test('table: what the parser returns for a stream', () => {
  const rows: Array<{ name: string; input: string; frames: Array<{ headers: EslHeader[]; body: string }> }> = [
    { name: 'one reply', input: REPLY, frames: [{ headers: [['Content-Type', 'command/reply'], ['Reply-Text', '+OK accepted']], body: '' }] },
    { name: 'a body by Content-Length', input: API, frames: [{ headers: [['Content-Type', 'api/response'], ['Content-Length', '12']], body: '+OK Success\n' }] },
    {
      name: 'several frames in one chunk',
      input: REPLY + API + EVENT,
      frames: [
        { headers: [['Content-Type', 'command/reply'], ['Reply-Text', '+OK accepted']], body: '' },
        { headers: [['Content-Type', 'api/response'], ['Content-Length', '12']], body: '+OK Success\n' },
        { headers: [['Content-Length', String(EVENT_BODY.length)], ['Content-Type', 'text/event-plain']], body: EVENT_BODY },
      ],
    },
    { name: 'a body that looks like headers is still a body', input: 'Content-Length: 5\n\na: b\n', frames: [{ headers: [['Content-Length', '5']], body: 'a: b\n' }] },
    { name: 'Content-Length: 0 is an empty body', input: 'Content-Type: text/disconnect-notice\nContent-Length: 0\n\n', frames: [{ headers: [['Content-Type', 'text/disconnect-notice'], ['Content-Length', '0']], body: '' }] },
    { name: 'stray line feeds between frames are skipped', input: `\n\n${REPLY}\r\n${REPLY}`, frames: [{ headers: [['Content-Type', 'command/reply'], ['Reply-Text', '+OK accepted']], body: '' }, { headers: [['Content-Type', 'command/reply'], ['Reply-Text', '+OK accepted']], body: '' }] },
    { name: 'CRLF line ends are tolerated', input: 'Content-Type: command/reply\r\nReply-Text: +OK\r\n\r\n', frames: [{ headers: [['Content-Type', 'command/reply'], ['Reply-Text', '+OK']], body: '' }] },
    { name: 'a value keeps everything after the first ": "', input: 'Reply-Text: +OK Job-UUID: 1: 2\n\n', frames: [{ headers: [['Reply-Text', '+OK Job-UUID: 1: 2']], body: '' }] },
    { name: 'an empty value', input: 'User-Data: \n\n', frames: [{ headers: [['User-Data', '']], body: '' }] },
    { name: 'a value with leading spaces keeps all but the first', input: 'Reply-Text:   x\n\n', frames: [{ headers: [['Reply-Text', '  x']], body: '' }] },
    { name: 'UTF-8 in a body is counted in bytes', input: 'Content-Length: 6\n\nJosé\n', frames: [{ headers: [['Content-Length', '6']], body: 'José\n' }] },
    { name: 'duplicate headers are kept in order', input: 'X: 1\nX: 2\n\n', frames: [{ headers: [['X', '1'], ['X', '2']], body: '' }] },
    { name: 'nothing yet', input: 'Content-Type: command/re', frames: [] },
  ];
  for (const row of rows) {
    const got = new EslFrameParser().push(b(row.input)).map((f) => ({ headers: [...f.headers], body: f.body.toString('utf8') }));
    assert.deepEqual(got, row.frames, row.name);
  }
});

test('table: streams the parser refuses', () => {
  const rows: Array<{ name: string; input: string | Buffer; limits?: { maxHeaderBytes?: number; maxBodyBytes?: number } }> = [
    { name: 'a line without a colon', input: 'HTTP/1.1 200 OK\n\n' },
    { name: 'an empty header name', input: ': value\n\n' },
    { name: 'a header name with a space', input: 'Content Type: x\n\n' },
    { name: 'a header name with a control byte', input: 'Content\x01Type: x\n\n' },
    { name: 'binary garbage', input: Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x0a, 0x0a]) },
    { name: 'Content-Length not a number', input: 'Content-Length: -1\n\n' },
    { name: 'Content-Length with trailing junk', input: 'Content-Length: 12 \n\n' },
    { name: 'two Content-Length', input: 'Content-Length: 1\ncontent-length: 1\n\nx' },
    { name: 'a body over the limit', input: 'Content-Length: 1025\n\n', limits: { maxBodyBytes: 1024 } },
    { name: 'a header block over the limit, unterminated', input: `X: ${'a'.repeat(2000)}`, limits: { maxHeaderBytes: 1024 } },
    { name: 'a header block over the limit, terminated', input: `X: ${'a'.repeat(2000)}\n\n`, limits: { maxHeaderBytes: 1024 } },
  ];
  for (const row of rows) {
    const input = typeof row.input === 'string' ? b(row.input) : row.input;
    assert.throws(() => new EslFrameParser(row.limits).push(input), frameError, row.name);
  }
});

test('an oversized body is refused before it is buffered', () => {
  const p = new EslFrameParser({ maxBodyBytes: 100 });
  assert.throws(() => p.push(b('Content-Length: 101\n\n')), frameError);
  assert.equal(p.buffered, 0);
});

test('every split of a stream across chunks yields the same frames (property)', () => {
  const stream = b(REPLY + API + EVENT + 'Content-Length: 6\n\nJosé\n' + REPLY);
  const whole = new EslFrameParser().push(stream);
  fc.assert(
    fc.property(fc.array(fc.nat({ max: stream.length }), { maxLength: 12 }), (cuts) => {
      const got = feed(new EslFrameParser(), splitAt(stream, cuts));
      assert.deepEqual(got, whole);
    }),
  );
  // and the extreme: one byte at a time
  const p = new EslFrameParser();
  const one: EslFrame[] = [];
  for (let i = 0; i < stream.length; i++) one.push(...p.push(stream.subarray(i, i + 1)));
  assert.deepEqual(one, whole);
  assert.equal(p.buffered, 0);
});

const headerName = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,20}$/);
const headerValue = fc.string({ maxLength: 40 }).filter((s) => !/[\r\n]/.test(s));

test('encode then parse gives the frame back, for any frame (property)', () => {
  const frameArb = fc
    .record({
      headers: fc.array(fc.tuple(headerName.filter((n) => n.toLowerCase() !== 'content-length'), headerValue), { minLength: 1, maxLength: 8 }),
      body: fc.uint8Array({ maxLength: 64 }),
    })
    .map(({ headers, body }) => makeFrame(headers as EslHeader[], Buffer.from(body)));
  fc.assert(
    fc.property(fc.array(frameArb, { minLength: 1, maxLength: 4 }), (frames) => {
      const bytes = Buffer.concat(frames.map(encodeFrame));
      const parsed = new EslFrameParser().push(bytes);
      // A value starting with a space loses nothing: only the separator space is dropped.
      assert.deepEqual(
        parsed.map((f) => ({ h: f.headers, b: [...f.body] })),
        frames.map((f) => ({ h: f.headers, b: [...f.body] })),
      );
      assert.deepEqual(Buffer.concat(parsed.map(encodeFrame)), bytes);
    }),
  );
});

test('encoding refuses what would break the framing', () => {
  const rows: Array<{ name: string; run: () => unknown }> = [
    { name: 'line break in a value', run: () => encodeFrame({ headers: [['Reply-Text', '+OK\nX: injected']], body: Buffer.alloc(0) }) },
    { name: 'CR in a value', run: () => encodeFrame({ headers: [['Reply-Text', '+OK\r']], body: Buffer.alloc(0) }) },
    { name: 'invalid name', run: () => encodeFrame({ headers: [['Bad Name', 'x']], body: Buffer.alloc(0) }) },
    { name: 'body without Content-Length', run: () => encodeFrame({ headers: [['Content-Type', 'api/response']], body: b('x') }) },
    { name: 'wrong Content-Length', run: () => encodeFrame({ headers: [['Content-Length', '2']], body: b('x') }) },
    { name: 'line break in a command', run: () => encodeCommand('api status\nexit') },
    { name: 'sendmsg header injection', run: () => encodeCommand('sendmsg', [['execute-app-arg', 'x\ncall-command: hangup']]) },
  ];
  for (const row of rows) assert.throws(row.run, frameError, row.name);
});

test('commands are encoded as mod_event_socket reads them', () => {
  const rows: Array<{ got: Buffer; want: string }> = [
    { got: encodeCommand('auth ClueCon'), want: 'auth ClueCon\n\n' },
    { got: encodeCommand('bgapi status', [['Job-UUID', 'j-1']]), want: 'bgapi status\nJob-UUID: j-1\n\n' },
    {
      got: encodeCommand('sendmsg', [['call-command', 'execute'], ['execute-app-name', 'playback'], ['execute-app-arg', '/tmp/a b.wav']]),
      want: 'sendmsg\ncall-command: execute\nexecute-app-name: playback\nexecute-app-arg: /tmp/a b.wav\n\n',
    },
    { got: encodeCommand('sendmsg u', [['content-type', 'text/plain']], 'a\nb'), want: 'sendmsg u\ncontent-type: text/plain\nContent-Length: 3\n\na\nb' },
  ];
  for (const row of rows) assert.equal(row.got.toString('utf8'), row.want);
});

test('table: URL encoding as switch_url_encode does it', () => {
  const rows: Array<[string, string]> = [
    ['+33 1 23', '%2B33%201%2023'],
    ['a:b;c=d', 'a%3Ab%3Bc%3Dd'],
    ['sofia/internal/1001@192.0.2.1', 'sofia/internal/1001%40192.0.2.1'],
    ['100%', '100%25'],
    ["it's,fine/~", "it's,fine/~"],
    ['José', 'Jos%C3%A9'],
    ['line\nbreak\r', 'line%0Abreak%0D'],
    ['tab\t', 'tab%09'],
    ['{x}|[y]^`"<>?#&\\', '%7Bx%7D%7C%5By%5D%5E%60%22%3C%3E%3F%23%26%5C'],
    ['\x7f', '%7F'],
  ];
  for (const [plain, enc] of rows) {
    assert.equal(urlEncode(plain), enc, plain);
    assert.equal(urlDecode(enc), plain, enc);
  }
  // switch_url_decode: '+' is not a space, a stray % stays, lower-case hex works
  assert.equal(urlDecode('a+b'), 'a+b');
  assert.equal(urlDecode('100%'), '100%');
  assert.equal(urlDecode('%zz%4'), '%zz%4');
  assert.equal(urlDecode('%c3%a9'), 'é');
});

test('URL encoding round-trips any string (property)', () => {
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (s) => assert.equal(urlDecode(urlEncode(s)), s)));
});

test('events: decode(encode(e)) = e in both formats (property)', () => {
  const eventArb = fc.record({
    headers: fc.array(fc.tuple(headerName.filter((n) => n !== 'Content-Length'), fc.string({ unit: 'binary', minLength: 1, maxLength: 30 })), { minLength: 1, maxLength: 10 }),
    body: fc.option(fc.string({ unit: 'binary', minLength: 1, maxLength: 60 }), { nil: null }),
  });
  fc.assert(
    fc.property(eventArb, ({ headers, body }) => {
      // JSON objects cannot hold a name twice: keep the first of each.
      const unique = headers.filter(([n], i) => headers.findIndex(([m]) => m === n) === i);
      const ev = new EslEvent([['Event-Name', 'CUSTOM'], ...unique.filter(([n]) => n !== 'Event-Name')] as EslHeader[], body);
      const plain = decodePlainEvent(encodePlainEvent(ev));
      assert.deepEqual(plain.headers, ev.headers);
      assert.equal(plain.body, ev.body);
      const json = decodeJsonEvent(encodeJsonEvent(ev));
      assert.deepEqual(json.headers, ev.headers);
      assert.equal(json.body, ev.body);
    }),
  );
});

test('event lookups are case-insensitive and keep the first of a name', () => {
  const ev = decodePlainEvent(b('Event-Name: CHANNEL_ANSWER\nUnique-ID: u1\nunique-id: u2\nvariable_foo: a%20b\n\n'));
  assert.equal(ev.name, 'CHANNEL_ANSWER');
  assert.equal(ev.uuid, 'u1');
  assert.equal(ev.get('UNIQUE-ID'), 'u1');
  assert.equal(ev.variable('foo'), 'a b');
  assert.equal(ev.get('missing'), undefined);
});

test('JSON arrays (multi-valued headers) map to ARRAY:: and back', () => {
  const json = b('{"Event-Name":"CUSTOM","variable_list":["a","b|c"]}');
  const ev = decodeJsonEvent(json);
  assert.equal(ev.get('variable_list'), 'ARRAY::a|:b|c');
  assert.equal(encodeJsonEvent(ev).toString('utf8'), '{"Event-Name":"CUSTOM","variable_list":["a","b","c"]}'.replace('["a","b","c"]', '["a","b|c"]'));
});

test('table: event bodies classifyFrame refuses', () => {
  const rows: Array<{ name: string; frame: EslFrame }> = [
    { name: 'plain without blank line', frame: makeFrame([['Content-Type', 'text/event-plain']], 'Event-Name: X\n') },
    { name: 'plain body without its Content-Length', frame: makeFrame([['Content-Type', 'text/event-plain']], 'Event-Name: X\n\nbody') },
    { name: 'plain with an empty line inside', frame: makeFrame([['Content-Type', 'text/event-plain']], 'Event-Name: X\n\n\nY: 1\n\n') },
    { name: 'json not JSON', frame: makeFrame([['Content-Type', 'text/event-json']], '{"Event-Name":') },
    { name: 'json with a number', frame: makeFrame([['Content-Type', 'text/event-json']], '{"Event-Name":"X","n":1}') },
    { name: 'json body not a string', frame: makeFrame([['Content-Type', 'text/event-json']], '{"Event-Name":"X","_body":1}') },
  ];
  for (const row of rows) assert.throws(() => classifyFrame(row.frame), frameError, row.name);
});

test('an unknown content type is a value, not an error', () => {
  assert.deepEqual(classifyFrame(makeFrame([['Content-Type', 'text/event-xml']], '<event/>')), { kind: 'unknown', contentType: 'text/event-xml' });
  assert.deepEqual(classifyFrame(makeFrame([['X', 'y']])), { kind: 'unknown', contentType: null });
});

test('fuzz: arbitrary bytes give frames or CV_ERR_ESL_FRAME, never another error (property)', () => {
  const fragments = fc.constantFrom('Content-Type: ', 'command/reply', 'text/event-plain', 'text/event-json', 'Content-Length: ', '12', '0', ': ', '\n', '\n\n', '\r\n', 'Reply-Text: +OK', '%2B', '{"Event-Name":"X"}', 'Event-Name: DTMF');
  const input = fc.oneof(
    fc.uint8Array({ maxLength: 200 }).map((u) => Buffer.from(u)),
    fc.array(fragments, { maxLength: 30 }).map((parts) => b(parts.join(''))),
  );
  fc.assert(
    fc.property(input, fc.array(fc.nat({ max: 200 }), { maxLength: 6 }), (bytes, cuts) => {
      const p = new EslFrameParser({ maxHeaderBytes: 512, maxBodyBytes: 512 });
      try {
        for (const chunk of splitAt(bytes, cuts)) {
          for (const f of p.push(chunk)) {
            try {
              classifyFrame(f);
            } catch (e) {
              assert.ok(frameError(e), String(e));
            }
          }
        }
      } catch (e) {
        assert.ok(frameError(e), String(e));
      }
    }),
    { numRuns: 2000 },
  );
});

test('a frame error describes the defect without quoting the bytes', () => {
  const rows = ['Reply-Text: ok\n4111 1111 1111 1111\n\n', 'Content-Length: 4111x\n\n', '4111111111111111 x: y\n\n'];
  for (const input of rows) {
    assert.throws(() => new EslFrameParser().push(b(input)), (e: unknown) => frameError(e) && !/4111/.test((e as Error).message), input);
  }
});
