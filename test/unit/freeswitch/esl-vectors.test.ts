/**
 * One test per vector in test/vectors/freeswitch: parse the bytes (whole, and
 * one byte at a time), compare with the `.expect.json` beside them, encode
 * again and require the same bytes. A vector without expectations fails, so
 * the corpus cannot grow untested.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { EslFrameParser, classifyFrame, encodeFrame, getHeader, type EslFrame, type EslMessage } from '../../../src/pbx/freeswitch/esl-frame.js';
import { decodeJsonEvent, decodePlainEvent, encodeJsonEvent, encodePlainEvent } from '../../../src/pbx/freeswitch/esl-event.js';
import { isCallvaultError } from '../../../src/errors.js';

const dir = fileURLToPath(new URL('../../vectors/freeswitch/', import.meta.url));
const wires = readdirSync(dir).filter((f) => f.endsWith('.txt')).sort();

interface FrameExpect {
  kind: string;
  [k: string]: unknown;
}
interface Expect {
  source: string;
  frames?: FrameExpect[];
  error?: { stage: 'parse' | 'classify' | 'truncated'; framesBefore: number };
}

function parseAll(bytes: Buffer): EslFrame[] {
  return new EslFrameParser().push(bytes);
}

function parseByteByByte(bytes: Buffer): EslFrame[] {
  const p = new EslFrameParser();
  const out: EslFrame[] = [];
  for (let i = 0; i < bytes.length; i++) out.push(...p.push(bytes.subarray(i, i + 1)));
  return out;
}

function checkFrame(name: string, i: number, frame: EslFrame, msg: EslMessage, want: FrameExpect): void {
  const where = `${name} frame ${i}`;
  assert.equal(msg.kind, want.kind, where);
  for (const [k, v] of Object.entries(want)) {
    if (k === 'kind' || k === 'headers' || k === 'reencode' || k === 'name' || k === 'format' || k === 'body') continue;
    assert.deepEqual((msg as unknown as Record<string, unknown>)[k], v, `${where}: ${k}`);
  }
  const headers = (want.headers ?? {}) as Record<string, string>;
  if (msg.kind === 'event' || msg.kind === 'channel-data') {
    for (const [h, v] of Object.entries(headers)) assert.equal(msg.event.get(h), v, `${where}: header ${h}`);
  } else {
    for (const [h, v] of Object.entries(headers)) assert.equal(getHeader(frame.headers, h), v, `${where}: header ${h}`);
  }
  if (msg.kind === 'event') {
    assert.equal(msg.format, want.format, `${where}: format`);
    assert.equal(msg.event.name, want.name, `${where}: Event-Name`);
    assert.equal(msg.event.body, want.body ?? null, `${where}: event body`);
    if (want.reencode) {
      const again = msg.format === 'plain' ? encodePlainEvent(msg.event) : encodeJsonEvent(msg.event);
      assert.equal(again.toString('utf8'), frame.body.toString('utf8'), `${where}: event re-encodes to the same bytes`);
      const twice = msg.format === 'plain' ? decodePlainEvent(again) : decodeJsonEvent(again);
      assert.deepEqual(twice.headers, msg.event.headers, `${where}: decode(encode(event)) keeps the headers`);
    }
  }
}

test('every vector has its expectations', () => {
  const expects = new Set(readdirSync(dir).filter((f) => f.endsWith('.expect.json')).map((f) => f.replace('.expect.json', '')));
  for (const w of wires) assert.ok(expects.has(w.replace('.txt', '')), `${w} has no .expect.json`);
  assert.ok(wires.some((w) => w.startsWith('good_')) && wires.some((w) => w.startsWith('fail_')));
});

for (const file of wires) {
  const name = file.replace('.txt', '');
  test(`vector ${name}`, () => {
    const bytes = readFileSync(dir + file);
    const expect = JSON.parse(readFileSync(`${dir}${name}.expect.json`, 'utf8')) as Expect;
    assert.ok(expect.source.length > 0, 'cites its source');

    if (name.startsWith('good_')) {
      const want = expect.frames ?? [];
      const frames = parseAll(bytes);
      assert.equal(frames.length, want.length, 'frame count');
      assert.deepEqual(parseByteByByte(bytes), frames, 'byte-at-a-time parsing finds the same frames');
      frames.forEach((f, i) => checkFrame(name, i, f, classifyFrame(f), want[i] as FrameExpect));
      assert.equal(Buffer.concat(frames.map(encodeFrame)).toString('latin1'), bytes.toString('latin1'), 'parse then encode gives the same bytes');
      return;
    }

    const error = expect.error;
    assert.ok(error && name.startsWith('fail_'), 'a fail_ vector expects an error');
    const parser = new EslFrameParser();
    let frames: EslFrame[] = [];
    if (error.stage === 'parse') {
      assert.throws(() => (frames = parser.push(bytes)), (e: unknown) => isCallvaultError(e, 'CV_ERR_ESL_FRAME'));
      // The frames before the bad one are delivered when fed in pieces.
      const p2 = new EslFrameParser();
      const before: EslFrame[] = [];
      assert.throws(() => {
        for (let i = 0; i < bytes.length; i++) before.push(...p2.push(bytes.subarray(i, i + 1)));
      }, (e: unknown) => isCallvaultError(e, 'CV_ERR_ESL_FRAME'));
      assert.equal(before.length, error.framesBefore, 'frames before the error');
      assert.throws(() => parser.push(Buffer.from('Content-Type: auth/request\n\n')), 'a failed parser stays failed');
      return;
    }
    frames = parser.push(bytes);
    if (error.stage === 'truncated') {
      assert.equal(frames.length, error.framesBefore);
      assert.ok(parser.buffered > 0, 'bytes left over at end of stream');
      return;
    }
    assert.equal(frames.length, error.framesBefore + 1);
    assert.throws(() => classifyFrame(frames[error.framesBefore] as EslFrame), (e: unknown) => isCallvaultError(e, 'CV_ERR_ESL_FRAME'));
  });
}
