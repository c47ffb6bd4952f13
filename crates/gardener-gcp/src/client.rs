//! The `entries:list` request and answer, and Google's JSON error body.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

/// The body POSTed to `/v2/entries:list`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListRequest {
    /// `projects/P`, `folders/F`, ... (at most 100).
    pub resource_names: Vec<String>,
    /// The Logging query.
    pub filter: String,
    /// `timestamp asc` or `timestamp desc`.
    pub order_by: String,
    /// Entries per page asked for.
    pub page_size: u32,
    /// The token of the page to fetch; absent for the first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_token: Option<String>,
}

/// One answer: the entries exactly as sent (not re-encoded) and the next token.
#[derive(Deserialize)]
pub(crate) struct ListPage<'a> {
    #[serde(default, borrow)]
    pub entries: Vec<&'a RawValue>,
    #[serde(default, rename = "nextPageToken")]
    pub next_page_token: Option<String>,
}

/// `error.message` of a Google JSON error body, else the start of the body.
pub(crate) fn error_message(body: &str) -> String {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|value| {
            value
                .get("error")?
                .get("message")?
                .as_str()
                .map(str::to_owned)
        })
        .unwrap_or_else(|| crate::auth::clip(body.trim()))
}

/// `error.status` (`RESOURCE_EXHAUSTED`, `PERMISSION_DENIED`, ...) of a Google JSON error body.
pub(crate) fn error_status(body: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(body).ok()?;
    value
        .get("error")?
        .get("status")?
        .as_str()
        .map(str::to_owned)
}

/// Writes one JSON value on one line: whitespace outside strings is dropped, everything else is
/// kept byte for byte (the API pretty-prints; NDJSON needs one entry per line).
pub(crate) fn write_compact(json: &str, out: &mut Vec<u8>) {
    let mut in_string = false;
    let mut escaped = false;
    for &byte in json.as_bytes() {
        if in_string {
            if escaped {
                escaped = false;
            } else if byte == b'\\' {
                escaped = true;
            } else if byte == b'"' {
                in_string = false;
            }
            out.push(byte);
            continue;
        }
        match byte {
            b' ' | b'\n' | b'\r' | b'\t' => {}
            b'"' => {
                in_string = true;
                out.push(byte);
            }
            _ => out.push(byte),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compacting_keeps_strings_and_drops_layout() {
        let pretty = "{\n  \"textPayload\": \"a  b\\\" \\n {x}\",\n  \"n\": [1, 2.50]\n}";
        let mut out = Vec::new();
        write_compact(pretty, &mut out);
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text, r#"{"textPayload":"a  b\" \n {x}","n":[1,2.50]}"#);
        let a: serde_json::Value = serde_json::from_str(pretty).unwrap();
        let b: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn pages_without_entries_or_token_decode() {
        let page: ListPage<'_> = serde_json::from_str("{}").unwrap();
        assert!(page.entries.is_empty() && page.next_page_token.is_none());
        let page: ListPage<'_> = serde_json::from_str(r#"{"nextPageToken":"t2"}"#).unwrap();
        assert!(page.entries.is_empty());
        assert_eq!(page.next_page_token.as_deref(), Some("t2"));
    }

    #[test]
    fn request_uses_the_documented_field_names() {
        let request = ListRequest {
            resource_names: vec!["projects/p".into()],
            filter: "severity>=ERROR".into(),
            order_by: "timestamp asc".into(),
            page_size: 1000,
            page_token: None,
        };
        assert_eq!(
            serde_json::to_string(&request).unwrap(),
            r#"{"resourceNames":["projects/p"],"filter":"severity>=ERROR","orderBy":"timestamp asc","pageSize":1000}"#
        );
    }

    #[test]
    fn error_bodies_give_message_and_status() {
        let body =
            r#"{"error":{"code":403,"message":"Permission denied","status":"PERMISSION_DENIED"}}"#;
        assert_eq!(error_message(body), "Permission denied");
        assert_eq!(error_status(body).as_deref(), Some("PERMISSION_DENIED"));
        assert_eq!(
            error_message("<html>bad gateway</html>"),
            "<html>bad gateway</html>"
        );
    }
}
