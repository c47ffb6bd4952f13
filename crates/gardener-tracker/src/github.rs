//! GitHub REST: list (with `Link` pagination, pull requests skipped), search, create,
//! comment, patch. Rate limits are waited out (`retry-after`, `x-ratelimit-reset`, secondary
//! limits); 5xx and timeouts of reads and patches are retried with exponential backoff and
//! jitter. Creates and comments are never retried blindly: after an ambiguous failure the
//! issues (or comments) are read again and the write is only repeated when it did not land.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use gardener_core::retry::{self, error_chain};
use reqwest::Method;
use reqwest::blocking::{Client, Response};
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderMap, USER_AGENT};
use serde_json::{Value, json};

use crate::config::HttpConfig;
use crate::error::TrackerError;
use crate::tracker::{Created, Issue, Tracker};

/// Receives notices (waits, retries) meant for stderr.
pub type Notify = Box<dyn FnMut(&str)>;

/// A GitHub repository's issues.
pub struct GitHub {
    client: Client,
    api_url: String,
    repo: String,
    token: Option<String>,
    http: HttpConfig,
    notify: Notify,
    /// Requests sent, retries included.
    pub requests: u64,
    /// Seconds spent waiting for rate limits and backoff.
    pub waited: Duration,
}

/// Whether a request may simply be sent again after a 5xx or a timeout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Retry {
    /// Reads and patches: sending twice has the effect of sending once.
    Safe,
    /// Creates and comments: the caller checks before sending again.
    Ambiguous,
}

/// The result of one request.
enum Sent {
    Done(Response),
    /// 5xx or transport failure of a non-idempotent request: it may or may not have landed.
    Unknown(String),
}

