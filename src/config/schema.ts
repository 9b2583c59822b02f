/**
 * The configuration file's schema (YAML). Unknown keys are rejected
 * everywhere: a typo such as `objectonKey` must fail loudly at start, not
 * silently record callers who pressed the key. Defaults follow the issue
 * text and the CNIL's guidance; config/callvault.example.yaml documents each
 * key for a telephony engineer.
 */
import { z } from 'zod';
import { PURPOSES } from '../policy/purpose.js';

/** The languages the shipped prompts exist in (prompts/text/<lang>.txt). */
export const PROMPT_LANGUAGES = ['fr', 'en'] as const;

const dtmfKey = z.string().regex(/^[0-9*#]$/, 'must be one DTMF key: 0-9, * or #');
const hostPort = z.string().regex(/^[^:\s]+:\d{1,5}$/, 'must be host:port, for example 127.0.0.1:4573');
const rate = z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1');
const purpose = z.enum(PURPOSES);

const announce = z.enum(['always', 'when-recording']);

/** Days of the week as written in windows (ISO order, Monday first). */
export const WEEK_DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type WeekDay = (typeof WEEK_DAYS)[number];
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'must be HH:MM (00:00 to 24:00)');

/**
 * One period when recording and live listening may happen: days of the
 * week and a time span on each of them, in the config's `timeZone`.
 * `from` < `to` (a span past midnight is written as two windows), so the
 * table HR hands out reads the way it is written.
 */
export const windowSchema = z.object({
  days: z.array(z.enum(WEEK_DAYS)).min(1, 'list at least one day (mon..sun)'),
  from: hhmm,
  to: hhmm,
}).strict().refine((w) => w.from < w.to, { message: "'from' must be before 'to' (split a window that crosses midnight in two)" });
export type RecordingWindow = z.infer<typeof windowSchema>;
/** Absent = no restriction (always); an empty list is refused: it would mean "never", which is mode: never. */
const windows = z.array(windowSchema).min(1, 'list at least one window, or leave the key out for "always"').optional();

/**
 * entry: record from the consent dialogue (queue music and hold included);
 * answer: only from the agent's answer (the agent hook, callvault-agent).
 */
const recordFrom = z.enum(['entry', 'answer']).default('entry');

const common = {
  purpose: purpose.default('quality'),
  /**
   * Full notice (purpose, rights, retention, contact), then back to the
   * choice. Default 0, the key the shipped prompts announce ("for more
   * information, press 0"); `none` turns it off (then use prompts that do
   * not offer it).
   */
  infoKey: z.union([dtmfKey, z.literal('none')]).default('0').transform((k) => (k === 'none' ? undefined : k)),
  digitTimeoutMs: z.number().int().min(1000).max(30000).default(5000),
  /** Replays of the choice allowed after the information notice. */
  maxInfoReplays: z.number().int().min(0).max(5).default(2),
  recordFrom,
  /** When this line's calls may be recorded; outside them never (and with when-recording, silent). */
  windows,
};

const mandatoryLine = z.object({
  mode: z.literal('mandatory'),
  ...common,
  purpose: purpose.default('regulatory'),
  announce: z.literal('always').default('always'),
}).strict();

const sampledLine = z.object({
  mode: z.literal('sampled'),
  ...common,
  rate: rate.default(0.25),
  objectionKey: dtmfKey.default('9'),
  announce: announce.default('always'),
}).strict();

const consentLine = z.object({
  mode: z.literal('consent'),
  ...common,
  acceptKey: dtmfKey.default('1'),
  announce: z.literal('always').default('always'),
}).strict();

const neverLine = z.object({
  mode: z.literal('never'),
  purpose: purpose.default('quality'),
  announce: z.literal('never').default('never'),
}).strict();

export const lineSchema = z.discriminatedUnion('mode', [mandatoryLine, sampledLine, consentLine, neverLine]);

const mappedDir = z.object({
  /** The directory as the PBX sees it (it writes recordings there). */
  pbx: z.string().min(1),
  /** The same directory as this daemon sees it (chroot, container volume, NFS mount). */
  local: z.string().min(1),
}).strict();

const asterisk = z.object({
  ami: z.object({
    host: z.string().default('127.0.0.1'),
    port: z.number().int().min(1).max(65535).default(5038),
    username: z.string().min(1),
    secret: z.string().min(1).optional(),
    /** Prefer a file for the secret so that it is not in the config. */
    secretFile: z.string().optional(),
    actionTimeoutMs: z.number().int().min(100).max(30000).default(2000),
  }).strict().refine((a) => a.secret !== undefined || a.secretFile !== undefined, 'set secret or secretFile'),
  agi: z.object({
    listen: hostPort.default('127.0.0.1:4573'),
  }).strict().default({ listen: '127.0.0.1:4573' }),
  recordings: mappedDir,
  /** Caller and agent on separate channels (MixMonitor option D): left = from the caller, right = to the caller. */
  stereo: z.boolean().default(false),
  /**
   * asterisk.conf `defaultlanguage` (Asterisk's own default: en). Every
   * channel starts with it, so a channel language equal to it counts as
   * "no language set" and prompts.defaultLanguage applies (src/policy/language.ts).
   */
  defaultLanguage: z.string().regex(/^[A-Za-z]{2,8}([_-][A-Za-z0-9]{1,8})*$/, 'a language code such as en or fr_FR').default('en'),
}).strict();

const freeswitch = z.object({
  esl: z.object({
    host: z.string().default('127.0.0.1'),
    port: z.number().int().min(1).max(65535).default(8021),
    password: z.string().min(1).optional(),
    passwordFile: z.string().optional(),
    commandTimeoutMs: z.number().int().min(100).max(30000).default(2000),
  }).strict().refine((a) => a.password !== undefined || a.passwordFile !== undefined, 'set password or passwordFile'),
  outbound: z.object({
    listen: hostPort.default('127.0.0.1:8084'),
  }).strict().default({ listen: '127.0.0.1:8084' }),
  recordings: mappedDir,
  /** Caller and agent on separate channels (RECORD_STEREO): left = from the caller, right = to the caller. */
  stereo: z.boolean().default(false),
}).strict();

const retentionDays = z.object({
  quality: z.number().int().min(1).max(183).default(183),
  training: z.number().int().min(1).max(183).default(183),
  analysis: z.number().int().min(1).max(366).default(366),
  contract: z.number().int().min(1).max(1827).default(1827),
  regulatory: z.number().int().min(1).max(3653).default(1827),
}).strict();

const teamName = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'team names are letters, digits, _ and -');

