//! What every HTTP client of ours needs when a request fails: how long to back off, how long a
//! server's `Retry-After` asks for, and an error with all its causes in one line. The policy
//! of *what* to retry stays with each client, because the APIs differ (Cloud Logging's
//! `RetryInfo`, GitHub's rate-limit headers and its non-idempotent creates, an LLM's 429).

use std::hash::{BuildHasher as _, Hasher as _};
use std::time::Duration;

/// The wait before retry number `retry` (1-based) when the server named none: `base` doubled
/// per retry, capped at `max`, then scaled by a random factor in `[0.5, 1)` so that many
/// clients failing together do not retry in step.
#[must_use]
pub fn backoff(base: Duration, max: Duration, retry: u32) -> Duration {
    let exponent = retry.saturating_sub(1).min(30);
    let raw = base.saturating_mul(1_u32 << exponent).min(max);
    raw.mul_f64(0.5 + 0.5 * jitter_unit())
}

/// A uniform-enough number in `[0, 1)` from the process's randomly keyed hasher; good for
/// jitter, not for anything secret.
fn jitter_unit() -> f64 {
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(0x9e37_79b9_7f4a_7c15);
    let bits = hasher.finish() >> 11;
    #[allow(clippy::cast_precision_loss)]
    let unit = bits as f64 / (1_u64 << 53) as f64;
    unit
}

/// A `Retry-After` value (RFC 9110 section 10.2.3): delay seconds, or an HTTP date, which
/// becomes the time left until it (zero when it has passed). Fractional seconds, which some
/// LLM gateways send, are read too. `None` for anything else.
#[must_use]
pub fn retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    if let Ok(seconds) = value.parse::<f64>() {
        return Duration::try_from_secs_f64(seconds).ok();
    }
    let date = jiff::fmt::rfc2822::parse(value).ok()?.timestamp();
    let left = date.duration_since(jiff::Timestamp::now());
    Some(Duration::try_from(left).unwrap_or(Duration::ZERO))
}

/// An error and each of its sources, joined by `: `, as one line for a message.
#[must_use]
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_is_capped_and_jittered_into_the_upper_half() {
        let (base, max) = (Duration::from_millis(100), Duration::from_millis(1_000));
        for _ in 0..50 {
            let first = backoff(base, max, 1);
            assert!(first >= Duration::from_millis(50) && first < Duration::from_millis(100));
            let third = backoff(base, max, 3);
            assert!(third >= Duration::from_millis(200) && third < Duration::from_millis(400));
            let late = backoff(base, max, 40);
            assert!(late >= Duration::from_millis(500) && late < Duration::from_millis(1_000));
        }
    }

    #[test]
    fn jitter_varies_between_calls() {
        let waits: std::collections::BTreeSet<Duration> = (0..20)
            .map(|_| backoff(Duration::from_secs(1), Duration::from_secs(60), 2))
            .collect();
        assert!(waits.len() > 1, "{waits:?}");
    }

    #[test]
    fn retry_after_reads_seconds_fractions_and_http_dates() {
        assert_eq!(retry_after(" 7 "), Some(Duration::from_secs(7)));
        assert_eq!(retry_after("1.5"), Some(Duration::from_millis(1_500)));
        assert_eq!(
            retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        let soon = jiff::Timestamp::now() + jiff::SignedDuration::from_secs(120);
        let header = jiff::fmt::rfc2822::to_string(&soon.to_zoned(jiff::tz::TimeZone::UTC))
            .unwrap()
            .replace("+0000", "GMT");
        let wait = retry_after(&header).unwrap();
        assert!(
            wait > Duration::from_secs(100) && wait <= Duration::from_secs(120),
            "{wait:?}"
        );
        assert_eq!(retry_after("soon"), None);
        assert_eq!(retry_after("-3"), None);
    }

    #[test]
    fn error_chain_names_every_cause() {
        let inner = std::io::Error::other("connection reset");
        let outer = std::io::Error::other(Wrapped(inner));
        assert_eq!(error_chain(&outer), "wrapped: connection reset");
    }

    #[derive(Debug)]
    struct Wrapped(std::io::Error);

    impl std::fmt::Display for Wrapped {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("wrapped")
        }
    }

    impl std::error::Error for Wrapped {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }
}
