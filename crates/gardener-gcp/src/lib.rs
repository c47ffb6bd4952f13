//! Cloud Logging collection for Log Gardener (`gardener collect gcp`, issue 7).
//!
//! Pages the Cloud Logging API `entries:list` (`POST /v2/entries:list` with `resourceNames`,
//! `filter`, `orderBy`, `pageSize`, `pageToken`) and writes every entry as one NDJSON line, the
//! entry's own JSON with layout whitespace removed, so the file reads like a `gcloud logging
//! read --format=json` export. Paging goes on while `nextPageToken` is present, even after an
//! empty page (the API returns those while a search is still running).
//!
//! - The query is built from flags ([`FilterSpec`], [`WindowSpec`]) and checked for obvious
//!   mistakes before anything is sent ([`validate`]); "now" is injected.
//! - Credentials, in order: `--access-token` / `GOOGLE_OAUTH_ACCESS_TOKEN`, a key file
//!   (`GOOGLE_APPLICATION_CREDENTIALS`; a service account's RS256-signed JWT exchanged at the
//!   key's `token_uri`, or an `authorized_user` refresh token), then `gcloud auth
//!   print-access-token` ([`AuthConfig`]).
//! - 429 / `RESOURCE_EXHAUSTED` and 5xx are retried with jittered exponential backoff that
//!   honours `Retry-After` ([`RetryPolicy`]); 401/403 stop with a hint.
//! - [`cli::run_collect`] adds the output file (gzip for `.gz`), the resumable cursor
//!   `FILE.cursor` and the progress spinner.
//!
//! Analysing the collected file is left to the `gardener` binary.
//!
//! ```no_run
//! use std::fs::File;
//! use gardener_gcp::{CollectConfig, FilterSpec, NoProgress, WindowSpec, collect, parse_duration};
//!
//! let spec = FilterSpec { service: Some("checkout".into()), ..FilterSpec::default() };
//! let window = WindowSpec::Since(parse_duration("1h")?);
//! let config = CollectConfig::new("shop-prod", &spec, &window, jiff::Timestamp::now())?;
//! let mut out = std::io::BufWriter::new(File::create("logs.ndjson")?);
//! let summary = collect(&config, &mut out, &mut NoProgress)?;
//! eprintln!("{} entries, filter: {}", summary.entries, summary.filter);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![deny(missing_docs)]

mod auth;
pub mod cli;
mod client;
mod collect;
mod cursor;
mod error;
mod filter;
mod output;
mod retry;

pub use auth::{
    AuthConfig, JWT_BEARER_GRANT, LOGGING_READ_SCOPE, METADATA_HOST, TokenOrigin,
    well_known_credentials,
};
pub use cli::{CollectGcpArgs, run_collect, run_collect_at};
pub use client::ListRequest;
pub use collect::{
    CollectConfig, CollectSummary, DEFAULT_API_BASE_URL, MAX_PAGE_SIZE, NoProgress, Order,
    PageDone, Progress, StartPoint, collect,
};
pub use cursor::{CURSOR_VERSION, Cursor, cursor_path};
pub use error::GcpError;
pub use filter::{
    Filter, FilterSpec, MAX_FILTER_CHARS, ResourceKind, TimeWindow, WindowSpec, parse_duration,
    parse_timestamp, validate,
};
pub use output::OutputFile;
pub use retry::RetryPolicy;
