/**
 * The trainer's pages (training.manage; docs/quality.md "Training"):
 * GET /training lists the trainer's playlists and the training copies on
 * their lines; POST /training/playlists creates one; GET
 * /training/playlists/:id shows its calls, who it is assigned to and each
 * new hire's progress per call; POST .../items adds a copy (with an optional
 * note), POST .../assignments assigns it to a new hire (an active agent-role
 * user); .../items/:item/move (up or down) and .../remove take a call out,
 * .../assignments/remove ends an assignment (and its progress), .../delete
 * deletes the playlist (the copies stay, for their own retention). A
 * playlist is its trainer's: another's id is answered as unknown.
 */
import type { ConsoleApp, RouteSpec } from '../console-app.js';
import { pageContext, viewerOf } from '../console-app.js';
import { addItem, assign, assigneesOf, createPlaylist, deletePlaylist, getPlaylist, itemsOf, moveItem, playlistsOf, progressOn, removeItem, trainingCopies, unassign, type Playlist } from '../../index/training-store.js';
import { getOpsRecording, type OpsRecording } from '../../index/ops-rows.js';
import { badRequest, notFound } from '../refusal.js';
import { inScope, scopeOf, type Scope } from '../roles.js';
import { getUser, listUsers, type ConsoleUser } from '../store/users.js';
import { playlistView, trainingHomeView } from '../views/training.js';

const PLAYLIST_ID = /^pl-[0-9a-f]{24}$/;
const params = { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 40 } } } as const;
const doneQuery = { type: 'object', properties: { lang: { type: 'string', enum: ['fr', 'en'] }, done: { type: 'string', maxLength: 20 } } } as const;

/** The lines whose copies a trainer may use: their scope's (null = any). */
function copyLines(scope: Scope): readonly string[] | null {
  return scope.kind === 'some' ? scope.lines : scope.kind === 'all' ? null : [];
}

function usableCopies(app: ConsoleApp, viewer: ConsoleUser): OpsRecording[] {
  const scope = scopeOf(viewer, app.console.teams);
  return trainingCopies(app.index.db, copyLines(scope)).filter((c) => inScope(scope, c));
}

export function ownPlaylist(app: ConsoleApp, viewer: ConsoleUser, id: string): Playlist {
  const p = PLAYLIST_ID.test(id) ? getPlaylist(app.index.db, id) : null;
  if (p === null || p.trainer !== viewer.username) throw notFound('playlist');
  return p;
}

export const trainingShow: RouteSpec = {
  method: 'GET', url: '/training', access: 'training.manage', kind: 'page', schema: { querystring: doneQuery },
  async handler(app, req, reply) {
    const viewer = viewerOf(req);
    const db = app.index.db;
    const playlists = playlistsOf(db, viewer.username).map((p) => ({ ...p, items: itemsOf(db, p.id).length, assignees: assigneesOf(db, p.id).length }));
    return reply.type('text/html; charset=utf-8').send(trainingHomeView(pageContext(app, req), { playlists, copies: usableCopies(app, viewer), done: (req.query as { done?: string }).done }));
  },
};

export const playlistCreate: RouteSpec = {
  method: 'POST', url: '/training/playlists', access: 'training.manage', kind: 'page',
  schema: { body: { type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 1, maxLength: 200 }, _csrf: { type: 'string' } } } },
  async handler(app, req, reply) {
    const name = (req.body as { name: string }).name.replace(/[\u0000-\u001f]/g, ' ').trim();
    if (name === '') throw badRequest('name');
    const p = createPlaylist(app.index.db, { name, trainer: viewerOf(req).username, now: app.now() });
    return reply.code(303).header('location', `/training/playlists/${p.id}?done=created`).send();
  },
};

/** Active agent-role users: the new hires a playlist may be assigned to (docs/decisions.md, "Training"). */
function newHires(app: ConsoleApp): string[] {
  return listUsers(app.index.db).filter((u) => u.role === 'agent' && u.state === 'active').map((u) => u.username);
}

export const playlistShow: RouteSpec = {
  method: 'GET', url: '/training/playlists/:id', access: 'training.manage', kind: 'page', schema: { params, querystring: doneQuery },
  async handler(app, req, reply) {
    const viewer = viewerOf(req);
    const pl = ownPlaylist(app, viewer, (req.params as { id: string }).id);
    const db = app.index.db;
    const assignees = assigneesOf(db, pl.id);
    return reply.type('text/html; charset=utf-8').send(playlistView(pageContext(app, req), {
      playlist: pl, items: itemsOf(db, pl.id), assignees, progress: progressOn(db, pl.id), copies: usableCopies(app, viewer),
      newHires: newHires(app).filter((u) => !assignees.includes(u)), done: (req.query as { done?: string }).done,
    }));
  },
};

