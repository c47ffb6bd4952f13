//! A local HTTP/1.1 server that implements the GitHub REST endpoints the tracker uses, with
//! an in-memory issue store so list, search, create, comment and patch agree with each other.
//! It pages lists with a small page size and `Link: <...>; rel="next"` (absolute URLs in the
//! `/repositories/1/issues` form, as GitHub sends them, so clients must follow them verbatim),
//! mixes pull requests into the list, and injects faults by request occurrence: a 403 primary
//! rate-limit answer (`x-ratelimit-remaining: 0`, reset a second ahead), a 502, or a 502
//! sent after the write was carried out (the ambiguous case).

#![allow(dead_code, clippy::unwrap_used, clippy::missing_panics_doc)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

#[derive(Debug, Clone)]
pub struct FakeIssue {
    pub number: u64,
    pub title: String,
    pub body: String,
    pub open: bool,
    pub state_reason: Option<String>,
    pub labels: Vec<String>,
    pub comments: Vec<String>,
    pub pull_request: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    /// 403 with `x-ratelimit-remaining: 0` and a reset one second ahead.
    RateLimit,
    /// 502 before doing anything.
    BadGateway,
    /// Carry the request out, then answer 502.
    BadGatewayAfterApplying,
}

#[derive(Debug, Clone)]
struct Fault {
    method: String,
    path_prefix: String,
    /// Matching requests still to let through before this one fires.
    skip: usize,
    kind: FaultKind,
}

#[derive(Debug, Default)]
pub struct Store {
    pub issues: Vec<FakeIssue>,
    /// Every request: method, path with query, body.
    pub log: Vec<(String, String, String)>,
    faults: Vec<Fault>,
    pub page_size: usize,
}

impl Store {
    fn next_number(&self) -> u64 {
        self.issues.iter().map(|i| i.number).max().unwrap_or(0) + 1
    }
}

pub struct FakeGitHub {
    pub url: String,
    pub store: Arc<Mutex<Store>>,
}

impl FakeGitHub {
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let store = Arc::new(Mutex::new(Store {
            page_size: 2,
            ..Store::default()
        }));
        let shared = Arc::clone(&store);
        let base = url.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let store = Arc::clone(&shared);
                let base = base.clone();
                std::thread::spawn(move || {
                    let _ = handle(stream, &store, &base);
                });
            }
        });
        Self { url, store }
    }

    pub fn add_issue(&self, title: &str, body: &str, open: bool, labels: &[&str]) -> u64 {
        self.add(title, body, open, labels, false)
    }

    pub fn add_pull_request(&self, title: &str) -> u64 {
        self.add(title, "", true, &[], true)
    }

    fn add(&self, title: &str, body: &str, open: bool, labels: &[&str], pull_request: bool) -> u64 {
        let mut store = self.store.lock().unwrap();
        let number = store.next_number();
        store.issues.push(FakeIssue {
            number,
            title: title.into(),
            body: body.into(),
            open,
            state_reason: None,
            labels: labels.iter().map(|l| (*l).to_string()).collect(),
            comments: Vec::new(),
            pull_request,
        });
        number
    }

    /// Inject `kind` into the `occurrence`-th request with `method` whose path starts with
    /// `path_prefix` (counted from now).
    pub fn fault(&self, method: &str, path_prefix: &str, occurrence: usize, kind: FaultKind) {
        self.store.lock().unwrap().faults.push(Fault {
            method: method.into(),
            path_prefix: path_prefix.into(),
            skip: occurrence - 1,
            kind,
        });
    }

    pub fn issue(&self, number: u64) -> FakeIssue {
        self.store
            .lock()
            .unwrap()
            .issues
            .iter()
            .find(|i| i.number == number)
            .cloned()
            .unwrap()
    }

    pub fn issues(&self) -> Vec<FakeIssue> {
        self.store
            .lock()
            .unwrap()
            .issues
            .iter()
            .filter(|i| !i.pull_request)
            .cloned()
            .collect()
    }

    pub fn close(&self, number: u64) {
        let mut store = self.store.lock().unwrap();
        let issue = store
            .issues
            .iter_mut()
            .find(|i| i.number == number)
            .unwrap();
        issue.open = false;
        issue.state_reason = Some("completed".into());
    }

    /// Requests received, as `METHOD path?query`.
    pub fn requests(&self) -> Vec<String> {
        self.store
            .lock()
            .unwrap()
            .log
            .iter()
            .map(|(m, p, _)| format!("{m} {p}"))
            .collect()
    }

    /// Bodies of every request received (what left the client).
    pub fn request_bodies(&self) -> Vec<String> {
        self.store
            .lock()
            .unwrap()
            .log
            .iter()
            .map(|(_, _, b)| b.clone())
            .collect()
    }

    pub fn count(&self, method: &str, path_prefix: &str) -> usize {
        self.store
            .lock()
            .unwrap()
            .log
            .iter()
            .filter(|(m, p, _)| m == method && p.starts_with(path_prefix))
            .count()
    }
}

