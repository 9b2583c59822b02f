/**
 * What both FreeSWITCH players of bench/capacity.ts share: the call shape
 * measured on the sandbox FreeSWITCH (bench/freeswitch-call-shape.json, made
 * by bench/freeswitch-shape.ts), the prompts the daemon plays, the tally a
 * step fills, and the interface capacity.ts drives a player through.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../../', import.meta.url));
export const BENCH_PROMPTS = '/usr/share/callvault/prompts';
export const PROMPT_NAMES = ['notice-objection', 'notice-mandatory', 'notice-consent', 'notice-full', 'objection-ack', 'consent-ack'];

export interface FsShape {
  measuredAt: string;
  calls: number;
  inbound: { eventsPerCall: number; eventBytesPerCall: number; commandsPerCall: Record<string, number> };
  sockets: Record<string, { eventsToDaemonPerCall: number; bytesToDaemonPerCall: number; sequence: Array<{ what: string; vars?: Record<string, number> }> }>;
}

export function loadShape(path = join(repo, 'bench/freeswitch-call-shape.json')): FsShape {
  return JSON.parse(readFileSync(path, 'utf8')) as FsShape;
}

/** Playback lengths of the prompts, as the daemon's config names them: the notices `noticeMs`, the acknowledgements 1 s. */
export function promptFiles(noticeMs: number): Record<string, number> {
  const files: Record<string, number> = {};
  for (const lang of ['en', 'fr']) for (const p of PROMPT_NAMES) files[`${BENCH_PROMPTS}/${lang}/${p}.wav`] = p.startsWith('notice') ? noticeMs : 1000;
  return files;
}

/** The channel variables the real channel had when the socket `kind` connected (name -> value length). */
export function shapeVariables(shape: FsShape, kind: string): Record<string, number> {
  return shape.sockets[kind]?.sequence.find((f) => f.what === 'channel-data')?.vars ?? {};
}

/**
 * Channel variables as many and as long as the real channel had when the
 * consent socket connected, under inert names (`bench_pad_<n>`: a real name
 * could steer the dialplan or the daemon), with filler values.
 */
export function padVariables(shape: FsShape): Record<string, string> {
  const vars = shapeVariables(shape, 'consent');
  return Object.fromEntries(Object.entries(vars).map(([name, len], i) => [`bench_pad_${String(i).padStart(2, '0')}_${'x'.repeat(Math.max(0, name.length - 13))}`, 'v'.repeat(len)]));
}

/** What one step's calls lived through, as the player saw it. */
export interface FsTally {
  consent: number[];
  pause: number[];
  pauseFailed: number;
  recorded: number;
  audioLandedS: number;
  measuring: boolean;
  /** Of each measured consent: socket started to its TCP connection up, for the slow ones' breakdown. */
  consentConnect?: number[];
  /** Of each measured consent: the steps' times in ms (connect, then each command the daemon sent as the player took it), for the slowest. */
  consentSteps?: Array<{ total: number; steps: string }>;
}

/** What bench/capacity.ts needs of a FreeSWITCH player. */
export interface FsBenchPlayer {
  readonly port: number;
  /** Events written to the daemon, all connections. */
  readonly eventsWritten: number;
  /** Characters written to the daemon, all connections and frames. */
  readonly bytesWritten: number;
  start(tally: FsTally): Promise<void>;
  /** One call of `durationS`, entering the step `ageS` into its life; resolves at its hangup. */
  call(durationS: number, ageS: number, paymentS: number): Promise<void>;
  close(): Promise<void>;
}
