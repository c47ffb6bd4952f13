//! Run history of Log Gardener in an embedded SQLite file (`.gardener/state.db` by default).
//!
//! Every `gardener analyze` run records its patterns and counts with
//! [`StateStore::record_run`], which answers with the [`Changes`] against the history: patterns
//! that are new, gone, back after an absence, whose rate changed significantly, and resolved
//! patterns that appear again (regressions). [`StateStore::resolve`] and
//! [`StateStore::set_issue`] mark patterns resolved, by a person or because their tracker issue
//! was closed.
//!
//! This crate only stores and compares; deciding what to print, which issue to reopen and the
//! `--state`/`--no-state` flags belong to the binary. The file format, the rate rule and the
//! retention are described in `docs/state.md`.
//!
//! ```
//! use gardener_core::{PatternId, Severity};
//! use gardener_state::{PatternRecord, RunRecord, StateStore};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dir = tempfile::tempdir()?;
//! let mut store = StateStore::open(&dir.path().join(".gardener/state.db"))?;
//! let template = "connection to <*> refused";
//! let run = RunRecord {
//!     generated_at: "2024-05-01T12:00:00Z".parse()?,
//!     window_start: Some("2024-05-01T11:00:00Z".parse()?),
//!     window_end: Some("2024-05-01T12:00:00Z".parse()?),
//!     inputs: vec!["app.log".into()],
//!     patterns: vec![PatternRecord {
//!         id: PatternId::of_template(template),
//!         template: template.into(),
//!         severity: Severity::Error,
//!         count: 42,
//!         first_seen: None,
//!         last_seen: None,
//!     }],
//! };
//! let first = store.record_run(&run)?;
//! assert_eq!(first.new, vec![PatternId::of_template(template)]);
//! let second = store.record_run(&run)?;
//! assert!(second.new.is_empty());
//! # Ok(())
//! # }
//! ```

#![deny(missing_docs)]

mod error;
mod model;
mod rate;
mod schema;
mod store;

pub use error::StateError;
pub use model::{
    Changes, Gone, PatternRecord, PatternState, PatternStatus, RateBasis, RateChange, Regression,
    ResolveOutcome, ResolvedBy, Returned, RunInfo, RunRecord,
};
pub use rate::{MIN_RATIO, MIN_Z};
pub use store::{DEFAULT_BUSY_TIMEOUT, DEFAULT_KEEP_RUNS, StateOptions, StateStore};

/// The schema version this build writes into `PRAGMA user_version`.
pub const SCHEMA_VERSION: i64 = schema::SCHEMA_VERSION;
