/**
 * A stand-in for the console server, for the bundle's own tests only: the
 * contract's page markup (element ids) and JSON routes over in-memory state,
 * served on 127.0.0.1 (a secure context) under the console's exact CSP and
 * with the bundle from dist/console/manifest.json behind SRI. It lets the
 * bundle's crypto and player be tested apart from the server; the flows
 * against the real server live in console-flows.test.ts.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

const root = join(import.meta.dirname, '../../..');
export const CONSOLE_CSP = "default-src 'self'; script-src 'self'; worker-src 'self' blob:; media-src 'self' blob:; connect-src 'self'; style-src 'self'; img-src 'self' data: blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";
const CSRF = 'static-csrf-token';

/** Builds the bundle (esbuild, about a second) and returns its manifest. */
export function buildBundle(): Record<string, { file: string; integrity: string }> {
  execFileSync(process.execPath, [join(root, 'scripts/build-console.mjs'), '--quiet'], { stdio: 'inherit' });
  return JSON.parse(readFileSync(join(root, 'dist/console/manifest.json'), 'utf8'));
}

export interface StaticRecording { id: string; purpose: string; cipher: Uint8Array; durationMs: number; channels: number; pauses: Array<{ startMs: number; endMs: number | null }> }

export interface StaticState {
  key: { recipient: string; wrapped: Array<{ kind: string; data: string }> } | null;
  grants: Array<{ username: string; purpose: string; wrapped: string }>;
  recipients: Record<string, string>;
  recordings: Map<string, StaticRecording>;
  notes: Array<{ id: number; recordingId: string; atMs: number; text: string; author: string; createdAt: string }>;
  audioRequests: Array<{ id: string; reason: string | null; csrf: string | undefined }>;
  posts: Array<{ url: string; csrf: string | undefined; body: unknown }>;
}

function page(lang: string, entry: string, manifest: ReturnType<typeof buildBundle>, body: string): string {
  const m = manifest[entry]!;
  return `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><title>callvault test</title>
<meta name="csrf-token" content="${CSRF}"><script type="module" src="/assets/${m.file}" integrity="${m.integrity}" crossorigin="anonymous"></script></head>
<body><main><h1>callvault</h1>${body}</main></body></html>`;
}

const PAGES: Record<string, [string, string]> = {
  '/keys-setup': ['keys', `<form id="key-setup"><label for="passphrase">Passphrase</label><input id="passphrase" type="password" autocomplete="new-password">
<label for="passphrase2">Again</label><input id="passphrase2" type="password" autocomplete="new-password"><button type="submit">Create</button></form>`],
  '/keys-unlock': ['keys', `<form id="key-unlock"><label for="passphrase">Passphrase</label><input id="passphrase" type="password" autocomplete="current-password"><button type="submit">Unlock</button></form>`],
  '/grants': ['grant', `<form id="grant-form"><label for="grant-user">User</label><select id="grant-user"><option>rita</option></select>
<label for="grant-purpose">Purpose</label><select id="grant-purpose"><option value="quality" data-recipients="RECIPIENTS">quality</option></select>
<label for="grant-identity-file">Identity file</label><input id="grant-identity-file" type="file">
<label for="grant-identity-passphrase">Its passphrase</label><input id="grant-identity-passphrase" type="password"><button type="submit">Grant</button></form>`],
};

function playerPage(id: string): string {
  return `<section id="player" data-recording-id="${id}" data-audio-url="/api/recordings/${id}/audio" data-meta-url="/api/recordings/${id}/meta">
<label for="unlock-passphrase">Key passphrase</label><input id="unlock-passphrase" type="password" autocomplete="current-password">
<label for="access-reason">Reason</label><input id="access-reason" value="quality review">
<button id="play-button" type="button">Play</button><p id="player-message" role="status"></p><audio id="audio"></audio></section>`;
}

export class StaticConsole {
  readonly state: StaticState = { key: null, grants: [], recipients: {}, recordings: new Map(), notes: [], audioRequests: [], posts: [] };
  /** Filled in per test: the purpose recipients the grant page advertises. */
  purposeRecipients = '';
  lang = 'en';
  #server: Server | null = null;
  readonly #manifest = buildBundle();

  get url(): string {
    return `http://127.0.0.1:${(this.#server!.address() as AddressInfo).port}`;
  }

  /** The same server by the name `localhost`: WebAuthn refuses IP-address origins as relying parties. */
  get localhostUrl(): string {
    return `http://localhost:${(this.#server!.address() as AddressInfo).port}`;
  }

