//! Command-line arguments of `gardener audit`.

use std::path::PathBuf;

use gardener_core::Severity;

/// Output formats.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Format {
    /// A GitHub markdown table.
    #[default]
    Markdown,
    /// One JSON object with the registry.
    Json,
}

/// `gardener audit [DIR]`: configuration drift between code, env docs, compose files,
/// Kubernetes manifests and (with `--redis`) a live Redis.
#[derive(clap::Args, Debug, Clone)]
pub struct AuditArgs {
    /// The repository to audit; `.gitignore` is honoured.
    #[arg(value_name = "DIR", default_value = ".")]
    pub dir: PathBuf,
    /// Compare streams and groups with this Redis (read-only: SCAN, XINFO).
    #[arg(long, value_name = "URL")]
    pub redis: Option<String>,
    /// Glob for stream names in string literals; repeat for several.
    #[arg(
        long = "stream-pattern",
        value_name = "GLOB",
        default_value = "stream:*"
    )]
    pub stream_patterns: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Markdown)]
    pub format: Format,
    /// Exit with code 1 when a drift of this severity or worse is found
    /// (`info`, `notice`, `warning`, `error`).
    #[arg(long, value_name = "SEVERITY", value_parser = parse_severity)]
    pub fail_on: Option<Severity>,
    /// An env var to leave out of the env checks (set by the platform, e.g. `HOME`); repeat.
    #[arg(long = "ignore-var", value_name = "NAME")]
    pub ignore_vars: Vec<String>,
}

fn parse_severity(text: &str) -> Result<Severity, String> {
    Severity::parse(text)
        .ok_or_else(|| format!("unknown severity `{text}`; use info, notice, warning or error"))
}
