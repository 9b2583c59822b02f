/**
 * Training (issue 10, docs/quality.md "Training"): copies of quality
 * recordings re-encrypted in a trainer's browser to the training recipients,
 * the playlists trainers build of them, their assignment to new hires, and
 * each new hire's progress per item. A copy is a recording row of purpose
 * training (`derived_from` names its source) so that everything the index
 * does for recordings (search, subject requests, holds, purge) reaches it;
 * its retention counts from its creation. Playlist items go with their copy.
 */
import type { Database } from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { appendAudit } from './audit-log.js';
import { agentsOf, insertRecording } from './recordings.js';
import { opsFromSql, type OpsRecording } from './ops-rows.js';

/** Played to at least this share of its length, an item counts as completed. */
export const COMPLETED_SHARE = 0.9;

export interface NewTrainingCopy {
  source: OpsRecording;
  id: string;
  /** Path relative to the storage directory. */
  file: string;
  sizeBytes: number;
  sha256: string;
  recipients: readonly string[];
  retentionUntil: Date;
  actor: string;
  now: Date;
}

/**
 * Indexes a copy and writes its audit rows (on the copy: who made it from
 * what; on the source: that a copy exists) in one transaction. The copy
 * keeps the call's facts (line, agents, caller hash, times, pauses): it is
 * the same call, kept for another purpose.
 */
export function insertTrainingCopy(db: Database, c: NewTrainingCopy): void {
  db.transaction(() => {
    const s = c.source;
    const inserted = insertRecording(db, {
      ...s, id: c.id, purpose: 'training', file: c.file, sizeBytes: c.sizeBytes, sha256: c.sha256, recipients: [...c.recipients],
      retentionUntil: c.retentionUntil.toISOString(), archivedAt: c.now.toISOString(), status: 'archived', agents: agentsOf(db, s.id), derivedFrom: s.id,
    });
    if (!inserted) throw new Error(`training copy ${c.id} already exists`);
    appendAudit(db, { actor: c.actor, action: 'training.copy', recordingId: c.id, at: c.now,
      details: { from: s.id, fromPurpose: s.purpose, sha256: c.sha256, recipients: c.recipients.length, retentionUntil: c.retentionUntil.toISOString() } });
    appendAudit(db, { actor: c.actor, action: 'training.copied', recordingId: s.id, at: c.now, details: { copy: c.id } });
  }).immediate();
}

export function derivedFrom(db: Database, id: string): string | null {
  const r = db.prepare('SELECT derived_from FROM recordings WHERE id = ?').get(id) as { derived_from: string | null } | undefined;
  return r?.derived_from ?? null;
}

/** Training copies made from a recording (the recording page links them). */
export function copiesOf(db: Database, sourceId: string): string[] {
  return (db.prepare("SELECT id FROM recordings WHERE derived_from = ? AND purge_started_at IS NULL ORDER BY archived_at").all(sourceId) as Array<{ id: string }>).map((r) => r.id);
}

/** Training copies on these lines (null: any), newest first: what a trainer may put in a playlist. */
export function trainingCopies(db: Database, lines: readonly string[] | null, limit = 200): OpsRecording[] {
  const where = ["purpose = 'training'", 'derived_from IS NOT NULL', 'purge_started_at IS NULL'];
  const params: unknown[] = [];
  if (lines !== null) {
    if (lines.length === 0) return [];
    where.push(`line IN (${lines.map(() => '?').join(', ')})`);
    params.push(...lines);
  }
  const rows = db.prepare(`SELECT * FROM recordings WHERE ${where.join(' AND ')} ORDER BY archived_at DESC LIMIT ${Number(limit)}`).all(...params);
  return (rows as Parameters<typeof opsFromSql>[0][]).map(opsFromSql);
}