export const playlistItemAdd: RouteSpec = {
  method: 'POST', url: '/training/playlists/:id/items', access: 'training.manage', kind: 'page',
  schema: { params, body: { type: 'object', required: ['recording'], properties: { recording: { type: 'string', maxLength: 40 }, note: { type: 'string', maxLength: 2000 }, _csrf: { type: 'string' } } } },
  async handler(app, req, reply) {
    const viewer = viewerOf(req);
    const pl = ownPlaylist(app, viewer, (req.params as { id: string }).id);
    const body = req.body as { recording: string; note?: string };
    const rec = getOpsRecording(app.index.db, body.recording);
    // Only a training copy the trainer may see: the same answer for an unknown id.
    if (rec === null || rec.purpose !== 'training' || rec.purgeStartedAt !== null || !inScope(scopeOf(viewer, app.console.teams), rec)
      || !usableCopies(app, viewer).some((c) => c.id === rec.id)) throw notFound('training copy');
    const note = (body.note ?? '').replace(/[\u0000-\u001f]/g, ' ').trim();
    addItem(app.index.db, { playlistId: pl.id, recordingId: rec.id, note: note === '' ? null : note, actor: viewer.username, now: app.now() });
    return reply.code(303).header('location', `/training/playlists/${pl.id}?done=added`).send();
  },
};

export const playlistAssign: RouteSpec = {
  method: 'POST', url: '/training/playlists/:id/assignments', access: 'training.manage', kind: 'page',
  schema: { params, body: { type: 'object', required: ['username'], properties: { username: { type: 'string', maxLength: 64 }, _csrf: { type: 'string' } } } },
  async handler(app, req, reply) {
    const viewer = viewerOf(req);
    const pl = ownPlaylist(app, viewer, (req.params as { id: string }).id);
    const username = (req.body as { username: string }).username;
    const user = getUser(app.index.db, username);
    if (user === null || user.role !== 'agent' || user.state !== 'active') throw notFound('new hire');
    assign(app.index.db, { playlistId: pl.id, username, actor: viewer.username, now: app.now() });
    return reply.code(303).header('location', `/training/playlists/${pl.id}?done=assigned`).send();
  },
};

const itemParams = { type: 'object', required: ['id', 'item'], properties: { id: { type: 'string', maxLength: 40 }, item: { type: 'integer', minimum: 1 } } } as const;
const csrfOnly = { type: 'object', properties: { _csrf: { type: 'string' } } } as const;

/** The item, if it is in this playlist: another playlist's item is answered as unknown. */
function ownItem(app: ConsoleApp, pl: Playlist, itemId: number): number {
  if (!itemsOf(app.index.db, pl.id).some((i) => i.id === itemId)) throw notFound('playlist item');
  return itemId;
}

export const playlistItemMove: RouteSpec = {
  method: 'POST', url: '/training/playlists/:id/items/:item/move', access: 'training.manage', kind: 'page',
  schema: { params: itemParams, body: { type: 'object', required: ['direction'], properties: { direction: { type: 'string', enum: ['up', 'down'] }, _csrf: { type: 'string' } } } },
  async handler(app, req, reply) {
    const viewer = viewerOf(req);
    const { id, item } = req.params as { id: string; item: number };
    const pl = ownPlaylist(app, viewer, id);
    // Already first (or last): nothing to do, the page says nothing moved.
    const moved = moveItem(app.index.db, { playlistId: pl.id, itemId: ownItem(app, pl, item), direction: (req.body as { direction: 'up' | 'down' }).direction, actor: viewer.username, now: app.now() });
    return reply.code(303).header('location', `/training/playlists/${pl.id}${moved ? '?done=moved' : ''}`).send();
  },
};

export const playlistItemRemove: RouteSpec = {
  method: 'POST', url: '/training/playlists/:id/items/:item/remove', access: 'training.manage', kind: 'page',
  schema: { params: itemParams, body: csrfOnly },
  async handler(app, req, reply) {
    const viewer = viewerOf(req);
    const { id, item } = req.params as { id: string; item: number };
    const pl = ownPlaylist(app, viewer, id);
    removeItem(app.index.db, { playlistId: pl.id, itemId: ownItem(app, pl, item), actor: viewer.username, now: app.now() });
    return reply.code(303).header('location', `/training/playlists/${pl.id}?done=removed`).send();
  },
};

export const playlistUnassign: RouteSpec = {
  method: 'POST', url: '/training/playlists/:id/assignments/remove', access: 'training.manage', kind: 'page',
  schema: { params, body: { type: 'object', required: ['username'], properties: { username: { type: 'string', maxLength: 64 }, _csrf: { type: 'string' } } } },
  async handler(app, req, reply) {
    const viewer = viewerOf(req);
    const pl = ownPlaylist(app, viewer, (req.params as { id: string }).id);
    if (!unassign(app.index.db, { playlistId: pl.id, username: (req.body as { username: string }).username, actor: viewer.username, now: app.now() })) throw notFound('assignment');
    return reply.code(303).header('location', `/training/playlists/${pl.id}?done=unassigned`).send();
  },
};

export const playlistDelete: RouteSpec = {
  method: 'POST', url: '/training/playlists/:id/delete', access: 'training.manage', kind: 'page',
  schema: { params, body: csrfOnly },
  async handler(app, req, reply) {
    const viewer = viewerOf(req);
    const pl = ownPlaylist(app, viewer, (req.params as { id: string }).id);
    deletePlaylist(app.index.db, { playlistId: pl.id, actor: viewer.username, now: app.now() });
    return reply.code(303).header('location', '/training?done=deleted').send();
  },
};