const agentSchema = z.object({
  /** Sampling rate for calls this agent answers, overriding the team's and a sampled line's (1.0 for trainees). */
  rate: rate.optional(),
  team: teamName.optional(),
}).strict();
export type AgentProfile = z.infer<typeof agentSchema>;

const teamSchema = z.object({
  rate: rate.optional(),
  /** Intersected with the line's windows: both must allow. */
  windows,
}).strict();
export type TeamPolicy = z.infer<typeof teamSchema>;

/** What the agent hears on their own leg when the call they answer is recorded. */
const agentNotice = z.object({
  play: z.enum(['none', 'prompt', 'beep']).default('none'),
  /** A beep into the recorded call every N seconds while it records (Asterisk MixMonitor B()); 0 = none. */
  periodicBeepSeconds: z.union([z.literal(0), z.number().int().min(5).max(600)]).default(0),
}).strict();
export type AgentNoticeConfig = z.infer<typeof agentNotice>;

/** Keys of `agents` that are not agent ids. */
export const AGENT_RESERVED_KEYS = ['protected', 'notice', 'rates'] as const;

const agentId = z.string().min(1).max(128);

/**
 * `agents:` holds one entry per agent id (`agents.<id>.rate`, `.team`) plus
 * the reserved keys `protected` (never recorded nor listened to: staff
 * representatives) and `notice`. The old form `agents.rates: {id: rate}`
 * keeps working (docs/decisions.md, "agents.rates"): it is folded into the
 * same per-agent entries, and an agent given two different rates is refused
 * with the form to write. Parsed into `{ byId, protected, notice, legacyRates }`
 * so code never mistakes a reserved key for an agent.
 */
const agentsSection = z.object({
  protected: z.array(agentId).default([]),
  notice: agentNotice.default({ play: 'none', periodicBeepSeconds: 0 }),
  /** Deprecated: write `agents.<id>.rate`. */
  rates: z.record(agentId, rate).optional(),
}).catchall(agentSchema).optional().transform((given, ctx) => {
  const a: { protected: string[]; notice: AgentNoticeConfig; rates?: Record<string, number> | undefined; [id: string]: unknown } =
    given ?? { protected: [], notice: { play: 'none', periodicBeepSeconds: 0 } };
  const byId: Record<string, AgentProfile> = {};
  for (const [k, v] of Object.entries(a)) {
    if ((AGENT_RESERVED_KEYS as readonly string[]).includes(k)) continue;
    byId[k] = { ...(v as AgentProfile) };
  }
  for (const [id, r] of Object.entries(a.rates ?? {})) {
    const own: AgentProfile | undefined = byId[id];
    if (own?.rate !== undefined && own.rate !== r) {
      ctx.addIssue({ code: 'custom', path: ['rates', id], message: `agent '${id}' has two rates (${r} here, ${own.rate} in agents.${id}.rate): drop agents.rates and write agents.${id}.rate only` });
      continue;
    }
    byId[id] = { ...own, rate: r };
  }
  return { byId, protected: a.protected, notice: a.notice, legacyRates: a.rates !== undefined };
});
export type AgentsConfig = z.infer<typeof agentsSection>;

