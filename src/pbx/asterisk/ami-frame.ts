/**
 * AMI framing, both directions. Asterisk → client: one banner line
 * (`Asterisk Call Manager/11.0.0`) when the connection opens, then messages:
 * `Key: Value` lines ended by an empty line, every line ended by CRLF.
 * Client → Asterisk: the same message format (an action). Keys repeat
 * (`Variable:` in Status, `Output:` in Command, user headers in UserEvent that
 * shadow the channel snapshot's), so a message is an ordered list of headers,
 * never a map. Asterisk before 14 answered `Command` with `Response: Follows`
 * and a raw body ended by `--END COMMAND--`; the parser still reads it.
 *
 * The parser is streaming (split and coalesced TCP chunks), bounded
 * (CV_ERR_AMI_FRAME past `maxFrameBytes`), liberal where nothing can go
 * wrong and strict where it can. Blank lines between messages are accepted:
 * Asterisk 22 sends one after `TestEvent` (main/test.c formats the event's
 * data, which app_mixmonitor.c's MIXMONITOR_END already ends with CRLF, then
 * adds its own), and a blank line cannot shift one message's headers into
 * another. They come out as `blank` frames so that a stream round-trips. A
 * line without `Key:` inside a message stays fatal: the stream is not AMI or
 * is desynchronised, and a desynchronised stream would hand one action's
 * response to another. After an error the parser is spent: drop the
 * connection.
 *
 * Sources: main/manager.c (astman_append, "%s: %s\r\n", the banner
 * "Asterisk Call Manager/%s\r\n" with AMI_VERSION), docs/asterisk-protocol.md.
 */
import { excerpt } from './wire-excerpt.js';
import { StringDecoder } from 'node:string_decoder';
import { CallvaultError } from '../../errors.js';

/** One header line, in wire order. */
export type AmiHeader = readonly [name: string, value: string];

export const DEFAULT_MAX_FRAME_BYTES = 1024 * 1024;

const BANNER_PREFIX = 'Asterisk Call Manager/';
const FOLLOWS_END = '--END COMMAND--';
// A header name: printable ASCII without colon; AMI uses letters, digits, '-', '_', '(', ')'.
const NAME_RE = /^[\x21-\x39\x3b-\x7e][\x20-\x39\x3b-\x7e]*$/;

function frameError(detail: string): CallvaultError {
  return new CallvaultError('CV_ERR_AMI_FRAME', [detail]);
}

/** A response, an event or an action: headers in order, plus the legacy `Follows` body. */
export class AmiMessage {
  readonly headers: readonly AmiHeader[];
  /** The raw body of a legacy `Response: Follows` (Asterisk < 14), without the end marker. */
  readonly follows: string | undefined;

  constructor(headers: readonly AmiHeader[], follows?: string) {
    this.headers = headers;
    this.follows = follows;
  }

  /** The first value of a header, any case (Asterisk compares names with strcasecmp). */
  get(name: string): string | undefined {
    const lower = name.toLowerCase();
    for (const [n, v] of this.headers) if (n.toLowerCase() === lower) return v;
    return undefined;
  }

  getAll(name: string): string[] {
    const lower = name.toLowerCase();
    return this.headers.filter(([n]) => n.toLowerCase() === lower).map(([, v]) => v);
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  get kind(): 'response' | 'event' | 'other' {
    const first = this.headers[0]?.[0].toLowerCase();
    if (first === 'response') return 'response';
    if (first === 'event') return 'event';
    // Asterisk writes Response/Event first; be lenient about order for other peers.
    if (this.has('Response')) return 'response';
    if (this.has('Event')) return 'event';
    return 'other';
  }

  get event(): string | undefined {
    return this.get('Event');
  }

  get response(): string | undefined {
    return this.get('Response');
  }

  get actionId(): string | undefined {
    return this.get('ActionID');
  }

  /** Name → first value. Repeated keys keep their first value; use getAll for the rest. */
  toRecord(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [n, v] of this.headers) if (!(n in out)) out[n] = v;
    return out;
  }
}

