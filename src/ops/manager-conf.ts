/**
 * Reads Asterisk's manager.conf enough to answer one question for the
 * doctor: can DTMF events (card digits typed during a payment) reach
 * callvault's AMI user? They must not (PCI DSS): either the user's `read`
 * classes leave out `dtmf` (and `all`), or an eventfilter excludes the DTMF
 * events, ideally both, as scripts/asterisk-sandbox writes it. Understands
 * the legacy filter syntax (`eventfilter=!Event: DTMF*`) and the Asterisk 21+
 * one (`eventfilter(action(exclude),name(DTMFBegin)) =`).
 */
export interface ManagerUser {
  name: string;
  read: string[];
  /** The classes of actions the user may send (`write =`), lowercase. */
  write: string[];
  /** Raw eventfilter lines of the section (left side and value). */
  filters: string[];
}

/** Sections of an Asterisk .conf file, with their `key = value` lines in order. Templates `[name](!)` are kept by name. */
export function parseAsteriskConf(text: string): Map<string, Array<[string, string]>> {
  const sections = new Map<string, Array<[string, string]>>();
  let current: Array<[string, string]> | null = null;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/(^|[^\\]);.*$/, '$1').trim();
    if (line.length === 0) continue;
    const section = /^\[([^\]]+)\]/.exec(line);
    if (section !== null) {
      current = [];
      sections.set(section[1]!.trim(), current);
      continue;
    }
    const eq = line.indexOf('=');
    if (current === null || eq < 0) continue;
    current.push([line.slice(0, eq).replace(/>$/, '').trim(), line.slice(eq + 1).replace(/^>/, '').trim()]);
  }
  return sections;
}

export function managerUser(text: string, username: string): ManagerUser | null {
  const entries = parseAsteriskConf(text).get(username);
  if (entries === undefined) return null;
  const classes = (key: string) => entries.filter(([k]) => k.toLowerCase() === key).flatMap(([, v]) => v.split(',').map((c) => c.trim().toLowerCase()).filter((c) => c.length > 0));
  const read = classes('read');
  const write = classes('write');
  const filters = entries.filter(([k]) => k.toLowerCase().startsWith('eventfilter')).map(([k, v]) => `${k}=${v}`);
  return { name: username, read, write, filters };
}

export type DtmfVerdict =
  | { ok: true; level: 'ok' | 'warn'; detail: string }
  | { ok: false; detail: string };

function filterExcludesDtmf(f: string): boolean {
  const [left, ...rest] = f.split('=');
  const value = rest.join('=').trim();
  const l = left!.toLowerCase();
  if (l.includes('action(exclude)')) return /name(_regex)?\(\s*\^?dtmf/i.test(left!) || /dtmf/i.test(value);
  // Legacy: a leading ! makes the filter exclude what matches.
  return value.startsWith('!') && /dtmf/i.test(value);
}

function filterIsInclude(f: string): boolean {
  const [left, ...rest] = f.split('=');
  const value = rest.join('=').trim();
  if (left!.toLowerCase().includes('action(include)')) return true;
  return !left!.includes('(') && value.length > 0 && !value.startsWith('!');
}

function filterIncludesDtmf(f: string): boolean {
  return filterIsInclude(f) && /dtmf|event:\s*\.\*|name_regex\(\.\*\)/i.test(f);
}

export function checkDtmfExposure(user: ManagerUser): DtmfVerdict {
  const readsDtmf = user.read.includes('all') || user.read.includes('dtmf');
  const excluded = user.filters.some(filterExcludesDtmf);
  const includes = user.filters.filter(filterIsInclude);
  // Include filters pass only what they match: DTMF is out unless one of them matches it.
  const whitelisted = includes.length > 0 && !includes.some(filterIncludesDtmf);
  const filtered = excluded || whitelisted;
  if (readsDtmf && !filtered) return { ok: false, detail: `[${user.name}] read = ${user.read.join(',')} lets DTMF events (card digits) through and no eventfilter excludes them` };
  if (!filtered) return { ok: true, level: 'warn', detail: `[${user.name}] read leaves out dtmf, but no eventfilter excludes DTMF events should someone widen read` };
  return { ok: true, level: 'ok', detail: `[${user.name}] DTMF events are filtered out${readsDtmf ? '' : ' and read leaves out dtmf'}` };
}

export type WriteVerdict = { level: 'ok' | 'warn' | 'fail'; detail: string };

/**
 * The `write` classes against what the config makes callvault send. A
 * recording started at an agent's answer is an AMI MixMonitor action, which
 * app_mixmonitor.c registers under EVENT_FLAG_SYSTEM: without `system` (or
 * `all`) it is refused and the call goes on unrecorded. `system` also allows
 * restarting or shutting Asterisk down, so a config that never starts a
 * recording at answer should not grant it.
 */
export function checkWriteClasses(user: ManagerUser, startsAtAnswer: boolean): WriteVerdict {
  const system = user.write.includes('system') || user.write.includes('all');
  if (startsAtAnswer && !system) {
    return { level: 'fail', detail: `[${user.name}] write = ${user.write.join(',') || '(none)'}: recordings started at an agent's answer (AMI MixMonitor) need the system class; those calls would go unrecorded` };
  }
  if (!startsAtAnswer && system) {
    return { level: 'warn', detail: `[${user.name}] write has ${user.write.includes('all') ? 'all' : 'system'}, which also allows restarting Asterisk, but this config never starts a recording at an agent's answer` };
  }
  return { level: 'ok', detail: `[${user.name}] write = ${user.write.join(',') || '(none)'}${startsAtAnswer ? ' (system: recordings start at the agent\'s answer)' : ''}` };
}
