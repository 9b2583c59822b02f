/**
 * Loopback stand-ins for the AMI and Event Socket login handshakes, for the
 * doctor's unit tests (the end-to-end test logs in to the sandbox
 * Asterisk). Each speaks just enough of the protocol: AMI banner, Login with
 * Response Success/Error; ESL auth/request, auth, +OK/-ERR. `mode` makes one
 * misbehave the ways a real server or a wrong port does.
 */
import { createServer, type Server, type Socket } from 'node:net';

export type FakeMode = 'normal' | 'silent' | 'not-the-protocol';

export interface FakeServer { port: number; logins: string[]; close(): Promise<void> }

async function listen(handler: (s: Socket) => void): Promise<{ server: Server; port: number }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('no port');
  return { server, port: addr.port };
}

/** Keeps the open sockets so close() can end them; a client's reset is not the test's failure. */
function track(sockets: Set<Socket>, s: Socket): void {
  sockets.add(s);
  s.on('close', () => sockets.delete(s));
  s.on('error', () => undefined);
}

function closer(server: Server, sockets: Set<Socket>): () => Promise<void> {
  return () => new Promise((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); });
}

export async function fakeAmi(username: string, secret: string, mode: FakeMode = 'normal'): Promise<FakeServer> {
  const logins: string[] = [];
  const sockets = new Set<Socket>();
  const { server, port } = await listen((s) => {
    track(sockets, s);
    if (mode === 'silent') return;
    if (mode === 'not-the-protocol') { s.write('SSH-2.0-OpenSSH_9.2\r\n'); return; }
    s.write('Asterisk Call Manager/9.0.0\r\n');
    let buf = '';
    s.on('data', (d) => {
      buf += d.toString('latin1');
      let i: number;
      while ((i = buf.indexOf('\r\n\r\n')) >= 0) {
        const frame = buf.slice(0, i);
        buf = buf.slice(i + 4);
        const f = new Map(frame.split('\r\n').map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()] as const));
        const id = f.get('actionid') ?? '';
        if (f.get('action')?.toLowerCase() === 'login') {
          logins.push(f.get('username') ?? '');
          // Asterisk sends an unrelated event first sometimes; the probe must skip it.
          s.write('Event: FullyBooted\r\nPrivilege: system,all\r\nStatus: Fully Booted\r\n\r\n');
          s.write(f.get('username') === username && f.get('secret') === secret
            ? `Response: Success\r\nActionID: ${id}\r\nMessage: Authentication accepted\r\n\r\n`
            : `Response: Error\r\nActionID: ${id}\r\nMessage: Authentication failed\r\n\r\n`);
        } else if (f.get('action')?.toLowerCase() === 'logoff') {
          s.end(`Response: Goodbye\r\nActionID: ${id}\r\nMessage: Thanks for all the fish.\r\n\r\n`);
        }
      }
    });
  });
  return { port, logins, close: closer(server, sockets) };
}

export async function fakeEsl(password: string, mode: FakeMode = 'normal'): Promise<FakeServer> {
  const logins: string[] = [];
  const sockets = new Set<Socket>();
  const { server, port } = await listen((s) => {
    track(sockets, s);
    if (mode === 'silent') return;
    if (mode === 'not-the-protocol') { s.write('HTTP/1.1 400 Bad Request\r\n\r\n'); return; }
    s.write('Content-Type: auth/request\n\n');
    let buf = '';
    s.on('data', (d) => {
      buf += d.toString('utf8');
      const m = /^auth (.*)\n\n/.exec(buf);
      if (m !== null) {
        buf = buf.slice(m[0].length);
        logins.push('auth');
        s.write(m[1] === password ? 'Content-Type: command/reply\nReply-Text: +OK accepted\n\n' : 'Content-Type: command/reply\nReply-Text: -ERR invalid\n\n');
      }
      if (buf.startsWith('exit\n\n')) s.end('Content-Type: command/reply\nReply-Text: +OK bye\n\n');
    });
  });
  return { port, logins, close: closer(server, sockets) };
}