export type AmiFrame =
  | { readonly kind: 'banner'; readonly version: string; readonly line: string }
  | { readonly kind: 'message'; readonly message: AmiMessage }
  /** One or more empty lines between messages, as received (CRLF or LF each). */
  | { readonly kind: 'blank'; readonly text: string };

export interface AmiParserOptions {
  /** Largest message (or banner) accepted, in characters. */
  readonly maxFrameBytes?: number;
  /** The connection starts with the banner line (Asterisk → client). Default true. */
  readonly banner?: boolean;
}

export function parseHeaderLine(line: string): AmiHeader {
  const colon = line.indexOf(':');
  if (colon <= 0) throw frameError(`line without "Key:" ${excerpt(line)}`);
  const name = line.slice(0, colon);
  if (!NAME_RE.test(name)) throw frameError(`invalid header name ${excerpt(name)}`);
  // Asterisk writes "%s: %s": drop exactly that one space so encoding is the exact inverse.
  const value = line.charCodeAt(colon + 1) === 0x20 ? line.slice(colon + 2) : line.slice(colon + 1);
  return [name, value];
}

/** Streaming Asterisk → client parser. */
export class AmiParser {
  readonly #max: number;
  readonly #decoder = new StringDecoder('utf8');
  #buf = '';
  #wantBanner: boolean;
  #failed = false;

  constructor(options: AmiParserOptions = {}) {
    this.#max = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.#wantBanner = options.banner ?? true;
  }

  /** Characters received but not yet part of a complete frame. */
  get pending(): number {
    return this.#buf.length;
  }

