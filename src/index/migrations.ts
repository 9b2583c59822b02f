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

/**
 * Pieces of migration 6's SQL, written once because the triggers and the
 * backfill need the same text. Part of a shipped migration: never edit them,
 * write a new migration instead.
 */
const COUNTED_SQL = "('submitted','released','acknowledged','disputed','rescored','dispute-refused')";

function failedIn(row: string, level: 'critical' | 'fatal'): string {
  return `(SELECT COUNT(*) FROM json_each(${row}.score, '$.questions') q
            WHERE q.value ->> 'sectionId' = s.value ->> 'sectionId'
              AND q.value ->> 'questionId' IN (SELECT f.value FROM json_each(${row}.score, '$.${level}.failed') f))`;
}

/** `from` is '' in a trigger (NEW is the row) and 'FROM quality_evaluations e,' for the backfill. */
function figuresInsert(row: string, from = ''): string {
  const counted = `${row}.score IS NOT NULL AND ${row}.state IN ${COUNTED_SQL}`;
  const froms = from === '' ? 'FROM' : from;
  const table = from === '' ? '' : from.replace(/,$/, '');
  const agent = `(SELECT n FROM quality_agents WHERE agent_hash = ${row}.agent_hash)`;
  // '-6 days' then 'weekday 1' lands on the Monday on or before the day.
  return `INSERT OR IGNORE INTO quality_agents (agent_hash) SELECT ${row}.agent_hash ${table} WHERE ${counted} AND ${row}.agent_hash IS NOT NULL;
        INSERT INTO quality_evaluation_figures (call_started_at, evaluation_id, agent, line, week, percent, critical_failed, fatal_failed)
          SELECT ${row}.call_started_at, ${row}.id, ${agent}, ${row}.line, date(${row}.call_started_at, '-6 days', 'weekday 1'), ${row}.score_percent,
            COALESCE(json_array_length(${row}.score, '$.critical.failed'), 0), COALESCE(json_array_length(${row}.score, '$.fatal.failed'), 0)
          ${table} WHERE ${counted};
        INSERT INTO quality_section_figures (call_started_at, evaluation_id, section_id, agent, line, percent, critical_failed, fatal_failed)
          SELECT ${row}.call_started_at, ${row}.id, s.value ->> 'sectionId', ${agent}, ${row}.line, s.value ->> 'percent',
            ${failedIn(row, 'critical')}, ${failedIn(row, 'fatal')}
          ${froms} json_each(${row}.score, '$.sections') s
          WHERE ${counted} AND s.value ->> 'percent' IS NOT NULL;`;
}

/** The figures of one evaluation go; so does its agent's number once no figure uses it (a keyed hash kept no longer than needed). */
function figuresDelete(row: string): string {
  return `DELETE FROM quality_evaluation_figures WHERE call_started_at = ${row}.call_started_at AND evaluation_id = ${row}.id;
        DELETE FROM quality_section_figures WHERE call_started_at = ${row}.call_started_at AND evaluation_id = ${row}.id;
        DELETE FROM quality_agents WHERE agent_hash = ${row}.agent_hash
          AND NOT EXISTS (SELECT 1 FROM quality_evaluation_figures f WHERE f.agent = quality_agents.n);`;
}

/**
 * Pieces of migration 9's SQL: the week and month roll-ups of migration 6's
 * figure tables, kept by triggers on those tables (which are only ever
 * inserted into and deleted from). Part of a shipped migration: never edit them.
 */
const ROLLUP_GRAINS = [
  // The week's Monday, as migration 6 computed it; the month's first day.
  ['week', (r: string) => `${r}.week`, (r: string) => `date(${r}.call_started_at, '-6 days', 'weekday 1')`],
  ['month', (r: string) => `substr(${r}.call_started_at, 1, 7) || '-01'`, (r: string) => `substr(${r}.call_started_at, 1, 7) || '-01'`],
] as const;