const timeZone = z.string().min(1).refine((tz) => {
  try { new Intl.DateTimeFormat('en-GB', { timeZone: tz }); return true; } catch { return false; }
}, 'must be an IANA time zone such as Europe/Paris');

const recipientList = z.array(z.string().regex(/^age1[0-9a-z]+$/, 'must be an age recipient (age1...)')).min(1);


/**
 * The review console (`callvault console`, src/console, docs/console.md).
 * Optional: a sidecar host without reviewers has no console. Teams are named
 * sets of lines: recordings carry their line, not a team, and a call centre's
 * teams answer its lines.
 */
const consoleSection = z.object({
  listen: z.object({
    host: z.string().min(1).default('127.0.0.1'),
    port: z.number().int().min(1).max(65535).default(8443),
  }).strict().default({ host: '127.0.0.1', port: 8443 }),
  /** PEM certificate and key (`callvault console cert --host NAME` makes a self-signed pair). Plain HTTP only on loopback. */
  tls: z.object({ cert: z.string().min(1), key: z.string().min(1) }).strict().optional(),
  /** The address browsers use, for the Origin check (default https://<listen host>:<port>). */
  origin: z.string().regex(/^https?:\/\/[^/\s]+$/, 'must be scheme://host[:port], no path').optional(),
  session: z.object({
    idleMinutes: z.number().int().min(1).max(24 * 60).default(30),
    absoluteHours: z.number().int().min(1).max(24 * 7).default(12),
  }).strict().default({ idleMinutes: 30, absoluteHours: 12 }),
  defaultLanguage: z.enum(PROMPT_LANGUAGES).default('fr'),
  /**
   * Optional OpenID Connect sign-in (authorization code + PKCE). The identity
   * provider proves who signs in; the role, teams and purposes stay the local
   * user's (`callvault user add`): a provider user without a local user is refused.
   */
  oidc: z.object({
    issuer: z.string().regex(/^https?:\/\/\S+$/, 'must be the issuer URL'),
    clientId: z.string().min(1),
    clientSecret: z.string().min(1).optional(),
    clientSecretFile: z.string().min(1).optional(),
    /** The claim that names the local user. */
    usernameClaim: z.string().min(1).default('preferred_username'),
    /** The sign-in button's text. */
    label: z.string().min(1).max(60).default('OpenID Connect'),
  }).strict().optional(),
  teams: z.record(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'team names are letters, digits, _ and -'), z.array(z.string().min(1)).min(1)).default({}),
  /**
   * The review queue (src/quality/review-draw.ts): evaluations wanted per
   * agent per ISO week or calendar month, in the config's timeZone.
   */
  review: z.object({
    perAgent: z.number().int().min(0).max(100).default(2),
    period: z.enum(['week', 'month']).default('week'),
  }).strict().default({ perAgent: 2, period: 'week' }),
}).strict();

/** A KPI target (src/quality/kpi.ts): the figure must reach `atLeast` percent, judged from `minEvaluations` evaluations on. */
const kpiTarget = z.object({
  atLeast: z.number().min(0, 'atLeast is a percent, 0 to 100').max(100, 'atLeast is a percent, 0 to 100'),
  minEvaluations: z.number().int().min(1, 'minEvaluations must be at least 1').default(5),
}).strict();
export type KpiTargetConfig = z.infer<typeof kpiTarget>;

/** `total` is the whole score; any other key a section id of the forms (a section named `total` cannot have a target of its own). */
const kpiKey = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, "a target is 'total' or the id of a form section (lowercase letters, digits and dashes, such as relationship)");

/**
 * Quality dashboards (docs/quality.md, "Dashboards"): KPI targets per team
 * (the teams of `teams:`, which agents belong to), for the whole score or a
 * section: `quality.targets.support.relationship: { atLeast: 80, minEvaluations: 5 }`.
 */
const qualitySection = z.object({
  targets: z.record(teamName, z.record(kpiKey, kpiTarget)).default({}),
}).strict();
export type QualityConfig = z.infer<typeof qualitySection>;

