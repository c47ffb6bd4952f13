//! The values that go into the store and come out of it.

use gardener_core::{PatternId, Severity};
use jiff::Timestamp;
use serde::Serialize;

/// One run of `gardener analyze`, as handed to [`crate::StateStore::record_run`].
#[derive(Clone, Debug, PartialEq)]
pub struct RunRecord {
    /// When the report was generated.
    pub generated_at: Timestamp,
    /// Timestamp of the earliest event of the input, if any event had one.
    pub window_start: Option<Timestamp>,
    /// Timestamp of the latest event of the input, if any event had one.
    pub window_end: Option<Timestamp>,
    /// The inputs as the user named them (paths, `-`, `gcp:...`).
    pub inputs: Vec<String>,
    /// Every pattern of the run with its count. Records with the same id are merged (counts
    /// added); records with a count of zero are ignored, since a pattern seen zero times was not
    /// seen.
    pub patterns: Vec<PatternRecord>,
}

/// One pattern of a run.
#[derive(Clone, Debug, PartialEq)]
pub struct PatternRecord {
    /// The stable id.
    pub id: PatternId,
    /// The template text.
    pub template: String,
    /// The severity (the highest one, when the caller partitions by severity).
    pub severity: Severity,
    /// How many events of the run matched it.
    pub count: u64,
    /// The earliest event of the pattern in this run.
    pub first_seen: Option<Timestamp>,
    /// The latest event of the pattern in this run.
    pub last_seen: Option<Timestamp>,
}

/// A recorded run, as read back.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RunInfo {
    /// The run's number in this state file: 1, 2, ... in the order runs were recorded, never
    /// reused.
    pub id: u64,
    /// When the report was generated.
    pub generated_at: Timestamp,
    /// The earliest event time of the run.
    pub window_start: Option<Timestamp>,
    /// The latest event time of the run.
    pub window_end: Option<Timestamp>,
    /// The inputs as the user named them.
    pub inputs: Vec<String>,
    /// How many distinct patterns the run had.
    pub patterns: u64,
    /// How many events the patterns counted in total.
    pub events: u64,
}

/// How a pattern came to be resolved.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ResolvedBy {
    /// Someone ran `gardener resolve ID`.
    Person {
        /// What they said about it, if anything.
        note: Option<String>,
    },
    /// Its tracker issue was closed.
    TrackerIssue {
        /// The issue number.
        number: u64,
    },
}

/// What [`crate::StateStore::resolve`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ResolveOutcome {
    /// The pattern was open and is now resolved.
    Resolved,
    /// The pattern was resolved already; nothing changed (the first resolution is kept).
    AlreadyResolved,
    /// No run ever saw this id. Nothing is recorded: an unknown id is far more often a typo than
    /// a pattern someone fixed before it ever showed up.
    Unknown,
}

/// Whether a pattern needs attention.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum PatternStatus {
    /// Not resolved (never, or it came back after being resolved).
    Open,
    /// Resolved; seeing it again is a regression.
    Resolved {
        /// When it was resolved.
        at: Timestamp,
        /// Who or what resolved it.
        by: ResolvedBy,
    },
}

/// Everything the store knows about one pattern.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PatternState {
    /// The id.
    pub id: PatternId,
    /// The template text, as of the last run that saw it.
    pub template: String,
    /// The severity, as of the last run that saw it.
    pub severity: Severity,
    /// Open or resolved.
    pub status: PatternStatus,
    /// The first run that saw it.
    pub first_run: u64,
    /// The last run that saw it.
    pub last_run: u64,
    /// In how many runs it appeared.
    pub runs_seen: u64,
    /// Its count in the last run that saw it.
    pub last_count: u64,
    /// Its earliest event over all runs.
    pub first_seen: Option<Timestamp>,
    /// Its latest event over all runs.
    pub last_seen: Option<Timestamp>,
    /// When it last came back after being resolved (the generation time of that run).
    pub regressed_at: Option<Timestamp>,
    /// Its tracker issue: number and whether it is open.
    pub issue: Option<(u64, bool)>,
}

/// What a run changed against the history, as computed by [`crate::StateStore::record_run`].
///
/// Every list is sorted by pattern id. A pattern appears in at most one of `new`, `returned`
/// and `regressed`; `changed` only holds patterns present in both this and the previous run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Changes {
    /// The run just recorded.
    pub run: RunInfo,
    /// The run recorded just before it; `None` on the first run of a state file.
    pub previous_run: Option<RunInfo>,
    /// Patterns no earlier run ever saw.
    pub new: Vec<PatternId>,
    /// Patterns of the previous run that this run does not have.
    pub gone: Vec<Gone>,
    /// Patterns seen in some earlier run but not in the previous one, and not resolved: they
    /// were gone and are back.
    pub returned: Vec<Returned>,
    /// Patterns whose rate changed significantly against the previous run (see [`RateChange`]).
    pub changed: Vec<RateChange>,
    /// Patterns that were resolved and appear again. Their status is now open again.
    pub regressed: Vec<Regression>,
}

/// A pattern of the previous run missing from this one.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Gone {
    /// The id.
    pub id: PatternId,
    /// Its template (the current run cannot supply it).
    pub template: String,
    /// Its severity.
    pub severity: Severity,
    /// Its count in the previous run.
    pub previous_count: u64,
    /// Its latest event over all runs.
    pub last_seen: Option<Timestamp>,
}

/// A pattern that was gone for at least one run and is back.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Returned {
    /// The id.
    pub id: PatternId,
    /// The last run that saw it before this one.
    pub last_run: u64,
    /// Its count in that run.
    pub last_count: u64,
}

/// The unit rates are compared in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RateBasis {
    /// Both runs have an event-time window: rates are events per hour of the window (at least
    /// one minute).
    PerHour,
    /// At least one run lacks event times: rates are the plain counts of each run.
    PerRun,
}

/// A significant change of a pattern's rate against the previous run.
///
/// Significant means both: the rate at least doubled or at least halved
/// ([`crate::MIN_RATIO`]), and the count is at least [`crate::MIN_Z`] Poisson standard deviations
/// away from what the previous rate predicts for this window:
/// `z = (count − expected) / sqrt(expected + 1)` with `expected = before_per_hour × hours`.
/// The `+ 1` keeps tiny expectations from making single events look significant.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RateChange {
    /// The id.
    pub id: PatternId,
    /// Whether the rates below are per hour or per run.
    pub basis: RateBasis,
    /// The previous run's rate.
    pub before_per_hour: f64,
    /// This run's rate.
    pub now_per_hour: f64,
    /// `now / before`: above 1 is a rise.
    pub ratio: f64,
    /// The Poisson z-score of this run's count; positive is a rise.
    pub z: f64,
    /// The previous run's count.
    pub before_count: u64,
    /// This run's count.
    pub now_count: u64,
}

/// A resolved pattern seen again.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Regression {
    /// The id.
    pub id: PatternId,
    /// Its count in this run.
    pub count: u64,
    /// When it had been resolved.
    pub resolved_at: Timestamp,
    /// Who or what had resolved it.
    pub resolved_by: ResolvedBy,
    /// Its tracker issue, if one is known (to be reopened).
    pub issue: Option<u64>,
}
