/**
 * Phone numbers as data subjects give them ("01 23 45 67 89",
 * "+33 (0)1 23 45 67 89", "0033123456789") turned into one E.164 form, so
 * that a subject-rights request finds every recording through the keyed
 * hash. Strict on purpose: a malformed number is refused
 * (CV_ERR_OPS_NUMBER) rather than guessed at, because a wrong guess answers
 * a GDPR request with "nothing found". No number is ever stored in clear:
 * callers hash the result (KeyedHasher 'caller').
 */
import { CallvaultError } from '../errors.js';

interface CountryPlan {
  /** Country calling code (ITU-T E.164). */
  code: string;
  /** National trunk prefix dropped in the international form ('' when none). */
  trunk: string;
  /** Allowed lengths of the national significant number. */
  nsn: readonly [min: number, max: number];
}

/**
 * The countries callvault is deployed in or next to. A number given without
 * a country code is read in ops.defaultCountry's plan; with a `+` or `00`
 * prefix any country code is accepted (generic E.164 checks, strict ones for
 * the plans below).
 */
const PLANS: Readonly<Record<string, CountryPlan>> = {
  FR: { code: '33', trunk: '0', nsn: [9, 9] },
  BE: { code: '32', trunk: '0', nsn: [8, 9] },
  CH: { code: '41', trunk: '0', nsn: [9, 9] },
  LU: { code: '352', trunk: '', nsn: [4, 11] },
  MC: { code: '377', trunk: '', nsn: [8, 9] },
  DE: { code: '49', trunk: '0', nsn: [6, 13] },
  GB: { code: '44', trunk: '0', nsn: [9, 10] },
  NL: { code: '31', trunk: '0', nsn: [9, 9] },
  ES: { code: '34', trunk: '', nsn: [9, 9] },
  PT: { code: '351', trunk: '', nsn: [9, 9] },
  IT: { code: '39', trunk: '', nsn: [6, 11] },
  US: { code: '1', trunk: '', nsn: [10, 10] },
  CA: { code: '1', trunk: '', nsn: [10, 10] },
};

/** Country calling codes whose numbering plan we check strictly when given in international form. */
const STRICT_BY_CODE: Readonly<Record<string, CountryPlan>> = {
  '33': PLANS.FR!, '32': PLANS.BE!, '41': PLANS.CH!, '49': PLANS.DE!, '44': PLANS.GB!, '31': PLANS.NL!,
  '34': PLANS.ES!, '351': PLANS.PT!, '1': PLANS.US!,
};

export function supportedCountries(): string[] {
  return Object.keys(PLANS);
}

function fail(input: string, why: string): CallvaultError {
  // The number itself is personal data, but the operator typed it and needs to see which one failed.
  return new CallvaultError('CV_ERR_OPS_NUMBER', [`${JSON.stringify(input)} (${why})`]);
}

function checkPlan(input: string, code: string, nsn: string): void {
  const plan = STRICT_BY_CODE[code];
  if (plan === undefined) return;
  if (plan.trunk !== '' && nsn.startsWith(plan.trunk)) throw fail(input, `no trunk ${plan.trunk} after +${code}`);
  if (nsn.length < plan.nsn[0] || nsn.length > plan.nsn[1]) {
    const want = plan.nsn[0] === plan.nsn[1] ? `${plan.nsn[0]}` : `${plan.nsn[0]} to ${plan.nsn[1]}`;
    throw fail(input, `+${code} numbers have ${want} digits after the country code`);
  }
}

/** Splits international digits into country code and national number, for the strict plans. */
function splitCode(digits: string): [code: string, nsn: string] | null {
  for (const len of [1, 2, 3]) {
    const code = digits.slice(0, len);
    if (STRICT_BY_CODE[code] !== undefined) return [code, digits.slice(len)];
  }
  return null;
}

/**
 * Normalises a phone number to E.164 (`+33123456789`). Accepts spaces, dots,
 * dashes, slashes and parentheses as separators, a `+` or `00` international
 * prefix, the `(0)` trunk written after a country code, and national numbers
 * in `defaultCountry`'s plan. Throws CV_ERR_OPS_NUMBER otherwise.
 */
export function normalizePhoneNumber(input: string, defaultCountry: string): string {
  const trimmed = input.trim();
  if (trimmed.length === 0) throw fail(input, 'empty');
  if (trimmed.length > 40) throw fail(input, 'too long');
  if (!/^[+0-9 .\-/()]+$/.test(trimmed)) throw fail(input, 'only digits, +, spaces, dots, dashes and parentheses are allowed');
  if (trimmed.lastIndexOf('+') > 0) throw fail(input, '+ may only start the number');
  // "+33 (0)1 23..." : the (0) is the national trunk, written for people dialling at home.
  const noTrunkNote = trimmed.replace(/^(\+\d{1,3})\s*\(0\)/, '$1');
  const opens = (noTrunkNote.match(/\(/g) ?? []).length;
  const closes = (noTrunkNote.match(/\)/g) ?? []).length;
  if (opens !== closes) throw fail(input, 'unbalanced parentheses');
  const digits = noTrunkNote.replace(/[^0-9]/g, '');
  const international = noTrunkNote.startsWith('+') ? digits : digits.startsWith('00') ? digits.slice(2) : null;

  if (international !== null) {
    if (!/^[1-9]/.test(international)) throw fail(input, 'a country code never starts with 0');
    if (international.length < 7 || international.length > 15) throw fail(input, 'E.164 numbers have 7 to 15 digits');
    const split = splitCode(international);
    if (split !== null) checkPlan(input, split[0], split[1]);
    return `+${international}`;
  }

  const plan = PLANS[defaultCountry];
  if (plan === undefined) throw fail(input, `no country code, and ops.defaultCountry ${defaultCountry} has no numbering plan here (supported: ${supportedCountries().join(', ')})`);
  let nsn = digits;
  if (plan.trunk !== '') {
    if (!nsn.startsWith(plan.trunk)) throw fail(input, `a national number in ${defaultCountry} starts with ${plan.trunk}`);
    nsn = nsn.slice(plan.trunk.length);
  }
  if (nsn.length < plan.nsn[0] || nsn.length > plan.nsn[1]) {
    const want = plan.nsn[0] === plan.nsn[1] ? `${plan.nsn[0] + plan.trunk.length}` : `${plan.nsn[0] + plan.trunk.length} to ${plan.nsn[1] + plan.trunk.length}`;
    throw fail(input, `a national number in ${defaultCountry} has ${want} digits`);
  }
  if (plan.trunk === '0' && nsn.startsWith('0')) throw fail(input, 'two trunk zeros');
  return `+${plan.code}${nsn}`;
}

/**
 * The forms in which a PBX may have handed over the same number (caller ID
 * is rarely normalised): E.164, `00` international, digits without `+`, and
 * the national form in the default country. A subject search hashes each, so
 * that it finds recordings whatever form the archiver hashed.
 */
export function writtenForms(e164: string, defaultCountry: string): string[] {
  if (!/^\+[1-9]\d{6,14}$/.test(e164)) throw new RangeError(`not E.164: ${e164}`);
  const digits = e164.slice(1);
  const forms = new Set([e164, `00${digits}`, digits]);
  const plan = PLANS[defaultCountry];
  if (plan !== undefined && digits.startsWith(plan.code)) forms.add(`${plan.trunk}${digits.slice(plan.code.length)}`);
  return [...forms];
}
