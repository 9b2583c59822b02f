/**
 * Places the quick start's demo calls on the sandbox Asterisk through AMI
 * (scripted callers from dialplan/asterisk/callvault-sandbox.conf) and waits
 * for each to end. Usage: node --import tsx scripts/demo-calls.ts AGI_PORT
 */
import { AmiClient } from '../src/pbx/asterisk/ami-client.js';
import { silentLogger } from '../src/log/logger.js';
import { randomBytes } from 'node:crypto';

const env = process.env;
const port = Number(process.argv[2] ?? '4573');
const ami = new AmiClient({
  host: env.CALLVAULT_ASTERISK_AMI_HOST ?? '127.0.0.1', port: Number(env.CALLVAULT_ASTERISK_AMI_PORT ?? '15038'),
  username: env.CALLVAULT_ASTERISK_AMI_USER ?? 'callvault', secret: env.CALLVAULT_ASTERISK_AMI_SECRET ?? 'callvault-sandbox',
  logger: silentLogger, heartbeat: false, reconnect: false,
});

const calls: Array<{ what: string; scenario: string; line: string; vars?: Record<string, string> }> = [
  { what: 'support line (sampled 50%), caller stays silent', scenario: 'tones', line: 'support' },
  { what: 'support line, caller presses 9 to object', scenario: 'object', line: 'support' },
  { what: 'insurance line (mandatory), card payment in the middle', scenario: 'card', line: 'insurance', vars: { CALLVAULT_TEST_PAYMENT: '3' } },
  { what: 'sales line (consent), caller presses 1 to accept', scenario: 'accept', line: 'sales' },
  { what: 'sales line (consent), caller says nothing', scenario: 'tones', line: 'sales' },
  { what: 'support line, a French-speaking caller', scenario: 'tones', line: 'support', vars: { CALLVAULT_TEST_LANGUAGE: 'fr' } },
];

ami.start();
await ami.waitConnected(15_000);
await Promise.all(calls.map(async (c, i) => {
  await new Promise((r) => setTimeout(r, i * 700));
  const uniqueid = `demo-${randomBytes(4).toString('hex')}`;
  const done = ami.waitForEvent('Hangup', (e) => e.fields.Uniqueid === uniqueid, 180_000);
  await ami.action('Originate', {
    Channel: `Local/${c.scenario}@callvault-test-caller`, Context: 'callvault-demo-ivr', Exten: c.line, Priority: 1, Async: 'true',
    ChannelId: uniqueid, OtherChannelId: `${uniqueid}-caller`, CallerID: `"Demo" <+3361234567${i}>`,
    Variable: Object.entries({ __CALLVAULT_AGI: `agi://127.0.0.1:${port}`, CALLVAULT_TEST_PAYMENT: '0', ...(c.vars ?? {}) }).map(([k, v]) => `${k}=${v}`),
  });
  process.stdout.write(`demo: call ${i + 1} placed: ${c.what}\n`);
  await done;
  process.stdout.write(`demo: call ${i + 1} ended\n`);
}));
await ami.stop();
