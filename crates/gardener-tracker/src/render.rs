//! Titles, issue bodies, comments, the plan file and the worklog section. Everything here
//! is redacted by the caller before it leaves the machine.

use std::fmt::Write as _;

use crate::Outcome;
use crate::finding::{Finding, WindowView};
use crate::plan::{Action, Entry};
use crate::tracker::marker;

const SAMPLE_CHARS: usize = 2000;

/// The title from the configured format.
#[must_use]
pub fn title(format: &str, finding: &Finding) -> String {
    let kind = if finding.regressed {
        "regression"
    } else {
        "new"
    };
    format
        .replace("{kind}", kind)
        .replace("{priority}", &finding.priority.to_string())
        .replace("{summary}", &finding.summary(80))
        .replace("{category}", &finding.category)
        .replace("{service}", &finding.services.join(","))
}

fn or_dash(value: Option<&str>) -> &str {
    value.unwrap_or("-")
}

fn fence(text: &str) -> String {
    text.replace("```", "'''")
}

fn numbers(out: &mut String, finding: &Finding, window: &WindowView) {
    let _ = writeln!(out, "| | |\n|---|---|");
    let _ = writeln!(out, "| Pattern | `{}` |", finding.id);
    let _ = writeln!(
        out,
        "| Priority | {} (score {:.0}) |",
        finding.priority, finding.score.total
    );
    let _ = writeln!(out, "| Severity | {} |", finding.severity);
    let _ = writeln!(out, "| Category | {} |", finding.category);
    let _ = writeln!(out, "| Services | {} |", finding.services.join(", "));
    let _ = writeln!(out, "| Events | {} |", finding.count);
    let _ = writeln!(out, "| Episodes | {} |", finding.episodes);
    let _ = writeln!(
        out,
        "| First seen | {} |",
        or_dash(finding.first_seen.as_deref())
    );
    let _ = writeln!(
        out,
        "| Last seen | {} |",
        or_dash(finding.last_seen.as_deref())
    );
    let _ = writeln!(out, "| Peak per minute | {} |", finding.peak_per_minute());
    let _ = writeln!(
        out,
        "| Window | {} – {} |",
        or_dash(window.start.as_deref()),
        or_dash(window.end.as_deref())
    );
    if !finding.sparkline.trim().is_empty() {
        let _ = writeln!(
            out,
            "\n**Timeline** (events per minute over the window): `{}`",
            finding.sparkline
        );
    }
}

fn symptom_list(out: &mut String, symptoms: &[&Finding]) {
    for symptom in symptoms {
        let _ = writeln!(
            out,
            "- `{}` {} — {} ({} events, last seen {})",
            symptom.id,
            symptom.priority,
            symptom.summary(100),
            symptom.count,
            or_dash(symptom.last_seen.as_deref())
        );
    }
}

/// The body of a new issue: numbers, timeline, template, a sample, the cascade, actions and
/// one marker per pattern it tracks.
#[must_use]
pub fn body(finding: &Finding, symptoms: &[&Finding], window: &WindowView) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "**{}** `{}`: {} events in {} between {} and {}.\n",
        finding.priority,
        finding.summary(100),
        finding.count,
        finding.services.join(", "),
        or_dash(finding.first_seen.as_deref()),
        or_dash(finding.last_seen.as_deref())
    );
    numbers(&mut out, finding, window);
    let _ = writeln!(
        out,
        "\n### Template\n\n```text\n{}\n```",
        fence(&finding.template)
    );
    if let Some(sample) = finding.samples.first() {
        let record: String = sample.record.chars().take(SAMPLE_CHARS).collect();
        let _ = writeln!(
            out,
            "\n### Sample entry ({})\n\n```text\n{}\n```",
            or_dash(sample.timestamp.as_deref()),
            fence(&record)
        );
    }
    if !symptoms.is_empty() {
        let _ = writeln!(
            out,
            "\n### Cascade\n\nRoot cause of {} pattern(s) that follow from it; they are tracked here, not filed apart:\n",
            symptoms.len()
        );
        symptom_list(&mut out, symptoms);
    }
    if !finding.actions.is_empty() {
        let _ = writeln!(out, "\n### Recommended actions\n");
        for action in &finding.actions {
            let _ = writeln!(out, "- [ ] {action}");
        }
    }
    let _ = writeln!(
        out,
        "\n_Filed by Log Gardener (`gardener issues apply`)._\n"
    );
    out.push_str(&markers(finding, symptoms));
    out
}

/// Markers for a finding and its symptoms, one per line.
#[must_use]
pub fn markers(finding: &Finding, symptoms: &[&Finding]) -> String {
    let mut out = String::new();
    for id in std::iter::once(&finding.id).chain(symptoms.iter().map(|s| &s.id)) {
        let _ = writeln!(out, "{}", marker(id));
    }
    out
}

