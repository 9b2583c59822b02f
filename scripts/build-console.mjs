#!/usr/bin/env node
/**
 * Builds the console's browser bundle (src/console/browser/) with esbuild
 * into dist/console/: one self-contained ES module per entry, named
 * <entry>-<first 8 hex of its SHA-256>.js so a new build never reuses a
 * cached URL, and manifest.json { entry: { file, integrity } } from which the
 * console server writes its <script> tags (integrity = SRI sha384). The
 * worker is built first: the player refers to its hashed file name.
 * No CDN, no eval, no inline script: the output runs under the console's CSP.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src/console/browser');
const out = join(root, 'dist/console');
const ENTRIES = ['decrypt-worker', 'keys', 'grant', 'player', 'training-copy'];

/**
 * wavesurfer.js writes its shadow-root styles as a <style> element, which
 * `style-src 'self'` refuses (and Chromium logs the refusal). This rewrites
 * that one statement at build time so the same rules go in as a
 * constructable stylesheet (adoptedStyleSheets), which the CSP allows.
 * The build fails if the pinned wavesurfer.js no longer has that statement.
 */
const wavesurferCsp = {
  name: 'wavesurfer-csp',
  setup(b) {
    b.onLoad({ filter: /wavesurfer\.js[\\/]dist[\\/]renderer\.js$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      const re = /shadow\.innerHTML = `\s*<style\$\{cspNonce.*?\}>([\s\S]*?)<\/style>/;
      if (!re.test(text)) throw new Error('build-console: wavesurfer.js renderer changed: its <style> statement was not found; update the wavesurfer-csp plugin');
      const contents = text.replace(re, (_m, css) => `shadow.adoptedStyleSheets = [((c) => { const s = new CSSStyleSheet(); s.replaceSync(c); return s; })(\`${css}\`)];\n        shadow.innerHTML = \``);
      return { contents, loader: 'js' };
    });
  },
};

async function bundle(entry, define) {
  const result = await build({
    entryPoints: [join(src, `${entry}.ts`)],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['chrome110', 'firefox115'],
    minify: true,
    sourcemap: false,
    legalComments: 'eof',
    write: false,
    define,
    plugins: [wavesurferCsp],
    logLevel: 'warning',
  });
  const [file] = result.outputFiles;
  const bytes = file.contents;
  const name = `${entry}-${createHash('sha256').update(bytes).digest('hex').slice(0, 8)}.js`;
  const integrity = `sha384-${createHash('sha384').update(bytes).digest('base64')}`;
  return { name, bytes, integrity };
}

await mkdir(out, { recursive: true });
// Old bundles go (the manifest is the only list of what is current); the
// console server's own compiled files (dist/console/*.js from tsc) stay.
const OLD = new RegExp(`^(${ENTRIES.join('|')})-[0-9a-f]{8}\\.js$`);
for (const f of await readdir(out)) if (OLD.test(f)) await rm(join(out, f));
const manifest = {};
let workerFile = '';
for (const entry of ENTRIES) {
  const b = await bundle(entry, { __CV_WORKER_FILE__: JSON.stringify(`./${workerFile}`) });
  if (entry === 'decrypt-worker') workerFile = b.name;
  await writeFile(join(out, b.name), b.bytes);
  manifest[entry] = { file: b.name, integrity: b.integrity };
}
await writeFile(join(out, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
if (!process.argv.includes('--quiet')) {
  for (const [entry, m] of Object.entries(manifest)) console.log(`build-console: ${entry} -> dist/console/${m.file}`);
}
