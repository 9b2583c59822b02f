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

const recipientList = z.array(z.string().regex(/^age1[0-9a-z]+$/, 'must be an age recipient (age1...)')).min(1);

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
  agents: z.object({
    /** Per-agent sampling rates, overriding a sampled line's rate (for example 1.0 for new hires in training). */
    rates: z.record(z.string().min(1), rate).default({}),
  }).strict().default({ rates: {} }),
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
}).strict();

export type Config = z.infer<typeof configSchema>;
export type LinePolicy = z.infer<typeof lineSchema>;
export type AsteriskConfig = z.infer<typeof asterisk>;
export type FreeswitchConfig = z.infer<typeof freeswitch>;
