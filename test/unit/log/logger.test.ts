import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger } from '../../../src/log/logger.js';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({ write(chunk, _enc, cb) { lines.push(String(chunk)); cb(); } });
  return { lines, logger: createLogger({ level: 'trace', destination: destination as never }) };
}

const SECRET_VALUES = ['+33612345678', '4970101234567890', 's3cr3t-ami', '0123456789'];

const shapes: Array<[string, Record<string, unknown>]> = [
  ['digits at top level', { digits: '4970101234567890' }],
  ['a single digit', { digit: '9', pressed: '9' }],
  ['caller number', { caller: '+33612345678', callerNumber: '+33612345678' }],
  ['nested AMI event', { event: { Event: 'DTMFEnd', Digit: '4', CallerIDNum: '+33612345678', Exten: '0123456789' } }],
  ['nested twice', { call: { agi: { agi_callerid: '+33612345678' } } }],
  ['secrets', { secret: 's3cr3t-ami', password: 's3cr3t-ami', config: { ami: { secret: 's3cr3t-ami' } } }],
  ['FreeSWITCH event headers', { headers: { 'Caller-Caller-ID-Number': '+33612345678', 'DTMF-Digit': '4' } }],
];

for (const [name, obj] of shapes) {
  test(`log redaction: ${name}`, () => {
    const { lines, logger } = capture();
    logger.info(obj, 'event');
    logger.child({ call: '1.2' }).warn(obj, 'child event');
    assert.equal(lines.length, 2);
    for (const line of lines) {
      for (const v of SECRET_VALUES) assert.ok(!line.includes(v), `leaked ${v} in ${line}`);
      assert.match(line, /\[redacted\]/);
    }
  });
}

test('non-sensitive fields survive', () => {
  const { lines, logger } = capture();
  logger.info({ call: '1764000000.12', recordingId: '20261128T100000Z-0badf00d', decision: 'record' }, 'consent: decided');
  assert.match(lines[0]!, /1764000000\.12/);
  assert.match(lines[0]!, /20261128T100000Z-0badf00d/);
});
