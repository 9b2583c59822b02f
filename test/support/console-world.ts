/**
 * A console on a throwaway deployment (OpsWorld) for route tests: teams,
 * one user per role, signed-in sessions, and inject() helpers that carry the
 * cookie, the CSRF token and the Origin the way a browser would.
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { generateX25519Identity, identityToRecipient, Encrypter } from 'age-encryption';
import { OpsWorld } from './ops-world.js';
import { buildConsole } from '../../src/console/app.js';
import type { RecordingIndex } from '../../src/index/index.js';
import { hashPassword } from '../../src/console/passwords.js';
import { addUser, checkUserSpec } from '../../src/console/user-service.js';
import { insertUserKey } from '../../src/console/store/user-keys.js';
import { SESSION_COOKIE } from '../../src/console/session-cookie.js';

export const ORIGIN = 'https://console.test:8443';
export const PASSWORD = 'correct horse battery staple';

export const CONSOLE_YAML = `
console:
  listen: { host: 127.0.0.1, port: 8443 }
  origin: ${ORIGIN}
  session: { idleMinutes: 30, absoluteHours: 12 }
  defaultLanguage: en
  teams:
    support-team: [support]
    sales-team: [sales]
`;

export interface Browser {
  cookie: string | null;
  csrf: string;
}

type Method = 'GET' | 'POST' | 'DELETE';

export class ConsoleWorld {
  readonly ops: OpsWorld;
  readonly index: RecordingIndex;
  app!: FastifyInstance;
  clock = Date.now();

  private constructor(ops: OpsWorld) {
    this.ops = ops;
    this.index = ops.open();
  }

  static async create(extraYaml = CONSOLE_YAML): Promise<ConsoleWorld> {
    const w = new ConsoleWorld(OpsWorld.create({ extraYaml }));
    w.app = await buildConsole({ config: w.ops.config, index: w.index, manifest: null, hasher: w.ops.hasher, tls: true, now: () => new Date(w.clock) });
    return w;
  }

  async addUser(username: string, role: string, o: { teams?: string[]; purposes?: string[]; agentId?: string } = {}): Promise<void> {
    const spec = checkUserSpec({ username, role, teams: o.teams ?? [], purposes: o.purposes ?? [], agentHash: o.agentId === undefined ? null : this.ops.hasher.hex('agent', o.agentId), language: 'en' },
      Object.keys(this.ops.config.console?.teams ?? {}));
    addUser(this.index.db, spec, await hashPassword(PASSWORD), 'test', new Date(this.clock));
  }

  /** Gives a user a personal key (as the browser would: an identity wrapped with a passphrase); returns the identity. */
  async giveKey(username: string): Promise<string> {
    const identity = await generateX25519Identity();
    const e = new Encrypter();
    e.setPassphrase('user passphrase');
    e.setScryptWorkFactor(10);
    const wrapped = Buffer.from(await e.encrypt(identity)).toString('base64');
    insertUserKey(this.index.db, { username, recipient: await identityToRecipient(identity), wrapped: [{ kind: 'passphrase', data: wrapped }] }, new Date(this.clock));
    return identity;
  }

  /** GET /login then POST /login: a signed-in browser. */
  async signIn(username: string, password = PASSWORD): Promise<Browser> {
    const b = await this.anonymous();
    const res = await this.request(b, 'POST', '/login', { form: { username, password } });
    if (res.statusCode !== 303) throw new Error(`sign-in of ${username} failed: ${res.statusCode} ${res.body.slice(0, 300)}`);
    this.absorb(b, res);
    const page = await this.request(b, 'GET', '/keys');
    b.csrf = csrfOf(page.body) ?? '';
    return b;
  }

  async anonymous(): Promise<Browser> {
    const b: Browser = { cookie: null, csrf: '' };
    const res = await this.request(b, 'GET', '/login');
    this.absorb(b, res);
    b.csrf = csrfOf(res.body) ?? '';
    return b;
  }

  absorb(b: Browser, res: LightMyRequestResponse): void {
    const set = res.headers['set-cookie'];
    for (const c of Array.isArray(set) ? set : set === undefined ? [] : [set]) {
      const m = new RegExp(`^${SESSION_COOKIE}=([^;]*)`).exec(c);
      if (m !== null) b.cookie = m[1] === '' ? null : m[1]!;
    }
  }

  /** A browser request: cookie, Origin, and the CSRF token in the form or the header. */
  async request(b: Browser, method: Method, url: string, o: { form?: Record<string, string>; json?: unknown; csrf?: string | null; origin?: string | null } = {}): Promise<LightMyRequestResponse> {
    const headers: Record<string, string> = {};
    if (b.cookie !== null) headers.cookie = `${SESSION_COOKIE}=${b.cookie}`;
    const origin = o.origin === undefined ? ORIGIN : o.origin;
    if (method !== 'GET' && origin !== null) headers.origin = origin;
    const csrf = o.csrf === undefined ? b.csrf : o.csrf;
    if (o.form !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      const form = { ...o.form, ...(csrf !== null ? { _csrf: csrf } : {}) };
      return this.app.inject({ method, url, headers, payload: new URLSearchParams(form).toString() });
    }
    if (method !== 'GET' && csrf !== null) headers['x-csrf-token'] = csrf;
    if (o.json !== undefined) return this.app.inject({ method, url, headers, payload: o.json as object });
    return this.app.inject({ method, url, headers });
  }

  async close(): Promise<void> {
    await this.app.close();
    this.index.close();
    this.ops.cleanup();
  }
}

export function csrfOf(body: string): string | null {
  return /<meta name="csrf-token" content="([^"]*)">/.exec(body)?.[1] ?? null;
}
