/// The format of one input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Format {
    /// A JSON array of Cloud Logging `LogEntry` objects (`gcloud logging read --format=json`).
    GcpArray,
    /// One Cloud Logging `LogEntry` per line.
    GcpNdjson,
    /// One JSON object per line, from any logger.
    JsonLines,
    /// `key=value` pairs per line.
    Logfmt,
    /// Text lines, with a leading timestamp and level where present.
    Plain,
    /// Container runtime lines, each wrapping one plain-text line: Kubernetes CRI
    /// (`<time> stderr F <text>`) or Docker's `json-file` (`{"log":...,"stream":...,"time":...}`).
    Container,
}

impl Format {
    /// The name used on the command line and in reports.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::GcpArray => "gcp-array",
            Self::GcpNdjson => "gcp-ndjson",
            Self::JsonLines => "json",
            Self::Logfmt => "logfmt",
            Self::Plain => "plain",
            Self::Container => "container",
        }
    }

    /// True when the input is framed as a JSON array rather than as lines.
    #[must_use]
    pub const fn is_array(self) -> bool {
        matches!(self, Self::GcpArray)
    }
}

/// Keys whose presence marks a JSON object as a Cloud Logging `LogEntry`.
pub(crate) const LOG_ENTRY_KEYS: [&str; 6] = [
    "\"logName\"",
    "\"textPayload\"",
    "\"jsonPayload\"",
    "\"protoPayload\"",
    "\"insertId\"",
    "\"receiveTimestamp\"",
];

/// Guesses the format of an input from its first bytes (a few KiB are plenty).
///
/// `[` first means a JSON array; `{` first means JSON lines, and Cloud Logging NDJSON when the
/// first object carries `LogEntry` keys, or Docker `json-file` lines when it has `log`, `stream`
/// and `time`; lines that are mostly Kubernetes CRI lines are container lines, lines made mostly
/// of `key=value` pairs are logfmt; anything else is plain text.
#[must_use]
pub fn detect(head: &[u8]) -> Format {
    let trimmed = head.trim_ascii_start();
    match trimmed.first() {
        Some(b'[') => {
            // `[2025-05-28 17:58:38 +0000] [1] [INFO] ...` is a plain line, not an array.
            let after = trimmed[1..].trim_ascii_start();
            if matches!(after.first(), Some(b'{' | b']') | None) {
                return Format::GcpArray;
            }
            Format::Plain
        }
        Some(b'{') => {
            let first_line = match memchr::memchr(b'\n', trimmed) {
                Some(end) => &trimmed[..end],
                None => trimmed,
            };
            let text = String::from_utf8_lossy(first_line);
            if LOG_ENTRY_KEYS.iter().any(|key| text.contains(key)) {
                Format::GcpNdjson
            } else if crate::container::looks_like(&text) {
                Format::Container
            } else {
                Format::JsonLines
            }
        }
        _ => {
            let text = String::from_utf8_lossy(trimmed);
            let lines: Vec<&str> = text
                .lines()
                .take(20)
                .filter(|l| !l.trim().is_empty())
                .collect();
            let logfmt_lines = lines.iter().filter(|line| looks_like_logfmt(line)).count();
            let container_lines = lines
                .iter()
                .filter(|line| crate::container::looks_like(line))
                .count();
            if !lines.is_empty() && container_lines * 2 > lines.len() {
                Format::Container
            } else if !lines.is_empty() && logfmt_lines * 2 > lines.len() {
                Format::Logfmt
            } else {
                Format::Plain
            }
        }
    }
}

fn looks_like_logfmt(line: &str) -> bool {
    let pairs = crate::logfmt::pairs(line);
    let keys: Vec<&str> = pairs.iter().map(|(k, _)| k.as_ref()).collect();
    pairs.len() >= 2
        && keys
            .iter()
            .any(|k| matches!(*k, "msg" | "message" | "level" | "lvl" | "ts" | "time"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_formats_apart() {
        let cases: [(&[u8], Format); 9] = [
            (
                b"{\"log\":\"boom\\n\",\"stream\":\"stderr\",\"time\":\"2024-11-23T22:13:20Z\"}\n",
                Format::Container,
            ),
            (
                b"2024-11-23T22:13:20.1Z stderr F boom\n2024-11-23T22:13:21.1Z stdout F ok\n",
                Format::Container,
            ),
            (b"[\n  {\n    \"insertId\": \"a\"", Format::GcpArray),
            (b"[]", Format::GcpArray),
            (
                b"{\"insertId\":\"x\",\"textPayload\":\"boom\"}\n",
                Format::GcpNdjson,
            ),
            (b"{\"level\":30,\"msg\":\"hi\"}\n", Format::JsonLines),
            (
                b"ts=2025-01-01T00:00:00Z level=info msg=\"started\" port=80\n",
                Format::Logfmt,
            ),
            (
                b"[2025-05-28 17:58:38 +0000] [1] [INFO] Booting worker\n",
                Format::Plain,
            ),
            (
                b"2025-05-28 17:58:38 ERROR something broke\n",
                Format::Plain,
            ),
        ];
        for (head, expected) in cases {
            assert_eq!(detect(head), expected, "{}", String::from_utf8_lossy(head));
        }
    }
}
