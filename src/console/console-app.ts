/**
 * What every route gets: the index, the configuration, the clock, the
 * bundle manifest, and the helpers that read the signed-in user and write
 * audit rows. Routes stay thin: they check, call the store or the index,
 * and render.
 */
import type { FastifyReply, FastifyRequest, FastifySchema } from 'fastify';
import type { ResolvedConfig } from '../config/index.js';
import type { ConsoleConfig } from '../config/schema.js';
import type { RecordingIndex } from '../index/index.js';
import type { KeyedHasher } from '../privacy/keyed-hash.js';
import type { AssetManifest } from './assets.js';
import type { OidcClient } from './oidc.js';
import type { Capability } from './roles.js';
import type { SessionRow } from './store/sessions.js';
import type { ConsoleUser, Language } from './store/users.js';
import type { Translate } from './i18n.js';
import type { PageContext } from './views/layout.js';

export interface ConsoleDeps {
  config: ResolvedConfig;
  index: RecordingIndex;
  /** Null only in tests of routes that render no bundle. */
  manifest: AssetManifest | null;
  now?: () => Date;
  /** For agent ids (domain 'agent'); null when privacy.hashKeyFile cannot be read. */
  hasher?: KeyedHasher | null;
  /** Whether requests arrive over TLS (Secure cookies are set either way: browsers accept them on loopback). */
  tls: boolean;
  /** PEM pair: the app then listens over HTTPS. */
  https?: { cert: Buffer; key: Buffer } | null;
}

export interface ConsoleApp {
  readonly config: ResolvedConfig;
  readonly console: ConsoleConfig;
  readonly index: RecordingIndex;
  readonly manifest: AssetManifest | null;
  readonly hasher: KeyedHasher | null;
  readonly origin: string;
  /** Null when console.oidc is not configured. */
  readonly oidc: OidcClient | null;
  now(): Date;
  audit(actor: string, action: string, details: Record<string, unknown>, recordingId?: string | null, reason?: string | null): void;
}

/** What the session hook leaves on each request. */
export interface RequestState {
  session: SessionRow | null;
  viewer: ConsoleUser | null;
  /** Set when the cookie named a session that timed out (the login page says so). */
  expired: boolean;
  lang: Language;
  t: Translate;
}

declare module 'fastify' {
  interface FastifyRequest { cv: RequestState }
}

export type Access = 'public' | 'signed-in' | Capability;

export interface RouteSpec {
  method: 'GET' | 'POST' | 'DELETE';
  url: string;
  /** Who may call it; checked before the handler, then the handler checks each object. */
  access: Access;
  /** Pages answer HTML and redirect to /login; the API answers JSON. */
  kind: 'page' | 'api';
  schema: FastifySchema;
  /** Bytes a request body may have when more than the app's 4 MiB (a ciphertext upload). */
  bodyLimit?: number;
  handler: (app: ConsoleApp, req: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
}

export function pageContext(app: ConsoleApp, req: FastifyRequest): PageContext {
  return { t: req.cv.t, lang: req.cv.lang, viewer: req.cv.viewer, csrf: req.cv.session?.csrfToken ?? '', manifest: app.manifest, path: req.url };
}

/** The signed-in user; routes with access other than 'public' are only reached with one. */
export function viewerOf(req: FastifyRequest): ConsoleUser {
  const v = req.cv.viewer;
  if (v === null) throw new Error('route reached without a signed-in user: access check missing');
  return v;
}
