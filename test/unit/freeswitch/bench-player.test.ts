/**
 * The capacity bench's FreeSWITCH (bench/freeswitch-player.ts) must speak the
 * Event Socket as the adapter reads it and as the sandbox FreeSWITCH was
 * measured speaking it (bench/freeswitch-call-shape.json): events framed by a
 * Content-Length counted in bytes, in the format the client asked for, as
 * heavy as the real ones; and the adapter must still ask for what the shape
 * recorded, or the shape (and the bench's figures) are stale.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsPlayer, loadShape, padVariables } from '../../../bench/freeswitch-player.js';
import { FreeSwitchAdapter } from '../../../src/pbx/freeswitch/freeswitch-adapter.js';
import { decodePlainEvent } from '../../../src/pbx/freeswitch/esl-event.js';
import { silentLogger } from '../../../src/log/logger.js';
import type { CallHandlers } from '../../../src/pbx/call-control.js';

const shape = loadShape();
const tally = () => ({ consent: [], pause: [], pauseFailed: 0, recorded: 0, audioLandedS: 0, measuring: false });

async function player(): Promise<FsPlayer> {
  const p = new FsPlayer({ outboundPort: 9, noticeMs: 100, shape });
  await p.start(tally());
  return p;
}

interface RawFrame { headers: Map<string, string>; body: Buffer }

/** A client reading frames its own way (not the adapter's parser): header block to the blank line, then Content-Length bytes. */
class RawClient {
  #buf = Buffer.alloc(0);
  #waiters: Array<() => void> = [];
  readonly socket: net.Socket;
  constructor(port: number) {
    this.socket = net.connect({ host: '127.0.0.1', port });
    this.socket.on('data', (d) => { this.#buf = Buffer.concat([this.#buf, d]); for (const w of this.#waiters.splice(0)) w(); });
  }
  send(text: string): void { this.socket.write(text); }
  async frame(timeoutMs = 2000): Promise<RawFrame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const end = this.#buf.indexOf('\n\n');
      if (end >= 0) {
        const headers = new Map(this.#buf.subarray(0, end).toString('utf8').split('\n').map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)] as [string, string]));
        const len = headers.has('Content-Length') ? Number(headers.get('Content-Length')) : 0;
        if (this.#buf.length >= end + 2 + len) {
          const body = this.#buf.subarray(end + 2, end + 2 + len);
          this.#buf = this.#buf.subarray(end + 2 + len);
          return { headers, body };
        }
      }
      if (Date.now() > deadline) throw new Error('no frame in time');
      await new Promise<void>((r) => { this.#waiters.push(r); setTimeout(r, 50); });
    }
  }
  /** Frames until one with this Content-Type. */
  async until(type: string): Promise<RawFrame> {
    for (;;) { const f = await this.frame(); if (f.headers.get('Content-Type') === type) return f; }
  }
}

/** Authenticates, subscribes in `format`, and hangs up one padded channel; returns its CHANNEL_HANGUP_COMPLETE frame. */
async function hangupFrame(format: 'plain' | 'json'): Promise<RawFrame> {
  const p = await player();
  const c = new RawClient(p.port);
  try {
    await c.until('auth/request');
    c.send('auth ClueCon\n\n');
    assert.equal((await c.until('command/reply')).headers.get('Reply-Text'), '+OK accepted');
    c.send(`event ${format} CHANNEL_HANGUP_COMPLETE\n\n`);
    assert.equal((await c.until('command/reply')).headers.get('Reply-Text'), `+OK event listener enabled ${format}`);
    // A multibyte value: a Content-Length in characters would cut the frame short.
    const ch = p.fs.createChannel({ callerNumber: '+33612345678', destination: 'bench', variables: { ...padVariables(shape), bench_note: 'café ☎' } });
    ch.hangup('NORMAL_CLEARING');
    return await c.until(`text/event-${format}`);
  } finally {
    c.socket.destroy();
    await p.close();
  }
}

test('bench FreeSWITCH: plain events are Content-Length framed in bytes and carry the padded variables', async () => {
  const f = await hangupFrame('plain');
  assert.equal(Number(f.headers.get('Content-Length')), f.body.length);
  const ev = decodePlainEvent(f.body);
  assert.equal(ev.name, 'CHANNEL_HANGUP_COMPLETE');
  assert.equal(ev.variable('bench_note'), 'café ☎');
  const pads = ev.headers.filter(([k]) => k.startsWith('variable_bench_pad_')).length;
  assert.equal(pads, Object.keys(padVariables(shape)).length);
  assert.ok(pads > 10, `the shape's channel had ${pads} variables at connect`);
  // As heavy as the real ones, within a factor of two (the sandbox's inbound events, on average).
  const real = shape.inbound.eventBytesPerCall / shape.inbound.eventsPerCall;
  assert.ok(f.body.length > real / 2 && f.body.length < real * 2, `fake ${f.body.length} bytes vs real ${real.toFixed(0)}`);
});

test('bench FreeSWITCH: json events when the client asks for json', async () => {
  const f = await hangupFrame('json');
  assert.equal(Number(f.headers.get('Content-Length')), f.body.length);
  const obj = JSON.parse(f.body.toString('utf8')) as Record<string, string>;
  assert.equal(obj['Event-Name'], 'CHANNEL_HANGUP_COMPLETE');
  assert.equal(obj.variable_bench_note, 'café ☎');
});

test('the adapter still subscribes as the measured shape recorded (else re-run bench/freeswitch-shape.ts)', async () => {
  const p = await player();
  const dir = mkdtempSync(join(tmpdir(), 'cv-bench-player-'));
  const adapter = new FreeSwitchAdapter({
    esl: { host: '127.0.0.1', port: p.port, password: 'ClueCon', commandTimeoutMs: 500 },
    outbound: { host: '127.0.0.1', port: 0 },
    recordings: { pbx: dir, local: dir },
    prompts: { prefix: '/p', defaultLanguage: 'en' },
    logger: silentLogger,
  });
  try {
    await adapter.start({} as CallHandlers, () => undefined);
    const deadline = Date.now() + 3000;
    let subscribed: string | undefined;
    while (subscribed === undefined && Date.now() < deadline) {
      subscribed = [...p.fs.listeners].flatMap((l) => l.commands).find((c) => c.startsWith('event '));
      await new Promise((r) => setTimeout(r, 20));
    }
    const measured = Object.keys(shape.inbound.commandsPerCall).filter((c) => c.startsWith('event '));
    assert.deepEqual([subscribed], measured);
  } finally {
    await adapter.stop();
    await p.close();
  }
});
