/**
 * What the daemon knows about each recording in progress, on disk
 * (`<storage>/run/active/<id>.json`, 0600), rewritten at start and at each
 * pause change. If the daemon dies mid-call the PBX still finishes the WAV,
 * but the line, purpose, consent and pauses would be lost with the process;
 * with this journal the next start hands such orphans to the archive with
 * their real metadata (recoverOrphans in call-registry.ts) instead of
 * leaving plaintext audio in the PBX's directory forever.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, open, rename, rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { SpoolMetadata } from './spool-handoff.js';
import { isRecordingId } from './recording-id.js';

export type JournalEntry = Omit<SpoolMetadata, 'endedAt'> & { endedAt: string | null };

export interface RecordingJournalOptions {
  /** A write or remove that failed (the entry stays as it was on disk). Default: ignored. */
  readonly onError?: (err: Error, recordingId: string) => void;
}

/** Files written at once (libuv's thread pool has 4 threads by default; more would only queue there). */
const WRITERS = 4;

export class RecordingJournal {
  readonly dir: string;
  readonly #onError: (err: Error, recordingId: string) => void;
  /** What is still to be done on disk, by recording: the latest entry to write, or null to remove. */
  readonly #queued = new Map<string, JournalEntry | null>();
  /** Who waits for each queued recording's next write. */
  readonly #waiters = new Map<string, Array<() => void>>();
  /** Those being written now: taken off the queue, not yet on disk. */
  readonly #inFlight = new Map<string, JournalEntry | null>();
  #workers = 0;
  /** flush() callers, told each time the writers go idle. */
  readonly #settled: Array<() => void> = [];
  /** The directory, made once (again if it went). */
  #dirMade: Promise<unknown> | null = null;

  constructor(storageDir: string, options: RecordingJournalOptions = {}) {
    this.dir = join(storageDir, 'run', 'active');
    this.#onError = options.onError ?? (() => undefined);
  }

  /**
   * Queues the entry and returns at once; the file is written in the
   * background (tmp, unlink the old file, rename: never torn), the latest entry of a recording
   * winning over one not yet written. Not fsynced: the journal is for a
   * daemon that dies, and the page cache outlives the process; only a host
   * crash loses it, and then Asterisk's own WAV (never fsynced, 32 KB stdio
   * buffer) is lost too (docs/decisions.md, "No fsync on the call path").
   * Not on the event loop either: a rename waits for the file system's
   * journal while the archiver commits, 10 to 300 ms measured under
   * bench/capacity.ts --pause-check, and the payment answer waited with it
   * (docs/decisions.md, "The recording journal is written off the event loop").
   * The promise settles (never rejects: failures go to onError) once this
   * entry, or a later one of the same recording, is on disk: a caller that
   * must not answer before the journal knows awaits it.
   */
  write(entry: JournalEntry): Promise<void> {
    return this.#queue(entry.recordingId, entry);
  }

  /** Queues the removal; it is done after any write of that recording still queued. */
  remove(recordingId: string): Promise<void> {
    return this.#queue(recordingId, null);
  }

