//! Redis Streams health for Log Gardener (`gardener streams`, issue 6).
//!
//! Discovers streams (`SCAN ... TYPE stream` on every primary), looks at them once (snapshot) or
//! repeatedly over a window (session), evaluates every consumer group with LinkedIn Burrow's
//! rules made Redis-specific (null lag is "unknown", never 0), and reports findings: unread
//! streams, trimming caps, messages trimmed before they were read, dead-letter streams, idle
//! consumers, poison messages and idle streams. The output is a markdown health map or JSON, and
//! [`Outcome`] says whether `--fail-on` tripped.
//!
//! The tool is read-only: it sends `INFO`, `TIME`, `CLUSTER NODES`, `SCAN`, `XINFO`, `XPENDING`
//! and `XRANGE`, never `XCLAIM`, `XAUTOCLAIM`, `XACK`, `XREADGROUP` or anything else that changes
//! server state. Printing errors and choosing exit codes is left to the `gardener` binary.
//!
//! ```no_run
//! use clap::Parser;
//!
//! #[derive(Parser)]
//! struct Cli {
//!     #[command(flatten)]
//!     args: gardener_streams::cli::StreamsArgs,
//! }
//!
//! let cli = Cli::parse_from(["gardener", "--redis", "redis://127.0.0.1:6379"]);
//! let mut stdout = std::io::stdout();
//! let outcome = gardener_streams::run(&cli.args, &mut stdout)?;
//! # Ok::<(), gardener_streams::StreamsError>(())
//! ```

#![deny(missing_docs)]

pub mod cli;
mod client;
mod error;
pub mod evaluate;
pub mod finding;
mod glob;
pub mod id;
pub mod report;
pub mod sample;

use std::collections::BTreeMap;
use std::time::Instant;

pub use client::redact_url;
pub use error::StreamsError;
pub use finding::{Finding, FindingKind, Level, Severity, Status};
pub use glob::Glob;
pub use report::Report;

use crate::cli::{Config, Format, StreamsArgs, format_duration};
use crate::client::{Look, Server};
use crate::evaluate::{Series, evaluate_stream};
use crate::report::{ServerInfo, Window};

/// What the run concluded, for the exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// No stream reached the `--fail-on` level (or no `--fail-on` was given): exit code 0.
    Healthy,
    /// Some stream reached the `--fail-on` level: exit code 1.
    CheckTripped,
}

/// Runs the command, writes the human output (or JSON) to `stdout`.
///
/// # Errors
///
/// Invalid options, an unreachable server, refused credentials, a denied read command, or a
/// failed write of the report. A key that vanishes or cannot be read is reported, not an error.
pub fn run(args: &StreamsArgs, stdout: &mut dyn std::io::Write) -> Result<Outcome, StreamsError> {
    let report = collect(args)?;
    let render = |format: Format| -> Result<String, StreamsError> {
        match format {
            Format::Markdown => Ok(report.to_markdown()),
            Format::Json => report
                .to_json()
                .map(|json| json + "\n")
                .map_err(StreamsError::Json),
        }
    };
    if let Some(path) = &args.out {
        let text = render(args.file_format())?;
        std::fs::write(path, text).map_err(|source| StreamsError::WriteFile {
            path: path.clone(),
            source,
        })?;
    }
    stdout
        .write_all(render(args.stdout_format())?.as_bytes())
        .map_err(StreamsError::Stdout)?;
    stdout.flush().map_err(StreamsError::Stdout)?;
    let tripped = args
        .fail_on
        .is_some_and(|level| report.status >= level.status());
    Ok(if tripped {
        Outcome::CheckTripped
    } else {
        Outcome::Healthy
    })
}

