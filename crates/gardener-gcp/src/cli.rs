//! `gardener collect gcp`: the flags, their conversion into a [`CollectConfig`], and the run
//! (output file, cursor, progress spinner, summary).

use std::io::{IsTerminal as _, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use gardener_core::Severity;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use jiff::Timestamp;

use crate::GcpError;
use crate::auth::AuthConfig;
use crate::collect::{
    CollectConfig, CollectSummary, DEFAULT_API_BASE_URL, MAX_PAGE_SIZE, Order, PageDone, Progress,
    StartPoint, collect,
};
use crate::cursor::{CURSOR_VERSION, Cursor, cursor_path};
use crate::filter::{
    Filter, FilterSpec, ResourceKind, WindowSpec, parse_duration, parse_timestamp,
};
use crate::output::OutputFile;
use crate::retry::RetryPolicy;

/// Flags of `gardener collect gcp`.
#[derive(Clone, Debug, clap::Args)]
#[command(about = "Pull a window of Cloud Logging entries (entries:list) into NDJSON")]
pub struct CollectGcpArgs {
    /// The Google Cloud project id to read (sent as `projects/ID`).
    #[arg(long, value_name = "ID")]
    pub project: Option<String>,
    /// Extra resource names to read (`folders/F`, `organizations/O`,
    /// `projects/P/locations/L/buckets/B/views/V`); may be repeated.
    #[arg(long = "resource-name", value_name = "NAME")]
    pub resource_names: Vec<String>,
    /// Only this service: `resource.labels.service_name="S"` (Cloud Run), or
    /// `resource.labels.container_name="S"` with `--resource k8s`.
    #[arg(long, value_name = "NAME")]
    pub service: Option<String>,
    /// Restrict the resource type: `run` (`cloud_run_revision`) or `k8s` (`k8s_container`).
    #[arg(long, value_enum)]
    pub resource: Option<ResourceKind>,
    /// The window ending now: `30m`, `1h`, `1h30m`, `2d` [default: 1h].
    #[arg(long, value_name = "DURATION", conflicts_with_all = ["from", "to"])]
    pub since: Option<String>,
    /// Window start, RFC 3339 (`2025-05-28T17:00:00Z`).
    #[arg(long, value_name = "TIME")]
    pub from: Option<String>,
    /// Window end (exclusive), RFC 3339 [default: now].
    #[arg(long, value_name = "TIME", requires = "from")]
    pub to: Option<String>,
    /// Only entries at or above this severity (`WARNING`, `error`, ...).
    #[arg(long, value_name = "LEVEL", value_parser = parse_severity)]
    pub min_severity: Option<Severity>,
    /// A Logging query ANDed with the rest, in parentheses.
    #[arg(long, value_name = "QUERY")]
    pub filter: Option<String>,
    /// Stop after this many entries.
    #[arg(long, value_name = "N")]
    pub limit: Option<u64>,
    /// Entries per request (at most 1000).
    #[arg(long, value_name = "N", default_value_t = MAX_PAGE_SIZE,
          value_parser = clap::value_parser!(u32).range(1..=i64::from(MAX_PAGE_SIZE)))]
    pub page_size: u32,
    /// Oldest first (`asc`, what `gardener analyze` expects) or newest first (`desc`).
    #[arg(long, value_enum, default_value_t = Order::Asc)]
    pub order: Order,
    /// Where to write the entries: NDJSON, gzip when the name ends in `.gz`, `-` for stdout.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: PathBuf,
    /// Continue an interrupted collection from `FILE.cursor` (the request is taken from the
    /// cursor; window and filter flags are ignored).
    #[arg(long)]
    pub resume: bool,
    /// An OAuth access token (else GOOGLE_OAUTH_ACCESS_TOKEN, a key file, or gcloud).
    #[arg(long, value_name = "TOKEN")]
    pub access_token: Option<String>,
    /// A service-account key file (else GOOGLE_APPLICATION_CREDENTIALS).
    #[arg(long, value_name = "FILE")]
    pub credentials: Option<PathBuf>,
    /// The Cloud Logging API base URL.
    #[arg(long, value_name = "URL", default_value = DEFAULT_API_BASE_URL)]
    pub api_base_url: String,
    /// Requests per page at most when the API answers 429 or 5xx.
    #[arg(long, value_name = "N", default_value_t = 6)]
    pub max_attempts: u32,
    /// The first retry's wait in milliseconds (doubled per retry, jittered).
    #[arg(long, value_name = "MS", default_value_t = 1_000, hide = true)]
    pub retry_base_ms: u64,
    /// Never show the progress spinner.
    #[arg(long)]
    pub no_progress: bool,
}

fn parse_severity(text: &str) -> Result<Severity, String> {
    Severity::parse(text).ok_or_else(|| {
        format!(
            "unknown severity `{text}`; use one of {}",
            Severity::ALL.map(Severity::as_str).join(", ")
        )
    })
}