export interface Playlist { id: string; name: string; trainer: string; createdAt: string }
export interface PlaylistItem { id: number; playlistId: string; ord: number; recordingId: string; note: string | null; durationMs: number; line: string; startedAt: string }
export interface Progress { itemId: number; username: string; playedSeconds: number; completedAt: string | null }

export function newPlaylistId(): string {
  return `pl-${randomBytes(12).toString('hex')}`;
}

export function createPlaylist(db: Database, p: { name: string; trainer: string; now: Date }): Playlist {
  const row: Playlist = { id: newPlaylistId(), name: p.name, trainer: p.trainer, createdAt: p.now.toISOString() };
  db.transaction(() => {
    db.prepare('INSERT INTO training_playlists (id, name, trainer, created_at) VALUES (?, ?, ?, ?)').run(row.id, row.name, row.trainer, row.createdAt);
    appendAudit(db, { actor: p.trainer, action: 'training.playlist-create', at: p.now, details: { playlist: row.id } });
  }).immediate();
  return row;
}

interface PlaylistSql { id: string; name: string; trainer: string; created_at: string }
const playlistFrom = (r: PlaylistSql): Playlist => ({ id: r.id, name: r.name, trainer: r.trainer, createdAt: r.created_at });

export function getPlaylist(db: Database, id: string): Playlist | null {
  const r = db.prepare('SELECT * FROM training_playlists WHERE id = ?').get(id) as PlaylistSql | undefined;
  return r === undefined ? null : playlistFrom(r);
}

export function playlistsOf(db: Database, trainer: string): Playlist[] {
  return (db.prepare('SELECT * FROM training_playlists WHERE trainer = ? ORDER BY created_at, id').all(trainer) as PlaylistSql[]).map(playlistFrom);
}

/** Playlists assigned to a new hire. */
export function assignedTo(db: Database, username: string): Playlist[] {
  return (db.prepare(`SELECT p.* FROM training_playlists p JOIN training_assignments a ON a.playlist_id = p.id
    WHERE a.username = ? ORDER BY a.assigned_at, p.id`).all(username) as PlaylistSql[]).map(playlistFrom);
}

export function isAssigned(db: Database, playlistId: string, username: string): boolean {
  return db.prepare('SELECT 1 FROM training_assignments WHERE playlist_id = ? AND username = ?').get(playlistId, username) !== undefined;
}

export function assigneesOf(db: Database, playlistId: string): string[] {
  return (db.prepare('SELECT username FROM training_assignments WHERE playlist_id = ? ORDER BY username').all(playlistId) as Array<{ username: string }>).map((r) => r.username);
}

interface ItemSql { id: number; playlist_id: string; ord: number; recording_id: string; note: string | null; duration_ms: number; line: string; started_at: string }
const itemFrom = (r: ItemSql): PlaylistItem => ({ id: r.id, playlistId: r.playlist_id, ord: r.ord, recordingId: r.recording_id, note: r.note, durationMs: r.duration_ms, line: r.line, startedAt: r.started_at });
const ITEM_SELECT = `SELECT i.id, i.playlist_id, i.ord, i.recording_id, i.note, r.duration_ms, r.line, r.started_at
  FROM training_playlist_items i JOIN recordings r ON r.id = i.recording_id`;

/** A playlist's items in order; a copy being purged is already out (its row goes, and the item with it). */
export function itemsOf(db: Database, playlistId: string): PlaylistItem[] {
  return (db.prepare(`${ITEM_SELECT} WHERE i.playlist_id = ? AND r.purge_started_at IS NULL ORDER BY i.ord`).all(playlistId) as ItemSql[]).map(itemFrom);
}

export function getItem(db: Database, itemId: number): PlaylistItem | null {
  const r = db.prepare(`${ITEM_SELECT} WHERE i.id = ? AND r.purge_started_at IS NULL`).get(itemId) as ItemSql | undefined;
  return r === undefined ? null : itemFrom(r);
}

