//! Fills the triage fields of a report: cascade roles and edges, categories and actions,
//! priorities, sparklines.

use std::collections::BTreeSet;

use gardener_analyze::minute_of;
use gardener_core::PatternId;
use gardener_core::Severity;
use gardener_report::{CascadeReport, OnsetReport, Report};
use gardener_triage::cascade::{self, CascadeConfig};
use gardener_triage::onset::{Appearance, OnsetConfig};
use gardener_triage::priority::{self, PriorityInput};
use gardener_triage::{ErrorEvent, Playbook, Role};

/// Width of the per-pattern sparkline, in characters.
const SPARKLINE_WIDTH: usize = 30;

/// Runs the triage over a report whose patterns, counts and `changes` are known.
pub fn apply(
    report: &mut Report,
    events: &[ErrorEvent],
    playbook: &Playbook,
    config: &CascadeConfig,
) {
    let weights: Vec<u64> = report.patterns.iter().map(|p| p.count).collect();
    let can_cause: Vec<bool> = report
        .patterns
        .iter()
        .map(|p| p.severity.is_error())
        .collect();
    let result = cascade::analyze(report.patterns.len(), events, &weights, &can_cause, config);
    let ids: Vec<PatternId> = report.patterns.iter().map(|p| p.id).collect();
    let new: BTreeSet<PatternId> = report.changes.new.iter().copied().collect();
    // Novelty needs a baseline: on the first recorded run every pattern is new, and a boost for
    // all is a boost for none.
    let has_baseline = report.changes.previous_run.is_some();
    let regressed: BTreeSet<PatternId> = report.changes.regressed.iter().copied().collect();

    let window = (
        report
            .window
            .start
            .as_deref()
            .and_then(|t| t.parse::<jiff::Timestamp>().ok()),
        report
            .window
            .end
            .as_deref()
            .and_then(|t| t.parse::<jiff::Timestamp>().ok()),
    );
    let symptoms = result.descendant_counts();

    for (index, pattern) in report.patterns.iter_mut().enumerate() {
        pattern.role = result
            .roles
            .get(index)
            .copied()
            .unwrap_or(Role::Independent);
        pattern.caused_by = result
            .caused_by
            .get(index)
            .copied()
            .flatten()
            .and_then(|parent| ids.get(parent as usize).copied())
            .into_iter()
            .collect();
        pattern.episodes = result.onsets.get(index).copied().unwrap_or(0);
        pattern.new = new.contains(&pattern.id);
        pattern.regressed = regressed.contains(&pattern.id);

        let minutes: std::collections::BTreeMap<i64, u64> = pattern
            .per_minute
            .iter()
            .filter_map(|(minute, count)| {
                minute
                    .parse::<jiff::Timestamp>()
                    .ok()
                    .map(|t| (minute_of(t), *count))
            })
            .collect();
        if let (Some(start), Some(end)) = window {
            pattern.sparkline = gardener_triage::sparkline::sparkline(
                &minutes,
                minute_of(start),
                minute_of(end),
                SPARKLINE_WIDTH,
            );
        }
        let peak = minutes.values().copied().max().unwrap_or(0);
        let timed: u64 = minutes.values().sum();
        #[allow(clippy::cast_precision_loss)]
        let mean = if minutes.is_empty() {
            0.0
        } else {
            timed as f64 / minutes.len() as f64
        };

        let hit = playbook.classify(&pattern.template, &pattern.services, pattern.severity);
        let mut score = priority::score(&PriorityInput {
            severity: pattern.severity,
            peak_per_minute: peak,
            mean_per_active_minute: mean,
            new: pattern.new && has_baseline,
            regressed: pattern.regressed,
            role: pattern.role,
            symptoms: symptoms[index],
        });
        if let Some(set) = hit.priority {
            score.priority = set;
        }
        pattern.priority = score.priority;
        pattern.score = score;
        pattern.category = hit.category;
        pattern.actions = hit.actions;
        pattern.labels = hit.labels;
        pattern.rule = hit.source;
    }

    report.root_causes = result
        .root_causes
        .iter()
        .filter_map(|&index| ids.get(index as usize).copied())
        .collect();
    report.cascades = result
        .edges
        .iter()
        .filter_map(|edge| {
            Some(CascadeReport {
                from: *ids.get(edge.from as usize)?,
                to: *ids.get(edge.to as usize)?,
                episodes: edge.episodes,
                consistency: (edge.consistency * 1000.0).round() / 1000.0,
                #[allow(clippy::cast_precision_loss)]
                median_delay_s: (edge.median_delay_ms as f64 / 100.0).round() / 10.0,
            })
        })
        .collect();
    report.onsets = find_onsets(report, window);
}

/// Incident onsets over the report's patterns (see `gardener_triage::onset`).
fn find_onsets(
    report: &Report,
    window: (Option<jiff::Timestamp>, Option<jiff::Timestamp>),
) -> Vec<OnsetReport> {
    let (Some(start), Some(end)) = window else {
        return Vec::new();
    };
    let mut service_ids: std::collections::BTreeMap<&str, u32> = std::collections::BTreeMap::new();
    let appearances: Vec<Appearance> = report
        .patterns
        .iter()
        .map(|p| Appearance {
            first_ms: p
                .first_seen
                .as_deref()
                .and_then(|t| t.parse::<jiff::Timestamp>().ok())
                .map(|t| t.as_millisecond()),
            count: p.count,
            warning_or_worse: p.severity >= Severity::Warning,
            error_or_worse: p.severity.is_error(),
            services: p
                .services
                .iter()
                .map(|s| {
                    let next = u32::try_from(service_ids.len()).unwrap_or(u32::MAX);
                    *service_ids.entry(s.as_str()).or_insert(next)
                })
                .collect(),
        })
        .collect();
    let found = gardener_triage::onset::onsets(
        &appearances,
        (start.as_millisecond(), end.as_millisecond()),
        &OnsetConfig::default(),
    );
    found
        .into_iter()
        .map(|onset| {
            let trigger = &report.patterns[onset.trigger];
            let mut services: Vec<String> = onset
                .followers
                .iter()
                .flat_map(|&i| report.patterns[i].services.iter().cloned())
                .collect();
            services.sort();
            services.dedup();
            OnsetReport {
                trigger: trigger.id,
                first_seen: trigger.first_seen.clone().unwrap_or_default(),
                followers: onset
                    .followers
                    .iter()
                    .map(|&i| report.patterns[i].id)
                    .collect(),
                started: onset
                    .started
                    .iter()
                    .map(|&i| report.patterns[i].id)
                    .collect(),
                services,
                chance: onset.chance,
            }
        })
        .collect()
}
