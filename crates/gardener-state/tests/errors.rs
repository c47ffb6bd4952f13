//! Opening files that are not (or not yet, or no longer) our state files.

#![allow(clippy::unwrap_used)] // helpers outside #[test] functions

mod common;

use std::error::Error as _;
use std::time::Duration;

use common::{hour_run, pattern};
use gardener_core::Severity;
use gardener_state::{SCHEMA_VERSION, StateError, StateOptions, StateStore};

#[test]
fn open_creates_missing_parent_folders_and_the_schema() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("deep/er/.gardener/state.db");
    let store = StateStore::open(&path).unwrap();
    assert!(path.is_file());
    assert_eq!(store.path(), path);
    assert!(store.runs().unwrap().is_empty());
    let conn = rusqlite::Connection::open(&path).unwrap();
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, SCHEMA_VERSION);
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn a_file_that_is_not_sqlite_is_refused_with_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    std::fs::write(
        &path,
        "this is a plain text file, not a database\n".repeat(200),
    )
    .unwrap();
    let error = StateStore::open(&path).unwrap_err();
    assert!(
        matches!(error, StateError::NotADatabase { .. }),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(
        message.contains(&format!("`{}`", path.display())),
        "{message}"
    );
    assert!(message.contains("hint:"), "{message}");
    // The file is left as it was.
    assert!(
        std::fs::read_to_string(&path)
            .unwrap()
            .starts_with("this is a plain")
    );
}

#[test]
fn a_newer_schema_version_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    drop(StateStore::open(&path).unwrap());
    rusqlite::Connection::open(&path)
        .unwrap()
        .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .unwrap();
    let error = StateStore::open(&path).unwrap_err();
    match &error {
        StateError::NewerSchema {
            found, supported, ..
        } => assert_eq!((*found, *supported), (SCHEMA_VERSION + 1, SCHEMA_VERSION)),
        other => panic!("expected NewerSchema, got {other:?}"),
    }
    assert!(error.to_string().contains("upgrade gardener"));
}

#[test]
fn another_programs_sqlite_database_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.db");
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);")
        .unwrap();
    drop(conn);
    let error = StateStore::open(&path).unwrap_err();
    assert!(
        matches!(&error, StateError::Foreign { table, .. } if table == "users"),
        "{error:?}"
    );
    let conn = rusqlite::Connection::open(&path).unwrap();
    let tables: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_schema WHERE type = 'table'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(tables, 1, "no gardener tables were added");
}

#[test]
fn a_folder_in_place_of_the_file_is_an_open_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let error = StateStore::open(dir.path()).unwrap_err();
    assert!(matches!(error, StateError::Open { .. }), "{error:?}");
    assert_eq!(
        error.to_string(),
        format!("cannot open state file `{}`", dir.path().display())
    );
    assert!(error.source().is_some());
}

#[test]
fn a_writer_that_holds_the_lock_too_long_gives_a_busy_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    let options = StateOptions {
        busy_timeout: Duration::from_millis(200),
        ..StateOptions::default()
    };
    let mut store = StateStore::open_with(&path, options).unwrap();
    let mut other = rusqlite::Connection::open(&path).unwrap();
    let lock = other
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .unwrap();
    let run = hour_run(
        "2024-05-01T11:00:00Z",
        vec![pattern("x <*>", Severity::Error, 1)],
    );
    let error = store.record_run(&run).unwrap_err();
    assert!(matches!(error, StateError::Busy { .. }), "{error:?}");
    assert!(error.to_string().contains("--no-state"));
    drop(lock);
    // Once the lock is released the same store records fine, and nothing half-written remains.
    let changes = store.record_run(&run).unwrap();
    assert_eq!(changes.run.id, 1);
}

#[test]
fn a_version_1_file_is_migrated_to_version_2_keeping_its_runs() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    {
        let mut store = StateStore::open(&path).unwrap();
        store
            .record_run(&hour_run(
                "2024-05-01T12:00:00Z",
                vec![pattern("a <*>", Severity::Error, 3)],
            ))
            .unwrap();
    }
    // Make it a version-1 file: what gardener wrote before the narrative cache existed.
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch("DROP TABLE narrative_cache; PRAGMA user_version = 1;")
            .unwrap();
    }
    let mut store = StateStore::open(&path).unwrap();
    assert_eq!(store.runs().unwrap().len(), 1);
    assert_eq!(store.cached_narrative("k").unwrap(), None);
    store.store_narrative("k", r#"{"summary":"x"}"#).unwrap();
    store.store_narrative("k", r#"{"summary":"y"}"#).unwrap();
    assert_eq!(
        store.cached_narrative("k").unwrap().as_deref(),
        Some(r#"{"summary":"y"}"#)
    );
    drop(store);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 2);
}
