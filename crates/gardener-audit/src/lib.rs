//! Configuration drift audit: what the code reads and writes versus what the docs, compose
//! files, Kubernetes manifests and a live Redis say (issue 9).
//!
//! - **Env vars**: reads in TypeScript/JavaScript, Python, Rust, Go and Java (found by a small
//!   per-language lexer, so comments and string contents never count) versus `.env.*` files and
//!   markdown tables: undocumented, documented but unused, defaults that disagree.
//! - **Streams**: `XADD`/`XREADGROUP`/`XGROUP CREATE`/... calls of the common clients and
//!   literals matching `--stream-pattern` (default `stream:*`); published but never read, read
//!   but never published, one stream or group under two spellings; with `--redis`, compared
//!   with the streams and groups that exist.
//! - **Ports**: compose host-port collisions, container ports shared by several services, and
//!   health checks or probes on a port the service does not listen on.
//!
//! The binary wires [`cli::AuditArgs`] to [`run`]; rendering, exit codes and runtime access
//! stay here, printing errors is the binary's job.
//!
//! ```no_run
//! use clap::Parser;
//! #[derive(Parser)]
//! struct Cli { #[command(flatten)] audit: gardener_audit::cli::AuditArgs }
//! let cli = Cli::parse_from(["audit", ".", "--format", "json", "--fail-on", "warning"]);
//! let outcome = gardener_audit::run(&cli.audit, &mut std::io::stdout())?;
//! # Ok::<(), gardener_audit::AuditError>(())
//! ```

#![deny(missing_docs)]

pub mod cli;
pub mod code;
mod dotenv;
pub mod drift;
mod error;
pub mod lexer;
pub mod manifest;
mod markdown;
pub mod report;
mod rules;
pub mod runtime;
pub mod scan;

use std::path::Path;

pub use drift::{Drift, DriftKind, Location};
pub use error::AuditError;
pub use report::Report;

/// How an audit ended, for the exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// No drift at or above `--fail-on` (or no `--fail-on`): exit 0.
    Clean,
    /// A drift at or above `--fail-on` was found: exit 1.
    CheckTripped,
}

/// Audits `dir`: scans, applies every rule, and (with `redis_url`) compares with a live Redis.
///
/// # Errors
///
/// When the directory cannot be walked or read, or Redis cannot be inspected.
pub fn audit(
    dir: &Path,
    patterns: &[String],
    ignore_vars: &[String],
    redis_url: Option<&str>,
) -> Result<Report, AuditError> {
    if !dir.is_dir() {
        return Err(AuditError::NotADirectory {
            path: dir.to_path_buf(),
        });
    }
    let facts = scan::scan(dir, patterns)?;
    let runtime = redis_url.map(runtime::inspect).transpose()?;
    let mut drifts = Vec::new();
    rules::env(&facts, ignore_vars, &mut drifts);
    rules::streams(&facts, &mut drifts);
    rules::ports(&facts, &mut drifts);
    if let Some(state) = &runtime {
        rules::runtime(&facts, state, patterns, &mut drifts);
    }
    drift::finish(&mut drifts);
    Ok(Report {
        root: dir.display().to_string(),
        scanned: facts.stats,
        runtime,
        drifts,
        notes: facts.notes,
    })
}

/// Runs `gardener audit` with parsed arguments and writes the report to `stdout`.
///
/// # Errors
///
/// See [`audit`]; also when writing the report fails.
pub fn run(args: &cli::AuditArgs, stdout: &mut dyn std::io::Write) -> Result<Outcome, AuditError> {
    let report = audit(
        &args.dir,
        &args.stream_patterns,
        &args.ignore_vars,
        args.redis.as_deref(),
    )?;
    let written = match args.format {
        cli::Format::Markdown => report::markdown(&report, stdout),
        cli::Format::Json => report::json(&report, stdout),
    };
    written
        .and_then(|()| stdout.flush())
        .map_err(|source| AuditError::Write { source })?;
    let tripped = args
        .fail_on
        .is_some_and(|level| report.drifts.iter().any(|d| d.severity >= level));
    Ok(if tripped {
        Outcome::CheckTripped
    } else {
        Outcome::Clean
    })
}
