import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { parseConfig, loadConfig } from '../../../src/config/index.js';
import { isCallvaultError } from '../../../src/errors.js';
import { main } from '../../../src/cli/main.js';
import { BufferIo } from '../../../src/cli/output.js';
import { RECIPIENT } from '../../support/fake-call.js';

const base = (lines: string, extra = '') => `
pbx:
  type: asterisk
  asterisk:
    ami: { username: callvault, secret: s }
    recordings: { pbx: /a, local: /b }
lines:
${lines}
privacy: { hashKeyFile: k }
storage: { dir: store }
archive: { recipients: { quality: [${RECIPIENT}], regulatory: [${RECIPIENT}] } }
${extra}`;

const bad: Array<[string, string, RegExp]> = [
  ['unknown key in a line', base('  a: { mode: sampled, objectonKey: "9" }'), /lines\.a: unknown key 'objectonKey'/],
  ['rate above 1', base('  a: { mode: sampled, rate: 1.5 }'), /lines\.a\.rate: must be between 0 and 1/],
  ['two-character key', base('  a: { mode: sampled, objectionKey: "99" }'), /lines\.a\.objectionKey: must be one DTMF key/],
  ['unknown mode', base('  a: { mode: sometimes }'), /lines\.a/],
  ['info key equal to objection key', base('  a: { mode: sampled, objectionKey: "9", infoKey: "9" }'), /information key must differ/],
  ['purpose without recipients', base('  a: { mode: sampled, purpose: contract }'), /archive\.recipients\.contract/],
  ['unknown top-level key', base('  a: { mode: never }', 'colour: blue'), /unknown key 'colour'/],
  ['missing pbx section', base('  a: { mode: never }').replace('type: asterisk', 'type: freeswitch'), /pbx: the section for the chosen pbx\.type is missing/],
  ['defaultLine not a line', base('  a: { mode: never }', 'defaultLine: b'), /defaultLine: 'b'/],
  ['recipient not an age key', base('  a: { mode: never }').replace(RECIPIENT, 'ssh-ed25519 AAAA'), /must be an age recipient/],
];

for (const [name, yaml, want] of bad) {
  test(`bad config is refused: ${name}`, () => {
    assert.throws(() => parseConfig(yaml, '/etc/callvault/c.yaml'), (err: unknown) => {
      assert.ok(isCallvaultError(err, 'CV_ERR_CONFIG_INVALID'), String(err));
      assert.match(err.message, want);
      assert.equal(err.exit, 78);
      return true;
    });
  });
}

test('defaults follow the issue: sampled 25% with key 9, relative paths from the file', () => {
  const c = parseConfig(base('  a: { mode: sampled }'), '/etc/callvault/c.yaml');
  const a = c.lines.a!;
  assert.equal(a.mode, 'sampled');
  if (a.mode === 'sampled') { assert.equal(a.rate, 0.25); assert.equal(a.objectionKey, '9'); assert.equal(a.digitTimeoutMs, 5000); }
  assert.equal(c.storage.dir, '/etc/callvault/store');
  assert.equal(c.storage.spool, '/etc/callvault/store/spool');
  assert.equal(c.privacy.hashKeyFile, '/etc/callvault/k');
  assert.equal(c.retention.quality, 183);
});

test('invalid YAML names the file', () => {
  assert.throws(() => parseConfig('lines: [', '/x.yaml'), (e: unknown) => isCallvaultError(e, 'CV_ERR_CONFIG_PARSE') && /\/x\.yaml/.test(e.message));
});

test('the shipped example config is valid', () => {
  const c = loadConfig(new URL('../../../config/callvault.example.yaml', import.meta.url).pathname);
  assert.deepEqual(Object.keys(c.lines), ['support', 'insurance', 'sales', 'internal']);
});

test('check-config in-process: 0 on a good file, 78 and a hint on a bad one', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cv-cfg-'));
  const good = join(dir, 'good.yaml');
  const badFile = join(dir, 'bad.yaml');
  writeFileSync(good, base('  a: { mode: sampled }'));
  writeFileSync(badFile, base('  a: { mode: sampled, rate: 7 }'));
  const io = new BufferIo();
  assert.equal(await main(['node', 'callvault', 'check-config', '-c', good], io), 0);
  assert.match(io.stdout, /is valid/);
  const io2 = new BufferIo();
  assert.equal(await main(['node', 'callvault', 'check-config', '-c', badFile], io2), 78);
  assert.match(io2.stderr, /^callvault: error: invalid config: lines\.a\.rate/m);
  assert.match(io2.stderr, /^callvault: hint: /m);
});

test('check-config as a real process exits 78 on a missing file', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'check-config', '-c', '/nonexistent/c.yaml'], { encoding: 'utf8' });
  assert.equal(r.status, 78);
  assert.match(r.stderr, /callvault: error: cannot read config file \/nonexistent\/c\.yaml/);
  assert.match(r.stderr, /caused by: ENOENT/);
});
