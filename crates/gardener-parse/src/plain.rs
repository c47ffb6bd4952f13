//! Plain text lines: an optional leading timestamp, an optional level word, the message.
//!
//! Recognised prefixes, in order: a syslog priority `<13>` (RFC 5424's version digit after it
//! is skipped); a timestamp as one token (`2025-05-28T17:59:40Z`), as two tokens
//! (`2025-05-28 17:59:40,123`), or in brackets (`[2025-05-28 17:58:38 +0000]`); then a level
//! word, bare or in brackets or followed by a colon (`ERROR`, `[warn]`, `E`, `WARNING:`); for
//! RFC 3164-style lines (`Mar  9 07:00:01 host app[42]: msg`) the app is the service, and the
//! time gets the year that puts it at or before the run (the line carries none; without a
//! reference time it gets no timestamp rather than a guessed one). Access-log lines (Common
//! and Combined Log Format) are read as requests.

use gardener_core::Severity;

use crate::{Payload, Record, parse_timestamp};

/// Decodes one plain-text line without a reference time (tests).
#[cfg(test)]
pub(crate) fn decode(line: &str) -> Record {
    decode_at(line, None)
}

/// Decodes one plain-text line; `reference` is the time that gives RFC 3164 timestamps, which
/// carry no year, their year (see [`DecoderConfig::syslog_reference`]).
///
/// [`DecoderConfig::syslog_reference`]: crate::DecoderConfig::syslog_reference
pub(crate) fn decode_at(line: &str, reference: Option<jiff::Timestamp>) -> Record {
    if let Some(record) = access_log(line) {
        return record;
    }
    let mut rest = line;
    let mut record = Record::with_message(String::new());
    record.payload = Payload::Text;

    // Syslog priority: severity is its low three bits.
    if let Some(after) = rest.strip_prefix('<')
        && let Some((pri, tail)) = after.split_once('>')
        && let Ok(pri) = pri.parse::<u8>()
    {
        record.severity = Severity::from_number(i64::from(pri & 7)).unwrap_or(Severity::Default);
        rest = tail.strip_prefix("1 ").unwrap_or(tail);
    }

    if let Some((timestamp, tail)) = leading_timestamp(rest) {
        record.timestamp = Some(timestamp);
        rest = tail;
    } else if let Some((stamp, service, tail)) = bsd_syslog(rest) {
        record.service = service.to_owned();
        record.timestamp = reference.and_then(|reference| syslog_time(stamp, reference));
        rest = tail;
    }

    if let Some((severity, tail)) = leading_level(rest) {
        record.severity = severity;
        rest = tail;
    }
    record.message = rest.trim().to_owned();
    record
}

/// A line of an access log in the Common or Combined Log Format (Apache, nginx, Envoy's and
/// many proxies' default): `host ident user [10/Oct/2000:13:55:36 -0700] "GET /a HTTP/1.1" 503
/// 2326 ...`. It becomes a request summary like a Cloud Logging `httpRequest`: the message is
/// `GET /a 503` with the path's variable segments written `<*>`, and the severity follows the
/// status (5xx ERROR, 4xx WARNING, else INFO), as Cloud Run and load balancers log requests.
fn access_log(line: &str) -> Option<Record> {
    let (client, rest) = line.split_once(' ')?;
    if client.is_empty() || client.starts_with('[') {
        return None;
    }
    let (_ident, rest) = rest.split_once(' ')?;
    let open = rest.find(" [")?;
    // The user name may hold spaces in odd logs, but not brackets or quotes.
    if rest[..open].contains(['"', '[']) {
        return None;
    }
    let rest = &rest[open + 2..];
    let (stamp, rest) = rest.split_once("] \"")?;
    let timestamp = jiff::Timestamp::strptime("%d/%b/%Y:%H:%M:%S %z", stamp).ok()?;
    let (request, rest) = rest.split_once('"')?;
    let status = rest.split_whitespace().next()?;
    if status.len() != 3 || !status.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut parts = request.split(' ');
    let method = parts
        .next()
        .filter(|m| !m.is_empty() && m.bytes().all(|b| b.is_ascii_uppercase()));
    let message = match (method, parts.next()) {
        (Some(method), Some(target)) => {
            let path = target.split(['?', '#']).next().unwrap_or(target);
            let path = path.split_once("://").map_or(path, |(_, rest)| {
                rest.find('/').map_or("/", |at| &rest[at..])
            });
            format!("{method} {} {status}", crate::gcp::path_shape(path))
        }
        // A malformed request line (`"-"`, a TLS handshake sent to a plain port).
        _ => format!("(malformed request) {status}"),
    };
    let mut record = Record::with_message(message);
    record.timestamp = Some(timestamp);
    record.payload = Payload::HttpRequest;
    record.severity = match status.as_bytes()[0] {
        b'5' => Severity::Error,
        b'4' => Severity::Warning,
        _ => Severity::Info,
    };
    Some(record)
}

