//! The markdown worklog.

use std::fmt::Write as _;

use gardener_core::{PatternId, Severity};
use gardener_triage::{Priority, Role};

use crate::{PatternReport, Report};

/// How many patterns the top table lists.
const TOP_PATTERNS: usize = 20;
/// How many patterns get a detail block with a sample.
const DETAILED_PATTERNS: usize = 10;
/// How many services get their own block with their leading patterns.
const TOP_SERVICES: usize = 10;
/// Most findings in the executive summary.
const SUMMARY_LINES: usize = 12;
/// Most minutes listed in the error timeline table; past it, the busiest minutes are listed.
const TIMELINE_ROWS: usize = 60;
/// Longest template shown in a table cell.
const CELL_TEMPLATE_CHARS: usize = 160;

/// Renders the worklog. Every table is a valid GitHub markdown table: cells escape `|`,
/// markup characters and newlines.
#[must_use]
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    header(&mut out, report);
    collection(&mut out, report);
    executive_summary(&mut out, report);
    cascades(&mut out, report);
    onsets(&mut out, report);
    actions(&mut out, report);
    since_last_run(&mut out, report);
    severities(&mut out, report);
    top_patterns(&mut out, report);
    services(&mut out, report);
    timeline(&mut out, report);
    unparsed(&mut out, report);
    for section in &report.extra_sections {
        out.push_str(section.trim_end());
        out.push_str("\n\n");
    }
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
        "- Patterns: {}; services: {}",
        report.patterns.len(),
        report.services.len()
    );
    if report.patterns_omitted.patterns > 0 {
        let _ = writeln!(
            out,
            "- Not listed: the {} rarest patterns ({} events); they count everywhere else",
            report.patterns_omitted.patterns, report.patterns_omitted.events
        );
    }
    let mining = &report.mining;
    if mining.lines_form_capped > 0 || mining.lines_token_capped > 0 {
        let _ = writeln!(
            out,
            "- Miner caps reached: {} events after the distinct-form cap went to overflow patterns; {} long messages had their tail folded into `<*>`",
            mining.lines_form_capped, mining.lines_token_capped
        );
    }
    out.push('\n');
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

fn collection(out: &mut String, report: &Report) {
    let Some(collection) = &report.collection else {
        return;
    };
    let _ = writeln!(out, "## Collection details\n");
    let _ = writeln!(
        out,
        "- Source: Cloud Logging `entries:list` on {}",
        collection.resource_names.join(", ")
    );
    let _ = writeln!(out, "- Filter: {}", inline(&collection.filter));
    let _ = writeln!(
        out,
        "- Order: `{}`; pages: {}; entries: {}; retries: {}",
        collection.order_by, collection.pages, collection.entries, collection.retries
    );
    let _ = writeln!(
        out,
        "- Credentials: {}; written to `{}`\n",
        collection.credentials, collection.file
    );
}

/// The P0 and P1 findings, one line each, most urgent first. Symptoms are listed under their
/// root cause in the cascade section, not here.
fn executive_summary(out: &mut String, report: &Report) {
    let _ = writeln!(out, "## Executive summary\n");
    for onset in &report.onsets {
        let Some(trigger) = report.patterns.iter().find(|p| p.id == onset.trigger) else {
            continue;
        };
        let _ = writeln!(
            out,
            "- **Onset** {}: `{}` {} ({} × {} in {}), then {} new patterns in {} (see Incident onsets)",
            onset.first_seen,
            trigger.id,
            inline(&shorten(first_line(&trigger.template), 100)),
            trigger.count,
            trigger.severity,
            trigger.services.join(", "),
            onset.followers.len(),
            onset.services.join(", ")
        );
    }
    let mut urgent: Vec<&PatternReport> = report
        .patterns
        .iter()
        .filter(|p| p.priority <= Priority::P1 && p.role != Role::Symptom)
        .collect();
    // Most urgent first: priority, then score, then events. Scores are non-negative for
    // P0/P1 findings, so their bit patterns order like the numbers.
    urgent.sort_by_key(|p| {
        (
            p.priority,
            std::cmp::Reverse(p.score.total.max(0.0).to_bits()),
            std::cmp::Reverse(p.count),
            p.id,
        )
    });
    if urgent.is_empty() {
        let _ = writeln!(out, "No P0 or P1 finding.\n");
        return;
    }
    let more = urgent.len().saturating_sub(SUMMARY_LINES);
    for pattern in urgent.into_iter().take(SUMMARY_LINES) {
        let mut notes = Vec::new();
        if pattern.role == Role::RootCause {
            let followers = report
                .patterns
                .iter()
                .filter(|p| descends_from(report, p, pattern.id))
                .count();
            notes.push(format!("root cause of {followers} other patterns"));
        }
        if pattern.regressed {
            notes.push("regression".to_owned());
        } else if pattern.new {
            notes.push("new since the last run".to_owned());
        }
        let _ = writeln!(
            out,
            "- **{}** {} × {} `{}` {} (first seen {}; {}{})",
            pattern.priority.as_str(),
            pattern.count,
            pattern.severity,
            pattern.id,
            inline(&shorten(first_line(&pattern.template), 120)),
            pattern.first_seen.as_deref().unwrap_or("-"),
            pattern.category,
            if notes.is_empty() {
                String::new()
            } else {
                format!("; {}", notes.join("; "))
            },
        );
    }
    if more > 0 {
        let _ = writeln!(
            out,
            "- … and {more} more P0/P1 findings (all in `report.json`, `patterns[].priority`)"
        );
    }
    out.push('\n');
}

