import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { chooseLanguage } from '../../../src/policy/language.js';

const AVAILABLE = ['fr', 'en'];

test('what "no language set" means, on Asterisk and on FreeSWITCH', () => {
  const table = [
    // Asterisk: agi_language is always there; the PBX default counts as unset.
    { pbx: 'asterisk', explicit: null, channel: 'en', pbxDefault: 'en', def: 'fr', want: ['fr', 'default'] },
    { pbx: 'asterisk', explicit: null, channel: 'fr', pbxDefault: 'en', def: 'en', want: ['fr', 'channel'] },
    { pbx: 'asterisk', explicit: null, channel: 'fr_FR', pbxDefault: 'en', def: 'en', want: ['fr', 'channel'] },
    { pbx: 'asterisk', explicit: 'en', channel: 'en', pbxDefault: 'en', def: 'fr', want: ['en', 'explicit'] },
    { pbx: 'asterisk', explicit: 'de', channel: 'en', pbxDefault: 'en', def: 'fr', want: ['fr', 'default'] },
    { pbx: 'asterisk', explicit: null, channel: 'de', pbxDefault: 'en', def: 'fr', want: ['fr', 'default'] },
    { pbx: 'asterisk', explicit: '', channel: 'fr', pbxDefault: 'fr', def: 'en', want: ['en', 'default'] },
    // FreeSWITCH: no channel language is always set; only CALLVAULT_LANGUAGE counts.
    { pbx: 'freeswitch', explicit: null, channel: null, pbxDefault: null, def: 'fr', want: ['fr', 'default'] },
    { pbx: 'freeswitch', explicit: 'EN', channel: null, pbxDefault: null, def: 'fr', want: ['en', 'explicit'] },
    { pbx: 'freeswitch', explicit: 'it', channel: null, pbxDefault: null, def: 'en', want: ['en', 'default'] },
  ];
  for (const r of table) {
    const got = chooseLanguage({ explicit: r.explicit, channel: r.channel, pbxDefault: r.pbxDefault }, r.def, AVAILABLE);
    assert.deepEqual([got.language, got.reason], r.want, JSON.stringify(r));
  }
});

const tag = fc.oneof(fc.constant(null), fc.constantFrom('fr', 'en', 'de', 'FR', 'en_GB', 'fr-CA', '', ' '), fc.string({ maxLength: 6 }));

test('property: always a language with prompts; explicit wins; the PBX default is never taken as a choice', () => {
  fc.assert(fc.property(tag, tag, tag, fc.constantFrom('fr', 'en'), (explicit, channel, pbxDefault, def) => {
    const got = chooseLanguage({ explicit, channel, pbxDefault }, def, AVAILABLE);
    assert.ok(AVAILABLE.includes(got.language));
    if (got.reason === 'default') assert.equal(got.language, def);
    if (got.reason === 'channel') {
      assert.notEqual(got.language, pbxDefault?.trim().toLowerCase().split(/[_-]/)[0]);
      assert.ok(!(explicit !== null && AVAILABLE.includes(explicit.trim().toLowerCase().split(/[_-]/)[0] ?? '')), 'an explicit language with prompts would have won');
    }
    // Nothing set but the PBX's own default: the configured default applies.
    const unset = chooseLanguage({ explicit: null, channel: pbxDefault, pbxDefault }, def, AVAILABLE);
    assert.deepEqual(unset, { language: def, reason: 'default' });
  }));
});
