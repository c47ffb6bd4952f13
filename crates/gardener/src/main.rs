//! The `gardener` binary: parses the command line, runs the pipeline, writes the reports,
//! prints the summary and picks the exit code (0 success, 1 a requested check tripped,
//! 2 failure). A closed pipe on stdout counts as success.

mod cli;
mod state;
mod terminal;

// glibc's allocator spends a fifth of the run on records allocated by the decoding thread and
// freed by the mining thread; mimalloc's per-thread free lists make that cheap.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::io::Write as _;

use gardener::pipeline;
use gardener::user_patterns::UserPatterns;

use std::process::ExitCode;

use anyhow::Context as _;
use clap::Parser as _;

use crate::cli::{AnalyzeArgs, Cli, Command, InputArgs, ResolveArgs};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Analyze(args) => analyze(&args),
        Command::Patterns(args) => patterns(&args),
        Command::Resolve(args) => resolve(&args),
        Command::Issues(args) => {
            let mut stdout = std::io::stdout().lock();
            gardener_tracker::run(&args, &mut stdout)
                .map_err(anyhow::Error::from)
                .and_then(|outcome| {
                    // The default state file learns which issue follows which pattern.
                    let state = std::path::Path::new(".gardener/state.db");
                    if args.mode == gardener_tracker::Mode::Apply && state.is_file() {
                        record_issue_links(state, &outcome)?;
                    }
                    Ok(ExitCode::SUCCESS)
                })
        }
        Command::Collect(cli::CollectCommand::Gcp(args)) => {
            let mut stdout = std::io::stdout().lock();
            gardener_gcp::run_collect(&args, &mut stdout)
                .map(|()| ExitCode::SUCCESS)
                .map_err(anyhow::Error::from)
        }
        Command::Streams(args) => {
            let mut stdout = std::io::stdout().lock();
            gardener_streams::run(&args, &mut stdout)
                .map(|outcome| check_code(outcome == gardener_streams::Outcome::CheckTripped))
                .map_err(anyhow::Error::from)
        }
        Command::Audit(args) => {
            let mut stdout = std::io::stdout().lock();
            gardener_audit::run(&args, &mut stdout)
                .map(|outcome| check_code(outcome == gardener_audit::Outcome::CheckTripped))
                .map_err(anyhow::Error::from)
        }
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            if is_broken_pipe(&error) {
                return ExitCode::SUCCESS;
            }
            terminal::error(&error);
            ExitCode::from(2)
        }
    }
}

fn options(
    input: &InputArgs,
    assignments: Option<std::path::PathBuf>,
    config: Option<&(String, String)>,
) -> anyhow::Result<pipeline::Options> {
    Ok(pipeline::Options {
        inputs: input.inputs.clone(),
        format: input.format.map(Into::into),
        decoder: gardener_parse::DecoderConfig {
            service_field: input.service_field.clone(),
            ..gardener_parse::DecoderConfig::default()
        }
        .with_message_fields(&input.message_fields),
        assignments,
        progress: !input.no_progress,
        patterns: load_patterns(config)?,
    })
}

fn analyze(args: &AnalyzeArgs) -> anyhow::Result<ExitCode> {
    let config = read_config(args.input.config.as_deref())?;
    let playbook = (
        load_playbook(config.as_ref())?,
        config.as_ref().map(|(name, _)| name.clone()),
    );
    let mut inputs = args.input.inputs.clone();
    let collection = match &args.gcp.gcp_project {
        Some(project) => {
            let (report, file) = collect_gcp(project, &args.gcp, &args.out)?;
            inputs.push(file);
            Some(report)
        }
        None => None,
    };
    if inputs.is_empty() {
        anyhow::bail!(
            "no input\nhint: name files, folders, globs or `-` for stdin, or collect with `--gcp-project`"
        );
    }
    let mut options = options(&args.input, args.assignments.clone(), config.as_ref())?;
    options.inputs = inputs;
    let mut analysis = pipeline::run(&options)?;
    analysis.report.collection = collection;
    if !args.no_state {
        let changes = state::record(&args.state, &analysis.report)?;
        analysis.report.changes = changes;
        analysis.report.triage.state_file = Some(args.state.display().to_string());
    }
    analysis.report.triage.rules_file = playbook.1.clone();
    gardener::triage::apply(
        &mut analysis.report,
        &analysis.cascade_events,
        &playbook.0,
        &gardener_triage::CascadeConfig::default(),
    );
    narrate(args, &mut analysis.report, playbook.1.as_deref())?;
    if let Some(mode) = args.issues.issues {
        sync_issues(args, mode, &mut analysis.report)?;
    }
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create output folder `{}`", args.out.display()))?;
    let json_path = args.out.join("report.json");
    let worklog_path = args.out.join("worklog.md");
    let json =
        gardener_report::json::render(&analysis.report).context("cannot encode report.json")?;
    std::fs::write(&json_path, json)
        .with_context(|| format!("cannot write `{}`", json_path.display()))?;
    std::fs::write(
        &worklog_path,
        gardener_report::markdown::render(&analysis.report),
    )
    .with_context(|| format!("cannot write `{}`", worklog_path.display()))?;
    let html_path = args.out.join("report.html");
    std::fs::write(&html_path, gardener_report::html::render(&analysis.report))
        .with_context(|| format!("cannot write `{}`", html_path.display()))?;
    if !args.quiet {
        terminal::summary(&analysis.report, &args.out)?;
    }
    Ok(input_errors_code(&analysis.input_errors))
}

