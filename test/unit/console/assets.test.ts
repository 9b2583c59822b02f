/** The bundle manifest: refused unless complete and well-formed; only the files it names are served, with the page's SRI. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadManifest, BUNDLE_ENTRIES } from '../../../src/console/assets.js';
import { isCallvaultError } from '../../../src/errors.js';
import { buildConsole } from '../../../src/console/app.js';
import { OpsWorld } from '../../support/ops-world.js';
import { CONSOLE_YAML } from '../../support/console-world.js';

function bundle(dir: string): Record<string, { file: string; integrity: string }> {
  const m: Record<string, { file: string; integrity: string }> = {};
  for (const name of BUNDLE_ENTRIES) {
    const js = `console.log(${JSON.stringify(name)});\n`;
    const file = `${name}-${createHash('sha256').update(js).digest('hex').slice(0, 8)}.js`;
    writeFileSync(join(dir, file), js);
    m[name] = { file, integrity: `sha384-${createHash('sha384').update(js).digest('base64')}` };
  }
  return m;
}

test('a manifest that is missing, incomplete or malformed is refused with CV_ERR_CONSOLE_ASSETS', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cv-assets-'));
  try {
    const good = bundle(dir);
    const cases: Array<[string, unknown]> = [
      ['no manifest', undefined],
      ['not JSON', '{'],
      ['an entry missing', { ...good, grant: undefined }],
      ['a path outside', { ...good, player: { ...good.player, file: '../../etc/passwd' } }],
      ['no hash in the name', { ...good, player: { ...good.player, file: 'player.js' } }],
      ['sha256 instead of sha384', { ...good, keys: { ...good.keys, integrity: 'sha256-' + 'A'.repeat(43) + '=' } }],
    ];
    for (const [name, manifest] of cases) {
      rmSync(join(dir, 'manifest.json'), { force: true });
      if (manifest !== undefined) writeFileSync(join(dir, 'manifest.json'), typeof manifest === 'string' ? manifest : JSON.stringify(manifest));
      assert.throws(() => loadManifest(dir), (e: unknown) => isCallvaultError(e, 'CV_ERR_CONSOLE_ASSETS'), name);
    }
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ ...good, keys: { ...good.keys, file: `assets/${good.keys!.file}` } }));
    assert.equal(loadManifest(dir).entries.keys?.file, good.keys!.file, 'a leading assets/ is accepted');
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('the console serves the manifest\'s files and nothing else under /assets/', async () => {
  const ops = OpsWorld.create({ extraYaml: CONSOLE_YAML });
  const index = ops.open();
  const dir = mkdtempSync(join(tmpdir(), 'cv-assets-'));
  try {
    const m = bundle(dir);
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(m));
    writeFileSync(join(dir, 'secret-0123abcd.js'), 'not listed');
    const app = await buildConsole({ config: ops.config, index, manifest: loadManifest(dir), tls: true });
    const ok = await app.inject({ method: 'GET', url: `/assets/${m.player!.file}` });
    assert.equal(ok.statusCode, 200);
    assert.equal(`sha384-${createHash('sha384').update(ok.rawPayload).digest('base64')}`, m.player!.integrity);
    assert.match(String(ok.headers['content-type']), /^text\/javascript/);
    for (const bad of ['/assets/manifest.json', '/assets/secret-0123abcd.js', '/assets/..%2Fmanifest.json', '/assets/%2e%2e%2fpackage.json']) {
      assert.equal((await app.inject({ method: 'GET', url: bad })).statusCode, bad.includes('%') ? 400 : 404, bad);
    }
    const css = await app.inject({ method: 'GET', url: '/login' });
    const href = /<link rel="stylesheet" href="([^"]+)">/.exec(css.body)![1]!;
    assert.equal((await app.inject({ method: 'GET', url: href })).statusCode, 200);
    await app.close();
  } finally {
    index.close();
    ops.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
});
