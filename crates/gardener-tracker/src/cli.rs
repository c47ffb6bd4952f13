//! `gardener issues` arguments. The binary flattens [`IssuesArgs`] into its subcommand and
//! calls [`crate::run`].

use std::path::PathBuf;

use crate::finding::Priority;

/// Read-only plan, or carry it out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Print and write what would happen; change nothing.
    Plan,
    /// Carry the plan out.
    Apply,
}

impl std::fmt::Display for Mode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Plan => "plan",
            Self::Apply => "apply",
        })
    }
}

/// `gardener issues [plan|apply]`: file findings of a report into the tracker.
#[derive(Debug, Clone, clap::Args)]
pub struct IssuesArgs {
    /// `plan` (default, read-only) or `apply`.
    #[arg(value_enum, default_value_t = Mode::Plan)]
    pub mode: Mode,
    /// The report written by `gardener analyze` (default: `OUT/report.json`).
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Repository `owner/name` (default: `$GITHUB_REPOSITORY`).
    #[arg(long, value_name = "OWNER/NAME")]
    pub repo: Option<String>,
    /// `github`, or `dir:PATH` to read `PATH/issues.json` (from `gh issue list --state all
    /// --json number,title,body,state,labels`) and write markdown files there.
    #[arg(long, default_value = "github", value_name = "github|dir:PATH")]
    pub tracker: String,
    /// GitHub API base URL (Enterprise: `https://HOST/api/v3`).
    #[arg(long, default_value = "https://api.github.com", value_name = "URL")]
    pub github_api_url: String,
    /// File findings of this priority or more urgent [default: P1, or `[tracker]
    /// min_priority` of gardener.toml].
    #[arg(long, value_name = "P0|P1|P2|P3")]
    pub min_priority: Option<Priority>,
    /// Similarity score (0..1) at or above which a person's issue is matched [default: 0.42].
    #[arg(long, value_name = "SCORE")]
    pub match_threshold: Option<f64>,
    /// gardener.toml with `[tracker]` and `[redact]` sections (default: ./gardener.toml when
    /// present).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Where `issues-plan.md` and `issues-plan.json` go.
    #[arg(long, default_value = ".", value_name = "DIR")]
    pub out: PathBuf,
}