/// `--narrate`: the LLM narrative, cached in the state file; without the flag nothing is sent
/// and nothing is added.
fn narrate(
    args: &AnalyzeArgs,
    report: &mut gardener_report::Report,
    config_file: Option<&str>,
) -> anyhow::Result<()> {
    let toml_text = match config_file {
        Some(path) => Some(
            std::fs::read_to_string(path)
                .with_context(|| format!("cannot read configuration `{path}`"))?,
        ),
        None => None,
    };
    let config = gardener_narrate::NarrateConfig::from_sources(
        &args.narrate,
        &|key| std::env::var(key).ok(),
        toml_text.as_deref(),
    )
    .context("cannot set up the LLM narrative")?;
    let Some(config) = config else {
        return Ok(());
    };
    let mut store = if args.no_state {
        None
    } else {
        Some(gardener_state::StateStore::open(&args.state)?)
    };
    let narrative = gardener_narrate::narrate(report, &config, store.as_mut())
        .context("the LLM narrative failed")?;
    report
        .extra_sections
        .push(gardener_narrate::render_markdown(&narrative));
    report.narrative =
        Some(serde_json::to_value(&narrative).context("cannot encode the narrative")?);
    Ok(())
}

/// `--issues plan|apply`: the tracker sync over this run's report.
fn sync_issues(
    args: &AnalyzeArgs,
    mode: gardener_tracker::Mode,
    report: &mut gardener_report::Report,
) -> anyhow::Result<()> {
    let issues_args = gardener_tracker::IssuesArgs {
        mode,
        report: None,
        repo: args.issues.repo.clone(),
        tracker: args.issues.tracker.clone(),
        github_api_url: args.issues.github_api_url.clone(),
        min_priority: args.issues.issue_min_priority,
        match_threshold: args.issues.match_threshold,
        config: args.input.config.clone(),
        out: args.out.clone(),
    };
    let config = gardener_tracker::config_from_args(&issues_args)?;
    let json: serde_json::Value = serde_json::from_str(
        &gardener_report::json::render(report).context("cannot encode the report")?,
    )
    .context("cannot re-read the report")?;
    let outcome = gardener_tracker::sync(&json, &config, mode)?;
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create output folder `{}`", args.out.display()))?;
    gardener_tracker::write_plan(&outcome, &args.out, &config.redact_rules)?;
    report
        .extra_sections
        .push(gardener_tracker::processing_status_markdown(&outcome));
    report.issues =
        Some(serde_json::to_value(&outcome).context("cannot encode the tracker outcome")?);
    if mode == gardener_tracker::Mode::Apply && !args.no_state {
        record_issue_links(&args.state, &outcome)?;
    }
    Ok(())
}

/// Remembers which tracker issue follows each pattern; a closed issue marks it resolved, so
/// its return is a regression.
fn record_issue_links(
    state: &std::path::Path,
    outcome: &gardener_tracker::Outcome,
) -> anyhow::Result<()> {
    let mut store = gardener_state::StateStore::open(state)?;
    for link in &outcome.issues {
        if let Some(id) = gardener_core::PatternId::parse(&link.pattern) {
            store.set_issue(id, link.number, link.open)?;
        }
    }
    Ok(())
}

