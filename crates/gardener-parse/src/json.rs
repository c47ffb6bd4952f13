//! Generic JSON lines from any logger (pino, bunyan, winston, zap, logback, structlog, ...).

use gardener_core::Severity;
use serde_json::{Map, Value};

use crate::time::from_epoch_integer;
use crate::{Payload, Record, parse_timestamp};

/// The default message fields, in order of preference (Loki's list plus Cloud Logging's).
pub const DEFAULT_MESSAGE_FIELDS: [&str; 8] = [
    "message",
    "msg",
    "log",
    "textPayload",
    "event",
    "_msg",
    "msg_",
    "content",
];

const LEVEL_FIELDS: [&str; 6] = [
    "severity",
    "level",
    "lvl",
    "levelname",
    "loglevel",
    "log.level",
];
const TIME_FIELDS: [&str; 7] = [
    "timestamp",
    "time",
    "ts",
    "@timestamp",
    "t",
    "datetime",
    "date",
];
const SERVICE_FIELDS: [&str; 5] = [
    "service",
    "service_name",
    "serviceName",
    "app",
    "application",
];
/// Fields that carry a stack trace beside the message (Error Reporting looks at these).
const STACK_FIELDS: [&str; 5] = [
    "stack_trace",
    "exception",
    "stack",
    "exc_info",
    "stacktrace",
];

/// The text of a JSON value: strings as they are, anything else as compact JSON.
pub(crate) fn json_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// Follows a dotted path (`jsonPayload.context.service`) through nested objects.
pub(crate) fn lookup_path<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    if let Some(direct) = value.get(path) {
        return Some(direct);
    }
    path.split('.').try_fold(value, |node, key| node.get(key))
}

/// The message of a JSON object: the first present message field, with a stack-trace field
/// appended on a new line when the message does not already hold it.
pub(crate) fn message_from_object(
    object: &Map<String, Value>,
    fields: &[String],
) -> Option<String> {
    let mut message = fields
        .iter()
        .find_map(|field| object.get(field.as_str()).filter(|v| !v.is_null()))
        .map(json_text)?;
    if let Some(stack) = STACK_FIELDS
        .iter()
        .find_map(|field| object.get(*field).and_then(Value::as_str))
        .filter(|stack| !stack.is_empty() && !message.contains(stack))
    {
        message.push('\n');
        message.push_str(stack);
    }
    Some(message)
}

/// Decodes one JSON line that is not a Cloud Logging entry.
pub(crate) fn decode(
    bytes: &[u8],
    message_fields: &[String],
    service_field: Option<&str>,
) -> Result<Record, serde_json::Error> {
    let value: Value = serde_json::from_slice(bytes)?;
    let Value::Object(object) = &value else {
        return Err(serde::de::Error::custom("expected a JSON object"));
    };
    let mut record = Record::with_message(String::new());
    match message_from_object(object, message_fields) {
        Some(message) => {
            record.message = message;
            record.payload = Payload::Json;
        }
        None => {
            // No message field: the object without its time and level is the message.
            let mut rest = object.clone();
            for key in LEVEL_FIELDS.iter().chain(TIME_FIELDS.iter()) {
                rest.remove(*key);
            }
            record.message = Value::Object(rest).to_string();
            record.payload = Payload::Json;
        }
    }
    record.severity = LEVEL_FIELDS
        .iter()
        .find_map(|field| lookup_path(&value, field))
        .and_then(|level| match level {
            Value::String(word) => Severity::parse(word),
            Value::Number(number) => number.as_i64().and_then(Severity::from_number),
            _ => None,
        })
        .unwrap_or(Severity::Default);
    record.timestamp = TIME_FIELDS
        .iter()
        .find_map(|field| object.get(*field))
        .and_then(|time| match time {
            Value::String(text) => parse_timestamp(text),
            Value::Number(number) => number.as_i64().and_then(from_epoch_integer).or_else(|| {
                number
                    .as_f64()
                    .and_then(|f| parse_timestamp(&f.to_string()))
            }),
            _ => None,
        });
    let service = match service_field {
        Some(field) => lookup_path(&value, field),
        None => SERVICE_FIELDS
            .iter()
            .find_map(|field| object.get(*field))
            .or_else(|| lookup_path(&value, "serviceContext.service")),
    };
    if let Some(service) = service {
        record.service = json_text(service);
    }
    record.trace = [
        "trace_id",
        "traceId",
        "trace",
        "logging.googleapis.com/trace",
    ]
    .iter()
    .find_map(|field| object.get(*field))
    .map(json_text);
    record.instance = ["hostname", "host", "pod", "instance"]
        .iter()
        .find_map(|field| object.get(*field))
        .map(json_text);
    record.source_location = ["caller", "logger_name", "logger"]
        .iter()
        .find_map(|field| object.get(*field))
        .map(json_text);
    Ok(record)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> Vec<String> {
        DEFAULT_MESSAGE_FIELDS.map(str::to_owned).to_vec()
    }

    #[test]
    fn pino_numeric_levels_and_epoch_millis() {
        let record = decode(
            br#"{"level":50,"time":1741504190309,"pid":1,"hostname":"h","msg":"payment failed"}"#,
            &fields(),
            None,
        )
        .unwrap();
        assert_eq!(record.severity, Severity::Error);
        assert_eq!(record.message, "payment failed");
        assert_eq!(
            record.timestamp.unwrap().to_string(),
            "2025-03-09T07:09:50.309Z"
        );
        assert_eq!(record.instance.as_deref(), Some("h"));
    }

    #[test]
    fn zap_style_seconds_with_fraction() {
        let record = decode(
            br#"{"level":"warn","ts":1741503801.286605,"caller":"pkg/a.go:130","msg":"slow"}"#,
            &fields(),
            None,
        )
        .unwrap();
        assert_eq!(record.severity, Severity::Warning);
        assert_eq!(
            record.timestamp.unwrap().to_string(),
            "2025-03-09T07:03:21.286605Z"
        );
        assert_eq!(record.source_location.as_deref(), Some("pkg/a.go:130"));
    }

    #[test]
    fn configured_message_field_comes_first() {
        let record = decode(
            br#"{"message":"generic","detail":"specific","service":"svc"}"#,
            &["detail".to_owned(), "message".to_owned()],
            None,
        )
        .unwrap();
        assert_eq!(record.message, "specific");
        assert_eq!(record.service, "svc");
    }

    #[test]
    fn an_object_without_message_keeps_its_fields() {
        let record = decode(br#"{"level":"info","op":"sync","n":3}"#, &fields(), None).unwrap();
        assert_eq!(record.message, r#"{"n":3,"op":"sync"}"#);
    }

    #[test]
    fn a_non_object_is_an_error() {
        assert!(decode(b"[1,2]", &fields(), None).is_err());
        assert!(decode(b"{\"a\":", &fields(), None).is_err());
    }
}
