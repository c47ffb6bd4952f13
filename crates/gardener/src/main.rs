//! The `gardener` binary: parses the command line, runs the pipeline, writes the reports,
//! prints the summary and picks the exit code (0 success, 1 a requested check tripped,
//! 2 failure). A closed pipe on stdout counts as success.

mod cli;
mod terminal;

use gardener::pipeline;

use std::process::ExitCode;

use anyhow::Context as _;
use clap::Parser as _;

use crate::cli::{AnalyzeArgs, Cli, Command, InputArgs};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Analyze(args) => analyze(&args),
        Command::Patterns(args) => patterns(&args),
        Command::Streams(args) => {
            let mut stdout = std::io::stdout().lock();
            gardener_streams::run(&args, &mut stdout)
                .map(|outcome| match outcome {
                    gardener_streams::Outcome::Healthy => ExitCode::SUCCESS,
                    gardener_streams::Outcome::CheckTripped => ExitCode::from(1),
                })
                .map_err(anyhow::Error::from)
        }
        Command::Audit(args) => {
            let mut stdout = std::io::stdout().lock();
            gardener_audit::run(&args, &mut stdout)
                .map(|outcome| match outcome {
                    gardener_audit::Outcome::Clean => ExitCode::SUCCESS,
                    gardener_audit::Outcome::CheckTripped => ExitCode::from(1),
                })
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

fn options(input: &InputArgs, assignments: Option<std::path::PathBuf>) -> pipeline::Options {
    pipeline::Options {
        inputs: input.inputs.clone(),
        format: input.format.map(Into::into),
        decoder: gardener_parse::DecoderConfig {
            service_field: input.service_field.clone(),
            ..gardener_parse::DecoderConfig::default()
        }
        .with_message_fields(&input.message_fields),
        assignments,
        progress: !input.no_progress,
    }
}

fn analyze(args: &AnalyzeArgs) -> anyhow::Result<ExitCode> {
    let analysis = pipeline::run(&options(&args.input, args.assignments.clone()))?;
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
    if !args.quiet {
        terminal::summary(&analysis.report, &args.out)?;
    }
    for message in &analysis.input_errors {
        terminal::warning(message);
    }
    Ok(if analysis.input_errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}

fn patterns(args: &InputArgs) -> anyhow::Result<ExitCode> {
    let analysis = pipeline::run(&options(args, None))?;
    terminal::patterns(&analysis.report)?;
    for message in &analysis.input_errors {
        terminal::warning(message);
    }
    Ok(if analysis.input_errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
