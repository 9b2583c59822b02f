/**
 * GET /login/oidc/callback (public): the provider's answer. The pending
 * sign-in must belong to this browser's session and be fresh; the code is
 * exchanged (PKCE), the ID token checked (issuer, audience, nonce), and the
 * named local user, if it exists and is active, signed in as with a password.
 */
import type { RouteSpec } from '../console-app.js';
import { pageContext } from '../console-app.js';
import { notFound } from '../refusal.js';
import { completeSignIn } from '../sign-in.js';
import { getUser } from '../store/users.js';
import { loginView } from '../views/login.js';
import { PENDING_MAX_AGE_MS } from './oidc-start.js';

export const oidcCallback: RouteSpec = {
  method: 'GET', url: '/login/oidc/callback', access: 'public', kind: 'page',
  schema: { querystring: { type: 'object', properties: { state: { type: 'string', maxLength: 200 }, code: { type: 'string', maxLength: 2000 } } } },
  async handler(app, req, reply) {
    if (app.oidc === null) throw notFound('page');
    const db = app.index.db;
    const ctx = pageContext(app, req);
    const fail = (why: string, actor = '(unknown user)') => {
      app.audit(actor, 'console.sign-in-failed', { address: req.ip, method: 'oidc', why });
      return reply.code(401).type('text/html; charset=utf-8').send(loginView(ctx, ctx.t('login.failed'), '', app.oidc!.settings.label));
    };
    const state = (req.query as { state?: string }).state;
    const session = req.cv.session;
    const pending = state === undefined || session === null ? undefined : db.prepare('SELECT * FROM console_oidc_pending WHERE state = ? AND session_hash = ?').get(state, session.idHash) as
      { state: string; code_verifier: string; nonce: string; created_at: string } | undefined;
    if (state !== undefined) db.prepare('DELETE FROM console_oidc_pending WHERE state = ?').run(state);
    if (pending === undefined || app.now().getTime() - Date.parse(pending.created_at) > PENDING_MAX_AGE_MS) return fail('no sign-in under way in this browser');
    let who: { username: string; subject: string };
    try {
      who = await app.oidc.finish(new URL(req.url, app.origin), { state: pending.state, nonce: pending.nonce, codeVerifier: pending.code_verifier });
    } catch (err) {
      return fail(`provider answer refused: ${(err as Error).message}`);
    }
    const user = getUser(db, who.username);
    if (user === null) return fail('no local user for this provider account');
    if (user.state !== 'active') return fail('disabled', user.username);
    return completeSignIn(app, req, reply, user, { method: 'oidc', issuer: app.oidc.settings.issuer });
  },
};
