//! Turning samples into verdicts: Burrow's consumer-lag rules per (stream, group), made
//! Redis-specific, and the stream-level findings. Pure functions over samples; no I/O.

use serde::Serialize;

use crate::cli::{Thresholds, format_ms};
use crate::finding::{Finding, FindingKind, Severity, Status};
use crate::id::StreamId;
use crate::sample::{GroupSample, StreamSample};

/// Burrow's partition statuses for one (stream, group) pair, plus `Unknown` for null lag.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum GroupStatus {
    /// Lag could not be determined (null `lag` and the cursor is not at the end).
    Unknown,
    /// Caught up, or caught up at some point in the window, or moving without falling behind.
    Ok,
    /// The cursor moves but lag never decreased over the window.
    Warn,
    /// Lag > allowed and the cursor did not move, while consumers are still active.
    Stall,
    /// Lag > allowed, the cursor did not move and no consumer read for longer than the window.
    Stop,
    /// The cursor or `entries-read` went backwards and did not recover.
    Rewind,
}

impl GroupStatus {
    /// The word used in tables.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Unknown => "unknown",
            Self::Ok => "OK",
            Self::Warn => "WARN",
            Self::Stall => "STALL",
            Self::Stop => "STOP",
            Self::Rewind => "REWIND",
        }
    }

    /// Burrow's group-level word: STOP, STALL and REWIND become ERR.
    #[must_use]
    pub const fn group_level(self) -> &'static str {
        match self {
            Self::Unknown => "unknown",
            Self::Ok => "OK",
            Self::Warn => "WARN",
            Self::Stall | Self::Stop | Self::Rewind => "ERR",
        }
    }

    /// Rank for "worst of", Burrow's order with unknown between OK and WARN.
    #[must_use]
    pub const fn rank(self) -> u8 {
        match self {
            Self::Ok => 0,
            Self::Unknown => 1,
            Self::Warn => 2,
            Self::Stop => 3,
            Self::Stall => 4,
            Self::Rewind => 5,
        }
    }
}

/// The verdict for one (stream, group) pair.
#[derive(Clone, Debug, Serialize)]
pub struct GroupEval {
    /// Status by Burrow's rules.
    pub status: GroupStatus,
    /// Why, in words.
    pub reason: String,
    /// Lag at the final look (`None` = unknown).
    pub lag: Option<u64>,
    /// Age of the oldest undelivered entry (ms), from its id, when ids are time-based.
    pub time_lag_ms: Option<u64>,
    /// Entries trimmed before this group read them, lifetime, when computable.
    pub lost_to_trim: Option<u64>,
    /// Growth of `lost_to_trim` over the session.
    pub lost_in_window: Option<u64>,
    /// Samples where this group was present.
    pub samples: usize,
}

/// Entries removed before the group read them: `(entries-added - length) - entries-read`,
/// clamped at 0 (shared/notes/redis-streams.md 1.7, verified on 7.0.15).
#[must_use]
pub fn lost_to_trim(stream: &StreamSample, group: &GroupSample) -> Option<u64> {
    Some(stream.removed()?.saturating_sub(group.entries_read?))
}

