//! `report.html`: one self-contained page (no scripts, no external assets) with the error
//! timeline and severity breakdown as SVG charts, the findings, cascades, patterns with their
//! per-minute sparklines, and services. Every number comes from the same [`Report`] as the
//! worklog and `report.json`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use gardener_core::{PatternId, Severity};
use gardener_triage::{Priority, Role};

use crate::{PatternReport, Report};

/// Patterns listed in the page's table.
const TABLE_PATTERNS: usize = 50;

/// Renders the page.
#[must_use]
pub fn render(report: &Report) -> String {
    let mut out = String::with_capacity(64 * 1024);
    let _ = write!(
        out,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Log Gardener report</title><style>{STYLE}</style></head><body>\n"
    );
    let totals = &report.totals;
    let _ = writeln!(out, "<h1>Log Gardener report</h1>");
    let _ = writeln!(
        out,
        "<p class=\"meta\">Window {} to {} · generated {} · {} records = {} events + {} joined lines + {} unparsed · {} patterns · {} services</p>",
        esc(report.window.start.as_deref().unwrap_or("-")),
        esc(report.window.end.as_deref().unwrap_or("-")),
        esc(&report.generated_at),
        totals.lines_read,
        totals.events,
        totals.multiline_merged,
        totals.unparsed,
        report.patterns.len(),
        report.services.len()
    );

    findings(&mut out, report);
    let _ = writeln!(out, "<h2>Errors per minute</h2>");
    out.push_str(&timeline_chart(
        &report.timeline.errors_per_minute,
        (report.window.start.as_deref(), report.window.end.as_deref()),
    ));
    let _ = writeln!(
        out,
        "<p class=\"meta\">First error {} · peak {} with {} errors · {} in the last minute of the window</p>",
        esc(report.timeline.first_error_minute.as_deref().unwrap_or("-")),
        esc(report.timeline.peak_minute.as_deref().unwrap_or("-")),
        report.timeline.peak_errors_per_minute,
        report.timeline.last_minute_errors
    );
    let _ = writeln!(out, "<h2>Severities</h2>");
    out.push_str(&severity_chart(report));
    cascades(&mut out, report);
    onsets(&mut out, report);
    patterns(&mut out, report);
    services(&mut out, report);
    out.push_str("</body></html>\n");
    out
}

fn findings(out: &mut String, report: &Report) {
    let urgent: Vec<&PatternReport> = report
        .patterns
        .iter()
        .filter(|p| p.priority <= Priority::P1 && p.role != Role::Symptom)
        .take(12)
        .collect();
    let _ = writeln!(out, "<h2>P0 and P1 findings</h2>");
    if urgent.is_empty() {
        let _ = writeln!(out, "<p>None.</p>");
        return;
    }
    let _ = writeln!(out, "<ul>");
    for p in urgent {
        let _ = writeln!(
            out,
            "<li><span class=\"prio {prio}\">{prio}</span> {} × {} <code>{}</code> {} <span class=\"meta\">({}; first seen {})</span></li>",
            p.count,
            p.severity,
            p.id,
            esc(first_line(&p.template)),
            esc(&p.category),
            esc(p.first_seen.as_deref().unwrap_or("-")),
            prio = p.priority.as_str(),
        );
    }
    let _ = writeln!(out, "</ul>");
}

fn cascades(out: &mut String, report: &Report) {
    if report.cascades.is_empty() {
        return;
    }
    let _ = writeln!(out, "<h2>Cascades</h2><ul class=\"tree\">");
    let name = |id| template_of(report, id);
    for edge in &report.cascades {
        let _ = writeln!(
            out,
            "<li><code>{}</code> {} → <code>{}</code> {} <span class=\"meta\">({} episodes, typically {:.1} s later)</span></li>",
            edge.from,
            name(edge.from),
            edge.to,
            name(edge.to),
            edge.episodes,
            edge.median_delay_s
        );
    }
    let _ = writeln!(out, "</ul>");
}

