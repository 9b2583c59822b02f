/**
 * The end of every successful sign-in, by password or by the identity
 * provider: the anonymous session is replaced by a new one (no fixation), the
 * account's throttle is cleared, and the audit row names the method.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ConsoleApp } from './console-app.js';
import { createSession, deleteSession } from './store/sessions.js';
import { clearThrottle } from './store/throttle-store.js';
import type { ConsoleUser } from './store/users.js';
import { sessionCookie } from './session-cookie.js';

export function completeSignIn(app: ConsoleApp, req: FastifyRequest, reply: FastifyReply, user: ConsoleUser, details: Record<string, unknown>): FastifyReply {
  const db = app.index.db;
  const { token } = db.transaction(() => {
    if (req.cv.session !== null) deleteSession(db, req.cv.session.idHash);
    clearThrottle(db, `user:${user.username}`);
    app.audit(user.username, 'console.sign-in', { address: req.ip, role: user.role, ...details });
    return createSession(db, user.username, app.now());
  }).immediate();
  return reply.code(303).header('set-cookie', sessionCookie(token, app.console.session.absoluteHours * 3600)).header('location', '/').send();
}