  push(chunk: Buffer | string): AmiFrame[] {
    if (this.#failed) throw frameError('parser used after an error');
    this.#buf += typeof chunk === 'string' ? chunk : this.#decoder.write(chunk);
    const out: AmiFrame[] = [];
    try {
      for (;;) {
        const frame = this.#next();
        if (frame === null) break;
        out.push(frame);
      }
    } catch (err) {
      this.#failed = true;
      throw err;
    }
    return out;
  }

  /** The stream ended: blank lines still buffered are returned; anything else is a truncated frame. */
  end(): AmiFrame[] {
    this.#buf += this.#decoder.end();
    if (this.#buf.length === 0) return [];
    if (/^(?:\r?\n)+$/.test(this.#buf)) {
      const text = this.#buf;
      this.#buf = '';
      return [{ kind: 'blank', text }];
    }
    this.#failed = true;
    throw frameError(`stream ended inside a frame ${excerpt(this.#buf)}`);
  }

  #next(): AmiFrame | null {
    if (this.#wantBanner) {
      const nl = this.#buf.indexOf('\n');
      if (nl < 0) return this.#checkSize(this.#buf.length);
      const line = this.#buf.slice(0, nl).replace(/\r$/, '');
      this.#checkSize(nl);
      if (!line.startsWith(BANNER_PREFIX)) throw frameError(`not an AMI banner ${excerpt(line)}`);
      this.#buf = this.#buf.slice(nl + 1);
      this.#wantBanner = false;
      return { kind: 'banner', version: line.slice(BANNER_PREFIX.length), line };
    }
    const blank = /^(?:\r?\n)+/.exec(this.#buf);
    if (blank !== null) {
      // A lone trailing CR may be the start of one more CRLF: wait for the rest.
      const text = blank[0];
      this.#checkSize(text.length);
      if (text.length === this.#buf.length || this.#buf === `${text}\r`) return null;
      this.#buf = this.#buf.slice(text.length);
      return { kind: 'blank', text };
    }
    if (this.#buf === '\r') return null;
    if (this.#buf.startsWith('Response: Follows\r\n') || this.#buf.startsWith('Response: Follows\n')) {
      return this.#follows();
    }
    const end = findBlankLine(this.#buf);
    if (end === null) return this.#checkSize(this.#buf.length);
    this.#checkSize(end.at);
    const block = this.#buf.slice(0, end.at);
    this.#buf = this.#buf.slice(end.at + end.length);
    const headers = block.split(/\r?\n/).map(parseHeaderLine);
    return { kind: 'message', message: new AmiMessage(headers) };
  }

  #follows(): AmiFrame | null {
    const marker = this.#buf.indexOf(FOLLOWS_END);
    if (marker < 0) return this.#checkSize(this.#buf.length);
    const after = this.#buf.slice(marker + FOLLOWS_END.length);
    const tail = /^\r?\n\r?\n/.exec(after);
    if (tail === null) {
      if (after.length < 4) return this.#checkSize(this.#buf.length);
      throw frameError(`no blank line after ${FOLLOWS_END}`);
    }
    this.#checkSize(marker);
    const text = this.#buf.slice(0, marker);
    this.#buf = after.slice(tail[0].length);
    // Headers are the leading lines Asterisk itself wrote (Response, Privilege, ActionID); the rest is output.
    const headers: AmiHeader[] = [];
    let rest = text;
    for (;;) {
      const m = /^(Response|Privilege|ActionID): ([^\r\n]*)\r\n/.exec(rest);
      if (m === null) break;
      headers.push([m[1] as string, m[2] as string]);
      rest = rest.slice(m[0].length);
    }
    return { kind: 'message', message: new AmiMessage(headers, rest) };
  }

  #checkSize(size: number): null {
    if (size > this.#max) throw frameError(`frame larger than ${this.#max} bytes`);
    return null;
  }
}

function findBlankLine(s: string): { at: number; length: number } | null {
  // The match starts at the line break that ends the last header. Blank
  // lines before a message never get here: #next takes them as a frame.
  const m = /\r?\n\r?\n/.exec(s);
  return m === null ? null : { at: m.index, length: m[0].length };
}

/** Parses a whole captured stream (vectors, tests). */
export function parseAmiStream(text: string, options: AmiParserOptions = {}): AmiFrame[] {
  const parser = new AmiParser(options);
  const frames = parser.push(text);
  frames.push(...parser.end());
  return frames;
}

function checkValue(name: string, value: string): void {
  // A CR or LF in a value would end the header early and let the rest be read
  // as another header or action (header injection).
  if (/[\r\n]/.test(value)) throw frameError(`line break in the value of ${name}`);
}

/** Encodes one message: `Key: Value\r\n`… then the blank line. */
export function encodeMessage(message: AmiMessage | readonly AmiHeader[]): string {
  const headers = message instanceof AmiMessage ? message.headers : message;
  let out = '';
  for (const [name, value] of headers) {
    if (!NAME_RE.test(name)) throw frameError(`invalid header name ${excerpt(name)}`);
    checkValue(name, value);
    out += `${name}: ${value}\r\n`;
  }
  if (message instanceof AmiMessage && message.follows !== undefined) {
    return `${out}${message.follows}${FOLLOWS_END}\r\n\r\n`;
  }
  return `${out}\r\n`;
}

export function encodeBanner(version: string): string {
  return `${BANNER_PREFIX}${version}\r\n`;
}

export function encodeFrame(frame: AmiFrame): string {
  switch (frame.kind) {
    case 'banner': return `${frame.line}\r\n`;
    case 'blank': return frame.text;
    case 'message': return encodeMessage(frame.message);
  }
}

/** Field values of an action; arrays become repeated headers (e.g. Variable). */
export type AmiActionFields = Readonly<Record<string, string | number | boolean | readonly string[] | undefined>>;

/** Builds the headers of an action, `Action` first; undefined values are left out. */
export function actionHeaders(action: string, fields: AmiActionFields = {}): AmiHeader[] {
  const headers: AmiHeader[] = [['Action', action]];
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    if (name.toLowerCase() === 'action') continue;
    const values = Array.isArray(value) ? (value as readonly string[]) : [String(value)];
    for (const v of values) headers.push([name, v]);
  }
  return headers;
}
