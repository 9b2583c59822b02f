import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { catalogue, CallvaultError } from '../../../src/errors.js';

const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
const documented = new Set([...doc.matchAll(/^## (CV_ERR_[A-Z0-9_]+)\s*$/gm)].map((m) => m[1]!));

test('every error code is documented in docs/errors.md, and every documented code exists', () => {
  const codes = Object.keys(catalogue);
  assert.deepEqual(codes.filter((c) => !documented.has(c)), [], 'codes missing from docs/errors.md');
  assert.deepEqual([...documented].filter((c) => !codes.includes(c)), [], 'documented codes that no longer exist');
});

test('codes follow CV_ERR_<AREA>_<WHAT> and every hint says how to fix', () => {
  for (const [code, spec] of Object.entries(catalogue)) {
    assert.match(code, /^CV_ERR_[A-Z]+_[A-Z0-9_]+$/);
    assert.ok(spec.hint.length > 10, `${code} has no useful hint`);
    assert.doesNotMatch(spec.message, /\.$/, `${code}: no final period`);
  }
});

test('an error keeps its cause and fills its message', () => {
  const cause = Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
  const err = new CallvaultError('CV_ERR_SPOOL_WRITE', ['/var/spool/x'], { cause });
  assert.equal(err.message, 'cannot write to spool /var/spool/x');
  assert.equal(err.cause, cause);
  assert.equal(err.code, 'CV_ERR_SPOOL_WRITE');
});
