//! Exact, mergeable aggregation.
//!
//! [`Summary`] counts events per pattern × service × severity with first and last seen, a
//! per-minute histogram and up to [`MAX_SAMPLES`] samples. Two summaries merge into the summary
//! of the union of their events, whatever the split and order: that is what lets the pipeline
//! aggregate per distinct message while streaming and regroup per pattern at the end, and what
//! lets work spread over threads or machines later. [`Accounting`] tallies what happened to
//! every input record, and [`Timeline`] is the per-minute error view.

#![deny(missing_docs)]

mod accounting;
mod summary;
mod timeline;

pub use accounting::{Accounting, UnparsedSample};
pub use summary::{Group, GroupKey, MAX_SAMPLES, Sample, Summary, sample_rank};
pub use timeline::{Timeline, minute_of, minute_text};
