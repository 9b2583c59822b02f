/**
 * The Asterisk transport against a real Asterisk 22 (scripts/asterisk-sandbox):
 * AMI login and actions, scripted calls from dialplan/asterisk/callvault-sandbox.conf
 * driving our FastAGI server, MixMonitor files in the chroot, MixMonitorMute,
 * the dialplan's fail-closed path, and a PBX restart under a live client.
 * If the sandbox cannot be started these tests fail; they never skip.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AmiClient } from '../../src/pbx/asterisk/ami-client.js';
import { FastAgiServer, type AgiChannel } from '../../src/pbx/asterisk/fastagi-server.js';
import type { AgiRequest } from '../../src/pbx/asterisk/agi-frame.js';
import type { AmiEvent } from '../../src/pbx/asterisk/ami-events.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const sandbox = join(repo, 'scripts/asterisk-sandbox');

function sandboxEnv(): Record<string, string> {
  const out = execFileSync(sandbox, ['env'], { encoding: 'utf8' });
  return Object.fromEntries(out.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

function ensureSandbox(): void {
  if (spawnSync(sandbox, ['status'], { stdio: 'ignore' }).status === 0) return;
  const r = spawnSync(sandbox, ['start'], { encoding: 'utf8' });
  assert.equal(r.status, 0, `scripts/asterisk-sandbox start failed:\n${r.stderr}`);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

let env: Record<string, string>;
let ami: AmiClient;
let agi: FastAgiServer;
let agiUrl: string;
const events: Array<{ at: number; e: AmiEvent }> = [];
const requests: AgiRequest[] = [];
const pressed = new Map<string, { played: boolean; digit: string | null; endpos: number }>();
/** Per test run: how the payment-enter handler behaves. */
let confirmPause = true;

interface WavInfo { riffSize: number; dataSize: number; fileSize: number; samples: Int16Array }
function readWav(path: string): WavInfo {
  const b = readFileSync(path);
  assert.equal(b.toString('latin1', 0, 4), 'RIFF');
  assert.equal(b.toString('latin1', 36, 40), 'data');
  const dataSize = b.readUInt32LE(40);
  return { riffSize: b.readUInt32LE(4), dataSize, fileSize: b.length, samples: new Int16Array(b.buffer.slice(b.byteOffset + 44, b.byteOffset + 44 + dataSize)) };
}
function rms(s: Int16Array, fromSec: number, toSec: number): number {
  const a = Math.max(0, Math.floor(fromSec * 8000));
  const z = Math.min(s.length, Math.floor(toSec * 8000));
  let sum = 0;
  for (let i = a; i < z; i++) sum += (s[i] as number) ** 2;
  return Math.sqrt(sum / Math.max(1, z - a));
}

function longestZeroRun(s: Int16Array): { start: number; end: number } {
  let best = { start: 0, end: 0 };
  let from = -1;
  for (let i = 0; i <= s.length; i++) {
    if (i < s.length && s[i] === 0) {
      if (from < 0) from = i;
    } else if (from >= 0) {
      if (i - from > best.end - best.start) best = { start: from, end: i };
      from = -1;
    }
  }
  return best;
}

async function consent(ch: AgiChannel): Promise<void> {
  const linkedid = await ch.getVariable('CHANNEL(linkedid)');
  const id = `e2e-${ch.request.uniqueid.replace(/[^0-9]/g, '')}-${Date.now()}`;
  if (ch.request.channel.startsWith('Local/object@')) {
    const r = await ch.streamFile('callvault/notice-objection', '9', { timeoutMs: 20_000 });
    pressed.set(ch.request.uniqueid, r);
  }
  const rc = await ch.exec('MixMonitor', `callvault/${id}.wav,i(CALLVAULT_MIXMONITOR_ID)`);
  assert.equal(rc, 0);
  await ch.setVariable('E2E_LINKEDID', linkedid ?? '');
  await ch.setVariable('CALLVAULT_RECORDING_ID', id);
  await ch.setVariable('CALLVAULT_CONSENT', 'notified');
  await ch.setVariable('CALLVAULT_DECISION', 'record');
}

async function paymentEnter(ch: AgiChannel): Promise<void> {
  if (!confirmPause) return;
  await ami.mixMonitorMute(ch.request.channel, true);
  await ch.setVariable('CALLVAULT_PAUSE', 'confirmed');
}

async function paymentExit(ch: AgiChannel): Promise<void> {
  await ami.mixMonitorMute(ch.request.channel, false);
  await ch.setVariable('CALLVAULT_PAUSE', 'off');
}

