use std::collections::BTreeMap;

use gardener_core::{PatternId, Severity};
use gardener_triage::{Priority, Role, Score};
use serde::Serialize;

/// Everything one run found. Field names follow `docs/report-schema.md`.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// Schema name and version: `gardener.report/1`.
    pub schema: &'static str,
    /// When the report was made (RFC 3339). `SOURCE_DATE_EPOCH` fixes it for reproducible runs.
    pub generated_at: String,
    /// The inputs read, in the order they were read.
    pub inputs: Vec<InputReport>,
    /// Earliest and latest event time.
    pub window: Window,
    /// The accounting of every input record.
    pub totals: Totals,
    /// Unparsed records: per reason and samples.
    pub unparsed: UnparsedReport,
    /// Events per service, most first.
    pub services: Vec<ServiceReport>,
    /// Events per severity, every level of the ladder present.
    pub severities: BTreeMap<Severity, u64>,
    /// Patterns, most severe and most frequent first.
    pub patterns: Vec<PatternReport>,
    /// The error timeline.
    pub timeline: TimelineReport,
    /// Root causes (pattern ids), most consequential first.
    pub root_causes: Vec<PatternId>,
    /// Direct cause → effect edges.
    pub cascades: Vec<CascadeReport>,
    /// Failures that happened once and were followed at once by new errors elsewhere.
    pub onsets: Vec<OnsetReport>,
    /// What changed since the last run (empty without a state file).
    pub changes: ChangesReport,
    /// How the triage was made: thresholds, state file, what was capped.
    pub triage: TriageNotes,
    /// What the miner did, including anything that hit its caps.
    pub mining: MiningReport,
    /// Patterns not listed because the report holds at most 20,000 (the rarest, errors and
    /// warnings kept first). Their events are in every other count.
    pub patterns_omitted: OmittedPatterns,
    /// The tracker sync's outcome, with `analyze --issues` (see `docs/tracker.md`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issues: Option<serde_json::Value>,
    /// The narrative and its cost ledger, with `analyze --narrate` (see `docs/narrate.md`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub narrative: Option<serde_json::Value>,
    /// Worklog sections rendered by the tracker and narrative crates, appended in order.
    #[serde(skip)]
    pub extra_sections: Vec<String>,
    /// What was collected from Cloud Logging, when `analyze` collected first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collection: Option<CollectionReport>,
}

/// What the miner did. Nothing is dropped at a cap: lines past the form cap are mined into
/// one overflow pattern per token count, and a message past the token cap has its tail folded
/// into one `<*>`; both are counted here and named in the worklog.
#[derive(Clone, Debug, Default, Serialize)]
pub struct MiningReport {
    /// Distinct masked message forms seen.
    pub distinct_forms: u64,
    /// Patterns found.
    pub patterns: u64,
    /// Events whose message had more tokens than the cap (tail folded into `<*>`).
    pub lines_token_capped: u64,
    /// Events that arrived after the form cap was reached (mined into an overflow pattern).
    pub lines_form_capped: u64,
}

/// Patterns left out of the list, and their events.
#[derive(Clone, Debug, Default, Serialize)]
pub struct OmittedPatterns {
    /// Patterns not listed.
    pub patterns: u64,
    /// Their events.
    pub events: u64,
}

/// What `analyze --gcp-project` collected.
#[derive(Clone, Debug, Serialize)]
pub struct CollectionReport {
    /// `projects/P` and any other resource names asked.
    pub resource_names: Vec<String>,
    /// The exact Logging filter sent.
    pub filter: String,
    /// The `orderBy` sent.
    pub order_by: String,
    /// Pages read (empty ones included).
    pub pages: u64,
    /// Entries collected.
    pub entries: u64,
    /// Requests retried (quota, server errors).
    pub retries: u32,
    /// Which credentials were used (never the token).
    pub credentials: String,
    /// The NDJSON file the entries were written to.
    pub file: String,
}

/// A direct cause → effect edge of a cascade.
#[derive(Clone, Debug, Serialize)]
pub struct CascadeReport {
    /// The cause.
    pub from: PatternId,
    /// The effect.
    pub to: PatternId,
    /// Episodes (onsets of the effect) that the cause preceded.
    pub episodes: u32,
    /// Share of the effect's episodes that the cause preceded.
    pub consistency: f64,
    /// Median delay from the cause's onset to the effect's, in seconds.
    pub median_delay_s: f64,
}

/// An incident onset: a trigger pattern and the patterns first seen right after it.
#[derive(Clone, Debug, Serialize)]
pub struct OnsetReport {
    /// The pattern that appeared first (severity ERROR or above).
    pub trigger: PatternId,
    /// When it was first seen.
    pub first_seen: String,
    /// Patterns first seen within the span after it, in order of appearance.
    pub followers: Vec<PatternId>,
    /// Those followers that started there: absent before far longer than their rate explains.
    pub started: Vec<PatternId>,
    /// Services of the followers.
    pub services: Vec<String>,
    /// The chance of so many starts in the span if starts were spread evenly over the window.
    pub chance: f64,
}

/// What changed since the previous run recorded in the state file.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ChangesReport {
    /// The previous run's generation time, when there was one.
    pub previous_run: Option<String>,
    /// Patterns never seen in an earlier run.
    pub new: Vec<PatternId>,
    /// Patterns of the previous run that did not occur now.
    pub gone: Vec<GoneReport>,
    /// Patterns whose rate changed significantly.
    pub changed: Vec<RateChangeReport>,
    /// Patterns marked resolved that occurred again.
    pub regressed: Vec<PatternId>,
    /// Patterns seen in an earlier run, absent from the previous one, back now (not resolved).
    pub returned: Vec<PatternId>,
}

