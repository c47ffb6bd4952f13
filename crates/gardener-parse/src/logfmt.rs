//! logfmt: `key=value key="quoted value" flag` pairs.

use std::borrow::Cow;

use gardener_core::Severity;

use crate::{Payload, Record, parse_timestamp};

/// Splits a logfmt line into pairs. Quoted values may contain spaces and `\"` escapes; a bare
/// key has an empty value.
pub(crate) fn pairs(line: &str) -> Vec<(Cow<'_, str>, Cow<'_, str>)> {
    let bytes = line.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let key_start = i;
        while i < bytes.len() && bytes[i] != b'=' && !bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if i == key_start {
            i += 1;
            continue;
        }
        let key = Cow::Borrowed(&line[key_start..i]);
        if i >= bytes.len() || bytes[i] != b'=' {
            out.push((key, Cow::Borrowed("")));
            continue;
        }
        i += 1;
        if i < bytes.len() && bytes[i] == b'"' {
            i += 1;
            let mut value = String::new();
            let mut start = i;
            let mut owned = false;
            while i < bytes.len() && bytes[i] != b'"' {
                if bytes[i] == b'\\' && i + 1 < bytes.len() {
                    value.push_str(&line[start..i]);
                    owned = true;
                    i += 1;
                    start = i;
                }
                i += 1;
            }
            let end = i.min(bytes.len());
            let value = if owned {
                value.push_str(&line[start..end]);
                Cow::Owned(value)
            } else {
                Cow::Borrowed(&line[start..end])
            };
            out.push((key, value));
            i += 1;
        } else {
            let value_start = i;
            while i < bytes.len() && !bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            out.push((key, Cow::Borrowed(&line[value_start..i])));
        }
    }
    out
}

/// Decodes one logfmt line. Without a `msg`/`message`, the pairs other than time and level are
/// the message, so nothing is lost.
pub(crate) fn decode(line: &str, message_fields: &[String], service_field: Option<&str>) -> Record {
    let pairs = pairs(line);
    let mut record = Record::with_message(String::new());
    record.payload = Payload::Logfmt;
    let find = |names: &[&str]| {
        pairs
            .iter()
            .find(|(k, _)| names.iter().any(|n| k.eq_ignore_ascii_case(n)))
            .map(|(_, v)| v.as_ref())
    };
    let message_key = message_fields
        .iter()
        .find(|name| pairs.iter().any(|(k, _)| k == name.as_str()))
        .map(String::as_str);
    if let Some(key) = message_key
        && let Some((_, value)) = pairs.iter().find(|(k, _)| k == key)
    {
        value.as_ref().clone_into(&mut record.message);
    }
    if let Some(level) = find(&["level", "lvl", "severity", "loglevel"]) {
        record.severity = Severity::parse(level).unwrap_or(Severity::Default);
    }
    record.timestamp =
        find(&["ts", "time", "timestamp", "t", "@timestamp"]).and_then(parse_timestamp);
    let service = match service_field {
        Some(field) => find(&[field]),
        None => find(&["service", "service_name", "app", "application"]),
    };
    if let Some(service) = service {
        service.clone_into(&mut record.service);
    }
    record.trace = find(&["trace_id", "traceid", "trace"]).map(str::to_owned);
    record.instance = find(&["host", "hostname", "pod", "instance"]).map(str::to_owned);
    if message_key.is_none() {
        let rest: Vec<String> = pairs
            .iter()
            .filter(|(k, _)| {
                !matches!(
                    k.to_ascii_lowercase().as_str(),
                    "ts" | "time" | "timestamp" | "t" | "@timestamp" | "level" | "lvl" | "severity"
                )
            })
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        record.message = rest.join(" ");
    }
    record
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_quoted_and_bare_pairs() {
        let got = pairs(r#"a=1 msg="hello \"world\"" flag b="x y""#);
        let got: Vec<(String, String)> = got
            .into_iter()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        assert_eq!(
            got,
            [
                ("a".into(), "1".into()),
                ("msg".into(), "hello \"world\"".into()),
                ("flag".into(), String::new()),
                ("b".into(), "x y".into()),
            ]
        );
    }

    #[test]
    fn decodes_message_level_time_and_service() {
        let fields = vec!["msg".to_owned(), "message".to_owned()];
        let record = decode(
            "time=2025-01-02T03:04:05Z level=warn service=api msg=\"disk almost full\" pct=97",
            &fields,
            None,
        );
        assert_eq!(record.message, "disk almost full");
        assert_eq!(record.severity, Severity::Warning);
        assert_eq!(record.service, "api");
        assert_eq!(
            record.timestamp.unwrap().to_string(),
            "2025-01-02T03:04:05Z"
        );
    }

    #[test]
    fn without_a_message_the_other_pairs_are_mined() {
        let record = decode("level=error op=sync took=3s", &["msg".to_owned()], None);
        assert_eq!(record.message, "op=sync took=3s");
        assert_eq!(record.severity, Severity::Error);
    }
}