  async start(): Promise<void> {
    this.#server = createServer((req, res) => void this.handle(req, res).catch((err) => { res.statusCode = 500; res.end(String(err)); }));
    await new Promise<void>((r) => this.#server!.listen(0, '127.0.0.1', r));
  }

  async stop(): Promise<void> {
    // Browsers keep idle connections open; close() alone would wait for them.
    this.#server?.closeAllConnections();
    await new Promise<void>((r) => this.#server?.close(() => r()) ?? r());
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url!, 'http://x');
    res.setHeader('content-security-policy', CONSOLE_CSP);
    res.setHeader('cache-control', 'no-store');
    const send = (status: number, type: string, body: string | Uint8Array) => { res.statusCode = status; res.setHeader('content-type', type); res.end(body); };
    const json = (status: number, body: unknown) => send(status, 'application/json', JSON.stringify(body));
    const refuse = (status: number, code: string, message: string) => json(status, { error: { code, message, hint: 'static console' } });
    const readBody = async () => { let s = ''; for await (const c of req) s += c; return s === '' ? null : JSON.parse(s); };
    const path = url.pathname;
    const write = req.method === 'POST';
    if (write) {
      const body = await readBody();
      this.state.posts.push({ url: path, csrf: req.headers['x-csrf-token'] as string | undefined, body });
      if (req.headers['x-csrf-token'] !== CSRF) return refuse(403, 'CV_ERR_CONSOLE_CSRF', 'csrf');
      if (path === '/api/me/key') {
        if (this.state.key !== null) return refuse(409, 'CV_ERR_CONSOLE_KEY_EXISTS', 'exists');
        this.state.key = body;
        return json(201, {});
      }
      if (path === '/api/grants') { this.state.grants.push(body); return json(201, {}); }
      const note = /^\/api\/recordings\/([^/]+)\/notes$/.exec(path);
      if (note !== null) {
        const n = { id: this.state.notes.length + 1, recordingId: note[1]!, atMs: body.atMs, text: body.text, author: 'rita', createdAt: new Date().toISOString() };
        this.state.notes.push(n);
        return json(201, n);
      }
      return refuse(404, 'CV_ERR_CONSOLE_NOT_FOUND', 'no route');
    }
    const asset = /^\/assets\/([a-z-]+-[0-9a-f]{8}\.js)$/.exec(path);
    if (asset !== null && Object.values(this.#manifest).some((m) => m.file === asset[1])) {
      return send(200, 'text/javascript', readFileSync(join(root, 'dist/console', asset[1]!)));
    }
    const pageDef = PAGES[path];
    if (pageDef !== undefined) return send(200, 'text/html', page(this.lang, pageDef[0], this.#manifest, pageDef[1].replace('RECIPIENTS', this.purposeRecipients)));
    const rec = /^\/recordings\/([^/]+)$/.exec(path);
    if (rec !== null) return send(200, 'text/html', page(this.lang, 'player', this.#manifest, playerPage(rec[1]!)));
    if (path === '/api/me/key') return this.state.key === null ? refuse(404, 'CV_ERR_CONSOLE_NO_KEY', 'no key') : json(200, this.state.key);
    if (path === '/api/me/grants') return json(200, this.state.grants.filter((g) => g.username === 'rita').map((g) => ({ purpose: g.purpose, recipient: 'age1', wrapped: g.wrapped })));
    const recip = /^\/api\/users\/([^/]+)\/recipient$/.exec(path);
    if (recip !== null) return this.state.key === null ? refuse(404, 'CV_ERR_CONSOLE_NO_KEY', 'no key') : json(200, { recipient: this.state.key.recipient });
    const api = /^\/api\/recordings\/([^/]+)\/(meta|audio)$/.exec(path);
    const r = api === null ? undefined : this.state.recordings.get(api[1]!);
    if (api !== null && r !== undefined) {
      if (api[2] === 'meta') return json(200, { id: r.id, durationMs: r.durationMs, channels: r.channels, sampleRate: 48000, purpose: r.purpose, startedAt: new Date().toISOString(), pauses: r.pauses, notes: this.state.notes.filter((n) => n.recordingId === r.id), channelNames: ['caller', 'agent'] });
      this.state.audioRequests.push({ id: r.id, reason: url.searchParams.get('reason'), csrf: req.headers['x-csrf-token'] as string | undefined });
      if (!this.state.grants.some((g) => g.purpose === r.purpose)) return refuse(403, 'CV_ERR_CONSOLE_NO_GRANT', `you hold no grant for the purpose ${r.purpose}; an admin can grant it`);
      return send(200, 'application/octet-stream', r.cipher);
    }
    return refuse(404, 'CV_ERR_CONSOLE_NOT_FOUND', 'not found');
  }
}
