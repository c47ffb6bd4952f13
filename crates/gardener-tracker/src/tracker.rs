//! The tracker seen by plan and apply: a list of issues and four writes. Implemented by
//! [`crate::github::GitHub`] and [`crate::dir::DirTracker`].

use serde::Serialize;

use crate::error::TrackerError;

/// An issue (pull requests are never included).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Issue {
    /// Issue number.
    pub number: u64,
    /// Title.
    pub title: String,
    /// Body (empty when none).
    pub body: String,
    /// Open or closed.
    pub open: bool,
    /// Label names.
    pub labels: Vec<String>,
}

impl Issue {
    /// An issue from GitHub's JSON, as the REST API or `gh issue list --json
    /// number,title,body,state,labels` writes it: `state` in either case (`open`, `OPEN`),
    /// labels as names or `{name}` objects. `None` for pull requests (a `pull_request` key, or
    /// `isPullRequest: true`) and for items without a number.
    #[must_use]
    pub fn from_json(value: &serde_json::Value) -> Option<Self> {
        use serde_json::Value;
        if value.get("pull_request").is_some()
            || value.get("isPullRequest").and_then(Value::as_bool) == Some(true)
        {
            return None;
        }
        let text = |key: &str| {
            value
                .get(key)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        Some(Self {
            number: value.get("number")?.as_u64()?,
            title: text("title"),
            body: text("body"),
            open: value
                .get("state")
                .and_then(Value::as_str)
                .is_some_and(|s| s.eq_ignore_ascii_case("open")),
            labels: value
                .get("labels")
                .and_then(Value::as_array)
                .map(|labels| {
                    labels
                        .iter()
                        .filter_map(|l| {
                            l.as_str().or_else(|| l.get("name").and_then(Value::as_str))
                        })
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default(),
        })
    }

    /// Pattern ids named by `<!-- gardener:pattern=ID -->` markers in the body.
    #[must_use]
    pub fn markers(&self) -> Vec<String> {
        markers_in(&self.body)
    }
}

/// The hidden marker for one pattern.
#[must_use]
pub fn marker(pattern: &str) -> String {
    format!("<!-- gardener:pattern={pattern} -->")
}

/// Pattern ids of every marker in a text, in order.
#[must_use]
pub fn markers_in(text: &str) -> Vec<String> {
    const OPEN: &str = "<!-- gardener:pattern=";
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(OPEN) {
        rest = &rest[start + OPEN.len()..];
        let id: String = rest
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect();
        if !id.is_empty() && rest[id.len()..].trim_start().starts_with("-->") {
            out.push(id);
        }
    }
    out
}

/// What a created issue became.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Created {
    /// Its number; `None` for a `dir:` tracker, which only writes a file.
    pub number: Option<u64>,
    /// Where it can be seen (URL or file).
    pub location: String,
    /// Whether it already existed (found by its marker after an ambiguous failure).
    pub existed: bool,
}

/// A place where issues live.
pub trait Tracker {
    /// `github owner/name` or `dir PATH`, for messages.
    fn describe(&self) -> String;

    /// Every issue, open and closed, without pull requests.
    ///
    /// # Errors
    ///
    /// The tracker cannot be read.
    fn list(&mut self) -> Result<Vec<Issue>, TrackerError>;

    /// An issue whose body carries the marker of `pattern`, if the tracker knows one now.
    ///
    /// # Errors
    ///
    /// The tracker cannot be read.
    fn find_marker(&mut self, pattern: &str) -> Result<Option<Issue>, TrackerError>;

    /// File a new issue. `pattern` is the marker its body carries; implementations use it to
    /// make sure a retry never files a second issue.
    ///
    /// # Errors
    ///
    /// The tracker refused or could not be reached.
    fn create(
        &mut self,
        pattern: &str,
        title: &str,
        body: &str,
        labels: &[String],
    ) -> Result<Created, TrackerError>;

    /// Comment on an issue. `nonce` is a hidden string inside `body` by which a retry can tell
    /// that the comment already landed. Returns where the comment can be seen.
    ///
    /// # Errors
    ///
    /// The tracker refused or could not be reached.
    fn comment(&mut self, number: u64, body: &str, nonce: &str) -> Result<String, TrackerError>;

    /// Reopen a closed issue (`state_reason: reopened`) with these labels.
    ///
    /// # Errors
    ///
    /// The tracker refused or could not be reached.
    fn reopen(&mut self, number: u64, labels: &[String]) -> Result<(), TrackerError>;

    /// Replace an issue's body (used to add markers of patterns it now tracks).
    ///
    /// # Errors
    ///
    /// The tracker refused or could not be reached.
    fn set_body(&mut self, number: u64, body: &str) -> Result<(), TrackerError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_every_marker_and_ignores_broken_ones() {
        let body = format!(
            "text\n{}\n{}\n<!-- gardener:pattern=zz",
            marker("75a2dd2f8b82b93c"),
            marker("7f23da808335b527")
        );
        assert_eq!(
            markers_in(&body),
            vec!["75a2dd2f8b82b93c", "7f23da808335b527"]
        );
    }
}
