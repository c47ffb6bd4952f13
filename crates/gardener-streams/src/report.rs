//! The report: one structure, rendered as a markdown health map or as JSON.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use crate::cli::format_ms;
use crate::evaluate::{GroupEval, GroupStatus, Series, StreamVerdict};
use crate::finding::{Finding, Status};
use crate::id::StreamId;
use crate::sample::StreamSample;

/// Version of the JSON layout.
pub const SCHEMA: &str = "gardener.streams/1";

/// Everything the run measured and decided.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// [`SCHEMA`].
    pub schema: &'static str,
    /// What was looked at.
    pub server: ServerInfo,
    /// `snapshot` or `session`.
    pub mode: &'static str,
    /// Server time of the first and last look and the number of looks.
    pub window: Window,
    /// Worst stream status (`HEALTHY` when there are no streams).
    pub status: Status,
    /// Streams per status.
    pub counts: BTreeMap<&'static str, usize>,
    /// Per stream, sorted by key.
    pub streams: Vec<StreamReport>,
    /// Consumer groups across streams (Burrow's group level).
    pub groups: Vec<GroupSummary>,
    /// Every finding, worst first.
    pub findings: Vec<Finding>,
    /// Limits of what could be measured (old server, truncated discovery).
    pub notes: Vec<String>,
}

/// The server.
#[derive(Clone, Debug, Serialize)]
pub struct ServerInfo {
    /// The url with the password masked.
    pub url: String,
    /// `redis_version`.
    pub version: Option<String>,
    /// Cluster mode.
    pub cluster: bool,
    /// Primaries scanned.
    pub nodes: Vec<String>,
}

/// The time span of the run.
#[derive(Clone, Debug, Serialize)]
pub struct Window {
    /// Server time of the baseline (ms).
    pub start_ms: u64,
    /// Server time of the final look (ms).
    pub end_ms: u64,
    /// Number of looks.
    pub samples: usize,
}

/// One stream in the report.
#[derive(Clone, Debug, Serialize)]
pub struct StreamReport {
    /// Key.
    pub key: String,
    /// Node address.
    pub node: String,
    /// Status.
    pub status: Status,
    /// Counters at the baseline (session mode).
    pub baseline: Option<Counters>,
    /// Counters at the final look.
    #[serde(rename = "final")]
    pub last: Option<Counters>,
    /// Changes from baseline to final (session mode).
    pub delta: Option<Delta>,
    /// Groups.
    pub groups: Vec<GroupReport>,
    /// True when the key disappeared during the session.
    pub vanished: bool,
}

/// Stream counters at one look.
#[derive(Clone, Debug, Serialize)]
pub struct Counters {
    /// Server time (ms).
    pub time_ms: u64,
    /// Length.
    pub length: u64,
    /// `entries-added` (null before 7.0).
    pub entries_added: Option<u64>,
    /// Removed entries (`entries-added - length`).
    pub removed: Option<u64>,
    /// `last-generated-id`.
    pub last_id: StreamId,
    /// First entry id.
    pub first_id: Option<StreamId>,
    /// `max-deleted-entry-id`.
    pub max_deleted_entry_id: Option<StreamId>,
}

/// Baseline-to-final changes.
#[derive(Clone, Debug, Serialize)]
pub struct Delta {
    /// Change in length.
    pub length: i64,
    /// Entries added in the window (null before 7.0).
    pub entries_added: Option<u64>,
    /// Entries removed in the window.
    pub removed: Option<u64>,
    /// True when `last-generated-id` moved.
    pub last_id_moved: bool,
    /// Window length (ms).
    pub elapsed_ms: u64,
}

/// One group of a stream.
#[derive(Clone, Debug, Serialize)]
pub struct GroupReport {
    /// Name.
    pub name: String,
    /// Consumers at the final look.
    pub consumers: usize,
    /// Pending entries.
    pub pending: u64,
    /// `entries-read` (null = unknown).
    pub entries_read: Option<u64>,
    /// Cursor.
    pub last_delivered_id: StreamId,
    /// The evaluation.
    #[serde(flatten)]
    pub eval: GroupEval,
    /// Consumers in detail.
    pub consumer_list: Vec<crate::sample::ConsumerSample>,
    /// Highest delivery count seen in the bounded XPENDING scan.
    pub max_deliveries: Option<u64>,
}

/// A consumer group across all the streams it reads (Burrow's group status).
#[derive(Clone, Debug, Serialize)]
pub struct GroupSummary {
    /// Group name.
    pub name: String,
    /// OK, WARN, ERR or unknown: the worst of its streams, STOP/STALL/REWIND as ERR.
    pub status: &'static str,
    /// Per stream status.
    pub streams: Vec<(String, GroupStatus)>,
    /// Sum of known lags.
    pub total_lag: u64,
}

