import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../../src/config/index.js';
import { isCallvaultError } from '../../../src/errors.js';
import { RECIPIENT } from '../../support/fake-call.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../src/cli/main.js';
import { BufferIo } from '../../../src/cli/output.js';

const base = (extra: string, line = '{ mode: sampled }') => `
pbx:
  type: asterisk
  asterisk:
    ami: { username: callvault, secret: s }
    recordings: { pbx: /a, local: /b }
lines:
  a: ${line}
privacy: { hashKeyFile: k }
storage: { dir: store }
archive: { recipients: { quality: [${RECIPIENT}] } }
${extra}`;

test('agents: per-agent entries, teams, protected list and notice parse into byId', () => {
  const c = parseConfig(base(`
agents:
  a-1042: { rate: 1.0, team: support }
  a-7: { team: support }
  protected: [rep-1]
  notice: { play: beep, periodicBeepSeconds: 15 }
teams:
  support: { rate: 0.5, windows: [{ days: [mon, tue], from: '08:00', to: '18:00' }] }
timeZone: Europe/Paris`), '/etc/c.yaml');
  assert.deepEqual(c.agents.byId, { 'a-1042': { rate: 1, team: 'support' }, 'a-7': { team: 'support' } });
  assert.deepEqual(c.agents.protected, ['rep-1']);
  assert.deepEqual(c.agents.notice, { play: 'beep', periodicBeepSeconds: 15 });
  assert.equal(c.agents.legacyRates, false);
  assert.equal(c.teams.support?.rate, 0.5);
  assert.equal(c.timeZone, 'Europe/Paris');
});

test('agents: defaults when the section is absent', () => {
  const c = parseConfig(base(''), '/etc/c.yaml');
  assert.deepEqual(c.agents, { byId: {}, protected: [], notice: { play: 'none', periodicBeepSeconds: 0 }, legacyRates: false });
  assert.deepEqual(c.teams, {});
  const a = c.lines.a!;
  assert.ok(a.mode === 'sampled' && a.recordFrom === 'entry' && a.windows === undefined);
});

test('agents.rates (the old form) keeps working and is folded into byId', () => {
  const c = parseConfig(base(`
agents:
  rates: { a-1042: 1.0 }
  a-9: { team: t }
teams: { t: {} }`), '/etc/c.yaml');
  assert.deepEqual(c.agents.byId, { 'a-1042': { rate: 1 }, 'a-9': { team: 't' } });
  assert.equal(c.agents.legacyRates, true);
});

const bad: Array<[string, string, RegExp]> = [
  ['two rates for one agent', base('agents: { rates: { x: 1.0 }, x: { rate: 0.5 } }'), /agents\.rates\.x: agent 'x' has two rates .*write agents\.x\.rate only/],
  ['team not defined', base('agents: { x: { team: nope } }'), /agents\.x\.team: 'nope' is not one of the teams/],
  ['unknown agent key', base('agents: { x: { rte: 1 } }'), /agents\.x: unknown key 'rte'/],
  ['window from after to', base('', "{ mode: sampled, windows: [{ days: [mon], from: '18:00', to: '08:00' }] }"), /'from' must be before 'to'/],
  ['window bad day', base('', "{ mode: sampled, windows: [{ days: [monday], from: '08:00', to: '18:00' }] }"), /lines\.a\.windows\.0\.days\.0/],
  ['empty window list', base('', '{ mode: sampled, windows: [] }'), /leave the key out for "always"/],
  ['bad time zone', base('timeZone: Mars/Olympus'), /timeZone: must be an IANA time zone/],
  ['bad recordFrom', base('', '{ mode: sampled, recordFrom: queue }'), /lines\.a/],
  ['periodic beep too fast', base('agents: { notice: { periodicBeepSeconds: 1 } }'), /agents\.notice\.periodicBeepSeconds/],
];

for (const [name, yaml, want] of bad) {
  test(`agents config refused: ${name}`, () => {
    assert.throws(() => parseConfig(yaml, '/etc/c.yaml'), (err: unknown) => {
      assert.ok(isCallvaultError(err, 'CV_ERR_CONFIG_INVALID'), String(err));
      assert.match(err.message, want);
      return true;
    });
  });
}

test('check-config warns about agents.rates and a when-recording line an agent rate overrides', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cv-agents-'));
  const file = join(dir, 'c.yaml');
  writeFileSync(file, base('agents: { rates: { trainee: 1.0 } }', '{ mode: sampled, rate: 0.25, announce: when-recording }'));
  const io = new BufferIo();
  assert.equal(await main(['node', 'callvault', 'check-config', '-c', file], io), 0);
  assert.match(io.stderr, /callvault: warning: agents\.rates is deprecated: write agents\.<id>\.rate/);
  assert.match(io.stderr, /callvault: warning: lines\.a: announce is when-recording, but agent or team rates up to 1 may record calls at answer/);
  writeFileSync(file, base('agents: { trainee: { rate: 0.1 } }', '{ mode: sampled, rate: 0.25, announce: when-recording }'));
  const quiet = new BufferIo();
  assert.equal(await main(['node', 'callvault', 'check-config', '-c', file], quiet), 0);
  assert.equal(quiet.stderr, '');
});