/// Evaluates one (stream, group) pair over its samples (oldest first, at least one).
#[must_use]
pub fn evaluate_group(
    points: &[(&StreamSample, &GroupSample)],
    thresholds: &Thresholds,
) -> GroupEval {
    let Some(&(last_stream, last)) = points.last() else {
        return GroupEval {
            status: GroupStatus::Unknown,
            reason: "no samples".into(),
            lag: None,
            time_lag_ms: None,
            lost_to_trim: None,
            lost_in_window: None,
            samples: 0,
        };
    };
    let (first_stream, first) = points[0];
    let allowed = thresholds.allowed_lag;
    let session = points.len() >= 2;
    let lag = last.known_lag(last_stream);
    let time_lag_ms = if last.cursor_at_end(last_stream) {
        Some(0).filter(|_| last_stream.last_generated_id.is_time_based())
    } else {
        last.next_undelivered_id
            .and_then(|id| id.age_ms(last_stream.time_ms))
    };
    let lost = lost_to_trim(last_stream, last);
    let lost_in_window = if session {
        lost.zip(lost_to_trim(first_stream, first))
            .map(|(b, a)| b.saturating_sub(a))
    } else {
        None
    };
    let eval = |status: GroupStatus, reason: String| GroupEval {
        status,
        reason,
        lag,
        time_lag_ms,
        lost_to_trim: lost,
        lost_in_window,
        samples: points.len(),
    };

    // Burrow rule 1: caught up now.
    let behind = match lag {
        Some(lag) => lag > allowed,
        // Null lag: with allowed-lag 0 the ids still tell us we are behind.
        None if allowed == 0 => true,
        None => {
            return eval(
                GroupStatus::Unknown,
                format!(
                    "lag unknown (null from the server) with the cursor at {}",
                    last.last_delivered_id
                ),
            );
        }
    };
    if !behind {
        return eval(GroupStatus::Ok, format!("caught up (lag {})", fmt_lag(lag)));
    }

    let cursor_moved = points
        .iter()
        .any(|(_, g)| g.last_delivered_id != first.last_delivered_id);
    let caught_up_in_window = points
        .iter()
        .any(|(s, g)| g.known_lag(s).is_some_and(|l| l <= allowed));
    let window_ms = if session {
        last_stream.time_ms.saturating_sub(first_stream.time_ms)
    } else {
        thresholds.stop_after_ms
    };
    let idle = last.min_idle_ms();
    let nobody_read = idle.is_none_or(|idle| idle > window_ms);
    let readers = match idle {
        None => "no consumers".to_owned(),
        Some(idle) => format!("last read {} ago", format_ms(idle)),
    };

    // Rule 2: STOP.
    if !cursor_moved && nobody_read && !caught_up_in_window {
        let span = if session {
            format!("the {} window", format_ms(window_ms))
        } else {
            format_ms(window_ms)
        };
        return eval(
            GroupStatus::Stop,
            format!(
                "lag {} and no reads for longer than {span} ({readers}); cursor at {}",
                fmt_lag(lag),
                last.last_delivered_id
            ),
        );
    }
    if !session {
        // One look cannot show a trend (Burrow needs a window).
        return eval(
            GroupStatus::Ok,
            format!(
                "behind by {} with consumers active ({readers}); one look shows no trend",
                fmt_lag(lag)
            ),
        );
    }
    // Rule 3: REWIND.
    let max_cursor = points
        .iter()
        .map(|(_, g)| g.last_delivered_id)
        .max()
        .unwrap_or(StreamId::ZERO);
    let went_back = points.windows(2).any(|w| {
        w[1].1.last_delivered_id < w[0].1.last_delivered_id
            || matches!((w[0].1.entries_read, w[1].1.entries_read), (Some(a), Some(b)) if b < a)
    });
    if went_back && last.last_delivered_id < max_cursor {
        return eval(
            GroupStatus::Rewind,
            format!(
                "cursor went back from {max_cursor} to {} and did not recover",
                last.last_delivered_id
            ),
        );
    }
    // Rule 4: caught up at some point in the window.
    if caught_up_in_window {
        return eval(
            GroupStatus::Ok,
            format!("lag {} now, but caught up during the window", fmt_lag(lag)),
        );
    }
    // Rule 5: STALL.
    if !cursor_moved {
        return eval(
            GroupStatus::Stall,
            format!(
                "cursor stuck at {} for the {} window while lag is {} ({readers})",
                last.last_delivered_id,
                format_ms(window_ms),
                fmt_lag(lag)
            ),
        );
    }
    // Rule 6: WARN when lag never decreased.
    let lags: Vec<u64> = points.iter().filter_map(|(s, g)| g.known_lag(s)).collect();
    if lags.len() >= 2 && lags.windows(2).all(|w| w[1] >= w[0]) {
        return eval(
            GroupStatus::Warn,
            format!(
                "cursor moves but lag never decreased: {} -> {} over {}",
                lags[0],
                lags[lags.len() - 1],
                format_ms(window_ms)
            ),
        );
    }
    eval(
        GroupStatus::Ok,
        format!("behind by {} but catching up", fmt_lag(lag)),
    )
}

fn fmt_lag(lag: Option<u64>) -> String {
    lag.map_or_else(|| "unknown".into(), |lag| lag.to_string())
}

/// A stream's samples over the run.
#[derive(Clone, Debug, Default)]
pub struct Series {
    /// Stream key.
    pub key: String,
    /// Node address.
    pub node: String,
    /// Looks where the stream existed, oldest first.
    pub samples: Vec<StreamSample>,
    /// True when the stream was gone at the final look although it had been seen.
    pub vanished: bool,
    /// The last per-key read failure, if any.
    pub failure: Option<String>,
}

