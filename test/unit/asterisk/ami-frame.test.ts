import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isCallvaultError } from '../../../src/errors.js';
import { AmiParser, AmiMessage, actionHeaders, encodeMessage, encodeFrame, parseAmiStream, type AmiFrame } from '../../../src/pbx/asterisk/ami-frame.js';

const BANNER = 'Asterisk Call Manager/11.0.0\r\n';
const PING = 'Response: Success\r\nActionID: a1\r\nPing: Pong\r\nTimestamp: 1.5\r\n\r\n';

function messages(frames: AmiFrame[]): AmiMessage[] {
  return frames.flatMap((f) => (f.kind === 'message' ? [f.message] : []));
}

test('parses, table', async (t) => {
  const cases: Array<{ name: string; input: string; banner?: boolean; check: (frames: AmiFrame[]) => void }> = [
    { name: 'banner then a response in the same chunk', input: BANNER + PING, check: (f) => {
      assert.equal(f.length, 2);
      assert.deepEqual(f[0], { kind: 'banner', version: '11.0.0', line: 'Asterisk Call Manager/11.0.0' });
      assert.equal(messages(f)[0]?.get('ping'), 'Pong', 'case-insensitive get');
    } },
    { name: 'empty value keeps its key', input: 'Event: X\r\nAccountCode: \r\n\r\n', banner: false, check: (f) => {
      assert.deepEqual(messages(f)[0]?.headers, [['Event', 'X'], ['AccountCode', '']]);
    } },
    { name: 'a value with colons and a second space', input: 'Event: X\r\nData: a: b:  c\r\n\r\n', banner: false, check: (f) => {
      assert.equal(messages(f)[0]?.get('Data'), 'a: b:  c');
    } },
    { name: 'repeated keys are all kept, in order', input: 'Event: Status\r\nVariable: A=1\r\nVariable: B=2\r\n\r\n', banner: false, check: (f) => {
      assert.deepEqual(messages(f)[0]?.getAll('variable'), ['A=1', 'B=2']);
      assert.equal(messages(f)[0]?.toRecord().Variable, 'A=1');
    } },
    { name: 'LF-only line ends are read too', input: 'Response: Success\nActionID: 1\n\n', banner: false, check: (f) => {
      assert.equal(messages(f)[0]?.actionId, '1');
    } },
    { name: 'legacy Response: Follows with a raw body', input: 'Response: Follows\r\nPrivilege: Command\r\nActionID: 7\r\nline one: not a header\nline two\n--END COMMAND--\r\n\r\n', banner: false, check: (f) => {
      const m = messages(f)[0] as AmiMessage;
      assert.equal(m.kind, 'response');
      assert.equal(m.actionId, '7');
      assert.equal(m.follows, 'line one: not a header\nline two\n');
    } },
    { name: 'blank lines between messages (TestEvent ends with one) are frames of their own', input: 'Event: TestEvent\r\nState: MIXMONITOR_END\r\n\r\n\r\nEvent: X\r\n\r\n\r\n\r\nResponse: Success\r\n\r\n\r\n', banner: false, check: (f) => {
      assert.deepEqual(f.map((x) => x.kind), ['message', 'blank', 'message', 'blank', 'message', 'blank']);
      assert.deepEqual(f.filter((x) => x.kind === 'blank').map((x) => x.kind === 'blank' && x.text), ['\r\n', '\r\n\r\n', '\r\n']);
    } },
    { name: 'UTF-8 values', input: 'Event: UserEvent\r\nName: Zoë 電話\r\n\r\n', banner: false, check: (f) => {
      assert.equal(messages(f)[0]?.get('Name'), 'Zoë 電話');
    } },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      const frames = parseAmiStream(c.input, { banner: c.banner ?? true });
      c.check(frames);
      // Encoding writes CRLF; an LF-only input comes back normalised.
      const want = c.input.startsWith('Response: Success\nActionID') ? c.input.replace(/\n/g, '\r\n') : c.input;
      assert.equal(frames.map(encodeFrame).join(''), want);
    });
  }
});

