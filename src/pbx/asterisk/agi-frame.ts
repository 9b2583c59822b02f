/**
 * FastAGI framing (res_agi.c). Asterisk → server: the environment, one
 * `agi_name: value` line each, ended by an empty line (launch_netscript sends
 * agi_network and agi_network_script, setup_env the rest, agi_arg_N last);
 * then one reply per command: `200 result=<r>[ (<data>)][ key=value...]`,
 * `510 ...` (unknown command), `511 ...` (not permitted on a dead channel),
 * `520 ...` or the multi-line `520-...` / usage text / `520 End of proper
 * usage.`; and, out of band, `HANGUP` when the channel hangs up, and once
 * more when the session ends (run_agi sends it on exit whatever happened).
 * Server → Asterisk: one command per line. Lines end with LF only.
 *
 * The parser is streaming, bounded (CV_ERR_AGI_FRAME past the limits) and
 * strict about garbage; a desynchronised session must be dropped, never
 * guessed at, since replies are matched to commands by order alone.
 */
import { excerpt } from './wire-excerpt.js';
import { StringDecoder } from 'node:string_decoder';
import { CallvaultError } from '../../errors.js';

export type AgiEnvLine = readonly [name: string, value: string];

/** res_agi reads commands into a 2048-byte buffer (AGI_BUF_LEN); replies can be longer (variable values). */
export const DEFAULT_MAX_LINE_BYTES = 64 * 1024;
export const DEFAULT_MAX_ENV_BYTES = 64 * 1024;
/** A 520 usage text is a few hundred bytes; bound the number of lines too. */
const MAX_MULTILINE_LINES = 200;

const ENV_NAME_RE = /^agi_[a-z0-9_]+$/;

function frameError(detail: string): CallvaultError {
  return new CallvaultError('CV_ERR_AGI_FRAME', [detail]);
}

/** The environment of one AGI request. Caller numbers (agi_callerid, agi_dnid, ...) are personal data: never log `lines`. */
export class AgiRequest {
  readonly lines: readonly AgiEnvLine[];
  readonly #vars: ReadonlyMap<string, string>;
  /** Script path of agi://host:port/<script>?<query>, without the query and leading slashes. */
  readonly script: string;
  readonly query: URLSearchParams;
  /** agi_arg_1..N in order (AGI(url,arg1,arg2)). */
  readonly args: readonly string[];

