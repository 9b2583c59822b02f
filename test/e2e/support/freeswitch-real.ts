/**
 * The e2e stack against the real FreeSWITCH of scripts/freeswitch-sandbox:
 * the real daemon, and a test caller that is a second leg on the same
 * FreeSWITCH, driven over the Event Socket. The caller is either a loopback
 * leg or a real SIP call from the sandbox profile to itself (G.711 over RTP
 * on 127.0.0.1, RFC 2833 keys); it plays 440 Hz while it talks, and 1 kHz
 * with the card keys during the payment. The called leg runs the
 * callvault-e2e context of dialplan/freeswitch/callvault-sandbox.xml, whose
 * agent side is 600 Hz and whose payment IVR speaks 1 kHz.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { EslConnection } from '../../../src/pbx/freeswitch/esl-connection.js';
import type { EslEvent } from '../../../src/pbx/freeswitch/esl-event.js';
import { makeStackDir } from './stack-dir.js';
import { asksForKeys, repo, sleep, type FsDaemon, type FsStack } from './freeswitch-harness.js';

export interface FsSandbox {
  eslHost: string;
  eslPort: number;
  eslPassword: string;
  sipPort: number;
  /** CALLVAULT_SOCKET as the sandbox's vars.xml sets it. */
  socket: string;
  recordings: string;
  sounds: string;
  log: string;
}

