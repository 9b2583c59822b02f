/**
 * Event Socket framing, both directions. FreeSWITCH → client: a block of
 * `Name: value` lines ended by an empty line, then `Content-Length` bytes of
 * body if that header is present. Client → FreeSWITCH: the same, except that
 * the first line is the command (`api status`, `sendmsg <uuid>`); we only ever
 * encode those (`encodeCommand`). The parser is streaming (frames split across TCP chunks, several frames per chunk), bounded
 * (CV_ERR_ESL_FRAME past the size limits), and strict about garbage, because
 * a desynchronised stream would attribute one command's reply to another.
 * `classifyFrame` turns a frame into what it means by its Content-Type.
 *
 * docs/freeswitch-protocol.md is the written form of this format; its sources
 * are read_packet, parse_command, listener_run and send_disconnect in
 * src/mod/event_handlers/mod_event_socket/mod_event_socket.c.
 */
import { CallvaultError } from '../../errors.js';
import { decodeJsonEvent, decodePlainEvent, urlDecode, EslEvent, type EslHeader } from './esl-event.js';

export type { EslHeader } from './esl-event.js';

/** FreeSWITCH → client: headers then an optional body. */
export interface EslFrame {
  readonly headers: readonly EslHeader[];
  readonly body: Buffer;
}

export interface EslParserLimits {
  /** Largest header block accepted. The outbound `connect` reply carries every channel variable: keep room. */
  readonly maxHeaderBytes?: number;
  /** Largest `Content-Length` accepted. */
  readonly maxBodyBytes?: number;
}

export const DEFAULT_MAX_HEADER_BYTES = 1024 * 1024;
/** mod_event_socket's own read limit (read_packet, max_len). */
export const DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024;

const EMPTY = Buffer.alloc(0);

function frameError(detail: string): CallvaultError {
  return new CallvaultError('CV_ERR_ESL_FRAME', [detail]);
}

/** The first header of that name, any case (FreeSWITCH compares names with strcasecmp). */
export function getHeader(headers: readonly EslHeader[], name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [n, v] of headers) if (n.toLowerCase() === lower) return v;
  return undefined;
}

// A header name is a token: printable ASCII, no space, no colon. Anything else
// in a header line means we are reading garbage (or a desynchronised stream).
const NAME_RE = /^[\x21-\x39\x3b-\x7e]+$/;

// Error messages describe the defect, never the bytes: a garbled line may hold a caller's number or digits.
function parseHeaderLine(line: string): EslHeader {
  const colon = line.indexOf(':');
  if (colon <= 0) throw frameError(`a header line of ${line.length} characters has no "Name:"`);
  const name = line.slice(0, colon);
  if (!NAME_RE.test(name)) throw frameError(`a header name of ${name.length} characters is not a token`);
  // FreeSWITCH writes "%s: %s": drop exactly that one space so that encoding is the exact inverse.
  const value = line.charCodeAt(colon + 1) === 0x20 ? line.slice(colon + 2) : line.slice(colon + 1);
  return [name, value];
}

function parseContentLength(headers: readonly EslHeader[], maxBody: number): number {
  let found: string | undefined;
  for (const [n, v] of headers) {
    if (n.toLowerCase() !== 'content-length') continue;
    if (found !== undefined) throw frameError('more than one Content-Length');
    found = v;
  }
  if (found === undefined) return 0;
  if (!/^\d{1,12}$/.test(found)) throw frameError('Content-Length is not a number');
  const n = Number(found);
  if (n > maxBody) throw frameError(`Content-Length ${n} exceeds the limit of ${maxBody} bytes`);
  return n;
}

type ParserState =
  | { readonly kind: 'head' }
  | { readonly kind: 'body'; readonly headers: EslHeader[]; readonly need: number }
  | { readonly kind: 'failed'; readonly error: CallvaultError };

/**
 * Streaming parser for what FreeSWITCH sends. After an error the stream is
 * unusable (there is no way to find the next frame boundary): every later
 * `push` throws the same error, and the owner must close the connection.
 */
export class EslFrameParser {
  readonly #maxHeader: number;
  readonly #maxBody: number;
  #chunks: Buffer[] = [];
  #length = 0;
  #scanFrom = 0;
  #state: ParserState = { kind: 'head' };

