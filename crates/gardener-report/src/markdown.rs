//! The markdown worklog.

use std::fmt::Write as _;

use gardener_core::Severity;

use crate::{PatternReport, Report};

/// How many patterns the top table lists.
const TOP_PATTERNS: usize = 20;
/// How many patterns get a detail block with a sample.
const DETAILED_PATTERNS: usize = 10;
/// How many services get their own block with their leading patterns.
const TOP_SERVICES: usize = 10;
/// Longest template shown in a table cell.
const CELL_TEMPLATE_CHARS: usize = 160;

/// Renders the worklog. Every table is a valid GitHub markdown table: cells escape `|`,
/// markup characters and newlines.
#[must_use]
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    header(&mut out, report);
    severities(&mut out, report);
    top_patterns(&mut out, report);
    services(&mut out, report);
    timeline(&mut out, report);
    unparsed(&mut out, report);
    out
}

fn header(out: &mut String, report: &Report) {
    let totals = &report.totals;
    let _ = writeln!(out, "# Log Gardener worklog\n");
    let _ = writeln!(out, "- Generated: {}", report.generated_at);
    let _ = writeln!(
        out,
        "- Window: {} to {}",
        report.window.start.as_deref().unwrap_or("(no timestamps)"),
        report.window.end.as_deref().unwrap_or("(no timestamps)")
    );
    let _ = writeln!(
        out,
        "- Records read: {} = {} events + {} lines joined into multi-line events + {} unparsed",
        totals.lines_read, totals.events, totals.multiline_merged, totals.unparsed
    );
    let _ = writeln!(
        out,
        "- Patterns: {}; services: {}\n",
        report.patterns.len(),
        report.services.len()
    );
    let _ = writeln!(out, "| Input | Format | Compression | Records | Note |");
    let _ = writeln!(out, "|---|---|---|---:|---|");
    for input in &report.inputs {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            cell(&input.name),
            input.format,
            input.compression,
            input.records,
            cell(input.error.as_deref().unwrap_or(""))
        );
    }
    out.push('\n');
}

fn severities(out: &mut String, report: &Report) {
    let total = report.totals.events.max(1);
    let _ = writeln!(out, "## Severity breakdown\n");
    let _ = writeln!(out, "| Severity | Events | Share |");
    let _ = writeln!(out, "|---|---:|---:|");
    for severity in Severity::ALL.iter().rev() {
        let count = report.severities.get(severity).copied().unwrap_or(0);
        if count == 0 {
            continue;
        }
        let _ = writeln!(out, "| {severity} | {count} | {} |", percent(count, total));
    }
    out.push('\n');
}

fn top_patterns(out: &mut String, report: &Report) {
    let worrying: Vec<&PatternReport> = report
        .patterns
        .iter()
        .filter(|p| p.severity >= Severity::Warning)
        .collect();
    let _ = writeln!(out, "## Top error and warning patterns\n");
    if worrying.is_empty() {
        let _ = writeln!(out, "No event of severity WARNING or above.\n");
        return;
    }
    let _ = writeln!(
        out,
        "{} patterns have events of severity WARNING or above; the {} largest:\n",
        worrying.len(),
        worrying.len().min(TOP_PATTERNS)
    );
    let _ = writeln!(
        out,
        "| # | Pattern | Template | Count | Severity | Services | First seen | Last seen |"
    );
    let _ = writeln!(out, "|---:|---|---|---:|---|---|---|---|");
    for (rank, pattern) in worrying.iter().take(TOP_PATTERNS).enumerate() {
        let _ = writeln!(
            out,
            "| {} | `{}` | {} | {} | {} | {} | {} | {} |",
            rank + 1,
            pattern.id,
            cell(&shorten(&pattern.template, CELL_TEMPLATE_CHARS)),
            pattern.count,
            pattern.severity,
            cell(&pattern.services.join(", ")),
            pattern.first_seen.as_deref().unwrap_or("-"),
            pattern.last_seen.as_deref().unwrap_or("-"),
        );
    }
    out.push('\n');
    for pattern in worrying.iter().take(DETAILED_PATTERNS) {
        let _ = writeln!(
            out,
            "### `{}` · {} × {}\n",
            pattern.id, pattern.count, pattern.severity
        );
        let _ = writeln!(out, "{}\n", fenced(&pattern.template, "text"));
        if let Some(sample) = pattern.samples.first() {
            let _ = writeln!(out, "Sample from {}:\n", sample.position);
            let _ = writeln!(out, "{}\n", fenced(&sample.record, "json"));
        }
    }
}

