/**
 * GET /login/oidc (public): starts an OpenID Connect sign-in. The state,
 * nonce and PKCE verifier are kept in the index, bound to this browser's
 * anonymous session, so that a callback from another browser (login CSRF)
 * finds nothing.
 */
import type { RouteSpec } from '../console-app.js';
import { createSession } from '../store/sessions.js';
import { sessionCookie } from '../session-cookie.js';
import { notFound } from '../refusal.js';

export const PENDING_MAX_AGE_MS = 10 * 60_000;

export const oidcStart: RouteSpec = {
  method: 'GET', url: '/login/oidc', access: 'public', kind: 'page', schema: {},
  async handler(app, req, reply) {
    if (app.oidc === null) throw notFound('page');
    const db = app.index.db;
    const now = app.now();
    let session = req.cv.session;
    if (session === null) {
      const made = createSession(db, null, now);
      session = made.row;
      reply.header('set-cookie', sessionCookie(made.token, app.console.session.absoluteHours * 3600));
    }
    const start = await app.oidc.start();
    db.prepare('DELETE FROM console_oidc_pending WHERE created_at < ?').run(new Date(now.getTime() - PENDING_MAX_AGE_MS).toISOString());
    db.prepare('INSERT INTO console_oidc_pending (state, session_hash, code_verifier, nonce, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(start.state, session.idHash, start.codeVerifier, start.nonce, now.toISOString());
    return reply.code(303).header('location', start.url).send();
  },
};
