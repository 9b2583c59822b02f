/**
 * What the daemon knows about each recording in progress, on disk
 * (`<storage>/run/active/<id>.json`, 0600), rewritten at start and at each
 * pause change. If the daemon dies mid-call the PBX still finishes the WAV,
 * but the line, purpose, consent and pauses would be lost with the process;
 * with this journal the next start hands such orphans to the archive with
 * their real metadata (recoverOrphans in call-registry.ts) instead of
 * leaving plaintext audio in the PBX's directory forever.
 */
import { mkdirSync, openSync, writeSync, closeSync, renameSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { SpoolMetadata } from './spool-handoff.js';
import { isRecordingId } from './recording-id.js';

export type JournalEntry = Omit<SpoolMetadata, 'endedAt'> & { endedAt: string | null };

export class RecordingJournal {
  readonly dir: string;

  constructor(storageDir: string) {
    this.dir = join(storageDir, 'run', 'active');
  }

  /**
   * Atomic (tmp, rename) but not fsynced: the journal is for a daemon that
   * dies, and the page cache outlives the process. An fsync here blocked the
   * event loop on the call path (the payment answer waited for it) for tens
   * of ms while the archiver wrote, and only helped against a host crash, in
   * which Asterisk's own WAV (never fsynced, 32 KB stdio buffer) is lost too.
   * docs/decisions.md ("No fsync on the call path") has the figures.
   */
  write(entry: JournalEntry): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const path = join(this.dir, `${entry.recordingId}.json`);
    const tmp = `${path}.tmp`;
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, JSON.stringify(entry));
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  }

  remove(recordingId: string): void {
    rmSync(join(this.dir, `${recordingId}.json`), { force: true });
  }

  list(): JournalEntry[] {
    let names: string[];
    try { names = readdirSync(this.dir); } catch { return []; }
    const out: JournalEntry[] = [];
    for (const n of names) {
      if (!n.endsWith('.json') || !isRecordingId(n.slice(0, -5))) continue;
      try { out.push(JSON.parse(readFileSync(join(this.dir, n), 'utf8')) as JournalEntry); } catch { /* a torn tmp never has this name */ }
    }
    return out;
  }
}