test('refuses, table', async (t) => {
  const cases: Array<{ name: string; input: string; banner?: boolean; max?: number; match: RegExp; atEnd?: boolean }> = [
    { name: 'not a banner', input: 'HTTP/1.1 400 Bad Request\r\n', match: /not an AMI banner/ },
    { name: 'garbage line', input: 'Response: Success\r\nthis is not a header\r\n\r\n', banner: false, match: /line without/ },
    { name: 'a run of blank lines past the frame limit', input: '\r\n'.repeat(40), banner: false, max: 64, match: /larger than 64/ },
    { name: 'garbage after a blank line', input: 'Event: X\r\n\r\n\r\nnot a header\r\n\r\n', banner: false, match: /line without/ },
    { name: 'header name with a space first', input: ' Event: X\r\n\r\n', banner: false, match: /invalid header name/ },
    { name: 'oversized complete frame', input: `Event: X\r\nData: ${'x'.repeat(100)}\r\n\r\n`, banner: false, max: 64, match: /larger than 64/ },
    { name: 'oversized incomplete frame (no end in sight)', input: `Event: X\r\nData: ${'x'.repeat(100)}`, banner: false, max: 64, match: /larger than 64/ },
    { name: 'oversized banner line', input: 'x'.repeat(100), max: 64, match: /larger than 64/ },
    { name: 'truncated at end of stream', input: 'Event: X\r\nData: y', banner: false, match: /stream ended/, atEnd: true },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      const p = new AmiParser({ banner: c.banner ?? true, ...(c.max ? { maxFrameBytes: c.max } : {}) });
      assert.throws(() => { p.push(c.input); p.end(); }, (err: unknown) => isCallvaultError(err, 'CV_ERR_AMI_FRAME') && c.match.test(err.message));
      assert.throws(() => p.push('Event: Y\r\n\r\n'), (err: unknown) => isCallvaultError(err, 'CV_ERR_AMI_FRAME'), 'spent after an error');
    });
  }
});

test('a chunk boundary anywhere gives the same frames, including inside CRLF and UTF-8', () => {
  const input = Buffer.from(`${BANNER}${PING}\r\nEvent: UserEvent\r\nName: Zoë\r\n\r\n\r\n\r\n${PING}`, 'utf8');
  const whole = parseAmiStream(input.toString('utf8')).map(encodeFrame);
  for (let i = 0; i <= input.length; i++) {
    for (let j = i; j <= input.length; j += 7) {
      const p = new AmiParser();
      const got = [...p.push(input.subarray(0, i)), ...p.push(input.subarray(i, j)), ...p.push(input.subarray(j)), ...p.end()];
      assert.deepEqual(got.map(encodeFrame), whole, `split at ${i}/${j}`);
    }
  }
});

test('encoding an action refuses header injection', () => {
  assert.throws(() => encodeMessage(actionHeaders('Getvar', { Channel: 'x\r\nAction: Originate' })), (err: unknown) => isCallvaultError(err, 'CV_ERR_AMI_FRAME'));
  assert.throws(() => encodeMessage([['Bad:Name', 'v']]), (err: unknown) => isCallvaultError(err, 'CV_ERR_AMI_FRAME'));
  assert.equal(
    encodeMessage(actionHeaders('Originate', { Channel: 'Local/a@b', Variable: ['A=1', 'B=2'], Async: true, Timeout: undefined, Action: 'ignored' })),
    'Action: Originate\r\nChannel: Local/a@b\r\nVariable: A=1\r\nVariable: B=2\r\nAsync: true\r\n\r\n',
  );
});

test('property: parse(encode(m)) === m for any message of valid headers', () => {
  const name = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_()-]{0,15}$/);
  const value = fc.string({ maxLength: 30 }).filter((s) => !/[\r\n]/.test(s));
  fc.assert(fc.property(fc.array(fc.tuple(name, value), { minLength: 1, maxLength: 8 }), (headers) => {
    const wire = encodeMessage(headers);
    const back = parseAmiStream(wire, { banner: false });
    assert.equal(back.length, 1);
    const m = back[0];
    assert.ok(m && m.kind === 'message');
    // "Key:" with a value that starts with a space keeps it: only the separator's space is dropped.
    assert.deepEqual(m.message.headers, headers);
  }));
});

test('AmiMessage kinds', () => {
  assert.equal(new AmiMessage([['Response', 'Success']]).kind, 'response');
  assert.equal(new AmiMessage([['Event', 'Hangup']]).kind, 'event');
  assert.equal(new AmiMessage([['ActionID', '1'], ['Event', 'Hangup']]).kind, 'event');
  assert.equal(new AmiMessage([['Foo', 'bar']]).kind, 'other');
});
