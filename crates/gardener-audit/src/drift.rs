//! The drift registry: one entry per mismatch, with a stable id, where it was found, what was
//! expected and what was found instead.

use std::fmt;

use gardener_core::Severity;
use serde::Serialize;

/// The kinds of drift the audit finds. `docs/audit.md` describes each.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DriftKind {
    /// Read in code, documented in no `.env.*` file or docs table.
    EnvUndocumented,
    /// Documented, but no code or deployment file reads it.
    EnvUnused,
    /// The code's fallback value differs from the documented one.
    EnvDefaultMismatch,
    /// Code publishes to the stream; no scanned code reads it.
    StreamPublishedNotRead,
    /// Code reads the stream; no scanned code publishes to it.
    StreamReadNotPublished,
    /// Published under one name and read under a near-identical other one.
    StreamNameMismatch,
    /// One consumer group spelled two ways for the same stream.
    GroupNameMismatch,
    /// Code names the stream; it does not exist at runtime.
    StreamMissingAtRuntime,
    /// Code reads the stream with a group that does not exist at runtime.
    GroupMissingAtRuntime,
    /// At runtime the stream has entries but no consumer group.
    StreamUnreadAtRuntime,
    /// At runtime the stream has consumer groups but never received an entry.
    StreamNeverPublishedAtRuntime,
    /// Two compose services publish the same host port.
    PortPublishedCollision,
    /// Several compose services map the same container port.
    PortInternalShared,
    /// A health check or probe talks to a port the service does not listen on.
    HealthcheckPortMismatch,
}

impl DriftKind {
    /// The kebab-case name used in ids, JSON and markdown.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::EnvUndocumented => "env-undocumented",
            Self::EnvUnused => "env-unused",
            Self::EnvDefaultMismatch => "env-default-mismatch",
            Self::StreamPublishedNotRead => "stream-published-not-read",
            Self::StreamReadNotPublished => "stream-read-not-published",
            Self::StreamNameMismatch => "stream-name-mismatch",
            Self::GroupNameMismatch => "group-name-mismatch",
            Self::StreamMissingAtRuntime => "stream-missing-at-runtime",
            Self::GroupMissingAtRuntime => "group-missing-at-runtime",
            Self::StreamUnreadAtRuntime => "stream-unread-at-runtime",
            Self::StreamNeverPublishedAtRuntime => "stream-never-published-at-runtime",
            Self::PortPublishedCollision => "port-published-collision",
            Self::PortInternalShared => "port-internal-shared",
            Self::HealthcheckPortMismatch => "healthcheck-port-mismatch",
        }
    }

    /// The severity every drift of this kind gets.
    #[must_use]
    pub const fn severity(self) -> Severity {
        match self {
            Self::StreamNameMismatch
            | Self::GroupNameMismatch
            | Self::StreamMissingAtRuntime
            | Self::GroupMissingAtRuntime
            | Self::PortPublishedCollision => Severity::Error,
            Self::EnvUndocumented
            | Self::EnvDefaultMismatch
            | Self::StreamPublishedNotRead
            | Self::StreamReadNotPublished
            | Self::StreamUnreadAtRuntime
            | Self::StreamNeverPublishedAtRuntime
            | Self::HealthcheckPortMismatch => Severity::Warning,
            Self::EnvUnused => Severity::Notice,
            Self::PortInternalShared => Severity::Info,
        }
    }
}

impl fmt::Display for DriftKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A place in the scanned tree: a path relative to the audited directory (with `/`) and a
/// 1-based line; line 0 for runtime-only findings (`file` is then `redis:<key>`).
/// Serialised as the `file:line` string.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location {
    /// Relative path.
    pub file: String,
    /// 1-based line, 0 when the finding has no line.
    pub line: u32,
}

impl Serialize for Location {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            f.write_str(&self.file)
        } else {
            write!(f, "{}:{}", self.file, self.line)
        }
    }
}

/// One registry entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Drift {
    /// Stable id: `<type>:<subject>`, the same in every run for the same finding.
    pub id: String,
    /// What kind of drift this is.
    #[serde(rename = "type")]
    pub kind: DriftKind,
    /// The variable, stream, group or port concerned.
    pub subject: String,
    /// Where it was found (`file:line`).
    #[serde(rename = "where")]
    pub location: Location,
    /// What the other side says it should be.
    pub expected: String,
    /// What was found.
    pub actual: String,
    /// How bad it is.
    pub severity: Severity,
}

impl Drift {
    /// A drift with the kind's severity and an id from kind and subject.
    #[must_use]
    pub fn new(
        kind: DriftKind,
        subject: impl Into<String>,
        location: Location,
        expected: impl Into<String>,
        actual: impl Into<String>,
    ) -> Self {
        let subject = subject.into();
        Self {
            id: format!("{kind}:{subject}"),
            kind,
            subject,
            location,
            expected: expected.into(),
            actual: actual.into(),
            severity: kind.severity(),
        }
    }
}

/// Sorts worst first, then by kind, place and subject, and makes ids unique (`#2`, `#3`).
pub fn finish(drifts: &mut Vec<Drift>) {
    drifts.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(a.kind.cmp(&b.kind))
            .then_with(|| a.location.cmp(&b.location))
            .then_with(|| a.subject.cmp(&b.subject))
    });
    drifts.dedup();
    let mut seen = std::collections::HashMap::<String, u32>::new();
    for drift in drifts.iter_mut() {
        let count = seen.entry(drift.id.clone()).or_insert(0);
        *count += 1;
        if *count > 1 {
            drift.id = format!("{}#{count}", drift.id);
        }
    }
}
