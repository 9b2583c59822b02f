/**
 * GET /api/recordings/:id/meta (roles that list recordings; object in scope):
 * what the player draws. Payment pauses come from the index row (the
 * archiver copies them from the spool metadata); a pause still open at the
 * end of the file runs to its end.
 */
import type { RouteSpec } from '../console-app.js';
import { viewerOf } from '../console-app.js';
import { notesOf } from '../store/notes.js';
import { recordingParams, visibleRecording } from './recording-access.js';
import type { OpsRecording } from '../../index/ops-rows.js';

export const recordingMeta: RouteSpec = {
  method: 'GET', url: '/api/recordings/:id/meta', access: 'recordings.list', kind: 'api',
  schema: { params: recordingParams },
  async handler(app, req) {
    const rec = visibleRecording(app, viewerOf(req), (req.params as { id: string }).id);
    return playerMeta(rec, notesOf(app.index.db, rec.id));
  },
};

export interface PlayerNote { id: string | number; atMs: number; text: string; author: string; createdAt: string }

/** The player's contract (browser/player.ts RecordingMeta); the evaluation page passes the evaluation's notes instead. */
export function playerMeta(rec: OpsRecording, notes: readonly PlayerNote[]) {
  return {
    id: rec.id, durationMs: rec.durationMs, channels: rec.channels, sampleRate: rec.sampleRate, purpose: rec.purpose, startedAt: rec.startedAt,
    pauses: rec.pauses.map((p) => ({ startMs: p.startOffsetMs, endMs: p.endOffsetMs ?? rec.durationMs, outcome: p.outcome })),
    notes: notes.map((n) => ({ id: n.id, atMs: n.atMs, text: n.text, author: n.author, createdAt: n.createdAt })),
    channelNames: rec.channels === 2 ? ['caller', 'agent'] : ['mixed'],
  };
}
