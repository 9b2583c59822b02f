/**
 * Logging: pino, JSON by default and human-readable on a TTY. Redaction is
 * configured here, once, for every logger in the process: DTMF digits, caller
 * numbers in clear and secrets must never reach a log line (they are
 * personal data or card data). Correlate with keyed hashes instead
 * (src/privacy/keyed-hash.ts). test/unit/log/logger.test.ts proves it.
 */
import { pino, type Logger, type DestinationStream } from 'pino';

/** Field names that carry personal data, card data or secrets, at any of the first three levels. */
const SENSITIVE_KEYS = [
  'digit', 'digits', 'dtmf', 'key', 'pressed',
  'caller', 'callerNumber', 'callerId', 'callerid', 'calleridnum', 'CallerIDNum', 'ConnectedLineNum', 'number', 'ani', 'from', 'to', 'exten', 'Exten',
  'secret', 'password', 'passphrase', 'identity', 'token', 'hashKey',
  'agi_callerid', 'agi_calleridname', 'agi_dnid', 'agi_rdnis', 'agi_extension',
  'Caller-Caller-ID-Number', 'Caller-Destination-Number', 'variable_sip_from_user', 'Digit', 'DTMF-Digit',
];

export const REDACT_PATHS: string[] = SENSITIVE_KEYS.flatMap((k) => {
  const q = /^[A-Za-z_$][\w$]*$/.test(k) ? k : `["${k}"]`;
  const dot = q.startsWith('[') ? '' : '.';
  return [q, `*${dot}${q}`, `*.*${dot}${q}`];
});

export type { Logger };

export interface LoggerOptions {
  level?: string;
  /** Force pretty (human) or JSON output; by default pretty only on a TTY. */
  pretty?: boolean;
  destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? process.env.CALLVAULT_LOG_LEVEL ?? 'info';
  const base = {
    level,
    base: { name: 'callvault' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: { err: pino.stdSerializers.err },
  };
  if (options.destination) return pino(base, options.destination);
  const pretty = options.pretty ?? (process.stdout.isTTY === true && process.env.CALLVAULT_LOG_FORMAT !== 'json');
  if (pretty) {
    return pino({ ...base, transport: { target: 'pino-pretty', options: { colorize: true, ignore: 'pid,hostname,name' } } });
  }
  return pino(base);
}

/** A logger that drops everything, for unit tests and CLI commands run in-process. */
export const silentLogger: Logger = pino({ level: 'silent' });
