//! The wiring of Log Gardener, used by the `gardener` binary and its tests: the analysis
//! [`pipeline`] over the pipeline crates, and the [`triage`] of its report.

pub mod pipeline;
pub mod triage;
