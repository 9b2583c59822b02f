/**
 * Reads, validates and resolves the configuration. Every problem becomes a
 * CallvaultError with exit code 78 (EX_CONFIG) that names the key and what is
 * wrong, so `callvault check-config` and `callvault run` fail the same way.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve, join } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { z } from 'zod';
import { CallvaultError } from '../errors.js';
import { configSchema, type Config } from './schema.js';

export interface ResolvedConfig extends Config {
  /** The file it came from; relative paths in it are resolved against its folder. */
  readonly source: string;
  readonly storage: Config['storage'] & { spool: string };
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.length > 0 ? issue.path.join('.') : '(top level)';
  if (issue.code === 'unrecognized_keys') {
    const keys = (issue as { keys: string[] }).keys;
    return `${path === '(top level)' ? '' : path + ': '}unknown key${keys.length > 1 ? 's' : ''} ${keys.map((k) => `'${k}'`).join(', ')}`;
  }
  if (issue.code === 'invalid_type' && /received undefined/.test(issue.message)) return `${path}: is required`;
  // A record key that fails its pattern (a line, team or target name): zod says only "Invalid key in record", the pattern's message says why.
  if (issue.code === 'invalid_key') {
    const inner = (issue as { issues?: z.core.$ZodIssue[] }).issues?.[0];
    if (inner !== undefined) return `${path}: ${inner.message}`;
  }
  return `${path}: ${issue.message}`;
}

export function parseConfig(text: string, source: string): ResolvedConfig {
  let raw: unknown;
  try {
    raw = parseYaml(text, { prettyErrors: true });
  } catch (cause) {
    const detail = cause instanceof YAMLParseError ? cause.message.split('\n')[0] : String(cause);
    throw new CallvaultError('CV_ERR_CONFIG_PARSE', [source, detail], { cause });
  }
  const parsed = configSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    const details = parsed.error.issues.map(describeIssue).join('; ');
    // The zod error itself adds nothing the details do not say: no cause here.
    throw new CallvaultError('CV_ERR_CONFIG_INVALID', [details]);
  }
  const config = parsed.data;
  const base = dirname(resolve(source));
  const abs = (p: string) => resolve(base, p);
  if (config.defaultLine !== undefined && !(config.defaultLine in config.lines)) {
    throw new CallvaultError('CV_ERR_CONFIG_INVALID', [`defaultLine: '${config.defaultLine}' is not one of the lines`]);
  }
  for (const [name, line] of Object.entries(config.lines)) {
    if (line.mode === 'never') continue;
    if (config.archive.recipients[line.purpose] === undefined) {
      throw new CallvaultError('CV_ERR_CONFIG_INVALID', [`lines.${name}: purpose '${line.purpose}' has no keys under archive.recipients.${line.purpose}`]);
    }
    const keys = [line.infoKey, 'objectionKey' in line ? line.objectionKey : undefined, 'acceptKey' in line ? line.acceptKey : undefined].filter((k) => k !== undefined);
    if (new Set(keys).size !== keys.length) {
      throw new CallvaultError('CV_ERR_CONFIG_INVALID', [`lines.${name}: the information key must differ from the objection or accept key`]);
    }
  }
  for (const [id, agent] of Object.entries(config.agents.byId)) {
    if (agent.team !== undefined && !(agent.team in config.teams)) {
      throw new CallvaultError('CV_ERR_CONFIG_INVALID', [`agents.${id}.team: '${agent.team}' is not one of the teams (add it under teams:)`]);
    }
  }
  for (const team of Object.keys(config.quality.targets)) {
    if (!(team in config.teams)) {
      throw new CallvaultError('CV_ERR_CONFIG_INVALID', [`quality.targets.${team}: '${team}' is not one of the teams (targets are set per team of teams:, the teams agents belong to)`]);
    }
  }
  const storageDir = abs(config.storage.dir);
  const resolved: ResolvedConfig = {
    ...config,
    source: resolve(source),
    storage: { dir: storageDir, spool: config.storage.spool !== undefined ? abs(config.storage.spool) : join(storageDir, 'spool') },
    privacy: { ...config.privacy, hashKeyFile: abs(config.privacy.hashKeyFile) },
  };
  const con = resolved.console;
  if (con !== undefined) {
    if (con.tls === undefined && !isLoopback(con.listen.host)) {
      throw new CallvaultError('CV_ERR_CONFIG_INVALID', [`console.listen.host: '${con.listen.host}' is not a loopback address, so console.tls (cert and key) is required; plain HTTP is allowed on loopback only (make a certificate with \`callvault console cert --host NAME\`)`]);
    }
    if (con.tls !== undefined) con.tls = { cert: abs(con.tls.cert), key: abs(con.tls.key) };
    if (con.oidc !== undefined) {
      if (con.oidc.clientSecretFile !== undefined) con.oidc.clientSecretFile = abs(con.oidc.clientSecretFile);
      const issuer = new URL(con.oidc.issuer);
      if (issuer.protocol !== 'https:' && !isLoopback(issuer.hostname.replace(/^\[|\]$/g, ''))) {
        throw new CallvaultError('CV_ERR_CONFIG_INVALID', [`console.oidc.issuer: ${con.oidc.issuer} must be https (plain http only for a provider on loopback)`]);
      }
    }
    for (const [team, lines] of Object.entries(con.teams)) {
      const unknown = lines.filter((l) => !(l in config.lines));
      if (unknown.length > 0) throw new CallvaultError('CV_ERR_CONFIG_INVALID', [`console.teams.${team}: unknown line${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}`]);
    }
  }
  const ast = resolved.pbx.asterisk;
  if (ast) {
    ast.recordings.local = abs(ast.recordings.local);
    if (ast.ami.secretFile !== undefined) ast.ami.secretFile = abs(ast.ami.secretFile);
  }
  const fs = resolved.pbx.freeswitch;
  if (fs) {
    fs.recordings.local = abs(fs.recordings.local);
    if (fs.esl.passwordFile !== undefined) fs.esl.passwordFile = abs(fs.esl.passwordFile);
  }
  return resolved;
}

/** Browsers treat only these as secure contexts over plain HTTP (WebCrypto needs one). */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

export function loadConfig(path: string): ResolvedConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new CallvaultError('CV_ERR_CONFIG_READ', [path], { cause });
  }
  return parseConfig(text, path);
}

/** Reads a secret given inline or as a file (trailing newline dropped). */
export function readSecret(inline: string | undefined, file: string | undefined, key: string): string {
  if (inline !== undefined) return inline;
  if (file === undefined) throw new CallvaultError('CV_ERR_CONFIG_INVALID', [`${key}: set it inline or as a file`]);
  try {
    return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch (cause) {
    throw new CallvaultError('CV_ERR_CONFIG_READ', [file], { cause });
  }
}
