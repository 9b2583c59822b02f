/**
 * The rules that never bend, on a real Asterisk: the sidecar never blocks a
 * call, card data fails closed when the mute cannot be confirmed, the daemon
 * survives an Asterisk restart, and a daemon killed mid-call loses neither
 * the recording nor its metadata. Fails (never skips) without the sandbox.
 * Run by call-resilience.test.ts with the strict manager user and by
 * call-resilience-read-all.test.ts with a `read = all` one.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { ensureSandbox, writeStack, Caller, InProcessDaemon, ChildDaemon, waitForSpool, listWavs, sandboxCommand, sleep, type AmiUserKind } from './call-harness.js';
import { readWav } from '../../support/goertzel.js';
import { assertNoCardAudio } from './asterisk-payment-audio.js';

const LINES = `
  always: { mode: sampled, rate: 1 }`;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** No card audio (1 kHz) in any 10 ms window of any channel, and the talk before the payment is there. */
function assertNo1kHz(path: string): void {
  assertNoCardAudio(readWav(path), path);
}

/** Defines the resilience tests, the daemon logging in as `amiUser`. */
export function callResilienceScenarios(amiUser: AmiUserKind): void {
  const caller = new Caller();
  before(async () => {
    ensureSandbox();
    await caller.start();
  });
  after(async () => { await caller.stop(); });

  test('daemon down before the call: the call runs to its end, unrecorded', async () => {
    const port = await freePort();
    const t0 = Date.now();
    const r = await caller.call('tones', 'always', port, { vars: { CALLVAULT_TEST_TALK: '1', CALLVAULT_TEST_PAYMENT: '1' } });
    assert.deepEqual(r.phases, ['consent', 'talk', 'payment', 'talk2', 'done']);
    assert.equal(r.vars.CALLVAULT_DECISION, 'skip');
    assert.equal(r.vars.CALLVAULT_CONSENT, 'error');
    assert.equal(r.vars.CALLVAULT_RECORDING_ID ?? '', '');
    assert.ok(Date.now() - t0 < 15_000, 'no waiting on the missing daemon');
  });

  test('AMI lost during the call: the payment fails closed and no 1 kHz reaches the file', async () => {
    const files = writeStack(LINES, '', { amiUser });
    const d = new InProcessDaemon(files);
    await d.start();
    try {
      const offTalk = caller.ami.onEvent('UserEvent', (e) => {
        if (e.fields.UserEvent === 'CallvaultTestPhase' && e.fields.Phase === 'talk') void d.adapter.ami.stop();
      });
      const r = await caller.call('tones', 'always', d.agiPort, { vars: { CALLVAULT_TEST_TALK: '2', CALLVAULT_TEST_PAYMENT: '3' } });
      offTalk();
      assert.equal(r.vars.CALLVAULT_DECISION, 'record');
      assert.equal(r.vars.CALLVAULT_PAUSE, 'stopped', 'the dialplan stopped the recording itself');
      const id = r.vars.CALLVAULT_RECORDING_ID!;
      // Without AMI no hangup event reaches the daemon: the file stays with the PBX, complete and clean.
      await sleep(1500);
      const wav = existsSync(join(files.spool, `${id}.wav`)) ? join(files.spool, `${id}.wav`) : join(files.recordings, `${id}.wav`);
      assertNo1kHz(wav);
    } finally {
      await d.stop();
    }
  });

  test('daemon killed during the call: payment fails closed, and the next start archives the orphan with its metadata', async () => {
    const files = writeStack(LINES, '', { amiUser });
    const port = await freePort();
    const first = new ChildDaemon(files, port);
    await first.start();
    const offTalk = caller.ami.onEvent('UserEvent', (e) => {
      if (e.fields.UserEvent === 'CallvaultTestPhase' && e.fields.Phase === 'talk') void first.kill('SIGKILL');
    });
    const r = await caller.call('tones', 'always', port, { vars: { CALLVAULT_TEST_TALK: '2', CALLVAULT_TEST_PAYMENT: '3' } });
    offTalk();
    assert.deepEqual(r.phases, ['consent', 'talk', 'payment', 'talk2', 'done'], 'the call went on without the daemon');
    assert.equal(r.vars.CALLVAULT_DECISION, 'record');
    assert.equal(r.vars.CALLVAULT_PAUSE, 'stopped');
    const id = r.vars.CALLVAULT_RECORDING_ID!;
    assert.ok(listWavs(files.recordings).includes(`${id}.wav`), 'the PBX kept the file');
    const second = new ChildDaemon(files, port);
    await second.start();
    try {
      const meta = await waitForSpool(files.spool, id, 30_000);
      assert.equal(meta.line, 'always');
      assert.equal(meta.consent, 'no-objection', 'metadata restored from the journal');
      assert.equal(meta.caller, '+33612345678');
      assert.ok(!existsSync(join(files.recordings, `${id}.wav`)), 'no plaintext left in the PBX directory');
      assertNo1kHz(join(files.spool, `${id}.wav`));
      // The dialplan noted the fail-closed stop in AstDB; the metadata says so (about 2 s in: the talk phase).
      const pauses = meta.pauses as Array<{ startOffsetMs: number; endOffsetMs: number; outcome: string }>;
      assert.deepEqual(pauses.map((p) => p.outcome), ['stopped'], 'the stop while the daemon was down is in the metadata');
      assert.ok(pauses[0]!.startOffsetMs >= 500 && pauses[0]!.startOffsetMs <= 6000, `stopped at ${pauses[0]!.startOffsetMs} ms`);
    } finally {
      await second.kill('SIGTERM');
    }
  });

  test('daemon killed inside the payment window: the unmute never comes, and the metadata says muted to the end', async () => {
    const files = writeStack(LINES, '', { amiUser });
    const port = await freePort();
    const first = new ChildDaemon(files, port);
    await first.start();
    const offPayment = caller.ami.onEvent('UserEvent', (e) => {
      if (e.fields.UserEvent === 'CallvaultTestPhase' && e.fields.Phase === 'payment') void first.kill('SIGKILL');
    });
    const r = await caller.call('tones', 'always', port, { vars: { CALLVAULT_TEST_TALK: '2', CALLVAULT_TEST_PAYMENT: '2' } });
    offPayment();
    assert.deepEqual(r.phases, ['consent', 'talk', 'payment', 'talk2', 'done']);
    assert.equal(r.vars.CALLVAULT_PAUSE, 'confirmed', 'muted before the daemon died');
    const id = r.vars.CALLVAULT_RECORDING_ID!;
    const second = new ChildDaemon(files, port);
    await second.start();
    try {
      const meta = await waitForSpool(files.spool, id, 30_000);
      const pauses = meta.pauses as Array<{ startOffsetMs: number; endOffsetMs: number; outcome: string }>;
      assert.deepEqual(pauses.map((p) => p.outcome), ['muted-to-end']);
      assert.ok(pauses[0]!.endOffsetMs - pauses[0]!.startOffsetMs >= 3000, `silent from ${pauses[0]!.startOffsetMs} to ${pauses[0]!.endOffsetMs} ms: payment and the talk after it`);
      assertNo1kHz(join(files.spool, `${id}.wav`));
    } finally {
      await second.kill('SIGTERM');
    }
  });

  test('Asterisk restarted: the daemon reconnects and later calls are recorded', async () => {
    const files = writeStack(LINES, '', { amiUser });
    const d = new InProcessDaemon(files);
    await d.start();
    try {
      await sandboxCommand('restart');
      await caller.ami.waitConnected(30_000);
      const until = Date.now() + 30_000;
      while (d.daemon.status().link.state !== 'up' && Date.now() < until) await sleep(100);
      const st = d.daemon.status();
      assert.equal(st.link.state, 'up');
      assert.ok(st.link.reconnects >= 1, 'the link was re-established, not kept');
      const r = await caller.call('tones', 'always', d.agiPort, { vars: { CALLVAULT_TEST_TALK: '1', CALLVAULT_TEST_PAYMENT: '1' } });
      assert.equal(r.vars.CALLVAULT_PAUSE, 'confirmed', 'AMI actions work after the reconnect');
      const meta = await waitForSpool(files.spool, r.vars.CALLVAULT_RECORDING_ID!);
      assert.equal(meta.line, 'always');
      // The restart is the only reconnect: the recorded call after it dropped
      // nothing. (The daemon no longer asks for TestEvent, class reporting;
      // call-path-read-all reads it with a client that asks for every class.)
      const ping = await d.adapter.ami.ping().then(() => 'answered', (err: unknown) => String((err as { code?: string }).code ?? err));
      assert.deepEqual({ ping, reconnects: d.adapter.ami.stats().reconnects }, { ping: 'answered', reconnects: 1 }, 'one reconnect: the restart');
    } finally {
      await d.stop();
    }
  });
}
