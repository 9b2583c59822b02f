/**
 * `callvault doctor`: every check an operator would otherwise do by hand
 * before and after installing callvault, each with the fix to apply. A
 * check returns a value (ok, warn, fail, skip); nothing here throws for a
 * problem it found, so one failure never hides the next.
 */
import { accessSync, constants, existsSync, readFileSync, readdirSync, statSync, statfsSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import type { ResolvedConfig } from '../config/index.js';
import { readSecret } from '../config/index.js';
import { checkRecipients } from '../archive/age-crypto.js';
import { StorageLayout } from '../archive/storage-layout.js';
import { readStatus, statusPath } from '../daemon/status-file.js';
import { verifyAuditChain } from '../index/audit-log.js';
import { SCHEMA_VERSION } from '../index/index.js';
import { openIndex } from './open-index.js';
import { probeAmi, probeEsl } from './pbx-probe.js';
import { checkDtmfExposure, checkWriteClasses, managerUser } from './manager-conf.js';
import { answerCanStart, answerRateCeiling } from '../policy/answer.js';

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

export interface DoctorCheck {
  name: string;
  status: CheckStatus;
  detail: string;
  /** What to do about it (warn and fail). */
  fix?: string;
}

export interface DoctorOptions {
  /** manager.conf to check; default /etc/asterisk/manager.conf when it exists. */
  managerConf?: string;
  timeoutMs?: number;
  minFreePercent?: number;
  now?: () => number;
}

const ok = (name: string, detail: string): DoctorCheck => ({ name, status: 'ok', detail });
const warn = (name: string, detail: string, fix: string): DoctorCheck => ({ name, status: 'warn', detail, fix });
const fail = (name: string, detail: string, fix: string): DoctorCheck => ({ name, status: 'fail', detail, fix });
const skip = (name: string, detail: string): DoctorCheck => ({ name, status: 'skip', detail });
const octal = (mode: number) => (mode & 0o777).toString(8).padStart(4, '0');

function splitHostPort(listen: string): { host: string; port: number } {
  const i = listen.lastIndexOf(':');
  return { host: listen.slice(0, i), port: Number(listen.slice(i + 1)) };
}

async function checkPbx(config: ResolvedConfig, timeoutMs: number): Promise<DoctorCheck> {
  if (config.pbx.type === 'asterisk') {
    const ami = config.pbx.asterisk!.ami;
    let secret: string;
    try {
      secret = readSecret(ami.secret, ami.secretFile, 'pbx.asterisk.ami.secret');
    } catch (err) {
      return fail('ami login', `cannot read the AMI secret: ${(err as Error).message}`, `check pbx.asterisk.ami.secretFile (${ami.secretFile ?? 'unset'}) exists and is readable by the callvault user`);
    }
    const r = await probeAmi({ host: ami.host, port: ami.port, username: ami.username, secret, timeoutMs });
    if (r.ok) return ok('ami login', `${ami.host}:${ami.port}: ${r.detail}`);
    return r.stage === 'connect'
      ? fail('ami login', `${ami.host}:${ami.port}: ${r.detail}`, 'start Asterisk, and check manager.conf [general] enabled = yes, bindaddr and port against pbx.asterisk.ami host and port')
      : fail('ami login', `${ami.host}:${ami.port}: ${r.detail}`, `check that manager.conf has a [${ami.username}] section whose secret matches pbx.asterisk.ami, and that its permit= allows this host; then \`manager reload\``);
  }
  const esl = config.pbx.freeswitch!.esl;
  let password: string;
  try {
    password = readSecret(esl.password, esl.passwordFile, 'pbx.freeswitch.esl.password');
  } catch (err) {
    return fail('event socket login', `cannot read the Event Socket password: ${(err as Error).message}`, 'check pbx.freeswitch.esl.passwordFile exists and is readable by the callvault user');
  }
  const r = await probeEsl({ host: esl.host, port: esl.port, password, timeoutMs });
  if (r.ok) return ok('event socket login', `${esl.host}:${esl.port}: ${r.detail}`);
  return r.stage === 'connect'
    ? fail('event socket login', `${esl.host}:${esl.port}: ${r.detail}`, 'load mod_event_socket and check listen-ip and listen-port in event_socket.conf.xml against pbx.freeswitch.esl')
    : fail('event socket login', `${esl.host}:${esl.port}: ${r.detail}`, 'set the same password in event_socket.conf.xml and pbx.freeswitch.esl, then `reloadxml` and `reload mod_event_socket`');
}

async function bindable(host: string, port: number): Promise<NodeJS.ErrnoException | null> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => resolve(err));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(null)));
  });
}