/// Connects, samples and evaluates; returns the report without printing it.
///
/// # Errors
///
/// As [`run`].
pub fn collect(args: &StreamsArgs) -> Result<Report, StreamsError> {
    let config = args.to_config()?;
    let mut server = Server::connect(&args.redis, config.timeout)?;
    let mut notes = version_notes(&server);
    let mut series: BTreeMap<(String, String), Series> = BTreeMap::new();

    let started = Instant::now();
    let mut samples = 0;
    let mut start_ms = None;
    let end_ms;
    match config.duration {
        None => {
            end_ms = look_all(&mut server, &config, &mut series, true, true, &mut notes)?;
            start_ms = Some(end_ms);
            samples = 1;
        }
        Some(duration) => {
            let mut tick = 0u32;
            loop {
                let elapsed = started.elapsed();
                let is_final = elapsed >= duration;
                let discover = samples == 0 || is_final;
                let look_ms = look_all(
                    &mut server,
                    &config,
                    &mut series,
                    discover,
                    is_final,
                    &mut notes,
                )?;
                start_ms.get_or_insert(look_ms);
                samples += 1;
                if is_final {
                    end_ms = look_ms;
                    break;
                }
                tick += 1;
                let next = (config.interval * tick).min(duration);
                std::thread::sleep(next.saturating_sub(started.elapsed()));
            }
        }
    }
    let series: Vec<Series> = series.into_values().collect();
    let verdicts = series
        .iter()
        .map(|s| evaluate_stream(s, &config.thresholds))
        .collect();
    let info = ServerInfo {
        url: redact_url(&args.redis),
        version: server.version.clone(),
        cluster: server.cluster,
        nodes: server.nodes.iter().map(|n| n.addr.clone()).collect(),
    };
    if let Some(duration) = config.duration {
        notes.push(format!(
            "session window {} with samples every {}",
            format_duration(duration),
            format_duration(config.interval)
        ));
    }
    let window = Window {
        start_ms: start_ms.unwrap_or(end_ms),
        end_ms,
        samples,
    };
    Ok(report::build(info, window, &series, verdicts, notes))
}

fn version_notes(server: &Server) -> Vec<String> {
    let mut notes = vec![];
    match server.version_tuple() {
        None => notes.push("server version unknown: fields are read when present, otherwise reported as unknown".into()),
        Some(v) if v < (7, 0) => notes.push(format!(
            "redis {} has no `entries-added`, `entries-read` or `lag` (7.0+): lag and trim-loss counts are unknown",
            server.version.as_deref().unwrap_or("?")
        )),
        Some(v) if v < (7, 2) => notes.push(
            "redis < 7.2: consumer `idle` counts from the last successful read (no `inactive`); consumers that only polled empty are invisible"
                .into(),
        ),
        Some(v) if v >= (8, 0) => {
            notes.push("redis 8+: `lag` is clamped to the length after trimming; trim loss is computed from counters, not from lag".into());
        }
        Some(_) => {}
    }
    notes
}

/// Looks at every known (and, when `discover`, newly found) stream on every node. Returns the
/// server time of the look (the first node's).
fn look_all(
    server: &mut Server,
    config: &Config,
    series: &mut BTreeMap<(String, String), Series>,
    discover: bool,
    deep: bool,
    notes: &mut Vec<String>,
) -> Result<u64, StreamsError> {
    let mut look_ms = None;
    let deep = deep.then_some((config.pending_scan, config.thresholds.poison_deliveries));
    for node in &mut server.nodes {
        let time_ms = node.time_ms()?;
        look_ms.get_or_insert(time_ms);
        let mut keys: Vec<String> = series
            .keys()
            .filter(|(addr, _)| *addr == node.addr)
            .map(|(_, key)| key.clone())
            .collect();
        if discover {
            let (found, truncated) = node.discover(&config.stream_globs, config.max_streams)?;
            if truncated {
                let note = format!(
                    "discovery on {} stopped at --max-streams {}",
                    node.addr, config.max_streams
                );
                if !notes.contains(&note) {
                    notes.push(note);
                }
            }
            for key in found {
                if !keys.contains(&key) {
                    keys.push(key);
                }
            }
        }
        for key in keys {
            let entry = series
                .entry((node.addr.clone(), key.clone()))
                .or_insert_with(|| Series {
                    key: key.clone(),
                    node: node.addr.clone(),
                    ..Series::default()
                });
            match node.look(&key, time_ms, deep)? {
                Look::Present(sample) => {
                    entry.samples.push(sample);
                    entry.vanished = false;
                }
                Look::Vanished => entry.vanished = !entry.samples.is_empty(),
                Look::Failed(message) => entry.failure = Some(message),
            }
        }
    }
    // A key that vanished between SCAN and XINFO and was never seen leaves an empty series.
    series.retain(|_, s| !s.samples.is_empty() || s.failure.is_some());
    Ok(look_ms.unwrap_or(0))
}