fn onsets(out: &mut String, report: &Report) {
    if report.onsets.is_empty() {
        return;
    }
    let name = |id| template_of(report, id);
    let _ = writeln!(out, "<h2>Incident onsets</h2><ul class=\"tree\">");
    for onset in &report.onsets {
        let _ = writeln!(
            out,
            "<li>{} <code>{}</code> {} <span class=\"meta\">(then {} new patterns in {}; {} began there)</span><ul>",
            esc(&onset.first_seen),
            onset.trigger,
            name(onset.trigger),
            onset.followers.len(),
            esc(&onset.services.join(", ")),
            onset.started.len()
        );
        for follower in &onset.followers {
            let _ = writeln!(
                out,
                "<li>→ <code>{follower}</code> {}</li>",
                name(*follower)
            );
        }
        let _ = writeln!(out, "</ul></li>");
    }
    let _ = writeln!(out, "</ul>");
}

fn patterns(out: &mut String, report: &Report) {
    let _ = writeln!(
        out,
        "<h2>Patterns</h2><table><tr><th>Priority</th><th>Pattern</th><th>Template</th><th>Count</th><th>Severity</th><th>Per minute</th><th>Role</th><th>Services</th></tr>"
    );
    for p in report.patterns.iter().take(TABLE_PATTERNS) {
        let _ = writeln!(
            out,
            "<tr><td><span class=\"prio {prio}\">{prio}</span></td><td><code>{}</code></td><td class=\"tpl\">{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            p.id,
            esc(&p.template),
            p.count,
            p.severity,
            sparkline_svg(&p.per_minute),
            match p.role {
                Role::RootCause => "root cause",
                Role::Symptom => "symptom",
                Role::Independent => "",
            },
            esc(&p.services.join(", ")),
            prio = p.priority.as_str(),
        );
    }
    let _ = writeln!(out, "</table>");
    if report.patterns.len() > TABLE_PATTERNS {
        let _ = writeln!(
            out,
            "<p class=\"meta\">{} more patterns in report.json.</p>",
            report.patterns.len() - TABLE_PATTERNS
        );
    }
}

fn services(out: &mut String, report: &Report) {
    let _ = writeln!(
        out,
        "<h2>Services</h2><table><tr><th>Service</th><th>Events</th><th>Errors</th><th>Warnings</th></tr>"
    );
    for s in &report.services {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            esc(&s.name),
            s.count,
            s.errors,
            s.warnings
        );
    }
    let _ = writeln!(out, "</table>");
}

/// Most bars in the timeline; a longer window puts several minutes in one bar.
const TIMELINE_BARS: i64 = 720;