fn descends_from(report: &Report, pattern: &PatternReport, root: PatternId) -> bool {
    let mut current = pattern;
    for _ in 0..report.patterns.len() {
        let Some(parent) = current.caused_by.first() else {
            return false;
        };
        if *parent == root {
            return true;
        }
        match report.patterns.iter().find(|p| p.id == *parent) {
            Some(next) => current = next,
            None => return false,
        }
    }
    false
}

/// Each root cause with the tree of patterns that follow from it.
fn cascades(out: &mut String, report: &Report) {
    let _ = writeln!(out, "## Cascades\n");
    if report.root_causes.is_empty() {
        let _ = writeln!(
            out,
            "No pattern consistently precedes others (method: `docs/triage.md`).\n"
        );
        return;
    }
    for root in &report.root_causes {
        let Some(pattern) = report.patterns.iter().find(|p| p.id == *root) else {
            continue;
        };
        let _ = writeln!(
            out,
            "- **{}** `{}` {} — {} events in {} episodes",
            pattern.priority.as_str(),
            pattern.id,
            inline(&shorten(first_line(&pattern.template), 100)),
            pattern.count,
            pattern.episodes
        );
        cascade_children(out, report, *root, 1);
    }
    out.push('\n');
}

fn cascade_children(out: &mut String, report: &Report, parent: PatternId, depth: usize) {
    if depth > 12 {
        return;
    }
    for edge in report.cascades.iter().filter(|e| e.from == parent) {
        let Some(child) = report.patterns.iter().find(|p| p.id == edge.to) else {
            continue;
        };
        let _ = writeln!(
            out,
            "{}- → `{}` {} — {} events; follows in {} of its {} episodes, typically {:.1} s later",
            "  ".repeat(depth),
            child.id,
            inline(&shorten(first_line(&child.template), 90)),
            child.count,
            edge.episodes,
            child.episodes,
            edge.median_delay_s
        );
        cascade_children(out, report, child.id, depth + 1);
    }
}

/// Failures that happened once and were followed at once by new errors elsewhere; only when
/// there are any.
fn onsets(out: &mut String, report: &Report) {
    if report.onsets.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "## Incident onsets
"
    );
    let _ = writeln!(
        out,
        "A failure seen too few times for a cascade, right before other patterns began (method: `docs/triage.md`).\n"
    );
    let find = |id: &PatternId| report.patterns.iter().find(|p| p.id == *id);
    for onset in &report.onsets {
        let Some(trigger) = find(&onset.trigger) else {
            continue;
        };
        let _ = writeln!(
            out,
            "- {} `{}` {} ({} × {}, {}) — then, within 2 minutes, {} new patterns in {}; {} of them began there (chance {:.1e})",
            onset.first_seen,
            trigger.id,
            inline(&shorten(first_line(&trigger.template), 100)),
            trigger.count,
            trigger.severity.as_str(),
            trigger.services.join(", "),
            onset.followers.len(),
            onset.services.join(", "),
            onset.started.len(),
            onset.chance
        );
        for follower in onset.followers.iter().filter_map(find) {
            let began = if onset.started.contains(&follower.id) {
                "began here"
            } else {
                "first seen"
            };
            let _ = writeln!(
                out,
                "  - → `{}` {} — {} events in {}, {began} {}",
                follower.id,
                inline(&shorten(first_line(&follower.template), 90)),
                follower.count,
                follower.services.join(", "),
                follower.first_seen.as_deref().unwrap_or("")
            );
        }
    }
    out.push('\n');
}

