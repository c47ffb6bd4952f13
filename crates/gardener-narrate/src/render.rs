//! Markdown: the worklog sections "Narrative" and "LLM usage and cost".

use std::fmt::Write as _;

use crate::ledger::{Outcome, Purpose};
use crate::narrative::{Narrative, Source};
use crate::price::{PriceSource, Usd};

/// Inline code that cannot break out of its backticks or a table cell.
fn code(text: &str) -> String {
    format!("`{}`", text.replace('`', "'").replace('|', "\\|"))
}

/// A table cell: pipes escaped, one line.
fn cell(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('|', "\\|")
}

fn money(value: Option<Usd>) -> String {
    value.map_or_else(|| "unknown".to_owned(), |v| v.to_string())
}

/// The two worklog sections, each starting with a `## ` heading.
#[must_use]
pub fn render_markdown(narrative: &Narrative) -> String {
    let mut out = String::new();
    render_narrative(narrative, &mut out);
    out.push('\n');
    render_usage(narrative, &mut out);
    out
}

fn render_narrative(n: &Narrative, out: &mut String) {
    out.push_str("## Narrative\n\n");
    match (&n.model, n.provider) {
        (Some(model), Some(provider)) => {
            let _ = writeln!(
                out,
                "Prose by {} ({provider}) from the engine's findings only. Numbers in it were \
                 checked against those findings; every table in this worklog comes from the \
                 engine.\n",
                code(model)
            );
        }
        _ => out.push_str(
            "Narration is off (`--narrate` not given): the playbook's text, nothing sent \
             anywhere.\n\n",
        ),
    }
    if n.units.is_empty() {
        out.push_str("No findings at P0–P2: nothing to narrate.\n");
        return;
    }
    for unit in &n.units {
        let _ = writeln!(out, "### {}\n", code(&unit.service));
        let patterns: Vec<String> = unit
            .patterns
            .iter()
            .map(|(id, priority)| format!("{priority} `{id}`"))
            .collect();
        let _ = writeln!(
            out,
            "_Source: {}. Findings: {}._\n",
            cell(&unit.source.to_string()),
            patterns.join(", ")
        );
        for flag in &unit.flags {
            let _ = writeln!(out, "> ⚠ {}\n", cell(flag));
        }
        let _ = writeln!(out, "{}\n", unit.prose.summary);
        for (title, items) in [
            ("Key issues", &unit.prose.key_issues),
            ("Immediate actions", &unit.prose.immediate_actions),
            (
                "Additional context needed",
                &unit.prose.additional_context_needed,
            ),
            ("Prevention measures", &unit.prose.prevention_measures),
        ] {
            let _ = writeln!(out, "**{title}**\n");
            if items.is_empty() {
                let none = if matches!(unit.source, Source::Llm | Source::Cache) {
                    "- _none given_"
                } else {
                    "- _the playbook has none_"
                };
                out.push_str(none);
                out.push('\n');
            }
            for item in items {
                let _ = writeln!(out, "- {item}");
            }
            out.push('\n');
        }
    }
}

fn render_usage(n: &Narrative, out: &mut String) {
    out.push_str("## LLM usage and cost\n\n");
    let ledger = &n.ledger;
    let Some(model) = &n.model else {
        out.push_str("No model was called.\n");
        return;
    };
    match &ledger.price {
        Some(note) => {
            let origin = match note.source {
                PriceSource::Default => format!(
                    "default table of {}; override with `[llm.prices.\"{}\"]` in gardener.toml",
                    note.default_table_date, note.entry
                ),
                PriceSource::Config => "from gardener.toml".to_owned(),
            };
            let _ = writeln!(
                out,
                "Price of {} (entry {}): ${} per million input tokens, ${} per million output \
                 tokens ({origin}). Each cost is rounded to a micro-dollar once; totals are sums \
                 of the rows as printed.\n",
                code(model),
                code(&note.entry),
                note.price.input_per_mtok,
                note.price.output_per_mtok
            );
        }
        None => {
            let _ = writeln!(
                out,
                "Model {} has no price: costs are unknown. Add `[llm.prices.\"{}\"]` with \
                 `input_per_mtok` and `output_per_mtok` to gardener.toml.\n",
                code(model),
                model.replace('`', "'")
            );
        }
    }
    if let Some(budget) = ledger.budget {
        let _ = writeln!(
            out,
            "Budget: ${budget}; spent ${}; calls skipped for it: {}.\n",
            ledger.spent(),
            ledger.totals.skipped
        );
    }
    out.push_str(
        "| # | Unit | Call | Outcome | Attempts | Latency (ms) | Prompt tokens | Completion tokens \
         | Input (USD) | Output (USD) | Cost (USD) |\n",
    );
    out.push_str("|---:|---|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
    for (i, row) in ledger.calls.iter().enumerate() {
        let call = match row.purpose {
            Purpose::First => "first",
            Purpose::Retry => "retry",
        };
        let tokens = |t: u64| {
            if row.usage_reported || row.attempts == 0 {
                t.to_string()
            } else {
                format!("{t} (none reported)")
            }
        };
        let _ = writeln!(
            out,
            "| {} | {} | {call} | {} | {} | {} | {} | {} | {} | {} | {} |",
            i + 1,
            code(&row.unit),
            cell(&row.outcome.label()),
            row.attempts,
            row.latency_ms,
            tokens(row.prompt_tokens),
            tokens(row.completion_tokens),
            money(row.input_cost),
            money(row.output_cost),
            money(row.cost),
        );
    }
    let t = &ledger.totals;
    let _ = writeln!(
        out,
        "| | **Total** | {} rows | {} requests, {} cache hits, {} skipped | {} | {} | {} | {} | {} \
         | {} | {} |",
        t.rows,
        t.requests,
        t.cache_hits,
        t.skipped,
        t.attempts,
        t.latency_ms,
        t.prompt_tokens,
        t.completion_tokens,
        money(t.input_cost),
        money(t.output_cost),
        money(t.cost),
    );
    let reasons: Vec<String> = ledger
        .calls
        .iter()
        .enumerate()
        .filter_map(|(i, row)| match &row.outcome {
            Outcome::Refused { why } | Outcome::Failed { why } => {
                Some(format!("- Row {}: {}", i + 1, cell(why)))
            }
            _ => None,
        })
        .collect();
    if !reasons.is_empty() {
        out.push('\n');
        out.push_str(&reasons.join("\n"));
        out.push('\n');
    }
}
