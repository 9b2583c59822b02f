import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkDtmfExposure, checkWriteClasses, managerUser } from '../../../src/ops/manager-conf.js';

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

// What the agent step needs: AMI MixMonitor is registered under EVENT_FLAG_SYSTEM (app_mixmonitor.c).
const writeCases: Array<[name: string, write: string, startsAtAnswer: boolean, verdict: 'ok' | 'warn' | 'fail']> = [
  ['good_answer_system: recordings start at answer, write has system', 'write = call,reporting,system', true, 'ok'],
  ['good_answer_all: write = all covers system', 'write = all', true, 'ok'],
  ['good_entry_only: no start at answer, no system', 'write = call,reporting', false, 'ok'],
  ['warn_entry_system: system granted but never needed (it also restarts Asterisk)', 'write = call,system', false, 'warn'],
  ['fail_answer_no_system: starts at answer would be refused', 'write = call,reporting', true, 'fail'],
  ['fail_answer_no_write: no write line at all', '', true, 'fail'],
];
for (const [name, write, startsAtAnswer, want] of writeCases) {
  test(`manager.conf write ${name}`, () => {
    const user = managerUser(conf(`read = system,call\n${write}`), 'callvault');
    assert.ok(user !== null);
    const v = checkWriteClasses(user, startsAtAnswer);
    assert.equal(v.level, want, v.detail);
  });
}
