/**
 * The spool metadata file: what the call path knows about a finished
 * recording. It writes `<spool>/<id>.wav`, then `<spool>/<id>.json`
 * atomically and last, so the JSON is the readiness marker. Its shape is
 * specified in docs/spec.md, section "Spool"; version 1 is frozen and a
 * change of shape gets a new version number. Unknown keys are rejected: a
 * misspelt field would otherwise lose data silently.
 *
 * `caller` and `agent` are personal data in clear: they go inside the
 * encrypted recording and, as keyed hashes, into the index; nowhere else.
 */
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { z } from 'zod';
import { CallvaultError } from '../errors.js';
import { PURPOSES, type Purpose } from '../policy/purpose.js';

/** `YYYYMMDDTHHMMSSZ-xxxxxxxx`: sorts by start time, and is safe as a file name. */
import { RECORDING_ID } from '../calls/recording-id.js';
export { RECORDING_ID };

/**
 * muted: silence written, timeline kept; stopped: the recording was ended
 * (fail closed); muted-to-end: muted, and the unmute never came (it failed,
 * or payment-exit ran while the daemon was down): silence to the end.
 */
export const PAUSE_OUTCOMES = ['muted', 'stopped', 'muted-to-end'] as const;

const isoInstant = z.iso.datetime({ offset: true });

export const pauseSchema = z.object({
  startOffsetMs: z.number().int().min(0),
  endOffsetMs: z.number().int().min(0).nullable(),
  outcome: z.enum(PAUSE_OUTCOMES),
}).strict().refine((p) => p.endOffsetMs === null || p.endOffsetMs >= p.startOffsetMs, 'a pause ends before it starts');

/**
 * One agent who spoke on the recording (version 2): in the order they
 * answered, with where in the file they came in. `team` is a team name,
 * not personal data; `agent` is, like `caller`.
 */
export const recordingAgentSchema = z.object({
  agent: z.string().min(1).max(128),
  team: z.string().min(1).max(64).nullable(),
  offsetMs: z.number().int().min(0),
}).strict();
export type RecordingAgent = z.infer<typeof recordingAgentSchema>;

export const spoolMetadataSchema = z.object({
  /** 1: as frozen; 2: adds `agents` (issue 8). Readers take both. */
  version: z.union([z.literal(1), z.literal(2)]),
  recordingId: z.string().regex(RECORDING_ID, 'must look like 20261128T150405Z-a1b2c3d4'),
  pbx: z.enum(['asterisk', 'freeswitch', 'backfill']),
  callId: z.string().min(1).max(256),
  linkedId: z.string().min(1).max(256),
  line: z.string().min(1).max(64),
  purpose: z.enum(PURPOSES),
  decision: z.string().min(1).max(64),
  consent: z.string().min(1).max(64),
  language: z.string().min(1).max(35).nullable(),
  caller: z.string().min(1).max(64).nullable(),
  agent: z.string().min(1).max(128).nullable(),
  startedAt: isoInstant,
  endedAt: isoInstant,
  channels: z.union([z.literal(1), z.literal(2)]),
  pauses: z.array(pauseSchema),
  wav: z.string().regex(/^[^/\\]+\.wav$/i, 'must be a file name in the spool ending in .wav'),
  agents: z.array(recordingAgentSchema).max(64).optional(),
}).strict()
  .refine((m) => (m.version === 2) === (m.agents !== undefined), { message: 'agents is in version 2 and only there', path: ['agents'] })
  .refine((m) => (m.agents ?? []).every((a, i, all) => i === 0 || a.offsetMs >= all[i - 1]!.offsetMs), { message: 'agents must be in the order they answered (offsets not decreasing)', path: ['agents'] })
  .refine((m) => Date.parse(m.endedAt) >= Date.parse(m.startedAt), { message: 'endedAt is before startedAt', path: ['endedAt'] })
  .refine((m) => m.pbx === 'backfill' || m.wav === `${m.recordingId}.wav`, { message: 'must be <recordingId>.wav', path: ['wav'] });

export type PauseInterval = z.infer<typeof pauseSchema>;
export type SpoolMetadata = z.infer<typeof spoolMetadataSchema> & { purpose: Purpose };

function describe(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : '(top level)'}: ${i.message}`).join('; ');
}

/**
 * Validates metadata read from `<id>.json`. `label` names the file in errors.
 * Throws CV_ERR_ARCHIVE_META with every problem found.
 */
export function parseSpoolMetadata(text: string, label: string): SpoolMetadata {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw new CallvaultError('CV_ERR_ARCHIVE_META', [label, 'not valid JSON'], { cause });
  }
  const parsed = spoolMetadataSchema.safeParse(raw);
  if (!parsed.success) throw new CallvaultError('CV_ERR_ARCHIVE_META', [label, describe(parsed.error)], { cause: parsed.error });
  return parsed.data;
}

/** Compact UTC timestamp used in recording ids: 20261128T150405Z. */
export function compactUtc(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
}

export interface BackfillInput {
  /** Path of the WAV; its base name becomes the call id. */
  wavPath: string;
  /** When the recording ended: the file's modification time. */
  endedAt: Date;
  durationMs: number;
  channels: 1 | 2;
  line: string;
  purpose: Purpose;
}

/**
 * Metadata for a plain WAV with no JSON (`callvault archive --spool DIR
 * --line L --purpose P`). Nothing is known about the caller or the consent,
 * and the metadata says so; the id is derived from the start time and the
 * file name so that a rerun gives the same id (idempotent backfill).
 */
export function backfillMetadata(input: BackfillInput): SpoolMetadata {
  const name = basename(input.wavPath);
  const startedAt = new Date(input.endedAt.getTime() - input.durationMs);
  const suffix = createHash('sha256').update(name).digest('hex').slice(0, 8);
  const stem = name.replace(/\.wav$/i, '');
  return {
    version: 1,
    recordingId: `${compactUtc(startedAt)}-${suffix}`,
    pbx: 'backfill',
    callId: stem.slice(0, 256) || name,
    linkedId: stem.slice(0, 256) || name,
    line: input.line,
    purpose: input.purpose,
    decision: 'backfill',
    consent: 'not-asked',
    language: null,
    caller: null,
    agent: null,
    startedAt: startedAt.toISOString(),
    endedAt: input.endedAt.toISOString(),
    channels: input.channels,
    pauses: [],
    wav: name,
  };
}
