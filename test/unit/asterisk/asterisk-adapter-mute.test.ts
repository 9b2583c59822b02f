/**
 * The Asterisk adapter's payment mute across an AMI reconnect, against a
 * fake AMI: a MixMonitorMute lost in flight by a dropped link is sent again
 * once the link is back, inside the deadline the session gives; past it, the
 * mute fails (and the session fails closed).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { isCallvaultError } from '../../../src/errors.js';
import { silentLogger } from '../../../src/log/logger.js';
import { AsteriskAdapter } from '../../../src/pbx/asterisk/asterisk-adapter.js';
import { encodeMessage, type AmiMessage } from '../../../src/pbx/asterisk/ami-frame.js';
import { scriptedAmi } from '../../support/scripted-ami.js';

/** A fake AMI that answers Login, and MixMonitorMute with `onMute` (called with the attempt number, from 1). */
async function fakeAmi(onMute: (attempt: number, a: AmiMessage, socket: net.Socket) => void): Promise<{ port: number; mutes: AmiMessage[]; close: () => Promise<void> }> {
  const mutes: AmiMessage[] = [];
  const srv = await scriptedAmi((a, send, socket) => {
    if (a.get('Action') === 'Login') send(encodeMessage([['Response', 'Success'], ['ActionID', a.actionId ?? '']]));
    if (a.get('Action') === 'MixMonitorMute') { mutes.push(a); onMute(mutes.length, a, socket); }
  });
  return { port: srv.port, mutes, close: srv.close };
}

function adapter(port: number): AsteriskAdapter {
  const a = new AsteriskAdapter({
    ami: { host: '127.0.0.1', port, username: 'u', secret: 's', actionTimeoutMs: 300 },
    agi: { host: '127.0.0.1', port: 0 },
    recordings: { pbx: '/x', local: '/x' },
    prompts: { prefix: 'callvault', defaultLanguage: 'fr' },
    logger: silentLogger,
  });
  return a;
}

const success = (a: AmiMessage): string => encodeMessage([['Response', 'Success'], ['ActionID', a.actionId ?? '']]);

test('a mute lost in flight by a dropped link is sent again after the reconnect and confirmed', async () => {
  const srv = await fakeAmi((attempt, a, socket) => { if (attempt === 1) socket.destroy(); else socket.write(success(a)); });
  const ad = adapter(srv.port);
  ad.ami.start();
  await ad.ami.waitConnected(2000);
  await ad.control.mute('Local/x;1', '20261201T000000Z-00000000', 1500);
  assert.equal(srv.mutes.length, 2, 'sent twice: once lost, once confirmed');
  assert.deepEqual(srv.mutes.map((m) => m.get('State')), ['1', '1']);
  assert.equal(ad.ami.stats().reconnects, 1);
  await ad.ami.stop();
  await srv.close();
});

test('a link that does not come back within the deadline fails the mute (the session then fails closed)', async () => {
  const srv = await fakeAmi((_attempt, _a, socket) => socket.destroy());
  const ad = adapter(srv.port);
  ad.ami.start();
  await ad.ami.waitConnected(2000);
  await assert.rejects(ad.control.mute('Local/x;1', '20261201T000000Z-00000000', 400), (err: unknown) => isCallvaultError(err));
  assert.ok(srv.mutes.length >= 1);
  await ad.ami.stop();
  await srv.close();
});