/// Every verdict about one stream.
#[derive(Clone, Debug)]
pub struct StreamVerdict {
    /// The stream status.
    pub status: Status,
    /// Per group, in server order: name and evaluation.
    pub groups: Vec<(String, GroupEval)>,
    /// Findings about this stream.
    pub findings: Vec<Finding>,
}

/// Evaluates one stream: its groups and the stream-level findings.
#[must_use]
#[allow(clippy::too_many_lines)]
pub fn evaluate_stream(series: &Series, thresholds: &Thresholds) -> StreamVerdict {
    let mut findings = vec![];
    let finding =
        |severity, kind, group: Option<&str>, title: String, evidence: Vec<String>| Finding {
            severity,
            kind,
            stream: series.key.clone(),
            group: group.map(str::to_owned),
            title,
            evidence,
        };
    let (Some(first), Some(last)) = (series.samples.first(), series.samples.last()) else {
        if let Some(failure) = &series.failure {
            findings.push(finding(
                Severity::Degraded,
                FindingKind::ReadFailed,
                None,
                format!("cannot read the stream: {failure}"),
                vec![],
            ));
            return StreamVerdict {
                status: Status::Degraded,
                groups: vec![],
                findings,
            };
        }
        return StreamVerdict {
            status: Status::Healthy,
            groups: vec![],
            findings,
        };
    };
    let session = series.samples.len() >= 2;
    if series.vanished {
        findings.push(finding(
            Severity::Info,
            FindingKind::Vanished,
            None,
            "the key disappeared during the session (deleted or replaced)".into(),
            vec![format!("last seen length: {}", last.length)],
        ));
    }
    if let Some(failure) = &series.failure {
        findings.push(finding(
            Severity::Degraded,
            FindingKind::ReadFailed,
            None,
            format!("reading failed: {failure}"),
            vec![],
        ));
    }

    let added_in_window = first
        .entries_added
        .zip(last.entries_added)
        .map(|(a, b)| b.saturating_sub(a));
    let last_id_age = last.last_generated_id.age_ms(last.time_ms);
    // Written to recently: in a session, XADDs seen (or the last id moved); in a snapshot, the
    // last id is younger than the idle threshold.
    let active = if session {
        added_in_window.map_or(last.last_generated_id != first.last_generated_id, |added| {
            added > 0
        })
    } else {
        last_id_age.is_some_and(|age| age < thresholds.idle_after_ms)
    };
    let idle = if session {
        !active && last_id_age.is_none_or(|age| age >= thresholds.idle_after_ms)
    } else {
        last_id_age.is_some_and(|age| age >= thresholds.idle_after_ms)
    };
    let growth = |label: &str| -> Vec<String> {
        let mut evidence = vec![format!("length: {}", last.length)];
        if let Some(added) = last.entries_added {
            evidence.push(format!("entries-added: {added}"));
        }
        if session {
            evidence.push(format!(
                "added in window: {}",
                added_in_window.map_or("unknown".into(), |a| a.to_string())
            ));
        }
        if let Some(age) = last_id_age {
            evidence.push(format!("{label}: {} ago", format_ms(age)));
        }
        evidence
    };

    // Dead-letter streams.
    let is_dlq = thresholds
        .dlq_patterns
        .iter()
        .find(|glob| glob.matches(&series.key));
    if let Some(glob) = is_dlq {
        let no_group = last.groups.is_empty();
        if active || (no_group && last.length > 0) {
            let title = match (active, no_group) {
                (true, true) => "dead-letter stream grows and has no consumer group",
                (true, false) => "dead-letter stream grows",
                _ => "dead-letter stream holds entries and has no consumer group",
            };
            let mut evidence = growth("last write");
            evidence.push(format!("name matches: `{}`", glob.as_str()));
            findings.push(finding(
                Severity::Degraded,
                FindingKind::DeadLetter,
                None,
                title.into(),
                evidence,
            ));
        }
    } else if last.groups.is_empty() {
        if active {
            findings.push(finding(
                Severity::Warning,
                FindingKind::NoConsumerGroup,
                None,
                "published to but never read: no consumer group".into(),
                growth("last write"),
            ));
        } else if last.length > 0 {
            findings.push(finding(
                Severity::Info,
                FindingKind::NoConsumerGroup,
                None,
                "no consumer group (and no recent writes)".into(),
                growth("last write"),
            ));
        }
    }

    // Trimming.
    let removed = last.removed();
    let removed_in_window = removed
        .zip(first.removed())
        .map(|(b, a)| b.saturating_sub(a));
    let first_id_moved = first.first_entry_id < last.first_entry_id;
    let length_delta = i128::from(last.length) - i128::from(first.length);
    let whole_stream_laggers: Vec<&str> = last
        .groups
        .iter()
        .filter(|g| {
            last.first_entry_id
                .is_some_and(|first_id| g.last_delivered_id < first_id)
        })
        .map(|g| g.name.as_str())
        .collect();
    let at_cap = if session {
        added_in_window.is_some_and(|a| a > 0)
            && removed_in_window.is_some_and(|r| r > 0)
            && first_id_moved
            && length_delta.abs() <= 100
    } else {
        removed.is_some_and(|r| r > 0) && last.only_trimmed()
    };
    if at_cap {
        let mut evidence = vec![format!("length: {}", last.length)];
        if let Some(removed) = removed {
            evidence.push(format!(
                "removed by trimming (entries-added - length): {removed}"
            ));
        }
        if session {
            evidence.push(format!("length change in window: {length_delta:+}"));
            evidence.push(format!("added in window: {}", added_in_window.unwrap_or(0)));
            if let (Some(a), Some(b)) = (first.first_entry_id, last.first_entry_id) {
                evidence.push(format!("first id: {a} -> {b}"));
            }
        }
        let (severity, title) = if whole_stream_laggers.is_empty() {
            (
                Severity::Info,
                "at its trimming cap (MAXLEN/MINID)".to_owned(),
            )
        } else {
            evidence.push(format!(
                "groups behind the first entry: {}",
                whole_stream_laggers.join(", ")
            ));
            (
                Severity::Warning,
                "at its trimming cap while a group lags by the whole stream".to_owned(),
            )
        };
        findings.push(finding(
            severity,
            FindingKind::AtTrimCap,
            None,
            title,
            evidence,
        ));
    }

    // Groups.
    let mut groups = vec![];
    for group in &last.groups {
        let points: Vec<(&StreamSample, &GroupSample)> = series
            .samples
            .iter()
            .filter_map(|s| s.group(&group.name).map(|g| (s, g)))
            .collect();
        let eval = evaluate_group(&points, thresholds);
        let name = Some(group.name.as_str());
        let cursor = format!("cursor: {}", group.last_delivered_id);
        match eval.status {
            GroupStatus::Stop | GroupStatus::Stall | GroupStatus::Rewind | GroupStatus::Warn => {
                let severity = match eval.status {
                    GroupStatus::Stop => Severity::Critical,
                    GroupStatus::Warn => Severity::Warning,
                    _ => Severity::Degraded,
                };
                let mut evidence = vec![
                    format!("lag: {}", fmt_lag(eval.lag)),
                    cursor.clone(),
                    format!("consumers: {}", group.consumers.len()),
                ];
                if let Some(ms) = eval.time_lag_ms {
                    evidence.push(format!("oldest undelivered entry: {} old", format_ms(ms)));
                }
                findings.push(finding(
                    severity,
                    FindingKind::GroupStatus,
                    name,
                    format!(
                        "{} ({}): {}",
                        eval.status.as_str(),
                        eval.status.group_level(),
                        eval.reason
                    ),
                    evidence,
                ));
            }
            GroupStatus::Unknown => findings.push(finding(
                Severity::Info,
                FindingKind::GroupStatus,
                name,
                eval.reason.clone(),
                vec![cursor.clone()],
            )),
            GroupStatus::Ok => {}
        }
        let mut loss_evidence = vec![
            format!(
                "entries-added: {}",
                last.entries_added
                    .map_or("unknown".into(), |a| a.to_string())
            ),
            format!("length: {}", last.length),
            format!(
                "entries-read: {}",
                group
                    .entries_read
                    .map_or("unknown".into(), |a| a.to_string())
            ),
            cursor.clone(),
        ];
        if let Some(first_id) = last.first_entry_id {
            loss_evidence.push(format!("first entry: {first_id}"));
        }
        if !last.only_trimmed() {
            loss_evidence.push(format!(
                "max-deleted-entry-id: {} (XDEL also removed entries; the count includes them)",
                last.max_deleted_entry_id
                    .map_or("unknown".into(), |id| id.to_string())
            ));
        }
        match (eval.lost_to_trim, eval.lost_in_window) {
            (Some(lost), Some(grew)) if grew > 0 => findings.push(finding(
                Severity::Critical,
                FindingKind::LostToTrim,
                name,
                format!("{grew} messages trimmed before this group read them during the window ({lost} over the stream's life)"),
                loss_evidence,
            )),
            (Some(lost), Some(_)) if lost > 0 => findings.push(finding(
                Severity::Degraded,
                FindingKind::LostToTrim,
                name,
                format!("{lost} messages were trimmed before this group read them (none during the window)"),
                loss_evidence,
            )),
            (Some(lost), None) if lost > 0 => findings.push(finding(
                Severity::Critical,
                FindingKind::LostToTrim,
                name,
                format!("{lost} messages trimmed before this group read them"),
                loss_evidence,
            )),
            (None, _)
                if removed.is_some_and(|r| r > 0)
                    && last.first_entry_id.is_some_and(|first_id| group.last_delivered_id < first_id) =>
            {
                findings.push(finding(
                    Severity::Degraded,
                    FindingKind::PossibleTrimLoss,
                    name,
                    "cursor is behind the first entry: messages were likely trimmed unread (count unknown, entries-read is null)".into(),
                    loss_evidence,
                ));
            }
            _ => {}
        }
        for consumer in &group.consumers {
            if consumer.pending > 0 && consumer.idle_ms >= thresholds.consumer_idle_ms {
                findings.push(finding(
                    Severity::Warning,
                    FindingKind::IdleConsumer,
                    name,
                    format!(
                        "consumer `{}` idle for {} with {} pending",
                        consumer.name,
                        format_ms(consumer.idle_ms),
                        consumer.pending
                    ),
                    vec![
                        format!("idle: {}", format_ms(consumer.idle_ms)),
                        format!("pending: {}", consumer.pending),
                        format!("threshold: {}", format_ms(thresholds.consumer_idle_ms)),
                    ],
                ));
            }
        }
        if let Some(scan) = group
            .deliveries
            .as_ref()
            .filter(|scan| scan.poison_count > 0)
        {
            let mut evidence: Vec<String> = scan
                .poison
                .iter()
                .map(|p| {
                    format!(
                        "{} delivered {} times, owner `{}`, idle {}",
                        p.id,
                        p.deliveries,
                        p.consumer,
                        format_ms(p.idle_ms)
                    )
                })
                .collect();
            evidence.push(format!(
                "scanned {} pending entries{}",
                scan.scanned,
                if scan.truncated {
                    " (cap reached; more may exist)"
                } else {
                    ""
                }
            ));
            findings.push(finding(
                Severity::Warning,
                FindingKind::PoisonMessage,
                name,
                format!(
                    "{} pending entries delivered {} times or more (max {})",
                    scan.poison_count, thresholds.poison_deliveries, scan.max_deliveries
                ),
                evidence,
            ));
        }
        if let (Some(min), Some(first_id)) = (group.pending_min_id, last.first_entry_id)
            && min < first_id
        {
            findings.push(finding(
                Severity::Info,
                FindingKind::DanglingPending,
                name,
                "pending entries point at messages that are already trimmed or deleted".into(),
                vec![
                    format!("smallest pending id: {min}"),
                    format!("first entry: {first_id}"),
                ],
            ));
        }
        groups.push((group.name.clone(), eval));
    }

    let worst = findings
        .iter()
        .map(|f| f.severity.status())
        .max()
        .unwrap_or(Status::Healthy);
    let quiet = last.groups.iter().all(|g| g.pending == 0);
    let status = if idle && worst <= Status::Healthy && quiet {
        Status::Idle
    } else {
        worst
    };
    if idle {
        findings.push(finding(
            Severity::Info,
            FindingKind::IdleStream,
            None,
            format!(
                "idle: no XADD {}",
                last_id_age.map_or_else(
                    || "during the window".to_owned(),
                    |age| format!("for {}", format_ms(age))
                )
            ),
            vec![
                format!("last id: {}", last.last_generated_id),
                format!("threshold: {}", format_ms(thresholds.idle_after_ms)),
            ],
        ));
    }
    StreamVerdict {
        status,
        groups,
        findings,
    }
}
