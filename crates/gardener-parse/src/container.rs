//! Container runtime logs: each line wraps one line of the program's own output.
//!
//! - Kubernetes CRI (containerd, CRI-O; `/var/log/containers/*.log`):
//!   `2024-11-23T22:13:20.123456789Z stderr F text`, where `F` ends a line and `P` is a part of
//!   a longer one that the next record continues.
//! - Docker's `json-file` driver: `{"log":"text\n","stream":"stderr","time":"..."}`, where a
//!   `log` without the final newline is a part that the next record continues.
//!
//! The wrapped text is then read like any plain-text line (its own timestamp and level, stack
//! traces across lines); the runtime's timestamp, which always has a zone, is the record's time.

use std::borrow::Cow;

use jiff::Timestamp;

/// One runtime line, unwrapped.
#[derive(Debug, PartialEq, Eq)]
pub struct Envelope<'a> {
    /// When the runtime received the line.
    pub timestamp: Option<Timestamp>,
    /// `stdout` or `stderr`.
    pub stream: Cow<'a, str>,
    /// The program's text, without the final newline.
    pub text: Cow<'a, str>,
    /// A part of a longer line: the next record continues it.
    pub partial: bool,
}

/// Unwraps a CRI or Docker `json-file` line; `None` when it is neither.
#[must_use]
pub fn unwrap(line: &str) -> Option<Envelope<'_>> {
    if line.starts_with('{') {
        docker(line)
    } else {
        cri(line)
    }
}

/// True when the line looks like a runtime line (for format detection).
#[must_use]
pub fn looks_like(line: &str) -> bool {
    if line.starts_with('{') {
        ["\"log\"", "\"stream\"", "\"time\""]
            .iter()
            .all(|key| line.contains(key))
    } else {
        cri(line).is_some()
    }
}

fn cri(line: &str) -> Option<Envelope<'_>> {
    let mut parts = line.splitn(4, ' ');
    let time = parts.next()?;
    let stream = parts.next()?;
    let tag = parts.next()?;
    // An empty line is written as `... stdout F` with nothing after the tag.
    let text = parts.next().unwrap_or("");
    if !matches!(stream, "stdout" | "stderr") {
        return None;
    }
    // The tag is `F` or `P`, possibly followed by more `:`-separated flags.
    let partial = match tag.split(':').next()? {
        "F" => false,
        "P" => true,
        _ => return None,
    };
    if !time.as_bytes().first()?.is_ascii_digit() || !time.contains('T') {
        return None;
    }
    let timestamp = time.parse::<Timestamp>().ok()?;
    Some(Envelope {
        timestamp: Some(timestamp),
        stream: Cow::Borrowed(stream),
        text: Cow::Borrowed(text.strip_suffix('\r').unwrap_or(text)),
        partial,
    })
}

#[derive(serde::Deserialize)]
struct DockerLine<'a> {
    #[serde(borrow)]
    log: Cow<'a, str>,
    #[serde(borrow, default)]
    stream: Cow<'a, str>,
    #[serde(default)]
    time: Option<Cow<'a, str>>,
}

fn docker(line: &str) -> Option<Envelope<'_>> {
    let parsed: DockerLine<'_> = serde_json::from_str(line).ok()?;
    let (text, partial) = match parsed.log {
        Cow::Borrowed(log) => match log.strip_suffix('\n') {
            Some(text) => (
                Cow::Borrowed(text.strip_suffix('\r').unwrap_or(text)),
                false,
            ),
            None => (Cow::Borrowed(log), true),
        },
        Cow::Owned(mut log) => {
            let complete = log.ends_with('\n');
            if complete {
                log.pop();
                if log.ends_with('\r') {
                    log.pop();
                }
            }
            (Cow::Owned(log), !complete)
        }
    };
    Some(Envelope {
        timestamp: parsed.time.and_then(|t| t.parse::<Timestamp>().ok()),
        stream: parsed.stream,
        text,
        partial,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cri_lines_full_partial_and_empty() {
        let full = unwrap("2024-11-23T22:13:20.123456789Z stderr F ERROR boom: x").unwrap();
        assert_eq!(full.text, "ERROR boom: x");
        assert_eq!(full.stream, "stderr");
        assert!(!full.partial);
        assert_eq!(
            full.timestamp.unwrap().to_string(),
            "2024-11-23T22:13:20.123456789Z"
        );
        let part = unwrap("2024-11-23T22:13:20+01:00 stdout P first half").unwrap();
        assert!(part.partial);
        assert_eq!(part.text, "first half");
        let empty = unwrap("2024-11-23T22:13:20Z stdout F").unwrap();
        assert_eq!(empty.text, "");
        // Indentation of the wrapped text is kept (stack frames).
        let frame = unwrap("2024-11-23T22:13:20Z stderr F   File \"a.py\", line 3").unwrap();
        assert_eq!(frame.text, "  File \"a.py\", line 3");
    }

    #[test]
    fn plain_lines_are_not_cri() {
        for line in [
            "2024-11-23 22:13:20 ERROR boom",
            "2024-11-23T22:13:20Z stdlog F x",
            "2024-11-23T22:13:20Z stderr X x",
            "stderr F x",
            "",
        ] {
            assert_eq!(unwrap(line), None, "{line}");
        }
    }

    #[test]
    fn docker_json_file_lines() {
        let line = r#"{"log":"Traceback (most recent call last):\n","stream":"stderr","time":"2024-11-23T22:13:20.124Z"}"#;
        let envelope = unwrap(line).unwrap();
        assert_eq!(envelope.text, "Traceback (most recent call last):");
        assert!(!envelope.partial);
        assert!(looks_like(line));
        let escaped = r#"{"log":"  File \"/app/w.py\", line 3\n","stream":"stderr","time":"2024-11-23T22:13:20.124Z"}"#;
        assert_eq!(
            unwrap(escaped).unwrap().text,
            "  File \"/app/w.py\", line 3"
        );
        let partial = r#"{"log":"no newline yet","stream":"stdout","time":"2024-11-23T22:13:20Z"}"#;
        assert!(unwrap(partial).unwrap().partial);
        assert_eq!(unwrap(r#"{"msg":"hello"}"#), None);
        assert!(!looks_like(r#"{"level":"info","msg":"x","time":"t"}"#));
    }
}
