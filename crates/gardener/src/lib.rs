//! The wiring of Log Gardener, used by the `gardener` binary and its tests: the analysis
//! [`pipeline`] over the pipeline crates.

pub mod pipeline;
