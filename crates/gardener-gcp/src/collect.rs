//! The paging loop: `entries:list` until there is no `nextPageToken` (or the limit is reached).

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use jiff::Timestamp;
use reqwest::blocking::Client;
use serde::{Deserialize, Serialize};

use crate::GcpError;
use crate::auth::{AuthConfig, TokenSource};
use crate::client::{ListPage, ListRequest, error_message, write_compact};
use crate::filter::{Filter, FilterSpec, TimeWindow, WindowSpec};
use crate::retry::{self, RetryPolicy};

/// The production API.
pub const DEFAULT_API_BASE_URL: &str = "https://logging.googleapis.com";

/// The largest page `entries:list` serves.
pub const MAX_PAGE_SIZE: u32 = 1_000;

/// The order entries are asked for in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum, Serialize, Deserialize)]
pub enum Order {
    /// Oldest first (`timestamp asc`), what the analysis expects; the default.
    #[default]
    Asc,
    /// Newest first (`timestamp desc`), what `gcloud logging read` prints.
    Desc,
}

impl Order {
    /// The `orderBy` value.
    #[must_use]
    pub const fn order_by(self) -> &'static str {
        match self {
            Self::Asc => "timestamp asc",
            Self::Desc => "timestamp desc",
        }
    }
}

/// Where a resumed collection starts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StartPoint {
    /// The `pageToken` of the next page to fetch (`None`: the first page).
    pub page_token: Option<String>,
    /// Pages already written.
    pub pages: u64,
    /// Entries already written.
    pub entries: u64,
}

/// Everything one collection needs.
#[derive(Clone, Debug)]
pub struct CollectConfig {
    /// `projects/P`, or any resource names `entries:list` accepts.
    pub resource_names: Vec<String>,
    /// The exact query sent.
    pub filter: Filter,
    /// The window the filter restricts to.
    pub window: TimeWindow,
    /// The order asked for.
    pub order: Order,
    /// Entries per page (at most [`MAX_PAGE_SIZE`]).
    pub page_size: u32,
    /// Stop after this many entries.
    pub limit: Option<u64>,
    /// `https://logging.googleapis.com`, or a local server in tests.
    pub api_base_url: String,
    /// Where the token comes from.
    pub auth: AuthConfig,
    /// Backoff for quota and server errors.
    pub retry: RetryPolicy,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Where to start (a resumed cursor), or the beginning.
    pub start: StartPoint,
}

impl CollectConfig {
    /// A collection of `projects/{project}` with the filter the flags describe, the window
    /// resolved against `now` (injected so tests and callers control "now"), and defaults for
    /// the rest: oldest first, 1000 entries a page, no limit, the production API, credentials
    /// from the environment.
    ///
    /// ```
    /// use gardener_gcp::{CollectConfig, FilterSpec, WindowSpec, parse_duration};
    ///
    /// let spec = FilterSpec { service: Some("checkout".into()), ..FilterSpec::default() };
    /// let since = WindowSpec::Since(parse_duration("1h")?);
    /// let config = CollectConfig::new("shop-prod", &spec, &since, "2025-05-28T18:00:00Z".parse()?)?;
    /// assert_eq!(
    ///     config.filter.as_str(),
    ///     r#"resource.labels.service_name="checkout" AND timestamp>="2025-05-28T17:00:00Z" AND timestamp<"2025-05-28T18:00:00Z""#
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// An empty project, an empty window or a filter with an obvious mistake.
    pub fn new(
        project: &str,
        spec: &FilterSpec,
        window: &WindowSpec,
        now: Timestamp,
    ) -> Result<Self, GcpError> {
        let project = project.trim();
        if project.is_empty() || project.contains('/') {
            return Err(GcpError::usage(format!(
                "`{project}` is not a project id\nhint: give the id alone, for example \
                 `--project shop-prod`; use `--resource-name` for folders or buckets"
            )));
        }
        Self::with_resource_names(vec![format!("projects/{project}")], spec, window, now)
    }

