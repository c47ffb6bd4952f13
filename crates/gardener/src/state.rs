//! Recording a run in the state file and turning what changed into the report's terms.

use std::path::Path;

use anyhow::Context as _;
use gardener_report::{ChangesReport, GoneReport, RateChangeReport, Report};
use gardener_state::{PatternRecord, RunRecord, StateStore};

/// Records the report's run in the state file at `path` and returns what changed since the
/// previous run.
pub fn record(path: &Path, report: &Report) -> anyhow::Result<ChangesReport> {
    let mut store = StateStore::open(path)?;
    let parse = |text: &Option<String>| {
        text.as_deref()
            .and_then(|t| t.parse::<jiff::Timestamp>().ok())
    };
    let run = RunRecord {
        generated_at: report
            .generated_at
            .parse()
            .with_context(|| format!("bad generation time `{}`", report.generated_at))?,
        window_start: parse(&report.window.start),
        window_end: parse(&report.window.end),
        inputs: report.inputs.iter().map(|i| i.name.clone()).collect(),
        patterns: report
            .patterns
            .iter()
            .map(|p| PatternRecord {
                id: p.id,
                template: p.template.clone(),
                severity: p.severity,
                count: p.count,
                first_seen: parse(&p.first_seen),
                last_seen: parse(&p.last_seen),
            })
            .collect(),
    };
    let changes = store.record_run(&run)?;
    Ok(ChangesReport {
        previous_run: changes.previous_run.map(|run| run.generated_at.to_string()),
        new: changes.new,
        gone: changes
            .gone
            .into_iter()
            .map(|gone| GoneReport {
                id: gone.id,
                template: gone.template,
                previous_count: gone.previous_count,
            })
            .collect(),
        changed: changes
            .changed
            .into_iter()
            .map(|change| RateChangeReport {
                id: change.id,
                before_per_hour: round2(change.before_per_hour),
                now_per_hour: round2(change.now_per_hour),
                ratio: round2(change.ratio),
                z: round2(change.z),
            })
            .collect(),
        regressed: changes.regressed.into_iter().map(|r| r.id).collect(),
        returned: changes.returned.into_iter().map(|r| r.id).collect(),
    })
}

fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}
