//! Reports of Log Gardener.
//!
//! [`Report`] holds every number a run produces; [`json`], [`markdown`] and [`html`] render
//! it. The renderers compute nothing: the worklog, `report.json` and `report.html` show the
//! same numbers because they read the same struct.

#![deny(missing_docs)]

pub mod html;
pub mod json;
pub mod markdown;
mod model;

pub use model::{
    CascadeReport, ChangesReport, CollectionReport, GoneReport, InputReport, MiningReport,
    OmittedPatterns, OnsetReport, PatternReport, RateChangeReport, Report, SampleReport,
    ServiceReport, TimelineReport, Totals, TriageNotes, UnparsedReport, UnparsedSampleReport,
    Window,
};
