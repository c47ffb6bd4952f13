//! Builders shared by the integration tests.

#![allow(dead_code, clippy::unwrap_used)]

use gardener_core::{PatternId, Severity};
use gardener_state::{PatternRecord, RunRecord};
use jiff::Timestamp;

pub fn ts(text: &str) -> Timestamp {
    text.parse().unwrap()
}

pub fn id(template: &str) -> PatternId {
    PatternId::of_template(template)
}

pub fn pattern(template: &str, severity: Severity, count: u64) -> PatternRecord {
    PatternRecord {
        id: id(template),
        template: template.to_owned(),
        severity,
        count,
        first_seen: None,
        last_seen: None,
    }
}

/// A run over the hour that ends at `end` (RFC 3339), generated at `end`.
pub fn hour_run(end: &str, patterns: Vec<PatternRecord>) -> RunRecord {
    let end = ts(end);
    let start = end - jiff::SignedDuration::from_hours(1);
    RunRecord {
        generated_at: end,
        window_start: Some(start),
        window_end: Some(end),
        inputs: vec!["app.log".to_owned()],
        patterns,
    }
}

/// The ids, sorted, for comparing against `Changes` lists.
pub fn sorted(mut ids: Vec<PatternId>) -> Vec<PatternId> {
    ids.sort();
    ids
}
