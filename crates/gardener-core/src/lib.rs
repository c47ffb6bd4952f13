//! Shared vocabulary of Log Gardener: the Cloud Logging severity ladder and stable
//! pattern ids. No I/O lives here; every pipeline stage depends on this crate.

#![deny(missing_docs)]

mod pattern_id;
mod severity;

pub use pattern_id::PatternId;
pub use severity::Severity;
