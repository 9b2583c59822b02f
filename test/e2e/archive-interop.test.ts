/**
 * Interop with the reference tools: what we write must pass opusinfo, decode
 * with opusdec to the source's duration (within 20 ms), and decrypt with
 * `age -d -i`; we must decrypt what `age -r` wrote, and our CRC must agree
 * with the pages opusenc writes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Archiver } from '../../src/archive/archiver.js';
import { decryptStream, encryptIdentityFile, loadIdentities } from '../../src/archive/age-crypto.js';
import { encodeOggPage } from '../../src/archive/ogg-writer.js';
import { oggPages } from '../../src/archive/ogg-reader.js';
import { fileWebStream } from '../../src/archive/recording-reader.js';
import { RecordingIndex } from '../../src/index/index.js';
import { hasher, metadata, recordingId, RETENTION, tempDir } from '../unit/archive/fixtures.js';
import { requireBinary, run, soxDuration, soxTone } from './archive-support.js';

async function* once(b: Buffer) { yield b; }

function ageKey(dir: string, name: string): { file: string; recipient: string } {
  const file = join(dir, name);
  const { stderr } = run('age-keygen', ['-o', file]);
  const recipient = /age1[0-9a-z]+/.exec(stderr + readFileSync(file, 'utf8'))![0];
  return { file, recipient };
}

test('archived recordings pass opusinfo, decode with opusdec to the source duration, and decrypt with age -d', async () => {
  const d = tempDir();
  try {
    const spool = join(d.path, 'spool');
    const storage = join(d.path, 'storage');
    mkdirSync(spool);
    const key = ageKey(d.path, 'key.txt');
    const cases = [
      { name: '8 kHz mono', rate: 8000, seconds: 3.37, freqs: [440] },
      { name: '8 kHz stereo', rate: 8000, seconds: 2.5, freqs: [440, 1000] },
      { name: '16 kHz mono', rate: 16000, seconds: 1.234, freqs: [300] },
      { name: '44.1 kHz mono (resampled)', rate: 44100, seconds: 1.01, freqs: [300] },
    ];
    const ids = new Map<string, (typeof cases)[number]>();
    for (const c of cases) {
      const id = recordingId();
      soxTone(join(spool, `${id}.wav`), c.rate, c.seconds, c.freqs);
      writeFileSync(join(spool, `${id}.json`), JSON.stringify(metadata(id, { channels: c.freqs.length as 1 | 2 })));
      ids.set(id, c);
    }
    const a = new Archiver({ spoolDir: spool, storageDir: storage, recipientsByPurpose: { quality: [key.recipient] }, hasher, retentionDays: RETENTION });
    const r = await a.processOnce();
    await a.close();
    assert.equal(r.archived.length, cases.length, JSON.stringify(r.failed));
    const index = RecordingIndex.open(join(storage, 'index.sqlite'));
    for (const [id, c] of ids) {
      const row = index.getRecording(id)!;
      const opus = join(d.path, `${id}.opus`);
      run('age', ['-d', '-i', key.file, '-o', opus, join(storage, row.file)]);
      const oi = run('opusinfo', [opus]);
      const info = oi.stdout + oi.stderr;
      assert.doesNotMatch(info, /WARNING|ERROR/i, `${c.name}: opusinfo complains:\n${info}`);
      assert.match(info, new RegExp(`Channels: ${c.freqs.length}`), c.name);
      assert.match(info, new RegExp(`Original sample rate: ${c.rate} Hz`), c.name);
      assert.match(info, /CALLVAULT_CALLER=\+33123456789/, 'caller in clear inside the encrypted file');
      const wav = join(d.path, `${id}.dec.wav`);
      run('opusdec', ['--quiet', opus, wav]);
      const decoded = soxDuration(wav);
      assert.ok(Math.abs(decoded - c.seconds) <= 0.02, `${c.name}: decoded ${decoded} s, source ${c.seconds} s`);
      assert.ok(Math.abs(row.durationMs / 1000 - c.seconds) <= 0.001, `${c.name}: index duration ${row.durationMs} ms`);
      // And it is the tone we put in: sox's rough frequency of the first channel.
      const stat = run('sox', [wav, '-n', 'remix', '1', 'stat']).stderr;
      const hz = Number(/Rough\s+frequency:\s+(\d+)/.exec(stat)![1]);
      assert.ok(Math.abs(hz - c.freqs[0]!) / c.freqs[0]! < 0.1, `${c.name}: decoded ${hz} Hz, source ${c.freqs[0]} Hz`);
    }
    index.close();
  } finally {
    d.cleanup();
  }
});

test('we decrypt what age -r wrote, to several recipients', async () => {
  const d = tempDir();
  try {
    const a = ageKey(d.path, 'a.txt');
    const b = ageKey(d.path, 'b.txt');
    const plain = join(d.path, 'plain.bin');
    const data = Buffer.alloc(150_000);
    for (let i = 0; i < data.length; i++) data[i] = (i * 31) & 0xff;
    writeFileSync(plain, data);
    run('age', ['-r', a.recipient, '-r', b.recipient, '-o', join(d.path, 'x.age'), plain]);
    for (const k of [a, b]) {
      const ids = await loadIdentities(k.file, async () => { throw new Error('not protected'); });
      const out: Buffer[] = [];
      for await (const c of (await decryptStream(fileWebStream(join(d.path, 'x.age')), ids)) as unknown as AsyncIterable<Uint8Array>) out.push(Buffer.from(c));
      assert.deepEqual(Buffer.concat(out), data);
    }
  } finally {
    d.cleanup();
  }
});

test('a passphrase-protected identity we write is read by age -d -i (on a terminal)', async () => {
  requireBinary('script');
  const d = tempDir();
  try {
    const k = ageKey(d.path, 'plain-key.txt');
    const identity = readFileSync(k.file, 'utf8');
    writeFileSync(join(d.path, 'protected.age'), await encryptIdentityFile(identity, 'tr0ub4dor', 10));
    writeFileSync(join(d.path, 'msg.txt'), 'hello from callvault\n');
    run('age', ['-r', k.recipient, '-o', join(d.path, 'msg.age'), join(d.path, 'msg.txt')]);
    // age reads an identity passphrase only from a terminal: give it one with script(1).
    const { stdout } = run('script', ['-qec', `age -d -i protected.age msg.age`, '/dev/null'], { cwd: d.path, input: 'tr0ub4dor\n' });
    assert.match(stdout, /hello from callvault/);
  } finally {
    d.cleanup();
  }
});

test('our page CRC and page encoding reproduce opusenc\'s pages byte for byte', async () => {
  const d = tempDir();
  try {
    const wav = join(d.path, 'in.wav');
    soxTone(wav, 8000, 2, [440]);
    run('opusenc', ['--quiet', '--bitrate', '16', wav, join(d.path, 'ref.opus')]);
    const ref = readFileSync(join(d.path, 'ref.opus'));
    let offset = 0;
    let pages = 0;
    for await (const p of oggPages(once(ref))) {
      const again = encodeOggPage(p);
      assert.deepEqual(again, ref.subarray(offset, offset + again.length), `page ${p.sequence}`);
      offset += again.length;
      pages++;
    }
    assert.equal(offset, ref.length);
    assert.ok(pages >= 3);
  } finally {
    d.cleanup();
  }
});
