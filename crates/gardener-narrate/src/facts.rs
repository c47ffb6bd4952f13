//! Units of narration and the facts the model is shown.
//!
//! One unit per service that has findings at P0–P2 (the shape of the seed report: per service
//! key issues, immediate actions, context needed, prevention). A unit holds that service's
//! P0–P2 patterns, most urgent first, at most [`MAX_FINDINGS`], and the cascade edges among
//! them. Every string that quotes the logs (templates, samples, service names, actions from
//! user rules) is redacted again here, whatever the report did before.

use std::collections::BTreeSet;

use gardener_core::PatternId;
use gardener_redact::Redactor;
use gardener_report::{PatternReport, Report};
use gardener_triage::{Priority, Role};
use serde::Serialize;

use crate::numbers;

/// Findings per unit sent to the model.
pub const MAX_FINDINGS: usize = 8;
/// Samples per finding sent to the model.
pub const MAX_SAMPLES: usize = 2;
/// Characters kept of a sample or template.
pub const MAX_TEXT: usize = 400;

/// What one unit covers.
#[derive(Clone, Debug, Serialize)]
pub struct Unit {
    /// The service (redacted).
    pub service: String,
    /// Its P0–P2 patterns, most urgent first.
    pub patterns: Vec<UnitPattern>,
    /// The facts sent, as compact JSON.
    #[serde(skip)]
    pub facts_json: String,
    /// The numbers the prose may state.
    #[serde(skip)]
    pub allowed_numbers: BTreeSet<String>,
}

/// A pattern of a unit, with what the fallback text needs.
#[derive(Clone, Debug, Serialize)]
pub struct UnitPattern {
    /// Its id.
    pub id: PatternId,
    /// Its priority.
    pub priority: Priority,
    /// Events in the whole report (the cache bucket uses it).
    pub count: u64,
    /// Events in this service.
    pub count_in_service: u64,
    /// Redacted template.
    pub template: String,
    /// Category.
    pub category: String,
    /// Role.
    pub role: Role,
    /// Playbook actions (redacted).
    pub actions: Vec<String>,
}

#[derive(Serialize)]
struct Facts<'a> {
    service: &'a str,
    window_start: Option<&'a str>,
    window_end: Option<&'a str>,
    findings: Vec<Finding>,
    cascades: Vec<CascadeFact>,
}

#[derive(Serialize)]
struct Finding {
    id: PatternId,
    priority: &'static str,
    severity: String,
    category: String,
    role: &'static str,
    caused_by: Vec<PatternId>,
    template: String,
    events_in_service: u64,
    events_total: u64,
    episodes: u32,
    peak_events_per_minute: u64,
    first_seen: Option<String>,
    last_seen: Option<String>,
    new_since_last_run: bool,
    regressed: bool,
    playbook_actions: Vec<String>,
    samples: Vec<String>,
}

#[derive(Serialize)]
struct CascadeFact {
    from: PatternId,
    to: PatternId,
    episodes: u32,
    consistency_percent: u64,
    median_delay_s: String,
}

/// Keys whose values are pattern ids: their digits are not numbers the prose may state.
const ID_KEYS: [&str; 4] = ["id", "caused_by", "from", "to"];

pub(crate) const fn role_str(role: Role) -> &'static str {
    match role {
        Role::RootCause => "root cause",
        Role::Symptom => "symptom",
        Role::Independent => "independent",
    }
}

fn clip(text: &str) -> String {
    match text.char_indices().nth(MAX_TEXT) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// The units of a report, in order: best priority first, then most events, then name.
#[must_use]
pub fn units(report: &Report, redactor: &Redactor) -> Vec<Unit> {
    let mut services: Vec<&str> = report
        .patterns
        .iter()
        .filter(|p| p.priority <= Priority::P2)
        .flat_map(|p| p.services.iter().map(String::as_str))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let key = |service: &str| {
        let mine: Vec<&PatternReport> = report
            .patterns
            .iter()
            .filter(|p| p.priority <= Priority::P2 && p.services.iter().any(|s| s == service))
            .collect();
        let best = mine.iter().map(|p| p.priority).min();
        let events: u64 = mine
            .iter()
            .map(|p| p.service_counts.get(service).copied().unwrap_or(0))
            .sum();
        (best, std::cmp::Reverse(events))
    };
    services.sort_by_cached_key(|s| (key(s), (*s).to_owned()));
    services
        .into_iter()
        .map(|service| unit(report, service, redactor))
        .collect()
}

fn unit(report: &Report, service: &str, redactor: &Redactor) -> Unit {
    let mut mine: Vec<&PatternReport> = report
        .patterns
        .iter()
        .filter(|p| p.priority <= Priority::P2 && p.services.iter().any(|s| s == service))
        .collect();
    let in_service = |p: &PatternReport| p.service_counts.get(service).copied().unwrap_or(0);
    mine.sort_by_key(|p| (p.priority, std::cmp::Reverse(in_service(p)), p.id));
    mine.truncate(MAX_FINDINGS);
    let red = |text: &str| clip(&redactor.redact(text));
    let findings: Vec<Finding> = mine
        .iter()
        .map(|p| Finding {
            id: p.id,
            priority: p.priority.as_str(),
            severity: p.severity.to_string(),
            category: red(&p.category),
            role: role_str(p.role),
            caused_by: p.caused_by.clone(),
            template: red(&p.template),
            events_in_service: in_service(p),
            events_total: p.count,
            episodes: p.episodes,
            peak_events_per_minute: p.per_minute.values().copied().max().unwrap_or(0),
            first_seen: p.first_seen.clone(),
            last_seen: p.last_seen.clone(),
            new_since_last_run: p.new,
            regressed: p.regressed,
            playbook_actions: p.actions.iter().map(|a| red(a)).collect(),
            samples: p
                .samples
                .iter()
                .take(MAX_SAMPLES)
                .map(|s| red(&s.record))
                .collect(),
        })
        .collect();
    let ids: BTreeSet<PatternId> = mine.iter().map(|p| p.id).collect();
    let cascades = report
        .cascades
        .iter()
        .filter(|c| ids.contains(&c.from) || ids.contains(&c.to))
        .map(|c| CascadeFact {
            from: c.from,
            to: c.to,
            episodes: c.episodes,
            consistency_percent: percent(c.consistency),
            median_delay_s: format!("{:.1}", c.median_delay_s),
        })
        .collect();
    let service_red = redactor.redact(service).into_owned();
    let facts = Facts {
        service: &service_red,
        window_start: report.window.start.as_deref(),
        window_end: report.window.end.as_deref(),
        findings,
        cascades,
    };
    let value = serde_json::to_value(&facts).unwrap_or(serde_json::Value::Null);
    let mut allowed = BTreeSet::new();
    numbers::collect_allowed(&value, &ID_KEYS, &mut allowed);
    let patterns = mine
        .iter()
        .map(|p| UnitPattern {
            id: p.id,
            priority: p.priority,
            count: p.count,
            count_in_service: in_service(p),
            template: red(&p.template),
            category: red(&p.category),
            role: p.role,
            actions: p.actions.iter().map(|a| red(a)).collect(),
        })
        .collect();
    Unit {
        service: service_red,
        patterns,
        facts_json: value.to_string(),
        allowed_numbers: allowed,
    }
}

#[allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "a share in [0, 1], clamped"
)]
fn percent(share: f64) -> u64 {
    (share.clamp(0.0, 1.0) * 100.0).round() as u64
}