fn services(out: &mut String, report: &Report) {
    let _ = writeln!(out, "## Services\n");
    if report.services.is_empty() {
        let _ = writeln!(out, "No events.\n");
        return;
    }
    let total = report.totals.events.max(1);
    let _ = writeln!(out, "| # | Service | Events | Share | Errors | Warnings |");
    let _ = writeln!(out, "|---:|---|---:|---:|---:|---:|");
    for (rank, service) in report.services.iter().take(TOP_SERVICES).enumerate() {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            rank + 1,
            cell(&service.name),
            service.count,
            percent(service.count, total),
            service.errors,
            service.warnings
        );
    }
    out.push('\n');
    for service in report.services.iter().take(TOP_SERVICES) {
        let _ = writeln!(out, "### {}\n", cell(&service.name));
        let _ = writeln!(out, "| Pattern | Template | Count |");
        let _ = writeln!(out, "|---|---|---:|");
        for (id, count) in &service.top_patterns {
            let template = report
                .patterns
                .iter()
                .find(|p| p.id == *id)
                .map_or("", |p| p.template.as_str());
            let _ = writeln!(
                out,
                "| `{id}` | {} | {count} |",
                cell(&shorten(template, CELL_TEMPLATE_CHARS))
            );
        }
        out.push('\n');
    }
    if report.services.len() > TOP_SERVICES {
        let _ = writeln!(
            out,
            "### The other {} services\n",
            report.services.len() - TOP_SERVICES
        );
        let _ = writeln!(out, "| Service | Events | Errors | Warnings |");
        let _ = writeln!(out, "|---|---:|---:|---:|");
        for service in report.services.iter().skip(TOP_SERVICES) {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                cell(&service.name),
                service.count,
                service.errors,
                service.warnings
            );
        }
        out.push('\n');
    }
}

fn timeline(out: &mut String, report: &Report) {
    let timeline = &report.timeline;
    let _ = writeln!(out, "## Error timeline\n");
    let Some(first) = &timeline.first_error_minute else {
        let _ = writeln!(out, "No event of severity ERROR or above.\n");
        return;
    };
    let _ = writeln!(out, "- First error minute: {first}");
    let _ = writeln!(
        out,
        "- Peak minute: {} with {} errors",
        timeline.peak_minute.as_deref().unwrap_or("-"),
        timeline.peak_errors_per_minute
    );
    let _ = writeln!(
        out,
        "- Errors in the last minute of the window: {}",
        timeline.last_minute_errors
    );
    let _ = writeln!(
        out,
        "- Errors with a time: {} in {} minutes\n",
        timeline.error_events,
        timeline.errors_per_minute.len()
    );
    let _ = writeln!(out, "| Minute (UTC) | Errors |");
    let _ = writeln!(out, "|---|---:|");
    for (minute, count) in &timeline.errors_per_minute {
        let _ = writeln!(out, "| {minute} | {count} |");
    }
    out.push('\n');
}

fn unparsed(out: &mut String, report: &Report) {
    let _ = writeln!(out, "## Unparsed records\n");
    if report.totals.unparsed == 0 {
        let _ = writeln!(out, "None: every record was decoded.\n");
        return;
    }
    let _ = writeln!(out, "| Reason | Records |");
    let _ = writeln!(out, "|---|---:|");
    for (reason, count) in &report.unparsed.by_reason {
        let _ = writeln!(out, "| {} | {count} |", cell(reason));
    }
    out.push('\n');
    let _ = writeln!(out, "| Position | Reason | Sample |");
    let _ = writeln!(out, "|---|---|---|");
    for sample in &report.unparsed.samples {
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            cell(&sample.position),
            cell(&sample.reason),
            cell(&shorten(&sample.sample, 80))
        );
    }
    out.push('\n');
}

fn percent(count: u64, total: u64) -> String {
    #[allow(clippy::cast_precision_loss)]
    let share = count as f64 * 100.0 / total as f64;
    format!("{share:.1}%")
}

/// Text made safe for a table cell: no line breaks, no column separators, no markup.
fn cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '|' => out.push_str("\\|"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '*' | '_' | '`' | '[' | ']' | '\\' | '#' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str(" ⏎ "),
            '\r' | '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

fn shorten(text: &str, limit: usize) -> String {
    if text.chars().count() <= limit {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(limit).collect();
    out.push('…');
    out
}

/// A fenced code block long enough to hold any backtick run in the text.
fn fenced(text: &str, language: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    let fence = "`".repeat((longest + 1).max(3));
    format!("{fence}{language}\n{text}\n{fence}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_escape_separators_and_markup() {
        assert_eq!(
            cell("a|b <*> *x*\nnext"),
            "a\\|b &lt;\\*&gt; \\*x\\* ⏎ next"
        );
    }

    #[test]
    fn fences_outgrow_backticks_inside() {
        assert_eq!(fenced("a ``` b", "text"), "````text\na ``` b\n````");
    }

    #[test]
    fn a_table_with_hostile_cells_stays_a_table() {
        let row = format!("| {} | {} |", cell("x | y"), cell("`<*>`\n|"));
        let table = format!("| A | B |\n|---|---|\n{row}\n");
        let parser =
            pulldown_cmark::Parser::new_ext(&table, pulldown_cmark::Options::ENABLE_TABLES);
        let cells = parser
            .filter(|event| {
                matches!(
                    event,
                    pulldown_cmark::Event::Start(pulldown_cmark::Tag::TableCell)
                )
            })
            .count();
        assert_eq!(cells, 4);
    }
}