impl GitHub {
    /// A client for `repo` (`owner/name`) at `api_url`.
    ///
    /// # Errors
    ///
    /// A bad `repo` or an HTTP client that cannot be built.
    pub fn new(
        api_url: &str,
        repo: &str,
        token: Option<String>,
        http: HttpConfig,
        notify: Notify,
    ) -> Result<Self, TrackerError> {
        let parts: Vec<&str> = repo.split('/').collect();
        if parts.len() != 2 || parts.iter().any(|p| p.is_empty()) {
            return Err(TrackerError::Usage(format!(
                "bad repository `{repo}`\nhint: pass `--repo owner/name`"
            )));
        }
        let client = Client::builder()
            .timeout(http.timeout)
            .build()
            .map_err(|source| TrackerError::Http {
                method: "build".into(),
                url: api_url.into(),
                source,
            })?;
        Ok(Self {
            client,
            api_url: api_url.trim_end_matches('/').to_string(),
            repo: repo.to_string(),
            token,
            http,
            notify,
            requests: 0,
            waited: Duration::ZERO,
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}/repos/{}{path}", self.api_url, self.repo)
    }

    fn sleep(&mut self, wait: Duration) {
        self.waited += wait;
        std::thread::sleep(wait);
    }

    /// The wait before retrying after failed attempt `attempt` (0-based).
    fn backoff(&self, attempt: u32) -> Duration {
        retry::backoff(self.http.backoff_base, self.http.max_wait, attempt + 1)
    }

    /// How long a rate-limit answer asks to wait, if it is one.
    fn rate_limit_wait(&self, status: u16, headers: &HeaderMap, body: &str) -> Option<Duration> {
        if status != 403 && status != 429 {
            return None;
        }
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
                .map(str::to_string)
        };
        if let Some(wait) = header("retry-after")
            .as_deref()
            .and_then(retry::retry_after)
        {
            return Some(wait);
        }
        if header("x-ratelimit-remaining").as_deref() == Some("0") {
            let reset = header("x-ratelimit-reset").and_then(|v| v.parse::<u64>().ok())?;
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs());
            // One second more: the reset time is whole seconds.
            return Some(Duration::from_secs(reset.saturating_sub(now) + 1));
        }
        let lower = body.to_lowercase();
        if status == 429 || lower.contains("secondary rate limit") || lower.contains("rate limit") {
            // Secondary limit without headers: at least a minute, GitHub says.
            return Some(Duration::from_secs(60));
        }
        None
    }

    fn send(
        &mut self,
        method: &Method,
        url: &str,
        body: Option<&Value>,
        retry: Retry,
    ) -> Result<Sent, TrackerError> {
        let mut last = String::new();
        for attempt in 0..self.http.max_attempts {
            let mut request = self
                .client
                .request(method.clone(), url)
                .header(ACCEPT, "application/vnd.github+json")
                .header("X-GitHub-Api-Version", "2022-11-28")
                .header(
                    USER_AGENT,
                    concat!("log-gardener/", env!("CARGO_PKG_VERSION")),
                );
            if let Some(token) = &self.token {
                request = request.header(AUTHORIZATION, format!("Bearer {token}"));
            }
            if let Some(body) = body {
                request = request.json(body);
            }
            self.requests += 1;
            let response = match request.send() {
                Ok(response) => response,
                Err(error) => {
                    last = error_chain(&error);
                    if retry == Retry::Ambiguous {
                        return Ok(Sent::Unknown(last));
                    }
                    let wait = self.backoff(attempt);
                    (self.notify)(&format!(
                        "gardener: {method} {url} failed ({last}); retrying in {:.1} s",
                        wait.as_secs_f64()
                    ));
                    self.sleep(wait);
                    continue;
                }
            };
            let status = response.status().as_u16();
            if response.status().is_success() {
                return Ok(Sent::Done(response));
            }
            let headers = response.headers().clone();
            let text = response.text().unwrap_or_default();
            if let Some(wait) = self.rate_limit_wait(status, &headers, &text) {
                let capped = wait.min(self.http.max_wait);
                (self.notify)(&format!(
                    "gardener: GitHub rate limit ({status}); waiting {} s{}",
                    capped.as_secs(),
                    if capped < wait {
                        format!(" (capped from {} s)", wait.as_secs())
                    } else {
                        String::new()
                    }
                ));
                self.sleep(capped);
                last = format!("rate limited ({status})");
                continue;
            }
            if status >= 500 {
                last = format!("{status}");
                if retry == Retry::Ambiguous {
                    return Ok(Sent::Unknown(last));
                }
                let wait = self.backoff(attempt);
                (self.notify)(&format!(
                    "gardener: {method} {url} answered {status}; retrying in {:.1} s",
                    wait.as_secs_f64()
                ));
                self.sleep(wait);
                continue;
            }
            return Err(TrackerError::Status {
                method: method.to_string(),
                url: url.to_string(),
                status,
                message: message_of(&text),
            });
        }
        Err(TrackerError::GaveUp {
            method: method.to_string(),
            url: url.to_string(),
            attempts: self.http.max_attempts,
            last,
        })
    }

    fn json(
        &mut self,
        method: &Method,
        url: &str,
        body: Option<&Value>,
    ) -> Result<(Value, Option<String>), TrackerError> {
        match self.send(method, url, body, Retry::Safe)? {
            Sent::Done(response) => read_json(method, url, response),
            Sent::Unknown(last) => Err(TrackerError::GaveUp {
                method: method.to_string(),
                url: url.to_string(),
                attempts: 1,
                last,
            }),
        }
    }

    /// Every page of a list, following `Link: <...>; rel="next"` verbatim.
    fn pages(&mut self, first: String) -> Result<Vec<Value>, TrackerError> {
        let mut items = Vec::new();
        let mut next = Some(first);
        let mut pages = 0;
        while let Some(url) = next.take() {
            pages += 1;
            if pages > 1000 {
                break;
            }
            let (value, link) = self.json(&Method::GET, &url, None)?;
            if let Value::Array(page) = value {
                items.extend(page);
            }
            next = link.as_deref().and_then(next_link);
        }
        Ok(items)
    }

    fn comments(&mut self, number: u64) -> Result<Vec<String>, TrackerError> {
        let url = format!(
            "{}?per_page={}",
            self.url(&format!("/issues/{number}/comments")),
            self.http.per_page
        );
        Ok(self
            .pages(url)?
            .iter()
            .filter_map(|c| c.get("body").and_then(Value::as_str).map(str::to_string))
            .collect())
    }

    fn patch(&mut self, number: u64, body: &Value) -> Result<(), TrackerError> {
        let url = self.url(&format!("/issues/{number}"));
        self.json(&Method::PATCH, &url, Some(body)).map(|_| ())
    }
}

fn read_json(
    method: &Method,
    url: &str,
    response: Response,
) -> Result<(Value, Option<String>), TrackerError> {
    let link = response
        .headers()
        .get("link")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let value = response
        .json::<Value>()
        .map_err(|source| TrackerError::Http {
            method: method.to_string(),
            url: url.to_string(),
            source,
        })?;
    Ok((value, link))
}

fn message_of(text: &str) -> String {
    serde_json::from_str::<Value>(text)
        .ok()
        .and_then(|v| v.get("message").and_then(Value::as_str).map(str::to_string))
        .unwrap_or_else(|| text.chars().take(200).collect())
}

/// The `rel="next"` URL of a `Link` header.
#[must_use]
pub fn next_link(header: &str) -> Option<String> {
    header.split(',').find_map(|part| {
        let (url, params) = part.split_once(';')?;
        params
            .split(';')
            .any(|p| p.trim().replace(' ', "") == "rel=\"next\"")
            .then(|| {
                url.trim()
                    .trim_start_matches('<')
                    .trim_end_matches('>')
                    .to_string()
            })
    })
}

impl Tracker for GitHub {
    fn describe(&self) -> String {
        format!("github {}", self.repo)
    }

    fn list(&mut self) -> Result<Vec<Issue>, TrackerError> {
        let url = format!(
            "{}?state=all&per_page={}",
            self.url("/issues"),
            self.http.per_page
        );
        Ok(self
            .pages(url)?
            .iter()
            .filter_map(Issue::from_json)
            .collect())
    }

