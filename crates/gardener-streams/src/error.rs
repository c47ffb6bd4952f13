//! The one error type of this crate.

use std::path::PathBuf;

/// Why `gardener streams` could not produce a report.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StreamsError {
    /// The `--redis` URL does not parse.
    #[error(
        "invalid redis url `{url}`\nhint: use redis://[user:password@]host:port[/db] or rediss:// for TLS"
    )]
    InvalidUrl {
        /// The URL with any password masked.
        url: String,
        /// The client's reason.
        #[source]
        source: redis::RedisError,
    },
    /// TCP/TLS connection failed or timed out.
    #[error(
        "cannot connect to redis at {addr}\nhint: check that the server runs and the host and port are right"
    )]
    Connect {
        /// `host:port`.
        addr: String,
        /// The cause.
        #[source]
        source: redis::RedisError,
    },
    /// The server rejected the credentials or wants some.
    #[error(
        "redis at {addr} refused authentication\nhint: put the user and password in the url: redis://user:password@host:port"
    )]
    Auth {
        /// `host:port`.
        addr: String,
        /// The cause.
        #[source]
        source: redis::RedisError,
    },
    /// The ACL user may not run a command the monitor needs.
    #[error(
        "redis at {addr} denied `{command}` to this user\nhint: the monitor needs read access: `ACL SETUSER <user> +@read +info +time` (and `+cluster|nodes` on a cluster)"
    )]
    Permission {
        /// `host:port`.
        addr: String,
        /// The command that was denied.
        command: String,
        /// The cause.
        #[source]
        source: redis::RedisError,
    },
    /// A command that the whole run depends on failed (not a per-key failure, which is data).
    #[error("`{command}` failed on redis at {addr}")]
    Command {
        /// `host:port`.
        addr: String,
        /// The command.
        command: String,
        /// The cause.
        #[source]
        source: redis::RedisError,
    },
    /// The server answered with something this tool does not understand.
    #[error("unexpected reply to `{command}` from redis at {addr}: {detail}")]
    Reply {
        /// `host:port`.
        addr: String,
        /// The command.
        command: String,
        /// What was wrong.
        detail: String,
    },
    /// An option has a value that cannot work.
    #[error("invalid value for `{option}`: {detail}")]
    InvalidOption {
        /// The flag, for example `--interval`.
        option: &'static str,
        /// What is wrong and what would be right.
        detail: String,
    },
    /// Writing the report failed.
    #[error("cannot write the report to {}", .path.display())]
    WriteFile {
        /// The target file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// Writing to stdout failed.
    #[error("cannot write the report to stdout")]
    Stdout(#[source] std::io::Error),
    /// JSON encoding failed (should not happen: every type is plain data).
    #[error("cannot encode the report as json")]
    Json(#[source] serde_json::Error),
}