/// A timestamp at the start of the line, and the text after it.
pub(crate) fn leading_timestamp(line: &str) -> Option<(jiff::Timestamp, &str)> {
    let trimmed = line.trim_start();
    if let Some(inner) = trimmed.strip_prefix('[') {
        let (stamp, tail) = inner.split_once(']')?;
        let stamp = stamp.trim();
        let parsed = parse_timestamp(stamp)
            .or_else(|| ctime(stamp))
            .or_else(|| {
                // `2025-05-28 17:58:38 +0000`: an offset without a colon after a space.
                let (date_time, offset) = stamp.rsplit_once(' ')?;
                let offset = offset
                    .strip_prefix('+')
                    .or_else(|| offset.strip_prefix('-'))?;
                if offset.len() == 4 && offset.bytes().all(|b| b.is_ascii_digit()) {
                    let sign = &stamp[stamp.len() - 5..stamp.len() - 4];
                    parse_timestamp(&format!(
                        "{}{sign}{}:{}",
                        date_time.replacen(' ', "T", 1),
                        &offset[..2],
                        &offset[2..]
                    ))
                } else {
                    None
                }
            })?;
        return Some((parsed, tail));
    }
    let first_byte = *trimmed.as_bytes().first()?;
    if !first_byte.is_ascii_digit() {
        return None;
    }
    let mut tokens = trimmed.splitn(3, ' ');
    let first = tokens.next()?;
    if first.len() >= 10 && first.as_bytes().get(4) == Some(&b'-') {
        if let Some(second) = tokens.next()
            && second.as_bytes().first().is_some_and(u8::is_ascii_digit)
            && second.contains(':')
        {
            let joined = format!("{first} {second}");
            if let Some(timestamp) = parse_timestamp(&joined) {
                let tail = &trimmed[first.len() + 1 + second.len()..];
                return Some((timestamp, tail));
            }
        }
        if let Some(timestamp) = parse_timestamp(first) {
            return Some((timestamp, &trimmed[first.len()..]));
        }
    }
    None
}

/// `Sun Dec 04 04:47:44 2005` (ctime, as Apache's error log writes it), read as UTC.
fn ctime(stamp: &str) -> Option<jiff::Timestamp> {
    let civil = jiff::civil::DateTime::strptime("%a %b %d %H:%M:%S %Y", stamp).ok()?;
    civil
        .to_zoned(jiff::tz::TimeZone::UTC)
        .ok()
        .map(|z| z.timestamp())
}

