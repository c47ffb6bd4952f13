//! The one error type of this crate.

use std::path::PathBuf;

/// Everything that can stop a collection.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GcpError {
    /// The command line does not describe a usable request.
    #[error("{message}")]
    Usage {
        /// What is wrong, with a hint when there is one.
        message: String,
    },
    /// The filter has an obvious mistake; nothing was sent.
    #[error("invalid filter: {reason}\n  filter: {filter}")]
    Filter {
        /// The filter as it would have been sent.
        filter: String,
        /// What is wrong with it.
        reason: String,
    },
    /// No way to get an access token worked.
    #[error(
        "no Google credentials found; tried, in order:\n{}\nhint: pass `--access-token`, set \
         GOOGLE_APPLICATION_CREDENTIALS to a service-account key file, run `gcloud auth \
         application-default login`, or run on Google Cloud with a service account attached",
        .tried.iter().map(|t| format!("  - {t}")).collect::<Vec<_>>().join("\n")
    )]
    NoCredentials {
        /// One line per source tried, with why it did not give a token.
        tried: Vec<String>,
    },
    /// The service-account key file could not be used.
    #[error("cannot use the key file `{}`: {reason}", .path.display())]
    KeyFile {
        /// The key file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The token endpoint refused the signed JWT or answered something unexpected.
    #[error("the token endpoint `{url}` answered {status}: {body}")]
    TokenExchange {
        /// The key file's `token_uri`.
        url: String,
        /// The HTTP status (0 when the request did not get an answer).
        status: u16,
        /// The start of the answer, or the transport error.
        body: String,
    },
    /// `gcloud auth print-access-token` failed.
    #[error("`gcloud auth print-access-token` failed: {reason}")]
    Gcloud {
        /// Its exit status and stderr.
        reason: String,
    },
    /// The API refused the credentials (401) or the permission (403).
    #[error(
        "Cloud Logging answered {status} ({kind}) for {resource_names}: {message}\nhint: {hint}"
    )]
    Denied {
        /// 401 or 403.
        status: u16,
        /// `unauthenticated` or `permission denied`.
        kind: &'static str,
        /// The resource names asked for.
        resource_names: String,
        /// The API's message.
        message: String,
        /// What to do about it.
        hint: &'static str,
    },
    /// The API answered an error that is not worth retrying (400, 404, ...).
    #[error("Cloud Logging answered {status}: {message}")]
    Api {
        /// The HTTP status.
        status: u16,
        /// The API's message (or the start of the body).
        message: String,
    },
    /// Quota or server errors went on for every allowed attempt.
    #[error("gave up after {attempts} attempts: {last}")]
    RetriesExhausted {
        /// How many requests were sent for this page.
        attempts: u32,
        /// The last failure.
        last: String,
    },
    /// An answer was not the JSON `entries:list` documents.
    #[error("cannot decode the answer to page {page}: {source}")]
    Decode {
        /// The 1-based page number.
        page: u64,
        /// The JSON error.
        #[source]
        source: serde_json::Error,
    },
    /// The HTTP client could not be built.
    #[error("cannot build the HTTP client: {0}")]
    Client(#[source] reqwest::Error),
    /// Writing the collected entries failed.
    #[error("cannot write `{}`", .path.display())]
    Write {
        /// The output (`-` for stdout or a caller's writer).
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A collection stopped part-way; what was written is kept and a cursor says where to go on.
    #[error(
        "{}\nhint: the entries collected so far are in `{}`; run the same command with \
         `--resume` to continue from `{}`",
        gardener_core::retry::error_chain(&**.cause), .output.display(), .cursor.display()
    )]
    Interrupted {
        /// Why it stopped (shown in this message, not as a separate cause).
        cause: Box<GcpError>,
        /// The output so far.
        output: PathBuf,
        /// The cursor to resume from.
        cursor: PathBuf,
    },
    /// The resume cursor could not be read, parsed or written.
    #[error("cursor `{}`: {reason}", .path.display())]
    Cursor {
        /// The cursor file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
}

impl GcpError {
    pub(crate) fn usage(message: impl Into<String>) -> Self {
        Self::Usage {
            message: message.into(),
        }
    }
}
