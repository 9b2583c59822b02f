/** POST /logout (signed in, CSRF): deletes the session server-side and clears the cookie. */
import type { RouteSpec } from '../console-app.js';
import { viewerOf } from '../console-app.js';
import { deleteSession } from '../store/sessions.js';
import { clearedCookie } from '../session-cookie.js';

export const logout: RouteSpec = {
  method: 'POST', url: '/logout', access: 'signed-in', kind: 'page',
  schema: { body: { type: 'object', properties: { _csrf: { type: 'string' } } } },
  async handler(app, req, reply) {
    const viewer = viewerOf(req);
    deleteSession(app.index.db, req.cv.session!.idHash);
    app.audit(viewer.username, 'console.sign-out', { address: req.ip });
    return reply.code(303).header('set-cookie', clearedCookie()).header('location', '/login').send();
  },
};
