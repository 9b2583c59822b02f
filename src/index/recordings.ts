/**
 * Queries on the recordings table. Rows cross this boundary as RecordingRow
 * (camelCase, parsed JSON); SQL stays here so that the ops commands built on
 * top (status, search, purge, hold) reuse one mapping.
 */
import type { Database } from 'better-sqlite3';
import type { NewRecording, RecordingAgentRow, RecordingFilter, RecordingRow, RecordingStatus } from './types.js';

interface SqlRow {
  id: string; pbx: string; call_id: string; linked_id: string; line: string; purpose: string;
  decision: string; consent: string; language: string | null; caller_hash: string | null; agent_hash: string | null; team: string | null;
  started_at: string; ended_at: string; duration_ms: number; channels: number; sample_rate: number; bitrate_bps: number;
  size_bytes: number; sha256: string; recipients: string; pauses: string; retention_until: string; status: string;
  file: string; archived_at: string;
  /** Index version 8: the recording a training copy was made from. */
  derived_from?: string | null;
}

/** Normalises an instant to ISO-8601 UTC with milliseconds: the one text form the index stores. */
export function isoUtc(value: string | Date): string {
  const d = typeof value === 'string' ? new Date(value) : value;
  if (Number.isNaN(d.getTime())) throw new RangeError(`not a date: ${String(value)}`);
  return d.toISOString();
}

export function fromSql(r: SqlRow): RecordingRow {
  return {
    id: r.id, pbx: r.pbx, callId: r.call_id, linkedId: r.linked_id, line: r.line,
    purpose: r.purpose as RecordingRow['purpose'], decision: r.decision, consent: r.consent, language: r.language,
    callerHash: r.caller_hash, agentHash: r.agent_hash, team: r.team ?? null, startedAt: r.started_at, endedAt: r.ended_at,
    durationMs: r.duration_ms, channels: r.channels as 1 | 2, sampleRate: r.sample_rate, bitrateBps: r.bitrate_bps,
    sizeBytes: r.size_bytes, sha256: r.sha256, recipients: JSON.parse(r.recipients) as string[],
    pauses: JSON.parse(r.pauses) as RecordingRow['pauses'], retentionUntil: r.retention_until,
    status: r.status as RecordingStatus, file: r.file, archivedAt: r.archived_at,
  };
}

function toSql(r: NewRecording): SqlRow {
  return {
    id: r.id, pbx: r.pbx, call_id: r.callId, linked_id: r.linkedId, line: r.line, purpose: r.purpose,
    decision: r.decision, consent: r.consent, language: r.language, caller_hash: r.callerHash, agent_hash: r.agentHash, team: r.team ?? null,
    started_at: isoUtc(r.startedAt), ended_at: isoUtc(r.endedAt), duration_ms: r.durationMs, channels: r.channels,
    sample_rate: r.sampleRate, bitrate_bps: r.bitrateBps, size_bytes: r.sizeBytes, sha256: r.sha256,
    recipients: JSON.stringify(r.recipients), pauses: JSON.stringify(r.pauses), retention_until: isoUtc(r.retentionUntil),
    status: r.status ?? 'archived', file: r.file, archived_at: isoUtc(r.archivedAt), derived_from: r.derivedFrom ?? null,
  };
}

const COLUMNS = ['id', 'pbx', 'call_id', 'linked_id', 'line', 'purpose', 'decision', 'consent', 'language', 'caller_hash',
  'agent_hash', 'team', 'started_at', 'ended_at', 'duration_ms', 'channels', 'sample_rate', 'bitrate_bps', 'size_bytes', 'sha256',
  'recipients', 'pauses', 'retention_until', 'status', 'file', 'archived_at', 'derived_from'] as const;

/**
 * Inserts a row. Returns false, changing nothing, when a row with this id
 * exists: archiving is idempotent, and a resumed archiver may insert twice.
 */
export function insertRecording(db: Database, row: NewRecording): boolean {
  const sql = `INSERT INTO recordings (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map((c) => '@' + c).join(', ')}) ON CONFLICT (id) DO NOTHING`;
  const inserted = db.prepare(sql).run(toSql(row)).changes === 1;
  if (inserted && row.agents !== undefined && row.agents.length > 0) {
    const add = db.prepare('INSERT INTO recording_agents (recording_id, ord, agent_hash, team, offset_ms) VALUES (?, ?, ?, ?, ?)');
    row.agents.forEach((a, ord) => add.run(row.id, ord, a.agentHash, a.team, a.offsetMs));
  }
  return inserted;
}

/** Every agent heard on a recording, in order. */
export function agentsOf(db: Database, recordingId: string): RecordingAgentRow[] {
  return (db.prepare('SELECT agent_hash, team, offset_ms FROM recording_agents WHERE recording_id = ? ORDER BY ord').all(recordingId) as Array<{ agent_hash: string; team: string | null; offset_ms: number }>)
    .map((r) => ({ agentHash: r.agent_hash, team: r.team, offsetMs: r.offset_ms }));
}

/** SQL matching a recording on any of its agents (or the one named at entry), for list filters. */
export const AGENT_MATCH = '(agent_hash = @agentHash OR id IN (SELECT recording_id FROM recording_agents WHERE agent_hash = @agentHash))';
export const TEAM_MATCH = '(team = @team OR id IN (SELECT recording_id FROM recording_agents WHERE team = @team))';

export function getRecording(db: Database, id: string): RecordingRow | null {
  const r = db.prepare('SELECT * FROM recordings WHERE id = ?').get(id) as SqlRow | undefined;
  return r === undefined ? null : fromSql(r);
}

export function listRecordings(db: Database, filter: RecordingFilter = {}): RecordingRow[] {
  const where: string[] = [];
  const params: Record<string, unknown> = {};
  const add = (clause: string, name: string, value: unknown) => { where.push(clause); params[name] = value; };
  if (filter.from !== undefined) add('started_at >= @from', 'from', isoUtc(filter.from));
  if (filter.to !== undefined) add('started_at < @to', 'to', isoUtc(filter.to));
  if (filter.line !== undefined) add('line = @line', 'line', filter.line);
  if (filter.purpose !== undefined) add('purpose = @purpose', 'purpose', filter.purpose);
  if (filter.agentHash !== undefined) add(AGENT_MATCH, 'agentHash', filter.agentHash);
  if (filter.team !== undefined) add(TEAM_MATCH, 'team', filter.team);
  if (filter.callerHash !== undefined) add('caller_hash = @callerHash', 'callerHash', filter.callerHash);
  if (filter.status !== undefined) add('status = @status', 'status', filter.status);
  if (filter.linkedId !== undefined) add('linked_id = @linkedId', 'linkedId', filter.linkedId);
  if (filter.retentionBefore !== undefined) add('retention_until < @retentionBefore', 'retentionBefore', isoUtc(filter.retentionBefore));
  const order = filter.order === 'desc' ? 'DESC' : 'ASC';
  let sql = `SELECT * FROM recordings${where.length > 0 ? ' WHERE ' + where.join(' AND ') : ''} ORDER BY started_at ${order}, id ${order}`;
  if (filter.limit !== undefined) { sql += ' LIMIT @limit'; params.limit = filter.limit; }
  if (filter.offset !== undefined) { sql += (filter.limit === undefined ? ' LIMIT -1' : '') + ' OFFSET @offset'; params.offset = filter.offset; }
  return (db.prepare(sql).all(params) as SqlRow[]).map(fromSql);
}

export function countRecordings(db: Database): number {
  return (db.prepare('SELECT COUNT(*) AS n FROM recordings').get() as { n: number }).n;
}
