//! Cloud Logging `LogEntry` objects, as `gcloud logging read --format=json` and the
//! `entries.list` API return them.

use std::borrow::Cow;
use std::collections::BTreeMap;

use gardener_core::Severity;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::json::{json_text, lookup_path, message_from_object};
use crate::{Payload, Record, parse_timestamp};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LogEntry<'a> {
    #[serde(borrow)]
    log_name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    resource: Option<Resource<'a>>,
    #[serde(borrow)]
    timestamp: Option<Cow<'a, str>>,
    severity: Option<Value>,
    #[serde(borrow)]
    insert_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    trace: Option<Cow<'a, str>>,
    #[serde(borrow)]
    text_payload: Option<Cow<'a, str>>,
    json_payload: Option<Map<String, Value>>,
    #[serde(borrow)]
    proto_payload: Option<ProtoPayload<'a>>,
    #[serde(borrow)]
    http_request: Option<HttpRequest<'a>>,
    #[serde(borrow)]
    labels: Option<BTreeMap<Cow<'a, str>, Cow<'a, str>>>,
    source_location: Option<Map<String, Value>>,
}

#[derive(Deserialize)]
struct Resource<'a> {
    #[serde(borrow, rename = "type")]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow)]
    labels: Option<BTreeMap<Cow<'a, str>, Cow<'a, str>>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ProtoPayload<'a> {
    #[serde(borrow)]
    method_name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    service_name: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct HttpRequest<'a> {
    #[serde(borrow)]
    request_method: Option<Cow<'a, str>>,
    #[serde(borrow)]
    request_url: Option<Cow<'a, str>>,
    status: Option<Value>,
}

/// Decodes one `LogEntry`. `Err` carries the JSON error for the unparsed tally.
pub(crate) fn decode(
    bytes: &[u8],
    message_fields: &[String],
    service_field: Option<&str>,
) -> Result<Record, serde_json::Error> {
    let entry: LogEntry<'_> = serde_json::from_slice(bytes)?;
    let mut record = Record::with_message(String::new());
    record.timestamp = entry.timestamp.as_deref().and_then(parse_timestamp);
    record.severity = match &entry.severity {
        Some(Value::String(word)) => Severity::parse(word).unwrap_or(Severity::Default),
        Some(Value::Number(number)) => number
            .as_i64()
            .and_then(Severity::from_number)
            .unwrap_or(Severity::Default),
        _ => Severity::Default,
    };
    record.insert_id = entry.insert_id.map(Cow::into_owned);
    record.trace = entry
        .trace
        .as_deref()
        .map(|trace| trace.rsplit('/').next().unwrap_or(trace).to_owned());
    record.source_location = entry.source_location.as_ref().and_then(source_location);

    let resource_type = entry.resource.as_ref().and_then(|r| r.kind.as_deref());
    let resource_labels = entry.resource.as_ref().and_then(|r| r.labels.as_ref());
    let label = |name: &str| {
        resource_labels
            .and_then(|labels| labels.get(name))
            .map(|value| value.as_ref())
            .filter(|value| !value.is_empty())
    };
    record.service = service_of(resource_type, &label, entry.log_name.as_deref())
        .map(str::to_owned)
        .or_else(|| {
            entry
                .json_payload
                .as_ref()
                .and_then(|payload| payload.get("service"))
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .unwrap_or_default();
    if let Some(field) = service_field {
        // A user-named field wins; it is looked up in the whole entry (`jsonPayload.app`,
        // `labels.team`, ...), so decode the entry once more as a tree. Only with the flag.
        if let Ok(tree) = serde_json::from_slice::<Value>(bytes)
            && let Some(service) = lookup_path(&tree, field).map(json_text)
        {
            record.service = service;
        }
    }
    record.revision = label("revision_name").map(str::to_owned);
    record.instance = entry
        .labels
        .as_ref()
        .and_then(|labels| labels.get("instanceId"))
        .map(|v| v.clone().into_owned())
        .or_else(|| label("pod_name").map(str::to_owned))
        .or_else(|| label("instance_id").map(str::to_owned));

    if let Some(text) = entry.text_payload {
        record.message = text.into_owned();
        record.payload = Payload::Text;
    } else if let Some(message) = entry
        .json_payload
        .as_ref()
        .and_then(|payload| message_from_object(payload, message_fields))
    {
        record.message = message;
        record.payload = Payload::Json;
    } else if let Some(request) = &entry.http_request {
        record.message = http_summary(request);
        record.payload = Payload::HttpRequest;
    } else if let Some(proto) = &entry.proto_payload {
        record.message = proto
            .method_name
            .as_deref()
            .or(proto.service_name.as_deref())
            .unwrap_or_default()
            .to_owned();
        record.payload = Payload::Proto;
    } else if let Some(payload) = &entry.json_payload {
        // A JSON payload without any message field: its compact text is what there is.
        record.message = Value::Object(payload.clone()).to_string();
        record.payload = Payload::Json;
    } else {
        record.payload = Payload::Empty;
    }
    Ok(record)
}

/// The service of an entry, by resource type (the conventions of the Cloud Logging console):
/// Cloud Run `service_name`, GKE `container_name`, GCE the log id at the end of `logName`,
/// Cloud Functions `function_name`, App Engine `module_id`; other resources their
/// `service_name` or `container_name` label, else the log id.
fn service_of<'a>(
    resource_type: Option<&str>,
    label: &dyn Fn(&str) -> Option<&'a str>,
    log_name: Option<&'a str>,
) -> Option<&'a str> {
    match resource_type {
        Some("cloud_run_revision" | "cloud_run_job") => {
            label("service_name").or_else(|| label("job_name"))
        }
        Some("k8s_container" | "k8s_pod") => label("container_name").or_else(|| label("pod_name")),
        Some("gce_instance") => log_name.and_then(log_id),
        Some("cloud_function") => label("function_name"),
        Some("gae_app") => label("module_id"),
        _ => label("service_name")
            .or_else(|| label("container_name"))
            .or_else(|| log_name.and_then(log_id)),
    }
}

