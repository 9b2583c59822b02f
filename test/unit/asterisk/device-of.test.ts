import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deviceOf } from '../../../src/pbx/asterisk/asterisk-adapter.js';

// Channel names as Asterisk 22 builds them (chan_pjsip, core_local), and what is left of each: the device.
const cases: Array<[channel: string | undefined, device: string | undefined]> = [
  ['PJSIP/supervisor-0000001a', 'PJSIP/supervisor'],
  ['PJSIP/desk-42-00000003', 'PJSIP/desk-42'],
  ['Local/sup@callvault-test-supervisor-00000007;1', 'Local/sup@callvault-test-supervisor'],
  ['SIP/legacy', 'SIP/legacy'],
  ['', undefined],
  [undefined, undefined],
];
for (const [channel, device] of cases) {
  test(`deviceOf(${JSON.stringify(channel)}) = ${JSON.stringify(device)}`, () => assert.equal(deviceOf(channel), device));
}
