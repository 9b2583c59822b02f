/**
 * FastAgiServer against a scripted fake Asterisk (a TCP client that sends an
 * environment and answers commands): routing, helpers, deadlines, hangup,
 * garbage. The real Asterisk is exercised in test/e2e/asterisk-transport.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { isCallvaultError } from '../../../src/errors.js';
import { FastAgiServer, type AgiChannel } from '../../../src/pbx/asterisk/fastagi-server.js';

const env = (script: string, args: string[] = []): string =>
  `agi_network: yes\nagi_network_script: ${script}\nagi_channel: Local/a@b-0001;1\nagi_uniqueid: 1.0\n${args.map((a, i) => `agi_arg_${i + 1}: ${a}\n`).join('')}\n`;

/** A fake Asterisk: sends `hello`, then answers each command line with answer(line). Resolves with the commands seen when the server closes. */
function fakeAsterisk(port: number, hello: string, answer: (cmd: string, sock: net.Socket) => string | null): Promise<string[]> {
  return new Promise((resolve) => {
    const seen: string[] = [];
    const sock = net.connect(port, '127.0.0.1', () => sock.write(hello));
    let buf = '';
    sock.on('data', (d) => {
      buf += d.toString();
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        seen.push(line);
        const reply = answer(line, sock);
        if (reply !== null) sock.write(reply);
      }
    });
    sock.on('end', () => { sock.end('HANGUP\n'); });
    sock.on('close', () => resolve(seen));
    sock.on('error', () => undefined);
  });
}

async function server(routes: Record<string, (ch: AgiChannel) => Promise<void>>, options: ConstructorParameters<typeof FastAgiServer>[0] = {}): Promise<{ srv: FastAgiServer; port: number }> {
  const srv = new FastAgiServer({ host: '127.0.0.1', port: 0, commandTimeoutMs: 300, envTimeoutMs: 200, ...options });
  for (const [script, handler] of Object.entries(routes)) srv.route(script, handler);
  const { port } = await srv.listen();
  return { srv, port };
}

test('routes by script, parses args, and the helpers turn replies into values', async () => {
  const results: unknown[] = [];
  const { srv, port } = await server({
    consent: async (ch) => {
      results.push(ch.request.args);
      results.push(await ch.getVariable('CHANNEL(linkedid)'));
      results.push(await ch.getVariable('UNSET'));
      results.push(await ch.streamFile('callvault/notice', '9', { timeoutMs: 1000 }));
      results.push(await ch.streamFile('missing', ''));
      results.push(await ch.getData('callvault/x', 2000, 4));
      results.push(await ch.exec('MixMonitor', 'callvault/r.wav,i(ID)'));
      await ch.setVariable('CALLVAULT_DECISION', 'record "quoted"');
    },
  });
  const seen = await fakeAsterisk(port, env('consent?x=1', ['sales', '']), (cmd) => {
    if (cmd.startsWith('GET VARIABLE "CHANNEL')) return '200 result=1 (1795879194.0)\n';
    if (cmd.startsWith('GET VARIABLE')) return '200 result=0\n';
    if (cmd.startsWith('STREAM FILE "callvault')) return '200 result=57 endpos=12640\n';
    if (cmd.startsWith('STREAM FILE')) return '200 result=-1 endpos=0\n';
    if (cmd.startsWith('GET DATA')) return '200 result=12 (timeout)\n';
    return '200 result=0\n';
  });
  assert.deepEqual(results, [
    ['sales', ''], '1795879194.0', null,
    { played: true, digit: '9', endpos: 12640 }, { played: false, digit: null, endpos: 0 },
    { digits: '12', timeout: true }, 0,
  ]);
  assert.equal(seen.at(-1), 'SET VARIABLE "CALLVAULT_DECISION" "record \\"quoted\\""');
  assert.equal(seen[4], 'GET DATA "callvault/x" 2000 4');
  assert.equal(srv.stats().connections, 1);
  await srv.close();
});

test('a command without reply in time: CV_ERR_AGI_TIMEOUT and the session is closed', async () => {
  let error: unknown;
  const { srv, port } = await server({ consent: async (ch) => { try { await ch.getVariable('X'); } catch (err) { error = err; } } });
  const seen = await fakeAsterisk(port, env('consent'), () => null);
  assert.ok(isCallvaultError(error, 'CV_ERR_AGI_TIMEOUT'));
  assert.deepEqual(seen, ['GET VARIABLE "X"']);
  assert.equal(srv.stats().commandTimeouts, 1);
  await srv.close();
});