    /// Like [`Self::new`] with resource names given as `entries:list` takes them
    /// (`projects/P`, `folders/F`, `organizations/O`, `billingAccounts/B`, or a log view).
    ///
    /// # Errors
    ///
    /// No resource names, an empty window or a filter with an obvious mistake.
    pub fn with_resource_names(
        resource_names: Vec<String>,
        spec: &FilterSpec,
        window: &WindowSpec,
        now: Timestamp,
    ) -> Result<Self, GcpError> {
        if resource_names.is_empty() {
            return Err(GcpError::usage(
                "say what to read: `--project ID` (or `--resource-name NAME`)",
            ));
        }
        let window = window.resolve(now)?;
        let filter = Filter::build(spec, &window)?;
        Ok(Self {
            resource_names,
            filter,
            window,
            order: Order::Asc,
            page_size: MAX_PAGE_SIZE,
            limit: None,
            api_base_url: DEFAULT_API_BASE_URL.to_owned(),
            auth: AuthConfig::from_env(None, None),
            retry: RetryPolicy::default(),
            timeout: Duration::from_secs(120),
            start: StartPoint::default(),
        })
    }

    /// The request body of the first page (also what a cursor stores).
    #[must_use]
    pub fn request(&self) -> ListRequest {
        ListRequest {
            resource_names: self.resource_names.clone(),
            filter: self.filter.as_str().to_owned(),
            order_by: self.order.order_by().to_owned(),
            page_size: self.page_size.clamp(1, MAX_PAGE_SIZE),
            page_token: None,
        }
    }
}

/// What a collection did; the worklog's "collection details" come from here.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CollectSummary {
    /// The exact filter sent.
    pub filter: String,
    /// The resource names sent.
    pub resource_names: Vec<String>,
    /// The `orderBy` sent.
    pub order_by: String,
    /// The window of the filter.
    pub window: TimeWindow,
    /// Pages fetched, counting pages of earlier runs when resumed.
    pub pages: u64,
    /// Of those, pages that came back without entries (but with a token).
    pub empty_pages: u64,
    /// Entries written, counting earlier runs when resumed.
    pub entries: u64,
    /// Requests repeated after quota or server errors.
    pub retries: u32,
    /// True when `--limit` stopped the collection while the API had more.
    pub stopped_at_limit: bool,
    /// Which credentials were used (never the token).
    pub credentials: String,
    /// The page a resumed run started at (1-based), if it was resumed.
    pub resumed_at_page: Option<u64>,
}

/// One finished page, after its entries were written and the output flushed.
#[derive(Debug)]
pub struct PageDone<'a> {
    /// Pages so far (1-based number of this page).
    pub pages: u64,
    /// Entries in this page.
    pub entries_in_page: u64,
    /// Entries so far.
    pub entries: u64,
    /// The token of the next page, `None` when this was the last one.
    pub next_page_token: Option<&'a str>,
    /// The request being paged (for a cursor).
    pub request: &'a ListRequest,
}

/// Told about the collection as it goes: to draw a progress bar and to save a cursor.
pub trait Progress {
    /// A page is written and flushed. An error stops the collection.
    ///
    /// # Errors
    ///
    /// Whatever the observer could not do (for example write a cursor).
    fn page(&mut self, page: &PageDone<'_>) -> Result<(), GcpError> {
        let _ = page;
        Ok(())
    }

    /// A request failed and is retried after `wait`.
    fn retry(&mut self, attempt: u32, wait: Duration, reason: &str) {
        let _ = (attempt, wait, reason);
    }
}

/// A [`Progress`] that ignores everything.
#[derive(Debug, Default)]
pub struct NoProgress;

impl Progress for NoProgress {}