/// Recommended actions for P0–P2 findings that are not symptoms.
fn actions(out: &mut String, report: &Report) {
    let _ = writeln!(out, "## Recommended actions\n");
    let mut findings: Vec<&PatternReport> = report
        .patterns
        .iter()
        .filter(|p| p.priority <= Priority::P2 && p.role != Role::Symptom)
        .collect();
    findings.sort_by_key(|p| (p.priority, std::cmp::Reverse(p.count), p.id));
    if findings.is_empty() {
        let _ = writeln!(out, "Nothing at P2 or above.\n");
        return;
    }
    for pattern in findings.iter().take(15) {
        let _ = writeln!(
            out,
            "### {} `{}` · {}\n",
            pattern.priority.as_str(),
            pattern.id,
            pattern.category
        );
        let _ = writeln!(
            out,
            "{}\n",
            inline(&shorten(first_line(&pattern.template), 160))
        );
        for action in &pattern.actions {
            let _ = writeln!(out, "- {action}");
        }
        let _ = writeln!(
            out,
            "\nScore {:.0} = severity {:.0} + rate {:.0} + spike {:.0} + novelty {:.0} + cascade {:.0} (rule: {}).\n",
            pattern.score.total,
            pattern.score.severity,
            pattern.score.rate,
            pattern.score.spike,
            pattern.score.novelty,
            pattern.score.cascade,
            pattern.rule
        );
    }
    if findings.len() > 15 {
        let _ = writeln!(
            out,
            "{} more findings at P2 or above are in report.json.\n",
            findings.len() - 15
        );
    }
}

fn since_last_run(out: &mut String, report: &Report) {
    let changes = &report.changes;
    let _ = writeln!(out, "## Since the last run\n");
    let Some(previous) = &changes.previous_run else {
        let _ = writeln!(
            out,
            "{}\n",
            if report.triage.state_file.is_some() {
                "This is the first recorded run: every pattern is new."
            } else {
                "Run history is off (`--no-state`)."
            }
        );
        return;
    };
    let _ = writeln!(
        out,
        "Compared with the run of {previous}: {} new, {} gone, {} with a changed rate, {} regressed.\n",
        changes.new.len(),
        changes.gone.len(),
        changes.changed.len(),
        changes.regressed.len()
    );
    let template = |id: &PatternId| {
        report
            .patterns
            .iter()
            .find(|p| p.id == *id)
            .map_or(String::new(), |p| {
                inline(&shorten(first_line(&p.template), 100))
            })
    };
    for id in &changes.regressed {
        let _ = writeln!(out, "- regressed: `{id}` {}", template(id));
    }
    for id in &changes.new {
        let _ = writeln!(out, "- new: `{id}` {}", template(id));
    }
    for change in &changes.changed {
        let _ = writeln!(
            out,
            "- rate ×{:.2}: `{}` {} ({:.1}/h → {:.1}/h)",
            change.ratio,
            change.id,
            template(&change.id),
            change.before_per_hour,
            change.now_per_hour
        );
    }
    for gone in &changes.gone {
        let _ = writeln!(
            out,
            "- gone: `{}` {} ({} events last time)",
            gone.id,
            inline(&shorten(first_line(&gone.template), 100)),
            gone.previous_count
        );
    }
    out.push('\n');
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}

/// Text for a line of prose as a code span, which shows `<*>` and markup characters as they
/// are; the fence outgrows any backtick run inside, and line breaks become spaces.
fn inline(text: &str) -> String {
    let text = text.replace(['\n', '\r'], " ");
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
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
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
        "| # | Priority | Pattern | Template | Count | Severity | Per minute | Role | Services | First seen | Last seen |"
    );
    let _ = writeln!(out, "|---:|---|---|---|---:|---|---|---|---|---|---|");
    for (rank, pattern) in worrying.iter().take(TOP_PATTERNS).enumerate() {
        let role = match pattern.role {
            Role::RootCause => "root cause".to_owned(),
            Role::Symptom => format!(
                "symptom of `{}`",
                pattern
                    .caused_by
                    .first()
                    .map(ToString::to_string)
                    .unwrap_or_default()
            ),
            Role::Independent => "independent".to_owned(),
        };
        let _ = writeln!(
            out,
            "| {} | {} | `{}` | {} | {} | {} | `{}` | {} | {} | {} | {} |",
            rank + 1,
            pattern.priority.as_str(),
            pattern.id,
            cell(&shorten(&pattern.template, CELL_TEMPLATE_CHARS)),
            pattern.count,
            pattern.severity,
            pattern.sparkline.replace('`', ""),
            role,
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
    let mut rows: Vec<(&String, &u64)> = timeline.errors_per_minute.iter().collect();
    if rows.len() > TIMELINE_ROWS {
        let _ = writeln!(
            out,
            "The {TIMELINE_ROWS} busiest of the {} minutes with errors, in time order (every minute is in `report.json`, `timeline.errors_per_minute`):\n",
            rows.len()
        );
        rows.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        rows.truncate(TIMELINE_ROWS);
        rows.sort();
    }
    let _ = writeln!(out, "| Minute (UTC) | Errors |");
    let _ = writeln!(out, "|---|---:|");
    for (minute, count) in rows {
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

/// The text cut to `limit` characters, with `…` when something was cut.
#[must_use]
pub fn shorten(text: &str, limit: usize) -> String {
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
