/**
 * The FreeSWITCH e2e stack: the Event Socket simulator (test/support/esl-server)
 * running dialplan/freeswitch/callvault.xml and callvault-demo.xml, the real
 * callvault daemon (Daemon + the adapter createAdapter builds from the
 * config), and scripted callers that press keys and speak when the dialplan
 * reaches the prompt they listen for. The recordings are WAV files the
 * simulator writes at the paths uuid_record was given.
 */
import { writeFileSync, readFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { makeStackDir } from './stack-dir.js';
import { FakeFreeSwitch, type SimChannel } from '../../support/esl-server/index.js';
import type { EslEvent } from '../../../src/pbx/freeswitch/esl-event.js';
import { loadConfig } from '../../../src/config/index.js';
import { silentLogger, createLogger } from '../../../src/log/logger.js';
import { Daemon } from '../../../src/daemon/daemon.js';
import { createAdapter } from '../../../src/daemon/adapter-factory.js';
import type { FreeSwitchAdapter } from '../../../src/pbx/freeswitch/freeswitch-adapter.js';
import type { SessionObserver } from '../../../src/calls/call-session.js';
import type { MonitorAudit } from '../../../src/calls/monitor-register.js';

export const repo = fileURLToPath(new URL('../../../', import.meta.url));
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
export const PROMPTS = '/usr/share/callvault/prompts';
const PROMPT_NAMES = ['notice-objection', 'notice-mandatory', 'notice-consent', 'notice-full', 'objection-ack', 'consent-ack'];

export interface FsStack { dir: string; configPath: string; storage: string; spool: string; recordings: string; hashKey: string }

/** A FreeSWITCH simulator with callvault's dialplan loaded, prompts "installed", writing recordings. */
export async function startFakeFreeSwitch(): Promise<FakeFreeSwitch> {
  const files: Record<string, number> = {};
  for (const lang of ['en', 'fr']) for (const p of PROMPT_NAMES) files[`${PROMPTS}/${lang}/${p}.wav`] = 300;
  const fs = new FakeFreeSwitch({
    files,
    tickMs: 5,
    writeRecordings: true,
    dialplan: [
      readFileSync(join(repo, 'dialplan/freeswitch/callvault.xml'), 'utf8'),
      readFileSync(join(repo, 'dialplan/freeswitch/callvault-demo.xml'), 'utf8'),
    ],
  });
  await fs.start();
  return fs;
}

/** A config for the simulator at `eslPort`, with the given `lines:` YAML block. */
export function writeFsStack(lines: string, eslPort: number): FsStack {
  const { dir, hashKey, recipient, storage } = makeStackDir('cv-fs-e2e-');
  const recordings = join(dir, 'fs-recordings');
  mkdirSync(recordings);
  writeFileSync(join(dir, 'esl.secret'), 'ClueCon\n', { mode: 0o600 });
  const configPath = join(dir, 'callvault.yaml');
  writeFileSync(configPath, `
pbx:
  type: freeswitch
  freeswitch:
    esl: { host: 127.0.0.1, port: ${eslPort}, passwordFile: esl.secret, commandTimeoutMs: 1000 }
    outbound: { listen: '127.0.0.1:0' }
    recordings: { pbx: ${recordings}, local: ${recordings} }
lines:
${lines}
prompts: { prefix: ${PROMPTS}, defaultLanguage: en }
privacy: { hashKeyFile: hash.key }
storage: { dir: store }
archive: { recipients: { quality: [${recipient}], regulatory: [${recipient}], contract: [${recipient}] } }
log: { level: ${process.env.CALLVAULT_E2E_LOG ?? 'warn'} }
`);
  return { dir, configPath, storage, spool: join(storage, 'spool'), recordings, hashKey };
}

/** The real daemon in this process, built from the config like `callvault run` builds it. */
export class FsDaemon {
  daemon!: Daemon;
  adapter!: FreeSwitchAdapter;
  constructor(readonly stack: FsStack, readonly observers: SessionObserver[] = [], readonly monitorAudit?: MonitorAudit) {}
  async start(): Promise<void> {
    const config = loadConfig(this.stack.configPath);
    const logger = process.env.CALLVAULT_E2E_LOG ? createLogger({ level: process.env.CALLVAULT_E2E_LOG, pretty: false }) : silentLogger;
    this.adapter = (await createAdapter(config, logger)) as FreeSwitchAdapter;
    this.daemon = new Daemon({ config, logger, adapter: this.adapter, observers: this.observers, monitorAudit: this.monitorAudit });
    await this.daemon.start();
  }
  /** `host:port` for the dialplan's CALLVAULT_SOCKET. */
  get socket(): string {
    const a = this.adapter.outboundAddress();
    return `${a.host}:${a.port}`;
  }
  async stop(): Promise<void> { await this.daemon.stop(); }
}

/** A port nothing listens on (bound, then closed). */
export async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** What the caller does. Keys are pressed when the prompt they answer starts. */
export interface CallerScript {
  /** Keys for the consent prompts, one per prompt asked (e.g. ['0', '9']: info, then object). */
  consentKeys?: string[];
  /** Card digits keyed at the payment prompt ('' = none). */
  cardDigits?: string;
  /** Runs when the payment prompt starts (fault injection). */
  atPayment?: (ch: SimChannel) => void | Promise<void>;
  /** Runs when the first conversation starts. */
  atTalk?: (ch: SimChannel) => void | Promise<void>;
}

export interface FsCallResult {
  channel: SimChannel;
  vars: Record<string, string>;
}

const isExec = (uuid: string, app: string, dataPart: string) => (ev: EslEvent) =>
  ev.name === 'CHANNEL_EXECUTE' && ev.uuid === uuid && ev.get('Application') === app && (ev.get('Application-Data') ?? '').includes(dataPart);

/** A notice that takes keys: callvault sets playback_terminators to the offered keys before it (a plain notice has none). */
export const asksForKeys = (ev: EslEvent): boolean => {
  const t = ev.variable('playback_terminators');
  return t !== undefined && t !== '' && t !== 'none';
};

/** Waits for the first event matching `match` fired at or after index `from` of the simulator's event log. */
async function eventFrom(fs: FakeFreeSwitch, from: number, match: (ev: EslEvent) => boolean, until: () => boolean): Promise<number | null> {
  for (;;) {
    for (let i = from; i < fs.events.length; i++) if (match(fs.events[i] as EslEvent)) return i;
    if (until()) return null;
    await sleep(5);
  }
}

/** Places a call into the demo dialplan on `line` and plays the caller's part; resolves when the call ended. */
export async function placeDemoCall(fs: FakeFreeSwitch, line: string, script: CallerScript, vars: Record<string, string> = {}): Promise<FsCallResult> {
  const { channel, done } = fs.runDialplan({
    callerNumber: '+33612345678',
    destination: 'callvault-demo',
    context: 'callvault-demo',
    variables: { CALLVAULT_LINE: line, ...vars },
  });
  let ended = false;
  void done.finally(() => { ended = true; });
  const uuid = channel.uuid;
  const actor = (async () => {
    let at = 0;
    for (const key of script.consentKeys ?? []) {
      // The notice is a playback (only offered keys cut it), then a silent play_and_get_digits waits.
      const i = await eventFrom(fs, at, (ev) => isExec(uuid, 'playback', `${PROMPTS}/`)(ev) && asksForKeys(ev), () => ended);
      if (i === null) return;
      at = i + 1;
      await sleep(60);
      channel.pressDigit(key);
    }
    const talk = await eventFrom(fs, at, isExec(uuid, 'playback', 'silence_stream://1500'), () => ended);
    if (talk === null) return;
    channel.speak('the conversation before the payment');
    await script.atTalk?.(channel);
    const pay = await eventFrom(fs, talk, isExec(uuid, 'play_and_get_digits', 'demo_card_digits'), () => ended);
    if (pay === null) return;
    await script.atPayment?.(channel);
    await sleep(50);
    channel.speak('my card number is four one one one');
    for (const d of `${script.cardDigits ?? '4111'}#`) { channel.pressDigit(d); await sleep(20); }
    const after = await eventFrom(fs, pay, (ev) => isExec(uuid, 'playback', 'silence_stream://1500')(ev), () => ended);
    if (after === null) return;
    await sleep(100);
    channel.speak('the conversation after the payment');
  })();
  await done;
  await actor;
  const vars2: Record<string, string> = {};
  for (const [k, v] of channel.variables) if (k.startsWith('CALLVAULT_') || k === 'sensitive_dtmf') vars2[k] = v;
  return { channel, vars: vars2 };
}
