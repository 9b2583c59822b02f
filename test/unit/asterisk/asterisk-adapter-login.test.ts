/**
 * The Asterisk adapter's AMI Login asks only for the event classes the
 * daemon reads (AMI_EVENT_CLASSES), so that a `read = all` manager user does
 * not stream dialplan, agi, dtmf and reporting events into the call path.
 * That Asterisk honours the mask is checked on the real server in
 * test/e2e/call-path-read-all.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../../../src/log/logger.js';
import { AsteriskAdapter, AMI_EVENT_CLASSES } from '../../../src/pbx/asterisk/asterisk-adapter.js';
import { encodeMessage } from '../../../src/pbx/asterisk/ami-frame.js';
import { scriptedAmi } from '../../support/scripted-ami.js';

test('the adapter logs in with Events: the classes it reads, and none that carries digits', async () => {
  const srv = await scriptedAmi((a, send) => {
    if (a.get('Action') === 'Login') send(encodeMessage([['Response', 'Success'], ['ActionID', a.actionId ?? '']]));
  });
  const ad = new AsteriskAdapter({
    ami: { host: '127.0.0.1', port: srv.port, username: 'u', secret: 's', actionTimeoutMs: 300 },
    agi: { host: '127.0.0.1', port: 0 },
    recordings: { pbx: '/x', local: '/x' },
    prompts: { prefix: 'callvault', defaultLanguage: 'fr' },
    logger: silentLogger,
  });
  ad.ami.start();
  await ad.ami.waitConnected(2000);
  const login = srv.actions.find((m) => m.get('Action') === 'Login');
  assert.equal(login?.get('Events'), AMI_EVENT_CLASSES);
  const classes = AMI_EVENT_CLASSES.split(',');
  // Hangup and ChanSpy* are class call, UserEvent user, FullyBooted system (main/manager.c, app_chanspy.c).
  for (const needed of ['call', 'user', 'system']) assert.ok(classes.includes(needed), `${needed} is asked for`);
  // dtmf (DTMFBegin/End), dialplan (VarSet, Newexten with a Read() of a card number), agi (GET DATA results): never.
  for (const never of ['dtmf', 'dialplan', 'agi', 'all', 'on']) assert.ok(!classes.includes(never), `${never} is not asked for`);
  await ad.ami.stop();
  await srv.close();
});