fn counters(sample: &StreamSample) -> Counters {
    Counters {
        time_ms: sample.time_ms,
        length: sample.length,
        entries_added: sample.entries_added,
        removed: sample.removed(),
        last_id: sample.last_generated_id,
        first_id: sample.first_entry_id,
        max_deleted_entry_id: sample.max_deleted_entry_id,
    }
}

/// Builds the report from the series and their verdicts (same order).
#[must_use]
pub fn build(
    server: ServerInfo,
    window: Window,
    series: &[Series],
    verdicts: Vec<StreamVerdict>,
    notes: Vec<String>,
) -> Report {
    let mut streams = vec![];
    let mut findings = vec![];
    let mut by_group: BTreeMap<String, Vec<(String, GroupStatus, Option<u64>)>> = BTreeMap::new();
    for (series, verdict) in series.iter().zip(verdicts) {
        let first = series.samples.first();
        let last = series.samples.last();
        let session = series.samples.len() >= 2;
        let delta = match (first, last) {
            (Some(a), Some(b)) if session => Some(Delta {
                length: i64::try_from(i128::from(b.length) - i128::from(a.length))
                    .unwrap_or(i64::MAX),
                entries_added: a
                    .entries_added
                    .zip(b.entries_added)
                    .map(|(a, b)| b.saturating_sub(a)),
                removed: a
                    .removed()
                    .zip(b.removed())
                    .map(|(a, b)| b.saturating_sub(a)),
                last_id_moved: a.last_generated_id != b.last_generated_id,
                elapsed_ms: b.time_ms.saturating_sub(a.time_ms),
            }),
            _ => None,
        };
        let groups = verdict
            .groups
            .into_iter()
            .filter_map(|(name, eval)| {
                let sample = last?.group(&name)?;
                by_group.entry(name.clone()).or_default().push((
                    series.key.clone(),
                    eval.status,
                    eval.lag,
                ));
                Some(GroupReport {
                    name,
                    consumers: sample.consumers.len(),
                    pending: sample.pending,
                    entries_read: sample.entries_read,
                    last_delivered_id: sample.last_delivered_id,
                    eval,
                    consumer_list: sample.consumers.clone(),
                    max_deliveries: sample.deliveries.as_ref().map(|d| d.max_deliveries),
                })
            })
            .collect();
        findings.extend(verdict.findings);
        streams.push(StreamReport {
            key: series.key.clone(),
            node: series.node.clone(),
            status: verdict.status,
            baseline: if session { first.map(counters) } else { None },
            last: last.map(counters),
            delta,
            groups,
            vanished: series.vanished,
        });
    }
    streams.sort_by(|a, b| a.key.cmp(&b.key).then(a.node.cmp(&b.node)));
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.stream.cmp(&b.stream))
            .then_with(|| a.group.cmp(&b.group))
            .then(a.kind.cmp(&b.kind))
    });
    let groups = by_group
        .into_iter()
        .map(|(name, entries)| {
            let worst = entries
                .iter()
                .map(|e| e.1)
                .max_by_key(|s| s.rank())
                .unwrap_or(GroupStatus::Ok);
            GroupSummary {
                name,
                status: worst.group_level(),
                total_lag: entries.iter().filter_map(|e| e.2).sum(),
                streams: entries
                    .into_iter()
                    .map(|(s, status, _)| (s, status))
                    .collect(),
            }
        })
        .collect();
    let mut counts = BTreeMap::new();
    for stream in &streams {
        *counts.entry(stream.status.as_str()).or_insert(0) += 1;
    }
    let status = streams
        .iter()
        .map(|s| s.status)
        .max()
        .unwrap_or(Status::Healthy);
    Report {
        schema: SCHEMA,
        mode: if window.samples >= 2 {
            "session"
        } else {
            "snapshot"
        },
        server,
        window,
        status,
        counts,
        streams,
        groups,
        findings,
        notes,
    }
}

/// Escapes text for a GitHub table cell: pipes, backslashes and line breaks.
fn cell(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace(['\n', '\r'], " ")
}

/// Inline code that survives any backticks in the text.
fn code(text: &str) -> String {
    if text.contains('`') {
        format!("`` {} ``", text.replace('`', "'"))
    } else {
        format!("`{text}`")
    }
}