fn issue_json(issue: &FakeIssue, base: &str) -> Value {
    let mut value = json!({
        "number": issue.number,
        "title": issue.title,
        "body": if issue.body.is_empty() { Value::Null } else { Value::String(issue.body.clone()) },
        "state": if issue.open { "open" } else { "closed" },
        "state_reason": issue.state_reason,
        "labels": issue.labels.iter().map(|l| json!({"name": l, "color": "ededed"})).collect::<Vec<_>>(),
        "html_url": format!("{base}/o/r/issues/{}", issue.number),
        "comments": issue.comments.len(),
    });
    if issue.pull_request {
        value["pull_request"] =
            json!({ "url": format!("{base}/repos/o/r/pulls/{}", issue.number) });
    }
    value
}

fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                out.push(u8::from_str_radix(&text[i + 1..i + 3], 16).unwrap_or(b'?'));
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn query(path: &str) -> BTreeMap<String, String> {
    path.split_once('?')
        .map(|(_, q)| {
            q.split('&')
                .filter_map(|kv| kv.split_once('='))
                .map(|(k, v)| (k.to_string(), decode(v)))
                .collect()
        })
        .unwrap_or_default()
}

struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

fn answer(status: u16, body: &Value) -> Answer {
    Answer {
        status,
        headers: Vec::new(),
        body: body.to_string(),
    }
}

fn handle(stream: TcpStream, store: &Mutex<Store>, base: &str) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("").to_string();
    let path = parts.next().unwrap_or("").to_string();
    let mut length = 0;
    loop {
        let mut header = String::new();
        reader.read_line(&mut header)?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    let body = String::from_utf8_lossy(&body).into_owned();
    let answer = route(store, base, &method, &path, &body);
    let reason = match answer.status {
        200 => "OK",
        201 => "Created",
        403 => "Forbidden",
        404 => "Not Found",
        502 => "Bad Gateway",
        _ => "Other",
    };
    let mut out = stream;
    let mut head = format!(
        "HTTP/1.1 {} {reason}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n",
        answer.status,
        answer.body.len()
    );
    for (name, value) in &answer.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    out.write_all(head.as_bytes())?;
    out.write_all(answer.body.as_bytes())?;
    out.flush()
}

fn route(store: &Mutex<Store>, base: &str, method: &str, path: &str, body: &str) -> Answer {
    let mut store = store.lock().unwrap();
    store
        .log
        .push((method.to_string(), path.to_string(), body.to_string()));
    // Faults by occurrence: the first fault whose countdown reaches zero fires.
    let mut fault = None;
    let mut fired = None;
    for (index, f) in store.faults.iter_mut().enumerate() {
        if f.method == method && path.starts_with(&f.path_prefix) {
            if f.skip == 0 {
                if fired.is_none() {
                    fired = Some(index);
                }
            } else {
                f.skip -= 1;
            }
        }
    }
    if let Some(index) = fired {
        fault = Some(store.faults.remove(index).kind);
    }
    match fault {
        Some(FaultKind::RateLimit) => {
            let reset = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap()
                .as_secs()
                + 1;
            return Answer {
                status: 403,
                headers: vec![
                    ("x-ratelimit-limit".into(), "5000".into()),
                    ("x-ratelimit-remaining".into(), "0".into()),
                    ("x-ratelimit-used".into(), "5000".into()),
                    ("x-ratelimit-reset".into(), reset.to_string()),
                    ("x-ratelimit-resource".into(), "core".into()),
                ],
                body: json!({"message": "API rate limit exceeded for user ID 1.", "documentation_url": "https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting"}).to_string(),
            };
        }
        Some(FaultKind::BadGateway) => return answer(502, &json!({"message": "Server Error"})),
        _ => {}
    }
    let mut result = serve(&mut store, base, method, path, body);
    if fault == Some(FaultKind::BadGatewayAfterApplying) {
        result = answer(502, &json!({"message": "Server Error"}));
    }
    result
}