/** `figures` is quality_evaluation_figures; `sections` is quality_section_figures. */
function rollupAdd(kind: 'figures' | 'sections', row: string): string {
  return ROLLUP_GRAINS.map(([grain, ofFigure, ofSection]) => kind === 'figures'
    ? `INSERT INTO quality_figure_rollups (grain, start, agent, line, figures, evaluations, sum, critical_failed, fatal_failed)
          VALUES ('${grain}', ${ofFigure(row)}, COALESCE(${row}.agent, 0), ${row}.line, 1, ${row}.percent IS NOT NULL, COALESCE(${row}.percent, 0), ${row}.critical_failed, ${row}.fatal_failed)
          ON CONFLICT DO UPDATE SET figures = figures + 1, evaluations = evaluations + excluded.evaluations, sum = sum + excluded.sum,
            critical_failed = critical_failed + excluded.critical_failed, fatal_failed = fatal_failed + excluded.fatal_failed;`
    : `INSERT INTO quality_section_rollups (grain, start, agent, line, section_id, evaluations, sum, critical_failed, fatal_failed)
          VALUES ('${grain}', ${ofSection(row)}, COALESCE(${row}.agent, 0), ${row}.line, ${row}.section_id, 1, ${row}.percent, ${row}.critical_failed, ${row}.fatal_failed)
          ON CONFLICT DO UPDATE SET evaluations = evaluations + 1, sum = sum + excluded.sum,
            critical_failed = critical_failed + excluded.critical_failed, fatal_failed = fatal_failed + excluded.fatal_failed;`).join('\n        ');
}

/** The row's share goes; a roll-up row with nothing left behind it goes too. */
function rollupRemove(kind: 'figures' | 'sections', row: string): string {
  return ROLLUP_GRAINS.map(([grain, ofFigure, ofSection]) => {
    if (kind === 'figures') {
      const key = `grain = '${grain}' AND start = ${ofFigure(row)} AND agent = COALESCE(${row}.agent, 0) AND line = ${row}.line`;
      return `UPDATE quality_figure_rollups SET figures = figures - 1, evaluations = evaluations - (${row}.percent IS NOT NULL), sum = sum - COALESCE(${row}.percent, 0),
            critical_failed = critical_failed - ${row}.critical_failed, fatal_failed = fatal_failed - ${row}.fatal_failed WHERE ${key};
        DELETE FROM quality_figure_rollups WHERE ${key} AND figures = 0;`;
    }
    const key = `grain = '${grain}' AND start = ${ofSection(row)} AND agent = COALESCE(${row}.agent, 0) AND line = ${row}.line AND section_id = ${row}.section_id`;
    return `UPDATE quality_section_rollups SET evaluations = evaluations - 1, sum = sum - ${row}.percent,
            critical_failed = critical_failed - ${row}.critical_failed, fatal_failed = fatal_failed - ${row}.fatal_failed WHERE ${key};
        DELETE FROM quality_section_rollups WHERE ${key} AND evaluations = 0;`;
  }).join('\n        ');
}

