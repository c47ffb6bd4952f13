//! What a sync needs: where the issues live, the threshold, the title format, labels,
//! redaction rules and HTTP limits. `gardener.toml` may hold `[tracker]` and `[redact]`
//! sections; its `[[rules]]` belong to the playbook and are ignored here.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::error::TrackerError;
use crate::finding::Priority;
use crate::similarity::DEFAULT_THRESHOLD;

/// Default title: `{kind}` is `new` or `regression`.
pub const DEFAULT_TITLE_FORMAT: &str = "GCP-{kind} | {priority} | {summary}";

/// Where the issues live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrackerSpec {
    /// GitHub REST (api.github.com or an Enterprise `/api/v3` base).
    GitHub {
        /// API base URL without a trailing slash.
        api_url: String,
        /// `owner/name`.
        repo: String,
        /// Token from `GITHUB_TOKEN` or `GH_TOKEN`; none for anonymous reads.
        token: Option<String>,
    },
    /// Offline: `PATH/issues.json` (as printed by `gh issue list --state all --json
    /// number,title,body,state,labels`) is read; creates, comments and reopens are written as
    /// markdown files into `PATH`.
    Dir(PathBuf),
}

/// HTTP limits. The defaults suit GitHub; tests shorten them.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// Attempts per request for 5xx, timeouts and rate limits, the first included.
    pub max_attempts: u32,
    /// First backoff after a 5xx; doubles each time, with jitter of up to half.
    pub backoff_base: Duration,
    /// Longest wait for a rate limit (`retry-after` or `x-ratelimit-reset`).
    pub max_wait: Duration,
    /// Timeout of one request.
    pub timeout: Duration,
    /// `per_page` when listing.
    pub per_page: u32,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            backoff_base: Duration::from_secs(1),
            max_wait: Duration::from_secs(300),
            timeout: Duration::from_secs(30),
            per_page: 100,
        }
    }
}

/// Everything one sync needs.
#[derive(Debug, Clone)]
pub struct SyncConfig {
    /// Where the issues live.
    pub tracker: TrackerSpec,
    /// Findings of this priority or more urgent are filed; the rest are skipped.
    pub min_priority: Priority,
    /// Title template: `{kind}`, `{priority}`, `{summary}`, `{category}`, `{service}`.
    pub title_format: String,
    /// Labels added to every issue created, beside the playbook's.
    pub labels: Vec<String>,
    /// Similarity score at or above which a person's issue is taken as the finding's.
    pub match_threshold: f64,
    /// User redaction rules (regexes) from `[redact] rules`.
    pub redact_rules: Vec<String>,
    /// HTTP limits.
    pub http: HttpConfig,
}

impl SyncConfig {
    /// Defaults for a tracker.
    #[must_use]
    pub fn new(tracker: TrackerSpec) -> Self {
        Self {
            tracker,
            min_priority: Priority::P1,
            title_format: DEFAULT_TITLE_FORMAT.to_string(),
            labels: vec!["gardener".to_string()],
            match_threshold: DEFAULT_THRESHOLD,
            redact_rules: Vec::new(),
            http: HttpConfig::default(),
        }
    }

    /// Apply the `[tracker]` and `[redact]` sections of a `gardener.toml` text.
    ///
    /// # Errors
    ///
    /// Bad TOML, an unknown key in those sections, or a bad value.
    pub fn apply_file_text(&mut self, path: &Path, text: &str) -> Result<(), TrackerError> {
        let file: FileConfig = toml::from_str(text).map_err(|error| TrackerError::Config {
            path: path.to_path_buf(),
            message: error.to_string().trim().to_string(),
        })?;
        if let Some(redact) = file.redact {
            self.redact_rules = redact.rules;
        }
        if let Some(tracker) = file.tracker {
            if let Some(format) = tracker.title_format {
                self.title_format = format;
            }
            if let Some(labels) = tracker.labels {
                self.labels = labels;
            }
            if let Some(threshold) = tracker.match_threshold {
                if !(0.0..=1.0).contains(&threshold) {
                    return Err(TrackerError::Config {
                        path: path.to_path_buf(),
                        message: format!("`match_threshold` {threshold} is not between 0 and 1"),
                    });
                }
                self.match_threshold = threshold;
            }
            if let Some(priority) = tracker.min_priority {
                self.min_priority = priority.parse().map_err(|message| TrackerError::Config {
                    path: path.to_path_buf(),
                    message,
                })?;
            }
        }
        Ok(())
    }

    /// Read `path` and apply it (see [`SyncConfig::apply_file_text`]).
    ///
    /// # Errors
    ///
    /// The file cannot be read or is bad.
    pub fn apply_file(&mut self, path: &Path) -> Result<(), TrackerError> {
        let text = std::fs::read_to_string(path).map_err(|source| TrackerError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        self.apply_file_text(path, &text)
    }
}

/// The token from `GITHUB_TOKEN`, else `GH_TOKEN`; empty values count as unset.
#[must_use]
pub fn token_from_env() -> Option<String> {
    ["GITHUB_TOKEN", "GH_TOKEN"]
        .iter()
        .filter_map(|name| std::env::var(name).ok())
        .find(|value| !value.trim().is_empty())
}

#[derive(Debug, Deserialize)]
struct FileConfig {
    #[serde(default)]
    redact: Option<RedactSection>,
    #[serde(default)]
    tracker: Option<TrackerSection>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RedactSection {
    #[serde(default)]
    rules: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TrackerSection {
    title_format: Option<String>,
    labels: Option<Vec<String>>,
    match_threshold: Option<f64>,
    min_priority: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_tracker_and_redact_sections_and_ignores_playbook_rules() {
        let mut config = SyncConfig::new(TrackerSpec::Dir(PathBuf::from("x")));
        let text = r#"
[[rules]]
match = "payment"
priority = "P1"

[redact]
rules = ['cust-(?P<secret>\d+)']

[tracker]
title_format = "{priority}: {summary}"
min_priority = "P2"
match_threshold = 0.5
"#;
        config
            .apply_file_text(Path::new("gardener.toml"), text)
            .unwrap();
        assert_eq!(
            config.redact_rules,
            vec![r"cust-(?P<secret>\d+)".to_string()]
        );
        assert_eq!(config.title_format, "{priority}: {summary}");
        assert_eq!(config.min_priority, Priority::P2);
        assert!((config.match_threshold - 0.5).abs() < f64::EPSILON);
    }

    #[test]
    fn unknown_key_in_tracker_section_names_the_file() {
        let mut config = SyncConfig::new(TrackerSpec::Dir(PathBuf::from("x")));
        let error = config
            .apply_file_text(
                Path::new("gardener.toml"),
                "[tracker]\ntitel_format = \"x\"\n",
            )
            .unwrap_err();
        assert!(error.to_string().contains("gardener.toml"), "{error}");
        assert!(error.to_string().contains("titel_format"), "{error}");
    }
}