/// Collects the asked window from Cloud Logging into `OUT/collected.ndjson`.
fn collect_gcp(
    project: &str,
    args: &cli::GcpCollectArgs,
    out: &std::path::Path,
) -> anyhow::Result<(gardener_report::CollectionReport, String)> {
    let spec = gardener_gcp::FilterSpec {
        resource: args.gcp_resource,
        service: args.service.clone(),
        min_severity: match &args.min_severity {
            Some(level) => Some(gardener_core::Severity::parse(level).with_context(|| {
                format!("`{level}` is not a severity\nhint: DEBUG, INFO, NOTICE, WARNING, ERROR, CRITICAL, ALERT, EMERGENCY")
            })?),
            None => None,
        },
        extra: args.filter.clone(),
    };
    let window = match (&args.from, &args.since) {
        (Some(from), _) => gardener_gcp::WindowSpec::Range {
            from: gardener_gcp::parse_timestamp(from)?,
            to: args
                .to
                .as_deref()
                .map(gardener_gcp::parse_timestamp)
                .transpose()?,
        },
        (None, since) => gardener_gcp::WindowSpec::Since(gardener_gcp::parse_duration(
            since.as_deref().unwrap_or("1h"),
        )?),
    };
    let mut config =
        gardener_gcp::CollectConfig::new(project, &spec, &window, jiff::Timestamp::now())?;
    config.auth =
        gardener_gcp::AuthConfig::from_env(args.access_token.clone(), args.credentials.clone());
    config.api_base_url.clone_from(&args.gcp_api_url);
    config.limit = args.limit;
    std::fs::create_dir_all(out)
        .with_context(|| format!("cannot create output folder `{}`", out.display()))?;
    let path = out.join("collected.ndjson");
    let file = std::fs::File::create(&path)
        .with_context(|| format!("cannot create `{}`", path.display()))?;
    let mut writer = std::io::BufWriter::new(file);
    let summary = gardener_gcp::collect(&config, &mut writer, &mut gardener_gcp::NoProgress)?;
    writer
        .flush()
        .with_context(|| format!("cannot write `{}`", path.display()))?;
    let name = path.display().to_string();
    Ok((
        gardener_report::CollectionReport {
            resource_names: summary.resource_names,
            filter: summary.filter,
            order_by: summary.order_by,
            pages: summary.pages,
            entries: summary.entries,
            retries: summary.retries,
            credentials: summary.credentials,
            file: name.clone(),
        },
        name,
    ))
}

/// The configuration file: the one named, else `./gardener.toml` when it exists. Returns its
/// name and text.
fn read_config(path: Option<&std::path::Path>) -> anyhow::Result<Option<(String, String)>> {
    let default = std::path::Path::new("gardener.toml");
    let path = match path {
        Some(path) => path,
        None if default.is_file() => default,
        None => return Ok(None),
    };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read configuration `{}`", path.display()))?;
    Ok(Some((path.display().to_string(), text)))
}

/// The playbook with the `[[rules]]` of the configuration, else the built-in rules alone.
fn load_playbook(config: Option<&(String, String)>) -> anyhow::Result<gardener_triage::Playbook> {
    Ok(match config {
        Some((name, text)) => gardener_triage::Playbook::with_rules(name, text)?,
        None => gardener_triage::Playbook::builtin(),
    })
}

/// The `[[patterns]]` of the configuration.
fn load_patterns(config: Option<&(String, String)>) -> anyhow::Result<UserPatterns> {
    match config {
        Some((name, text)) => UserPatterns::from_toml(name, text),
        None => Ok(UserPatterns::default()),
    }
}

/// Marks patterns resolved. An id may be shortened to a unique prefix of at least four hex
/// digits; an id the state file has never seen is an error, with the ids it might mean.
fn resolve(args: &ResolveArgs) -> anyhow::Result<ExitCode> {
    let mut store = gardener_state::StateStore::open(&args.state)?;
    let mut ids = Vec::new();
    for text in &args.ids {
        let text = text.trim().to_ascii_lowercase();
        if text.len() < 4 || text.len() > 16 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            anyhow::bail!(
                "`{text}` is not a pattern id\nhint: ids are 16 hex digits, as in report.json (a unique prefix of 4 or more works)"
            );
        }
        let candidates = store.ids_with_prefix(&text)?;
        match candidates.as_slice() {
            [id] => ids.push(*id),
            [] => anyhow::bail!(
                "pattern `{text}` was never seen in a run recorded in `{}`\nhint: run `gardener analyze` with this state file first",
                args.state.display()
            ),
            many => anyhow::bail!(
                "`{text}` could mean {}\nhint: give more digits",
                many.iter()
                    .map(|id| format!("`{id}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
    let mut stdout = anstream::stdout().lock();
    for id in ids {
        let outcome = store.resolve(
            id,
            gardener_state::ResolvedBy::Person {
                note: args.note.clone(),
            },
        )?;
        let said = match outcome {
            gardener_state::ResolveOutcome::Resolved => "marked resolved",
            gardener_state::ResolveOutcome::AlreadyResolved => "was already resolved",
            gardener_state::ResolveOutcome::Unknown => {
                "unknown to the state file; nothing recorded"
            }
        };
        writeln!(stdout, "{id}: {said}")?;
    }
    Ok(ExitCode::SUCCESS)
}

fn patterns(args: &InputArgs) -> anyhow::Result<ExitCode> {
    if args.inputs.is_empty() {
        anyhow::bail!("no input\nhint: name files, folders, globs or `-` for stdin");
    }
    let config = read_config(args.config.as_deref())?;
    let analysis = pipeline::run(&options(args, None, config.as_ref())?)?;
    terminal::patterns(&analysis.report)?;
    Ok(input_errors_code(&analysis.input_errors))
}

/// Warns about inputs that failed part-way; they make the exit code 2 although the report of
/// everything else was written.
fn input_errors_code(input_errors: &[String]) -> ExitCode {
    for message in input_errors {
        terminal::warning(message);
    }
    if input_errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    }
}

/// Exit code 1 when a check asked for with `--fail-on` tripped, else 0.
fn check_code(tripped: bool) -> ExitCode {
    if tripped {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
