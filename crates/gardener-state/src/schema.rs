//! Opening a state file: pragmas, schema creation and migration.

use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

use rusqlite::{Connection, ErrorCode, OpenFlags, TransactionBehavior};

use crate::error::{StateError, classify};

/// The schema version this build writes (`PRAGMA user_version`). Version 0 is an empty file.
pub(crate) const SCHEMA_VERSION: i64 = 2;

/// The tables of version 1. Ids are `PatternId`s stored as the signed 64-bit integer with the
/// same bits; times are RFC 3339 text in UTC; counts are integers.
const SCHEMA_V1: &str = "
CREATE TABLE runs (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    generated_at  TEXT    NOT NULL,
    window_start  TEXT,
    window_end    TEXT,
    patterns      INTEGER NOT NULL,
    events        INTEGER NOT NULL
);
CREATE TABLE run_inputs (
    run_id    INTEGER NOT NULL,
    position  INTEGER NOT NULL,
    input     TEXT    NOT NULL,
    PRIMARY KEY (run_id, position)
) WITHOUT ROWID;
CREATE TABLE patterns (
    id              INTEGER PRIMARY KEY,
    template        TEXT    NOT NULL,
    severity        TEXT    NOT NULL,
    first_run       INTEGER NOT NULL,
    last_run        INTEGER NOT NULL,
    runs_seen       INTEGER NOT NULL,
    last_count      INTEGER NOT NULL,
    first_seen      TEXT,
    last_seen       TEXT,
    resolved_at     TEXT,
    resolved_by     TEXT CHECK (resolved_by IN ('person', 'tracker_issue')),
    resolved_note   TEXT,
    resolved_issue  INTEGER,
    regressed_at    TEXT,
    regressed_run   INTEGER
);
CREATE TABLE run_patterns (
    run_id      INTEGER NOT NULL,
    pattern_id  INTEGER NOT NULL,
    count       INTEGER NOT NULL,
    first_seen  TEXT,
    last_seen   TEXT,
    PRIMARY KEY (run_id, pattern_id)
) WITHOUT ROWID;
CREATE INDEX run_patterns_by_pattern ON run_patterns (pattern_id, run_id);
CREATE TABLE issues (
    pattern_id  INTEGER PRIMARY KEY,
    number      INTEGER NOT NULL,
    open        INTEGER NOT NULL
);
";

/// Version 2 adds the cache of LLM narratives (issue 8): one row per cache key, the validated
/// prose as JSON. Rows are small and written only under `--narrate`.
const SCHEMA_V2: &str = "
CREATE TABLE narrative_cache (
    key        TEXT PRIMARY KEY,
    json       TEXT NOT NULL,
    stored_at  TEXT NOT NULL
) WITHOUT ROWID;
";

/// The tables we create; any other table in a version-0 file means it is not ours.
const OUR_TABLES: [&str; 7] = [
    "narrative_cache",
    "runs",
    "run_inputs",
    "patterns",
    "run_patterns",
    "issues",
    "sqlite_sequence",
];

/// Opens (creating when missing) the file and brings its schema to [`SCHEMA_VERSION`].
pub(crate) fn open(path: &Path, busy_timeout: Duration) -> Result<Connection, StateError> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|source| StateError::CreateDir {
            path: parent.to_path_buf(),
            source,
        })?;
    }
    let open_error = |source: rusqlite::Error| match source.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) => classify(path, "open", busy_timeout, source),
        _ => StateError::Open {
            path: path.to_path_buf(),
            source,
        },
    };
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let mut conn = Connection::open_with_flags(path, flags).map_err(open_error)?;
    conn.busy_timeout(busy_timeout).map_err(open_error)?;
    enable_wal(&conn, busy_timeout).map_err(|e| classify(path, "open", busy_timeout, e))?;

    // Creation and migration happen under the write lock, so two processes opening a fresh
    // file at once cannot both create the tables.
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(|e| classify(path, "open", busy_timeout, e))?;
    let version: i64 = tx
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .map_err(|e| classify(path, "read", busy_timeout, e))?;
    if version > SCHEMA_VERSION {
        return Err(StateError::NewerSchema {
            path: path.to_path_buf(),
            found: version,
            supported: SCHEMA_VERSION,
        });
    }
    if version == 0 {
        let foreign: Option<String> = {
            let mut stmt = tx
                .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
                .map_err(|e| classify(path, "read", busy_timeout, e))?;
            let names = stmt
                .query_map([], |row| row.get::<_, String>(0))
                .and_then(Iterator::collect::<Result<Vec<_>, _>>)
                .map_err(|e| classify(path, "read", busy_timeout, e))?;
            names
                .into_iter()
                .find(|name| !OUR_TABLES.contains(&name.as_str()))
        };
        if let Some(table) = foreign {
            return Err(StateError::Foreign {
                path: path.to_path_buf(),
                table,
            });
        }
        tx.execute_batch(SCHEMA_V1)
            .map_err(|e| classify(path, "create the schema of", busy_timeout, e))?;
    }
    // Later versions migrate here, one step at a time.
    if version < 2 {
        tx.execute_batch(SCHEMA_V2)
            .map_err(|e| classify(path, "migrate the schema of", busy_timeout, e))?;
    }
    if version < SCHEMA_VERSION {
        tx.pragma_update(None, "user_version", SCHEMA_VERSION)
            .map_err(|e| classify(path, "migrate the schema of", busy_timeout, e))?;
    }
    tx.commit()
        .map_err(|e| classify(path, "create the schema of", busy_timeout, e))?;
    Ok(conn)
}

/// Switches to write-ahead logging: readers do not block the writer, and a crash mid-write
/// leaves the last committed state. Switching needs a moment of exclusive access, which SQLite
/// does not always wait for with the busy handler, so a busy answer is retried until the
/// timeout. A file system without shared memory keeps its rollback journal, which is slower
/// under contention but just as safe.
fn enable_wal(conn: &Connection, busy_timeout: Duration) -> rusqlite::Result<()> {
    let started = Instant::now();
    loop {
        match conn.query_row("PRAGMA journal_mode = WAL", [], |row| {
            row.get::<_, String>(0)
        }) {
            Ok(_) => return Ok(()),
            Err(error)
                if matches!(
                    error.sqlite_error_code(),
                    Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
                ) && started.elapsed() < busy_timeout =>
            {
                thread::sleep(Duration::from_millis(5));
            }
            Err(error) => return Err(error),
        }
    }
}