/// `Mar  9 07:00:01` in the year that puts it at most a day after `reference`: the latest
/// such date not in the future of the run, so a log that spans New Year reads right. Read as
/// UTC, as other time stamps without a zone are.
fn syslog_time(stamp: &str, reference: jiff::Timestamp) -> Option<jiff::Timestamp> {
    // `Mar  9 07:00:01`, read without allocating: this runs once per line.
    let mut parts = stamp.split_whitespace();
    let name = parts.next()?;
    let month = SYSLOG_MONTHS.iter().position(|m| *m == name)?;
    let day: i8 = parts.next()?.parse().ok()?;
    let mut clock = parts.next()?.split(':').map(|p| p.parse::<i8>().ok());
    let (hour, minute, second) = (clock.next()??, clock.next()??, clock.next()??);
    let month = i8::try_from(month + 1).ok()?;
    let this_year = reference.to_zoned(jiff::tz::TimeZone::UTC).year();
    let limit = reference + jiff::SignedDuration::from_hours(24);
    for year in [this_year, this_year - 1] {
        // 29 Feb in a year without it: try the year before.
        let Ok(date) = jiff::civil::Date::new(year, month, day) else {
            continue;
        };
        let civil = date.to_datetime(jiff::civil::Time::new(hour, minute, second, 0).ok()?);
        let timestamp = civil.to_zoned(jiff::tz::TimeZone::UTC).ok()?.timestamp();
        if timestamp <= limit {
            return Some(timestamp);
        }
    }
    None
}

/// Month names as RFC 3164 writes them.
const SYSLOG_MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `Mar  9 07:00:01 host app[42]: msg` → (`Mar  9 07:00:01`, `app`, `msg`).
fn bsd_syslog(line: &str) -> Option<(&str, &str, &str)> {
    let month = line.get(..3)?;
    if !SYSLOG_MONTHS.contains(&month) {
        return None;
    }
    let mut parts = line[3..].split_whitespace();
    let day = parts.next()?;
    let time = parts.next()?;
    let _host = parts.next()?;
    let tag = parts.next()?;
    if !day.bytes().all(|b| b.is_ascii_digit()) || time.len() != 8 || !tag.ends_with(':') {
        return None;
    }
    let app = tag.trim_end_matches(':');
    let app = app.split('[').next().unwrap_or(app);
    let at = line.find(tag)? + tag.len();
    let stamp_end = line.find(time)? + time.len();
    Some((&line[..stamp_end], app, &line[at..]))
}

