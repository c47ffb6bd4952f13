//! Statuses, severities and findings: the vocabulary of the report.

use serde::Serialize;

/// The status of a stream, best to worst (`Idle` sorts lowest: nothing happens, nothing is wrong).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Status {
    /// No XADD for longer than the idle threshold and nothing pending or lagging.
    #[serde(rename = "idle")]
    Idle,
    /// Nothing worse than information.
    Healthy,
    /// Something to look at.
    Warning,
    /// Consumption is impaired.
    Degraded,
    /// Messages are being lost or nobody consumes.
    Critical,
}

impl Status {
    /// The word used in tables.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Idle => "idle",
            Self::Healthy => "HEALTHY",
            Self::Warning => "WARNING",
            Self::Degraded => "DEGRADED",
            Self::Critical => "CRITICAL",
        }
    }
}

/// The `--fail-on` threshold.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Trip on CRITICAL only.
    Critical,
    /// Trip on DEGRADED or CRITICAL.
    Degraded,
    /// Trip on WARNING or worse.
    Warning,
}

impl Level {
    /// The lowest status that trips.
    #[must_use]
    pub const fn status(self) -> Status {
        match self {
            Self::Critical => Status::Critical,
            Self::Degraded => Status::Degraded,
            Self::Warning => Status::Warning,
        }
    }
}

/// How bad a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Severity {
    /// Worth knowing, changes no status.
    Info,
    /// Makes the stream WARNING.
    Warning,
    /// Makes the stream DEGRADED.
    Degraded,
    /// Makes the stream CRITICAL.
    Critical,
}

impl Severity {
    /// The word used in lists.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Info => "INFO",
            Self::Warning => "WARNING",
            Self::Degraded => "DEGRADED",
            Self::Critical => "CRITICAL",
        }
    }

    /// The stream status this severity implies.
    #[must_use]
    pub const fn status(self) -> Status {
        match self {
            Self::Info => Status::Healthy,
            Self::Warning => Status::Warning,
            Self::Degraded => Status::Degraded,
            Self::Critical => Status::Critical,
        }
    }
}

/// What kind of problem a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// Messages were trimmed before the group read them (count known).
    LostToTrim,
    /// The cursor is behind the first entry but `entries-read` is null: loss likely, count unknown.
    PossibleTrimLoss,
    /// A group's evaluation over the window (STOP, STALL, REWIND, WARN, unknown).
    GroupStatus,
    /// A dead-letter stream grows or has no consumer.
    DeadLetter,
    /// The stream is written to but has no consumer group.
    NoConsumerGroup,
    /// The stream sits at its MAXLEN/MINID cap.
    AtTrimCap,
    /// A consumer holds pending entries and has been idle past the threshold.
    IdleConsumer,
    /// Pending entries were delivered many times.
    PoisonMessage,
    /// Pending entries point at messages that were already trimmed or deleted.
    DanglingPending,
    /// No XADD for longer than the idle threshold.
    IdleStream,
    /// The key disappeared during the session.
    Vanished,
    /// Reading the stream failed.
    ReadFailed,
}

/// One thing the run found, with the numbers that show it.
#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    /// How bad.
    pub severity: Severity,
    /// What kind.
    pub kind: FindingKind,
    /// Stream key.
    pub stream: String,
    /// Group, when the finding is about one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// One-line statement.
    pub title: String,
    /// The measured values behind it, as `name: value` lines.
    pub evidence: Vec<String>,
}