  constructor(lines: readonly AgiEnvLine[]) {
    this.lines = lines;
    this.#vars = new Map(lines);
    const raw = this.#vars.get('agi_network_script') ?? '';
    const q = raw.indexOf('?');
    this.script = (q < 0 ? raw : raw.slice(0, q)).replace(/^\/+/, '');
    this.query = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
    const args: string[] = [];
    for (let i = 1; this.#vars.has(`agi_arg_${i}`); i++) args.push(this.#vars.get(`agi_arg_${i}`) as string);
    this.args = args;
  }

  /** A variable by full name (`agi_channel`) or short name (`channel`). */
  get(name: string): string | undefined {
    return this.#vars.get(name.startsWith('agi_') ? name : `agi_${name}`);
  }

  get channel(): string { return this.get('channel') ?? ''; }
  get uniqueid(): string { return this.get('uniqueid') ?? ''; }
  get language(): string { return this.get('language') ?? ''; }
  get type(): string { return this.get('type') ?? ''; }
  get context(): string { return this.get('context') ?? ''; }
  get priority(): string { return this.get('priority') ?? ''; }
  get version(): string { return this.get('version') ?? ''; }
  /** Personal data. 'unknown' (Asterisk's placeholder) becomes null. */
  get callerId(): string | null {
    const v = this.get('callerid');
    return v === undefined || v === '' || v === 'unknown' ? null : v;
  }
}

/** One reply to a command. */
export interface AgiResponse {
  /** 200, 510, 511, 520. */
  readonly code: number;
  /** The text after `result=` (a number for most commands, the digits for GET DATA); '' when absent. */
  readonly result: string;
  /** The parenthesised part: a variable's value, `timeout`, `hangup`; undefined when absent. */
  readonly data: string | undefined;
  /** Trailing `key=value` pairs (STREAM FILE's endpos). */
  readonly fields: Readonly<Record<string, string>>;
  /** The text after the code for non-200 replies. */
  readonly text: string;
  /** The reply as received, one entry per line, without line ends. */
  readonly lines: readonly string[];
}

export type AgiItem =
  | { readonly kind: 'env'; readonly request: AgiRequest }
  | { readonly kind: 'response'; readonly response: AgiResponse }
  | { readonly kind: 'hangup' };

export interface AgiParserOptions {
  readonly maxLineBytes?: number;
  readonly maxEnvBytes?: number;
}

export function parseEnvLine(line: string): AgiEnvLine {
  const colon = line.indexOf(':');
  if (colon <= 0) throw frameError(`environment line without "agi_name:" ${excerpt(line)}`);
  const name = line.slice(0, colon);
  if (!ENV_NAME_RE.test(name)) throw frameError(`invalid environment name ${excerpt(name)}`);
  const value = line.charCodeAt(colon + 1) === 0x20 ? line.slice(colon + 2) : line.slice(colon + 1);
  return [name, value];
}

/** Parses one complete reply (one line, or a 520- block). */
export function parseResponse(lines: readonly string[]): AgiResponse {
  const first = lines[0];
  if (first === undefined) throw frameError('empty reply');
  const m = /^(\d{3})([ -])(.*)$/.exec(first);
  if (m === null) throw frameError(`not an AGI reply ${excerpt(first)}`);
  const code = Number(m[1]);
  const rest = m[3] as string;
  if (m[2] === '-') {
    const last = lines[lines.length - 1] ?? '';
    if (lines.length < 2 || !last.startsWith(`${m[1]} `)) throw frameError(`unterminated multi-line reply ${excerpt(first)}`);
    return { code, result: '', data: undefined, fields: {}, text: rest, lines };
  }
  if (lines.length !== 1) throw frameError('several lines in a single-line reply');
  const r = /^result=(\S*)(.*)$/.exec(rest);
  if (r === null) return { code, result: '', data: undefined, fields: {}, text: rest, lines };
  let tail = r[2] as string;
  let data: string | undefined;
  if (tail.startsWith(' (')) {
    // The value may itself hold parentheses and spaces (GET VARIABLE): it runs to the last ')'.
    const close = tail.lastIndexOf(')');
    if (close < 2) throw frameError(`unclosed "(" in ${excerpt(first)}`);
    data = tail.slice(2, close);
    tail = tail.slice(close + 1);
  }
  const fields: Record<string, string> = {};
  for (const word of tail.split(' ')) {
    if (word === '') continue;
    const eq = word.indexOf('=');
    if (eq <= 0) throw frameError(`unexpected text after the result ${excerpt(first)}`);
    fields[word.slice(0, eq)] = word.slice(eq + 1);
  }
  return { code, result: r[1] as string, data, fields, text: rest, lines };
}

/** Streaming Asterisk → server parser: the environment, then replies and HANGUP notices. */
export class AgiParser {
  readonly #maxLine: number;
  readonly #maxEnv: number;
  readonly #decoder = new StringDecoder('utf8');
  #buf = '';
  #env: AgiEnvLine[] | null = [];
  #envBytes = 0;
  #multi: string[] | null = null;
  #failed = false;

  constructor(options: AgiParserOptions = {}) {
    this.#maxLine = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    this.#maxEnv = options.maxEnvBytes ?? DEFAULT_MAX_ENV_BYTES;
  }

  /** True once the environment has been read. */
  get envComplete(): boolean {
    return this.#env === null;
  }

