/**
 * The daemon: attaches to the PBX through its adapter, runs one call session
 * per call, hands finished recordings to the archiver, and reports its state
 * (status file, /metrics, /healthz). The archiver runs off the event loop
 * (worker thread) because Opus encoding is CPU-heavy and the call path must
 * answer every AGI request within milliseconds.
 */
import { mkdirSync, statSync } from 'node:fs';
import type { Server } from 'node:http';
import type { Logger } from '../log/logger.js';
import type { ResolvedConfig } from '../config/index.js';
import { KeyedHasher } from '../privacy/keyed-hash.js';
import type { MonitorAudit } from '../calls/monitor-register.js';
import { CallRegistry } from '../calls/call-registry.js';
import { RecordingJournal } from '../calls/recording-journal.js';
import { preciseNow, type PbxAdapter, type PbxEvent } from '../pbx/call-control.js';
import type { SessionObserver } from '../calls/call-session.js';
import { Metrics, serveMetrics } from './metrics.js';
import { writeStatus, writeStatusInBackground, type DaemonStatus } from './status-file.js';
import { CallvaultError } from '../errors.js';
import type { ArchiverState } from '../archive/archiver.js';
import type { SpoolOutlook } from '../ops/spool-outlook.js';

/**
 * What the daemon needs of the archive stage (src/archive), started off the
 * event loop. start() resolves once the archiver tried to open the storage;
 * it retries by itself and `state()` says whether it runs.
 */
export interface ArchiveStage {
  start(): Promise<void>;
  stop(): Promise<void>;
  backlog(): number;
  state(): ArchiverState;
  /** Backlog trend and disk outlook, when the archiver samples the spool. */
  outlook?(): SpoolOutlook | null;
}

export interface DaemonParts {
  config: ResolvedConfig;
  logger: Logger;
  adapter: PbxAdapter;
  archive?: ArchiveStage | undefined;
  /** Objection memory, when privacy.rememberObjections is on. */
  objections?: { has(h: string): boolean; remember(h: string): void } | undefined;
  now?: () => number;
  /** More observers of sessions (the decision tally for `callvault status`). */
  observers?: SessionObserver[] | undefined;
  /** Where live-listening rows go: the index's audit chain (`run` wires it). */
  monitorAudit?: MonitorAudit | undefined;
  /** Background services started after the adapter and stopped before it (purge scheduler...). */
  services?: Array<{ start(): void | Promise<void>; stop(): void | Promise<void> }> | undefined;
}

const STATUS_EVERY_MS = 5_000;

/**
 * Checks the storage directory and the spool: each created 0700 if absent,
 * refused if others can read it. The spool is created here, at start, so
 * that the archiver finds it before the first hand-off (it used to log
 * ENOENT once a second until then).
 */
export function prepareStorage(dir: string, spool?: string): void {
  for (const d of spool === undefined ? [dir] : [dir, spool]) {
    mkdirSync(d, { recursive: true, mode: 0o700 });
    const mode = statSync(d).mode & 0o777;
    if ((mode & 0o077) !== 0) throw new CallvaultError('CV_ERR_ARCHIVE_PERMISSIONS', [d, mode.toString(8)]);
  }
}

export class Daemon {
  readonly metrics = new Metrics();
  readonly registry: CallRegistry;
  readonly #parts: DaemonParts;
  readonly #now: () => number;
  readonly #startedAt: number;
  readonly #lastErrors: DaemonStatus['lastErrors'] = [];
  readonly #journal: RecordingJournal;
  #timer: NodeJS.Timeout | undefined;
  #http: Server | undefined;
  #stopping = false;

