/**
 * One test per protocol vector in test/vectors/asterisk/: good_* must parse
 * to what manifest.json says and encode back to the same bytes, whole and fed
 * one byte at a time; fail_* must be refused with the stated error. Every
 * vector file needs a manifest entry, so a new capture cannot go untested.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { isCallvaultError } from '../../../src/errors.js';
import { AmiParser, encodeFrame, type AmiFrame } from '../../../src/pbx/asterisk/ami-frame.js';
import { AgiParser, encodeItem, type AgiItem } from '../../../src/pbx/asterisk/agi-frame.js';

const dir = fileURLToPath(new URL('../../vectors/asterisk/', import.meta.url));

interface Entry {
  protocol: 'ami' | 'agi';
  source: string;
  banner?: boolean;
  maxFrameBytes?: number;
  maxEnvBytes?: number;
  maxLineBytes?: number;
  expect: {
    frames?: string[];
    count?: number;
    fields?: Record<string, Record<string, string>>;
    repeated?: Record<string, Record<string, number>>;
    items?: string[];
    env?: Record<string, unknown>;
    responses?: Record<string, Record<string, unknown>>;
    error?: string;
    match?: string;
  };
}

const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Record<string, Entry>;
const files = readdirSync(dir).filter((f) => f.endsWith('.txt')).sort();

function amiParse(text: string, e: Entry, byByte: boolean): AmiFrame[] {
  const parser = new AmiParser({ banner: e.banner ?? true, ...(e.maxFrameBytes ? { maxFrameBytes: e.maxFrameBytes } : {}) });
  const frames: AmiFrame[] = [];
  if (byByte) for (const b of Buffer.from(text, 'utf8')) frames.push(...parser.push(Buffer.from([b])));
  else frames.push(...parser.push(Buffer.from(text, 'utf8')));
  frames.push(...parser.end());
  return frames;
}

function agiParse(text: string, e: Entry, byByte: boolean): AgiItem[] {
  const parser = new AgiParser({
    ...(e.maxEnvBytes ? { maxEnvBytes: e.maxEnvBytes } : {}),
    ...(e.maxLineBytes ? { maxLineBytes: e.maxLineBytes } : {}),
  });
  const items: AgiItem[] = [];
  if (byByte) for (const b of Buffer.from(text, 'utf8')) items.push(...parser.push(Buffer.from([b])));
  else items.push(...parser.push(Buffer.from(text, 'utf8')));
  parser.end();
  return items;
}

function describeFrame(f: AmiFrame): string {
  if (f.kind === 'banner') return `banner ${f.version}`;
  if (f.kind === 'blank') return 'blank';
  const [name, value] = f.message.headers[0] ?? ['', ''];
  return `${name} ${value}`;
}

function describeItem(i: AgiItem): string {
  if (i.kind === 'env') return 'env';
  if (i.kind === 'hangup') return 'HANGUP';
  return String(i.response.code);
}

test('every vector file has a manifest entry and every entry a file', () => {
  assert.deepEqual(Object.keys(manifest).sort(), files);
  for (const f of files) assert.match(f, /^(good|fail)_(ami|agi)_[a-z0-9_]+\.txt$/);
});

for (const file of files) {
  const e = manifest[file];
  if (e === undefined) continue;
  const text = readFileSync(join(dir, file), 'utf8');

  if (file.startsWith('fail_')) {
    for (const byByte of [false, true]) {
      test(`${file}${byByte ? ' (byte by byte)' : ''}: refused`, () => {
        assert.throws(
          () => (e.protocol === 'ami' ? amiParse(text, e, byByte) : agiParse(text, e, byByte)),
          (err: unknown) => {
            assert.ok(isCallvaultError(err), `not a CallvaultError: ${String(err)}`);
            assert.equal(err.code, e.expect.error);
            if (e.expect.match) assert.match(err.message, new RegExp(e.expect.match));
            return true;
          },
        );
      });
    }
    continue;
  }

  test(`${file}: parse, check, encode, round trip`, () => {
    if (e.protocol === 'ami') {
      const frames = amiParse(text, e, false);
      if (e.expect.frames) assert.deepEqual(frames.map(describeFrame), e.expect.frames);
      if (e.expect.count !== undefined) assert.equal(frames.length, e.expect.count);
      for (const [i, fields] of Object.entries(e.expect.fields ?? {})) {
        const f = frames[Number(i)];
        assert.ok(f && f.kind === 'message', `frame ${i} is a message`);
        for (const [k, v] of Object.entries(fields)) assert.equal(f.message.get(k), v, `frame ${i} ${k}`);
      }
      for (const [i, counts] of Object.entries(e.expect.repeated ?? {})) {
        const f = frames[Number(i)];
        assert.ok(f && f.kind === 'message');
        for (const [k, n] of Object.entries(counts)) assert.equal(f.message.getAll(k).length, n, `frame ${i} ${k} count`);
      }
      assert.equal(frames.map(encodeFrame).join(''), text, 'encode(parse(x)) === x');
      assert.deepEqual(amiParse(text, e, true).map(encodeFrame), frames.map(encodeFrame), 'byte-by-byte parse gives the same frames');
    } else {
      const items = agiParse(text, e, false);
      if (e.expect.items) assert.deepEqual(items.map(describeItem), e.expect.items);
      const env = items[0];
      if (e.expect.env) {
        assert.ok(env && env.kind === 'env');
        const r = env.request;
        const view: Record<string, unknown> = { script: r.script, args: r.args, channel: r.channel, language: r.language, uniqueid: r.uniqueid, context: r.context, priority: r.priority };
        for (const [k, v] of Object.entries(e.expect.env)) assert.deepEqual(view[k], v, `env ${k}`);
      }
      for (const [i, want] of Object.entries(e.expect.responses ?? {})) {
        const item = items[Number(i)];
        assert.ok(item && item.kind === 'response', `item ${i} is a response`);
        const got = item.response as unknown as Record<string, unknown>;
        for (const [k, v] of Object.entries(want)) assert.deepEqual(got[k], v, `response ${i} ${k}`);
      }
      assert.equal(items.map(encodeItem).join(''), text, 'encode(parse(x)) === x');
      assert.deepEqual(agiParse(text, e, true).map(encodeItem), items.map(encodeItem), 'byte-by-byte parse gives the same items');
    }
  });
}
