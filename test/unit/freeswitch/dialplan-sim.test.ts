/**
 * The simulator's XML dialplan model (test/support/esl-server/dialplan.ts):
 * hunt order, conditions read at hunt time, and refusal of the features it
 * does not model, so callvault.xml cannot drift into untested behaviour.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { XmlDialplan, expandVariables } from '../../support/esl-server/index.js';

const ctx = (body: string) => `<?xml version="1.0"?><!-- a comment --><include><context name="c">${body}</context></include>`;

test('hunt: first matching extension wins unless it continues; conditions are ANDed', () => {
  const d = new XmlDialplan([ctx(`
    <extension name="a" continue="true"><condition field="destination_number" expression="^x$"><action application="log" data="a"/></condition></extension>
    <extension name="b"><condition field="destination_number" expression="^x$"/><condition field="\${v}" expression="^yes$"><action application="log" data="b"/></condition></extension>
    <extension name="c"><condition field="destination_number" expression="^x$"><action application="log" data="c &amp; d"/></condition></extension>
    <extension name="d"><condition field="destination_number" expression="^x$"><action application="log" data="d"/></condition></extension>`)]);
  assert.deepEqual(d.hunt('c', 'x', () => 'yes').map((a) => a.data), ['a', 'b']);
  assert.deepEqual(d.hunt('c', 'x', () => 'no').map((a) => a.data), ['a', 'c & d']);
  assert.deepEqual(d.hunt('c', 'y', () => 'yes'), []);
  assert.deepEqual(d.hunt('nope', 'x', () => 'yes'), []);
});

test('features the model does not simulate are refused at load', () => {
  const refuse = [
    '<extension name="e"><condition field="destination_number" expression="^x$"><anti-action application="log" data="n"/></condition></extension>',
    '<extension name="e"><condition field="destination_number" expression="^x$" break="never"/></extension>',
    '<extension name="e"><condition field="destination_number" expression="^x$"><action application="log" data="n"/></condition><condition field="a" expression="b"/></extension>',
    '<extension name="e"><condition field="destination_number" expression="^(x)$"><action application="log" data="$1"/></condition></extension>',
    '<extension name="e"><condition field="destination_number" expression="^x$"><action application="set" data="a=b" inline="true"/></condition></extension>',
    '<extension name="e"><condition field="destination_number" expression="^x$">',
  ];
  for (const body of refuse) assert.throws(() => new XmlDialplan([ctx(body)]), /dialplan xml/, body);
  assert.throws(() => expandVariables('${uuid_record(a b)}', () => ''), /not simulated/);
  assert.equal(expandVariables('${a} ${b}/x', (n) => (n === 'a' ? '1' : undefined)), '1 /x');
});

test('callvault.xml and the demo load in the model', () => {
  const d = new XmlDialplan(['callvault.xml', 'callvault-demo.xml'].map((f) => readFileSync(new URL(`../../../dialplan/freeswitch/${f}`, import.meta.url), 'utf8')));
  const consent = d.hunt('callvault', 'callvault-consent', () => '');
  assert.equal(consent.find((a) => a.app === 'socket')?.data, '${CALLVAULT_SOCKET} async full');
  // The fail-closed branch runs unless the daemon wrote "confirmed".
  for (const pause of ['', 'pending', 'off', 'stopped']) assert.ok(d.hunt('callvault', 'callvault-payment-check', () => pause).some((a) => a.data === 'CALLVAULT_PAUSE=stopped'), pause);
  assert.deepEqual(d.hunt('callvault', 'callvault-payment-check', () => 'confirmed'), []);
});
