//! The `gardener streams` arguments (clap derive) and their validated form, [`Config`].

use std::path::PathBuf;
use std::time::Duration;

use crate::error::StreamsError;
use crate::finding::Level;
use crate::glob::Glob;

/// Dead-letter name patterns used when `--dlq-pattern` is not given (case-insensitive globs).
pub const DEFAULT_DLQ_PATTERNS: [&str; 5] = [
    "*dlq*",
    "*dead*letter*",
    "*deadletter*",
    "*:failed",
    "*.failed",
];

/// `gardener streams`: health of the Redis Streams on a server or cluster. Read-only.
#[derive(clap::Args, Debug, Clone)]
pub struct StreamsArgs {
    /// Server url: `redis://[user:password@]host:port[/db]`, `rediss://` for TLS. On a cluster
    /// node, every primary is scanned.
    #[arg(long, value_name = "URL")]
    pub redis: String,

    /// Only streams whose key matches this Redis glob (repeatable; default every stream).
    #[arg(long = "stream", value_name = "GLOB")]
    pub streams: Vec<String>,

    /// Watch for this long (session mode: baseline, samples, final), e.g. `10m`, `30s`, `1500ms`.
    /// Without it, one look (snapshot mode).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub duration: Option<Duration>,

    /// Time between samples in session mode.
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = parse_duration)]
    pub interval: Duration,

    /// Lag a group may have and still be OK (Burrow's allowed-lag).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub allowed_lag: u64,

    /// A stream with no XADD for this long is idle (snapshot: age of the last id; session: no
    /// XADD in the window and the last id at least this old).
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = parse_duration)]
    pub idle_after: Duration,

    /// A consumer idle this long while holding pending entries is reported.
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = parse_duration)]
    pub consumer_idle: Duration,

    /// Snapshot mode: a lagging group none of whose consumers read for this long is STOP.
    /// (Session mode uses the window itself, as Burrow does.)
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = parse_duration)]
    pub stop_after: Duration,

    /// A pending entry delivered this many times or more is a poison message.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub poison_deliveries: u64,

    /// At most this many pending entries per group are examined for delivery counts.
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub pending_scan: u64,

    /// Dead-letter stream name pattern, case-insensitive glob (repeatable; replaces the
    /// defaults `*dlq*`, `*dead*letter*`, `*deadletter*`, `*:failed`, `*.failed`).
    #[arg(long = "dlq-pattern", value_name = "GLOB")]
    pub dlq_patterns: Vec<String>,

    /// Exit with code 1 when a stream's status is at this level or worse.
    #[arg(long, value_name = "LEVEL", value_enum)]
    pub fail_on: Option<Level>,

    /// Print JSON to stdout instead of markdown (same as `--format json`).
    #[arg(long)]
    pub json: bool,

    /// Report format for stdout, or for `--out` (default: from the file extension).
    #[arg(long, value_enum)]
    pub format: Option<Format>,

    /// Also write the report to this file (`.json` => JSON, otherwise `--format` or markdown).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,

    /// Connect and command timeout.
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = parse_duration)]
    pub timeout: Duration,

    /// Stop discovery after this many streams per node (a guard for huge keyspaces).
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    pub max_streams: usize,
}

/// Report formats.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Health map table and findings, GitHub-flavoured markdown.
    Markdown,
    /// The full report as JSON.
    Json,
}

/// Validated settings the run uses.
#[derive(Clone, Debug)]
pub struct Config {
    /// Redis globs for discovery (`*` when none given).
    pub stream_globs: Vec<String>,
    /// Session length; `None` for a snapshot.
    pub duration: Option<Duration>,
    /// Time between samples.
    pub interval: Duration,
    /// Thresholds for the evaluation.
    pub thresholds: Thresholds,
    /// Command timeout.
    pub timeout: Duration,
    /// Discovery cap per node.
    pub max_streams: usize,
    /// Pending entries examined per group.
    pub pending_scan: u64,
}

/// The thresholds the evaluation uses (all configurable so tests need not wait minutes).
#[derive(Clone, Debug)]
pub struct Thresholds {
    /// Burrow's allowed-lag.
    pub allowed_lag: u64,
    /// Stream idle threshold (ms).
    pub idle_after_ms: u64,
    /// Consumer idle threshold (ms).
    pub consumer_idle_ms: u64,
    /// Snapshot STOP threshold (ms).
    pub stop_after_ms: u64,
    /// Poison delivery count.
    pub poison_deliveries: u64,
    /// Dead-letter name patterns.
    pub dlq_patterns: Vec<Glob>,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            allowed_lag: 0,
            idle_after_ms: 300_000,
            consumer_idle_ms: 300_000,
            stop_after_ms: 300_000,
            poison_deliveries: 5,
            dlq_patterns: DEFAULT_DLQ_PATTERNS.iter().map(|p| Glob::new(p)).collect(),
        }
    }
}

