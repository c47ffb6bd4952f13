use gardener_core::Severity;
use jiff::Timestamp;

/// Which part of an entry the message was taken from (shown in reports).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Payload {
    /// `textPayload`, or a plain-text line.
    Text,
    /// A message field of a JSON object (`jsonPayload.message`, `msg`, ...).
    Json,
    /// A summary of `httpRequest` (`GET /path 503`).
    HttpRequest,
    /// A summary of `protoPayload` (its `methodName`).
    Proto,
    /// A logfmt `msg`.
    Logfmt,
    /// Nothing to mine was found; the message is empty.
    Empty,
}

/// One decoded log event.
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    /// Event time in UTC, when the record has one.
    pub timestamp: Option<Timestamp>,
    /// Severity on the Cloud Logging ladder; `Default` when none was given.
    pub severity: Severity,
    /// The service that wrote it; empty when unknown.
    pub service: String,
    /// The text that is mined into a pattern.
    pub message: String,
    /// Where the message came from.
    pub payload: Payload,
    /// `file:line` (and function) of the code that logged it, when given.
    pub source_location: Option<String>,
    /// Trace id (the last path segment of a Cloud Logging `trace`).
    pub trace: Option<String>,
    /// Cloud Logging `insertId`.
    pub insert_id: Option<String>,
    /// The instance, pod or host that wrote it (Cloud Run `labels.instanceId`, GKE pod name,
    /// GCE instance id, a JSON `hostname`).
    pub instance: Option<String>,
    /// A deployed revision or version (Cloud Run `revision_name`).
    pub revision: Option<String>,
}

impl Record {
    /// An empty record with only a message (for tests and plain text).
    #[must_use]
    pub fn with_message(message: impl Into<String>) -> Self {
        Self {
            timestamp: None,
            severity: Severity::Default,
            service: String::new(),
            message: message.into(),
            payload: Payload::Text,
            source_location: None,
            trace: None,
            insert_id: None,
            instance: None,
            revision: None,
        }
    }
}
