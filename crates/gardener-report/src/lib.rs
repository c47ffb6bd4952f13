//! Reports of Log Gardener.
//!
//! [`Report`] holds every number a run produces; [`json`] and [`markdown`] render it. The
//! renderers compute nothing: the worklog and `report.json` show the same numbers because
//! they read the same struct.

#![deny(missing_docs)]

pub mod json;
pub mod markdown;
mod model;

pub use model::{
    CascadeReport, ChangesReport, CollectionReport, GoneReport, InputReport, MiningReport,
    OmittedPatterns, PatternReport, RateChangeReport, Report, SampleReport, ServiceReport,
    TimelineReport, Totals, TriageNotes, UnparsedReport, UnparsedSampleReport, Window,
};
