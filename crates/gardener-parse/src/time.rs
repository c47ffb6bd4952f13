use jiff::Timestamp;

/// Parses a timestamp as logs write them: RFC 3339 / ISO 8601 with an offset or `Z`
/// (`2025-05-28T17:59:40.236737Z`, `...+00:00`), the same with a space instead of `T`
/// and a comma before the fraction (`2025-05-28 17:59:40,236`), treated as UTC when no offset
/// is given; or a number of seconds, milliseconds or nanoseconds since the epoch (told
/// apart by magnitude).
#[must_use]
pub fn parse_timestamp(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if let Ok(timestamp) = text.parse::<Timestamp>() {
        return Some(timestamp);
    }
    let bytes = text.as_bytes();
    if bytes[0].is_ascii_digit() && text.len() >= 10 && bytes.get(4) == Some(&b'-') {
        // Local-looking date-times without an offset: read them as UTC.
        let mut normalised = text.replacen(' ', "T", 1).replacen(',', ".", 1);
        if let Ok(timestamp) = normalised.parse::<Timestamp>() {
            return Some(timestamp);
        }
        normalised.push('Z');
        if let Ok(timestamp) = normalised.parse::<Timestamp>() {
            return Some(timestamp);
        }
        return None;
    }
    epoch_number(text)
}

/// Reads an epoch number (seconds with a fraction, milliseconds, microseconds or nanoseconds).
fn epoch_number(text: &str) -> Option<Timestamp> {
    if let Ok(integer) = text.parse::<i64>() {
        return from_epoch_integer(integer);
    }
    let float: f64 = text.parse().ok()?;
    if !float.is_finite() || float <= 0.0 || float > 1e11 {
        return None;
    }
    // Seconds with a fraction; microsecond resolution is all an f64 keeps here.
    #[allow(clippy::cast_possible_truncation)]
    let micros = (float * 1e6).round() as i64;
    Timestamp::from_microsecond(micros).ok()
}

/// An integer epoch, its unit told by magnitude (years 2001 to 2286 in each unit).
pub(crate) fn from_epoch_integer(value: i64) -> Option<Timestamp> {
    match value {
        1_000_000_000..=9_999_999_999 => Timestamp::from_second(value).ok(),
        1_000_000_000_000..=9_999_999_999_999 => Timestamp::from_millisecond(value).ok(),
        1_000_000_000_000_000..=9_999_999_999_999_999 => Timestamp::from_microsecond(value).ok(),
        1_000_000_000_000_000_000..=i64::MAX => {
            Some(Timestamp::from_nanosecond(i128::from(value)).ok()?)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iso(text: &str) -> String {
        parse_timestamp(text)
            .map(|t| t.to_string())
            .unwrap_or_default()
    }

    #[test]
    fn reads_rfc3339_with_offsets_and_nanoseconds() {
        assert_eq!(
            iso("2025-05-28T17:59:19.306609025Z"),
            "2025-05-28T17:59:19.306609025Z"
        );
        assert_eq!(
            iso("2025-05-28T17:59:40.236737+00:00"),
            "2025-05-28T17:59:40.236737Z"
        );
        assert_eq!(iso("2025-05-28T19:59:40+02:00"), "2025-05-28T17:59:40Z");
    }

    #[test]
    fn reads_log4j_and_python_styles_as_utc() {
        assert_eq!(iso("2025-05-28 17:59:40,123"), "2025-05-28T17:59:40.123Z");
        assert_eq!(iso("2025-05-28 17:59:40"), "2025-05-28T17:59:40Z");
    }

    #[test]
    fn reads_epoch_numbers_by_magnitude() {
        assert_eq!(iso("1741503801"), "2025-03-09T07:03:21Z");
        assert_eq!(iso("1741504190309"), "2025-03-09T07:09:50.309Z");
        assert_eq!(iso("1741503801.286605"), "2025-03-09T07:03:21.286605Z");
    }

    #[test]
    fn rejects_other_text() {
        assert_eq!(parse_timestamp("yesterday"), None);
        assert_eq!(parse_timestamp("42"), None);
        assert_eq!(parse_timestamp(""), None);
    }
}