/// Bars of errors per minute across the whole window (quiet minutes included, so gaps between
/// failure cycles show), oldest left. A bar covering several minutes shows their busiest.
fn timeline_chart(
    per_minute: &BTreeMap<String, u64>,
    window: (Option<&str>, Option<&str>),
) -> String {
    let minute_of = |text: &str| {
        text.parse::<jiff::Timestamp>()
            .ok()
            .map(|t| t.as_second().div_euclid(60))
    };
    let counts: BTreeMap<i64, u64> = per_minute
        .iter()
        .filter_map(|(minute, count)| minute_of(minute).map(|m| (m, *count)))
        .collect();
    let (Some(&first_error), Some(&last_error)) = (counts.keys().next(), counts.keys().next_back())
    else {
        return "<p>No event of severity ERROR or above.</p>\n".to_owned();
    };
    let first = window
        .0
        .and_then(minute_of)
        .unwrap_or(first_error)
        .min(first_error);
    let last = window
        .1
        .and_then(minute_of)
        .unwrap_or(last_error)
        .max(last_error);
    let span = last - first + 1;
    let per_bar = (span + TIMELINE_BARS - 1) / TIMELINE_BARS;
    let bars = (span + per_bar - 1) / per_bar;
    let (width, height) = (900.0_f64, 160.0_f64);
    let top = counts.values().copied().max().unwrap_or(1).max(1);
    #[allow(clippy::cast_precision_loss)]
    let bar = width / bars as f64;
    let mut svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {width} {}\" role=\"img\" aria-label=\"errors per minute\">",
        height + 20.0
    );
    let text_of = |minute: i64| {
        jiff::Timestamp::from_second(minute * 60)
            .map(|t| t.strftime("%Y-%m-%dT%H:%M:00Z").to_string())
            .unwrap_or_default()
    };
    for index in 0..bars {
        let from = first + index * per_bar;
        let Some((&busiest_minute, &count)) = counts
            .range(from..from + per_bar)
            .max_by_key(|(minute, count)| (**count, std::cmp::Reverse(**minute)))
        else {
            continue;
        };
        #[allow(clippy::cast_precision_loss)]
        let h = (count as f64 / top as f64) * height;
        #[allow(clippy::cast_precision_loss)]
        let x = index as f64 * bar;
        let label = if per_bar == 1 {
            format!("{} · {count} errors", text_of(busiest_minute))
        } else {
            format!(
                "{} (+{per_bar} min) · busiest {} with {count} errors",
                text_of(from),
                text_of(busiest_minute)
            )
        };
        let _ = write!(
            svg,
            "<rect x=\"{x:.2}\" y=\"{:.2}\" width=\"{:.2}\" height=\"{h:.2}\" class=\"bar\"><title>{}</title></rect>",
            height - h,
            (bar * 0.9).max(0.5),
            esc(&label)
        );
    }
    let _ = writeln!(
        svg,
        "<text x=\"0\" y=\"{}\" class=\"axis\">{}</text><text x=\"{width}\" y=\"{}\" class=\"axis\" text-anchor=\"end\">{} · max {top}/min</text></svg>",
        height + 15.0,
        esc(&text_of(first)),
        height + 15.0,
        esc(&text_of(last))
    );
    svg
}

fn severity_chart(report: &Report) -> String {
    let total: u64 = report.severities.values().sum();
    if total == 0 {
        return "<p>No events.</p>\n".to_owned();
    }
    let mut svg = String::from(
        "<svg class=\"chart\" viewBox=\"0 0 900 36\" role=\"img\" aria-label=\"events per severity\">",
    );
    let mut x = 0.0_f64;
    for severity in Severity::ALL.iter().rev() {
        let count = report.severities.get(severity).copied().unwrap_or(0);
        if count == 0 {
            continue;
        }
        #[allow(clippy::cast_precision_loss)]
        let w = count as f64 / total as f64 * 900.0;
        let _ = write!(
            svg,
            "<rect x=\"{x:.2}\" y=\"0\" width=\"{w:.2}\" height=\"36\" class=\"sev {}\"><title>{severity}: {count}</title></rect>",
            severity.as_str()
        );
        x += w;
    }
    svg.push_str("</svg>\n<p class=\"meta\">");
    for severity in Severity::ALL.iter().rev() {
        let count = report.severities.get(severity).copied().unwrap_or(0);
        if count > 0 {
            let _ = write!(
                svg,
                "<span class=\"key sev {}\"></span>{severity} {count} ",
                severity.as_str()
            );
        }
    }
    svg.push_str("</p>\n");
    svg
}

/// A small bar sparkline of a pattern's minutes with events.
fn sparkline_svg(per_minute: &BTreeMap<String, u64>) -> String {
    if per_minute.is_empty() {
        return String::new();
    }
    let top = per_minute.values().copied().max().unwrap_or(1).max(1);
    let cells = per_minute.len().min(60);
    let step = per_minute.len().div_ceil(cells);
    let mut svg = String::from("<svg class=\"spark\" viewBox=\"0 0 120 20\">");
    #[allow(clippy::cast_precision_loss)]
    let bar = 120.0 / cells as f64;
    let values: Vec<u64> = per_minute.values().copied().collect();
    for (i, chunk) in values.chunks(step).enumerate() {
        let count = chunk.iter().copied().max().unwrap_or(0);
        #[allow(clippy::cast_precision_loss)]
        let h = (count as f64 / top as f64 * 19.0).max(1.0);
        #[allow(clippy::cast_precision_loss)]
        let x = i as f64 * bar;
        let _ = write!(
            svg,
            "<rect x=\"{x:.2}\" y=\"{:.2}\" width=\"{:.2}\" height=\"{h:.2}\"/>",
            20.0 - h,
            (bar - 0.3).max(0.3)
        );
    }
    svg.push_str("</svg>");
    svg
}