/// A level word at the start of the text (after optional spaces), and the text after it.
fn leading_level(text: &str) -> Option<(Severity, &str)> {
    let trimmed = text.trim_start();
    let end = trimmed.find(char::is_whitespace).unwrap_or(trimmed.len());
    let token = &trimmed[..end];
    let word = token
        .trim_start_matches('[')
        .trim_end_matches(':')
        .trim_end_matches(']')
        .trim_end_matches(':');
    // One-letter levels only when bracketed or followed by a colon, so a sentence starting with
    // "A" or "I" is not read as a level.
    let marked = token.starts_with('[') || token.ends_with(':');
    if word.len() == 1 && !marked {
        return None;
    }
    if word.is_empty() || word.bytes().any(|b| b.is_ascii_digit()) {
        return None;
    }
    let severity = Severity::parse(word)?;
    // A bare lower-case word such as "error" opening a sentence is still a level: loggers write
    // both spellings, and a sentence rarely starts with a lone level word.
    Some((severity, &trimmed[end..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_logging_line() {
        let record = decode("2025-05-28 17:59:40,123 ERROR Database connection attempt 1/5 failed");
        assert_eq!(record.severity, Severity::Error);
        assert_eq!(
            record.timestamp.unwrap().to_string(),
            "2025-05-28T17:59:40.123Z"
        );
        assert_eq!(record.message, "Database connection attempt 1/5 failed");
    }

    #[test]
    fn gunicorn_line_with_bracketed_offset() {
        let record = decode("[2025-05-28 19:58:38 +0200] [1] [INFO] Starting gunicorn 21.2.0");
        assert_eq!(
            record.timestamp.unwrap().to_string(),
            "2025-05-28T17:58:38Z"
        );
        assert_eq!(record.message, "[1] [INFO] Starting gunicorn 21.2.0");
    }

    #[test]
    fn iso_timestamp_and_bracketed_level() {
        let record = decode("2025-01-02T03:04:05.5Z [warn] disk almost full");
        assert_eq!(record.severity, Severity::Warning);
        assert_eq!(record.message, "disk almost full");
    }

    #[test]
    fn apache_error_log_line() {
        let record =
            decode("[Sun Dec 04 04:47:44 2005] [error] mod_jk child workerEnv in error state 6");
        assert_eq!(
            record.timestamp.unwrap().to_string(),
            "2005-12-04T04:47:44Z"
        );
        assert_eq!(record.severity, Severity::Error);
        assert_eq!(record.message, "mod_jk child workerEnv in error state 6");
    }

    #[test]
    fn bsd_syslog_line_names_the_app() {
        let record = decode("<11>Mar  9 07:00:01 web-1 nginx[42]: upstream timed out");
        assert_eq!(record.service, "nginx");
        assert_eq!(record.severity, Severity::Error);
        assert_eq!(record.message, "upstream timed out");
        assert_eq!(record.timestamp, None);
    }

    #[test]
    fn syslog_lines_get_the_latest_year_not_after_the_run() {
        let at = |now: &str, line: &str| {
            decode_at(line, Some(now.parse().unwrap()))
                .timestamp
                .map(|t| t.to_string())
        };
        let line = "Mar  9 07:00:01 web-1 nginx[42]: upstream timed out";
        assert_eq!(
            at("2026-11-24T05:00:00Z", line).as_deref(),
            Some("2026-03-09T07:00:01Z")
        );
        // Read in January, December's lines are last year's.
        let december = "Dec 31 23:59:59 web-1 cron[7]: tick";
        assert_eq!(
            at("2027-01-01T00:10:00Z", december).as_deref(),
            Some("2026-12-31T23:59:59Z")
        );
        // A clock a few hours ahead of the run is still this year.
        assert_eq!(
            at("2026-12-31T20:00:00Z", december).as_deref(),
            Some("2026-12-31T23:59:59Z")
        );
        // Without a reference, no guess.
        assert_eq!(decode(line).timestamp, None);
    }

    #[test]
    fn access_log_lines_become_request_summaries() {
        let line = r#"10.0.0.2 - bob [23/Nov/2024:22:13:21 +0100] "GET /api/items/18?x=1 HTTP/1.1" 503 0 "-" "curl/8.0""#;
        let record = decode(line);
        assert_eq!(record.message, "GET /api/items/<*> 503");
        assert_eq!(record.payload, Payload::HttpRequest);
        assert_eq!(record.severity, Severity::Error);
        assert_eq!(
            record.timestamp.unwrap().to_string(),
            "2024-11-23T21:13:21Z"
        );
        let common =
            decode(r#"::1 - - [01/Jan/2025:00:00:00 +0000] "POST /login HTTP/2.0" 401 12"#);
        assert_eq!(common.message, "POST /login 401");
        assert_eq!(common.severity, Severity::Warning);
        let junk = decode(r#"203.0.113.9 - - [01/Jan/2025:00:00:01 +0000] "" 400 157 "-" "-""#);
        assert_eq!(junk.message, "(malformed request) 400");
        let ok = decode(r#"web-1 - - [01/Jan/2025:00:00:02 +0000] "GET / HTTP/1.1" 200 5"#);
        assert_eq!(
            (ok.message.as_str(), ok.severity),
            ("GET / 200", Severity::Info)
        );
    }

    #[test]
    fn lines_that_only_resemble_access_logs_are_plain() {
        for line in [
            "[2025-05-28 17:58:38 +0000] [1] [INFO] Booting worker",
            r#"user - x [not a date] "GET / HTTP/1.1" 200 1"#,
            r#"a - - [01/Jan/2025:00:00:02 +0000] "GET / HTTP/1.1" OK 5"#,
        ] {
            assert_ne!(decode(line).payload, Payload::HttpRequest, "{line}");
        }
    }

    #[test]
    fn a_line_without_prefixes_is_all_message() {
        let record = decode("Container called exit(3).");
        assert_eq!(record.severity, Severity::Default);
        assert_eq!(record.message, "Container called exit(3).");
    }

    #[test]
    fn a_sentence_starting_with_a_letter_is_not_a_level() {
        let record = decode("I am fine");
        assert_eq!(record.severity, Severity::Default);
        assert_eq!(record.message, "I am fine");
    }
}
