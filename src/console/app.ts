/**
 * The console's Fastify application: session hook, access and CSRF checks,
 * security headers, error answers, and the route table. `buildConsole`
 * returns an app that is not listening: tests drive it with inject(), and
 * server.ts listens over TLS.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { CallvaultError } from '../errors.js';
import { assetFor } from './assets.js';
import { OidcClient } from './oidc.js';
import type { ConsoleApp, ConsoleDeps, RouteSpec } from './console-app.js';
import { pageContext } from './console-app.js';
import { isLanguage, translator } from './i18n.js';
import { Refusal, errorBody } from './refusal.js';
import { localized } from './error-text.js';
import { can } from './roles.js';
import { securityHeaders } from './security-headers.js';
import { csrfMatches, deleteSession, findSession, sessionAge, touchSession } from './store/sessions.js';
import { getUser, setLanguage } from './store/users.js';
import { STYLESHEET, STYLESHEET_FILE } from './style.js';
import { ROUTES } from './routes/route-table.js';
import { errorView } from './views/error-page.js';
import { SESSION_COOKIE, readCookie } from './session-cookie.js';

/** Touching last_seen_at on every request would be a write per request; a minute's precision is enough for a 30-minute idle timeout. */
const TOUCH_EVERY_MS = 60_000;

export function originOf(deps: ConsoleDeps): string {
  const c = deps.config.console!;
  if (c.origin !== undefined) return c.origin;
  const host = c.listen.host.includes(':') && !c.listen.host.startsWith('[') ? `[${c.listen.host}]` : c.listen.host;
  return `${deps.tls ? 'https' : 'http'}://${host}:${c.listen.port}`;
}

function makeApp(deps: ConsoleDeps): ConsoleApp {
  const now = deps.now ?? (() => new Date());
  const consoleConfig = deps.config.console;
  if (consoleConfig === undefined) throw new CallvaultError('CV_ERR_CONSOLE_NOT_CONFIGURED', [deps.config.source]);
  const origin = originOf(deps);
  return {
    config: deps.config,
    console: consoleConfig,
    index: deps.index,
    manifest: deps.manifest,
    hasher: deps.hasher ?? null,
    origin,
    oidc: consoleConfig.oidc === undefined ? null : new OidcClient(consoleConfig.oidc, origin),
    now,
    audit(actor, action, details, recordingId = null, reason = null) {
      deps.index.appendAudit({ actor, action, details, recordingId, reason, at: now() });
    },
  };
}