    fn find_marker(&mut self, pattern: &str) -> Result<Option<Issue>, TrackerError> {
        let query = format!(
            "repo:{} is:issue in:body \"gardener:pattern={pattern}\"",
            self.repo
        );
        let url = reqwest::Url::parse_with_params(
            &format!("{}/search/issues", self.api_url),
            &[("q", query.as_str()), ("per_page", "10")],
        )
        .map_err(|error| TrackerError::Usage(format!("bad API URL `{}`: {error}", self.api_url)))?;
        let (value, _) = self.json(&Method::GET, url.as_str(), None)?;
        let marker = crate::tracker::marker(pattern);
        Ok(value
            .get("items")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Issue::from_json)
            .filter(|issue| issue.body.contains(&marker))
            .min_by_key(|issue| (!issue.open, issue.number)))
    }

    fn create(
        &mut self,
        pattern: &str,
        title: &str,
        body: &str,
        labels: &[String],
    ) -> Result<Created, TrackerError> {
        let url = self.url("/issues");
        let payload = json!({ "title": title, "body": body, "labels": labels });
        let marker = crate::tracker::marker(pattern);
        let mut last = String::new();
        for attempt in 0..self.http.max_attempts {
            match self.send(&Method::POST, &url, Some(&payload), Retry::Ambiguous)? {
                Sent::Done(response) => {
                    let (value, _) = read_json(&Method::POST, &url, response)?;
                    let number = value.get("number").and_then(Value::as_u64);
                    let location = value
                        .get("html_url")
                        .and_then(Value::as_str)
                        .map_or_else(|| format!("#{}", number.unwrap_or(0)), str::to_string);
                    return Ok(Created {
                        number,
                        location,
                        existed: false,
                    });
                }
                Sent::Unknown(why) => {
                    last = why;
                    // Did it land? The list is authoritative (search may lag behind).
                    let wait = self.backoff(attempt);
                    (self.notify)(&format!(
                        "gardener: creating the issue for {pattern} failed ({last}); checking the issues before any retry"
                    ));
                    self.sleep(wait);
                    if let Some(issue) = self.list()?.into_iter().find(|i| i.body.contains(&marker))
                    {
                        return Ok(Created {
                            number: Some(issue.number),
                            location: format!("#{}", issue.number),
                            existed: true,
                        });
                    }
                }
            }
        }
        Err(TrackerError::GaveUp {
            method: "POST".into(),
            url,
            attempts: self.http.max_attempts,
            last,
        })
    }

    fn comment(&mut self, number: u64, body: &str, nonce: &str) -> Result<String, TrackerError> {
        let url = self.url(&format!("/issues/{number}/comments"));
        let payload = json!({ "body": body });
        let mut last = String::new();
        for attempt in 0..self.http.max_attempts {
            match self.send(&Method::POST, &url, Some(&payload), Retry::Ambiguous)? {
                Sent::Done(response) => {
                    let (value, _) = read_json(&Method::POST, &url, response)?;
                    return Ok(value
                        .get("html_url")
                        .and_then(Value::as_str)
                        .map_or_else(|| format!("#{number}"), str::to_string));
                }
                Sent::Unknown(why) => {
                    last = why;
                    let wait = self.backoff(attempt);
                    (self.notify)(&format!(
                        "gardener: commenting on #{number} failed ({last}); checking the comments before any retry"
                    ));
                    self.sleep(wait);
                    if self.comments(number)?.iter().any(|c| c.contains(nonce)) {
                        return Ok(format!("#{number}"));
                    }
                }
            }
        }
        Err(TrackerError::GaveUp {
            method: "POST".into(),
            url,
            attempts: self.http.max_attempts,
            last,
        })
    }

    fn reopen(&mut self, number: u64, labels: &[String]) -> Result<(), TrackerError> {
        self.patch(
            number,
            &json!({ "state": "open", "state_reason": "reopened", "labels": labels }),
        )
    }

    fn set_body(&mut self, number: u64, body: &str) -> Result<(), TrackerError> {
        self.patch(number, &json!({ "body": body }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_link_is_taken_verbatim_among_other_relations() {
        let header = r#"<https://api.github.com/repositories/1/issues?page=1>; rel="prev", <https://api.github.com/repositories/1/issues?state=all&page=3>; rel="next", <https://api.github.com/repositories/1/issues?page=9>; rel="last""#;
        assert_eq!(
            next_link(header).as_deref(),
            Some("https://api.github.com/repositories/1/issues?state=all&page=3")
        );
        assert_eq!(next_link(r#"<https://x/?page=1>; rel="first""#), None);
    }

    #[test]
    fn pull_requests_are_not_issues() {
        let pr = json!({"number": 3, "title": "t", "state": "open", "pull_request": {"url": "u"}});
        let issue = json!({"number": 4, "title": "t", "body": null, "state": "closed", "labels": [{"name": "bug"}]});
        assert!(Issue::from_json(&pr).is_none());
        let issue = Issue::from_json(&issue).unwrap();
        assert_eq!(
            (issue.number, issue.open, issue.labels.clone()),
            (4, false, vec!["bug".to_string()])
        );
    }
}
