import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkDtmfExposure, managerUser } from '../../../src/ops/manager-conf.js';

const conf = (section: string) => `; manager.conf
[general]
enabled = yes
port = 5038

[other]
secret = x
read = all

[callvault]
secret = s ; comment
${section}
`;

const cases: Array<[name: string, section: string, verdict: 'ok' | 'warn' | 'fail']> = [
  ['good_sandbox: read without dtmf, new-style exclude filters', 'read = system,call,agent,user\neventfilter(action(exclude),name(DTMFBegin)) =\neventfilter(action(exclude),name(DTMFEnd)) =', 'ok'],
  ['good_legacy: read all, but the legacy !Event: DTMF* filter', 'read = all\neventfilter=!Event: DTMF*', 'ok'],
  ['good_whitelist: read all, include filters that do not match DTMF', 'read = all\neventfilter=Event: Newchannel\neventfilter=Event: Hangup', 'ok'],
  ['good_regex: exclude by name_regex', 'read = dtmf,call\neventfilter(action(exclude),name_regex(^DTMF.*)) =', 'ok'],
  ['warn_no_filter: read leaves out dtmf but nothing filters it', 'read = system,call', 'warn'],
  ['fail_read_all: read = all and no filter', 'read = all', 'fail'],
  ['fail_read_dtmf: read names dtmf, no filter', 'read = call,dtmf', 'fail'],
  ['fail_include_dtmf: an include filter lets DTMF in', 'read = all\neventfilter=Event: DTMFEnd', 'fail'],
  ['fail_commented_filter: the filter is commented out', 'read = all\n;eventfilter=!Event: DTMF*', 'fail'],
];

for (const [name, section, want] of cases) {
  test(`manager.conf ${name}`, () => {
    const user = managerUser(conf(section), 'callvault');
    assert.ok(user !== null);
    const v = checkDtmfExposure(user);
    const got = v.ok ? v.level : 'fail';
    assert.equal(got, want, v.detail);
  });
}

test('manager.conf: the other sections do not count, and a missing user is null', () => {
  assert.deepEqual(managerUser(conf('read = call'), 'callvault')?.read, ['call']);
  assert.equal(managerUser(conf('read = call'), 'nobody'), null);
});