/** The running sandbox, or a failure that says how to start it: these tests never skip. */
export function sandbox(): FsSandbox {
  const script = join(repo, 'scripts/freeswitch-sandbox');
  const status = (() => {
    try { return execFileSync(script, ['status'], { encoding: 'utf8' }); } catch (err) { return String((err as { stdout?: string }).stdout ?? err); }
  })();
  assert.match(status, /running/, `the sandbox FreeSWITCH is not running (${status.trim()}): run scripts/freeswitch-sandbox start, or npm test`);
  const env = Object.fromEntries(execFileSync(script, ['env'], { encoding: 'utf8' }).trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  return {
    eslHost: env.CALLVAULT_FREESWITCH_ESL_HOST!,
    eslPort: Number(env.CALLVAULT_FREESWITCH_ESL_PORT),
    eslPassword: env.CALLVAULT_FREESWITCH_ESL_PASSWORD!,
    sipPort: Number(env.CALLVAULT_FREESWITCH_SIP_PORT),
    socket: env.CALLVAULT_FREESWITCH_SOCKET!,
    recordings: env.CALLVAULT_FREESWITCH_RECORDINGS!,
    sounds: env.CALLVAULT_FREESWITCH_SOUNDS!,
    log: join(env.CALLVAULT_FREESWITCH_SANDBOX!, 'log', 'freeswitch.log'),
  };
}

/** A daemon config for the sandbox; `outbound` is where the daemon listens (the sandbox's CALLVAULT_SOCKET by default). */
export function writeRealFsStack(sb: FsSandbox, lines: string, extra: { outbound?: string; freeswitch?: string; top?: string; defaultLanguage?: 'fr' | 'en' } = {}): FsStack {
  const { dir, hashKey, recipient, storage } = makeStackDir('cv-fsreal-e2e-');
  writeFileSync(join(dir, 'esl.secret'), `${sb.eslPassword}\n`, { mode: 0o600 });
  const configPath = join(dir, 'callvault.yaml');
  writeFileSync(configPath, `
pbx:
  type: freeswitch
  freeswitch:
    esl: { host: ${sb.eslHost}, port: ${sb.eslPort}, passwordFile: esl.secret, commandTimeoutMs: 1000 }
    outbound: { listen: '${extra.outbound ?? sb.socket}' }
    recordings: { pbx: ${sb.recordings}, local: ${sb.recordings} }
${extra.freeswitch ?? ''}
lines:
${lines}
prompts: { prefix: ${sb.sounds}, defaultLanguage: ${extra.defaultLanguage ?? 'en'} }
privacy: { hashKeyFile: hash.key }
storage: { dir: store }
archive: { recipients: { quality: [${recipient}], regulatory: [${recipient}], contract: [${recipient}] } }
log: { level: ${process.env.CALLVAULT_E2E_LOG ?? 'warn'} }
${extra.top ?? ''}
`);
  return { dir, configPath, storage, spool: join(storage, 'spool'), recordings: sb.recordings, hashKey };
}

export type Transport = 'loopback' | 'sip';

export interface RealCall {
  /** The leg that ran the dialplan (the recorded one). */
  uuid: string;
  /** The caller's leg. */
  callerUuid: string;
  /** Its channel variables at hangup (CALLVAULT_*, sensitive_dtmf, ...). */
  vars: Record<string, string>;
  /** Every event of the recorded leg, in order. */
  events: EslEvent[];
  /** Epoch ms at which the caller started and stopped its 1 kHz card audio. */
  cardAudio: { from: number | null; to: number | null };
}

export interface RealCallScript {
  /** Keys for the consent prompts, one per prompt asked. */
  consentKeys?: string[];
  /** Card keys at the payment prompt; '#' is added. */
  cardDigits?: string;
  /** Channel variables of the call (as X-Callvault-* SIP headers on SIP). */
  headers?: Record<string, string>;
  /** Runs when the conversation before the payment starts (fault injection). */
  atTalk?: () => void | Promise<void>;
  /** Runs when the payment IVR starts. */
  atPayment?: () => void | Promise<void>;
}

const CALLER_NUMBER = '+33612345678';
/** How long the caller reads the card aloud before keying it. */
const CARD_SPEECH_MS = 500;
const TAG = 'sip_h_X-Callvault-Test';

/**
 * A test caller: one inbound Event Socket connection to the sandbox that
 * originates calls, plays the caller's audio and keys, and watches the
 * called leg's events.
 */
export class RealFreeSwitch {
  readonly events: EslEvent[] = [];
  #waiters = new Set<() => void>();
  private constructor(readonly sb: FsSandbox, readonly conn: EslConnection) {
    conn.on('event', (ev) => {
      this.events.push(ev);
      for (const w of [...this.#waiters]) w();
    });
  }

  static async connect(sb: FsSandbox): Promise<RealFreeSwitch> {
    const conn = await EslConnection.connect({ host: sb.eslHost, port: sb.eslPort, password: sb.eslPassword, commandTimeoutMs: 5000 });
    await conn.subscribe('plain', ['CHANNEL_EXECUTE', 'CHANNEL_EXECUTE_COMPLETE', 'CHANNEL_HANGUP_COMPLETE', 'RECORD_START', 'RECORD_STOP', 'DTMF', 'BACKGROUND_JOB', 'CUSTOM', 'callvault::fail_closed']);
    return new RealFreeSwitch(sb, conn);
  }

  async api(cmd: string): Promise<string> {
    return this.conn.api(cmd, { timeoutMs: 10_000 });
  }

  /** The first event from index `from` on matching `match`; null once `until()` says to stop. */
  async eventFrom(from: number, match: (ev: EslEvent) => boolean, until: () => boolean, timeoutMs = 60_000): Promise<number | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (let i = from; i < this.events.length; i++) if (match(this.events[i]!)) return i;
      if (until()) return null;
      if (Date.now() > deadline) assert.fail('timed out waiting for a FreeSWITCH event');
      await new Promise<void>((resolve) => {
        const w = () => { this.#waiters.delete(w); clearTimeout(t); resolve(); };
        const t = setTimeout(w, 50);
        this.#waiters.add(w);
      });
    }
  }

  /** Plays `freq` Hz from the caller's leg until told otherwise. */
  async callerTone(callerUuid: string, freq: number): Promise<void> {
    await this.api(`uuid_break ${callerUuid} all`);
    await this.api(`uuid_broadcast ${callerUuid} tone_stream://%(600000,0,${freq}) aleg`);
  }

  /** Places a call to `demo-<line>` and plays the caller's part; resolves when the recorded leg hung up. */
  async call(transport: Transport, line: string, script: RealCallScript = {}): Promise<RealCall> {
    const tag = randomUUID();
    const callerUuid = randomUUID();
    const vars: Record<string, string> = { origination_uuid: callerUuid, origination_caller_id_number: CALLER_NUMBER, [TAG]: tag, ignore_early_media: 'true' };
    for (const [k, v] of Object.entries(script.headers ?? {})) vars[`sip_h_X-Callvault-${k}`] = v;
    const varString = Object.entries(vars).map(([k, v]) => `${k}=${v}`).join(',');
    const dest = transport === 'sip' ? `sofia/sandbox/demo-${line}@127.0.0.1:${this.sb.sipPort}` : `loopback/demo-${line}/default`;
    const start = this.events.length;
    // bgapi: an originate blocks its connection until the call answers, and
    // every other command of the test caller would queue behind it.
    const reply = await this.conn.bgapi(`originate {${varString}}${dest} &park()`, { timeoutMs: 30_000 });
    assert.match(reply, /^\+OK/, `originate: ${reply.trim()}`);
    const mine = (ev: EslEvent) => ev.variable(TAG) === tag && ev.uuid !== callerUuid;
    const first = await this.eventFrom(start, (ev) => mine(ev) && ev.name === 'CHANNEL_EXECUTE', () => false, 10_000);
    const uuid = this.events[first!]!.uuid!;
    let ended = false;
    const hangup = this.eventFrom(start, (ev) => ev.uuid === uuid && ev.name === 'CHANNEL_HANGUP_COMPLETE', () => false, 120_000).then((i) => { ended = true; return i; });
    const exec = (app: string, part: string) => (ev: EslEvent) => ev.uuid === uuid && ev.name === 'CHANNEL_EXECUTE' && ev.get('Application') === app && (ev.get('Application-Data') ?? '').includes(part);
    const cardAudio: RealCall['cardAudio'] = { from: null, to: null };
    const actor = (async () => {
      await this.callerTone(callerUuid, 440);
      let at = start;
      for (const key of script.consentKeys ?? []) {
        const i = await this.eventFrom(at, (ev) => exec('playback', `${this.sb.sounds}/`)(ev) && asksForKeys(ev), () => ended);
        if (i === null) return;
        at = i + 1;
        await sleep(400);
        await this.api(`uuid_send_dtmf ${callerUuid} ${key}`);
      }
      const talk = await this.eventFrom(at, exec('playback', 'tone_stream://%(1500,0,600)'), () => ended);
      if (talk === null) return;
      await script.atTalk?.();
      const pay = await this.eventFrom(talk, exec('play_and_get_digits', 'demo_card_digits'), () => ended);
      if (pay === null) return;
      await script.atPayment?.();
      // The card: read aloud (1 kHz), then keyed. The keys go only once the
      // caller's leg finished playing the card audio, so it ends inside the
      // payment whatever the test's own latency. The IVR's 1 kHz runs right
      // up to payment-exit: the worst case for the unmask.
      await this.api(`uuid_break ${callerUuid} all`);
      const spoken = this.events.length;
      await this.api(`uuid_broadcast ${callerUuid} tone_stream://%(${CARD_SPEECH_MS},0,1000) aleg`);
      cardAudio.from = Date.now();
      const said = await this.eventFrom(spoken, (ev) => ev.uuid === callerUuid && ev.name === 'CHANNEL_EXECUTE_COMPLETE' && (ev.get('Application-Data') ?? '').includes(`%(${CARD_SPEECH_MS},0,1000)`), () => ended);
      if (said === null) return;
      cardAudio.to = Date.now();
      await this.api(`uuid_send_dtmf ${callerUuid} ${script.cardDigits ?? '4111'}#`);
      await this.callerTone(callerUuid, 440);
    })();
    await hangup;
    await actor.catch(() => undefined);
    await this.api(`uuid_kill ${callerUuid}`).catch(() => undefined);
    const events = this.events.slice(start).filter((ev) => ev.uuid === uuid);
    const last = events.at(-1)!;
    const out: Record<string, string> = {};
    for (const name of ['CALLVAULT_DECISION', 'CALLVAULT_CONSENT', 'CALLVAULT_RECORDING_ID', 'CALLVAULT_RECORDING_PATH', 'CALLVAULT_PAUSE', 'CALLVAULT_REASON', 'CALLVAULT_LANGUAGE', 'sensitive_dtmf']) {
      const v = last.variable(name);
      if (v !== undefined && v !== '') out[name] = v;
    }
    return { uuid, callerUuid, vars: out, events, cardAudio };
  }

  async close(): Promise<void> {
    this.conn.close();
  }
}

export async function waitFor(what: string, ok: () => boolean, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > until) assert.fail(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

export async function waitForSpool(stack: FsStack, recordingId: string): Promise<Record<string, unknown>> {
  const path = join(stack.spool, `${recordingId}.json`);
  await waitFor(`spool metadata for ${recordingId}`, () => existsSync(path), 30_000);
  return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
}

/**
 * Starts the daemon and waits until its inbound link is up: no recording
 * starts without that link (mask and unmask go over it), so a call placed
 * before it would be left unrecorded and the test would race the daemon.
 */
export async function startAttached(daemon: FsDaemon): Promise<FsDaemon> {
  await daemon.start();
  await waitFor('the daemon attached to FreeSWITCH', () => daemon.adapter.link().state === 'up');
  return daemon;
}
