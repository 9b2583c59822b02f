import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isCallvaultError } from '../../../src/errors.js';
import { AgiParser, AgiRequest, encodeCommand, encodeItem, parseAgiStream, parseResponse, quoteArg } from '../../../src/pbx/asterisk/agi-frame.js';

const ENV = 'agi_network: yes\nagi_network_script: consent?x=1&y=2\nagi_channel: Local/a@b-0001;1\nagi_uniqueid: 1.0\nagi_callerid: unknown\nagi_arg_1: sales\nagi_arg_2: \n\n';

test('reply lines, table', async (t) => {
  const cases: Array<[string, { code: number; result: string; data?: string; fields?: Record<string, string>; text?: string }]> = [
    ['200 result=1', { code: 200, result: '1' }],
    ['200 result=0', { code: 200, result: '0' }],
    ['200 result=-1 endpos=0', { code: 200, result: '-1', fields: { endpos: '0' } }],
    ['200 result=57 endpos=12640', { code: 200, result: '57', fields: { endpos: '12640' } }],
    ['200 result= (timeout)', { code: 200, result: '', data: 'timeout' }],
    ['200 result=1234 (timeout)', { code: 200, result: '1234', data: 'timeout' }],
    ['200 result=1 (1795879194.0)', { code: 200, result: '1', data: '1795879194.0' }],
    ['200 result=1 (a (nested) value with spaces)', { code: 200, result: '1', data: 'a (nested) value with spaces' }],
    ['200 result=1 (x) endpos=5)', { code: 200, result: '1', data: 'x) endpos=5' }],
    ['200 result=1 ()', { code: 200, result: '1', data: '' }],
    ['510 Invalid or unknown command', { code: 510, result: '', text: 'Invalid or unknown command' }],
    ['511 Command Not Permitted on a dead channel', { code: 511, result: '', text: 'Command Not Permitted on a dead channel' }],
    ['520 Invalid command syntax.  Proper usage not available.', { code: 520, result: '', text: 'Invalid command syntax.  Proper usage not available.' }],
  ];
  for (const [line, want] of cases) {
    await t.test(line, () => {
      const r = parseResponse([line]);
      assert.equal(r.code, want.code);
      assert.equal(r.result, want.result);
      assert.equal(r.data, want.data);
      assert.deepEqual(r.fields, want.fields ?? {});
      if (want.text !== undefined) assert.equal(r.text, want.text);
    });
  }
});

test('garbage replies are refused, table', async (t) => {
  for (const line of ['result=1', '20 result=1', '200 result=1 (unclosed', '200 result=1 trailing words', 'Asterisk Call Manager/11.0.0', '']) {
    await t.test(JSON.stringify(line), () => {
      assert.throws(() => parseResponse([line]), (err: unknown) => isCallvaultError(err, 'CV_ERR_AGI_FRAME'));
    });
  }
});

test('environment: script, query, args, short names; caller "unknown" is null', () => {
  const [item] = parseAgiStream(ENV);
  assert.ok(item && item.kind === 'env');
  const r = item.request;
  assert.equal(r.script, 'consent');
  assert.equal(r.query.get('y'), '2');
  assert.deepEqual(r.args, ['sales', '']);
  assert.equal(r.get('channel'), 'Local/a@b-0001;1');
  assert.equal(r.get('agi_uniqueid'), '1.0');
  assert.equal(r.callerId, null);
  assert.equal(encodeItem(item), ENV);
});

test('a stream: env, replies, a 520 block, HANGUP; split at every byte', () => {
  const stream = `${ENV}200 result=1\n520-Invalid command syntax.  Proper usage follows:\nUsage: STREAM FILE\n  more\n520 End of proper usage.\nHANGUP\n200 result=-1\n`;
  const whole = parseAgiStream(stream);
  assert.deepEqual(whole.map((i) => (i.kind === 'response' ? i.response.code : i.kind)), ['env', 200, 520, 'hangup', 200]);
  const block = whole[2];
  assert.ok(block && block.kind === 'response');
  assert.equal(block.response.lines.length, 4);
  assert.equal(whole.map(encodeItem).join(''), stream);
  const bytes = Buffer.from(stream);
  for (let i = 0; i <= bytes.length; i++) {
    const p = new AgiParser();
    const got = [...p.push(bytes.subarray(0, i)), ...p.push(bytes.subarray(i))];
    p.end();
    assert.equal(got.map(encodeItem).join(''), stream, `split at ${i}`);
  }
});

test('limits and garbage in the environment, table', async (t) => {
  const cases: Array<[string, string, ConstructorParameters<typeof AgiParser>[0], RegExp]> = [
    ['AMI banner instead of AGI', 'Asterisk Call Manager/11.0.0\r\n', {}, /environment line/],
    ['a name that is not agi_*', 'agi_network: yes\nfoo: bar\n', {}, /invalid environment name/],
    ['an empty environment', '\n', {}, /empty environment/],
    ['oversized environment', ENV, { maxEnvBytes: 40 }, /environment larger than 40/],
    ['oversized line, complete', `${ENV}200 result=1 (${'x'.repeat(100)})\n`, { maxLineBytes: 64 }, /longer than 64/],
    ['oversized line, no newline yet', `${ENV}200 result=1 (${'x'.repeat(100)}`, { maxLineBytes: 64 }, /longer than 64/],
    ['runaway 520 block', `${ENV}520-x\n${'line\n'.repeat(300)}`, {}, /longer than 200 lines/],
  ];
  for (const [name, input, options, match] of cases) {
    await t.test(name, () => {
      const p = new AgiParser(options);
      assert.throws(() => p.push(input), (err: unknown) => isCallvaultError(err, 'CV_ERR_AGI_FRAME') && match.test(err.message));
    });
  }
});

test('commands: arguments quoted as parse_args reads them; line breaks refused', () => {
  assert.equal(encodeCommand('STREAM FILE', ['callvault/notice', '9']), 'STREAM FILE "callvault/notice" "9"\n');
  assert.equal(encodeCommand('GET DATA', ['f', 3000, 1]), 'GET DATA "f" 3000 1\n');
  assert.equal(quoteArg('a "b" \\c'), '"a \\"b\\" \\\\c"');
  assert.equal(quoteArg(''), '""');
  for (const bad of ['x\nHANGUP', 'x\r', 'x\0']) assert.throws(() => quoteArg(bad), (err: unknown) => isCallvaultError(err, 'CV_ERR_AGI_FRAME'));
  assert.throws(() => encodeCommand('exec; rm', []), (err: unknown) => isCallvaultError(err, 'CV_ERR_AGI_FRAME'));
});

test('property: quoteArg is undone by a parse_args-style reader', () => {
  // The reader below follows res_agi.c parse_args for one quoted word.
  const unquote = (s: string): string => {
    let out = '';
    let escaped = false;
    for (const ch of s.slice(1, -1)) {
      if (escaped) { out += ch; escaped = false; } else if (ch === '\\') escaped = true; else out += ch;
    }
    return out;
  };
  fc.assert(fc.property(fc.string().filter((s) => !/[\r\n\0]/.test(s)), (s) => {
    assert.equal(unquote(quoteArg(s)), s);
  }));
});

test('AgiRequest without a script or args', () => {
  const r = new AgiRequest([['agi_request', 'agi://h']]);
  assert.equal(r.script, '');
  assert.deepEqual(r.args, []);
});
