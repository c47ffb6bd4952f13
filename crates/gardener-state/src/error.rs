//! The one error type of this crate.

use std::path::{Path, PathBuf};

use rusqlite::ErrorCode;

/// What can go wrong with a state file. Every message names the file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StateError {
    /// The folder that should hold the state file cannot be created.
    #[error("cannot create folder `{}` for the state file", .path.display())]
    CreateDir {
        /// The folder.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// SQLite cannot open or set up the file.
    #[error("cannot open state file `{}`", .path.display())]
    Open {
        /// The state file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: rusqlite::Error,
    },
    /// The file exists but is not an SQLite database.
    #[error(
        "state file `{}` is not an SQLite database\nhint: point `--state` at another file, or \
         move this one away so that a fresh history starts",
        .path.display()
    )]
    NotADatabase {
        /// The state file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: rusqlite::Error,
    },
    /// The file is an SQLite database but was not written by gardener.
    #[error(
        "`{}` is an SQLite database but not a gardener state file (it has a table `{table}` \
         we did not create)\nhint: point `--state` at another file",
        .path.display()
    )]
    Foreign {
        /// The state file.
        path: PathBuf,
        /// A table we do not know.
        table: String,
    },
    /// The file was written by a newer gardener with a schema this one does not know.
    #[error(
        "state file `{}` has schema version {found}, newer than the {supported} this gardener \
         understands\nhint: upgrade gardener, or point `--state` at another file",
        .path.display()
    )]
    NewerSchema {
        /// The state file.
        path: PathBuf,
        /// The `PRAGMA user_version` found in the file.
        found: i64,
        /// The newest version this build knows.
        supported: i64,
    },
    /// Another process held the write lock for longer than the busy timeout.
    #[error(
        "state file `{}` stayed locked by another process for more than {timeout:?}\nhint: \
         another `gardener` may be stuck; or run with `--no-state`",
        .path.display()
    )]
    Busy {
        /// The state file.
        path: PathBuf,
        /// The busy timeout that ran out.
        timeout: std::time::Duration,
        /// The cause.
        #[source]
        source: rusqlite::Error,
    },
    /// A read or write failed.
    #[error("cannot {action} state file `{}`", .path.display())]
    Sql {
        /// The state file.
        path: PathBuf,
        /// What we were doing (`read`, `record a run in`, ...).
        action: &'static str,
        /// The cause.
        #[source]
        source: rusqlite::Error,
    },
    /// The file holds a value this build cannot interpret.
    #[error(
        "state file `{}` holds a value gardener cannot read: {what}\nhint: the file may have been \
         edited by hand; move it away to start a fresh history",
        .path.display()
    )]
    Corrupt {
        /// The state file.
        path: PathBuf,
        /// What was wrong.
        what: String,
    },
}

/// Turns an SQLite error into the variant a user can act on.
pub(crate) fn classify(
    path: &Path,
    action: &'static str,
    busy_timeout: std::time::Duration,
    source: rusqlite::Error,
) -> StateError {
    let path = path.to_path_buf();
    match source.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) => StateError::NotADatabase { path, source },
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StateError::Busy {
            path,
            timeout: busy_timeout,
            source,
        },
        _ => StateError::Sql {
            path,
            action,
            source,
        },
    }
}