  constructor(parts: DaemonParts) {
    this.#parts = parts;
    this.#now = parts.now ?? preciseNow;
    this.#startedAt = this.#now();
    const { config, logger, adapter } = parts;
    const hasher = KeyedHasher.fromFile(config.privacy.hashKeyFile);
    const recordingsDir = config.pbx.type === 'asterisk' ? config.pbx.asterisk!.recordings.local : config.pbx.freeswitch!.recordings.local;
    const observer = combineObservers([this.metrics.observer(), ...(parts.observers ?? [])]);
    this.#journal = new RecordingJournal(config.storage.dir, {
      onError: (err, recordingId) => logger.warn({ err, recordingId }, 'recording: cannot write the journal; a crash now would lose this call\'s metadata'),
    });
    this.registry = new CallRegistry({
      config, hasher, control: adapter.control, recordingsDir, now: this.#now, logger,
      objections: parts.objections,
      answerRecording: adapter.answerRecording,
      stereo: (config.pbx.type === 'asterisk' ? config.pbx.asterisk?.stereo : config.pbx.freeswitch?.stereo) === true,
      monitorAudit: parts.monitorAudit,
      journal: this.#journal,
      observe: { ...observer, error: (where) => { observer.error?.(where); this.#noteError(where, `${where} failed`); } },
    });
  }

  #noteError(where: string, message: string): void {
    this.#lastErrors.push({ at: new Date(this.#now()).toISOString(), where, message });
    if (this.#lastErrors.length > 10) this.#lastErrors.shift();
  }

  status(): DaemonStatus {
    const sessions = [...this.registry.sessions()];
    return {
      version: 1,
      pid: process.pid,
      startedAt: new Date(this.#startedAt).toISOString(),
      writtenAt: new Date(this.#now()).toISOString(),
      pbx: this.#parts.adapter.kind,
      link: this.#parts.adapter.link(),
      callsInProgress: sessions.length,
      recordingsInProgress: sessions.filter((s) => ['recording', 'paused', 'pausing'].includes(s.state.kind)).length,
      monitorsInProgress: this.registry.monitorsActive,
      archiveBacklog: this.#parts.archive?.backlog() ?? 0,
      archiver: this.#parts.archive?.state() ?? { kind: 'disabled' },
      spool: this.#parts.archive?.outlook?.() ?? null,
      lastErrors: [...this.#lastErrors],
    };
  }

  #refreshStatus(): DaemonStatus {
    const st = this.status();
    this.metrics.inProgress.set(st.callsInProgress);
    this.metrics.backlog.set(st.archiveBacklog);
    this.metrics.setOutlook(st.spool ?? null);
    this.metrics.linkUp.set(st.link.state === 'up' ? 1 : 0);
    this.metrics.reconnects.set(st.link.reconnects);
    return st;
  }

  /** Synchronous: at start and stop only, where the file must be there before we go on. */
  #writeStatus(): void {
    const st = this.#refreshStatus();
    try {
      writeStatus(this.#parts.config.storage.dir, st);
    } catch (err) {
      this.#parts.logger.warn({ err }, 'status: cannot write the status file');
    }
  }

  #statusWrite: Promise<void> | null = null;
  #statusAgain = false;
  /** While calls run: off the event loop, one write at a time, the latest state written after one in flight. */
  #writeStatusInBackground(): void {
    if (this.#statusWrite !== null) { this.#statusAgain = true; return; }
    const st = this.#refreshStatus();
    this.#statusWrite = writeStatusInBackground(this.#parts.config.storage.dir, st)
      .catch((err: unknown) => { this.#parts.logger.warn({ err }, 'status: cannot write the status file'); })
      .finally(() => {
        this.#statusWrite = null;
        if (this.#statusAgain && !this.#stopping) { this.#statusAgain = false; this.#writeStatusInBackground(); }
      });
  }

  async #reconcile(): Promise<void> {
    try {
      const { running, live } = await this.registry.reconcile(() => this.#parts.adapter.inventory());
      this.#parts.logger.info({ running: running.length, live: live.size }, 'pbx: reconciled calls in progress');
      const adapter = this.#parts.adapter;
      const marksOf = adapter.pauseMarks ? (id: string) => adapter.pauseMarks!(id) : undefined;
      const waiting = await this.registry.recoverOrphans(new Set(running.map((r) => r.recordingId)), this.#now(), marksOf);
      if (waiting > 0 && !this.#stopping) {
        // Their files are still being closed by the PBX: look again shortly.
        setTimeout(() => { void this.#reconcile(); }, 5_000).unref();
      }
    } catch (err) {
      this.#parts.logger.warn({ err }, 'pbx: reconcile failed, will retry on the next reconnect');
    }
  }

  #onEvent = (event: PbxEvent): void => {
    if (event.type === 'link-up') {
      this.#parts.logger.info('pbx: link up');
      void this.#reconcile();
    } else if (event.type === 'link-down') {
      this.#parts.logger.warn({ reason: event.reason }, 'pbx: link down');
      this.#noteError('pbx-link', event.reason);
    }
    this.registry.handle(event);
    if (event.type === 'link-up' || event.type === 'link-down') this.#writeStatusInBackground();
    else this.#statusSoon();
  };

  #soon: NodeJS.Timeout | undefined;
  /** A call ended or a file was handed off: refresh the status within 250 ms, once for a burst of events. */
  #statusSoon(): void {
    if (this.#soon || this.#stopping) return;
    this.#soon = setTimeout(() => { this.#soon = undefined; this.#writeStatusInBackground(); }, 250);
    this.#soon.unref();
  }

  /**
   * Starts the parts that can run and reports the one that cannot: status
   * and /healthz come up before the call path, so that the PBX link is never
   * up without them; a PBX adapter that cannot start undoes the start
   * (nothing to serve without it); the archiver and the background services
   * never stop the calls (recordings wait in the spool; status says why and
   * is unhealthy until they run). docs/decisions.md says why.
   */
  async start(): Promise<void> {
    const { config, logger, adapter, archive } = this.#parts;
    prepareStorage(config.storage.dir, config.storage.spool);
    if (config.ops.metrics !== undefined) {
      this.#http = await serveMetrics(config.ops.metrics, this.metrics, () => {
        const st = this.status();
        const archiver = this.#parts.archive?.state().kind ?? 'disabled';
        return {
          healthy: st.link.state === 'up' && archiver === 'running',
          link: st.link.state, archiver, callsInProgress: st.callsInProgress, archiveBacklog: st.archiveBacklog,
        };
      });
    }
    this.#writeStatus();
    this.#timer = setInterval(() => this.#writeStatusInBackground(), STATUS_EVERY_MS);
    this.#timer.unref();
    try {
      await adapter.start(this.registry, this.#onEvent);
    } catch (err) {
      clearInterval(this.#timer);
      await new Promise<void>((resolve) => (this.#http ? this.#http.close(() => resolve()) : resolve()));
      this.#http = undefined;
      this.#noteError('pbx-adapter', 'cannot start');
      this.#writeStatus(); // its pid dies with this process: status then says "not running"
      throw err;
    }
    if (archive) {
      try {
        await archive.start();
      } catch (err) {
        logger.error({ err }, 'archive: cannot start; recordings wait in the spool');
        this.#noteError('archive', 'cannot start');
      }
      const st = archive.state();
      if (st.kind !== 'running') this.#noteError('archive', st.kind === 'retrying' ? `not running: ${st.message}` : `not running (${st.kind})`);
    }
    for (const s of this.#parts.services ?? []) {
      try {
        await s.start();
      } catch (err) {
        logger.error({ err }, 'daemon: a background service cannot start');
        this.#noteError('service', 'cannot start');
      }
    }
    this.#writeStatus();
    logger.info({ pbx: adapter.kind, lines: Object.keys(config.lines).length, metrics: config.ops.metrics ?? null, archiver: archive?.state().kind ?? 'disabled' }, 'daemon: started');
  }

  async stop(): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    clearInterval(this.#timer);
    clearTimeout(this.#soon);
    for (const s of this.#parts.services ?? []) await s.stop();
    await this.#parts.adapter.stop();
    await this.registry.drain();
    await this.#journal.flush();
    if (this.#parts.archive) await this.#parts.archive.stop();
    await new Promise<void>((resolve) => (this.#http ? this.#http.close(() => resolve()) : resolve()));
    while (this.#statusWrite !== null) await this.#statusWrite; // then the last word is the synchronous write below
    this.#writeStatus();
    this.#parts.logger.info('daemon: stopped');
  }
}

/** Calls every observer's hook; one failing observer must not break a call. */
function combineObservers(list: SessionObserver[]): SessionObserver {
  const each = <K extends keyof SessionObserver>(k: K) => (...args: Parameters<NonNullable<SessionObserver[K]>>) => {
    for (const o of list) {
      const fn = o[k] as ((...a: unknown[]) => void) | undefined;
      try { fn?.(...args); } catch { /* metrics and tallies are best effort */ }
    }
  };
  return { decided: each('decided'), consentLatency: each('consentLatency'), pauseLatency: each('pauseLatency'), handedOff: each('handedOff'), error: each('error') };
}
