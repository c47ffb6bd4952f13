//! Sending one request with retries: exponential backoff with jitter, `Retry-After` honoured,
//! a bounded number of attempts.

use std::time::Duration;

use gardener_core::retry::error_chain;
use reqwest::blocking::{RequestBuilder, Response};
use reqwest::header::{HeaderMap, RETRY_AFTER};

use crate::GcpError;

/// How often and how patiently a request is repeated after quota or server errors.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Requests sent for one page at most (the first one included).
    pub max_attempts: u32,
    /// The wait before the first retry; each further retry doubles it, up to `max_delay`.
    pub base_delay: Duration,
    /// The longest computed wait.
    pub max_delay: Duration,
    /// The longest wait a server's `Retry-After` (or `RetryInfo`) may ask for.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 6,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(60),
            max_retry_after: Duration::from_secs(300),
        }
    }
}

impl RetryPolicy {
    /// The wait before retry number `retry` (1-based) when the server named none; see
    /// [`gardener_core::retry::backoff`].
    #[must_use]
    pub fn backoff(&self, retry: u32) -> Duration {
        gardener_core::retry::backoff(self.base_delay, self.max_delay, retry)
    }
}

/// A final answer: success or an error that retrying will not fix.
pub(crate) struct Answer {
    pub status: u16,
    pub body: String,
}

/// Told about each retry before its wait.
pub(crate) type OnRetry<'a> = dyn FnMut(u32, Duration, &str) + 'a;

/// Sends the request built by `build` until it gets an answer that is not a quota or server
/// error, or the attempts run out.
pub(crate) fn send(
    policy: &RetryPolicy,
    build: &dyn Fn() -> RequestBuilder,
    on_retry: &mut OnRetry<'_>,
) -> Result<Answer, GcpError> {
    let max_attempts = policy.max_attempts.max(1);
    let mut attempt = 0;
    loop {
        attempt += 1;
        let (reason, asked) = match build().send() {
            Ok(response) => {
                let status = response.status().as_u16();
                let retry_after = retry_after(response.headers());
                let body = read_body(response);
                if !is_retryable(status, &body) {
                    return Ok(Answer { status, body });
                }
                let asked = retry_after.or_else(|| retry_info_delay(&body));
                (
                    format!("HTTP {status}: {}", crate::client::error_message(&body)),
                    asked,
                )
            }
            Err(error) => (format!("request failed: {}", error_chain(&error)), None),
        };
        if attempt >= max_attempts {
            return Err(GcpError::RetriesExhausted {
                attempts: attempt,
                last: reason,
            });
        }
        let wait = asked.map_or_else(
            || policy.backoff(attempt),
            |asked| asked.min(policy.max_retry_after),
        );
        on_retry(attempt, wait, &reason);
        std::thread::sleep(wait);
    }
}

fn read_body(response: Response) -> String {
    response
        .text()
        .unwrap_or_else(|error| format!("<unreadable body: {error}>"))
}

/// Quota (429, or `RESOURCE_EXHAUSTED` in the body), timeouts (408) and server errors (5xx
/// except 501) are worth another try.
fn is_retryable(status: u16, body: &str) -> bool {
    if status == 429 || status == 408 || (500..600).contains(&status) && status != 501 {
        return true;
    }
    if status >= 400 {
        let code = crate::client::error_status(body);
        return matches!(code.as_deref(), Some("RESOURCE_EXHAUSTED" | "UNAVAILABLE"));
    }
    false
}

/// `Retry-After` as seconds or as an HTTP date.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    gardener_core::retry::retry_after(headers.get(RETRY_AFTER)?.to_str().ok()?)
}

/// `google.rpc.RetryInfo.retryDelay` (`"2s"`, `"0.5s"`) from the error details, if present.
fn retry_info_delay(body: &str) -> Option<Duration> {
    let value: serde_json::Value = serde_json::from_str(body).ok()?;
    let details = value.get("error")?.get("details")?.as_array()?;
    details.iter().find_map(|detail| {
        let kind = detail.get("@type")?.as_str()?;
        if !kind.ends_with("google.rpc.RetryInfo") {
            return None;
        }
        let delay = detail.get("retryDelay")?.as_str()?;
        let seconds: f64 = delay.strip_suffix('s')?.parse().ok()?;
        Duration::try_from_secs_f64(seconds).ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quota_and_server_errors_retry_client_errors_do_not() {
        assert!(is_retryable(429, ""));
        assert!(is_retryable(503, ""));
        assert!(is_retryable(500, "not json"));
        assert!(!is_retryable(501, ""));
        assert!(!is_retryable(
            400,
            r#"{"error":{"status":"INVALID_ARGUMENT"}}"#
        ));
        assert!(is_retryable(
            400,
            r#"{"error":{"code":400,"status":"RESOURCE_EXHAUSTED"}}"#
        ));
        assert!(!is_retryable(401, ""));
        assert!(!is_retryable(200, r#"{"entries":[]}"#));
    }

    #[test]
    fn retry_info_delay_is_read_from_error_details() {
        let body = r#"{"error":{"code":429,"status":"RESOURCE_EXHAUSTED","details":[
            {"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"RATE_LIMIT_EXCEEDED"},
            {"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"1.5s"}]}}"#;
        assert_eq!(retry_info_delay(body), Some(Duration::from_millis(1_500)));
        assert_eq!(retry_info_delay(r#"{"error":{"details":[]}}"#), None);
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, "7".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(7)));
        headers.insert(
            RETRY_AFTER,
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after(&headers), Some(Duration::ZERO));
        headers.insert(RETRY_AFTER, "soon".parse().unwrap());
        assert_eq!(retry_after(&headers), None);
    }
}