/// A pattern that went away.
#[derive(Clone, Debug, Serialize)]
pub struct GoneReport {
    /// Its id.
    pub id: PatternId,
    /// Its template.
    pub template: String,
    /// Its events in the previous run.
    pub previous_count: u64,
}

/// A significant change of rate.
#[derive(Clone, Debug, Serialize)]
pub struct RateChangeReport {
    /// The pattern.
    pub id: PatternId,
    /// Events per hour in the previous run.
    pub before_per_hour: f64,
    /// Events per hour now.
    pub now_per_hour: f64,
    /// now / before.
    pub ratio: f64,
    /// The Poisson z-score of the change.
    pub z: f64,
}

/// How the triage was made.
#[derive(Clone, Debug, Default, Serialize)]
pub struct TriageNotes {
    /// The state file used, if any.
    pub state_file: Option<String>,
    /// The rule file used, if any.
    pub rules_file: Option<String>,
    /// Events of severity WARNING and above that the cascade analysis saw.
    pub cascade_events: u64,
    /// Such events left out because the cap was reached.
    pub cascade_events_capped: u64,
}

/// One input.
#[derive(Clone, Debug, Serialize)]
pub struct InputReport {
    /// Its name (`-` for stdin).
    pub name: String,
    /// The detected or forced format.
    pub format: String,
    /// `none`, `gzip` or `zstd`.
    pub compression: String,
    /// Records read from it.
    pub records: u64,
    /// A read error that stopped it early, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Earliest and latest event time, RFC 3339 UTC; null when no event had a time.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Window {
    /// Earliest.
    pub start: Option<String>,
    /// Latest.
    pub end: Option<String>,
}

/// The accounting identity: `lines_read = events + multiline_merged + unparsed`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Totals {
    /// Records read (lines; elements of a JSON array).
    pub lines_read: u64,
    /// Events mined.
    pub events: u64,
    /// Lines joined into multi-line events.
    pub multiline_merged: u64,
    /// Records that could not be decoded.
    pub unparsed: u64,
}

/// Unparsed records.
#[derive(Clone, Debug, Default, Serialize)]
pub struct UnparsedReport {
    /// Count per reason.
    pub by_reason: BTreeMap<String, u64>,
    /// The first few of each input.
    pub samples: Vec<UnparsedSampleReport>,
}

/// One unparsed record.
#[derive(Clone, Debug, Serialize)]
pub struct UnparsedSampleReport {
    /// `input:line`.
    pub position: String,
    /// Why.
    pub reason: String,
    /// Its first bytes.
    pub sample: String,
}

/// One service.
#[derive(Clone, Debug, Serialize)]
pub struct ServiceReport {
    /// Its name (`(unknown)` when the records named none).
    pub name: String,
    /// Events.
    pub count: u64,
    /// Events of severity ERROR and above.
    pub errors: u64,
    /// Events of severity WARNING.
    pub warnings: u64,
    /// Its patterns by count, most first: `(pattern id, count)`; at most five.
    pub top_patterns: Vec<(PatternId, u64)>,
}

/// One pattern.
#[derive(Clone, Debug, Serialize)]
pub struct PatternReport {
    /// Stable id: hash of the template.
    pub id: PatternId,
    /// The template; variables are `<*>`.
    pub template: String,
    /// Events.
    pub count: u64,
    /// The highest severity among its events.
    pub severity: Severity,
    /// Events per severity.
    pub severities: BTreeMap<Severity, u64>,
    /// Services it occurs in, by name.
    pub services: Vec<String>,
    /// Events per service.
    pub service_counts: BTreeMap<String, u64>,
    /// Earliest event time.
    pub first_seen: Option<String>,
    /// Latest event time.
    pub last_seen: Option<String>,
    /// Events per UTC minute (`YYYY-MM-DDTHH:MM:00Z`), minutes without events left out.
    pub per_minute: BTreeMap<String, u64>,
    /// Up to three redacted samples.
    pub samples: Vec<SampleReport>,
    /// Events per minute over the window as a sparkline (`▁▂▃▅▇`, a space for none).
    pub sparkline: String,
    /// Its priority.
    pub priority: Priority,
    /// How the priority was scored.
    pub score: Score,
    /// Its category from the playbook.
    pub category: String,
    /// Recommended actions.
    pub actions: Vec<String>,
    /// Labels for a tracker issue.
    pub labels: Vec<String>,
    /// The playbook rule that matched: `built-in` or `FILE:LINE`.
    pub rule: String,
    /// Its role in the failure story.
    pub role: Role,
    /// Its direct cause (at most one id).
    pub caused_by: Vec<PatternId>,
    /// Episodes (onsets) the cascade analysis counted.
    pub episodes: u32,
    /// New since the last run.
    pub new: bool,
    /// Marked resolved and seen again.
    pub regressed: bool,
}

/// One sample.
#[derive(Clone, Debug, Serialize)]
pub struct SampleReport {
    /// `input:line`.
    pub position: String,
    /// Its time.
    pub timestamp: Option<String>,
    /// The record (compact JSON or text), redacted.
    pub record: String,
}

/// The error timeline over severity ERROR and above, per UTC minute.
#[derive(Clone, Debug, Default, Serialize)]
pub struct TimelineReport {
    /// First minute with an error.
    pub first_error_minute: Option<String>,
    /// Earliest minute with the most errors.
    pub peak_minute: Option<String>,
    /// Errors in the peak minute.
    pub peak_errors_per_minute: u64,
    /// Errors in the last minute of the window ("rate now").
    pub last_minute_errors: u64,
    /// All errors with a time.
    pub error_events: u64,
    /// Errors per minute, minutes without errors left out.
    pub errors_per_minute: BTreeMap<String, u64>,
}