  /** Entries on disk, with what is queued applied: what the next start would find once the queue is written. */
  list(): JournalEntry[] {
    const byId = new Map<string, JournalEntry>();
    let names: string[] = [];
    try { names = readdirSync(this.dir); } catch { /* no journal yet */ }
    const present = new Set(names);
    for (const n of names) {
      // `<id>.json`, or `<id>.json.tmp` alone: a daemon killed between the
      // unlink and the rename of #writeFile left the new entry, whole, there.
      const id = n.endsWith('.json') ? n.slice(0, -5) : n.endsWith('.json.tmp') && !present.has(n.slice(0, -4)) ? n.slice(0, -9) : null;
      if (id === null || !isRecordingId(id)) continue;
      try {
        const e = JSON.parse(readFileSync(join(this.dir, n), 'utf8')) as JournalEntry;
        if (e.recordingId === id) byId.set(id, e);
      } catch { /* a torn tmp: the first entry of a recording, killed while it was written */ }
    }
    const apply = (id: string, e: JournalEntry | null): void => { if (e === null) byId.delete(id); else byId.set(id, e); };
    for (const [id, e] of this.#inFlight) apply(id, e);
    for (const [id, e] of this.#queued) apply(id, e);
    return [...byId.values()];
  }

  /** Resolves once everything queued so far is on disk (shutdown, tests). */
  async flush(): Promise<void> {
    while (this.#workers > 0 || this.#queued.size > 0) await new Promise<void>((resolve) => this.#settled.push(resolve));
  }

  #queue(recordingId: string, entry: JournalEntry | null): Promise<void> {
    // Delete first so that the recording goes to the end of the queue: one written meanwhile is written again, in order.
    this.#queued.delete(recordingId);
    this.#queued.set(recordingId, entry);
    const done = new Promise<void>((resolve) => {
      const list = this.#waiters.get(recordingId);
      if (list === undefined) this.#waiters.set(recordingId, [resolve]); else list.push(resolve);
    });
    // After the current tick: entries queued together (a session's burst) are written once.
    queueMicrotask(() => this.#pump());
    return done;
  }

  /**
   * Starts writers up to WRITERS, each on the oldest queued recording not
   * being written already: one recording's entries stay in order, different
   * recordings go in parallel. With one writer, at 2,000 calls a payment's
   * entry waited behind every other call's (bench/capacity.ts, pause p99).
   */
  #pump(): void {
    while (this.#workers < WRITERS) {
      let next: string | null = null;
      for (const id of this.#queued.keys()) if (!this.#inFlight.has(id)) { next = id; break; }
      if (next === null) return;
      this.#workers++;
      void this.#work(next);
    }
  }

  async #work(id: string): Promise<void> {
    // Taken off the queue before the first await: #pump never picks the same recording twice.
    const entry = this.#queued.get(id)!;
    this.#queued.delete(id);
    const waiting = this.#waiters.get(id) ?? [];
    this.#waiters.delete(id);
    this.#inFlight.set(id, entry);
    try {
      if (entry === null) {
        await rm(join(this.dir, `${id}.json`), { force: true });
        await rm(join(this.dir, `${id}.json.tmp`), { force: true });
      }
      else await this.#writeFile(entry);
    } catch (err) {
      this.#onError(err as Error, id);
    } finally {
      this.#inFlight.delete(id);
      this.#workers--;
      for (const w of waiting) w();
      this.#pump();
      if (this.#workers === 0) for (const s of this.#settled.splice(0)) s();
    }
  }

  async #writeFile(entry: JournalEntry, again = true): Promise<void> {
    // A failed mkdir is not kept: the next write tries again.
    this.#dirMade ??= mkdir(this.dir, { recursive: true, mode: 0o700 }).catch((err: unknown) => { this.#dirMade = null; throw err; });
    await this.#dirMade;
    const path = join(this.dir, `${entry.recordingId}.json`);
    const tmp = `${path}.tmp`;
    let fh;
    try {
      fh = await open(tmp, 'w', 0o600);
    } catch (err) {
      // Someone removed the directory (an operator cleaning run/): make it again, once.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || !again) throw err;
      this.#dirMade = null;
      return this.#writeFile(entry, false);
    }
    try {
      await fh.writeFile(JSON.stringify(entry));
    } finally {
      await fh.close();
    }
    // Unlink, then rename onto the free name, rather than rename over the old
    // file: ext4's auto_da_alloc starts writeback of a file renamed over
    // another, and that waits behind the archiver's fsyncs. Measured with a
    // 3-writer fsync load on this disk: rename-over p50 4.5 / p99 12-42 ms,
    // unlink + rename p50 0.8 / p99 1.9-2.4 ms (docs/decisions.md, "The
    // journal never renames over a file"). A kill between the two leaves the
    // whole new entry as `.tmp` with no `.json`, which list() reads.
    await unlink(path).catch((err: unknown) => { if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err; });
    await rename(tmp, path);
  }
}
