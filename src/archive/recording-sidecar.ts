/**
 * The clear sidecar `<id>.json` beside each `<id>.opus.age`. It holds the
 * recording's non-sensitive index fields (keyed hashes instead of numbers)
 * plus the ciphertext's size and SHA-256, so that `callvault reindex` can
 * rebuild the index from the files alone, without any private key. Nothing
 * in it may be personal data in clear: docs/spec.md, "Recording file".
 */
import { z } from 'zod';
import { CallvaultError } from '../errors.js';
import { PURPOSES } from '../policy/purpose.js';
import type { NewRecording } from '../index/index.js';
import { RECORDING_ID, pauseSchema } from './spool-metadata.js';

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);
const instant = z.iso.datetime({ offset: true });

/**
 * Version 2 (issue 8): adds the team and every agent heard, as keyed hashes.
 * Version 3 (training, issue 10): a training copy made in the console, with
 * version 2's fields and `derivedFrom`, the recording it was copied from.
 */
export const sidecarSchema = z.object({
  version: z.union([z.literal(1), z.literal(2), z.literal(3)]),
  id: z.string().regex(RECORDING_ID),
  pbx: z.string().min(1),
  callId: z.string().min(1),
  linkedId: z.string().min(1),
  line: z.string().min(1),
  purpose: z.enum(PURPOSES),
  decision: z.string().min(1),
  consent: z.string().min(1),
  language: z.string().nullable(),
  callerHash: hex64.nullable(),
  agentHash: hex64.nullable(),
  startedAt: instant,
  endedAt: instant,
  durationMs: z.number().int().min(0),
  channels: z.union([z.literal(1), z.literal(2)]),
  sampleRate: z.number().int().positive(),
  bitrateBps: z.number().int().positive(),
  sizeBytes: z.number().int().positive(),
  sha256: hex64,
  recipients: z.array(z.string().startsWith('age1')).min(1),
  pauses: z.array(pauseSchema),
  /** The encrypted file's name, in the same directory. */
  file: z.string().regex(/^[^/\\]+$/),
  archivedAt: instant,
  team: z.string().min(1).max(64).nullable().optional(),
  agents: z.array(z.object({ agentHash: hex64, team: z.string().min(1).max(64).nullable(), offsetMs: z.number().int().min(0) }).strict()).optional(),
  derivedFrom: z.string().regex(RECORDING_ID).optional(),
}).strict()
  .refine((s) => (s.version >= 2) === (s.agents !== undefined), { message: 'agents is in versions 2 and 3 and only there', path: ['agents'] })
  .refine((s) => (s.version === 3) === (s.derivedFrom !== undefined), { message: 'derivedFrom is in version 3 and only there', path: ['derivedFrom'] });

export type RecordingSidecar = z.infer<typeof sidecarSchema>;

export function parseSidecar(text: string, label: string): RecordingSidecar {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw new CallvaultError('CV_ERR_ARCHIVE_CORRUPT', [label, 'sidecar is not valid JSON'], { cause });
  }
  const parsed = sidecarSchema.safeParse(raw);
  if (!parsed.success) {
    const why = parsed.error.issues.map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`).join('; ');
    throw new CallvaultError('CV_ERR_ARCHIVE_CORRUPT', [label, `sidecar invalid: ${why}`], { cause: parsed.error });
  }
  return parsed.data;
}

/** The index row a sidecar stands for, given where its file is and its retention deadline. */
export function sidecarToRow(s: RecordingSidecar, relativeFile: string, retentionUntil: string): NewRecording {
  const { version: _version, file: _file, ...rest } = s;
  return { ...rest, file: relativeFile, retentionUntil, status: 'archived' };
}
