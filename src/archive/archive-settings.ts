/**
 * What the archive commands need from the configuration, from either a
 * config file (src/config, `--config`) or command-line options (`--storage`,
 * `--recipient purpose=age1...`, `--retention purpose=days`, `--hash-key`)
 * for hosts or scripts without one. Options given on the command line win
 * over the file, so an operator can point `verify` at a restored copy.
 */
import { CallvaultError } from '../errors.js';
import { loadConfig } from '../config/index.js';
import { configSchema } from '../config/schema.js';
import { PURPOSES, isPurpose, type Purpose } from '../policy/purpose.js';
import { DEFAULT_BITRATE_BPS } from './opus-codec.js';

export interface ArchiveSettings {
  storageDir: string;
  spoolDir: string | null;
  bitrateBps: number;
  recipientsByPurpose: Partial<Record<Purpose, string[]>>;
  retentionDays: Record<Purpose, number>;
  hashKeyFile: string | null;
}

export interface SettingsOptions {
  config?: string;
  storage?: string;
  spool?: string;
  bitrate?: string;
  /** `purpose=age1...`, repeatable. */
  recipient?: string[];
  /** `purpose=days`, repeatable. */
  retention?: string[];
  hashKey?: string;
}

function usage(message: string): CallvaultError {
  return new CallvaultError('CV_ERR_CLI_USAGE', [message]);
}

function pair(value: string, option: string): [Purpose, string] {
  const eq = value.indexOf('=');
  const purpose = eq > 0 ? value.slice(0, eq) : '';
  if (!isPurpose(purpose)) throw usage(`${option} ${value}: expected PURPOSE=VALUE with PURPOSE one of ${PURPOSES.join(', ')}`);
  return [purpose, value.slice(eq + 1)];
}

/** The config's documented retention defaults, used when neither file nor options say. */
function defaultRetention(): Record<Purpose, number> {
  return configSchema.shape.retention.parse(undefined) as Record<Purpose, number>;
}

export function resolveArchiveSettings(o: SettingsOptions): ArchiveSettings {
  const config = o.config !== undefined ? loadConfig(o.config) : null;
  const storageDir = o.storage ?? config?.storage.dir;
  if (storageDir === undefined) throw new CallvaultError('CV_ERR_ARCHIVE_STORAGE');
  const recipients: Partial<Record<Purpose, string[]>> = {};
  for (const [p, list] of Object.entries(config?.archive.recipients ?? {})) if (list !== undefined) recipients[p as Purpose] = [...list];
  const fromCli: Partial<Record<Purpose, string[]>> = {};
  for (const r of o.recipient ?? []) {
    const [p, key] = pair(r, '--recipient');
    (fromCli[p] ??= []).push(key);
  }
  Object.assign(recipients, fromCli);
  const retentionDays = { ...(config?.retention ?? defaultRetention()) } as Record<Purpose, number>;
  for (const r of o.retention ?? []) {
    const [p, days] = pair(r, '--retention');
    const n = Number(days);
    if (!Number.isInteger(n) || n < 1) throw usage(`--retention ${r}: days must be a positive integer`);
    retentionDays[p] = n;
  }
  let bitrateBps = config?.archive.bitrateBps ?? DEFAULT_BITRATE_BPS;
  if (o.bitrate !== undefined) {
    bitrateBps = Number(o.bitrate);
    if (!Number.isInteger(bitrateBps) || bitrateBps < 6000 || bitrateBps > 128000) throw usage(`--bitrate ${o.bitrate}: expected bits per second, 6000 to 128000`);
  }
  return {
    storageDir,
    spoolDir: o.spool ?? config?.storage.spool ?? null,
    bitrateBps,
    recipientsByPurpose: recipients,
    retentionDays,
    hashKeyFile: o.hashKey ?? config?.privacy.hashKeyFile ?? null,
  };
}