before(async () => {
  ensureSandbox();
  env = sandboxEnv();
  agi = new FastAgiServer({ host: '127.0.0.1', port: 0, commandTimeoutMs: 5000 });
  const record = (fn: (ch: AgiChannel) => Promise<void>) => async (ch: AgiChannel): Promise<void> => {
    requests.push(ch.request);
    await fn(ch);
  };
  agi.route('consent', record(consent)).route('payment-enter', record(paymentEnter)).route('payment-exit', record(paymentExit));
  const { port } = await agi.listen();
  agiUrl = `agi://127.0.0.1:${port}`;
  ami = new AmiClient({
    host: env.CALLVAULT_ASTERISK_AMI_HOST as string,
    port: Number(env.CALLVAULT_ASTERISK_AMI_PORT),
    username: env.CALLVAULT_ASTERISK_AMI_USER as string,
    secret: env.CALLVAULT_ASTERISK_AMI_SECRET as string,
    actionTimeoutMs: 3000,
    reconnect: { initialDelayMs: 100, maxDelayMs: 1000 },
    heartbeat: { intervalMs: 1000, timeoutMs: 2000 },
  });
  ami.on('event', (e) => events.push({ at: Date.now(), e }));
  ami.start();
  await ami.waitConnected(10_000);
});

after(async () => {
  await ami?.stop();
  await agi?.close();
});

async function logged(pred: (e: AmiEvent) => boolean, since: number, timeoutMs: number): Promise<AmiEvent> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const hit = events.find((x) => x.at >= since && pred(x.e));
    if (hit) return hit.e;
    assert.ok(Date.now() < deadline, `no matching AMI event within ${timeoutMs} ms`);
    await sleep(20);
  }
}

/** Originates a scripted call and resolves with its IVR-side Uniqueid once both halves hung up. */
async function call(scenario: string, line: string, vars: Record<string, string> = {}, url = agiUrl): Promise<{ uniqueid: string; started: number }> {
  const started = Date.now();
  const res = await ami.originate({
    channel: `Local/${scenario}@callvault-test-caller`,
    context: 'callvault-demo-ivr',
    exten: line,
    variables: { __CALLVAULT_AGI: url, CALLVAULT_TEST_TALK: '1', CALLVAULT_TEST_PAYMENT: '1.5', ...vars },
  });
  const actionId = res.actionId;
  // OriginateResponse can arrive in the same TCP chunk as the Response, before
  // a listener added after `await` exists: search the event log instead.
  const answered = await logged((e) => e.name === 'OriginateResponse' && e.fields.ActionID === actionId, started, 10_000);
  assert.equal(answered.fields.Response, 'Success');
  const uniqueid = answered.fields.Uniqueid as string;
  await logged((e) => e.name === 'Hangup' && e.fields.Uniqueid === uniqueid, started, 40_000);
  return { uniqueid, started };
}

const of = (name: string, uniqueid: string, since: number) =>
  events.filter((x) => x.at >= since && x.e.name === name && x.e.fields.Uniqueid === uniqueid);

test('AMI: login, banner version, Ping, an unknown action is an error value with Asterisk\'s message', async () => {
  assert.equal(ami.connected, true);
  assert.equal(ami.stats().version, '11.0.0');
  await ami.ping();
  await assert.rejects(ami.action('NoSuchAction'), (err: Error & { code?: string }) => err.code === 'CV_ERR_AMI_ACTION' && /Invalid\/unknown command/.test(err.message));
  await assert.rejects(ami.mixMonitorMute('Local/nobody@nowhere-00000000;1', true), (err: Error & { code?: string }) => err.code === 'CV_ERR_AMI_ACTION' && /No such channel/.test(err.message));
});

test('a scripted call: FastAGI env, MixMonitor WAV in the chroot, the pause is written as silence, MixMonitorStop at hangup', async () => {
  confirmPause = true;
  const since = Date.now();
  const before = requests.length;
  const { uniqueid } = await call('tones', 'sales', { CALLVAULT_TEST_AGENT: 'agent-7' });

  const mine = requests.slice(before).filter((r) => r.uniqueid === uniqueid);
  assert.deepEqual(mine.map((r) => r.script), ['consent', 'payment-enter', 'payment-exit']);
  const c = mine[0] as AgiRequest;
  assert.deepEqual(c.args, ['sales', 'agent-7']);
  assert.equal(c.get('network'), 'yes');
  assert.match(c.channel, /^Local\/tones@callvault-test-caller-[0-9a-f]+;1$/);
  assert.equal(c.context, 'callvault-consent');
  assert.match(c.version, /^22\./);

  const start = of('MixMonitorStart', uniqueid, since)[0];
  const mutes = of('MixMonitorMute', uniqueid, since);
  const stop = of('MixMonitorStop', uniqueid, since)[0];
  const hangup = of('Hangup', uniqueid, since)[0];
  assert.ok(start && stop && hangup, 'MixMonitorStart, MixMonitorStop and Hangup seen');
  assert.deepEqual(mutes.map((m) => [m.e.fields.Direction, m.e.fields.State]), [['both', '1'], ['both', '0']]);
  assert.equal(stop.e.fields.Context, 'callvault-hangup', 'the hangup handler stopped the recording');
  assert.ok(stop.at <= hangup.at, 'MixMonitorStop comes before Hangup');
  const linkedid = start.e.fields.Linkedid;

  const recId = await (async () => {
    // The recording id is the file name; recover it from the spool by uniqueid prefix.
    const dir = env.CALLVAULT_ASTERISK_RECORDINGS as string;
    const digits = uniqueid.replace(/[^0-9]/g, '');
    const files = execFileSync('ls', ['-t', dir], { encoding: 'utf8' }).split('\n').filter((f) => f.startsWith(`e2e-${digits}-`));
    assert.equal(files.length, 1, 'one WAV for this call');
    return join(dir, files[0] as string);
  })();
  assert.ok(existsSync(recId));
  const wav = readWav(recId);
  assert.equal(wav.riffSize, wav.fileSize - 8, 'WAV header finalised (format_wav writes the sizes on close)');
  assert.equal(wav.dataSize, wav.fileSize - 44);
  // The file holds the frames that flowed: while neither direction carries
  // frames (a waiting channel without transmit_silence) nothing is written,
  // so wall-clock offsets do not map to file offsets. Find the mute in the
  // audio itself: muted frames are written as exact zeros.
  const duration = wav.samples.length / 8000;
  const wall = (hangup.at - start.at) / 1000;
  assert.ok(duration <= wall + 0.5, `file ${duration}s is not longer than the call ${wall}s`);
  const muteWall = ((mutes[1] as { at: number }).at - (mutes[0] as { at: number }).at) / 1000;
  const run = longestZeroRun(wav.samples);
  const runSec = (run.end - run.start) / 8000;
  assert.ok(runSec >= 1.0 && runSec <= muteWall + 0.3, `muted run ${runSec}s for a ${muteWall}s pause`);
  assert.ok(rms(wav.samples, run.start / 8000 - 0.6, run.start / 8000 - 0.1) > 500, 'caller audio before the pause');
  assert.ok(rms(wav.samples, run.end / 8000 + 0.1, run.end / 8000 + 0.6) > 500, 'caller audio after the pause');
  assert.ok(linkedid && linkedid.length > 0);
  assert.ok(statSync(recId).size > 44);
});