  push(chunk: Buffer | string): AgiItem[] {
    if (this.#failed) throw frameError('parser used after an error');
    this.#buf += typeof chunk === 'string' ? chunk : this.#decoder.write(chunk);
    const out: AgiItem[] = [];
    try {
      for (;;) {
        const nl = this.#buf.indexOf('\n');
        if (nl < 0) {
          if (this.#buf.length > this.#maxLine) throw frameError(`line longer than ${this.#maxLine} bytes`);
          break;
        }
        if (nl > this.#maxLine) throw frameError(`line longer than ${this.#maxLine} bytes`);
        const line = this.#buf.slice(0, nl).replace(/\r$/, '');
        this.#buf = this.#buf.slice(nl + 1);
        const item = this.#line(line, nl + 1);
        if (item !== null) out.push(item);
      }
    } catch (err) {
      this.#failed = true;
      throw err;
    }
    return out;
  }

  /** The stream ended: a partial line, environment or multi-line reply is a truncated frame. */
  end(): void {
    this.#buf += this.#decoder.end();
    if (this.#buf.length > 0 || this.#multi !== null || (this.#env !== null && this.#env.length > 0)) {
      this.#failed = true;
      throw frameError('stream ended inside a frame');
    }
  }

  #line(line: string, bytes: number): AgiItem | null {
    if (this.#env !== null) {
      if (line === '') {
        if (this.#env.length === 0) throw frameError('empty environment');
        const request = new AgiRequest(this.#env);
        this.#env = null;
        return { kind: 'env', request };
      }
      this.#envBytes += bytes;
      if (this.#envBytes > this.#maxEnv) throw frameError(`environment larger than ${this.#maxEnv} bytes`);
      this.#env.push(parseEnvLine(line));
      return null;
    }
    if (this.#multi !== null) {
      this.#multi.push(line);
      const code = (this.#multi[0] as string).slice(0, 3);
      if (line.startsWith(`${code} `)) {
        const lines = this.#multi;
        this.#multi = null;
        return { kind: 'response', response: parseResponse(lines) };
      }
      if (this.#multi.length > MAX_MULTILINE_LINES) throw frameError(`multi-line reply longer than ${MAX_MULTILINE_LINES} lines`);
      return null;
    }
    if (line === 'HANGUP') return { kind: 'hangup' };
    if (/^\d{3}-/.test(line)) {
      this.#multi = [line];
      return null;
    }
    return { kind: 'response', response: parseResponse([line]) };
  }
}

/** Parses a whole captured Asterisk → server stream (vectors, tests). */
export function parseAgiStream(text: string, options: AgiParserOptions = {}): AgiItem[] {
  const parser = new AgiParser(options);
  const items = parser.push(text);
  parser.end();
  return items;
}

export function encodeEnv(lines: readonly AgiEnvLine[]): string {
  let out = '';
  for (const [name, value] of lines) {
    if (!ENV_NAME_RE.test(name)) throw frameError(`invalid environment name ${excerpt(name)}`);
    if (/[\r\n]/.test(value)) throw frameError(`line break in ${name}`);
    out += `${name}: ${value}\n`;
  }
  return `${out}\n`;
}

export function encodeResponse(response: AgiResponse): string {
  return `${response.lines.join('\n')}\n`;
}

export function encodeItem(item: AgiItem): string {
  switch (item.kind) {
    case 'env': return encodeEnv(item.request.lines);
    case 'response': return encodeResponse(item.response);
    case 'hangup': return 'HANGUP\n';
  }
}

/**
 * Quotes one command argument the way res_agi's parse_args reads it: double
 * quotes group, backslash escapes. A line break would end the command and
 * start another one (command injection), so it is refused.
 */
export function quoteArg(value: string): string {
  if (/[\r\n\0]/.test(value)) throw frameError('line break or NUL in an AGI command argument');
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** `VERB WORDS "arg" "arg"\n`: the verb words are written as given, the arguments quoted. */
export function encodeCommand(verb: string, args: readonly (string | number)[] = []): string {
  if (!/^[A-Z]+( [A-Z]+)*$/.test(verb)) throw frameError(`invalid AGI command verb ${excerpt(verb)}`);
  const parts = [verb, ...args.map((a) => (typeof a === 'number' ? String(Math.trunc(a)) : quoteArg(a)))];
  return `${parts.join(' ')}\n`;
}
