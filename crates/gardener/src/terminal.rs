//! What is printed on the terminal: a short coloured summary, errors and warnings.
//! Colour is used only when the stream is a terminal and `NO_COLOR` is unset (anstream).

use std::io::Write as _;
use std::path::Path;

use anstyle::{AnsiColor, Style};
use gardener_core::Severity;
use gardener_report::Report;
use gardener_report::markdown::shorten;

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
    for pattern in report
        .patterns
        .iter()
        .filter(|p| p.severity >= Severity::Error)
        .take(5)
    {
        let first_line = pattern.template.lines().next().unwrap_or("");
        writeln!(
            stdout,
            "  {RED}{:>6}{RED:#} {} {DIM}{}{DIM:#}",
            pattern.count,
            shorten(first_line, 90),
            pattern.id
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
