//! What is printed on the terminal: a short coloured summary, errors and warnings.
//! Colour is used only when the stream is a terminal and `NO_COLOR` is unset (anstream).

use std::io::Write as _;
use std::path::Path;

use anstyle::{AnsiColor, Style};
use gardener_core::Severity;
use gardener_report::Report;
use gardener_report::markdown::shorten;
use gardener_triage::Role;

const BOLD: Style = Style::new().bold();
const RED: Style = AnsiColor::Red.on_default().bold();
const YELLOW: Style = AnsiColor::Yellow.on_default().bold();
const DIM: Style = Style::new().dimmed();

/// The summary after `analyze`.
pub fn summary(report: &Report, out: &Path) -> std::io::Result<()> {
    let mut stdout = anstream::stdout().lock();
    let totals = &report.totals;
    writeln!(
        stdout,
        "{BOLD}{} records{BOLD:#}: {} events, {} lines joined into multi-line events, {} unparsed",
        totals.lines_read, totals.events, totals.multiline_merged, totals.unparsed
    )?;
    let errors: u64 = report
        .severities
        .iter()
        .filter(|(s, _)| s.is_error())
        .map(|(_, c)| c)
        .sum();
    let warnings = report
        .severities
        .get(&Severity::Warning)
        .copied()
        .unwrap_or(0);
    writeln!(
        stdout,
        "{RED}{errors} errors{RED:#}, {YELLOW}{warnings} warnings{YELLOW:#} in {} patterns across {} services",
        report.patterns.len(),
        report.services.len()
    )?;
    if let (Some(peak), Some(first)) = (
        &report.timeline.peak_minute,
        &report.timeline.first_error_minute,
    ) {
        writeln!(
            stdout,
            "first error {first}, peak {peak} ({} errors/min), last minute {}",
            report.timeline.peak_errors_per_minute, report.timeline.last_minute_errors
        )?;
    }
    // The findings an on-call engineer reads first: most urgent, then largest; symptoms are
    // named as such so a root cause is not mistaken for one of many.
    let mut findings: Vec<_> = report
        .patterns
        .iter()
        .filter(|p| p.severity >= Severity::Warning)
        .collect();
    findings.sort_by(|a, b| {
        (a.priority, std::cmp::Reverse(a.count), &a.id).cmp(&(
            b.priority,
            std::cmp::Reverse(b.count),
            &b.id,
        ))
    });
    for pattern in findings.iter().take(5) {
        let first_line = pattern.template.lines().next().unwrap_or("");
        let colour = if pattern.severity >= Severity::Error {
            RED
        } else {
            YELLOW
        };
        let role = match pattern.role {
            Role::RootCause => " root cause",
            Role::Symptom => " symptom",
            Role::Independent => "",
        };
        writeln!(
            stdout,
            "  {colour}{} {:>6}{colour:#} {} {DIM}{}{role}{DIM:#}",
            pattern.priority.as_str(),
            pattern.count,
            shorten(first_line, 84),
            pattern.id
        )?;
    }
    for onset in &report.onsets {
        if let Some(trigger) = report.patterns.iter().find(|p| p.id == onset.trigger) {
            writeln!(
                stdout,
                "{BOLD}onset{BOLD:#} {}: {} {DIM}{}{DIM:#}, then {} new patterns in {}",
                onset.first_seen,
                shorten(trigger.template.lines().next().unwrap_or(""), 70),
                trigger.id,
                onset.followers.len(),
                onset.services.join(", ")
            )?;
        }
    }
    let changes = &report.changes;
    if let Some(previous) = &changes.previous_run {
        writeln!(
            stdout,
            "since the run of {previous}: {} new, {} gone, {} changed rate, {}",
            changes.new.len(),
            changes.gone.len(),
            changes.changed.len(),
            if changes.regressed.is_empty() {
                "no regression".to_owned()
            } else {
                format!("{RED}{} regressed{RED:#}", changes.regressed.len())
            }
        )?;
    }
    writeln!(
        stdout,
        "{DIM}wrote {}, {} and {}{DIM:#}",
        out.join("worklog.md").display(),
        out.join("report.json").display(),
        out.join("report.html").display()
    )?;
    stdout.flush()
}

/// The pattern table of `gardener patterns`.
pub fn patterns(report: &Report) -> std::io::Result<()> {
    let mut stdout = anstream::stdout().lock();
    writeln!(
        stdout,
        "{BOLD}{:>8}  {:<16}  {:<9}  template{BOLD:#}",
        "count", "id", "severity"
    )?;
    for pattern in &report.patterns {
        writeln!(
            stdout,
            "{:>8}  {}  {:<9}  {}",
            pattern.count,
            pattern.id,
            pattern.severity.as_str(),
            pattern.template.replace('\n', " ⏎ ")
        )?;
    }
    stdout.flush()
}

/// An error, with its chain of causes, on stderr.
pub fn error(error: &anyhow::Error) {
    let mut stderr = anstream::stderr().lock();
    let _ = writeln!(stderr, "{RED}error{RED:#}: {error}");
    for cause in error.chain().skip(1) {
        let _ = writeln!(stderr, "  caused by: {cause}");
    }
}

/// A warning on stderr.
pub fn warning(message: &str) {
    let mut stderr = anstream::stderr().lock();
    let _ = writeln!(stderr, "{YELLOW}warning{YELLOW:#}: {message}");
}