export async function buildConsole(deps: ConsoleDeps): Promise<FastifyInstance> {
  const app = makeApp(deps);
  const idleMs = app.console.session.idleMinutes * 60_000;
  const absoluteMs = app.console.session.absoluteHours * 3_600_000;
  const headers = securityHeaders(deps.tls);
  const fastify = Fastify({
    ...(deps.https != null ? { https: deps.https } : {}),
    logger: false,
    bodyLimit: 4 * 1024 * 1024,
    trustProxy: false,
    // The contract's ids and names are short; a long URL is an attack or a bug.
    routerOptions: { maxParamLength: 200 },
    ajv: { customOptions: { removeAdditional: true, coerceTypes: true, allErrors: false } },
  });
  fastify.decorateRequest('cv', null as unknown as FastifyRequest['cv']);

  fastify.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_req, body, done) => {
    const out: Record<string, string> = {};
    for (const [k, v] of new URLSearchParams(body as string)) if (!(k in out)) out[k] = v;
    done(null, out);
  });
  // Ciphertext uploads (a training copy made in the browser): bytes as they came, the route's bodyLimit applies.
  fastify.addContentTypeParser('application/octet-stream', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  fastify.addHook('onRequest', async (req, reply) => {
    reply.headers(headers);
    const db = app.index.db;
    const t0 = app.now();
    let session = null;
    let viewer = null;
    let expired = false;
    const token = readCookie(req.headers.cookie, SESSION_COOKIE);
    if (token !== null) {
      session = findSession(db, token);
      if (session !== null) {
        const age = sessionAge(session, t0, idleMs, absoluteMs);
        if (age !== 'live') {
          deleteSession(db, session.idHash);
          expired = session.username !== null;
          if (expired) app.audit(session.username!, 'console.session-expired', { why: age });
          session = null;
        } else if (session.username !== null) {
          viewer = getUser(db, session.username);
          if (viewer === null || viewer.state !== 'active') {
            // Disabling revokes the sessions too; this covers a row written by hand.
            deleteSession(db, session.idHash);
            session = null;
            viewer = null;
          }
        }
        if (session !== null && t0.getTime() - Date.parse(session.lastSeenAt) >= TOUCH_EVERY_MS) touchSession(db, session.idHash, t0);
      }
    }
    const q = (req.query ?? {}) as Record<string, unknown>;
    const lang = isLanguage(q.lang) ? q.lang : viewer?.language ?? app.console.defaultLanguage;
    // The language switch is the user's choice: remembered for the next pages and sessions.
    if (viewer !== null && isLanguage(q.lang) && q.lang !== viewer.language) setLanguage(db, viewer.username, q.lang, t0);
    req.cv = { session, viewer, expired, lang, t: translator(lang) };
  });

  fastify.setErrorHandler(async (err: unknown, req, reply) => {
    // An error before the session hook finished (a malformed cookie header): answer as to a stranger.
    if (req.cv === null) req.cv = { session: null, viewer: null, expired: false, lang: app.console.defaultLanguage, t: translator(app.console.defaultLanguage) };
    let refusal: CallvaultError;
    let status: number;
    const e = err as { validation?: unknown; statusCode?: number; message?: string };
    if (err instanceof Refusal) { refusal = err; status = err.status; }
    else if (e.validation !== undefined) { refusal = new Refusal(400, 'CV_ERR_CONSOLE_BAD_REQUEST', [e.message ?? 'invalid']); status = 400; }
    else if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) { refusal = new Refusal(400, 'CV_ERR_CONSOLE_BAD_REQUEST', [e.message ?? 'invalid']); status = e.statusCode; }
    else {
      req.log.error({ err }, 'console: request failed');
      process.stderr.write(`callvault console: ${req.method} ${req.routeOptions.url ?? '?'} failed: ${(err as Error).stack ?? String(err)}\n`);
      refusal = err instanceof CallvaultError ? err : new Refusal(400, 'CV_ERR_CONSOLE_BAD_REQUEST', ['internal error']);
      status = 500;
    }
    const lang = req.cv?.lang ?? app.console.defaultLanguage;
    if (req.url.startsWith('/api/')) return reply.code(status).type('application/json').send(errorBody(refusal, lang));
    if (status === 401) return reply.code(303).header('location', '/login').send();
    const text = localized(refusal, lang);
    return reply.code(status).type('text/html; charset=utf-8').send(errorView(pageContext(app, req), text.message, text.hint));
  });

  fastify.setNotFoundHandler(async (req, reply) => {
    const r = new Refusal(404, 'CV_ERR_CONSOLE_NOT_FOUND', ['page']);
    if (req.url.startsWith('/api/')) return reply.code(404).send(errorBody(r, req.cv.lang));
    return reply.code(404).type('text/html; charset=utf-8').send(errorView(pageContext(app, req), req.cv.t('error.notfound'), null));
  });

  for (const route of ROUTES) register(fastify, app, route);

  // Assets: the stylesheet, and only the bundle files the manifest names.
  fastify.get('/assets/:file', { schema: { params: { type: 'object', properties: { file: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,100}$' } }, required: ['file'] } } },
    async (req, reply) => {
      const { file } = req.params as { file: string };
      if (file === STYLESHEET_FILE) return reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=31536000, immutable').send(STYLESHEET);
      const asset = app.manifest === null ? null : assetFor(app.manifest, file);
      if (asset === null || app.manifest === null) throw new Refusal(404, 'CV_ERR_CONSOLE_NOT_FOUND', ['asset']);
      return reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=31536000, immutable')
        .send(createReadStream(join(app.manifest.dir, asset.file)));
    });
  return fastify;
}

function register(fastify: FastifyInstance, app: ConsoleApp, route: RouteSpec): void {
  fastify.route({
    method: route.method,
    url: route.url,
    schema: route.schema,
    ...(route.bodyLimit !== undefined ? { bodyLimit: route.bodyLimit } : {}),
    // CSRF and Origin before schema validation: a forged request learns nothing from a 400.
    preValidation: async (req: FastifyRequest) => {
      if (route.method !== 'GET') checkUnsafe(app, req);
    },
    preHandler: async (req: FastifyRequest, reply: FastifyReply) => {
      if (route.access === 'public') return;
      const viewer = req.cv.viewer;
      if (viewer === null) throw new Refusal(401, 'CV_ERR_CONSOLE_UNAUTHENTICATED');
      if (route.access !== 'signed-in' && !can(viewer.role, route.access)) {
        throw new Refusal(403, 'CV_ERR_CONSOLE_FORBIDDEN', [viewer.role, `${route.method} ${route.url}`]);
      }
      void reply;
    },
    handler: async (req, reply) => {
      // Pages and answers carry personal data or a CSRF token: never cached (a route may say otherwise).
      reply.header('cache-control', 'no-store');
      return route.handler(app, req, reply);
    },
  });
}

/**
 * Every state-changing request: its Origin (or, lacking one, its Referer)
 * must be this console, and it must carry the session's CSRF token in the
 * form field `_csrf` or the `x-csrf-token` header. SameSite=Strict already
 * keeps the cookie off cross-site requests; these two hold when it does not
 * (older browsers, a sibling subdomain).
 */
function checkUnsafe(app: ConsoleApp, req: FastifyRequest): void {
  const origin = req.headers.origin ?? refererOrigin(req.headers.referer);
  if (origin !== app.origin) throw new Refusal(403, 'CV_ERR_CONSOLE_ORIGIN', [origin ?? '(none)']);
  const session = req.cv.session;
  const body = req.body as Record<string, unknown> | undefined;
  const submitted = req.headers['x-csrf-token'] ?? body?._csrf;
  if (session === null || !csrfMatches(session, submitted)) throw new Refusal(403, 'CV_ERR_CONSOLE_CSRF');
}

function refererOrigin(referer: string | undefined): string | undefined {
  if (referer === undefined) return undefined;
  try { return new URL(referer).origin; } catch { return undefined; }
}