/// Pages `entries:list` and writes every entry to `out` as one JSON line (the entry's own
/// bytes, with layout whitespace removed). Keeps paging while `nextPageToken` is present, even
/// after an empty page. `out` is flushed after every page, before [`Progress::page`].
///
/// # Errors
///
/// No credentials, a refused request (401/403 or another client error), retries exhausted, an
/// answer that is not JSON, or a failed write.
pub fn collect(
    config: &CollectConfig,
    out: &mut dyn Write,
    progress: &mut dyn Progress,
) -> Result<CollectSummary, GcpError> {
    let http = Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .timeout(config.timeout)
        .user_agent(concat!("gardener/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(GcpError::Client)?;
    let mut retries = 0_u32;
    let mut source = {
        let mut on_retry = |attempt, wait, reason: &str| {
            retries += 1;
            progress.retry(attempt, wait, reason);
        };
        TokenSource::resolve(&config.auth, &http, &config.retry, &mut on_retry)?
    };
    let url = format!(
        "{}/v2/entries:list",
        config.api_base_url.trim_end_matches('/')
    );
    let base_request = config.request();
    let mut request = base_request.clone();
    request.page_token.clone_from(&config.start.page_token);
    let mut summary = CollectSummary {
        filter: base_request.filter.clone(),
        resource_names: base_request.resource_names.clone(),
        order_by: base_request.order_by.clone(),
        window: config.window,
        pages: config.start.pages,
        empty_pages: 0,
        entries: config.start.entries,
        retries: 0,
        stopped_at_limit: false,
        credentials: source.origin().to_string(),
        resumed_at_page: (config.start.page_token.is_some() || config.start.pages > 0)
            .then_some(config.start.pages + 1),
    };
    let write_error = |source| GcpError::Write {
        path: PathBuf::from("-"),
        source,
    };
    let mut line = Vec::with_capacity(4096);
    loop {
        let remaining = config
            .limit
            .map(|limit| limit.saturating_sub(summary.entries));
        if remaining == Some(0) {
            break;
        }
        if let Some(remaining) = remaining {
            let cap = u32::try_from(remaining).unwrap_or(u32::MAX);
            request.page_size = base_request.page_size.min(cap);
        }
        let page_number = summary.pages + 1;
        let body = fetch_page(
            &http,
            &url,
            &request,
            &mut source,
            config,
            &mut retries,
            progress,
        )?;
        let page: ListPage<'_> =
            serde_json::from_str(&body).map_err(|source| GcpError::Decode {
                page: page_number,
                source,
            })?;
        let mut written = 0_u64;
        for entry in &page.entries {
            if remaining.is_some_and(|r| written >= r) {
                break;
            }
            line.clear();
            write_compact(entry.get(), &mut line);
            line.push(b'\n');
            out.write_all(&line).map_err(write_error)?;
            written += 1;
        }
        out.flush().map_err(write_error)?;
        summary.pages = page_number;
        summary.entries += written;
        if page.entries.is_empty() {
            summary.empty_pages += 1;
        }
        let next = page.next_page_token.filter(|token| !token.is_empty());
        let limit_hit = config.limit.is_some_and(|limit| summary.entries >= limit);
        let more_after_limit = limit_hit && (next.is_some() || written < page.entries.len() as u64);
        summary.stopped_at_limit = more_after_limit;
        let next_for_cursor = if limit_hit { None } else { next.as_deref() };
        progress.page(&PageDone {
            pages: summary.pages,
            entries_in_page: written,
            entries: summary.entries,
            next_page_token: next_for_cursor,
            request: &base_request,
        })?;
        match next {
            Some(token) if !limit_hit => request.page_token = Some(token),
            _ => break,
        }
    }
    summary.retries = retries;
    Ok(summary)
}

/// One page: the token attached, retries inside, and one token refresh on a 401 when the
/// source can give a new token.
fn fetch_page(
    http: &Client,
    url: &str,
    request: &ListRequest,
    source: &mut TokenSource,
    config: &CollectConfig,
    retries: &mut u32,
    progress: &mut dyn Progress,
) -> Result<String, GcpError> {
    let mut refreshed = false;
    loop {
        let mut on_retry = |attempt, wait, reason: &str| {
            *retries += 1;
            progress.retry(attempt, wait, reason);
        };
        let token = source.token(http, &config.retry, &mut on_retry)?.to_owned();
        let answer = retry::send(
            &config.retry,
            &|| http.post(url).bearer_auth(&token).json(request),
            &mut on_retry,
        )?;
        match answer.status {
            200..=299 => return Ok(answer.body),
            401 if !refreshed && source.can_refresh() => {
                refreshed = true;
                source.refresh(http, &config.retry, &mut on_retry)?;
            }
            401 => {
                return Err(GcpError::Denied {
                    status: 401,
                    kind: "unauthenticated",
                    resource_names: request.resource_names.join(", "),
                    message: error_message(&answer.body),
                    hint: "the access token is invalid or expired: get a fresh one (for example \
                           `gcloud auth print-access-token`) or check the key file",
                });
            }
            403 => {
                return Err(GcpError::Denied {
                    status: 403,
                    kind: "permission denied",
                    resource_names: request.resource_names.join(", "),
                    message: error_message(&answer.body),
                    hint: "the account needs `logging.logEntries.list` (role \
                           `roles/logging.viewer`) on these resources; check the project id \
                           and that the Cloud Logging API is enabled",
                });
            }
            status => {
                return Err(GcpError::Api {
                    status,
                    message: error_message(&answer.body),
                });
            }
        }
    }
}
