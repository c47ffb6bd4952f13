use crate::detect::LOG_ENTRY_KEYS;
use crate::json::DEFAULT_MESSAGE_FIELDS;
use crate::{Format, Record, gcp, json, logfmt, plain};

/// What the decoder is told by the user.
#[derive(Clone, Debug)]
pub struct DecoderConfig {
    /// Message fields for JSON objects, most preferred first.
    pub message_fields: Vec<String>,
    /// A field (dotted path for JSON) that names the service, overriding the built-in rules.
    pub service_field: Option<String>,
    /// The time of the run, which gives syslog (RFC 3164) time stamps their year: the latest
    /// year that does not put them more than a day after it. `None`: such lines get no time.
    pub syslog_reference: Option<jiff::Timestamp>,
}

impl Default for DecoderConfig {
    fn default() -> Self {
        Self {
            message_fields: DEFAULT_MESSAGE_FIELDS.map(str::to_owned).to_vec(),
            service_field: None,
            syslog_reference: None,
        }
    }
}

impl DecoderConfig {
    /// The configuration with user message fields put before the defaults.
    #[must_use]
    pub fn with_message_fields(mut self, fields: &[String]) -> Self {
        let mut merged: Vec<String> = fields.to_vec();
        for field in self.message_fields {
            if !merged.contains(&field) {
                merged.push(field);
            }
        }
        self.message_fields = merged;
        self
    }
}

/// The result of decoding one framed record.
#[derive(Debug, PartialEq)]
pub enum Decoded {
    /// A record.
    Record(Record),
    /// The bytes could not be decoded; the reason says why.
    Unparsed(String),
}

/// Decodes framed records of any supported format.
#[derive(Clone, Debug, Default)]
pub struct Decoder {
    config: DecoderConfig,
}

impl Decoder {
    /// A decoder with the given configuration.
    #[must_use]
    pub fn new(config: DecoderConfig) -> Self {
        Self { config }
    }

    /// Decodes one record's bytes (a line without its newline, or an array element).
    ///
    /// JSON formats: a line that is not a JSON object is unparsed. A line of a JSON-lines input
    /// that carries `LogEntry` keys is read as a `LogEntry`, and the other way round, so a mixed
    /// file still decodes. Plain text and logfmt: invalid UTF-8 is decoded lossily, unless the
    /// line is mostly undecodable or holds NUL bytes (binary data), which is unparsed.
    #[must_use]
    pub fn decode(&self, format: Format, bytes: &[u8]) -> Decoded {
        let fields = &self.config.message_fields;
        let service_field = self.config.service_field.as_deref();
        match format {
            Format::GcpArray | Format::GcpNdjson | Format::JsonLines => {
                if bytes.trim_ascii().is_empty() {
                    return Decoded::Unparsed("empty line".to_owned());
                }
                let result = if format == Format::GcpArray || is_log_entry(bytes) {
                    gcp::decode(bytes, fields, service_field)
                } else {
                    json::decode(bytes, fields, service_field)
                };
                match result {
                    Ok(record) => Decoded::Record(record),
                    Err(error) => Decoded::Unparsed(format!("invalid JSON: {error}")),
                }
            }
            Format::Logfmt | Format::Plain => match text_of(bytes) {
                Ok(text) if format == Format::Logfmt => {
                    Decoded::Record(logfmt::decode(&text, fields, service_field))
                }
                Ok(text) => Decoded::Record(plain::decode_at(&text, self.config.syslog_reference)),
                Err(reason) => Decoded::Unparsed(reason.to_owned()),
            },
            Format::Container => match text_of(bytes) {
                Ok(text) => Decoded::Record(match crate::container::unwrap(&text) {
                    Some(envelope) => {
                        let mut record =
                            plain::decode_at(&envelope.text, self.config.syslog_reference);
                        if envelope.timestamp.is_some() {
                            record.timestamp = envelope.timestamp;
                        }
                        record
                    }
                    None => plain::decode_at(&text, self.config.syslog_reference),
                }),
                Err(reason) => Decoded::Unparsed(reason.to_owned()),
            },
        }
    }

    /// Decodes a plain-text or logfmt line that is already text (used by the assembler; a
    /// container line arrives here already unwrapped, so it is read as plain text).
    #[must_use]
    pub fn decode_text(&self, format: Format, text: &str) -> Record {
        match format {
            Format::Logfmt => logfmt::decode(
                text,
                &self.config.message_fields,
                self.config.service_field.as_deref(),
            ),
            _ => plain::decode_at(text, self.config.syslog_reference),
        }
    }
}

fn is_log_entry(bytes: &[u8]) -> bool {
    LOG_ENTRY_KEYS
        .iter()
        .any(|key| memchr::memmem::find(bytes, key.as_bytes()).is_some())
}

/// The text of a plain line: valid UTF-8 as is; mostly-valid bytes lossily; binary data
/// (NUL bytes, or more than a tenth undecodable or control characters) refused.
pub fn text_of(bytes: &[u8]) -> Result<std::borrow::Cow<'_, str>, &'static str> {
    if memchr::memchr(0, bytes).is_some() {
        return Err("binary data (NUL bytes)");
    }
    let text = String::from_utf8_lossy(bytes);
    let total = text.chars().count().max(1);
    let bad = text
        .chars()
        .filter(|c| *c == char::REPLACEMENT_CHARACTER || (c.is_control() && *c != '\t'))
        .count();
    if bad * 10 > total {
        return Err("binary data or invalid UTF-8");
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_json_is_unparsed_with_the_reason() {
        let decoder = Decoder::default();
        match decoder.decode(Format::GcpNdjson, b"{\"insertId\": ") {
            Decoded::Unparsed(reason) => assert!(reason.starts_with("invalid JSON"), "{reason}"),
            Decoded::Record(_) => panic!("expected unparsed"),
        }
    }

    #[test]
    fn invalid_utf8_inside_json_is_unparsed() {
        let decoder = Decoder::default();
        let decoded = decoder.decode(Format::JsonLines, b"{\"msg\":\"\xff\xfe\"}");
        assert!(matches!(decoded, Decoded::Unparsed(_)));
    }

    #[test]
    fn a_few_bad_bytes_in_text_are_decoded_lossily() {
        let decoder = Decoder::default();
        match decoder.decode(Format::Plain, b"user caf\xe9 logged in from the lobby") {
            Decoded::Record(record) => assert!(record.message.starts_with("user caf\u{fffd}")),
            Decoded::Unparsed(reason) => panic!("{reason}"),
        }
    }

    #[test]
    fn binary_garbage_is_unparsed() {
        let decoder = Decoder::default();
        assert!(matches!(
            decoder.decode(Format::Plain, b"\x00\x01\x02garbage"),
            Decoded::Unparsed(_)
        ));
        assert!(matches!(
            decoder.decode(Format::Plain, b"\xff\xfe\xfd\xfc\x80\x81ab"),
            Decoded::Unparsed(_)
        ));
    }

    #[test]
    fn json_lines_with_log_entries_decode_as_entries() {
        let decoder = Decoder::default();
        let decoded = decoder.decode(
            Format::JsonLines,
            br#"{"textPayload":"boom","resource":{"type":"k8s_container","labels":{"container_name":"c"}}}"#,
        );
        match decoded {
            Decoded::Record(record) => assert_eq!(record.service, "c"),
            Decoded::Unparsed(reason) => panic!("{reason}"),
        }
    }
}