  constructor(limits: EslParserLimits = {}) {
    this.#maxHeader = limits.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES;
    this.#maxBody = limits.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  }

  /** Bytes held for an incomplete frame (non-zero at end of stream means a truncated frame). */
  get buffered(): number {
    return this.#length;
  }

  /** Feeds bytes; returns every frame completed by them, in order. Throws CV_ERR_ESL_FRAME on garbage or oversize. */
  push(chunk: Buffer): EslFrame[] {
    if (this.#state.kind === 'failed') throw this.#state.error;
    if (chunk.length > 0) {
      this.#chunks.push(chunk);
      this.#length += chunk.length;
    }
    const out: EslFrame[] = [];
    try {
      for (;;) {
        const frame = this.#next();
        if (!frame) break;
        out.push(frame);
      }
    } catch (err) {
      const error = err instanceof CallvaultError ? err : frameError(String(err));
      this.#state = { kind: 'failed', error };
      this.#chunks = [];
      this.#length = 0;
      throw error;
    }
    return out;
  }

  #contiguous(): Buffer {
    if (this.#chunks.length > 1) this.#chunks = [Buffer.concat(this.#chunks, this.#length)];
    return this.#chunks[0] ?? EMPTY;
  }

  #consume(n: number): void {
    const rest = this.#contiguous().subarray(n);
    this.#chunks = rest.length > 0 ? [rest] : [];
    this.#length = rest.length;
    this.#scanFrom = 0;
  }

  #next(): EslFrame | null {
    const state = this.#state;
    if (state.kind === 'body') {
      // Chunks pile up without copying until the whole body is here.
      if (this.#length < state.need) return null;
      const body = Buffer.from(this.#contiguous().subarray(0, state.need));
      this.#consume(state.need);
      this.#state = { kind: 'head' };
      return { headers: state.headers, body };
    }
    if (this.#length === 0) return null;
    let buf = this.#contiguous();
    // Stray line breaks between frames carry nothing; mod_event_socket skips them too (read_packet, "bah").
    let skip = 0;
    while (skip < buf.length && (buf[skip] === 0x0a || (buf[skip] === 0x0d && buf[skip + 1] === 0x0a))) skip += buf[skip] === 0x0d ? 2 : 1;
    if (skip > 0) {
      this.#consume(skip);
      if (this.#length === 0) return null;
      buf = this.#contiguous();
    }
    // The block ends at an empty line: "\n\n", or "\n\r\n" (read_packet counts line feeds and ignores CRs).
    let headEnd = -1;
    let sepLen = 0;
    for (let i = buf.indexOf(0x0a, Math.max(0, this.#scanFrom - 2)); i >= 0; i = buf.indexOf(0x0a, i + 1)) {
      if (buf[i + 1] === 0x0a) {
        headEnd = i;
        sepLen = 2;
        break;
      }
      if (buf[i + 1] === 0x0d && buf[i + 2] === 0x0a) {
        headEnd = i;
        sepLen = 3;
        break;
      }
    }
    if (headEnd < 0) {
      if (buf.length > this.#maxHeader) throw frameError(`header block exceeds the limit of ${this.#maxHeader} bytes`);
      this.#scanFrom = buf.length;
      return null;
    }
    if (headEnd > this.#maxHeader) throw frameError(`header block exceeds the limit of ${this.#maxHeader} bytes`);
    const headers = buf
      .toString('utf8', 0, headEnd)
      .split('\n')
      .map((l) => parseHeaderLine(l.endsWith('\r') ? l.slice(0, -1) : l));
    const need = parseContentLength(headers, this.#maxBody);
    this.#consume(headEnd + sepLen);
    if (need === 0) return { headers, body: EMPTY };
    this.#state = { kind: 'body', headers, need };
    return this.#next();
  }
}

function assertLineSafe(what: string, value: string): void {
  if (/[\r\n]/.test(value)) throw frameError(`${what} contains a line break`);
}

function encodeBlock(first: string | null, headers: readonly EslHeader[], body: Buffer): Buffer {
  let text = '';
  if (first !== null) {
    assertLineSafe('command', first);
    text += `${first}\n`;
  }
  let declared: number | null = null;
  for (const [name, value] of headers) {
    if (!NAME_RE.test(name)) throw frameError(`invalid header name ${JSON.stringify(name)}`);
    // A line break in a value would let it inject headers (a second call-command, say): refuse.
    assertLineSafe(`header ${name}`, value);
    if (name.toLowerCase() === 'content-length') declared = Number(value);
    text += `${name}: ${value}\n`;
  }
  if (body.length > 0 && declared === null) throw frameError('a body needs a Content-Length header');
  if (declared !== null && declared !== body.length) throw frameError(`Content-Length ${declared} does not match a body of ${body.length} bytes`);
  text += '\n';
  return body.length > 0 ? Buffer.concat([Buffer.from(text, 'utf8'), body]) : Buffer.from(text, 'utf8');
}

/** Encodes a frame exactly as it is laid out (header order kept): the inverse of `EslFrameParser`. */
export function encodeFrame(frame: EslFrame): Buffer {
  return encodeBlock(null, frame.headers, frame.body);
}

/** Builds a frame, adding `Content-Length` where FreeSWITCH puts it (after the given headers) when there is a body. */
export function makeFrame(headers: readonly EslHeader[], body?: string | Buffer): EslFrame {
  const b = body === undefined ? EMPTY : typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const hasLength = getHeader(headers, 'Content-Length') !== undefined;
  return { headers: b.length > 0 && !hasLength ? [...headers, ['Content-Length', String(b.length)]] : headers, body: b };
}

/**
 * Encodes a client command. A body gets its Content-Length (read_packet reads
 * the body by that header, any case). Header values are sent raw: FreeSWITCH
 * does not URL-decode command headers.
 */
export function encodeCommand(line: string, headers: readonly EslHeader[] = [], body?: string | Buffer): Buffer {
  const b = body === undefined ? EMPTY : typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const all = b.length > 0 && getHeader(headers, 'Content-Length') === undefined ? [...headers, ['Content-Length', String(b.length)] as const] : headers;
  return encodeBlock(line, all, b);
}

// --- what a frame means ---------------------------------------------------

export type DisconnectDisposition = 'disconnect' | 'linger';

export type EslMessage =
  | { readonly kind: 'auth-request' }
  /** Reply-Text as sent; `ok` when it starts with `+OK`. */
  | { readonly kind: 'command-reply'; readonly ok: boolean; readonly text: string; readonly headers: readonly EslHeader[] }
  /** The outbound `connect` reply: a CHANNEL_DATA event serialised as the frame's headers (values URL-encoded). */
  | { readonly kind: 'channel-data'; readonly event: EslEvent; readonly socketMode: string; readonly control: string }
  | { readonly kind: 'api-response'; readonly text: string }
  | { readonly kind: 'event'; readonly format: 'plain' | 'json'; readonly event: EslEvent }
  | {
      readonly kind: 'disconnect-notice';
      readonly disposition: DisconnectDisposition | null;
      readonly sessionUuid: string | null;
      readonly lingerSeconds: number | null;
      readonly text: string;
    }
  | { readonly kind: 'log'; readonly level: number | null; readonly text: string }
  | { readonly kind: 'rude-rejection'; readonly text: string }
  /** A content type this module does not handle (`text/event-xml`, or something new): not an error. */
  | { readonly kind: 'unknown'; readonly contentType: string | null };

/**
 * What a frame means, by its Content-Type. Throws CV_ERR_ESL_FRAME only when a
 * known type is malformed (an event body that does not parse); an unknown
 * type is a value.
 */
export function classifyFrame(frame: EslFrame): EslMessage {
  const h = (name: string) => getHeader(frame.headers, name);
  const type = h('Content-Type');
  switch (type) {
    case 'auth/request':
      return { kind: 'auth-request' };
    case 'command/reply': {
      // The connect reply is switch_event_serialize(CHANNEL_DATA) with the reply
      // headers added to the event, so every value is URL-encoded ("%2BOK%0A").
      if (h('Socket-Mode') !== undefined && h('Control') !== undefined && h('Event-Name') !== undefined) {
        const headers = frame.headers.map(([n, v]) => [n, urlDecode(v)] as const);
        const event = new EslEvent(headers.filter(([n]) => !['content-type', 'reply-text', 'socket-mode', 'control'].includes(n.toLowerCase())));
        return { kind: 'channel-data', event, socketMode: urlDecode(h('Socket-Mode') ?? ''), control: urlDecode(h('Control') ?? '') };
      }
      const text = h('Reply-Text') ?? '';
      return { kind: 'command-reply', ok: text.startsWith('+OK'), text, headers: frame.headers };
    }
    case 'api/response':
      return { kind: 'api-response', text: frame.body.toString('utf8') };
    case 'text/event-plain':
      return { kind: 'event', format: 'plain', event: decodePlainEvent(frame.body) };
    case 'text/event-json':
      return { kind: 'event', format: 'json', event: decodeJsonEvent(frame.body) };
    case 'text/disconnect-notice': {
      const disp = h('Content-Disposition');
      const linger = h('Linger-Time');
      return {
        kind: 'disconnect-notice',
        disposition: disp === 'linger' || disp === 'disconnect' ? disp : null,
        sessionUuid: h('Controlled-Session-UUID') ?? null,
        lingerSeconds: linger !== undefined && /^-?\d+$/.test(linger) ? Number(linger) : null,
        text: frame.body.toString('utf8'),
      };
    }
    case 'log/data': {
      const level = h('Log-Level');
      return { kind: 'log', level: level !== undefined && /^\d+$/.test(level) ? Number(level) : null, text: frame.body.toString('utf8') };
    }
    case 'text/rude-rejection':
      return { kind: 'rude-rejection', text: frame.body.toString('utf8') };
    default:
      return { kind: 'unknown', contentType: type ?? null };
  }
}