impl CollectGcpArgs {
    /// The collection these flags describe, with "now" given (for `--since` and a `--from`
    /// without `--to`). Ignores `--resume` (see [`run_collect`]).
    ///
    /// # Errors
    ///
    /// Neither `--project` nor `--resource-name`, an unreadable time or duration, an empty
    /// window, or a filter with an obvious mistake.
    pub fn to_config(&self, now: Timestamp) -> Result<CollectConfig, GcpError> {
        let window = match (&self.since, &self.from) {
            (Some(since), _) => WindowSpec::Since(parse_duration(since)?),
            (None, Some(from)) => WindowSpec::Range {
                from: parse_timestamp(from)?,
                to: self.to.as_deref().map(parse_timestamp).transpose()?,
            },
            (None, None) => WindowSpec::Since(Duration::from_secs(3_600)),
        };
        let spec = FilterSpec {
            resource: self.resource,
            service: self.service.clone(),
            min_severity: self.min_severity,
            extra: self.filter.clone(),
        };
        let mut names = Vec::new();
        if let Some(project) = &self.project {
            let project = project.trim();
            if project.is_empty() || project.contains('/') {
                return Err(GcpError::usage(format!(
                    "`{project}` is not a project id\nhint: give the id alone, for example \
                     `--project shop-prod`; use `--resource-name` for folders or buckets"
                )));
            }
            names.push(format!("projects/{project}"));
        }
        names.extend(self.resource_names.iter().cloned());
        let mut config = CollectConfig::with_resource_names(names, &spec, &window, now)?;
        if config.resource_names.len() > 100 {
            return Err(GcpError::usage(
                "entries:list reads at most 100 resource names per request",
            ));
        }
        self.apply_transport(&mut config);
        config.order = self.order;
        config.page_size = self.page_size;
        config.limit = self.limit;
        Ok(config)
    }

    /// The settings that a resumed run takes from the flags, not from the cursor.
    fn apply_transport(&self, config: &mut CollectConfig) {
        config.api_base_url.clone_from(&self.api_base_url);
        config.auth = AuthConfig::from_env(self.access_token.clone(), self.credentials.clone());
        config.retry = RetryPolicy {
            max_attempts: self.max_attempts.max(1),
            base_delay: Duration::from_millis(self.retry_base_ms),
            ..RetryPolicy::default()
        };
    }

    fn to_stdout(&self) -> bool {
        self.output.as_os_str() == "-"
    }
}

/// Runs `gardener collect gcp` with the current time: writes the entries, then a short summary
/// to `stdout` (unless the entries themselves go to stdout with `-o -`).
///
/// # Errors
///
/// See [`run_collect_at`].
pub fn run_collect(args: &CollectGcpArgs, stdout: &mut dyn Write) -> Result<(), GcpError> {
    run_collect_at(args, Timestamp::now(), stdout).map(|_| ())
}

/// [`run_collect`] with "now" given and the summary returned.
///
/// Before the first request the cursor `FILE.cursor` is written (so even a `--since` window is
/// kept exactly for a resume); after every page it is updated; on success it is removed. On
/// failure the output so far and the cursor stay, and the error says how to resume.
///
/// # Errors
///
/// Bad flags, an existing cursor without `--resume` (or `--resume` without one), and every
/// error of [`collect`].
pub fn run_collect_at(
    args: &CollectGcpArgs,
    now: Timestamp,
    stdout: &mut dyn Write,
) -> Result<CollectSummary, GcpError> {
    let show_progress = !args.no_progress && std::io::stderr().is_terminal();
    if args.to_stdout() {
        if args.resume {
            return Err(GcpError::usage(
                "`--resume` needs an output file, not `-o -`",
            ));
        }
        let config = args.to_config(now)?;
        let mut progress = CliProgress::new(show_progress, None);
        let mut out = std::io::BufWriter::new(stdout);
        let result = collect(&config, &mut out, &mut progress);
        progress.finish();
        return result;
    }
    let cursor_file = cursor_path(&args.output);
    let (config, mut out, cursor) = if args.resume {
        let cursor = Cursor::load(&cursor_file).map_err(|error| match error {
            GcpError::Cursor { path, reason } if !path.exists() => GcpError::Cursor {
                path,
                reason: format!(
                    "{reason}\nhint: there is nothing to resume; run without `--resume`"
                ),
            },
            other => other,
        })?;
        let config = resumed_config(args, &cursor)?;
        let out = OutputFile::resume(&args.output, cursor.bytes)?;
        (config, out, cursor)
    } else {
        if cursor_file.exists() {
            return Err(GcpError::Cursor {
                path: cursor_file,
                reason: format!(
                    "an interrupted collection into `{}` exists\nhint: add `--resume` to \
                     continue it, or delete the cursor to start over",
                    args.output.display()
                ),
            });
        }
        let config = args.to_config(now)?;
        let out = OutputFile::create(&args.output)?;
        let cursor = Cursor {
            version: CURSOR_VERSION,
            request: config.request(),
            window: config.window,
            limit: config.limit,
            next_page_token: None,
            pages: 0,
            entries: 0,
            bytes: 0,
        };
        cursor.save(&cursor_file)?;
        (config, out, cursor)
    };
    let mut progress = CliProgress::new(
        show_progress,
        Some(CursorSaver {
            path: cursor_file.clone(),
            output: args.output.clone(),
            cursor,
        }),
    );
    let result = collect(&config, &mut out, &mut progress);
    progress.finish();
    let interrupted = |cause: GcpError| GcpError::Interrupted {
        cause: Box::new(cause),
        output: args.output.clone(),
        cursor: cursor_file.clone(),
    };
    let summary = match result {
        Ok(summary) => summary,
        Err(error) => {
            drop(out);
            // A fresh run that wrote nothing (bad credentials, a refused query) leaves nothing
            // behind, so the same command can simply be run again once the cause is fixed.
            if !args.resume && progress.pages_this_run == 0 {
                let _ = std::fs::remove_file(&cursor_file);
                let _ = std::fs::remove_file(&args.output);
                return Err(error);
            }
            return Err(interrupted(error));
        }
    };
    out.finish().map_err(interrupted)?;
    std::fs::remove_file(&cursor_file).map_err(|e| GcpError::Cursor {
        path: cursor_file.clone(),
        reason: format!("cannot remove the finished cursor: {e}"),
    })?;
    write_summary(stdout, &summary, &args.output).map_err(|source| GcpError::Write {
        path: PathBuf::from("-"),
        source,
    })?;
    Ok(summary)
}