test('the request deadline closes a handler that never ends; its signal is aborted', async () => {
  let aborted = false;
  const srv = new FastAgiServer({ host: '127.0.0.1', port: 0 });
  srv.route('slow', async (ch) => {
    await new Promise<void>((r) => ch.signal.addEventListener('abort', () => { aborted = true; r(); }));
  }, { timeoutMs: 100 });
  const { port } = await srv.listen();
  const t0 = Date.now();
  await fakeAsterisk(port, env('slow'), () => null);
  assert.ok(Date.now() - t0 < 1500);
  assert.ok(aborted);
  assert.equal(srv.stats().requestTimeouts, 1);
  await srv.close();
});

test('HANGUP while a command runs: hungUp, the helper throws CV_ERR_AGI_HANGUP', async () => {
  let error: unknown;
  let hung = false;
  const { srv, port } = await server({
    consent: async (ch) => {
      try { await ch.streamFile('callvault/notice', '9'); } catch (err) { error = err; }
      hung = ch.hungUp;
    },
  });
  await fakeAsterisk(port, env('consent'), () => 'HANGUP\n200 result=-1 endpos=100\n');
  assert.ok(isCallvaultError(error, 'CV_ERR_AGI_HANGUP'), String(error));
  assert.equal(hung, true);
  await srv.close();
});

test('the HANGUP Asterisk sends after we closed is not a caller hangup', async () => {
  let channel: AgiChannel | null = null;
  const { srv, port } = await server({ consent: async (ch) => { channel = ch; await ch.setVariable('A', 'b'); } });
  await fakeAsterisk(port, env('consent'), () => '200 result=1\n');
  assert.equal((channel as AgiChannel | null)?.hungUp, false);
  await srv.close();
});

test('unknown script, garbage and a silent client are closed without running a handler', async () => {
  let ran = false;
  const { srv, port } = await server({ consent: async () => { ran = true; } });
  assert.deepEqual(await fakeAsterisk(port, env('nope'), () => null), []);
  assert.deepEqual(await fakeAsterisk(port, 'Asterisk Call Manager/11.0.0\r\n', () => null), []);
  assert.deepEqual(await fakeAsterisk(port, '', () => null), []);
  assert.equal(ran, false);
  const s = srv.stats();
  assert.equal(s.unknownScript, 1);
  assert.equal(s.protocolErrors, 2);
  await srv.close();
});

test('a reply nobody asked for closes the session', async () => {
  let error: unknown;
  const { srv, port } = await server({
    consent: async (ch) => {
      await new Promise((r) => setTimeout(r, 50));
      try { await ch.getVariable('X'); } catch (err) { error = err; }
    },
  });
  await fakeAsterisk(port, `${env('consent')}200 result=1\n`, () => '200 result=1 (late)\n');
  await new Promise((r) => setTimeout(r, 150));
  assert.ok(isCallvaultError(error), String(error));
  await srv.close();
});

test('listen on a taken port is CV_ERR_AGI_LISTEN', async () => {
  const a = new FastAgiServer({ host: '127.0.0.1', port: 0 });
  const { port } = await a.listen();
  const b = new FastAgiServer({ host: '127.0.0.1', port });
  await assert.rejects(b.listen(), (err: unknown) => isCallvaultError(err, 'CV_ERR_AGI_LISTEN'));
  await a.close();
});

test('a newline in a raw command or an argument is refused before anything is sent', async () => {
  const errors: unknown[] = [];
  const { srv, port } = await server({
    consent: async (ch) => {
      await ch.command('VERBOSE "x"\nHANGUP').catch((e: unknown) => errors.push(e));
      await ch.setVariable('A', 'x\nHANGUP').catch((e: unknown) => errors.push(e));
      await ch.exec('Mix;Monitor').catch((e: unknown) => errors.push(e));
    },
  });
  const seen = await fakeAsterisk(port, env('consent'), () => '200 result=1\n');
  assert.deepEqual(seen, []);
  assert.equal(errors.length, 3);
  for (const e of errors) assert.ok(isCallvaultError(e, 'CV_ERR_AGI_FRAME'));
  await srv.close();
});