/// The log id at the end of `projects/P/logs/LOG_ID`. A URL-encoded id such as
/// `run.googleapis.com%2Fstdout` is kept encoded: it is not a service name anyway.
fn log_id(log_name: &str) -> Option<&str> {
    log_name
        .rsplit_once("/logs/")
        .map(|(_, id)| id)
        .filter(|id| !id.is_empty())
}

/// `GET /api/threads/92c2... 503`: method, the path of the URL (no scheme, host or query) and
/// the status.
fn http_summary(request: &HttpRequest<'_>) -> String {
    let method = request.request_method.as_deref().unwrap_or("HTTP");
    let url = request.request_url.as_deref().unwrap_or("");
    let without_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path = if url.contains("://") {
        without_scheme
            .find('/')
            .map_or("/", |at| &without_scheme[at..])
    } else {
        without_scheme
    };
    let path = path_shape(path.split(['?', '#']).next().unwrap_or(path));
    let status = match &request.status {
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::String(s)) => s.clone(),
        _ => "-".to_owned(),
    };
    format!("{method} {path} {status}")
}

/// A request path with its variable segments written `<*>`: a segment holding a digit, or a
/// long one (over 24 characters: tokens, slugs, base64). `/api/threads/92c2e9ef-…` becomes
/// `/api/threads/<*>`, while `/api/threads` and `/health` stay as they are, and so do version
/// words such as `v2` or `oauth2` (letters, then one or two digits).
pub(crate) fn path_shape(path: &str) -> String {
    let versionish = |segment: &str| {
        let letters = segment.bytes().take_while(u8::is_ascii_alphabetic).count();
        let digits = segment.len() - letters;
        letters >= 1
            && (1..=2).contains(&digits)
            && segment.bytes().skip(letters).all(|b| b.is_ascii_digit())
    };
    path.split('/')
        .map(|segment| {
            let variable = (segment.bytes().any(|b| b.is_ascii_digit()) && !versionish(segment))
                || segment.len() > 24;
            if variable { "<*>" } else { segment }
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn source_location(location: &Map<String, Value>) -> Option<String> {
    let file = location.get("file").map(json_text)?;
    let mut out = file;
    if let Some(line) = location.get("line").map(json_text) {
        out.push(':');
        out.push_str(&line);
    }
    if let Some(function) = location.get("function").map(json_text) {
        out.push_str(" in ");
        out.push_str(&function);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> Vec<String> {
        ["message", "msg", "event"].map(str::to_owned).to_vec()
    }

    fn decode_str(json: &str) -> Record {
        decode(json.as_bytes(), &fields(), None).unwrap()
    }

    #[test]
    fn cloud_run_text_entry() {
        let record = decode_str(
            r#"{"insertId":"abc","logName":"projects/p/logs/run.googleapis.com%2Fstderr",
            "resource":{"type":"cloud_run_revision","labels":{"service_name":"api","revision_name":"api-0001-x"}},
            "labels":{"instanceId":"i-1"},"severity":"ERROR","textPayload":"Container called exit(3).",
            "timestamp":"2025-05-28T17:58:44.396120Z","trace":"projects/p/traces/t123"}"#,
        );
        assert_eq!(record.service, "api");
        assert_eq!(record.severity, Severity::Error);
        assert_eq!(record.message, "Container called exit(3).");
        assert_eq!(record.insert_id.as_deref(), Some("abc"));
        assert_eq!(record.trace.as_deref(), Some("t123"));
        assert_eq!(record.instance.as_deref(), Some("i-1"));
        assert_eq!(record.revision.as_deref(), Some("api-0001-x"));
        assert_eq!(
            record.timestamp.unwrap().to_string(),
            "2025-05-28T17:58:44.39612Z"
        );
    }

    #[test]
    fn gke_json_payload_takes_msg_and_container() {
        let record = decode_str(
            r#"{"resource":{"type":"k8s_container","labels":{"container_name":"worker","pod_name":"worker-1"}},
            "jsonPayload":{"level":"warn","msg":"slow query"},"severity":"WARNING"}"#,
        );
        assert_eq!(record.service, "worker");
        assert_eq!(record.message, "slow query");
        assert_eq!(record.payload, Payload::Json);
        assert_eq!(record.instance.as_deref(), Some("worker-1"));
    }

    #[test]
    fn gce_service_is_the_log_id() {
        let record = decode_str(
            r#"{"logName":"projects/p/logs/basalt-vaults","resource":{"type":"gce_instance","labels":{"instance_id":"75"}},
            "jsonPayload":{"event":"lock held"}}"#,
        );
        assert_eq!(record.service, "basalt-vaults");
        assert_eq!(record.message, "lock held");
        assert_eq!(record.severity, Severity::Default);
    }

    #[test]
    fn request_logs_are_summarised() {
        let record = decode_str(
            r#"{"httpRequest":{"requestMethod":"GET","requestUrl":"https://x.run.app/api/threads/92c2?x=1","status":503},
            "resource":{"type":"cloud_run_revision","labels":{"service_name":"api"}},"severity":"ERROR"}"#,
        );
        assert_eq!(record.message, "GET /api/threads/<*> 503");
        assert_eq!(record.payload, Payload::HttpRequest);
    }

    #[test]
    fn request_paths_keep_their_shape() {
        assert_eq!(path_shape("/health"), "/health");
        assert_eq!(path_shape("/api/threads"), "/api/threads");
        assert_eq!(
            path_shape("/api/threads/92c2e9ef-c1f2-437e-a0d3-f0946f39e26b"),
            "/api/threads/<*>"
        );
        assert_eq!(
            path_shape("/v2/users/42/orders/7"),
            "/v2/users/<*>/orders/<*>"
        );
        assert_eq!(
            path_shape("/s/aVeryLongOpaqueTokenWithoutDigitsXyz"),
            "/s/<*>"
        );
    }

    #[test]
    fn text_payload_wins_over_http_request() {
        let record = decode_str(
            r#"{"httpRequest":{"requestMethod":"GET","requestUrl":"https://x/health","status":503},
            "textPayload":"The request failed because the HTTP response was malformed"}"#,
        );
        assert_eq!(
            record.message,
            "The request failed because the HTTP response was malformed"
        );
    }

    #[test]
    fn audit_logs_use_the_method_name() {
        let record = decode_str(
            r#"{"protoPayload":{"@type":"type.googleapis.com/google.cloud.audit.AuditLog","methodName":"google.cloud.run.v1.Services.ReplaceService"},"severity":"NOTICE"}"#,
        );
        assert_eq!(
            record.message,
            "google.cloud.run.v1.Services.ReplaceService"
        );
        assert_eq!(record.severity, Severity::Notice);
    }

    #[test]
    fn a_user_service_field_wins() {
        let record = decode(
            br#"{"resource":{"type":"k8s_container","labels":{"container_name":"c"}},"jsonPayload":{"msg":"m","ctx":{"app":"billing"}}}"#,
            &fields(),
            Some("jsonPayload.ctx.app"),
        )
        .unwrap();
        assert_eq!(record.service, "billing");
    }

    #[test]
    fn a_stack_trace_field_is_appended_to_the_message() {
        let record = decode_str(
            r#"{"jsonPayload":{"message":"request failed","stack_trace":"Error: boom\n    at f (a.js:1:2)"}}"#,
        );
        assert_eq!(
            record.message,
            "request failed\nError: boom\n    at f (a.js:1:2)"
        );
    }
}