/// The comment of an update or reopen: this window's numbers and the linked symptoms.
#[must_use]
pub fn comment(
    finding: &Finding,
    symptoms: &[&Finding],
    window: &WindowView,
    reopened: bool,
    nonce: &str,
) -> String {
    let mut out = String::new();
    if reopened {
        let _ = writeln!(
            out,
            "**Regression**: seen again after this issue was closed, so it is reopened.\n"
        );
    } else if finding.regressed {
        let _ = writeln!(out, "**Regression**: marked resolved, seen again.\n");
    }
    let _ = writeln!(
        out,
        "Seen in the window {} – {}: **{} events**, first {}, last {}, peak {}/min, {} (score {:.0}).\n",
        or_dash(window.start.as_deref()),
        or_dash(window.end.as_deref()),
        finding.count,
        or_dash(finding.first_seen.as_deref()),
        or_dash(finding.last_seen.as_deref()),
        finding.peak_per_minute(),
        finding.priority,
        finding.score.total
    );
    if !finding.sparkline.trim().is_empty() {
        let _ = writeln!(out, "Timeline: `{}`\n", finding.sparkline);
    }
    if !symptoms.is_empty() {
        let _ = writeln!(out, "Symptoms in this window (linked here):\n");
        symptom_list(&mut out, symptoms);
    }
    let _ = writeln!(
        out,
        "\n_Updated by Log Gardener (`gardener issues apply`)._"
    );
    let _ = writeln!(out, "<!-- gardener:run={nonce} pattern={} -->", finding.id);
    out
}

/// `issues-plan.md`: one line per finding with why, score and threshold.
#[must_use]
pub fn plan_markdown(outcome: &Outcome) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Issue plan ({})\n\nTracker: {}. Window: {} – {}. Threshold: {} and above are filed; similarity threshold {:.2}.\n",
        outcome.mode,
        outcome.tracker,
        or_dash(outcome.window.start.as_deref()),
        or_dash(outcome.window.end.as_deref()),
        outcome.min_priority,
        outcome.match_threshold
    );
    let _ = writeln!(
        out,
        "| Finding | Priority | Action | Score | Why |\n|---|---|---|---|---|"
    );
    for entry in &outcome.entries {
        let _ = writeln!(
            out,
            "| `{}` {} | {} | {} | {} | {} |",
            entry.pattern,
            cell(&entry.summary),
            entry.priority,
            entry.verdict(),
            score_cell(entry),
            cell(&entry.why)
        );
    }
    let _ = writeln!(out);
    out.push_str(&processing_status_markdown(outcome));
    out
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

fn score_cell(entry: &Entry) -> String {
    match (entry.score, entry.threshold) {
        (Some(score), Some(threshold)) => format!("{score:.2} / {threshold:.2}"),
        _ => "-".to_string(),
    }
}

/// One plain line per finding, as printed on stdout.
#[must_use]
pub fn plan_line(entry: &Entry) -> String {
    let score = match (entry.score, entry.threshold) {
        (Some(score), Some(threshold)) => format!(" [score {score:.2}, threshold {threshold:.2}]"),
        _ => String::new(),
    };
    format!(
        "{} {} {}: {}{} — {}",
        entry.pattern,
        entry.priority,
        entry.summary,
        entry.verdict(),
        score,
        entry.why
    )
}

/// The worklog's "Processing status" section: what went where and the consolidation rate.
#[must_use]
pub fn processing_status_markdown(outcome: &Outcome) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "## Processing status\n");
    let counts = &outcome.counts;
    let _ = writeln!(
        out,
        "Issues ({}, {}): {} updated, {} reopened as regressions, {} created, {} symptoms linked, {} skipped (below {}).\n",
        outcome.mode,
        outcome.tracker,
        counts.update,
        counts.reopen,
        counts.create,
        counts.link,
        counts.skip,
        outcome.min_priority
    );
    let rate = &outcome.consolidation;
    match rate.rate {
        Some(value) => {
            let _ = writeln!(
                out,
                "Consolidation rate: **{:.1} %** ({} of {} filed findings went to an existing issue).\n",
                value * 100.0,
                rate.existing,
                rate.filed
            );
        }
        None => {
            let _ = writeln!(
                out,
                "Consolidation rate: n/a (no finding at or above the threshold).\n"
            );
        }
    }
    let shown: Vec<&Entry> = outcome
        .entries
        .iter()
        .filter(|e| e.action != Action::Skip)
        .collect();
    if !shown.is_empty() {
        let _ = writeln!(out, "| Finding | Status | Issue |\n|---|---|---|");
        for entry in shown {
            let status = if entry.applied { "done" } else { "planned" };
            let _ = writeln!(
                out,
                "| `{}` {} | {} | {} ({status}) |",
                entry.pattern,
                entry.priority,
                entry.verdict(),
                entry
                    .location
                    .as_deref()
                    .map_or_else(|| "-".to_string(), cell)
            );
        }
    }
    out
}
