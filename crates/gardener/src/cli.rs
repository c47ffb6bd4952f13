//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Log Gardener turns log exports and streams into a triage worklog whose numbers are exact.
#[derive(Debug, Parser)]
#[command(name = "gardener", version, about, max_term_width = 100)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Analyse logs and write the worklog (`worklog.md`), `report.json` and `report.html`.
    Analyze(Box<AnalyzeArgs>),
    /// Mine patterns only and print them with their counts.
    Patterns(InputArgs),
    /// Mark patterns resolved: when one occurs again, the next run reports a regression.
    Resolve(ResolveArgs),
    /// Collect logs from a source into a file.
    #[command(subcommand)]
    Collect(CollectCommand),
    /// Plan or apply the issue tracker sync for a written report.json.
    Issues(gardener_tracker::IssuesArgs),
    /// Redis Streams health: lag, pending, dead letters, unread streams, trim loss.
    Streams(gardener_streams::cli::StreamsArgs),
    /// Configuration drift: env vars, stream names and ports that code, docs and runtime
    /// disagree on.
    Audit(gardener_audit::cli::AuditArgs),
}

/// Where logs come from and how to read them.
#[derive(Debug, Args)]
pub struct InputArgs {
    /// Files, directories, globs, or `-` for standard input. gzip and zstd are recognised by
    /// their first bytes.
    #[arg(value_name = "INPUT")]
    pub inputs: Vec<String>,

    /// The input format; detected per input when not given.
    #[arg(long, value_enum)]
    pub format: Option<FormatArg>,

    /// A JSON field holding the message to mine, tried before the defaults (`message`, `msg`,
    /// `log`, `textPayload`, `event`, ...). Repeatable.
    #[arg(long = "message-field", value_name = "FIELD")]
    pub message_fields: Vec<String>,

    /// A field naming the service (a dotted path into JSON, e.g. `jsonPayload.context.app`),
    /// overriding the built-in rules.
    #[arg(long, value_name = "FIELD")]
    pub service_field: Option<String>,

    /// Never show a progress bar.
    #[arg(long)]
    pub no_progress: bool,

    /// The configuration file: `[[patterns]]` (templates of your own), `[[rules]]` of the
    /// playbook, `[llm]`, `[redact]`, `[tracker]`. Default: `gardener.toml` in the current
    /// folder when it exists.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// Arguments of `gardener analyze`.
#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// The inputs.
    #[command(flatten)]
    pub input: InputArgs,

    /// Folder for `worklog.md`, `report.json` and `report.html`.
    #[arg(long, short, default_value = "gardener-report", value_name = "DIR")]
    pub out: PathBuf,

    /// Also write one CSV row per event: `position,insert_id,pattern_id`.
    #[arg(long, value_name = "FILE")]
    pub assignments: Option<PathBuf>,

    /// Print nothing on the terminal but errors.
    #[arg(long, short)]
    pub quiet: bool,

    /// The state file that remembers earlier runs (new, gone, changed and regressed patterns).
    #[arg(long, default_value = ".gardener/state.db", value_name = "PATH")]
    pub state: PathBuf,

    /// Neither read nor record run history.
    #[arg(long, conflicts_with = "state")]
    pub no_state: bool,

    /// Collect from Cloud Logging first (entries:list), then analyse what was collected (with
    /// any INPUT given too). The collected NDJSON is kept as `collected.ndjson` in `--out`.
    #[command(flatten)]
    pub gcp: GcpCollectArgs,

    /// Sync findings with the issue tracker after the analysis.
    #[command(flatten)]
    pub issues: AnalyzeIssuesArgs,

    /// An LLM narrative over the engine's findings (off unless `--narrate`).
    #[command(flatten)]
    pub narrate: gardener_narrate::cli::NarrateArgs,
}

/// `analyze --issues plan|apply`: the tracker sync in the same run.
#[derive(Debug, Args)]
pub struct AnalyzeIssuesArgs {
    /// Plan (read-only) or apply the tracker sync; writes `issues-plan.md` and
    /// `issues-plan.json` into `--out` and a "Processing status" section into the worklog.
    #[arg(long, value_enum, value_name = "MODE", help_heading = "Issue tracker")]
    pub issues: Option<gardener_tracker::Mode>,
    /// The GitHub repository (default `$GITHUB_REPOSITORY`).
    #[arg(long, value_name = "OWNER/NAME", help_heading = "Issue tracker")]
    pub repo: Option<String>,
    /// `github` or `dir:PATH` (offline: `gh issue list --state all --json ...` output in PATH).
    #[arg(
        long,
        default_value = "github",
        value_name = "github|dir:PATH",
        help_heading = "Issue tracker"
    )]
    pub tracker: String,
    /// The GitHub API base URL (an Enterprise server's `https://HOST/api/v3`).
    #[arg(
        long,
        default_value = "https://api.github.com",
        value_name = "URL",
        help_heading = "Issue tracker"
    )]
    pub github_api_url: String,
    /// File findings of this priority and above (default P1).
    #[arg(long, value_name = "P0|P1|P2|P3", help_heading = "Issue tracker")]
    pub issue_min_priority: Option<gardener_tracker::Priority>,
    /// Similarity a person's issue needs to be matched (default 0.42).
    #[arg(long, value_name = "SCORE", help_heading = "Issue tracker")]
    pub match_threshold: Option<f64>,
}