export function addItem(db: Database, p: { playlistId: string; recordingId: string; note: string | null; actor: string; now: Date }): PlaylistItem {
  const id = db.transaction((): number => {
    const next = (db.prepare('SELECT COALESCE(MAX(ord) + 1, 0) AS n FROM training_playlist_items WHERE playlist_id = ?').get(p.playlistId) as { n: number }).n;
    const r = db.prepare('INSERT INTO training_playlist_items (playlist_id, ord, recording_id, note, added_at) VALUES (?, ?, ?, ?, ?)')
      .run(p.playlistId, next, p.recordingId, p.note, p.now.toISOString());
    appendAudit(db, { actor: p.actor, action: 'training.playlist-add', recordingId: p.recordingId, at: p.now, details: { playlist: p.playlistId } });
    return Number(r.lastInsertRowid);
  }).immediate();
  return getItem(db, id)!;
}

export function assign(db: Database, p: { playlistId: string; username: string; actor: string; now: Date }): boolean {
  return db.transaction((): boolean => {
    const n = db.prepare('INSERT INTO training_assignments (playlist_id, username, assigned_by, assigned_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING')
      .run(p.playlistId, p.username, p.actor, p.now.toISOString()).changes;
    if (n === 1) appendAudit(db, { actor: p.actor, action: 'training.assign', at: p.now, details: { playlist: p.playlistId, user: p.username } });
    return n === 1;
  }).immediate();
}

/**
 * Records how far a new hire has played an item: the most they have played
 * (a later, shorter session does not lower it), capped at the item's
 * length; completed from COMPLETED_SHARE on, once, with an audit row.
 */
export function recordProgress(db: Database, p: { item: PlaylistItem; username: string; playedSeconds: number; now: Date }): Progress {
  return db.transaction((): Progress => {
    const length = p.item.durationMs / 1000;
    const played = Math.min(Math.max(0, p.playedSeconds), length);
    const old = progressOne(db, p.item.id, p.username);
    const best = Math.max(old?.playedSeconds ?? 0, played);
    const done = old?.completedAt ?? (best >= COMPLETED_SHARE * length ? p.now.toISOString() : null);
    db.prepare(`INSERT INTO training_progress (item_id, username, played_seconds, completed_at, updated_at) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (item_id, username) DO UPDATE SET played_seconds = excluded.played_seconds, completed_at = excluded.completed_at, updated_at = excluded.updated_at`)
      .run(p.item.id, p.username, best, done, p.now.toISOString());
    if (done !== null && old?.completedAt == null) {
      appendAudit(db, { actor: p.username, action: 'training.completed', recordingId: p.item.recordingId, at: p.now, details: { playlist: p.item.playlistId, item: p.item.id } });
    }
    return { itemId: p.item.id, username: p.username, playedSeconds: best, completedAt: done };
  }).immediate();
}

interface ProgressSql { item_id: number; username: string; played_seconds: number; completed_at: string | null }
const progressFrom = (r: ProgressSql): Progress => ({ itemId: r.item_id, username: r.username, playedSeconds: r.played_seconds, completedAt: r.completed_at });

function progressOne(db: Database, itemId: number, username: string): Progress | null {
  const r = db.prepare('SELECT * FROM training_progress WHERE item_id = ? AND username = ?').get(itemId, username) as ProgressSql | undefined;
  return r === undefined ? null : progressFrom(r);
}

/** Progress on a playlist's items, for one new hire or (username omitted) every one. */
export function progressOn(db: Database, playlistId: string, username?: string): Progress[] {
  const rows = db.prepare(`SELECT p.* FROM training_progress p JOIN training_playlist_items i ON i.id = p.item_id
    WHERE i.playlist_id = ? ${username === undefined ? '' : 'AND p.username = ?'} ORDER BY p.username, i.ord`)
    .all(...(username === undefined ? [playlistId] : [playlistId, username])) as ProgressSql[];
  return rows.map(progressFrom);
}