/// The first line of a pattern's template, escaped; empty for an unknown id.
fn template_of(report: &Report, id: PatternId) -> String {
    report
        .patterns
        .iter()
        .find(|p| p.id == id)
        .map_or(String::new(), |p| esc(first_line(&p.template)))
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}

/// Text made safe for HTML content and attribute values.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222;padding:0 1em}\
h1{font-size:1.6em}h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #ddd}\
.meta{color:#666}code{font:12px ui-monospace,monospace;background:#f4f4f4;padding:0 .2em}\
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #eee;padding:.3em .4em;text-align:left;vertical-align:top}\
td.num{text-align:right}td.tpl{font:12px ui-monospace,monospace;white-space:pre-wrap;word-break:break-word}\
.chart{width:100%;height:auto}.bar{fill:#c0392b}.axis{font-size:11px;fill:#666}.spark{width:120px;height:20px;fill:#c0392b}\
.prio{font-weight:600;padding:0 .35em;border-radius:3px;color:#fff;background:#888}.P0{background:#b71c1c}.P1{background:#e65100}.P2{background:#9e9d24}\
.sev.EMERGENCY,.sev.ALERT{fill:#4a0000;background:#4a0000}.sev.CRITICAL{fill:#8e0000;background:#8e0000}.sev.ERROR{fill:#d32f2f;background:#d32f2f}\
.sev.WARNING{fill:#f9a825;background:#f9a825}.sev.NOTICE{fill:#5c6bc0;background:#5c6bc0}.sev.INFO{fill:#90a4ae;background:#90a4ae}\
.sev.DEBUG,.sev.DEFAULT{fill:#cfd8dc;background:#cfd8dc}.key{display:inline-block;width:.8em;height:.8em;margin:0 .3em 0 .8em}";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            esc("<script>\"x\" & 'y'</script>"),
            "&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/script&gt;"
        );
    }

    #[test]
    fn the_timeline_has_one_bar_per_minute_with_its_count() {
        let minutes = BTreeMap::from([
            ("2025-01-01T00:00:00Z".to_owned(), 2),
            ("2025-01-01T00:01:00Z".to_owned(), 8),
        ]);
        let svg = timeline_chart(&minutes, (None, None));
        assert_eq!(svg.matches("<rect").count(), 2);
        assert!(svg.contains("<title>2025-01-01T00:01:00Z · 8 errors</title>"));
        assert!(svg.contains("max 8/min"));
    }

    #[test]
    fn the_timeline_spans_the_window_with_quiet_minutes_left_empty() {
        let minutes = BTreeMap::from([("2025-01-01T00:10:00Z".to_owned(), 3)]);
        let svg = timeline_chart(
            &minutes,
            (Some("2025-01-01T00:00:30Z"), Some("2025-01-01T00:59:59Z")),
        );
        assert_eq!(svg.matches("<rect").count(), 1);
        // 60 minutes wide: the bar for 00:10 starts a sixth of the way in.
        assert!(svg.contains("<rect x=\"150.00\""), "{svg}");
        assert!(svg.contains(">2025-01-01T00:00:00Z</text>"));
    }

    #[test]
    fn a_long_window_puts_several_minutes_in_a_bar() {
        let minutes: BTreeMap<String, u64> = (0..1440)
            .map(|m| {
                (
                    format!("2025-01-01T{:02}:{:02}:00Z", m / 60, m % 60),
                    1 + (m % 7) as u64,
                )
            })
            .collect();
        let svg = timeline_chart(&minutes, (None, None));
        assert_eq!(svg.matches("<rect").count(), 720);
        assert!(svg.contains("(+2 min) · busiest"));
    }
}
