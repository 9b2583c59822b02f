/**
 * The browser bundle, as the bundle build (scripts/build-console.mjs) leaves
 * it: dist/console/manifest.json maps each entry (player, keys, grant,
 * decrypt-worker) to its content-hashed file and SRI integrity. The console
 * serves only the files the manifest names, so nothing else under dist/ is
 * reachable, and renders `<script>` tags with their integrity.
 */
import { readFileSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CallvaultError } from '../errors.js';

export const BUNDLE_ENTRIES = ['player', 'keys', 'grant', 'decrypt-worker', 'training-copy'] as const;
export type BundleEntry = (typeof BUNDLE_ENTRIES)[number];

export interface AssetFile { file: string; integrity: string }

export interface AssetManifest {
  /** The folder the files are in. */
  dir: string;
  entries: Partial<Record<BundleEntry, AssetFile>>;
}

/** The package's dist/console, whether this runs from src/ (tsx) or dist/. */
export function defaultAssetDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'console');
}

const FILE = /^[A-Za-z0-9._-]+-[0-9a-f]{8}\.js$/;
const SRI = /^sha384-[A-Za-z0-9+/]{64}$/;

export function loadManifest(dir: string): AssetManifest {
  const path = join(dir, 'manifest.json');
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new CallvaultError('CV_ERR_CONSOLE_ASSETS', [`cannot read ${path}`], { cause });
  }
  const entries: AssetManifest['entries'] = {};
  if (typeof raw !== 'object' || raw === null) throw new CallvaultError('CV_ERR_CONSOLE_ASSETS', [`${path} is not an object`]);
  for (const name of BUNDLE_ENTRIES) {
    const e = (raw as Record<string, unknown>)[name] as { file?: unknown; integrity?: unknown } | undefined;
    if (e === undefined) throw new CallvaultError('CV_ERR_CONSOLE_ASSETS', [`${path} has no entry ${name}`]);
    const file = typeof e.file === 'string' ? e.file.replace(/^\/?assets\//, '') : '';
    if (!FILE.test(file) || typeof e.integrity !== 'string' || !SRI.test(e.integrity)) {
      throw new CallvaultError('CV_ERR_CONSOLE_ASSETS', [`${path}: entry ${name} needs file <name>-<8 hex>.js and integrity sha384-...`]);
    }
    entries[name] = { file, integrity: e.integrity };
  }
  return { dir, entries };
}

/** The manifest's file for a request path, or null: only listed files are served. */
export function assetFor(manifest: AssetManifest, file: string): AssetFile | null {
  for (const e of Object.values(manifest.entries)) if (e.file === file) return e;
  return null;
}
