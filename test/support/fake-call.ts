/**
 * Fakes of the adapter interfaces for unit tests of src/calls only. The
 * features themselves are proven end to end against a real Asterisk in
 * test/e2e.
 */
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { AnswerRecordingControl, AnswerRecordingOptions, CallInfo, CallerLegRef, DialogueChannel, RecordingControl } from '../../src/pbx/call-control.js';
import type { CallerInput, PromptName } from '../../src/policy/consent.js';
import { parseConfig, type ResolvedConfig } from '../../src/config/index.js';
import { KeyedHasher } from '../../src/privacy/keyed-hash.js';
import { silentLogger } from '../../src/log/logger.js';
import type { SessionDeps } from '../../src/calls/call-session.js';

export const RECIPIENT = 'age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p';

export function testConfig(dir: string, lines: string, extra = ''): ResolvedConfig {
  return parseConfig(`
pbx:
  type: asterisk
  asterisk:
    ami: { username: callvault, secret: s }
    recordings: { pbx: /var/spool/asterisk/monitor/callvault, local: ${join(dir, 'rec')} }
lines:
${lines}
privacy: { hashKeyFile: ${join(dir, 'hash.key')} }
storage: { dir: ${join(dir, 'store')} }
archive: { recipients: { quality: [${RECIPIENT}], regulatory: [${RECIPIENT}] } }
${extra}
`, join(dir, 'callvault.yaml'));
}

export class FakeDialogue implements DialogueChannel {
  readonly asked: PromptName[] = [];
  readonly played: PromptName[] = [];
  readonly started: string[] = [];
  outcome: Record<string, string> = {};
  constructor(readonly info: CallInfo, private readonly inputs: CallerInput[], private readonly recDir: string, private readonly failStart = false) {}
  async ask(prompt: PromptName): Promise<CallerInput> {
    this.asked.push(prompt);
    return this.inputs.shift() ?? { kind: 'timeout' };
  }
  async play(prompt: PromptName): Promise<'played'> { this.played.push(prompt); return 'played'; }
  async startRecording(id: string): Promise<void> {
    if (this.failStart) throw new Error('MixMonitor failed');
    mkdirSync(this.recDir, { recursive: true });
    writeFileSync(join(this.recDir, `${id}.wav`), 'RIFF');
    this.started.push(id);
  }
  async setOutcome(vars: Readonly<Record<string, string>>): Promise<void> { Object.assign(this.outcome, vars); }
}

export type ControlMode = 'ok' | 'reject' | 'hang';
export class FakeControl implements RecordingControl {
  readonly calls: string[] = [];
  constructor(public mode: ControlMode = 'ok') {}
  #act(what: string): Promise<void> {
    this.calls.push(what);
    if (this.mode === 'reject') return Promise.reject(new Error('AMI action failed'));
    if (this.mode === 'hang') return new Promise(() => undefined);
    return Promise.resolve();
  }
  mute(): Promise<void> { return this.#act('mute'); }
  unmute(): Promise<void> { return this.#act('unmute'); }
  stop(): Promise<void> { this.calls.push('stop'); return Promise.resolve(); }
}

export function makeDeps(lines: string, control: RecordingControl, clock = { t: Date.UTC(2026, 10, 28, 10) }, extra = ''): SessionDeps & { dir: string; clock: { t: number } } {
  const dir = mkdtempSync(join(tmpdir(), 'cv-calls-'));
  const config = testConfig(dir, lines, extra);
  return {
    dir, clock, config, control,
    hasher: new KeyedHasher(randomBytes(32)),
    recordingsDir: join(dir, 'rec'),
    now: () => clock.t,
    logger: silentLogger,
  };
}

let seq = 0;
export function callInfo(line: string, over: Partial<CallInfo> = {}): CallInfo {
  seq++;
  return { pbx: 'asterisk', callId: `1764000000.${seq}`, linkedId: `1764000000.${seq}`, channel: `Local/x-${seq};2`, line, agent: null, caller: '+33123456789', language: 'fr', ...over };
}

/** The recording started at answer: writes the file as the PBX would, or fails / never answers. */
export class FakeAnswerRecording implements AnswerRecordingControl {
  readonly started: Array<{ caller: CallerLegRef; recordingId: string; options: AnswerRecordingOptions }> = [];
  constructor(private readonly recDir: string, public mode: ControlMode = 'ok') {}
  start(caller: CallerLegRef, recordingId: string, options: AnswerRecordingOptions): Promise<{ channels: 1 | 2 }> {
    if (this.mode === 'reject') return Promise.reject(new Error('MixMonitor action failed'));
    if (this.mode === 'hang') return new Promise(() => undefined);
    mkdirSync(this.recDir, { recursive: true });
    writeFileSync(join(this.recDir, `${recordingId}.wav`), 'RIFF');
    this.started.push({ caller, recordingId, options });
    return Promise.resolve({ channels: options.stereo === true ? 2 : 1 });
  }
}
