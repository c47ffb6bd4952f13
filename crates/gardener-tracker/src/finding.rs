//! The part of `report.json` the tracker reads. Only the fields used here are deserialised,
//! so a report written by an earlier `gardener analyze` keeps working.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// P0 (most urgent) to P3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Priority {
    /// Act now.
    P0,
    /// Act today.
    P1,
    /// Plan it.
    P2,
    /// Note it.
    P3,
}

impl FromStr for Priority {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().to_ascii_uppercase().as_str() {
            "P0" => Ok(Self::P0),
            "P1" => Ok(Self::P1),
            "P2" => Ok(Self::P2),
            "P3" => Ok(Self::P3),
            _ => Err(format!(
                "unknown priority `{text}` (expected P0, P1, P2 or P3)"
            )),
        }
    }
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            Self::P0 => "P0",
            Self::P1 => "P1",
            Self::P2 => "P2",
            Self::P3 => "P3",
        };
        f.write_str(text)
    }
}

/// The report as the tracker sees it.
#[derive(Debug, Clone, Deserialize)]
pub struct ReportView {
    /// Event time range of the run.
    #[serde(default)]
    pub window: WindowView,
    /// Findings, most events first.
    #[serde(default)]
    pub patterns: Vec<Finding>,
}

/// `window` of the report.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct WindowView {
    /// Earliest event time.
    #[serde(default)]
    pub start: Option<String>,
    /// Latest event time.
    #[serde(default)]
    pub end: Option<String>,
}

/// One sample of a pattern.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SampleView {
    /// Event time.
    #[serde(default)]
    pub timestamp: Option<String>,
    /// The (already redacted once) record.
    #[serde(default)]
    pub record: String,
}

/// `patterns[].score` parts; only the total is read.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ScoreView {
    /// Sum of the parts.
    #[serde(default)]
    pub total: f64,
}

/// One pattern of the report: a finding.
#[derive(Debug, Clone, Deserialize)]
pub struct Finding {
    /// 16 hex digits.
    pub id: String,
    /// Mined template.
    pub template: String,
    /// Events.
    #[serde(default)]
    pub count: u64,
    /// Highest severity.
    #[serde(default)]
    pub severity: String,
    /// Services it occurs in.
    #[serde(default)]
    pub services: Vec<String>,
    /// Earliest event time.
    #[serde(default)]
    pub first_seen: Option<String>,
    /// Latest event time.
    #[serde(default)]
    pub last_seen: Option<String>,
    /// Events per UTC minute.
    #[serde(default)]
    pub per_minute: BTreeMap<String, u64>,
    /// Up to three samples.
    #[serde(default)]
    pub samples: Vec<SampleView>,
    /// Timeline drawn with block characters.
    #[serde(default)]
    pub sparkline: String,
    /// P0..P3.
    #[serde(default = "lowest")]
    pub priority: Priority,
    /// Score parts.
    #[serde(default)]
    pub score: ScoreView,
    /// Playbook category.
    #[serde(default)]
    pub category: String,
    /// Recommended actions.
    #[serde(default)]
    pub actions: Vec<String>,
    /// Labels from the playbook.
    #[serde(default)]
    pub labels: Vec<String>,
    /// `root_cause`, `symptom` or `independent`.
    #[serde(default)]
    pub role: String,
    /// Direct cause(s) of a symptom.
    #[serde(default)]
    pub caused_by: Vec<String>,
    /// Onsets.
    #[serde(default)]
    pub episodes: u32,
    /// Never seen in an earlier run.
    #[serde(default)]
    pub new: bool,
    /// Marked resolved and seen again.
    #[serde(default)]
    pub regressed: bool,
}

fn lowest() -> Priority {
    Priority::P3
}

impl Finding {
    /// Peak events in one minute.
    #[must_use]
    pub fn peak_per_minute(&self) -> u64 {
        self.per_minute.values().copied().max().unwrap_or(0)
    }

    /// Whether the report calls it a symptom of another pattern.
    #[must_use]
    pub fn is_symptom(&self) -> bool {
        self.role == "symptom" && !self.caused_by.is_empty()
    }

    /// A one-line summary of the template: variables become `…`, whitespace folds, at most
    /// `max` characters.
    #[must_use]
    pub fn summary(&self, max: usize) -> String {
        let folded: String = self
            .template
            .replace("<*>", "…")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        if folded.chars().count() <= max {
            return folded;
        }
        let mut out: String = folded.chars().take(max.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}
