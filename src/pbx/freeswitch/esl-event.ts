/**
 * FreeSWITCH events as they travel inside Event Socket frames: the body of a
 * `text/event-plain` frame (a header block with URL-encoded values, possibly
 * followed by its own `Content-Length` body) and of a `text/event-json` frame
 * (one flat JSON object). Both decode to the same `EslEvent`, and both encode
 * back the way FreeSWITCH writes them, so the test server and the client share
 * one definition of the format (docs/freeswitch-protocol.md, "Events").
 *
 * Sources: switch_event_serialize and switch_event_serialize_json_obj in
 * src/switch_event.c; switch_url_encode / switch_url_decode in src/switch_utils.c.
 */
import { CallvaultError } from '../../errors.js';

export type EslHeader = readonly [name: string, value: string];

/**
 * Bytes that switch_url_encode escapes besides controls and non-ASCII
 * (SWITCH_URL_UNSAFE in switch_utils.h). Note `/` and `,` stay as they are.
 */
const URL_UNSAFE = new Set(Array.from('\r\n "#%&+:;<=>?@[\\]^`{|}', (c) => c.charCodeAt(0)));
const HEX = '0123456789ABCDEF';

/** switch_url_encode: every unsafe byte of the UTF-8 form becomes %XX (upper case). */
export function urlEncode(value: string): string {
  const bytes = Buffer.from(value, 'utf8');
  let out = '';
  for (const b of bytes) {
    if (b < 0x20 || b > 0x7e || URL_UNSAFE.has(b)) out += `%${HEX[b >> 4]}${HEX[b & 0x0f]}`;
    else out += String.fromCharCode(b);
  }
  return out;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/**
 * switch_url_decode: `%XX` becomes the byte XX, anything else is kept, and `+`
 * is NOT a space (FreeSWITCH encodes a space as %20). The bytes are then read
 * as UTF-8.
 */
export function urlDecode(value: string): string {
  if (!value.includes('%')) return value;
  const src = Buffer.from(value, 'utf8');
  const out = Buffer.alloc(src.length);
  let n = 0;
  for (let i = 0; i < src.length; i++) {
    const c = src[i] as number;
    if (c === 0x25 && i + 2 < src.length) {
      const hi = hexValue(src[i + 1] as number);
      const lo = hexValue(src[i + 2] as number);
      if (hi >= 0 && lo >= 0) {
        out[n++] = (hi << 4) | lo;
        i += 2;
        continue;
      }
    }
    out[n++] = c;
  }
  return out.subarray(0, n).toString('utf8');
}

/** FreeSWITCH writes `_undef_` for a header whose encoded value is empty (switch_event_serialize). */
export const UNDEF = '_undef_';

/** The prefix FreeSWITCH uses for multi-valued headers in plain form (`ARRAY::a|:b`); JSON carries them as arrays. */
const ARRAY_PREFIX = 'ARRAY::';
const ARRAY_SEP = '|:';

/**
 * One FreeSWITCH event. Header names keep FreeSWITCH's spelling and order;
 * lookups are case-insensitive because FreeSWITCH's own are
 * (switch_event_get_header hashes the lower-cased name).
 */
export class EslEvent {
  readonly headers: readonly EslHeader[];
  /** The event body (`_body` in JSON); null when the event has none. */
  readonly body: string | null;
  readonly #index: Map<string, string>;

  constructor(headers: readonly EslHeader[], body: string | null = null) {
    this.headers = headers;
    this.body = body;
    this.#index = new Map();
    for (const [name, value] of headers) {
      const k = name.toLowerCase();
      if (!this.#index.has(k)) this.#index.set(k, value);
    }
  }

  /** The first header of that name, any case. */
  get(name: string): string | undefined {
    return this.#index.get(name.toLowerCase());
  }

  /** `Event-Name`; the empty string if FreeSWITCH sent none (never for real events). */
  get name(): string {
    return this.get('Event-Name') ?? '';
  }

  /** `Unique-ID`: the channel the event is about, when it is about one. */
  get uuid(): string | undefined {
    return this.get('Unique-ID');
  }

  /** A channel variable as FreeSWITCH copies it into events (`variable_<name>`). */
  variable(name: string): string | undefined {
    return this.get(`variable_${name}`);
  }
}

function frameError(detail: string, cause?: unknown): CallvaultError {
  return new CallvaultError('CV_ERR_ESL_FRAME', [detail], cause === undefined ? {} : { cause });
}

function splitHeaderLine(line: string): EslHeader {
  const colon = line.indexOf(':');
  if (colon <= 0) throw frameError('event header line without a name');
  const value = line.charCodeAt(colon + 1) === 0x20 ? line.slice(colon + 2) : line.slice(colon + 1);
  return [line.slice(0, colon), value];
}

/**
 * Decodes the body of a `text/event-plain` frame. The block ends with a blank
 * line; if bytes follow it, the last header is the `Content-Length` of the
 * event body (switch_event_serialize appends it there) and is not an event
 * header.
 */
export function decodePlainEvent(body: Buffer): EslEvent {
  const end = body.indexOf('\n\n');
  if (end < 0) throw frameError('event-plain body has no blank line after its headers');
  const lines = body.toString('utf8', 0, end).split('\n');
  const headers: EslHeader[] = [];
  for (const line of lines) {
    if (line === '') throw frameError('empty line inside event headers');
    const [name, raw] = splitHeaderLine(line);
    headers.push([name, urlDecode(raw)]);
  }
  const rest = body.subarray(end + 2);
  if (rest.length === 0) return new EslEvent(headers, null);
  const last = headers.pop();
  if (!last || last[0] !== 'Content-Length' || !/^\d+$/.test(last[1]) || Number(last[1]) !== rest.length) {
    throw frameError('event-plain body follows its headers without a matching Content-Length');
  }
  return new EslEvent(headers, rest.toString('utf8'));
}

/** Encodes an event as switch_event_serialize(event, &buf, SWITCH_TRUE) does. */
export function encodePlainEvent(event: EslEvent): Buffer {
  let text = '';
  for (const [name, value] of event.headers) {
    const enc = urlEncode(value);
    text += `${name}: ${enc === '' ? UNDEF : enc}\n`;
  }
  const body = event.body === null ? '' : event.body;
  if (body.length > 0) {
    return Buffer.concat([Buffer.from(`${text}Content-Length: ${Buffer.byteLength(body, 'utf8')}\n\n`, 'utf8'), Buffer.from(body, 'utf8')]);
  }
  return Buffer.from(`${text}\n`, 'utf8');
}

/**
 * Decodes the body of a `text/event-json` frame: one object of strings (or
 * arrays of strings for multi-valued headers), with the body under `_body` and
 * its length under `Content-Length` (switch_event_serialize_json_obj).
 */
export function decodeJsonEvent(body: Buffer): EslEvent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw frameError('event-json body is not JSON', err);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw frameError('event-json body is not a JSON object');
  }
  const entries = Object.entries(parsed as Record<string, unknown>);
  const hasBody = entries.some(([k]) => k === '_body');
  const headers: EslHeader[] = [];
  let eventBody: string | null = null;
  for (const [name, value] of entries) {
    if (name === '_body') {
      if (typeof value !== 'string') throw frameError('event-json _body is not a string');
      eventBody = value;
      continue;
    }
    if (hasBody && name === 'Content-Length') continue;
    if (typeof value === 'string') headers.push([name, value]);
    else if (Array.isArray(value) && value.every((v) => typeof v === 'string')) {
      headers.push([name, ARRAY_PREFIX + (value as string[]).join(ARRAY_SEP)]);
    } else throw frameError(`event-json header ${name} is not a string`);
  }
  return new EslEvent(headers, eventBody);
}

/** Encodes an event as switch_event_serialize_json (cJSON_PrintUnformatted) does. */
export function encodeJsonEvent(event: EslEvent): Buffer {
  const obj: Record<string, string | string[]> = {};
  for (const [name, value] of event.headers) {
    obj[name] = value.startsWith(ARRAY_PREFIX) ? value.slice(ARRAY_PREFIX.length).split(ARRAY_SEP) : value;
  }
  if (event.body !== null) {
    obj['Content-Length'] = String(Buffer.byteLength(event.body, 'utf8'));
    obj['_body'] = event.body;
  }
  return Buffer.from(JSON.stringify(obj), 'utf8');
}
