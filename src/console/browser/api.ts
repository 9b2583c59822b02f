/**
 * The console's JSON API as the bundle calls it (docs/console.md, contract in
 * the server's routes): same-origin fetch with the session cookie, the CSRF
 * token from `<meta name="csrf-token">` on every write, and the server's
 * error body `{ error: { code, message, hint } }` kept as a value.
 */
export interface ApiErrorBody {
  code: string;
  message: string;
  hint?: string;
}

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(readonly status: number, readonly body: ApiErrorBody | null, options?: { cause?: unknown }) {
    super(body === null ? `HTTP ${status}` : `${body.code}: ${body.message}`, options);
  }
  /** What to show the user: the server's message and hint, already in their language. */
  get sentence(): string {
    if (this.body === null) return `HTTP ${this.status}`;
    return this.body.hint === undefined || this.body.hint === '' ? this.body.message : `${this.body.message} ${this.body.hint}`;
  }
}

/** The network failed (not an HTTP answer): the page says so instead of an HTTP code. */
export class NetworkError extends Error {
  override readonly name = 'NetworkError';
}

function csrfToken(): string {
  return document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]')?.content ?? '';
}

async function errorOf(res: Response): Promise<ApiError> {
  let body: ApiErrorBody | null = null;
  try {
    const json = (await res.json()) as { error?: ApiErrorBody };
    if (json.error !== undefined && typeof json.error.code === 'string') body = json.error;
  } catch {
    // Not JSON (a proxy's error page): the status alone is what we know.
  }
  return new ApiError(res.status, body);
}

/** fetch() that throws NetworkError or ApiError, and returns the Response when it is 2xx. */
export async function request(url: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  const method = (init.method ?? 'GET').toUpperCase();
  if (method !== 'GET' && method !== 'HEAD') headers.set('x-csrf-token', csrfToken());
  let res: Response;
  try {
    res = await fetch(url, { ...init, headers, credentials: 'same-origin', cache: 'no-store' });
  } catch (cause) {
    throw new NetworkError('network', { cause });
  }
  if (!res.ok) throw await errorOf(res);
  return res;
}

export async function getJson<T>(url: string): Promise<T> {
  return (await (await request(url)).json()) as T;
}

export async function postJson<T>(url: string, body: unknown): Promise<T> {
  const res = await request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.text();
  return (text === '' ? null : JSON.parse(text)) as T;
}

// Shapes of the routes the bundle reads.
export interface WrappedKey { kind: 'passphrase' | string; data: string }
export interface MyKey { recipient: string; wrapped: WrappedKey[] }
export interface MyGrant { purpose: string; recipient: string; wrapped: string }
export interface Note { id: number | string; atMs: number; text: string; author: string; createdAt: string }
export interface RecordingMeta {
  id: string;
  durationMs: number;
  channels: number;
  sampleRate: number;
  purpose: string;
  startedAt: string;
  pauses: Array<{ startMs: number; endMs: number | null }>;
  notes: Note[];
  channelNames?: string[];
}
