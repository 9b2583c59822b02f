/**
 * A scripted fake AMI server for unit tests: the banner, then each action is
 * answered by `reply` (the test decides: a Success, an error, nothing, a
 * dropped socket). The real Asterisk is exercised in test/e2e.
 */
import net from 'node:net';
import { AmiParser, type AmiMessage } from '../../src/pbx/asterisk/ami-frame.js';

export type Reply = (action: AmiMessage, send: (text: string) => void, socket: net.Socket) => void;

/** Listens on a free loopback port; every action received is kept in `actions`. */
export async function scriptedAmi(reply: Reply): Promise<{ port: number; sockets: Set<net.Socket>; actions: AmiMessage[]; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const actions: AmiMessage[] = [];
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const parser = new AmiParser({ banner: false });
    socket.write('Asterisk Call Manager/11.0.0\r\n');
    socket.on('data', (chunk) => {
      for (const f of parser.push(chunk)) {
        if (f.kind !== 'message') continue;
        actions.push(f.message);
        reply(f.message, (t) => socket.write(t), socket);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port, sockets, actions,
    close: () => new Promise<void>((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); }),
  };
}

