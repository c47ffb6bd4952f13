//! Renders the registry as a GitHub markdown table or as JSON.

use std::io::Write;

use gardener_core::Severity;
use serde::Serialize;

use crate::drift::Drift;
use crate::runtime::RuntimeState;
use crate::scan::ScanStats;

/// The result of one audit.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// The audited directory as given.
    pub root: String,
    /// What was read.
    pub scanned: ScanStats,
    /// The runtime state compared against, when `--redis` was given.
    pub runtime: Option<RuntimeState>,
    /// The drift registry, worst first.
    pub drifts: Vec<Drift>,
    /// Files skipped and why.
    pub notes: Vec<String>,
}

impl Report {
    /// Drift counts per severity, worst first, only non-zero ones.
    #[must_use]
    pub fn counts(&self) -> Vec<(Severity, usize)> {
        Severity::ALL
            .iter()
            .rev()
            .map(|s| (*s, self.drifts.iter().filter(|d| d.severity == *s).count()))
            .filter(|(_, n)| *n > 0)
            .collect()
    }
}

/// Escapes a table cell: pipes, and line breaks that would end the row.
fn cell(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace(['\n', '\r'], " ")
}

/// Writes the markdown report.
///
/// # Errors
///
/// When the writer fails.
pub fn markdown(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "# Configuration drift audit\n")?;
    let s = &report.scanned;
    writeln!(
        out,
        "Scanned `{}`: {} source files, {} env files, {} compose files/manifests, {} markdown files.",
        report.root, s.code_files, s.env_files, s.manifest_files, s.doc_files
    )?;
    match &report.runtime {
        Some(runtime) => writeln!(
            out,
            "Runtime: `{}`, {} streams.",
            runtime.url,
            runtime.streams.len()
        )?,
        None => writeln!(
            out,
            "Runtime: not checked (pass `--redis URL` to compare with a live Redis)."
        )?,
    }
    writeln!(out)?;
    if report.drifts.is_empty() {
        writeln!(out, "No drift found.")?;
    } else {
        writeln!(out, "| ID | Type | Where | Expected | Actual | Severity |")?;
        writeln!(out, "|---|---|---|---|---|---|")?;
        for d in &report.drifts {
            writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                cell(&format!("`{}`", d.id)),
                d.kind,
                cell(&format!("`{}`", d.location)),
                cell(&d.expected),
                cell(&d.actual),
                d.severity.as_str()
            )?;
        }
        writeln!(out)?;
        let counts: Vec<String> = report
            .counts()
            .iter()
            .map(|(s, n)| format!("{n} {}", s.as_str()))
            .collect();
        writeln!(
            out,
            "{} drifts: {}.",
            report.drifts.len(),
            counts.join(", ")
        )?;
    }
    if !report.notes.is_empty() {
        writeln!(out, "\nSkipped:\n")?;
        for note in &report.notes {
            writeln!(out, "- {note}")?;
        }
    }
    Ok(())
}

/// Writes the JSON report (one object, pretty-printed, newline-terminated).
///
/// # Errors
///
/// When the writer fails.
pub fn json(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report)?;
    writeln!(out)
}