/// `analyze --gcp-project ...`: the window to collect.
#[derive(Debug, Args)]
pub struct GcpCollectArgs {
    /// The Google Cloud project to collect from.
    #[arg(long, value_name = "ID", help_heading = "Collect from Cloud Logging")]
    pub gcp_project: Option<String>,
    /// Only this service (Cloud Run `service_name`, or GKE `container_name` with `--gcp-resource k8s`).
    #[arg(
        long,
        value_name = "NAME",
        requires = "gcp_project",
        help_heading = "Collect from Cloud Logging"
    )]
    pub service: Option<String>,
    /// Restrict to a resource type.
    #[arg(
        long,
        value_enum,
        requires = "gcp_project",
        help_heading = "Collect from Cloud Logging"
    )]
    pub gcp_resource: Option<gardener_gcp::ResourceKind>,
    /// The last DURATION before now (`30m`, `1h`, `2d`); the default window is 1h.
    #[arg(
        long,
        value_name = "DURATION",
        requires = "gcp_project",
        conflicts_with = "from",
        help_heading = "Collect from Cloud Logging"
    )]
    pub since: Option<String>,
    /// Window start (RFC 3339).
    #[arg(
        long,
        value_name = "TIME",
        requires = "gcp_project",
        help_heading = "Collect from Cloud Logging"
    )]
    pub from: Option<String>,
    /// Window end (RFC 3339; default now).
    #[arg(
        long,
        value_name = "TIME",
        requires = "from",
        help_heading = "Collect from Cloud Logging"
    )]
    pub to: Option<String>,
    /// Only entries of this severity and above.
    #[arg(
        long,
        value_name = "LEVEL",
        requires = "gcp_project",
        help_heading = "Collect from Cloud Logging"
    )]
    pub min_severity: Option<String>,
    /// An extra Logging query, ANDed in parentheses.
    #[arg(
        long,
        value_name = "QUERY",
        requires = "gcp_project",
        help_heading = "Collect from Cloud Logging"
    )]
    pub filter: Option<String>,
    /// Stop after N entries.
    #[arg(
        long,
        value_name = "N",
        requires = "gcp_project",
        help_heading = "Collect from Cloud Logging"
    )]
    pub limit: Option<u64>,
    /// An OAuth access token (else `GOOGLE_OAUTH_ACCESS_TOKEN`, a key file, or gcloud).
    #[arg(
        long,
        value_name = "TOKEN",
        requires = "gcp_project",
        help_heading = "Collect from Cloud Logging"
    )]
    pub access_token: Option<String>,
    /// A service-account key file (else `GOOGLE_APPLICATION_CREDENTIALS`).
    #[arg(
        long,
        value_name = "FILE",
        requires = "gcp_project",
        help_heading = "Collect from Cloud Logging"
    )]
    pub credentials: Option<PathBuf>,
    /// The Logging API base URL.
    #[arg(long, value_name = "URL", requires = "gcp_project", default_value = gardener_gcp::DEFAULT_API_BASE_URL, help_heading = "Collect from Cloud Logging")]
    pub gcp_api_url: String,
}

/// Arguments of `gardener resolve`.
#[derive(Debug, Args)]
pub struct ResolveArgs {
    /// The pattern ids to mark resolved (16 hex digits, as in the report).
    #[arg(required = true, value_name = "ID")]
    pub ids: Vec<String>,

    /// The state file.
    #[arg(long, default_value = ".gardener/state.db", value_name = "PATH")]
    pub state: PathBuf,

    /// Why, or where it was fixed (kept with the resolution).
    #[arg(long)]
    pub note: Option<String>,
}

/// `gardener collect` sources.
#[derive(Debug, Subcommand)]
pub enum CollectCommand {
    /// Google Cloud Logging (entries:list) to NDJSON.
    Gcp(gardener_gcp::CollectGcpArgs),
}

/// `--format` values.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum FormatArg {
    /// A JSON array of Cloud Logging entries (`gcloud logging read --format=json`).
    GcpArray,
    /// Cloud Logging entries, one per line.
    GcpNdjson,
    /// JSON objects, one per line.
    Json,
    /// logfmt lines.
    Logfmt,
    /// Plain text lines.
    Plain,
    /// Container runtime lines: Kubernetes CRI (`<time> stderr F <text>`) or Docker json-file
    /// (`{"log":...,"stream":...,"time":...}`), each wrapping a plain text line.
    Container,
}

impl From<FormatArg> for gardener_parse::Format {
    fn from(value: FormatArg) -> Self {
        match value {
            FormatArg::GcpArray => Self::GcpArray,
            FormatArg::GcpNdjson => Self::GcpNdjson,
            FormatArg::Json => Self::JsonLines,
            FormatArg::Logfmt => Self::Logfmt,
            FormatArg::Plain => Self::Plain,
            FormatArg::Container => Self::Container,
        }
    }
}
