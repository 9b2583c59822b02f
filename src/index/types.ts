/** The index's row types, in camelCase; the SQL schema is in migrations.ts and docs/spec.md. */
import type { Purpose } from '../policy/purpose.js';

export type RecordingStatus = 'archived' | 'held' | 'purged';
export const RECORDING_STATUSES: readonly RecordingStatus[] = ['archived', 'held', 'purged'];

export interface PauseRecord {
  startOffsetMs: number;
  endOffsetMs: number | null;
  outcome: 'muted' | 'stopped' | 'muted-to-end';
}

/** One archived recording. No personal data in clear: caller and agent are keyed hashes. */
export interface RecordingRow {
  id: string;
  pbx: string;
  callId: string;
  linkedId: string;
  line: string;
  purpose: Purpose;
  decision: string;
  consent: string;
  language: string | null;
  callerHash: string | null;
  /** The first agent heard (or the one named at entry); every one is in recording_agents. */
  agentHash: string | null;
  /** That agent's team, in clear (a team is not a person); null without one. Index version 3. */
  team: string | null;
  /** ISO-8601 UTC with milliseconds, so that text order is time order. */
  startedAt: string;
  endedAt: string;
  durationMs: number;
  channels: 1 | 2;
  sampleRate: number;
  bitrateBps: number;
  sizeBytes: number;
  /** SHA-256 of the encrypted file, hex. */
  sha256: string;
  recipients: string[];
  pauses: PauseRecord[];
  retentionUntil: string;
  status: RecordingStatus;
  /** Path of the encrypted file relative to the storage directory. */
  file: string;
  archivedAt: string;
}

/** One agent heard on a recording, in the order they answered (recording_agents). */
export interface RecordingAgentRow {
  agentHash: string;
  team: string | null;
  offsetMs: number;
}

export type NewRecording = Omit<RecordingRow, 'status' | 'team'> & {
  status?: RecordingStatus;
  team?: string | null;
  /** Every agent heard, in order; agentHash/team above are the first one's. */
  agents?: readonly RecordingAgentRow[];
  /** A training copy: the recording it was made from (index version 8, docs/quality.md "Training"). */
  derivedFrom?: string | null;
};

export interface RecordingFilter {
  /** startedAt >= from (inclusive), ISO-8601 or Date. */
  from?: string | Date;
  /** startedAt < to (exclusive). */
  to?: string | Date;
  line?: string;
  purpose?: Purpose;
  /** Any agent heard on the recording (recording_agents), or the one named at entry. */
  agentHash?: string;
  /** Any agent's team. */
  team?: string;
  callerHash?: string;
  status?: RecordingStatus;
  linkedId?: string;
  /** Recordings whose retention ended before this instant. */
  retentionBefore?: string | Date;
  limit?: number;
  offset?: number;
  /** Default ascending by startedAt. */
  order?: 'asc' | 'desc';
}

export interface AuditInput {
  actor: string;
  /** A verb: archive, decrypt, verify, reindex, hold, release, purge... */
  action: string;
  recordingId?: string | null;
  reason?: string | null;
  /** Structured, non-personal details. */
  details?: Record<string, unknown>;
  at?: Date;
}

export interface AuditEntry {
  seq: number;
  at: string;
  actor: string;
  action: string;
  recordingId: string | null;
  reason: string | null;
  details: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

export type AuditVerdict =
  | { ok: true; rows: number; head: string }
  | { ok: false; rows: number; brokenAt: number; reason: string };