impl Report {
    /// The markdown health map, groups table and findings.
    #[must_use]
    pub fn to_markdown(&self) -> String {
        let mut out = String::new();
        let session = self.mode == "session";
        let _ = writeln!(out, "# Redis Streams health: {}", self.status.as_str());
        let _ = writeln!(out);
        let version = self.server.version.as_deref().unwrap_or("unknown");
        let _ = write!(out, "Server {} (redis {version}", cell(&self.server.url));
        if self.server.cluster {
            let _ = write!(out, ", cluster of {} primaries", self.server.nodes.len());
        }
        let _ = writeln!(
            out,
            "). Mode: {}.",
            if session {
                format!(
                    "session over {} ({} samples)",
                    format_ms(self.window.end_ms.saturating_sub(self.window.start_ms)),
                    self.window.samples
                )
            } else {
                "snapshot (one look)".to_owned()
            }
        );
        let counts: Vec<String> = self
            .counts
            .iter()
            .map(|(k, v)| format!("{v} {k}"))
            .collect();
        let _ = writeln!(
            out,
            "Streams: {} ({}). Findings: {}.",
            self.streams.len(),
            counts.join(", "),
            self.findings.len()
        );
        let _ = writeln!(out);
        let _ = writeln!(out, "## Health map");
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "| stream | baseline | final | delta | pending | lag | groups (consumers) | status |"
        );
        let _ = writeln!(out, "|---|---:|---:|---|---:|---|---|---|");
        for stream in &self.streams {
            let final_len = stream
                .last
                .as_ref()
                .map_or("-".into(), |c| c.length.to_string());
            let baseline = stream
                .baseline
                .as_ref()
                .map_or("-".into(), |c| c.length.to_string());
            let delta = match &stream.delta {
                Some(d) => format!(
                    "len {:+}, added {}{}",
                    d.length,
                    d.entries_added
                        .map_or("unknown".into(), |a| format!("+{a}")),
                    if d.last_id_moved {
                        ""
                    } else {
                        ", last id unchanged"
                    }
                ),
                None if session && stream.vanished => "vanished".into(),
                None => "-".into(),
            };
            let pending: u64 = stream.groups.iter().map(|g| g.pending).sum();
            let lag = lag_cell(&stream.groups);
            let groups = if stream.groups.is_empty() {
                "none".to_owned()
            } else {
                stream
                    .groups
                    .iter()
                    .map(|g| {
                        format!(
                            "{} ({}) {}",
                            code(&g.name),
                            g.consumers,
                            g.eval.status.as_str()
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let _ = writeln!(
                out,
                "| {} | {baseline} | {final_len} | {} | {pending} | {} | {} | {} |",
                cell(&code(&stream.key)),
                cell(&delta),
                cell(&lag),
                cell(&groups),
                stream.status.as_str()
            );
        }
        if !self.groups.is_empty() {
            let _ = writeln!(out);
            let _ = writeln!(out, "## Consumer groups");
            let _ = writeln!(out);
            let _ = writeln!(out, "| group | status | total lag | per stream |");
            let _ = writeln!(out, "|---|---|---:|---|");
            for group in &self.groups {
                let per: Vec<String> = group
                    .streams
                    .iter()
                    .map(|(s, st)| format!("{} {}", code(s), st.as_str()))
                    .collect();
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} |",
                    cell(&code(&group.name)),
                    group.status,
                    group.total_lag,
                    cell(&per.join(", "))
                );
            }
        }
        let _ = writeln!(out);
        let _ = writeln!(out, "## Findings");
        let _ = writeln!(out);
        if self.findings.is_empty() {
            let _ = writeln!(out, "None.");
        }
        for finding in &self.findings {
            let group = finding
                .group
                .as_ref()
                .map_or(String::new(), |g| format!(" group {}", code(g)));
            let _ = writeln!(
                out,
                "- **{}** {}{group}: {}",
                finding.severity.as_str(),
                code(&finding.stream),
                finding.title
            );
            for line in &finding.evidence {
                let _ = writeln!(out, "  - {line}");
            }
        }
        if !self.notes.is_empty() {
            let _ = writeln!(out);
            let _ = writeln!(out, "## Notes");
            let _ = writeln!(out);
            for note in &self.notes {
                let _ = writeln!(out, "- {note}");
            }
        }
        out
    }

    /// Pretty JSON.
    ///
    /// # Errors
    ///
    /// Only if serde_json fails, which plain data does not make it do.
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string_pretty(self)
    }
}

fn lag_cell(groups: &[GroupReport]) -> String {
    if groups.is_empty() {
        return "-".into();
    }
    let known: Vec<&GroupReport> = groups.iter().filter(|g| g.eval.lag.is_some()).collect();
    let unknown = groups.len() - known.len();
    let Some(worst) = known.iter().max_by_key(|g| g.eval.lag) else {
        return "unknown".into();
    };
    let mut text = worst.eval.lag.map_or("unknown".into(), |l| l.to_string());
    if let Some(ms) = worst.eval.time_lag_ms.filter(|ms| *ms > 0) {
        let _ = write!(text, " ({})", format_ms(ms));
    }
    if unknown > 0 {
        let _ = write!(text, ", {unknown} unknown");
    }
    text
}
