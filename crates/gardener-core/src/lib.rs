//! Shared vocabulary of Log Gardener: the Cloud Logging severity ladder and stable
//! pattern ids, and the retry arithmetic our HTTP clients share. No I/O lives here; every
//! pipeline stage depends on this crate.

#![deny(missing_docs)]

mod pattern_id;
pub mod retry;
mod severity;

pub use pattern_id::PatternId;
pub use severity::Severity;
