//! The audit's error type.

use std::path::PathBuf;

/// Why an audit could not run. Findings are never errors: they are drifts in the report.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuditError {
    /// The directory to audit does not exist or is not a directory.
    #[error("cannot audit `{}`: not a directory\nhint: pass the root of a checkout, e.g. `gardener audit .`", .path.display())]
    NotADirectory {
        /// The path given.
        path: PathBuf,
    },
    /// Walking the tree failed.
    #[error("cannot walk `{}`", .path.display())]
    Walk {
        /// The root being walked.
        path: PathBuf,
        /// The walker's error.
        #[source]
        source: ignore::Error,
    },
    /// A file could not be read.
    #[error("cannot read `{}`", .path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The Redis URL is malformed or the server cannot be reached.
    #[error(
        "cannot connect to redis at `{url}`\nhint: check `--redis` (e.g. `redis://127.0.0.1:6379/0`) and that the server is reachable"
    )]
    RedisConnect {
        /// The URL with any password masked.
        url: String,
        /// The client's error.
        #[source]
        source: redis::RedisError,
    },
    /// A read-only inspection command failed.
    #[error("redis command `{command}` failed at `{url}`")]
    RedisCommand {
        /// The command, e.g. `XINFO GROUPS stream:orders`.
        command: String,
        /// The URL with any password masked.
        url: String,
        /// The client's error.
        #[source]
        source: redis::RedisError,
    },
    /// Writing the report failed.
    #[error("cannot write the audit report")]
    Write {
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}
