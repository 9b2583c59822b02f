import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig, isLoopback } from '../../../src/config/index.js';
import { isCallvaultError } from '../../../src/errors.js';
import { RECIPIENT } from '../../support/fake-call.js';

const base = (consoleYaml: string) => `
pbx: { type: asterisk, asterisk: { ami: { username: u, secret: s }, recordings: { pbx: /a, local: /b } } }
lines: { support: { mode: sampled, purpose: quality } }
privacy: { hashKeyFile: k }
storage: { dir: store }
archive: { recipients: { quality: [${RECIPIENT}] } }
console:
${consoleYaml}`;

const cases: Array<[string, string, RegExp | null]> = [
  ['loopback without TLS is allowed', '  listen: { host: 127.0.0.1, port: 8443 }', null],
  ['localhost without TLS is allowed', '  listen: { host: localhost, port: 8443 }', null],
  ['::1 without TLS is allowed', "  listen: { host: '::1', port: 8443 }", null],
  ['a LAN address without TLS is refused', '  listen: { host: 10.0.0.5, port: 8443 }', /console\.listen\.host: '10\.0\.0\.5' is not a loopback address, so console\.tls .* is required/],
  ['every address without TLS is refused', '  listen: { host: 0.0.0.0 }', /not a loopback address/],
  ['a LAN address with TLS is allowed', '  listen: { host: 10.0.0.5 }\n  tls: { cert: c.pem, key: k.pem }', null],
  ['a team of an unknown line is refused', '  teams: { east: [support, nowhere] }', /console\.teams\.east: unknown line nowhere/],
  ['an unknown key is refused', '  listen: { host: 127.0.0.1 }\n  sesion: {}', /unknown key 'sesion'/],
  ['an origin with a path is refused', '  origin: https://x.example/console', /console\.origin/],
];

for (const [name, yaml, want] of cases) {
  test(`console config: ${name}`, () => {
    if (want === null) {
      const c = parseConfig(base(yaml), '/etc/callvault/callvault.yaml');
      if (c.console?.tls !== undefined) assert.equal(c.console.tls.cert, '/etc/callvault/c.pem', 'tls paths resolve against the config folder');
      return;
    }
    assert.throws(() => parseConfig(base(yaml), 'x.yaml'), (e: unknown) => isCallvaultError(e, 'CV_ERR_CONFIG_INVALID') && e.exit === 78 && want.test(e.message));
  });
}

test('isLoopback: only addresses browsers treat as secure over plain HTTP', () => {
  for (const [host, yes] of [['127.0.0.1', true], ['127.1.2.3', true], ['localhost', true], ['::1', true], ['0.0.0.0', false], ['192.168.1.1', false], ['console.local', false], ['127.0.0.1.evil.example', false]] as const) {
    assert.equal(isLoopback(host), yes, host);
  }
});
