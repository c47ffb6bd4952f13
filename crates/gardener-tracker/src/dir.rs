//! Offline tracker: `PATH/issues.json` as printed by `gh issue list --state all --json
//! number,title,body,state,labels` is read; creates, comments, reopens and body changes are
//! written as markdown files into `PATH` for a person (or `gh`) to carry out.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::error::TrackerError;
use crate::tracker::{Created, Issue, Tracker};

/// Issues read from a directory; writes go to markdown files beside them.
pub struct DirTracker {
    dir: PathBuf,
    issues: Option<Vec<Issue>>,
}

impl DirTracker {
    /// The tracker at `dir` (it need not hold `issues.json`: then there are no issues).
    #[must_use]
    pub fn new(dir: &Path) -> Self {
        Self {
            dir: dir.to_path_buf(),
            issues: None,
        }
    }

    fn write(&self, name: &str, text: &str) -> Result<String, TrackerError> {
        std::fs::create_dir_all(&self.dir).map_err(|source| TrackerError::Write {
            path: self.dir.clone(),
            source,
        })?;
        let path = self.dir.join(name);
        std::fs::write(&path, text).map_err(|source| TrackerError::Write {
            path: path.clone(),
            source,
        })?;
        Ok(path.display().to_string())
    }
}

/// Issues from the JSON `gh issue list --json number,title,body,state,labels` prints
/// (`state` is `OPEN`/`CLOSED` there, `open`/`closed` in REST answers; both are read).
///
/// # Errors
///
/// The text is not such a JSON array.
pub fn parse_gh_issues(text: &str, what: &str) -> Result<Vec<Issue>, TrackerError> {
    let value: Value = serde_json::from_str(text).map_err(|source| TrackerError::Json {
        what: what.to_string(),
        source,
    })?;
    let Value::Array(items) = value else {
        return Err(TrackerError::Usage(format!(
            "{what} is not a JSON array of issues"
        )));
    };
    Ok(items.iter().filter_map(Issue::from_json).collect())
}

impl Tracker for DirTracker {
    fn describe(&self) -> String {
        format!("dir {}", self.dir.display())
    }

    fn list(&mut self) -> Result<Vec<Issue>, TrackerError> {
        if let Some(issues) = &self.issues {
            return Ok(issues.clone());
        }
        let path = self.dir.join("issues.json");
        let issues = match std::fs::read_to_string(&path) {
            Ok(text) => parse_gh_issues(&text, &path.display().to_string())?,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(source) => return Err(TrackerError::Read { path, source }),
        };
        self.issues = Some(issues.clone());
        Ok(issues)
    }

    fn find_marker(&mut self, pattern: &str) -> Result<Option<Issue>, TrackerError> {
        let marker = crate::tracker::marker(pattern);
        Ok(self
            .list()?
            .into_iter()
            .find(|issue| issue.body.contains(&marker)))
    }

    fn create(
        &mut self,
        pattern: &str,
        title: &str,
        body: &str,
        labels: &[String],
    ) -> Result<Created, TrackerError> {
        let text = format!(
            "---\ntitle: {}\nlabels: [{}]\n---\n\n{body}",
            yaml_string(title),
            labels
                .iter()
                .map(|l| yaml_string(l))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let location = self.write(&format!("create-{pattern}.md"), &text)?;
        Ok(Created {
            number: None,
            location,
            existed: false,
        })
    }

    fn comment(&mut self, number: u64, body: &str, _nonce: &str) -> Result<String, TrackerError> {
        self.write(&format!("comment-{number}.md"), body)
    }

    fn reopen(&mut self, number: u64, labels: &[String]) -> Result<(), TrackerError> {
        let text = format!(
            "Reopen #{number} (state_reason: reopened) with labels: {}\n",
            labels.join(", ")
        );
        self.write(&format!("reopen-{number}.md"), &text)
            .map(|_| ())
    }

    fn set_body(&mut self, number: u64, body: &str) -> Result<(), TrackerError> {
        self.write(&format!("body-{number}.md"), body).map(|_| ())
    }
}

fn yaml_string(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_gh_issue_list_json() {
        let text = r#"[{"body":"b","labels":[{"id":"x","name":"bug","description":"","color":"d73a4a"}],"number":7,"state":"CLOSED","title":"T"},
                       {"body":"","labels":[],"number":8,"state":"OPEN","title":"U"}]"#;
        let issues = parse_gh_issues(text, "issues.json").unwrap();
        assert_eq!(issues.len(), 2);
        assert!(!issues[0].open && issues[1].open);
        assert_eq!(issues[0].labels, vec!["bug".to_string()]);
    }
}