async function checkListener(config: ResolvedConfig, nowMs: number): Promise<DoctorCheck> {
  const [name, listen] = config.pbx.type === 'asterisk'
    ? ['fastagi port', config.pbx.asterisk!.agi.listen]
    : ['outbound event socket port', config.pbx.freeswitch!.outbound.listen];
  const { host, port } = splitHostPort(listen);
  const err = await bindable(host, port);
  if (err === null) return ok(name, `${listen} is free for the daemon`);
  if (err.code === 'EADDRINUSE') {
    const daemon = readStatus(config.storage.dir, nowMs);
    if (daemon.state === 'running') return ok(name, `${listen} is held by the running daemon (pid ${daemon.status.pid})`);
    return fail(name, `${listen} is in use by another process and the daemon is not running`, `find it with \`ss -ltnp 'sport = :${port}'\` and stop it, or change ${config.pbx.type === 'asterisk' ? 'pbx.asterisk.agi.listen (and CALLVAULT_AGI in the dialplan)' : 'pbx.freeswitch.outbound.listen'}`);
  }
  if (err.code === 'EADDRNOTAVAIL') return fail(name, `${listen}: no such local address`, 'use an address of this host (127.0.0.1 when the PBX is on the same host)');
  if (err.code === 'EACCES') return fail(name, `${listen}: permission denied`, 'use a port above 1023: the callvault unit has no capabilities');
  return fail(name, `${listen}: ${err.code ?? err.message}`, 'check the listen address in the config');
}

/**
 * The AMI user's section of manager.conf, read and parsed once for the two
 * checks below; or, when it cannot be had, how each check reports that
 * (same reason, under the check's own name).
 */
type ManagerSection =
  | { kind: 'section'; file: string; username: string; user: NonNullable<ReturnType<typeof managerUser>> }
  | { kind: 'unavailable'; report: (name: string) => DoctorCheck };

function readManagerSection(config: ResolvedConfig, path: string | undefined): ManagerSection {
  if (config.pbx.type !== 'asterisk') return { kind: 'unavailable', report: (name) => skip(name, 'not an Asterisk deployment') };
  const file = path ?? (existsSync('/etc/asterisk/manager.conf') ? '/etc/asterisk/manager.conf' : undefined);
  if (file === undefined) return { kind: 'unavailable', report: (name) => skip(name, 'no manager.conf here (Asterisk on another host?); pass --manager-conf FILE to check a copy') };
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const detail = `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
    return { kind: 'unavailable', report: (name) => fail(name, detail, 'run the doctor as a user that can read it, or pass a copy with --manager-conf') };
  }
  const username = config.pbx.asterisk!.ami.username;
  const user = managerUser(text, username);
  if (user === null) return { kind: 'unavailable', report: (name) => fail(name, `${file} has no [${username}] section`, `add the [${username}] section shown in docs/operations.md ("Asterisk manager user")`) };
  return { kind: 'section', file, username, user };
}

function checkManagerWrite(config: ResolvedConfig, conf: ManagerSection): DoctorCheck {
  const name = 'manager.conf write classes';
  if (conf.kind === 'unavailable') return conf.report(name);
  const { file, username, user } = conf;
  const starts = answerCanStart(Object.values(config.lines), answerRateCeiling(config.agents.byId, config.teams));
  const v = checkWriteClasses(user, starts);
  const fix = starts
    ? `in [${username}]: write = call,reporting,system (MixMonitor at answer); then \`manager reload\``
    : `in [${username}]: write = call,reporting; then \`manager reload\``;
  if (v.level === 'fail') return fail(name, `${file}: ${v.detail}`, fix);
  return v.level === 'warn' ? warn(name, `${file}: ${v.detail}`, fix) : ok(name, `${file}: ${v.detail}`);
}

function checkManagerConf(conf: ManagerSection): DoctorCheck {
  const name = 'manager.conf dtmf filter';
  if (conf.kind === 'unavailable') return conf.report(name);
  const { file, username, user } = conf;
  const v = checkDtmfExposure(user);
  const fix = `in [${username}]: read = system,call,agent,user (no dtmf, dialplan, agi or all) and add eventfilter(action(exclude),name(DTMFBegin)) = and eventfilter(action(exclude),name(DTMFEnd)) = (Asterisk < 21: eventfilter=!Event: DTMF*); then \`manager reload\``;
  if (!v.ok) return fail(name, `${file}: ${v.detail}`, fix);
  return v.level === 'ok' ? ok(name, `${file}: ${v.detail}`) : warn(name, `${file}: ${v.detail}`, fix);
}

