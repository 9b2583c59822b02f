/**
 * The test server's own reading and writing of the wire, ported from
 * FreeSWITCH rather than shared with src/pbx/freeswitch: if the client's
 * codec had a bug, a server built on the same code would agree with it and
 * the tests would pass anyway. Sources: read_packet (command reader) in
 * mod_event_socket.c; switch_event_serialize, switch_event_serialize_json_obj
 * in switch_event.c; switch_url_encode in switch_utils.c.
 */

export type Header = readonly [string, string];

export interface ReceivedCommand {
  /** The first line (`auth ClueCon`, `sendmsg <uuid>`). */
  readonly line: string;
  /** Header lines as read_packet splits them: at the first colon, leading spaces of the value skipped. */
  readonly headers: readonly Header[];
  readonly body: string;
}

/** read_packet: a block ends at the second line feed in a row (CRs ignored); content-length (any case) announces a body. */
export class CommandReader {
  #buf = Buffer.alloc(0);
  #pending: { line: string; headers: Header[]; need: number } | null = null;
  /** mod_event_socket's max_len: past it read_packet cuts the block short; we refuse instead. */
  static readonly MAX = 10 * 1024 * 1024;

  push(chunk: Buffer): ReceivedCommand[] {
    this.#buf = Buffer.concat([this.#buf, chunk]);
    const out: ReceivedCommand[] = [];
    for (;;) {
      if (this.#pending) {
        if (this.#buf.length < this.#pending.need) break;
        const body = this.#buf.subarray(0, this.#pending.need).toString('utf8');
        this.#buf = this.#buf.subarray(this.#pending.need);
        out.push({ line: this.#pending.line, headers: this.#pending.headers, body });
        this.#pending = null;
        continue;
      }
      // Leading CR/LF are dropped ("bah" in read_packet).
      let start = 0;
      while (start < this.#buf.length && (this.#buf[start] === 0x0a || this.#buf[start] === 0x0d)) start++;
      this.#buf = this.#buf.subarray(start);
      let lf = 0;
      let end = -1;
      for (let i = 0; i < this.#buf.length; i++) {
        const c = this.#buf[i];
        if (c === 0x0a) {
          lf++;
          if (lf === 2) {
            end = i + 1;
            break;
          }
        } else if (c !== 0x0d) lf = 0;
      }
      if (end < 0) {
        if (this.#buf.length > CommandReader.MAX) throw new Error('command block too large');
        break;
      }
      const text = this.#buf.subarray(0, end).toString('utf8');
      this.#buf = this.#buf.subarray(end);
      const lines = text.split(/\r?\n/).filter((l, i, all) => !(l === '' && i >= all.length - 2));
      const line = (lines.shift() ?? '').replace(/\r$/, '');
      const headers: Header[] = [];
      let need = 0;
      for (const raw of lines) {
        const l = raw.replace(/\r$/, '');
        const colon = l.indexOf(':');
        if (colon <= 0) continue;
        let v = colon + 1;
        while (l[v] === ' ') v++;
        const name = l.slice(0, colon);
        const value = l.slice(v);
        headers.push([name, value]);
        if (name.toLowerCase() === 'content-length') need = Math.max(0, Number.parseInt(value, 10) || 0);
      }
      if (need > 0) this.#pending = { line, headers, need };
      else out.push({ line, headers, body: '' });
    }
    return out;
  }
}

const UNSAFE = '\r\n "#%&+:;<=>?@[\\]^`{|}';

/** switch_url_encode (every unsafe byte as %XX, upper-case hex). */
export function fsUrlEncode(value: string): string {
  let out = '';
  for (const b of Buffer.from(value, 'utf8')) {
    if (b < 0x20 || b > 0x7e || UNSAFE.includes(String.fromCharCode(b))) out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
    else out += String.fromCharCode(b);
  }
  return out;
}

/** switch_event_serialize(event, &str, SWITCH_TRUE). */
export function serializePlain(headers: readonly Header[], body: string | null): string {
  let s = '';
  for (const [n, v] of headers) {
    const e = fsUrlEncode(v);
    s += `${n}: ${e === '' ? '_undef_' : e}\n`;
  }
  if (body !== null && body.length > 0) s += `Content-Length: ${Buffer.byteLength(body, 'utf8')}\n\n${body}`;
  else s += '\n';
  return s;
}

/** switch_event_serialize_json (cJSON_PrintUnformatted keeps insertion order and escapes like JSON.stringify). */
export function serializeJson(headers: readonly Header[], body: string | null): string {
  const parts: string[] = [];
  for (const [n, v] of headers) {
    const value = v.startsWith('ARRAY::') ? JSON.stringify(v.slice(7).split('|:')) : JSON.stringify(v);
    parts.push(`${JSON.stringify(n)}:${value}`);
  }
  if (body !== null) {
    parts.push(`"Content-Length":${JSON.stringify(String(Buffer.byteLength(body, 'utf8')))}`);
    parts.push(`"_body":${JSON.stringify(body)}`);
  }
  return `{${parts.join(',')}}`;
}

// --- frames as mod_event_socket writes them (its snprintf formats) -------------

export const AUTH_REQUEST = 'Content-Type: auth/request\n\n';

export function commandReply(text: string): string {
  return `Content-Type: command/reply\nReply-Text: ${text}\n\n`;
}

/** The "~" replies of parse_command: the text carries its own header lines (bgapi, userauth). */
export function commandReplyRaw(rest: string): string {
  return `Content-Type: command/reply\n${rest}`;
}

export function apiResponse(body: string): string {
  return `Content-Type: api/response\nContent-Length: ${Buffer.byteLength(body, 'utf8')}\n\n${body}`;
}

export function eventFrame(format: 'plain' | 'json', serialized: string): string {
  return `Content-Length: ${Buffer.byteLength(serialized, 'utf8')}\nContent-Type: text/event-${format}\n\n${serialized}`;
}

export const GOODBYE = 'Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n';
export const SHUTDOWN = 'The system is being shut down.\n';

/** send_disconnect. */
export function disconnectNotice(message: string, sessionUuid: string | null): string {
  const len = Buffer.byteLength(message, 'utf8');
  if (sessionUuid !== null) {
    return `Content-Type: text/disconnect-notice\nControlled-Session-UUID: ${sessionUuid}\nContent-Disposition: disconnect\nContent-Length: ${len}\n\n${message}`;
  }
  return `Content-Type: text/disconnect-notice\nContent-Length: ${len}\n\n${message}`;
}

/** The linger notice read_packet sends once the channel is down. */
export function lingerNotice(sessionUuid: string, channelName: string, lingerTime: number): string {
  return `Content-Type: text/disconnect-notice\nControlled-Session-UUID: ${sessionUuid}\nContent-Disposition: linger\nChannel-Name: ${channelName}\nLinger-Time: ${lingerTime}\nContent-Length: 0\n\n`;
}

export function rudeRejection(): string {
  const message = 'Access Denied, go away.\n';
  return `Content-Type: text/rude-rejection\nContent-Length: ${message.length}\n\n${message}`;
}

export function logData(level: number, file: string, func: string, line: number, data: string): string {
  return `Content-Type: log/data\nContent-Length: ${Buffer.byteLength(data, 'utf8')}\nLog-Level: ${level}\nText-Channel: 0\nLog-File: ${file}\nLog-Func: ${func}\nLog-Line: ${line}\nUser-Data: \n\n${data}`;
}
