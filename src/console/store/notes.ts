/** Time-stamped notes on a recording (table console_notes); deleted with the recording row. */
import type { Database } from 'better-sqlite3';

export interface Note { id: number; recordingId: string; atMs: number; text: string; author: string; createdAt: string }

export function notesOf(db: Database, recordingId: string): Note[] {
  return (db.prepare('SELECT id, recording_id, at_ms, text, author, created_at FROM console_notes WHERE recording_id = ? ORDER BY at_ms, id').all(recordingId) as
    Array<{ id: number; recording_id: string; at_ms: number; text: string; author: string; created_at: string }>)
    .map((r) => ({ id: r.id, recordingId: r.recording_id, atMs: r.at_ms, text: r.text, author: r.author, createdAt: r.created_at }));
}

export function addNote(db: Database, n: Omit<Note, 'id' | 'createdAt'>, now: Date): Note {
  const createdAt = now.toISOString();
  const res = db.prepare('INSERT INTO console_notes (recording_id, at_ms, text, author, created_at) VALUES (?, ?, ?, ?, ?)').run(n.recordingId, n.atMs, n.text, n.author, createdAt);
  return { ...n, id: Number(res.lastInsertRowid), createdAt };
}
