/**
 * A new hire's training (training.learn; docs/quality.md "Training"): GET
 * /learn lists the playlists assigned to them with their own progress; GET
 * /learn/items/:id plays one call (the player, with this item's meta and
 * audio URLs); GET /api/learn/items/:id/meta and /audio give the player what
 * it needs, the audio after an audit row like any listen (and only with a
 * training grant: the browser decrypts); POST /api/learn/items/:id/progress
 * takes how many seconds were played. An item of a playlist not assigned to
 * the viewer is answered as unknown.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ConsoleApp, RouteSpec } from '../console-app.js';
import { pageContext, viewerOf } from '../console-app.js';
import { assignedTo, getItem, isAssigned, itemsOf, progressOn, recordProgress, type PlaylistItem } from '../../index/training-store.js';
import { getOpsRecording, type OpsRecording } from '../../index/ops-rows.js';
import { Refusal, notFound } from '../refusal.js';
import { hasGrant } from '../store/grants.js';
import { getUserKey } from '../store/user-keys.js';
import type { ConsoleUser } from '../store/users.js';
import { learnItemView, learnView, type LearnModel } from '../views/training.js';
import { playerMeta } from './recording-meta.js';

const params = { type: 'object', required: ['id'], properties: { id: { type: 'integer', minimum: 1 } } } as const;

function assignedItem(app: ConsoleApp, viewer: ConsoleUser, id: number): { item: PlaylistItem; rec: OpsRecording } {
  const item = getItem(app.index.db, id);
  if (item === null || !isAssigned(app.index.db, item.playlistId, viewer.username)) throw notFound('training call');
  const rec = getOpsRecording(app.index.db, item.recordingId);
  if (rec === null || rec.purgeStartedAt !== null) throw notFound('training call');
  return { item, rec };
}

function missing(app: ConsoleApp, viewer: ConsoleUser): LearnModel['missing'] {
  if (getUserKey(app.index.db, viewer.username) === null) return 'key';
  return hasGrant(app.index.db, viewer.username, 'training') ? null : 'grant';
}

const lang = { type: 'object', properties: { lang: { type: 'string', enum: ['fr', 'en'] } } } as const;

export const learnShow: RouteSpec = {
  method: 'GET', url: '/learn', access: 'training.learn', kind: 'page', schema: { querystring: lang },
  async handler(app, req, reply) {
    const viewer = viewerOf(req);
    const db = app.index.db;
    const playlists = assignedTo(db, viewer.username).map((playlist) => ({ playlist, items: itemsOf(db, playlist.id), progress: progressOn(db, playlist.id, viewer.username) }));
    return reply.type('text/html; charset=utf-8').send(learnView(pageContext(app, req), { playlists, missing: missing(app, viewer) }));
  },
};

export const learnItemShow: RouteSpec = {
  method: 'GET', url: '/learn/items/:id', access: 'training.learn', kind: 'page', schema: { params, querystring: lang },
  async handler(app, req, reply) {
    const viewer = viewerOf(req);
    const { item, rec } = assignedItem(app, viewer, (req.params as { id: number }).id);
    const items = itemsOf(app.index.db, item.playlistId);
    return reply.type('text/html; charset=utf-8').send(learnItemView(pageContext(app, req), {
      item, rec, position: items.findIndex((i) => i.id === item.id) + 1, count: items.length, missing: missing(app, viewer),
    }));
  },
};

export const learnItemMeta: RouteSpec = {
  method: 'GET', url: '/api/learn/items/:id/meta', access: 'training.learn', kind: 'api', schema: { params },
  async handler(app, req) {
    const { rec } = assignedItem(app, viewerOf(req), (req.params as { id: number }).id);
    return playerMeta(rec, []);
  },
};

export const learnItemAudio: RouteSpec = {
  method: 'GET', url: '/api/learn/items/:id/audio', access: 'training.learn', kind: 'api',
  schema: { params, querystring: { type: 'object', properties: { reason: { type: 'string', maxLength: 500 }, lang: { type: 'string' } } } },
  async handler(app, req, reply) {
    const viewer = viewerOf(req);
    const { item, rec } = assignedItem(app, viewer, (req.params as { id: number }).id);
    if (!hasGrant(app.index.db, viewer.username, 'training')) {
      app.audit(viewer.username, 'console.listen-refused', { why: 'no grant', purpose: 'training', playlist: item.playlistId }, rec.id);
      throw new Refusal(403, 'CV_ERR_CONSOLE_NO_GRANT', ['training', 'training']);
    }
    const path = join(app.config.storage.dir, rec.file);
    const st = await stat(path).catch(() => null);
    if (st === null) throw notFound('recording file');
    app.audit(viewer.username, 'training.play', { address: req.ip, bytes: st.size, sha256: rec.sha256, playlist: item.playlistId, item: item.id }, rec.id, 'training');
    return reply.type('application/octet-stream').header('content-length', String(st.size))
      .header('content-disposition', `attachment; filename="${rec.id}.opus.age"`).send(createReadStream(path));
  },
};

export const learnItemProgress: RouteSpec = {
  method: 'POST', url: '/api/learn/items/:id/progress', access: 'training.learn', kind: 'api',
  schema: { params, body: { type: 'object', required: ['playedSeconds'], properties: { playedSeconds: { type: 'number', minimum: 0, maximum: 1e7 } } } },
  async handler(app, req) {
    const viewer = viewerOf(req);
    const { item } = assignedItem(app, viewer, (req.params as { id: number }).id);
    const p = recordProgress(app.index.db, { item, username: viewer.username, playedSeconds: (req.body as { playedSeconds: number }).playedSeconds, now: app.now() });
    return { playedSeconds: p.playedSeconds, completed: p.completedAt !== null };
  },
};
