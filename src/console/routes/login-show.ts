/** GET /login (public): the sign-in form. Makes an anonymous session to hold the form's CSRF token. */
import type { RouteSpec } from '../console-app.js';
import { pageContext } from '../console-app.js';
import { createSession } from '../store/sessions.js';
import { sessionCookie } from '../session-cookie.js';
import { loginView } from '../views/login.js';

export const loginShow: RouteSpec = {
  method: 'GET', url: '/login', access: 'public', kind: 'page',
  schema: { querystring: { type: 'object', properties: { lang: { type: 'string', enum: ['fr', 'en'] } } } },
  async handler(app, req, reply) {
    if (req.cv.viewer !== null) return reply.code(303).header('location', '/').send();
    if (req.cv.session === null) {
      const { token, row } = createSession(app.index.db, null, app.now());
      req.cv.session = row;
      reply.header('set-cookie', sessionCookie(token, app.console.session.absoluteHours * 3600));
    }
    const ctx = pageContext(app, req);
    return reply.type('text/html; charset=utf-8').send(loginView(ctx, req.cv.expired ? ctx.t('login.expired') : null, '', app.oidc?.settings.label ?? null));
  },
};
