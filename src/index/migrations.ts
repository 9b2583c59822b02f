/**
 * Versioned schema migrations of the index. Each migration runs in its own
 * transaction and records itself in `schema_migrations`, so a crash leaves
 * the index at the previous version, never between two. Migrations are
 * append-only: never edit one that has shipped, add the next version.
 * docs/spec.md, section "Index", describes the resulting schema.
 */
import type { Database } from 'better-sqlite3';
import { CallvaultError } from '../errors.js';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const GENESIS_HASH = '0'.repeat(64);

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'recordings, audit, holds, tombstones',
    sql: `
      CREATE TABLE recordings (
        id              TEXT PRIMARY KEY,
        pbx             TEXT NOT NULL,
        call_id         TEXT NOT NULL,
        linked_id       TEXT NOT NULL,
        line            TEXT NOT NULL,
        purpose         TEXT NOT NULL CHECK (purpose IN ('quality','training','analysis','contract','regulatory')),
        decision        TEXT NOT NULL,
        consent         TEXT NOT NULL,
        language        TEXT,
        caller_hash     TEXT CHECK (caller_hash IS NULL OR length(caller_hash) = 64),
        agent_hash      TEXT CHECK (agent_hash IS NULL OR length(agent_hash) = 64),
        started_at      TEXT NOT NULL,
        ended_at        TEXT NOT NULL,
        duration_ms     INTEGER NOT NULL CHECK (duration_ms >= 0),
        channels        INTEGER NOT NULL CHECK (channels IN (1, 2)),
        sample_rate     INTEGER NOT NULL,
        bitrate_bps     INTEGER NOT NULL,
        size_bytes      INTEGER NOT NULL CHECK (size_bytes > 0),
        sha256          TEXT NOT NULL CHECK (length(sha256) = 64),
        recipients      TEXT NOT NULL,
        pauses          TEXT NOT NULL,
        retention_until TEXT NOT NULL,
        status          TEXT NOT NULL DEFAULT 'archived' CHECK (status IN ('archived','held','purged')),
        file            TEXT NOT NULL,
        archived_at     TEXT NOT NULL
      ) STRICT;
      CREATE INDEX recordings_started_at ON recordings (started_at);
      CREATE INDEX recordings_line ON recordings (line, started_at);
      CREATE INDEX recordings_purpose ON recordings (purpose, started_at);
      CREATE INDEX recordings_agent_hash ON recordings (agent_hash) WHERE agent_hash IS NOT NULL;
      CREATE INDEX recordings_caller_hash ON recordings (caller_hash) WHERE caller_hash IS NOT NULL;
      CREATE INDEX recordings_status ON recordings (status, retention_until);
      CREATE INDEX recordings_linked_id ON recordings (linked_id);

      CREATE TABLE holds (
        id            INTEGER PRIMARY KEY,
        recording_id  TEXT NOT NULL REFERENCES recordings (id) ON DELETE RESTRICT,
        reason        TEXT NOT NULL,
        placed_by     TEXT NOT NULL,
        placed_at     TEXT NOT NULL,
        released_by   TEXT,
        released_at   TEXT
      ) STRICT;
      CREATE INDEX holds_recording ON holds (recording_id) WHERE released_at IS NULL;

      CREATE TABLE tombstones (
        recording_id  TEXT PRIMARY KEY,
        purged_at     TEXT NOT NULL,
        reason        TEXT NOT NULL,
        sha256        TEXT
      ) STRICT;

      CREATE TABLE audit (
        seq           INTEGER PRIMARY KEY AUTOINCREMENT,
        at            TEXT NOT NULL,
        actor         TEXT NOT NULL,
        action        TEXT NOT NULL,
        recording_id  TEXT,
        reason        TEXT,
        details       TEXT NOT NULL,
        prev_hash     TEXT NOT NULL CHECK (length(prev_hash) = 64),
        hash          TEXT NOT NULL CHECK (length(hash) = 64)
      ) STRICT;
      CREATE INDEX audit_recording ON audit (recording_id) WHERE recording_id IS NOT NULL;
      -- Append-only: the chain proves it, these make the honest path the only easy one.
      CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
      CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
      CREATE TRIGGER audit_chain_link BEFORE INSERT ON audit
        WHEN NEW.prev_hash IS NOT COALESCE((SELECT hash FROM audit ORDER BY seq DESC LIMIT 1), '${GENESIS_HASH}')
        BEGIN SELECT RAISE(ABORT, 'audit prev_hash does not link to the last row'); END;
    `,
  },
  {
    version: 2,
    name: 'ops: contract proof, crash-safe purge marker, objections, call decisions',
    // Owned by the ops commands (src/ops, docs/operations.md). purge_started_at
    // marks a purge in progress: file deletion happens between two
    // transactions, so a SIGKILL leaves a marked row that the next purge
    // finishes, never a row pointing at a missing file without a trace.
    sql: `
      ALTER TABLE recordings ADD COLUMN proof_received_at TEXT;
      ALTER TABLE recordings ADD COLUMN purge_started_at TEXT;
      ALTER TABLE recordings ADD COLUMN purge_reason TEXT;
      CREATE INDEX recordings_call_id ON recordings (call_id);
      CREATE INDEX recordings_agent_started ON recordings (agent_hash, started_at) WHERE agent_hash IS NOT NULL;
      CREATE INDEX recordings_purging ON recordings (purge_started_at) WHERE purge_started_at IS NOT NULL;
      CREATE INDEX recordings_proof ON recordings (proof_received_at) WHERE proof_received_at IS NOT NULL;

      -- Remembered objections: keyed hashes (KeyedHasher 'objection') only, each with its expiry.
      CREATE TABLE objections (
        caller_hash  TEXT PRIMARY KEY CHECK (length(caller_hash) = 64),
        created_at   TEXT NOT NULL,
        expires_at   TEXT NOT NULL
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX objections_expires ON objections (expires_at);

      -- Calls offered per local day, line and decision: the denominator of the achieved sampling rate.
      CREATE TABLE call_decisions (
        day       TEXT NOT NULL,
        line      TEXT NOT NULL,
        decision  TEXT NOT NULL,
        reason    TEXT NOT NULL,
        count     INTEGER NOT NULL CHECK (count >= 0),
        PRIMARY KEY (day, line, decision, reason)
      ) STRICT, WITHOUT ROWID;
    `,
  },
  {
    version: 3,
    name: 'agents: team column, every agent heard on a recording',
    // Owned by the agent step (issue 8, docs/spec.md "Index"). The team is a
    // team name, not a person, so it is kept in clear; agents stay keyed
    // hashes. recording_agents goes with its recording (purge deletes the row).
    sql: `
      ALTER TABLE recordings ADD COLUMN team TEXT;
      CREATE INDEX recordings_team_started ON recordings (team, started_at) WHERE team IS NOT NULL;

      CREATE TABLE recording_agents (
        recording_id  TEXT NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,
        ord           INTEGER NOT NULL CHECK (ord >= 0),
        agent_hash    TEXT NOT NULL CHECK (length(agent_hash) = 64),
        team          TEXT,
        offset_ms     INTEGER NOT NULL CHECK (offset_ms >= 0),
        PRIMARY KEY (recording_id, ord)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX recording_agents_agent ON recording_agents (agent_hash);
      CREATE INDEX recording_agents_team ON recording_agents (team) WHERE team IS NOT NULL;
    `,
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/** The version the database is at (0 for a new file). */
export function currentVersion(db: Database): number {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL) STRICT`);
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null };
  return row.v ?? 0;
}

/**
 * Brings the database to `target` (default: the latest). Refuses a database
 * newer than this code (CV_ERR_INDEX_NEWER) rather than guess at its shape.
 * Returns the versions applied.
 */
export function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS, now: () => Date = () => new Date()): number[] {
  const latest = migrations.length === 0 ? 0 : migrations[migrations.length - 1]!.version;
  const from = currentVersion(db);
  if (from > latest) throw new CallvaultError('CV_ERR_INDEX_NEWER', [from, latest]);
  const applied: number[] = [];
  for (const m of migrations) {
    if (m.version <= from) continue;
    const run = db.transaction(() => {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, now().toISOString());
    });
    try {
      run.immediate();
    } catch (cause) {
      throw new CallvaultError('CV_ERR_INDEX_MIGRATION', [`${m.version} (${m.name})`], { cause });
    }
    applied.push(m.version);
  }
  return applied;
}