fn serve(store: &mut Store, base: &str, method: &str, path: &str, body: &str) -> Answer {
    let route = path.split('?').next().unwrap_or("");
    let segments: Vec<&str> = route.trim_matches('/').split('/').collect();
    let request: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    match (method, segments.as_slice()) {
        ("GET", ["repos", _, _, "issues"] | ["repositories", "1", "issues"]) => {
            let q = query(path);
            let per_page = q
                .get("per_page")
                .and_then(|v| v.parse().ok())
                .unwrap_or(30)
                .min(store.page_size);
            let page: usize = q.get("page").and_then(|v| v.parse().ok()).unwrap_or(1);
            let state = q.get("state").cloned().unwrap_or_else(|| "open".into());
            let mut items: Vec<&FakeIssue> = store
                .issues
                .iter()
                .filter(|i| state == "all" || (state == "open") == i.open)
                .collect();
            items.sort_by_key(|issue| std::cmp::Reverse(issue.number));
            let pages = items.len().div_ceil(per_page).max(1);
            let slice: Vec<Value> = items
                .iter()
                .skip((page - 1) * per_page)
                .take(per_page)
                .map(|i| issue_json(i, base))
                .collect();
            let mut headers = Vec::new();
            if page < pages {
                let link = |p: usize, rel: &str| {
                    format!(
                        "<{base}/repositories/1/issues?state={state}&per_page={per_page}&page={p}>; rel=\"{rel}\""
                    )
                };
                headers.push((
                    "link".into(),
                    format!("{}, {}", link(page + 1, "next"), link(pages, "last")),
                ));
            }
            Answer {
                status: 200,
                headers,
                body: Value::Array(slice).to_string(),
            }
        }
        ("GET", ["search", "issues"]) => {
            let q = query(path).get("q").cloned().unwrap_or_default();
            let needle = q.split('"').nth(1).unwrap_or("").to_string();
            let items: Vec<Value> = store
                .issues
                .iter()
                .filter(|i| !i.pull_request && !needle.is_empty() && i.body.contains(&needle))
                .map(|i| issue_json(i, base))
                .collect();
            answer(
                200,
                &json!({"total_count": items.len(), "incomplete_results": false, "items": items}),
            )
        }
        ("POST", ["repos", _, _, "issues"]) => {
            let number = store.next_number();
            let issue = FakeIssue {
                number,
                title: request["title"].as_str().unwrap_or("").into(),
                body: request["body"].as_str().unwrap_or("").into(),
                open: true,
                state_reason: None,
                labels: request["labels"]
                    .as_array()
                    .map(|l| {
                        l.iter()
                            .filter_map(|v| v.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default(),
                comments: Vec::new(),
                pull_request: false,
            };
            let value = issue_json(&issue, base);
            store.issues.push(issue);
            answer(201, &value)
        }
        ("GET", ["repos", _, _, "issues", number, "comments"]) => {
            let number: u64 = number.parse().unwrap_or(0);
            match store.issues.iter().find(|i| i.number == number) {
                Some(issue) => answer(
                    200,
                    &Value::Array(issue.comments.iter().map(|c| json!({"body": c})).collect()),
                ),
                None => answer(404, &json!({"message": "Not Found"})),
            }
        }
        ("POST", ["repos", _, _, "issues", number, "comments"]) => {
            let number: u64 = number.parse().unwrap_or(0);
            match store.issues.iter_mut().find(|i| i.number == number) {
                Some(issue) => {
                    issue
                        .comments
                        .push(request["body"].as_str().unwrap_or("").into());
                    let id = issue.comments.len();
                    answer(
                        201,
                        &json!({"id": id, "body": request["body"], "html_url": format!("{base}/o/r/issues/{number}#issuecomment-{id}")}),
                    )
                }
                None => answer(404, &json!({"message": "Not Found"})),
            }
        }
        ("PATCH", ["repos", _, _, "issues", number]) => {
            let number: u64 = number.parse().unwrap_or(0);
            let Some(issue) = store.issues.iter_mut().find(|i| i.number == number) else {
                return answer(404, &json!({"message": "Not Found"}));
            };
            if let Some(state) = request["state"].as_str() {
                let open = state == "open";
                if open != issue.open {
                    issue.state_reason = request["state_reason"].as_str().map(str::to_string);
                }
                issue.open = open;
            }
            if let Some(body) = request["body"].as_str() {
                issue.body = body.into();
            }
            if let Some(title) = request["title"].as_str() {
                issue.title = title.into();
            }
            if let Some(labels) = request["labels"].as_array() {
                issue.labels = labels
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect();
            }
            let value = issue_json(issue, base);
            answer(200, &value)
        }
        _ => answer(404, &json!({"message": "Not Found"})),
    }
}