/** The roll-ups of the figures already there (a backfill, and the tests' check that the triggers kept them right). */
export function rollupRebuildSql(): string {
  return ROLLUP_GRAINS.map(([grain, ofFigure, ofSection]) => `
      INSERT INTO quality_figure_rollups (grain, start, agent, line, figures, evaluations, sum, critical_failed, fatal_failed)
        SELECT '${grain}', ${ofFigure('f')}, COALESCE(f.agent, 0), f.line, COUNT(*), COUNT(f.percent), COALESCE(SUM(f.percent), 0), SUM(f.critical_failed), SUM(f.fatal_failed)
        FROM quality_evaluation_figures f GROUP BY 2, 3, 4;
      INSERT INTO quality_section_rollups (grain, start, agent, line, section_id, evaluations, sum, critical_failed, fatal_failed)
        SELECT '${grain}', ${ofSection('s')}, COALESCE(s.agent, 0), s.line, s.section_id, COUNT(*), SUM(s.percent), SUM(s.critical_failed), SUM(s.fatal_failed)
        FROM quality_section_figures s GROUP BY 2, 3, 4, 5;`).join('');
}

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
  {
    version: 4,
    name: 'console: users, sessions, wrapped keys, grants, notes, login throttle',
    // Owned by the review console (src/console, docs/console.md). Self-contained:
    // it assumes only the tables of versions 1 and 2, so it applies whatever
    // version 3 adds. The server stores no private key in clear: a user's age
    // identity arrives wrapped by the browser (passphrase, passkey), a purpose
    // identity arrives wrapped to the user's recipient. Session ids and CSRF
    // tokens are kept as SHA-256 digests, so a copy of the index opens no session.
    sql: `
      CREATE TABLE console_users (
        username      TEXT PRIMARY KEY CHECK (length(username) BETWEEN 1 AND 64),
        role          TEXT NOT NULL CHECK (role IN ('admin','qa','trainer','supervisor','agent','compliance')),
        teams         TEXT NOT NULL DEFAULT '[]',
        purposes      TEXT NOT NULL DEFAULT '[]',
        agent_hash    TEXT CHECK (agent_hash IS NULL OR length(agent_hash) = 64),
        language      TEXT NOT NULL DEFAULT 'fr' CHECK (language IN ('fr','en')),
        password_hash TEXT,
        state         TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active','disabled')),
        created_at    TEXT NOT NULL,
        updated_at    TEXT NOT NULL
      ) STRICT;

      CREATE TABLE console_sessions (
        id_hash        TEXT PRIMARY KEY CHECK (length(id_hash) = 64),
        username       TEXT REFERENCES console_users (username) ON DELETE CASCADE,
        csrf_token     TEXT NOT NULL,
        created_at     TEXT NOT NULL,
        last_seen_at   TEXT NOT NULL
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX console_sessions_user ON console_sessions (username);
      CREATE INDEX console_sessions_seen ON console_sessions (last_seen_at);

      CREATE TABLE console_user_keys (
        username   TEXT PRIMARY KEY REFERENCES console_users (username) ON DELETE CASCADE,
        recipient  TEXT NOT NULL CHECK (recipient LIKE 'age1%'),
        wrapped    TEXT NOT NULL,
        created_at TEXT NOT NULL
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE console_grants (
        username          TEXT NOT NULL REFERENCES console_users (username) ON DELETE CASCADE,
        purpose           TEXT NOT NULL CHECK (purpose IN ('quality','training','analysis','contract','regulatory')),
        purpose_recipient TEXT NOT NULL CHECK (purpose_recipient LIKE 'age1%'),
        wrapped           TEXT NOT NULL,
        granted_by        TEXT NOT NULL,
        granted_at        TEXT NOT NULL,
        PRIMARY KEY (username, purpose)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE console_notes (
        id            INTEGER PRIMARY KEY,
        recording_id  TEXT NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,
        at_ms         INTEGER NOT NULL CHECK (at_ms >= 0),
        text          TEXT NOT NULL CHECK (length(text) BETWEEN 1 AND 2000),
        author        TEXT NOT NULL,
        created_at    TEXT NOT NULL
      ) STRICT;
      CREATE INDEX console_notes_recording ON console_notes (recording_id, at_ms);

      -- The console's search walks one (line, purpose) pair at a time, newest first (src/console/recording-search.ts).
      CREATE INDEX recordings_line_purpose ON recordings (line, purpose, started_at);

      -- OpenID Connect sign-ins under way: bound to the browser's anonymous session, used once.
      CREATE TABLE console_oidc_pending (
        state          TEXT PRIMARY KEY,
        session_hash   TEXT NOT NULL CHECK (length(session_hash) = 64),
        code_verifier  TEXT NOT NULL,
        nonce          TEXT NOT NULL,
        created_at     TEXT NOT NULL
      ) STRICT, WITHOUT ROWID;

      -- Failed sign-ins per key ('user:<name>' or 'addr:<ip>') in the current window.
      CREATE TABLE console_login_throttle (
        key           TEXT PRIMARY KEY,
        failures      INTEGER NOT NULL CHECK (failures >= 0),
        window_start  TEXT NOT NULL,
        locked_until  TEXT
      ) STRICT, WITHOUT ROWID;
    `,
  },
  {
    version: 5,
    name: 'quality: forms and their versions, evaluations, answers, notes, lifecycle events',
    // Owned by quality evaluations (src/quality, docs/quality.md). Self-contained
    // like version 4: it assumes only version 1's recordings and holds. An
    // evaluation has no foreign key to its recording: the audio usually goes
    // after 6 months and the row with it, the evaluation stays its year
    // (retention_until), so it copies the line, agent hash and call time it is
    // reported by, and the caller's keyed hash (notes may hold the caller's
    // personal data: subject requests must find them). A used form version is
    // immutable, enforced here too.
    sql: `
      CREATE TABLE quality_forms (
        id          TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 64),
        created_by  TEXT NOT NULL,
        created_at  TEXT NOT NULL
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE quality_form_versions (
        form_id        TEXT NOT NULL REFERENCES quality_forms (id) ON DELETE RESTRICT,
        version        INTEGER NOT NULL CHECK (version >= 1),
        body           TEXT NOT NULL,
        digest         TEXT NOT NULL CHECK (length(digest) = 64),
        created_by     TEXT NOT NULL,
        created_at     TEXT NOT NULL,
        first_used_at  TEXT,
        PRIMARY KEY (form_id, version)
      ) STRICT, WITHOUT ROWID;
      CREATE TRIGGER quality_form_versions_frozen BEFORE UPDATE ON quality_form_versions
        WHEN OLD.first_used_at IS NOT NULL AND (NEW.body IS NOT OLD.body OR NEW.digest IS NOT OLD.digest OR NEW.first_used_at IS NOT OLD.first_used_at OR NEW.version IS NOT OLD.version)
        BEGIN SELECT RAISE(ABORT, 'quality form version is in use and immutable: save a new version'); END;
      CREATE TRIGGER quality_form_versions_kept BEFORE DELETE ON quality_form_versions
        WHEN OLD.first_used_at IS NOT NULL
        BEGIN SELECT RAISE(ABORT, 'quality form version is in use and cannot be deleted'); END;

      CREATE TABLE quality_evaluations (
        id               TEXT PRIMARY KEY,
        recording_id     TEXT NOT NULL,
        form_id          TEXT NOT NULL,
        form_version     INTEGER NOT NULL,
        agent_hash       TEXT CHECK (agent_hash IS NULL OR length(agent_hash) = 64),
        caller_hash      TEXT CHECK (caller_hash IS NULL OR length(caller_hash) = 64),
        line             TEXT NOT NULL,
        call_started_at  TEXT NOT NULL,
        evaluator        TEXT NOT NULL,
        state            TEXT NOT NULL CHECK (state IN ('draft','submitted','released','acknowledged','disputed','rescored','dispute-refused','void')),
        state_detail     TEXT NOT NULL,
        score_percent    REAL CHECK (score_percent IS NULL OR (score_percent >= 0 AND score_percent <= 100)),
        outcome          TEXT,
        score            TEXT,
        created_at       TEXT NOT NULL,
        updated_at       TEXT NOT NULL,
        retention_until  TEXT NOT NULL,
        FOREIGN KEY (form_id, form_version) REFERENCES quality_form_versions (form_id, version) ON DELETE RESTRICT
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX quality_evaluations_agent ON quality_evaluations (agent_hash, call_started_at) WHERE agent_hash IS NOT NULL;
      CREATE INDEX quality_evaluations_line ON quality_evaluations (line, call_started_at);
      CREATE INDEX quality_evaluations_recording ON quality_evaluations (recording_id);
      -- A caller's subject request finds the notes about their calls after the audio is gone.
      CREATE INDEX quality_evaluations_caller ON quality_evaluations (caller_hash) WHERE caller_hash IS NOT NULL;
      CREATE INDEX quality_evaluations_retention ON quality_evaluations (retention_until);
      CREATE INDEX quality_evaluations_evaluator ON quality_evaluations (evaluator, state);

      CREATE TABLE quality_answers (
        evaluation_id  TEXT NOT NULL REFERENCES quality_evaluations (id) ON DELETE CASCADE,
        question_id    TEXT NOT NULL,
        value          TEXT NOT NULL,
        comment        TEXT CHECK (comment IS NULL OR length(comment) <= 2000),
        PRIMARY KEY (evaluation_id, question_id)
      ) STRICT, WITHOUT ROWID;

      -- Time-stamped notes the player shows on the waveform; question_id NULL = a note on the whole call.
      CREATE TABLE quality_answer_notes (
        id             INTEGER PRIMARY KEY,
        evaluation_id  TEXT NOT NULL REFERENCES quality_evaluations (id) ON DELETE CASCADE,
        question_id    TEXT,
        at_ms          INTEGER NOT NULL CHECK (at_ms >= 0),
        text           TEXT NOT NULL CHECK (length(text) BETWEEN 1 AND 2000),
        author         TEXT NOT NULL,
        created_at     TEXT NOT NULL
      ) STRICT;
      CREATE INDEX quality_answer_notes_evaluation ON quality_answer_notes (evaluation_id, at_ms);

      -- Each lifecycle step with its comment and, for a rescore, the score it replaced (the audit chain has the same steps).
      CREATE TABLE quality_evaluation_events (
        evaluation_id  TEXT NOT NULL REFERENCES quality_evaluations (id) ON DELETE CASCADE,
        seq            INTEGER NOT NULL CHECK (seq >= 1),
        event          TEXT NOT NULL,
        actor          TEXT NOT NULL,
        at             TEXT NOT NULL,
        detail         TEXT NOT NULL,
        PRIMARY KEY (evaluation_id, seq)
      ) STRICT, WITHOUT ROWID;
    `,
  },
  {
    version: 6,
    name: 'quality: dashboard figures of counted evaluations (totals, section percents, failed critical and fatal counts)',
    // Owned by the quality dashboards (src/index/quality-stats.ts). The score is
    // JSON (sections vary by form), and parsing 200,000 of them per page takes
    // seconds: the figures a dashboard sums are taken out of the JSON once, at
    // write time, by triggers, into two tables holding rows only for the
    // evaluations that count (COUNTED in quality-stats.ts: submitted onwards,
    // never a draft or a void), clustered by call time so that a period is one
    // range scan of the table itself. quality-store.ts is unchanged: whatever
    // writes a score or a state, the triggers follow; a purge deletes both.
    sql: `
      -- A small number for each evaluated agent's keyed hash: grouping 100,000 rows on an integer
      -- is about four times faster than on a 64-character text (bench/quality-dashboard.ts).
      CREATE TABLE quality_agents (
        n           INTEGER PRIMARY KEY,
        agent_hash  TEXT NOT NULL UNIQUE CHECK (length(agent_hash) = 64)
      ) STRICT;

      CREATE TABLE quality_evaluation_figures (
        call_started_at  TEXT NOT NULL,
        evaluation_id    TEXT NOT NULL,
        -- quality_agents.n; NULL for a call with no agent.
        agent            INTEGER,
        line             TEXT NOT NULL,
        -- The Monday (UTC) of the call's week, YYYY-MM-DD: computed once here rather than per row per page.
        week             TEXT NOT NULL,
        -- NULL when not scorable (every answer N/A).
        percent          REAL CHECK (percent IS NULL OR (percent >= 0 AND percent <= 100)),
        critical_failed  INTEGER NOT NULL CHECK (critical_failed >= 0),
        fatal_failed     INTEGER NOT NULL CHECK (fatal_failed >= 0),
        PRIMARY KEY (call_started_at, evaluation_id)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE quality_section_figures (
        call_started_at  TEXT NOT NULL,
        evaluation_id    TEXT NOT NULL,
        section_id       TEXT NOT NULL,
        agent            INTEGER,
        line             TEXT NOT NULL,
        percent          REAL NOT NULL CHECK (percent >= 0 AND percent <= 100),
        critical_failed  INTEGER NOT NULL CHECK (critical_failed >= 0),
        fatal_failed     INTEGER NOT NULL CHECK (fatal_failed >= 0),
        PRIMARY KEY (call_started_at, evaluation_id, section_id)
      ) STRICT, WITHOUT ROWID;
      -- For the clean-up of quality_agents when an agent's last figure goes.
      CREATE INDEX quality_evaluation_figures_agent ON quality_evaluation_figures (agent) WHERE agent IS NOT NULL;

      CREATE TRIGGER quality_figures_insert AFTER INSERT ON quality_evaluations
        BEGIN ${figuresInsert('NEW')} END;
      CREATE TRIGGER quality_figures_update AFTER UPDATE OF score, state ON quality_evaluations
        BEGIN ${figuresDelete('OLD')} ${figuresInsert('NEW')} END;
      CREATE TRIGGER quality_figures_delete AFTER DELETE ON quality_evaluations
        BEGIN ${figuresDelete('OLD')} END;

      -- Evaluations scored before this version.
      ${figuresInsert('e', 'FROM quality_evaluations e,')}
    `,
  },
  {
    version: 7,
    name: 'quality: calibration sessions and each evaluator\'s blind answers',
    // Owned by calibration (src/index/calibration-store.ts, docs/quality.md
    // "Calibration"). A session is several evaluators scoring one call without
    // seeing each other's answers; the lead's answers are the reference. An
    // analysis document like an evaluation: kept a year from its creation,
    // purged with the evaluations unless the recording is held. Entries keep
    // answers without comments: the report compares answers, and free text
    // would bring personal data a subject request would have to reach.
    sql: `
      CREATE TABLE quality_calibrations (
        id               TEXT PRIMARY KEY,
        recording_id     TEXT NOT NULL,
        form_id          TEXT NOT NULL,
        form_version     INTEGER NOT NULL,
        line             TEXT NOT NULL,
        call_started_at  TEXT NOT NULL,
        lead             TEXT NOT NULL,
        state            TEXT NOT NULL CHECK (state IN ('open','closed')),
        created_at       TEXT NOT NULL,
        closed_at        TEXT,
        retention_until  TEXT NOT NULL,
        FOREIGN KEY (form_id, form_version) REFERENCES quality_form_versions (form_id, version) ON DELETE RESTRICT
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX quality_calibrations_recording ON quality_calibrations (recording_id);
      CREATE INDEX quality_calibrations_retention ON quality_calibrations (retention_until);
      CREATE TABLE quality_calibration_entries (
        calibration_id   TEXT NOT NULL REFERENCES quality_calibrations (id) ON DELETE CASCADE,
        evaluator        TEXT NOT NULL,
        answers          TEXT NOT NULL,
        saved_at         TEXT NOT NULL,
        submitted_at     TEXT,
        PRIMARY KEY (calibration_id, evaluator)
      ) STRICT, WITHOUT ROWID;
    `,
  },
  {
    version: 8,
    name: 'training: copies of recordings re-encrypted for training, playlists, assignments, progress',
    // Owned by training (src/index/training-store.ts, docs/quality.md
    // "Training"). A training copy is a recording row of purpose training
    // whose derived_from names the recording it was made from; it keeps the
    // call's line, agent and caller hash (subject requests and holds reach
    // it) and its retention counts from the copy's creation (archived_at).
    // Playlist items go with their copy (ON DELETE CASCADE): a purged copy
    // leaves its playlists. Progress goes with the item or the assignment.
    sql: `
      ALTER TABLE recordings ADD COLUMN derived_from TEXT;
      CREATE INDEX recordings_derived_from ON recordings (derived_from) WHERE derived_from IS NOT NULL;

      CREATE TABLE training_playlists (
        id          TEXT PRIMARY KEY,
        name        TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        trainer     TEXT NOT NULL,
        created_at  TEXT NOT NULL
      ) STRICT, WITHOUT ROWID;
      CREATE TABLE training_playlist_items (
        id            INTEGER PRIMARY KEY,
        playlist_id   TEXT NOT NULL REFERENCES training_playlists (id) ON DELETE CASCADE,
        ord           INTEGER NOT NULL CHECK (ord >= 0),
        recording_id  TEXT NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,
        note          TEXT CHECK (note IS NULL OR length(note) <= 2000),
        added_at      TEXT NOT NULL,
        UNIQUE (playlist_id, ord)
      ) STRICT;
      CREATE INDEX training_playlist_items_recording ON training_playlist_items (recording_id);
      CREATE TABLE training_assignments (
        playlist_id   TEXT NOT NULL REFERENCES training_playlists (id) ON DELETE CASCADE,
        username      TEXT NOT NULL REFERENCES console_users (username) ON DELETE CASCADE,
        assigned_by   TEXT NOT NULL,
        assigned_at   TEXT NOT NULL,
        PRIMARY KEY (playlist_id, username)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX training_assignments_user ON training_assignments (username);
      CREATE TABLE training_progress (
        item_id         INTEGER NOT NULL REFERENCES training_playlist_items (id) ON DELETE CASCADE,
        username        TEXT NOT NULL REFERENCES console_users (username) ON DELETE CASCADE,
        played_seconds  REAL NOT NULL CHECK (played_seconds >= 0),
        completed_at    TEXT,
        updated_at      TEXT NOT NULL,
        PRIMARY KEY (item_id, username)
      ) STRICT, WITHOUT ROWID;
    `,
  },
  {
    version: 9,
    name: 'quality: week and month roll-ups of the dashboard figures',
    // Owned by the quality dashboards (src/index/quality-stats.ts). Grouping one
    // row per evaluation (and per section) made a year's page 840 ms: the
    // sort into groups, not the reading, was the cost. These tables hold the
    // same sums per agent, line (and section) and week or month, kept by
    // triggers on migration 6's figure tables, so a period is its whole months
    // (or weeks) from here plus its edge days from the figure rows. Sums of
    // percents are floating point: a roll-up's sum can differ from a fresh sum
    // in the last bits (about 1e-12 of a percent), never in a count.
    sql: `
      CREATE TABLE quality_figure_rollups (
        grain            TEXT NOT NULL CHECK (grain IN ('week','month')),
        -- YYYY-MM-DD: the week's Monday (UTC) or the month's first day.
        start            TEXT NOT NULL,
        -- quality_agents.n, 0 for a call with no agent (a primary key column cannot be NULL).
        agent            INTEGER NOT NULL,
        line             TEXT NOT NULL,
        -- Figure rows behind this one, scorable or not; the row goes at 0.
        figures          INTEGER NOT NULL CHECK (figures >= 0),
        -- Of which with a percent.
        evaluations      INTEGER NOT NULL CHECK (evaluations >= 0),
        sum              REAL NOT NULL,
        critical_failed  INTEGER NOT NULL CHECK (critical_failed >= 0),
        fatal_failed     INTEGER NOT NULL CHECK (fatal_failed >= 0),
        PRIMARY KEY (grain, start, agent, line)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE quality_section_rollups (
        grain            TEXT NOT NULL CHECK (grain IN ('week','month')),
        start            TEXT NOT NULL,
        agent            INTEGER NOT NULL,
        line             TEXT NOT NULL,
        section_id       TEXT NOT NULL,
        evaluations      INTEGER NOT NULL CHECK (evaluations >= 0),
        sum              REAL NOT NULL,
        critical_failed  INTEGER NOT NULL CHECK (critical_failed >= 0),
        fatal_failed     INTEGER NOT NULL CHECK (fatal_failed >= 0),
        PRIMARY KEY (grain, start, agent, line, section_id)
      ) STRICT, WITHOUT ROWID;

      CREATE TRIGGER quality_rollups_figure_insert AFTER INSERT ON quality_evaluation_figures
        BEGIN ${rollupAdd('figures', 'NEW')} END;
      CREATE TRIGGER quality_rollups_figure_delete AFTER DELETE ON quality_evaluation_figures
        BEGIN ${rollupRemove('figures', 'OLD')} END;
      CREATE TRIGGER quality_rollups_section_insert AFTER INSERT ON quality_section_figures
        BEGIN ${rollupAdd('sections', 'NEW')} END;
      CREATE TRIGGER quality_rollups_section_delete AFTER DELETE ON quality_section_figures
        BEGIN ${rollupRemove('sections', 'OLD')} END;
      -- Migration 6's triggers only insert and delete figure rows; an update would bypass the roll-ups.
      CREATE TRIGGER quality_figures_no_update BEFORE UPDATE ON quality_evaluation_figures
        BEGIN SELECT RAISE(ABORT, 'quality figures are inserted and deleted, never updated (the roll-ups follow them)'); END;
      CREATE TRIGGER quality_section_figures_no_update BEFORE UPDATE ON quality_section_figures
        BEGIN SELECT RAISE(ABORT, 'quality figures are inserted and deleted, never updated (the roll-ups follow them)'); END;

      -- Figures stored before this version.
      ${rollupRebuildSql()}
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
