/**
 * POST /login (public, CSRF of the anonymous session): checks the password,
 * throttles per account and per address, and on success replaces the session
 * by a new one (a new id: a session id planted before sign-in is worthless
 * after it). Every outcome is an audit row; a failure names the account only
 * when it exists, so typing a password into the user field leaves no trace of it.
 */
import type { RouteSpec } from '../console-app.js';
import { pageContext } from '../console-app.js';
import { verifyPassword } from '../passwords.js';
import { getUser } from '../store/users.js';
import { getThrottle, putThrottle } from '../store/throttle-store.js';
import { ACCOUNT_RULE, ADDRESS_RULE, afterFailure, checkThrottle } from '../throttle-policy.js';
import { completeSignIn } from '../sign-in.js';
import { loginView } from '../views/login.js';

export const loginCheck: RouteSpec = {
  method: 'POST', url: '/login', access: 'public', kind: 'page',
  schema: {
    body: {
      type: 'object', required: ['username', 'password', '_csrf'],
      properties: { username: { type: 'string', minLength: 1, maxLength: 64 }, password: { type: 'string', minLength: 1, maxLength: 1024 }, _csrf: { type: 'string' } },
    },
  },
  async handler(app, req, reply) {
    const db = app.index.db;
    const { username: typed, password } = req.body as { username: string; password: string };
    const username = typed.trim().toLowerCase();
    const now = app.now();
    const address = req.ip;
    const userKey = `user:${username}`;
    const addrKey = `addr:${address}`;
    const user = getUser(db, username);
    const who = user !== null ? username : '(unknown user)';
    const ctx = pageContext(app, req);

    for (const key of [userKey, addrKey]) {
      const v = checkThrottle(getThrottle(db, key), now.getTime());
      if (v.decision === 'locked') {
        app.audit(who, 'console.sign-in-throttled', { address, on: key.startsWith('user:') ? 'account' : 'address', until: new Date(v.untilMs).toISOString() });
        return reply.code(429).type('text/html; charset=utf-8').send(loginView(ctx, ctx.t('login.throttled', new Date(v.untilMs).toISOString().slice(11, 16) + ' UTC'), typed));
      }
    }

    const ok = await verifyPassword(user?.state === 'active' ? user.passwordHash : null, password);
    if (!ok || user === null) {
      db.transaction(() => {
        putThrottle(db, userKey, afterFailure(getThrottle(db, userKey), now.getTime(), ACCOUNT_RULE));
        putThrottle(db, addrKey, afterFailure(getThrottle(db, addrKey), now.getTime(), ADDRESS_RULE));
        app.audit(who, 'console.sign-in-failed', { address, why: user === null ? 'unknown user' : user.state === 'disabled' ? 'disabled' : user.passwordHash === null ? 'no password set' : 'wrong password' });
      }).immediate();
      return reply.code(401).type('text/html; charset=utf-8').send(loginView(ctx, ctx.t('login.failed'), typed));
    }

    return completeSignIn(app, req, reply, user, { method: 'password' });
  },
};