fn resumed_config(args: &CollectGcpArgs, cursor: &Cursor) -> Result<CollectConfig, GcpError> {
    let filter = Filter::verbatim(cursor.request.filter.clone())?;
    let mut config = CollectConfig {
        resource_names: cursor.request.resource_names.clone(),
        filter,
        window: cursor.window,
        order: if cursor.request.order_by.ends_with("desc") {
            Order::Desc
        } else {
            Order::Asc
        },
        page_size: cursor.request.page_size,
        limit: cursor.limit,
        api_base_url: String::new(),
        auth: AuthConfig::default(),
        retry: RetryPolicy::default(),
        timeout: Duration::from_secs(120),
        start: StartPoint {
            page_token: cursor.next_page_token.clone(),
            pages: cursor.pages,
            entries: cursor.entries,
        },
    };
    args.apply_transport(&mut config);
    Ok(config)
}

fn write_summary(
    out: &mut dyn Write,
    summary: &CollectSummary,
    path: &Path,
) -> std::io::Result<()> {
    let empty = if summary.empty_pages > 0 {
        format!(" ({} empty)", summary.empty_pages)
    } else {
        String::new()
    };
    writeln!(
        out,
        "collected {} entries in {} pages{empty} from {} into {}",
        summary.entries,
        summary.pages,
        summary.resource_names.join(", "),
        path.display()
    )?;
    writeln!(out, "filter: {}", summary.filter)?;
    writeln!(out, "order: {}", summary.order_by)?;
    writeln!(out, "credentials: {}", summary.credentials)?;
    if summary.retries > 0 {
        writeln!(out, "retries: {}", summary.retries)?;
    }
    if let Some(page) = summary.resumed_at_page {
        writeln!(out, "resumed at page {page}")?;
    }
    if summary.stopped_at_limit {
        writeln!(
            out,
            "stopped at --limit {}; the API had more",
            summary.entries
        )?;
    }
    Ok(())
}

struct CursorSaver {
    path: PathBuf,
    output: PathBuf,
    cursor: Cursor,
}

/// The spinner on stderr (only when it is a terminal) and the cursor after every page.
struct CliProgress {
    bar: Option<ProgressBar>,
    saver: Option<CursorSaver>,
    pages_this_run: u64,
}

impl CliProgress {
    fn new(show: bool, saver: Option<CursorSaver>) -> Self {
        let bar = show.then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} [{elapsed}]") {
                bar.set_style(style);
            }
            bar.set_message("collecting from Cloud Logging");
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Self {
            bar,
            saver,
            pages_this_run: 0,
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Progress for CliProgress {
    fn page(&mut self, page: &PageDone<'_>) -> Result<(), GcpError> {
        self.pages_this_run += 1;
        if let Some(bar) = &self.bar {
            bar.set_message(format!(
                "collecting from Cloud Logging: page {}, {} entries",
                page.pages, page.entries
            ));
        }
        if let Some(saver) = &mut self.saver {
            let bytes = std::fs::metadata(&saver.output)
                .map_err(|e| GcpError::Cursor {
                    path: saver.path.clone(),
                    reason: format!("cannot measure `{}`: {e}", saver.output.display()),
                })?
                .len();
            saver.cursor.next_page_token = page.next_page_token.map(str::to_owned);
            saver.cursor.pages = page.pages;
            saver.cursor.entries = page.entries;
            saver.cursor.bytes = bytes;
            if page.next_page_token.is_some() {
                saver.cursor.save(&saver.path)?;
            }
        }
        Ok(())
    }

    fn retry(&mut self, attempt: u32, wait: Duration, reason: &str) {
        if let Some(bar) = &self.bar {
            bar.set_message(format!(
                "retry {attempt} in {:.1}s after {reason}",
                wait.as_secs_f64()
            ));
        }
    }
}
