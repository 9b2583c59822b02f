import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { normalizePhoneNumber, writtenForms } from '../../../src/privacy/phone-number.js';
import { isCallvaultError } from '../../../src/errors.js';

const good: Array<[input: string, country: string, e164: string]> = [
  ['0123456789', 'FR', '+33123456789'],
  ['01 23 45 67 89', 'FR', '+33123456789'],
  ['01.23.45.67.89', 'FR', '+33123456789'],
  ['06-12-34-56-78', 'FR', '+33612345678'],
  ['+33 6 12 34 56 78', 'FR', '+33612345678'],
  ['+33 (0)6 12 34 56 78', 'FR', '+33612345678'],
  ['0033612345678', 'FR', '+33612345678'],
  ['00 33 6 12 34 56 78', 'BE', '+33612345678'],
  ['+32 2 123 45 67', 'FR', '+3221234567'],
  ['02 123 45 67', 'BE', '+3221234567'],
  ['+1 (212) 555-0100', 'FR', '+12125550100'],
  ['(212) 555-0100', 'US', '+12125550100'],
  ['+44 20 7946 0958', 'FR', '+442079460958'],
  ['+262 262 12 34 56', 'FR', '+262262123456'], // La Réunion: generic E.164 checks
  ['  0123456789  ', 'FR', '+33123456789'],
];

for (const [input, country, want] of good) {
  test(`good_number: ${JSON.stringify(input)} in ${country} is ${want}`, () => {
    assert.equal(normalizePhoneNumber(input, country), want);
  });
}

const bad: Array<[input: string, country: string, why: RegExp]> = [
  ['', 'FR', /empty/],
  ['12ab', 'FR', /only digits/],
  ['+33 1 23 45 67 8', 'FR', /9 digits after the country code/],
  ['+33 01 23 45 67 89', 'FR', /no trunk 0 after \+33/],
  ['123456789', 'FR', /starts with 0/],
  ['012345678', 'FR', /has 10 digits/],
  ['01234567890', 'FR', /has 10 digits/],
  ['0033 12', 'FR', /7 to 15 digits/],
  ['000123456789', 'FR', /country code never starts with 0/],
  ['+0123456789', 'FR', /country code never starts with 0/],
  ['33+123456789', 'FR', /\+ may only start/],
  ['+33 (1 23 45 67 89', 'FR', /unbalanced/],
  ['+1234', 'FR', /7 to 15 digits/],
  ['+1234567890123456', 'FR', /7 to 15 digits/],
  ['0123456789', 'ZZ', /no numbering plan/],
  ['tel:+33123456789', 'FR', /only digits/],
];

for (const [input, country, why] of bad) {
  test(`fail_number: ${JSON.stringify(input)} in ${country} is refused with CV_ERR_OPS_NUMBER`, () => {
    assert.throws(() => normalizePhoneNumber(input, country), (err: unknown) => {
      assert.ok(isCallvaultError(err, 'CV_ERR_OPS_NUMBER'), String(err));
      assert.match(err.message, why);
      return true;
    });
  });
}

const frenchNsn = fc.tuple(fc.integer({ min: 1, max: 9 }), fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 8, maxLength: 8 }))
  .map(([first, rest]) => `${first}${rest.join('')}`);

test('property: every written form of a French number normalises back to the same E.164 number', () => {
  fc.assert(fc.property(frenchNsn, fc.constantFrom(' ', '.', '-', ''), (nsn, sep) => {
    const e164 = `+33${nsn}`;
    const national = `0${nsn}`.replace(/(\d\d)(?=\d)/g, `$1${sep}`);
    assert.equal(normalizePhoneNumber(national, 'FR'), e164);
    for (const form of writtenForms(e164, 'FR')) {
      // The bare-digits form "33..." is ambiguous without a prefix (it is how some PBXs pass caller ID); it is only hashed, never parsed.
      if (/^33/.test(form)) continue;
      assert.equal(normalizePhoneNumber(form, 'FR'), e164, form);
    }
  }));
});

test('writtenForms lists E.164, 00, bare digits and the national form, without duplicates', () => {
  assert.deepEqual(writtenForms('+33612345678', 'FR'), ['+33612345678', '0033612345678', '33612345678', '0612345678']);
  assert.deepEqual(writtenForms('+442079460958', 'FR'), ['+442079460958', '00442079460958', '442079460958']);
  assert.throws(() => writtenForms('0612345678', 'FR'), RangeError);
});
