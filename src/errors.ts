/**
 * The error catalogue: every failure callvault reports has a stable code
 * `CV_ERR_<AREA>_<WHAT>`, a message template, and a hint that tells the
 * operator how to fix it. docs/errors.md documents each code; a unit test keeps
 * the two in sync. "No" answers (a caller objected, a frame we do not handle)
 * are values, never errors: these are for things that are broken.
 *
 * Areas keep their own block below so that parallel work edits distinct lines.
 */

export interface ErrorSpec {
  /** Message; `%s` placeholders are filled from the `args` given at throw time. */
  readonly message: string;
  /** How to fix it: shown as `callvault: hint: ...` by the CLI. */
  readonly hint: string;
  /** Process exit code when a CLI command fails with this error (default 1). */
  readonly exit?: number;
}

/** sysexits.h EX_CONFIG: the CLI exits 78 on bad configuration. */
export const EXIT_CONFIG = 78;

export const catalogue = {
  // --- config -------------------------------------------------------------
  CV_ERR_CONFIG_READ: { message: 'cannot read config file %s', hint: 'check the path given to --config and its permissions', exit: EXIT_CONFIG },
  CV_ERR_CONFIG_PARSE: { message: 'config file %s is not valid YAML: %s', hint: 'fix the YAML syntax at the position shown', exit: EXIT_CONFIG },
  CV_ERR_CONFIG_INVALID: { message: 'invalid config: %s', hint: 'see config/callvault.example.yaml and the configuration reference in README.md', exit: EXIT_CONFIG },

  // --- cli ----------------------------------------------------------------
  CV_ERR_CLI_USAGE: { message: '%s', hint: 'run `callvault help <command>` for usage', exit: 64 },

  // --- pbx: asterisk ---------------------------------------------------------
  CV_ERR_AMI_CONNECT: { message: 'cannot connect to AMI at %s', hint: 'check that Asterisk runs, that manager.conf enables the manager on that address, and the pbx.asterisk.ami settings' },
  CV_ERR_AMI_LOGIN: { message: 'AMI login refused for user %s', hint: 'check the username and secret in manager.conf and pbx.asterisk.ami' },
  CV_ERR_AMI_TIMEOUT: { message: 'AMI action %s got no response within %s ms', hint: 'check Asterisk load and the AMI link; callvault fails closed on payment pauses when this happens' },
  CV_ERR_AMI_ACTION: { message: 'AMI action %s failed: %s', hint: 'see the Asterisk log for the reason' },
  CV_ERR_AMI_FRAME: { message: 'malformed AMI frame: %s', hint: 'this is a protocol error; report it with the Asterisk version' },
  CV_ERR_AMI_CLOSED: { message: 'AMI connection closed', hint: 'callvault reconnects with backoff; check Asterisk if this persists' },
  CV_ERR_AGI_FRAME: { message: 'malformed AGI frame: %s', hint: 'check that the dialplan calls AGI(agi://...) as in dialplan/asterisk/callvault.conf' },
  CV_ERR_AGI_TIMEOUT: { message: 'AGI command %s got no response within %s ms', hint: 'check the Asterisk load; the call continues unrecorded' },
  CV_ERR_AGI_HANGUP: { message: 'AGI channel hung up', hint: 'the caller hung up during call control; nothing to fix' },
  CV_ERR_AGI_LISTEN: { message: 'cannot listen for FastAGI on %s', hint: 'another process holds the port, or the address is wrong: check pbx.asterisk.agi.listen' },

  // --- pbx: freeswitch ------------------------------------------------------
  CV_ERR_ESL_CONNECT: { message: 'cannot connect to the FreeSWITCH Event Socket at %s', hint: 'check that mod_event_socket is loaded and listens there (event_socket.conf.xml)' },
  CV_ERR_ESL_AUTH: { message: 'Event Socket authentication refused', hint: 'check the password in event_socket.conf.xml and pbx.freeswitch.esl.password' },
  CV_ERR_ESL_FRAME: { message: 'malformed Event Socket frame: %s', hint: 'this is a protocol error; report it with the FreeSWITCH version' },
  CV_ERR_ESL_TIMEOUT: { message: 'Event Socket command %s got no reply within %s ms', hint: 'check FreeSWITCH load; payment pauses fail closed when this happens' },
  CV_ERR_ESL_COMMAND: { message: 'Event Socket command %s failed: %s', hint: 'see the FreeSWITCH log for the reason' },
  CV_ERR_ESL_CLOSED: { message: 'Event Socket connection closed', hint: 'callvault reconnects with backoff; check FreeSWITCH if this persists' },
  CV_ERR_ESL_LISTEN: { message: 'cannot listen for outbound Event Socket connections on %s', hint: 'another process holds the port, or the address is wrong: check pbx.freeswitch.outbound.listen' },
  CV_ERR_ESL_UNMASK_FLUSH: { message: 'payment exit: the recording did not take in %s ms of masked audio within %s ms, so it stays masked', hint: 'no media reached the recording (call on hold or media stalled); the rest of the call is kept as silence, never in clear' },
  CV_ERR_ESL_SOCKET_MODE: { message: 'the dialplan opened the outbound socket as %s/%s; callvault needs async full', hint: 'use <action application="socket" data="${CALLVAULT_SOCKET} async full"/> as dialplan/freeswitch/callvault.xml does' },

  // --- calls ----------------------------------------------------------------
  CV_ERR_CALL_TRANSITION: { message: 'illegal call transition %s -> %s on event %s', hint: 'this is a bug in callvault; report it with the log line' },
  CV_ERR_SPOOL_WRITE: { message: 'cannot write to spool %s', hint: 'check free space and permissions of storage.spool' },
  CV_ERR_SPOOL_REFUSED: { message: 'recording %s cannot go to the spool as it is: %s', hint: 'it was moved to <storage>/quarantine with a note of why; fix or archive it by hand (`callvault archive --spool DIR --line LINE --purpose PURPOSE`), then delete it there' },

  // --- archive ----------------------------------------------------------------
  CV_ERR_ARCHIVE_WAV: { message: 'not a supported WAV file: %s (%s)', hint: 'callvault reads 16-bit PCM WAV, mono or stereo, 8 to 48 kHz' },
  CV_ERR_ARCHIVE_META: { message: 'spool metadata missing or invalid for %s: %s', hint: 'each WAV in the spool needs a JSON file beside it (docs/spec.md, "Spool"); backfill with `callvault archive --spool DIR --line LINE --purpose PURPOSE`' },
  CV_ERR_ARCHIVE_RECIPIENTS: { message: 'no age recipients configured for purpose %s', hint: 'add public keys under archive.recipients.%s in the config (generate one with `callvault keygen`)' },
  CV_ERR_ARCHIVE_PERMISSIONS: { message: 'storage directory %s is accessible by other users (mode %s)', hint: 'run `chmod 700` on it: recordings and the index must not be world-readable', exit: EXIT_CONFIG },
  CV_ERR_ARCHIVE_DISK_FULL: { message: 'no space left while archiving %s', hint: 'free disk space; the WAV is kept in the spool and archiving resumes by itself' },
  CV_ERR_ARCHIVE_ENCODE: { message: 'Opus encoding failed for %s', hint: 'the WAV may be damaged; check it with `soxi`' },
  CV_ERR_ARCHIVE_EXISTS: { message: 'refusing to overwrite %s', hint: 'choose another output path or remove the existing file' },
  CV_ERR_ARCHIVE_NOT_FOUND: { message: 'no recording with id %s', hint: 'list recordings with `callvault list`' },
  CV_ERR_ARCHIVE_FILE_MISSING: { message: 'the encrypted file for %s is missing: %s', hint: 'restore it from backup, or run `callvault verify` to list all missing files' },
  CV_ERR_ARCHIVE_CORRUPT: { message: 'recording %s is corrupted: %s', hint: 'restore the file from backup; `callvault verify` checks every file' },
  CV_ERR_ARCHIVE_IDENTITY: { message: 'cannot use identity file %s: %s', hint: 'pass an age identity that matches one of the recording\'s recipients (`callvault keygen` writes one)' },
  CV_ERR_ARCHIVE_DECRYPT: { message: 'cannot decrypt %s: %s', hint: 'the identity does not match any recipient of this recording, or the file is damaged' },
  CV_ERR_ARCHIVE_REASON: { message: 'a reason is required', hint: 'pass --reason "..." : every access to a recording is traced' },
  CV_ERR_ARCHIVE_LOCKED: { message: 'another archiver (pid %s) is working on storage %s', hint: 'the daemon archives by itself; stop it before running `callvault archive`, or wait for it to finish' },
  CV_ERR_ARCHIVE_PASSPHRASE: { message: 'a passphrase is needed for %s', hint: 'set CALLVAULT_PASSPHRASE or run the command on a terminal; use --no-passphrase only for keys kept offline' },
  CV_ERR_ARCHIVE_STORAGE: { message: 'no storage directory given', hint: 'pass --config FILE (storage.dir) or --storage DIR' },

  // --- index --------------------------------------------------------------------
  CV_ERR_INDEX_OPEN: { message: 'cannot open the index at %s', hint: 'check storage.dir permissions; another process may hold a write lock' },
  CV_ERR_INDEX_MIGRATION: { message: 'index migration %s failed', hint: 'the index is unchanged; restore from backup or rebuild it with `callvault reindex`' },
  CV_ERR_INDEX_NEWER: { message: 'the index schema version %s is newer than this callvault supports (%s)', hint: 'upgrade callvault' },
  CV_ERR_INDEX_READONLY: { message: 'the index at %s is read-only or locked', hint: 'check file permissions, free space, and that no other process holds it' },
  CV_ERR_AUDIT_CHAIN: { message: 'audit chain broken at row %s: %s', hint: 'the audit table was changed outside callvault; investigate and restore from backup' },

  // --- ops ----------------------------------------------------------------------
  CV_ERR_OPS_NUMBER: { message: 'not a valid phone number: %s', hint: 'give the number in E.164 form (+33123456789) or in national form with ops.defaultCountry set' },
  CV_ERR_OPS_HELD: { message: 'recording %s is under legal hold', hint: 'release the hold first with `callvault release` if the hold no longer applies' },
  CV_ERR_OPS_HMAC_KEY: { message: 'cannot read the hashing key %s', hint: 'set privacy.hashKeyFile to a file of at least 32 random bytes (`head -c 32 /dev/urandom > key`), mode 0600' },
  CV_ERR_OPS_UNKNOWN_ID: { message: 'no recording or call with id %s', hint: 'find ids with `callvault list` or `callvault subject find`; a purged recording leaves a tombstone that `callvault show` reports' },
  CV_ERR_OPS_PURGED: { message: 'recording %s was purged on %s (%s)', hint: 'nothing is left to act on: only its tombstone (id, date, reason) remains' },
  CV_ERR_OPS_PURGING: { message: 'recording %s is being purged', hint: 'its purge was interrupted and its files may already be gone; run `callvault purge` to finish it' },
  CV_ERR_OPS_NOT_CONTRACT: { message: 'recording %s has purpose %s, not contract', hint: 'proof-received applies to contract recordings only; other purposes follow their retention period' },
  CV_ERR_OPS_REASON: { message: 'a reason is required for %s', hint: 'pass --reason "...": every access to recordings and every destruction is traced in the audit log' },
  CV_ERR_OPS_NO_INDEX: { message: 'there is no index at %s yet', hint: 'check storage.dir in the config; the daemon creates the index when it archives the first recording' },
  CV_ERR_OPS_DATE: { message: 'not a date: %s', hint: 'use YYYY-MM-DD (local day) or an ISO-8601 instant such as 2026-11-28T15:04:05Z' },
  CV_ERR_OPS_NO_RECORDING: { message: 'no recording of %s', hint: 'check the number and ops.defaultCountry; `callvault subject find NUMBER` lists what the index holds for it' },
  CV_ERR_OPS_PURGE_FILE: { message: 'cannot delete the files of recording %s', hint: 'check the permissions of storage.dir; the recording stays marked as purging and the next `callvault purge` finishes it' },

  // --- console -------------------------------------------------------------
  CV_ERR_CONSOLE_NOT_CONFIGURED: { message: 'the config %s has no console section', hint: 'add a `console:` section (listen, tls, session) as in config/callvault.example.yaml and docs/console.md', exit: EXIT_CONFIG },
  CV_ERR_CONSOLE_TLS: { message: 'cannot read the console certificate or key %s', hint: 'check console.tls.cert and console.tls.key (PEM files); `callvault console cert --host NAME` makes a self-signed pair', exit: EXIT_CONFIG },
  CV_ERR_CONSOLE_LISTEN: { message: 'the console cannot listen on %s', hint: 'another process holds the port, or the address is wrong: check console.listen' },
  CV_ERR_CONSOLE_ASSETS: { message: 'the console\'s browser bundle is missing or invalid: %s', hint: 'run `npm run build:console` (it writes dist/console/manifest.json) before starting the console' },
  CV_ERR_CONSOLE_CERT: { message: 'cannot make a certificate: %s', hint: 'check that the openssl command is installed (Debian package openssl) and that the output directory is writable' },
  CV_ERR_CONSOLE_UNAUTHENTICATED: { message: 'sign in first', hint: 'your session is missing, expired or revoked: sign in again at /login' },
  CV_ERR_CONSOLE_CSRF: { message: 'the request carries no valid CSRF token', hint: 'reload the page and submit again; scripts send the token of <meta name="csrf-token"> in the x-csrf-token header' },
  CV_ERR_CONSOLE_ORIGIN: { message: 'request refused: origin %s is not this console', hint: 'open the console at its own address (console.origin); requests from other sites are refused' },
  CV_ERR_CONSOLE_FORBIDDEN: { message: 'the %s role may not %s', hint: 'ask an admin for a role whose job needs it (docs/console.md, "Roles")' },
  CV_ERR_CONSOLE_NO_GRANT: { message: 'you hold no key for purpose %s', hint: 'an admin who holds that purpose\'s identity grants it with `callvault grant --purpose %s --user NAME --identity FILE` or on the Grants page' },
  CV_ERR_CONSOLE_NOT_FOUND: { message: 'no such %s', hint: 'check the address; you only see what your role and teams allow' },
  CV_ERR_CONSOLE_BAD_REQUEST: { message: 'invalid request: %s', hint: 'fix the field named in the message' },
  CV_ERR_CONSOLE_EVALUATION_STEP: { message: 'this evaluation step is refused: %s', hint: 'reload the evaluation: its state, your role, or who you are to it does not allow this step (docs/quality.md, "Lifecycle")' },
  CV_ERR_CONSOLE_TRAINING_COPY: { message: 'the training copy is refused: %s', hint: 'make the copy from the recording page: the browser decrypts it and encrypts it to the training recipients of archive.recipients.training only (docs/quality.md, "Training")' },
  CV_ERR_CONSOLE_KEY_EXISTS: { message: 'user %s already has a personal key', hint: 'an admin resets it with `callvault user reset NAME` (this also deletes the user\'s grants)' },
  CV_ERR_CONSOLE_NO_KEY: { message: 'user %s has no personal key yet', hint: 'the user signs in once and creates a key on the Keys page; grant afterwards' },
  CV_ERR_CONSOLE_THROTTLED: { message: 'too many failed sign-ins: try again after %s', hint: 'wait, or ask an admin to check the audit log for attacks on this account or address' },
  CV_ERR_CONSOLE_USER_EXISTS: { message: 'user %s already exists', hint: 'choose another name, or use `callvault user reset` on the existing one' },
  CV_ERR_CONSOLE_UNKNOWN_USER: { message: 'no console user named %s', hint: 'list users with `callvault user list`' },
  CV_ERR_CONSOLE_USER_SPEC: { message: 'invalid user: %s', hint: 'see `callvault help user add`: role, teams (console.teams) and purposes must be known' },
  CV_ERR_CONSOLE_PASSWORD: { message: 'unusable password: %s', hint: 'use at least 12 characters (a passphrase of several words is best); set CALLVAULT_PASSWORD for scripts' },
  CV_ERR_CONSOLE_GRANT_KEY: { message: 'the identity does not belong to purpose %s: %s', hint: 'pass the identity made by `callvault keygen` whose public key is listed under archive.recipients.%s, or pass --any-recipient for a key of older recordings' },

  // --- quality ---------------------------------------------------------------
  CV_ERR_QUALITY_FORM_PARSE: { message: 'evaluation form %s is not valid JSON: %s', hint: 'fix the JSON syntax at the position shown; start from a sound file: `callvault form export default`' },
  CV_ERR_QUALITY_FORM_UNKNOWN: { message: 'no evaluation form %s', hint: 'list the forms and versions with `callvault form list`' },
  CV_ERR_QUALITY_FORM_INVALID: { message: 'evaluation form %s is not valid: %s', hint: 'fix each field named in the message (docs/quality.md, "Forms" describes every field)' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof catalogue;

function format(template: string, args: readonly unknown[]): string {
  let i = 0;
  return template.replace(/%s/g, () => (i < args.length ? String(args[i++]) : '%s'));
}

/** The one error class. Keep the cause: pass `{ cause }` whenever wrapping. */
export class CallvaultError extends Error {
  readonly code: ErrorCode;
  readonly hint: string;
  readonly exit: number;

  constructor(code: ErrorCode, args: readonly unknown[] = [], options: { cause?: unknown; hint?: string } = {}) {
    const spec: ErrorSpec = catalogue[code];
    super(format(spec.message, args), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CallvaultError';
    this.code = code;
    this.hint = options.hint ?? format(spec.hint, args);
    this.exit = spec.exit ?? 1;
  }
}

export function isCallvaultError(err: unknown, code?: ErrorCode): err is CallvaultError {
  return err instanceof CallvaultError && (code === undefined || err.code === code);
}