test('the dialplan fails closed: an unconfirmed payment pause stops the recording and payment-exit is not asked', async () => {
  confirmPause = false;
  try {
    const since = Date.now();
    const before = requests.length;
    const { uniqueid } = await call('tones', 'support');
    const scripts = requests.slice(before).filter((r) => r.uniqueid === uniqueid).map((r) => r.script);
    assert.deepEqual(scripts, ['consent', 'payment-enter']);
    const stop = of('MixMonitorStop', uniqueid, since);
    assert.equal(stop.length, 1);
    assert.equal(stop[0]?.e.fields.Context, 'callvault-payment-enter');
    const failClosed = events.filter((x) => x.at >= since && x.e.name === 'UserEvent' && x.e.fields.UserEvent === 'CallvaultFailClosed' && x.e.fields.Uniqueid === uniqueid);
    assert.equal(failClosed.length, 1);
    assert.match(failClosed[0]?.e.fields.RecordingId ?? '', /^e2e-/);
  } finally {
    confirmPause = true;
  }
});

test('daemon down: AGI cannot connect, the call goes on unrecorded to its end', async () => {
  const since = Date.now();
  // A port nobody listens on: res_agi gets "connection refused" at once.
  const { uniqueid } = await call('tones', 'sales', {}, 'agi://127.0.0.1:9');
  assert.equal(of('MixMonitorStart', uniqueid, since).length, 0);
  const phases = events.filter((x) => x.at >= since && x.e.name === 'UserEvent' && x.e.fields.UserEvent === 'CallvaultTestPhase' && x.e.fields.Uniqueid === uniqueid).map((x) => x.e.fields.Phase);
  assert.deepEqual(phases, ['consent', 'talk', 'payment', 'talk2', 'done']);
});

test('a DTMF key ends a prompt: the object scenario presses 9 during STREAM FILE', async () => {
  const { uniqueid } = await call('object', 'sales');
  const r = pressed.get(uniqueid);
  assert.ok(r, 'the consent request played the notice');
  assert.equal(r.played, true);
  assert.equal(r.digit, '9');
  assert.ok(r.endpos > 0 && r.endpos < 8000 * 5, `stopped early, at sample ${r.endpos}`);
});

test('Asterisk restarts under a live client: disconnected, reconnected with backoff, actions work again', async () => {
  const reconnects = ami.stats().reconnects;
  const down = new Promise<void>((resolve) => ami.on('disconnected', () => resolve()));
  const pending = ami.ping({ timeoutMs: 30_000 }).catch((err: Error & { code?: string }) => err.code);
  execFileSync(sandbox, ['stop'], { stdio: 'ignore' });
  await down;
  assert.equal(ami.connected, false);
  await assert.rejects(ami.ping(), (err: Error & { code?: string }) => err.code === 'CV_ERR_AMI_CLOSED', 'fail fast while down');
  void pending;
  execFileSync(sandbox, ['start'], { stdio: 'ignore' });
  await ami.waitConnected(20_000);
  assert.ok(ami.stats().reconnects > reconnects);
  await ami.ping();
  await sleep(100);
  const { uniqueid } = await call('tones', 'sales', { CALLVAULT_TEST_PAYMENT: '0' });
  assert.ok(requests.some((r) => r.uniqueid === uniqueid && r.script === 'consent'), 'FastAGI works after the restart');
});