function checkHashKey(config: ResolvedConfig): DoctorCheck {
  const file = config.privacy.hashKeyFile;
  const fix = `create it as the callvault user: \`head -c 32 /dev/urandom > ${file} && chmod 600 ${file}\` (a new key makes old caller hashes unmatchable: keep the old one if recordings exist)`;
  let st;
  try {
    st = statSync(file);
  } catch (err) {
    return fail('hash key', `${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, fix);
  }
  if (!st.isFile()) return fail('hash key', `${file} is not a file`, fix);
  if ((st.mode & 0o077) !== 0) return fail('hash key', `${file} has mode ${octal(st.mode)}: other users can read it`, `chmod 600 ${file}`);
  if (st.size < 32) return fail('hash key', `${file} holds ${st.size} bytes, under 32`, fix);
  try {
    accessSync(file, constants.R_OK);
  } catch {
    return fail('hash key', `${file} is not readable by this user`, `chown it to the user callvault runs as, mode 0600`);
  }
  return ok('hash key', `${file}: ${st.size} bytes, mode ${octal(st.mode)}`);
}

function checkRecipientKeys(config: ResolvedConfig): DoctorCheck {
  const used = new Set(Object.values(config.lines).filter((l) => l.mode !== 'never').map((l) => l.purpose));
  const problems: string[] = [];
  let count = 0;
  for (const purpose of used) {
    try {
      count += checkRecipients(purpose, config.archive.recipients[purpose]).length;
    } catch (err) {
      problems.push(`${purpose}: ${(err as Error).message}${(err as { hint?: string }).hint ? ` (${(err as { hint: string }).hint})` : ''}`);
    }
  }
  if (problems.length > 0) return fail('age recipients', problems.join('; '), 'put valid age public keys (age1...) under archive.recipients.<purpose>; `callvault keygen` makes a key pair');
  return ok('age recipients', `${count} recipient(s) parse for ${[...used].join(', ') || 'no recorded purpose'}`);
}

function checkPrivateDir(name: string, dir: string, create: string): DoctorCheck {
  let st;
  try {
    st = statSync(dir);
  } catch (err) {
    return fail(name, `${dir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, create);
  }
  if (!st.isDirectory()) return fail(name, `${dir} is not a directory`, create);
  if ((st.mode & 0o077) !== 0) return fail(name, `${dir} has mode ${octal(st.mode)}: other users can enter it`, `chmod 700 ${dir}`);
  // Root passes every permission check, so try for real.
  const probe = join(dir, `.callvault-doctor-${process.pid}`);
  try {
    writeFileSync(probe, '', { mode: 0o600 });
    unlinkSync(probe);
  } catch (err) {
    return fail(name, `${dir} is not writable: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, `chown -R callvault: ${dir} (the user the daemon runs as); check the mount is not read-only`);
  }
  return ok(name, `${dir}: mode ${octal(st.mode)}, writable`);
}

/**
 * The daemon creates the spool (0700) at start, so on a fresh install its
 * absence is expected: what matters then is that the daemon can create it,
 * i.e. that its nearest existing parent is a writable directory.
 */
function checkSpoolDir(spool: string): DoctorCheck {
  const name = 'spool directory';
  const create = `mkdir -p ${spool} && chown callvault: ${spool} && chmod 700 ${spool}`;
  if (existsSync(spool)) return checkPrivateDir(name, spool, create);
  let parent = dirname(spool);
  while (!existsSync(parent) && dirname(parent) !== parent) parent = dirname(parent);
  const probe = join(parent, `.callvault-doctor-${process.pid}`);
  try {
    if (!statSync(parent).isDirectory()) return fail(name, `${spool}: absent, and ${parent} is not a directory`, create);
    writeFileSync(probe, '', { mode: 0o600 });
    unlinkSync(probe);
  } catch (err) {
    return fail(name, `${spool}: absent, and ${parent} is not writable: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, create);
  }
  return ok(name, `${spool}: absent until the daemon starts, which creates it (mode 0700); ${parent} is writable`);
}

function checkFreeSpace(dir: string, minPercent: number): DoctorCheck {
  try {
    const fs = statfsSync(dir);
    const pct = fs.blocks > 0 ? (fs.bavail / fs.blocks) * 100 : 0;
    const gib = (fs.bavail * fs.bsize) / 2 ** 30;
    const detail = `${gib.toFixed(1)} GiB free (${pct.toFixed(1)}%) on ${dir}`;
    if (pct < minPercent) return fail('free space', detail, `free space or grow the volume; shorten retention only within what the purposes need; \`callvault purge --dry-run\` shows what is due`);
    return ok('free space', detail);
  } catch (err) {
    return fail('free space', `cannot statfs ${dir}: ${(err as Error).message}`, 'create the storage directory');
  }
}

function checkIndex(storageDir: string): DoctorCheck {
  try {
    const index = openIndex(storageDir, 'read', { busyTimeoutMs: 2000 });
    try {
      const v = verifyAuditChain(index.db);
      if (!v.ok) return fail('index and audit chain', `audit chain broken at row ${v.brokenAt}: ${v.reason}`, 'the audit table was changed outside callvault: keep the file as evidence, investigate, restore the index from backup');
      return ok('index and audit chain', `${index.path}: schema ${index.schemaVersion}/${SCHEMA_VERSION}, audit chain of ${v.rows} row(s) intact`);
    } finally {
      index.close();
    }
  } catch (err) {
    if ((err as { code?: string }).code === 'CV_ERR_OPS_NO_INDEX') return skip('index and audit chain', 'no index yet (nothing archived)');
    return fail('index and audit chain', (err as Error).message, (err as { hint?: string }).hint ?? 'check storage.dir permissions');
  }
}

function newestMtime(paths: string[]): { path: string; mtimeMs: number } | null {
  let best: { path: string; mtimeMs: number } | null = null;
  for (const p of paths) {
    try {
      const m = statSync(p).mtimeMs;
      if (best === null || m > best.mtimeMs) best = { path: p, mtimeMs: m };
    } catch { /* absent: nothing to compare */ }
  }
  return best;
}

function checkClock(config: ResolvedConfig, nowMs: number): DoctorCheck {
  const year = new Date(nowMs).getUTCFullYear();
  const fix = 'enable time synchronisation (`timedatectl set-ntp true`, chrony or systemd-timesyncd): recording ids, retention deadlines and the audit log depend on the clock';
  if (year < 2024) return fail('clock', `the system time is ${new Date(nowMs).toISOString()}, before 2024`, fix);
  const layout = new StorageLayout(config.storage.dir);
  const candidates = [layout.indexPath, `${layout.indexPath}-wal`, statusPath(config.storage.dir), layout.recordingsDir, config.storage.spool];
  try {
    for (const y of readdirSync(layout.recordingsDir)) candidates.push(join(layout.recordingsDir, y));
  } catch { /* no recordings yet */ }
  const newest = newestMtime(candidates);
  const skewMs = 5 * 60_000;
  if (newest !== null && newest.mtimeMs > nowMs + skewMs) {
    return fail('clock', `${newest.path} was modified at ${new Date(newest.mtimeMs).toISOString()}, ${Math.round((newest.mtimeMs - nowMs) / 60_000)} min in the future: the clock went back`, fix);
  }
  return ok('clock', `${new Date(nowMs).toISOString()}${newest !== null ? `, no file in storage is newer` : ''}`);
}

export async function runDoctor(config: ResolvedConfig, options: DoctorOptions = {}): Promise<DoctorCheck[]> {
  const nowMs = (options.now ?? Date.now)();
  const timeoutMs = options.timeoutMs ?? 3000;
  const storage = config.storage.dir;
  const recordingsLocal = config.pbx.type === 'asterisk' ? config.pbx.asterisk!.recordings.local : config.pbx.freeswitch!.recordings.local;
  const [pbx, listener] = await Promise.all([checkPbx(config, timeoutMs), checkListener(config, nowMs)]);
  const manager = readManagerSection(config, options.managerConf);
  return [
    pbx,
    listener,
    checkManagerConf(manager),
    checkManagerWrite(config, manager),
    checkHashKey(config),
    checkRecipientKeys(config),
    checkPrivateDir('storage directory', storage, `mkdir -p ${storage} && chown callvault: ${storage} && chmod 700 ${storage}`),
    checkSpoolDir(config.storage.spool),
    checkRecordingsDir(recordingsLocal),
    checkFreeSpace(storage, options.minFreePercent ?? 10),
    checkIndex(storage),
    checkClock(config, nowMs),
  ];
}

/** The PBX writes here and callvault reads and deletes: it is shared, so 0700 is not expected, only access. */
function checkRecordingsDir(dir: string): DoctorCheck {
  try {
    const st = statSync(dir);
    if (!st.isDirectory()) return fail('pbx recordings directory', `${dir} is not a directory`, 'set pbx.*.recordings.local to the directory the PBX records into, as this host sees it');
    accessSync(dir, constants.R_OK | constants.W_OK | constants.X_OK);
    if ((st.mode & 0o007) !== 0) return warn('pbx recordings directory', `${dir} has mode ${octal(st.mode)}: other users can reach call audio`, `chmod o-rwx ${dir} (PBX and callvault share a group)`);
    return ok('pbx recordings directory', `${dir}: mode ${octal(st.mode)}`);
  } catch (err) {
    return fail('pbx recordings directory', `${dir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, 'create it, owned by the PBX user with a group shared with callvault, mode 2770');
  }
}