impl StreamsArgs {
    /// Checks the combination of options and builds the [`Config`].
    ///
    /// # Errors
    ///
    /// [`StreamsError::InvalidOption`] for a zero interval, an interval longer than the duration
    /// or a zero poison threshold.
    pub fn to_config(&self) -> Result<Config, StreamsError> {
        if self.interval.is_zero() {
            return Err(StreamsError::InvalidOption {
                option: "--interval",
                detail: "must be more than 0".into(),
            });
        }
        if let Some(duration) = self.duration
            && duration < self.interval
        {
            return Err(StreamsError::InvalidOption {
                option: "--duration",
                detail: format!(
                    "{} is shorter than --interval {}\nhint: a session needs at least one interval",
                    format_duration(duration),
                    format_duration(self.interval)
                ),
            });
        }
        if self.poison_deliveries == 0 {
            return Err(StreamsError::InvalidOption {
                option: "--poison-deliveries",
                detail: "must be at least 1".into(),
            });
        }
        let dlq_patterns = if self.dlq_patterns.is_empty() {
            Thresholds::default().dlq_patterns
        } else {
            self.dlq_patterns.iter().map(|p| Glob::new(p)).collect()
        };
        Ok(Config {
            stream_globs: if self.streams.is_empty() {
                vec!["*".into()]
            } else {
                self.streams.clone()
            },
            duration: self.duration,
            interval: self.interval,
            thresholds: Thresholds {
                allowed_lag: self.allowed_lag,
                idle_after_ms: millis(self.idle_after),
                consumer_idle_ms: millis(self.consumer_idle),
                stop_after_ms: millis(self.stop_after),
                poison_deliveries: self.poison_deliveries,
                dlq_patterns,
            },
            timeout: self.timeout,
            max_streams: self.max_streams,
            pending_scan: self.pending_scan.max(1),
        })
    }

    /// The format for stdout.
    #[must_use]
    pub fn stdout_format(&self) -> Format {
        if self.json {
            Format::Json
        } else {
            self.format.unwrap_or(Format::Markdown)
        }
    }

    /// The format for `--out`.
    #[must_use]
    pub fn file_format(&self) -> Format {
        if let Some(format) = self.format {
            return format;
        }
        let is_json = self
            .out
            .as_ref()
            .and_then(|path| path.extension())
            .is_some_and(|ext| ext.eq_ignore_ascii_case("json"));
        if is_json || self.json {
            Format::Json
        } else {
            Format::Markdown
        }
    }
}

/// Milliseconds of a duration, saturating.
#[must_use]
pub fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// Parses `1500ms`, `5s`, `10m`, `1h`, `2d` or a bare number of seconds.
///
/// # Errors
///
/// A message naming the accepted units.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration; use e.g. 500ms, 5s, 10m, 1h"))?;
    let scale = match unit.trim() {
        "ms" => 0.001,
        "" | "s" | "sec" => 1.0,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        "d" => 86400.0,
        other => {
            return Err(format!(
                "unknown unit `{other}` in `{text}`; use ms, s, m, h or d"
            ));
        }
    };
    Duration::try_from_secs_f64(value * scale).map_err(|error| format!("`{text}`: {error}"))
}

/// Formats a duration the way [`parse_duration`] reads it, to the largest whole unit.
#[must_use]
pub fn format_duration(duration: Duration) -> String {
    format_ms(millis(duration))
}

/// Formats milliseconds as `850ms`, `12s`, `5m`, `1h 20m`.
#[must_use]
pub fn format_ms(ms: u64) -> String {
    if ms < 1000 {
        format!("{ms}ms")
    } else if ms < 60_000 {
        let tenths = ms / 100;
        if tenths.is_multiple_of(10) {
            format!("{}s", tenths / 10)
        } else {
            format!("{}.{}s", tenths / 10, tenths % 10)
        }
    } else if ms < 3_600_000 {
        let (m, s) = (ms / 60_000, (ms % 60_000) / 1000);
        if s == 0 {
            format!("{m}m")
        } else {
            format!("{m}m {s}s")
        }
    } else if ms < 86_400_000 {
        let (h, m) = (ms / 3_600_000, (ms % 3_600_000) / 60_000);
        if m == 0 {
            format!("{h}h")
        } else {
            format!("{h}h {m}m")
        }
    } else {
        let (d, h) = (ms / 86_400_000, (ms % 86_400_000) / 3_600_000);
        if h == 0 {
            format!("{d}d")
        } else {
            format!("{d}d {h}h")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_usual_duration_spellings() {
        assert_eq!(
            parse_duration("1500ms").unwrap(),
            Duration::from_millis(1500)
        );
        assert_eq!(parse_duration("5s").unwrap(), Duration::from_secs(5));
        assert_eq!(parse_duration("10m").unwrap(), Duration::from_secs(600));
        assert_eq!(parse_duration("1.5h").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse_duration("30").unwrap(), Duration::from_secs(30));
        assert!(parse_duration("5 parsecs").is_err());
        assert!(parse_duration("").is_err());
    }

    #[test]
    fn formats_durations_to_the_largest_unit() {
        assert_eq!(format_ms(850), "850ms");
        assert_eq!(format_ms(1500), "1.5s");
        assert_eq!(format_ms(300_000), "5m");
        assert_eq!(format_ms(4_830_000), "1h 20m");
    }
}
