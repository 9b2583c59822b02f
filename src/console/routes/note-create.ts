/** POST /api/recordings/:id/notes (listening roles; object in scope; CSRF): a time-stamped note. */
import type { RouteSpec } from '../console-app.js';
import { viewerOf } from '../console-app.js';
import { badRequest } from '../refusal.js';
import { addNote } from '../store/notes.js';
import { recordingParams, visibleRecording } from './recording-access.js';

export const noteCreate: RouteSpec = {
  method: 'POST', url: '/api/recordings/:id/notes', access: 'recordings.listen', kind: 'api',
  schema: {
    params: recordingParams,
    body: { type: 'object', required: ['atMs', 'text'], properties: { atMs: { type: 'integer', minimum: 0 }, text: { type: 'string', minLength: 1, maxLength: 2000 } } },
  },
  async handler(app, req, reply) {
    const viewer = viewerOf(req);
    const rec = visibleRecording(app, viewer, (req.params as { id: string }).id);
    const b = req.body as { atMs: number; text: string };
    if (b.atMs > rec.durationMs) throw badRequest(`atMs is past the end of the recording (${rec.durationMs} ms)`);
    const text = b.text.trim();
    if (text.length === 0) throw badRequest('text is empty');
    const note = addNote(app.index.db, { recordingId: rec.id, atMs: b.atMs, text, author: viewer.username }, app.now());
    app.audit(viewer.username, 'console.note', { noteId: note.id, atMs: note.atMs }, rec.id);
    return reply.code(201).send({ id: note.id, atMs: note.atMs, text: note.text, author: note.author, createdAt: note.createdAt });
  },
};
