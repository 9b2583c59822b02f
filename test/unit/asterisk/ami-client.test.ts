/**
 * AmiClient against a scripted fake AMI server: correlation, deadlines,
 * lists, fail-fast, login refusal, heartbeat and reconnect. The real Asterisk
 * is exercised in test/e2e/asterisk-transport.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { isCallvaultError } from '../../../src/errors.js';
import { AmiClient } from '../../../src/pbx/asterisk/ami-client.js';
import { scriptedAmi } from '../../support/scripted-ami.js';
import { AmiParser, AmiMessage, encodeMessage } from '../../../src/pbx/asterisk/ami-frame.js';

const ok = (a: AmiMessage, extra: Array<[string, string]> = []): string => encodeMessage([['Response', 'Success'], ['ActionID', a.actionId ?? ''], ...extra]);
const login = (a: AmiMessage, send: (text: string) => void): void => { if (a.get('Action') === 'Login') send(ok(a, [['Message', 'Authentication accepted']])); };

function client(port: number, extra: Partial<ConstructorParameters<typeof AmiClient>[0]> = {}): AmiClient {
  return new AmiClient({ host: '127.0.0.1', port, username: 'u', secret: 's', actionTimeoutMs: 300, heartbeat: false, reconnect: { initialDelayMs: 20, maxDelayMs: 100 }, ...extra });
}

test('login sends the credentials; responses are matched by ActionID even out of order', async () => {
  let held: AmiMessage | null = null;
  const srv = await scriptedAmi((a, send) => {
    login(a, send);
    if (a.get('Action') === 'Getvar') {
      if (held === null) { held = a; return; }
      send(ok(a, [['Value', 'second']]));
      send(ok(held, [['Value', 'first']]));
    }
  });
  const c = client(srv.port);
  c.start();
  await c.waitConnected(2000);
  const loginAction = srv.actions[0] as AmiMessage;
  assert.equal(loginAction.get('Username'), 'u');
  assert.equal(loginAction.get('Secret'), 's');
  assert.equal(loginAction.get('Events'), 'on');
  const [a, b] = await Promise.all([c.getvar('C', 'A'), c.getvar('C', 'B')]);
  assert.deepEqual([a, b], ['first', 'second']);
  assert.equal(c.stats().version, '11.0.0');
  await c.stop();
  await srv.close();
});

test('Response: Error is CV_ERR_AMI_ACTION with the message; silence is CV_ERR_AMI_TIMEOUT and a late reply is dropped', async () => {
  let late: AmiMessage | null = null;
  const srv = await scriptedAmi((a, send) => {
    login(a, send);
    if (a.get('Action') === 'MixMonitorMute') send(encodeMessage([['Response', 'Error'], ['ActionID', a.actionId ?? ''], ['Message', 'No such channel']]));
    if (a.get('Action') === 'Slow') late = a;
    if (a.get('Action') === 'Ping') {
      if (late) send(ok(late));
      send(ok(a, [['Ping', 'Pong']]));
    }
  });
  const c = client(srv.port);
  c.start();
  await c.waitConnected(2000);
  await assert.rejects(c.mixMonitorMute('X', true), (err: unknown) => isCallvaultError(err, 'CV_ERR_AMI_ACTION') && /No such channel/.test(err.message));
  const mute = srv.actions.find((m) => m.get('Action') === 'MixMonitorMute') as AmiMessage;
  assert.deepEqual([mute.get('Direction'), mute.get('State'), mute.get('MixMonitorID')], ['both', '1', undefined]);
  await assert.rejects(c.action('Slow', {}, { timeoutMs: 50 }), (err: unknown) => isCallvaultError(err, 'CV_ERR_AMI_TIMEOUT'));
  await c.ping();
  assert.equal(c.stats().actionTimeouts, 1);
  assert.equal(c.stats().pendingActions, 0);
  await c.stop();
  await srv.close();
});

test('list actions collect their events up to EventList: Complete; other events go to listeners', async () => {
  const srv = await scriptedAmi((a, send) => {
    login(a, send);
    if (a.get('Action') === 'Status') {
      const id = a.actionId ?? '';
      send(ok(a, [['EventList', 'start'], ['Message', 'Channel status will follow']]));
      send(encodeMessage([['Event', 'Hangup'], ['Uniqueid', '9.9'], ['Cause', '16']]));
      send(encodeMessage([['Event', 'Status'], ['ActionID', id], ['Channel', 'A'], ['Uniqueid', '1.1'], ['Variable', 'CALLVAULT_RECORDING_ID=r1'], ['Variable', 'CALLVAULT_PAUSE=']]));
      send(encodeMessage([['Event', 'StatusComplete'], ['ActionID', id], ['EventList', 'Complete'], ['ListItems', '1']]));
    }
  });
  const c = client(srv.port);
  const hangups: string[] = [];
  c.onEvent('Hangup', (e) => hangups.push(`${e.fields.Uniqueid}/${e.fields.Cause}`));
  c.start();
  await c.waitConnected(2000);
  const items = await c.status({ variables: ['CALLVAULT_RECORDING_ID', 'CALLVAULT_PAUSE'] });
  assert.equal(items.length, 1);
  assert.equal(items[0]?.fields.Uniqueid, '1.1');
  assert.deepEqual(items[0]?.message.getAll('Variable'), ['CALLVAULT_RECORDING_ID=r1', 'CALLVAULT_PAUSE=']);
  assert.equal((srv.actions.at(-1) as AmiMessage).get('Variables'), 'CALLVAULT_RECORDING_ID,CALLVAULT_PAUSE');
  assert.deepEqual(hangups, ['9.9/16']);
  await c.stop();
  await srv.close();
});

test('fail fast: actions reject at once while down and when the link drops mid-action; reconnect follows', async () => {
  const srv = await scriptedAmi((a, send, socket) => {
    login(a, send);
    if (a.get('Action') === 'Drop') socket.destroy();
  });
  const c = client(srv.port);
  await assert.rejects(c.ping(), (err: unknown) => isCallvaultError(err, 'CV_ERR_AMI_CLOSED'), 'before start');
  const seen: string[] = [];
  c.on('connected', (i) => seen.push(i.reconnect ? 'reconnected' : 'connected'));
  c.on('disconnected', (i) => seen.push(`disconnected:${i.reconnectInMs !== null}`));
  c.start();
  await c.waitConnected(2000);
  await assert.rejects(c.action('Drop', {}, { timeoutMs: 2000 }), (err: unknown) => isCallvaultError(err, 'CV_ERR_AMI_CLOSED'));
  await assert.rejects(c.ping(), (err: unknown) => isCallvaultError(err, 'CV_ERR_AMI_CLOSED'), 'while reconnecting');
  await c.waitConnected(2000);
  assert.deepEqual(seen, ['connected', 'disconnected:true', 'reconnected']);
  assert.equal(c.stats().reconnects, 1);
  assert.equal(c.link().state, 'up');
  await c.stop();
  assert.equal(c.link().state, 'down');
  await srv.close();
});

test('a refused login is CV_ERR_AMI_LOGIN (the cause of CV_ERR_AMI_CONNECT), counted, and retried', async () => {
  const srv = await scriptedAmi((a, send, socket) => {
    if (a.get('Action') === 'Login') {
      send(encodeMessage([['Response', 'Error'], ['ActionID', a.actionId ?? ''], ['Message', 'Authentication failed']]));
      socket.end();
    }
  });
  const c = client(srv.port, { reconnect: { initialDelayMs: 10, maxDelayMs: 40, factor: 2, jitter: 0.5 }, random: () => 1 });
  c.start();
  await assert.rejects(c.waitConnected(300), (err: unknown) => isCallvaultError(err, 'CV_ERR_AMI_CONNECT') && isCallvaultError((err as Error).cause, 'CV_ERR_AMI_LOGIN'));
  assert.ok(c.stats().loginFailures >= 2, `retried (${c.stats().loginFailures})`);
  await c.stop();
  await srv.close();
});

test('heartbeat: an unanswered Ping drops the link, which reconnects', async () => {
  let answerPings = false;
  const srv = await scriptedAmi((a, send) => {
    login(a, send);
    if (a.get('Action') === 'Ping' && answerPings) send(ok(a));
  });
  const c = client(srv.port, { heartbeat: { intervalMs: 30, timeoutMs: 50 } });
  const down = new Promise<void>((r) => c.on('disconnected', () => r()));
  c.start();
  await c.waitConnected(2000);
  await down;
  answerPings = true;
  await c.waitConnected(2000);
  assert.ok(c.stats().heartbeatFailures >= 1);
  await c.stop();
  await srv.close();
});

test('a listener that throws does not break dispatch; waitForEvent times out with CV_ERR_AMI_TIMEOUT', async () => {
  const srv = await scriptedAmi((a, send) => {
    login(a, send);
    if (a.get('Action') === 'Fire') {
      send(ok(a));
      send(encodeMessage([['Event', 'UserEvent'], ['UserEvent', 'X']]));
    }
  });
  const c = client(srv.port);
  const got: string[] = [];
  c.onEvent('UserEvent', () => { throw new Error('boom'); });
  c.onEvent('UserEvent', (e) => got.push(e.fields.UserEvent));
  c.start();
  await c.waitConnected(2000);
  const wait = c.waitForEvent('UserEvent', (e) => e.fields.UserEvent === 'X', 1000);
  await c.action('Fire');
  assert.equal((await wait).fields.UserEvent, 'X');
  assert.deepEqual(got, ['X']);
  await assert.rejects(c.waitForEvent('Nope', () => true, 30), (err: unknown) => isCallvaultError(err, 'CV_ERR_AMI_TIMEOUT'));
  await c.stop();
  await srv.close();
});

test('garbage from the server drops the connection (CV_ERR_AMI_FRAME), then the client reconnects', async () => {
  let first = true;
  const srv = await scriptedAmi((a, send) => {
    login(a, send);
    if (a.get('Action') === 'Ping') {
      if (first) { first = false; send('this is not AMI\r\n\r\n'); } else send(ok(a));
    }
  });
  const c = client(srv.port);
  c.start();
  await c.waitConnected(2000);
  await assert.rejects(c.ping(), (err: unknown) => isCallvaultError(err, 'CV_ERR_AMI_CLOSED') && isCallvaultError((err as Error).cause, 'CV_ERR_AMI_FRAME'));
  await c.waitConnected(2000);
  await c.ping();
  await c.stop();
  await srv.close();
});

test('read = all: the TestEvent captured from Asterisk 22 (extra blank line) and unknown events keep the link up', async () => {
  // The real bytes (test/vectors/asterisk/good_ami_testevent_mixmonitor_end.txt) up to its Goodbye.
  const capture = readFileSync(new URL('../../vectors/asterisk/good_ami_testevent_mixmonitor_end.txt', import.meta.url), 'utf8');
  const events = capture.slice(0, capture.indexOf('Response: Goodbye'));
  const srv = await scriptedAmi((a, send) => {
    login(a, send);
    if (a.get('Action') === 'Ping') send(`${events}Event: SomethingNew\r\nPrivilege: all\r\n\r\n${ok(a, [['Ping', 'Pong']])}`);
  });
  const c = client(srv.port);
  const seen: string[] = [];
  c.on('event', (e) => seen.push(e.name));
  c.start();
  await c.waitConnected(2000);
  await c.ping();
  await c.ping();
  assert.deepEqual(seen, ['Hangup', 'TestEvent', 'SomethingNew', 'Hangup', 'TestEvent', 'SomethingNew']);
  assert.deepEqual({ disconnects: c.stats().disconnects, reconnects: c.stats().reconnects }, { disconnects: 0, reconnects: 0 });
  await c.stop();
  await srv.close();
});

test("whileReconnecting 'wait': an action issued during a reconnect is sent once logged in, inside its deadline", async () => {
  const srv = await scriptedAmi((a, send, socket) => {
    login(a, send);
    if (a.get('Action') === 'Drop') socket.destroy();
    if (a.get('Action') === 'MixMonitorMute') send(ok(a));
  });
  const c = client(srv.port, { reconnect: { initialDelayMs: 50, maxDelayMs: 50, jitter: 0 } });
  c.start();
  await c.waitConnected(2000);
  await assert.rejects(c.action('Drop'), (err: unknown) => isCallvaultError(err, 'CV_ERR_AMI_CLOSED'));
  assert.equal(c.reconnecting, true);
  await assert.rejects(c.mixMonitorMute('Local/x', true), (err: unknown) => isCallvaultError(err, 'CV_ERR_AMI_CLOSED'), "default 'fail': at once");
  await c.mixMonitorMute('Local/x', true, { timeoutMs: 1500, whileReconnecting: 'wait' });
  assert.equal(srv.actions.filter((a) => a.get('Action') === 'MixMonitorMute').length, 1, 'sent once, after the reconnect');
  assert.equal(c.stats().reconnects, 1);
  await c.stop();
  await assert.rejects(c.mixMonitorMute('Local/x', true, { timeoutMs: 1500, whileReconnecting: 'wait' }), (err: unknown) => isCallvaultError(err, 'CV_ERR_AMI_CLOSED'), 'stopped: no waiting');
  await srv.close();
});

test("whileReconnecting 'wait' never outlives its deadline: CV_ERR_AMI_TIMEOUT when the link is not back in time", async () => {
  const srv = await scriptedAmi((a, send, socket) => {
    login(a, send);
    if (a.get('Action') === 'Drop') socket.destroy();
  });
  // The reconnect is scheduled 60 s out: only the action's own deadline can end the wait.
  const c = client(srv.port, { reconnect: { initialDelayMs: 60_000, maxDelayMs: 60_000, jitter: 0 } });
  c.start();
  await c.waitConnected(2000);
  await assert.rejects(c.action('Drop'), (err: unknown) => isCallvaultError(err, 'CV_ERR_AMI_CLOSED'));
  await assert.rejects(c.mixMonitorMute('Local/x', true, { timeoutMs: 100, whileReconnecting: 'wait' }), (err: unknown) => isCallvaultError(err, 'CV_ERR_AMI_TIMEOUT'));
  assert.equal(srv.actions.filter((a) => a.get('Action') === 'MixMonitorMute').length, 0, 'never sent');
  await c.stop();
  await srv.close();
});