export const configSchema = z.object({
  pbx: z.object({
    type: z.enum(['asterisk', 'freeswitch']),
    asterisk: asterisk.optional(),
    freeswitch: freeswitch.optional(),
  }).strict().refine((p) => p[p.type] !== undefined, { message: 'the section for the chosen pbx.type is missing' }),
  lines: z.record(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'line names are letters, digits, _ and -'), lineSchema)
    .refine((l) => Object.keys(l).length > 0, 'define at least one line'),
  /** Lines not listed above: the safe default is not to record. */
  defaultLine: z.string().optional(),
  agents: agentsSection,
  /** Teams: a rate for their agents without one of their own, and their own recording windows. A team name is not personal data. */
  teams: z.record(teamName, teamSchema).default({}),
  /** The zone of every window and of the `windows` table (IANA name). */
  timeZone: timeZone.default('Europe/Paris'),
  prompts: z.object({
    /** The prompt name prefix as the PBX resolves it (Asterisk: relative to its sounds dir, per language). */
    prefix: z.string().default('callvault'),
    defaultLanguage: z.enum(PROMPT_LANGUAGES).default('fr'),
  }).strict().default({ prefix: 'callvault', defaultLanguage: 'fr' }),
  privacy: z.object({
    /** At least 32 random bytes, mode 0600: the key of every keyed hash (caller, agent, sampling). */
    hashKeyFile: z.string().min(1),
    /** Remember callers who objected (keyed hash) so they are never recorded again. Off by default. */
    rememberObjections: z.object({
      enabled: z.boolean().default(false),
      retentionDays: z.number().int().min(1).max(1827).default(365),
    }).strict().default({ enabled: false, retentionDays: 365 }),
  }).strict(),
  storage: z.object({
    /** Holds index.sqlite and recordings/. Mode 0700. */
    dir: z.string().min(1),
    /** Finished WAVs and their metadata wait here for the archiver. Defaults to <dir>/spool. */
    spool: z.string().optional(),
  }).strict(),
  archive: z.object({
    bitrateBps: z.number().int().min(6000).max(128000).default(16000),
    /**
     * Encode threads of the archiver. Default: one per core the host offers
     * (os.availableParallelism()); the pool runs at `nice`, so it only takes
     * what the call path leaves.
     */
    workers: z.number().int().min(1).max(64).optional(),
    /** libopus complexity 0-10 (bench/codec.ts: 2 costs half the CPU of 5 for 0.1 dB of SNR; docs/decisions.md). */
    complexity: z.number().int().min(0).max(10).default(5),
    /** Nice value of the archiver process (0-19, higher = lower priority than the daemon's call path). */
    nice: z.number().int().min(0).max(19).default(10),
    /**
     * `idle`: the archiver runs SCHED_IDLE (Linux), preempted at once when the
     * call path wakes; the nice value applies where that is refused. `nice`:
     * the nice value only (src/archive/archiver-scheduling.ts, docs/decisions.md).
     */
    scheduling: z.enum(['idle', 'nice']).default('idle'),
    recipients: z.object({
      quality: recipientList.optional(),
      training: recipientList.optional(),
      analysis: recipientList.optional(),
      contract: recipientList.optional(),
      regulatory: recipientList.optional(),
    }).strict(),
  }).strict(),
  retention: retentionDays.default({ quality: 183, training: 183, analysis: 366, contract: 1827, regulatory: 1827 }),
  ops: z.object({
    /** Local HTTP listener for /metrics and /healthz; omit to disable. */
    metrics: hostPort.optional(),
    defaultCountry: z.string().regex(/^[A-Z]{2}$/).default('FR'),
    /** Daily purge time, HH:MM local. */
    purgeAt: z.string().regex(/^\d{2}:\d{2}$/).default('03:30'),
    /**
     * A daemon whose event loop gives no sign of life for this long is killed
     * by its watchdog, so the PBX's sockets close and calls go on (payments
     * fail closed): the bound on dead air with a frozen daemon. 0 turns it off.
     */
    watchdogMs: z.union([z.literal(0), z.number().int().min(300).max(10_000)]).default(1500),
  }).strict().default({ defaultCountry: 'FR', purgeAt: '03:30', watchdogMs: 1500 }),
  log: z.object({
    level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
  }).strict().default({ level: 'info' }),
  console: consoleSection.optional(),
  quality: qualitySection.default({ targets: {} }),
}).strict();

export type Config = z.infer<typeof configSchema>;
export type LinePolicy = z.infer<typeof lineSchema>;
export type AsteriskConfig = z.infer<typeof asterisk>;
export type FreeswitchConfig = z.infer<typeof freeswitch>;
export type ConsoleConfig = z.infer<typeof consoleSection>;
