/**
 * `callvault console`: opens the index (migrating it), loads the bundle
 * manifest and the TLS pair, and listens. Its own process: the daemon keeps
 * the call path, the console may be restarted at will.
 */
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { CallvaultError } from '../errors.js';
import type { ResolvedConfig } from '../config/index.js';
import { isLoopback } from '../config/index.js';
import { RecordingIndex } from '../index/index.js';
import { StorageLayout } from '../archive/storage-layout.js';
import { KeyedHasher } from '../privacy/keyed-hash.js';
import { loadManifest } from './assets.js';
import { buildConsole } from './app.js';
import { sweepSessions } from './store/sessions.js';

export interface RunningConsole {
  url: string;
  close(): Promise<void>;
}

export async function startConsole(config: ResolvedConfig, assetDir: string): Promise<RunningConsole> {
  const c = config.console;
  if (c === undefined) throw new CallvaultError('CV_ERR_CONSOLE_NOT_CONFIGURED', [config.source]);
  if (c.tls === undefined && !isLoopback(c.listen.host)) throw new CallvaultError('CV_ERR_CONFIG_INVALID', [`console.listen.host ${c.listen.host} needs console.tls`]);
  const manifest = loadManifest(assetDir);
  let https: { cert: Buffer; key: Buffer } | null = null;
  if (c.tls !== undefined) {
    try {
      https = { cert: readFileSync(c.tls.cert), key: readFileSync(c.tls.key) };
    } catch (cause) {
      throw new CallvaultError('CV_ERR_CONSOLE_TLS', [`${c.tls.cert} / ${c.tls.key}`], { cause });
    }
  }
  let hasher: KeyedHasher | null = null;
  try { hasher = KeyedHasher.fromFile(config.privacy.hashKeyFile); } catch { hasher = null; }
  const index = RecordingIndex.open(new StorageLayout(config.storage.dir).indexPath);
  const tls = https !== null;
  let app: FastifyInstance;
  try {
    app = await buildConsole({ config, index, manifest, hasher, tls, https });
  } catch (err) {
    index.close();
    throw err;
  }
  try {
    await app.listen({ host: c.listen.host, port: c.listen.port });
  } catch (cause) {
    index.close();
    throw new CallvaultError('CV_ERR_CONSOLE_LISTEN', [`${c.listen.host}:${c.listen.port}`], { cause });
  }
  const idleMs = c.session.idleMinutes * 60_000;
  const absMs = c.session.absoluteHours * 3_600_000;
  const sweep = setInterval(() => {
    const now = Date.now();
    try {
      sweepSessions(index.db, new Date(now - idleMs), new Date(now - absMs));
      // Throttle rows whose window and lock are over say nothing any more; pending OIDC sign-ins expire in 10 minutes.
      index.db.prepare('DELETE FROM console_login_throttle WHERE window_start < ? AND (locked_until IS NULL OR locked_until < ?)').run(new Date(now - 86_400_000).toISOString(), new Date(now).toISOString());
      index.db.prepare('DELETE FROM console_oidc_pending WHERE created_at < ?').run(new Date(now - 600_000).toISOString());
    } catch { /* a locked index: the next sweep */ }
  }, 60_000);
  sweep.unref();
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : c.listen.port;
  return {
    url: `${tls ? 'https' : 'http'}://${c.listen.host.includes(':') ? `[${c.listen.host}]` : c.listen.host}:${port}`,
    async close() {
      clearInterval(sweep);
      await app.close();
      index.close();
    },
  };
}
