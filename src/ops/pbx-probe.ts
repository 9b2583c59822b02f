/**
 * Minimal protocol probes for `callvault doctor`: connect to the Asterisk
 * Manager Interface and log in (`Action: Login`, then `Logoff`), or to the
 * FreeSWITCH Event Socket and authenticate (`auth <password>`, then `exit`).
 * Deliberately independent of the daemon's clients: the doctor must tell
 * "the network or the credentials are wrong" from "callvault's client is".
 * The secret is sent and never printed. Asterisk answers a refused login
 * only after about a second (a brake on guessing), so timeouts stay above 2 s.
 */
import { connect, type Socket } from 'node:net';

export interface ProbeResult {
  ok: boolean;
  /** What the server said first (AMI banner), when it said anything. */
  banner: string | null;
  detail: string;
  /** Where it failed: connect (network) or login (credentials). */
  stage: 'connect' | 'login' | 'done';
}

interface Conversation {
  /** Called with all text received so far; returns a result to finish, or null to wait. */
  onData(text: string, send: (s: string) => void): ProbeResult | null;
}

function converse(host: string, port: number, timeoutMs: number, conv: Conversation): Promise<ProbeResult> {
  return new Promise((resolve) => {
    let text = '';
    let connected = false;
    let done = false;
    const socket: Socket = connect({ host, port });
    const finish = (r: ProbeResult) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.end();
      socket.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => finish({
      ok: false, banner: null, stage: connected ? 'login' : 'connect',
      detail: connected ? `no answer within ${timeoutMs} ms after connecting` : `no connection within ${timeoutMs} ms`,
    }), timeoutMs);
    socket.setEncoding('utf8');
    socket.on('connect', () => { connected = true; });
    socket.on('data', (chunk: string) => {
      text += chunk;
      if (text.length > 65_536) { finish({ ok: false, banner: null, stage: 'login', detail: 'the server sent too much without answering' }); return; }
      const r = conv.onData(text, (s) => socket.write(s));
      if (r !== null) finish(r);
    });
    socket.on('error', (err: NodeJS.ErrnoException) => finish({ ok: false, banner: null, stage: connected ? 'login' : 'connect', detail: `${err.code ?? 'error'}: ${err.message}` }));
    socket.on('close', () => finish({ ok: false, banner: null, stage: connected ? 'login' : 'connect', detail: 'the server closed the connection' }));
  });
}

/** AMI frames are CRLF lines ended by an empty line; the banner is one line before any frame. */
export function probeAmi(o: { host: string; port: number; username: string; secret: string; timeoutMs?: number }): Promise<ProbeResult> {
  let banner: string | null = null;
  let sent = false;
  const actionId = `callvault-doctor-${process.pid}`;
  return converse(o.host, o.port, o.timeoutMs ?? 3000, {
    onData(text, send) {
      if (banner === null) {
        const nl = text.indexOf('\n');
        if (nl < 0) return null;
        banner = text.slice(0, nl).replace(/\r$/, '');
        if (!/^Asterisk Call Manager\//.test(banner)) return { ok: false, banner, stage: 'connect', detail: `not an Asterisk Manager Interface (it said ${JSON.stringify(banner.slice(0, 60))})` };
      }
      if (!sent) {
        sent = true;
        send(`Action: Login\r\nActionID: ${actionId}\r\nUsername: ${o.username}\r\nSecret: ${o.secret}\r\nEvents: off\r\n\r\n`);
        return null;
      }
      const frames = text.slice(text.indexOf('\n') + 1).split(/\r?\n\r?\n/);
      for (const frame of frames.slice(0, -1)) {
        const fields = new Map(frame.split(/\r?\n/).map((l) => { const i = l.indexOf(':'); return [l.slice(0, i).trim().toLowerCase(), l.slice(i + 1).trim()] as const; }));
        if (!fields.has('response') || (fields.has('actionid') && fields.get('actionid') !== actionId)) continue;
        if (fields.get('response')!.toLowerCase() === 'success') {
          send(`Action: Logoff\r\nActionID: ${actionId}-bye\r\n\r\n`);
          return { ok: true, banner, stage: 'done', detail: `logged in as ${o.username} (${banner})` };
        }
        return { ok: false, banner, stage: 'login', detail: `login refused for ${o.username}: ${fields.get('message') ?? 'no message'}` };
      }
      return null;
    },
  });
}

/** Event Socket: `Content-Type: auth/request`, then `auth <password>` answered by `Reply-Text: +OK accepted` or `-ERR`. */
export function probeEsl(o: { host: string; port: number; password: string; timeoutMs?: number }): Promise<ProbeResult> {
  let sent = false;
  return converse(o.host, o.port, o.timeoutMs ?? 3000, {
    onData(text, send) {
      if (!sent) {
        if (!/\n\r?\n/.test(text)) return null;
        if (!/Content-Type: auth\/request/i.test(text)) return { ok: false, banner: null, stage: 'connect', detail: 'not a FreeSWITCH Event Socket (no auth/request)' };
        sent = true;
        send(`auth ${o.password}\n\n`);
        return null;
      }
      const reply = /Reply-Text: ([^\r\n]*)/i.exec(text);
      if (reply === null) return null;
      if (reply[1]!.startsWith('+OK')) {
        send('exit\n\n');
        return { ok: true, banner: null, stage: 'done', detail: 'authenticated' };
      }
      return { ok: false, banner: null, stage: 'login', detail: `authentication refused: ${reply[1]}` };
    },
  });
}