/**
 * Moves an item one place up or down its playlist (swapping `ord` with its
 * neighbour); false when it is already first or last. Through a free ord
 * past the end, since (playlist_id, ord) is unique at every statement.
 */
export function moveItem(db: Database, p: { playlistId: string; itemId: number; direction: 'up' | 'down'; actor: string; now: Date }): boolean {
  return db.transaction((): boolean => {
    const me = db.prepare('SELECT id, ord FROM training_playlist_items WHERE id = ? AND playlist_id = ?').get(p.itemId, p.playlistId) as { id: number; ord: number } | undefined;
    if (me === undefined) return false;
    const other = db.prepare(p.direction === 'up'
      ? 'SELECT id, ord FROM training_playlist_items WHERE playlist_id = ? AND ord < ? ORDER BY ord DESC LIMIT 1'
      : 'SELECT id, ord FROM training_playlist_items WHERE playlist_id = ? AND ord > ? ORDER BY ord LIMIT 1').get(p.playlistId, me.ord) as { id: number; ord: number } | undefined;
    if (other === undefined) return false;
    const free = (db.prepare('SELECT MAX(ord) + 1 AS n FROM training_playlist_items WHERE playlist_id = ?').get(p.playlistId) as { n: number }).n;
    const set = db.prepare('UPDATE training_playlist_items SET ord = ? WHERE id = ?');
    set.run(free, me.id);
    set.run(me.ord, other.id);
    set.run(other.ord, me.id);
    appendAudit(db, { actor: p.actor, action: 'training.playlist-move', at: p.now, details: { playlist: p.playlistId, item: p.itemId, direction: p.direction } });
    return true;
  }).immediate();
}

/** Takes an item out of its playlist; the new hires' progress on it goes with it (foreign key cascade). The copy stays. */
export function removeItem(db: Database, p: { playlistId: string; itemId: number; actor: string; now: Date }): boolean {
  return db.transaction((): boolean => {
    const r = db.prepare('SELECT recording_id FROM training_playlist_items WHERE id = ? AND playlist_id = ?').get(p.itemId, p.playlistId) as { recording_id: string } | undefined;
    if (r === undefined) return false;
    db.prepare('DELETE FROM training_playlist_items WHERE id = ?').run(p.itemId);
    appendAudit(db, { actor: p.actor, action: 'training.playlist-remove', recordingId: r.recording_id, at: p.now, details: { playlist: p.playlistId, item: p.itemId } });
    return true;
  }).immediate();
}

/**
 * Ends a new hire's assignment, and deletes their progress on this
 * playlist's items: it described their work on a course they no longer
 * follow, and nothing else reads it (the audit rows of their plays stay).
 */
export function unassign(db: Database, p: { playlistId: string; username: string; actor: string; now: Date }): boolean {
  return db.transaction((): boolean => {
    const n = db.prepare('DELETE FROM training_assignments WHERE playlist_id = ? AND username = ?').run(p.playlistId, p.username).changes;
    if (n === 0) return false;
    db.prepare('DELETE FROM training_progress WHERE username = ? AND item_id IN (SELECT id FROM training_playlist_items WHERE playlist_id = ?)').run(p.username, p.playlistId);
    appendAudit(db, { actor: p.actor, action: 'training.unassign', at: p.now, details: { playlist: p.playlistId, user: p.username } });
    return true;
  }).immediate();
}

/** Deletes a playlist with its items, assignments and progress (cascades); the copies stay, for their own retention. */
export function deletePlaylist(db: Database, p: { playlistId: string; actor: string; now: Date }): boolean {
  return db.transaction((): boolean => {
    const n = db.prepare('DELETE FROM training_playlists WHERE id = ?').run(p.playlistId).changes;
    if (n === 1) appendAudit(db, { actor: p.actor, action: 'training.playlist-delete', at: p.now, details: { playlist: p.playlistId } });
    return n === 1;
  }).immediate();
}
