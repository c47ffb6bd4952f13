//! The one error type of the crate.

use std::path::PathBuf;

/// Why planning or applying failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TrackerError {
    /// A file could not be read.
    #[error("cannot read {}", .path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A file could not be written.
    #[error("cannot write {}", .path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// Writing the plan to the output stream failed.
    #[error("cannot print the plan")]
    Print(#[source] std::io::Error),
    /// `report.json` (or the issues JSON of a `dir:` tracker) is not what was expected.
    #[error("bad JSON in {what}")]
    Json {
        /// Which document.
        what: String,
        /// The cause.
        #[source]
        source: serde_json::Error,
    },
    /// `gardener.toml` could not be parsed.
    #[error("bad {}: {message}", .path.display())]
    Config {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A redaction rule is not a valid regex.
    #[error(transparent)]
    Redact(#[from] gardener_redact::RuleError),
    /// A setting is missing or invalid.
    #[error("{0}")]
    Usage(String),
    /// The HTTP request could not be sent or its answer not read.
    #[error("{method} {url} failed")]
    Http {
        /// HTTP method.
        method: String,
        /// URL without the token.
        url: String,
        /// The cause.
        #[source]
        source: reqwest::Error,
    },
    /// GitHub answered with an error status.
    #[error("{method} {url} answered {status}: {message}")]
    Status {
        /// HTTP method.
        method: String,
        /// URL.
        url: String,
        /// HTTP status code.
        status: u16,
        /// The `message` of the answer, or its first bytes.
        message: String,
    },
    /// Retries ran out.
    #[error("{method} {url} still failing after {attempts} attempts: {last}")]
    GaveUp {
        /// HTTP method.
        method: String,
        /// URL.
        url: String,
        /// Attempts made.
        attempts: u32,
        /// The last failure.
        last: String,
    },
}
