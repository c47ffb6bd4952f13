//! `entries:list` paging, faults and resume against a local server that answers the way the
//! API documents: pretty-printed pages, empty pages that still carry a token, Google JSON
//! errors, `Retry-After`.

#![allow(clippy::unwrap_used, clippy::single_range_in_vec_init)]

#[path = "support/server.rs"]
mod server;

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use clap::Parser as _;
use gardener_gcp::{
    AuthConfig, CollectConfig, CollectGcpArgs, FilterSpec, GcpError, NoProgress, RetryPolicy,
    WindowSpec, collect, cursor_path, parse_duration, run_collect_at,
};
use server::{Request, Response, TestServer};

const TOKEN: &str = "ya29.test-token";

/// Ten distinct entries in the shape of a Cloud Run export.
fn entries() -> Vec<String> {
    (0..10)
        .map(|i| {
            format!(
                r#"{{"insertId":"id{i}","logName":"projects/p/logs/run.googleapis.com%2Fstderr","resource":{{"type":"cloud_run_revision","labels":{{"service_name":"api"}}}},"severity":"ERROR","textPayload":"timeout after {i}00 ms \"quoted\"","timestamp":"2025-05-28T17:00:0{i}Z"}}"#
            )
        })
        .collect()
}

/// Serves `pages` (entry index ranges, the last one without a token) to requests carrying the
/// right bearer token; page `n` is asked for with token `t{n}`.
fn paging_server(pages: Vec<std::ops::Range<usize>>) -> TestServer {
    let all = entries();
    TestServer::start(move |request| serve_page(request, &all, &pages))
}

fn serve_page(request: &Request, all: &[String], pages: &[std::ops::Range<usize>]) -> Response {
    if request.method != "POST" || request.path != "/v2/entries:list" {
        return Response::google_error(404, "NOT_FOUND", "no such method");
    }
    if request.header("authorization") != Some(&format!("Bearer {TOKEN}")) {
        return Response::google_error(
            401,
            "UNAUTHENTICATED",
            "Request had invalid authentication credentials.",
        );
    }
    let body = request.json();
    let index = match body["pageToken"].as_str() {
        None => 0,
        Some(token) => token.trim_start_matches('t').parse::<usize>().unwrap(),
    };
    let range = pages[index].clone();
    let texts: Vec<&str> = all[range].iter().map(String::as_str).collect();
    let next = (index + 1 < pages.len()).then(|| format!("t{}", index + 1));
    Response::entries_page(&texts, next.as_deref())
}

fn config(server: &TestServer) -> CollectConfig {
    let spec = FilterSpec {
        service: Some("api".into()),
        ..FilterSpec::default()
    };
    let window = WindowSpec::Since(parse_duration("1h").unwrap());
    let mut config =
        CollectConfig::new("p", &spec, &window, "2025-05-28T18:00:00Z".parse().unwrap()).unwrap();
    config.api_base_url = server.url();
    config.auth = AuthConfig {
        access_token: Some(TOKEN.into()),
        gcloud: None,
        ..AuthConfig::default()
    };
    config.retry = RetryPolicy {
        max_attempts: 4,
        base_delay: Duration::from_millis(1),
        ..RetryPolicy::default()
    };
    config.page_size = 3;
    config
}

fn lines(entries: &[String], range: std::ops::Range<usize>) -> String {
    entries[range].iter().map(|e| format!("{e}\n")).collect()
}

#[test]
fn pages_through_an_empty_page_until_no_token_and_keeps_entry_bytes() {
    let server = paging_server(vec![0..3, 3..3, 3..6, 6..10]);
    let config = config(&server);
    let mut out = Vec::new();
    let summary = collect(&config, &mut out, &mut NoProgress).unwrap();

    assert_eq!(String::from_utf8(out).unwrap(), lines(&entries(), 0..10));
    assert_eq!(
        (summary.pages, summary.empty_pages, summary.entries),
        (4, 1, 10)
    );
    assert_eq!(summary.retries, 0);
    assert_eq!(
        summary.filter,
        r#"resource.labels.service_name="api" AND timestamp>="2025-05-28T17:00:00Z" AND timestamp<"2025-05-28T18:00:00Z""#
    );
    let requests = server.requests();
    let tokens: Vec<Option<String>> = requests
        .iter()
        .map(|r| r.json()["pageToken"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(
        tokens,
        [
            None,
            Some("t1".into()),
            Some("t2".into()),
            Some("t3".into())
        ]
    );
    for request in &requests {
        let body = request.json();
        assert_eq!(body["resourceNames"], serde_json::json!(["projects/p"]));
        assert_eq!(body["filter"].as_str(), Some(summary.filter.as_str()));
        assert_eq!(body["orderBy"], "timestamp asc");
        assert_eq!(body["pageSize"], 3);
    }
}

#[test]
fn quota_errors_are_retried_honouring_retry_after() {
    let all = entries();
    let pages = vec![0..5, 5..10];
    let calls = Arc::new(AtomicU32::new(0));
    let counter = Arc::clone(&calls);
    let server = TestServer::start(
        move |request| match counter.fetch_add(1, Ordering::SeqCst) {
            0 => Response::google_error(
                429,
                "RESOURCE_EXHAUSTED",
                "Quota exceeded for quota metric 'Read requests'",
            )
            .with_header("Retry-After", "1"),
            2 => {
                Response::google_error(503, "UNAVAILABLE", "The service is currently unavailable.")
            }
            _ => serve_page(request, &all, &pages),
        },
    );
    let config = config(&server);
    let started = Instant::now();
    let mut out = Vec::new();
    let summary = collect(&config, &mut out, &mut NoProgress).unwrap();
    let elapsed = started.elapsed();

    assert_eq!(String::from_utf8(out).unwrap(), lines(&entries(), 0..10));
    assert_eq!(summary.retries, 2);
    assert_eq!(calls.load(Ordering::SeqCst), 4);
    // Retry-After: 1 was honoured although the backoff base is 1 ms.
    assert!(elapsed >= Duration::from_secs(1), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(10), "{elapsed:?}");
}

#[test]
fn retries_stop_after_the_allowed_attempts() {
    let server = TestServer::start(|_| {
        Response::google_error(500, "INTERNAL", "Internal error encountered.")
    });
    let config = config(&server);
    let error = collect(&config, &mut Vec::new(), &mut NoProgress).unwrap_err();
    assert!(
        matches!(&error, GcpError::RetriesExhausted { attempts: 4, last } if last.contains("Internal error encountered")),
        "{error}"
    );
    assert_eq!(server.requests().len(), 4);
}

#[test]
fn unauthenticated_is_a_clear_error_without_retries() {
    let server = paging_server(vec![0..10]);
    let mut config = config(&server);
    config.auth.access_token = Some("expired".into());
    let error = collect(&config, &mut Vec::new(), &mut NoProgress).unwrap_err();
    let text = error.to_string();
    assert!(
        matches!(error, GcpError::Denied { status: 401, .. }),
        "{text}"
    );
    assert!(
        text.contains("invalid authentication credentials"),
        "{text}"
    );
    assert!(text.contains("hint:"), "{text}");
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn permission_denied_names_the_role_to_ask_for() {
    let server = TestServer::start(|_| {
        Response::google_error(
            403,
            "PERMISSION_DENIED",
            "Permission 'logging.logEntries.list' denied on resource.",
        )
    });
    let error = collect(&config(&server), &mut Vec::new(), &mut NoProgress).unwrap_err();
    let text = error.to_string();
    assert!(
        text.contains("403") && text.contains("projects/p"),
        "{text}"
    );
    assert!(text.contains("roles/logging.viewer"), "{text}");
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn limit_shrinks_the_last_page_and_stops_early() {
    let server = paging_server(vec![0..3, 3..6, 6..9, 9..10]);
    let mut config = config(&server);
    config.limit = Some(5);
    let mut out = Vec::new();
    let summary = collect(&config, &mut out, &mut NoProgress).unwrap();
    assert_eq!(String::from_utf8(out).unwrap(), lines(&entries(), 0..5));
    assert!(summary.stopped_at_limit);
    let sizes: Vec<u64> = server
        .requests()
        .iter()
        .map(|r| r.json()["pageSize"].as_u64().unwrap())
        .collect();
    assert_eq!(sizes, [3, 2]);
}

#[test]
fn a_filter_with_an_obvious_mistake_is_never_sent() {
    let spec = FilterSpec {
        extra: Some(r#"textPayload:"unterminated"#.into()),
        ..FilterSpec::default()
    };
    let window = WindowSpec::Since(parse_duration("1h").unwrap());
    let error = CollectConfig::new("p", &spec, &window, "2025-05-28T18:00:00Z".parse().unwrap())
        .unwrap_err();
    assert!(matches!(error, GcpError::Filter { .. }), "{error}");
}

// ---- the command: output file, gzip, cursor, resume --------------------------------------

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gardener-gcp-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn args(server: &TestServer, output: &Path, extra: &[&str]) -> CollectGcpArgs {
    #[derive(clap::Parser)]
    struct Cli {
        #[command(flatten)]
        args: CollectGcpArgs,
    }
    let url = server.url();
    let output = output.display().to_string();
    let mut argv = vec![
        "collect-gcp",
        "--project",
        "p",
        "--service",
        "api",
        "--since",
        "1h",
        "--page-size",
        "3",
        "--access-token",
        TOKEN,
        "--api-base-url",
        &url,
        "--max-attempts",
        "2",
        "--retry-base-ms",
        "1",
        "--no-progress",
        "-o",
        &output,
    ];
    argv.extend_from_slice(extra);
    Cli::try_parse_from(argv).unwrap().args
}

fn gunzip(path: &Path) -> String {
    let mut text = String::new();
    flate2::read::MultiGzDecoder::new(std::fs::File::open(path).unwrap())
        .read_to_string(&mut text)
        .unwrap();
    text
}

#[test]
fn interrupted_gzip_collection_resumes_from_the_cursor_with_the_same_window() {
    let dir = temp_dir("resume");
    let output = dir.join("logs.ndjson.gz");
    let cursor = cursor_path(&output);
    let all = entries();
    let pages = vec![0..3, 3..6, 6..9, 9..10];
    let broken = Arc::new(AtomicU32::new(1));
    let switch = Arc::clone(&broken);
    let server = TestServer::start(move |request| {
        let third = request.json()["pageToken"] == "t2";
        if third && switch.load(Ordering::SeqCst) == 1 {
            return Response::google_error(503, "UNAVAILABLE", "backend down");
        }
        serve_page(request, &all, &pages)
    });

    let first_now = "2025-05-28T18:00:00Z".parse().unwrap();
    let mut stdout = Vec::new();
    let error = run_collect_at(&args(&server, &output, &[]), first_now, &mut stdout).unwrap_err();
    let text = error.to_string();
    assert!(matches!(error, GcpError::Interrupted { .. }), "{text}");
    assert!(
        text.contains("backend down") && text.contains("--resume"),
        "{text}"
    );
    assert_eq!(gunzip(&output), lines(&entries(), 0..6));
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&cursor).unwrap()).unwrap();
    assert_eq!(saved["next_page_token"], "t2");
    assert_eq!(saved["pages"], 2);
    assert_eq!(saved["entries"], 6);

    // Without --resume the cursor is protected.
    let refused = run_collect_at(&args(&server, &output, &[]), first_now, &mut Vec::new());
    assert!(matches!(refused, Err(GcpError::Cursor { .. })));

    // A torn write after the last complete page is cut away on resume.
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&output)
        .unwrap();
    std::io::Write::write_all(&mut file, &[0x1f, 0x8b, 0x08, 0x00, 0x42]).unwrap();
    drop(file);

    broken.store(0, Ordering::SeqCst);
    let later = "2025-05-28T21:00:00Z".parse().unwrap();
    let before = server.requests().len();
    let mut stdout = Vec::new();
    let summary =
        run_collect_at(&args(&server, &output, &["--resume"]), later, &mut stdout).unwrap();
    assert_eq!(gunzip(&output), lines(&entries(), 0..10));
    assert!(!cursor.exists());
    assert_eq!((summary.pages, summary.entries), (4, 10));
    assert_eq!(summary.resumed_at_page, Some(3));
    let resumed = &server.requests()[before..];
    assert_eq!(resumed.len(), 2);
    assert_eq!(resumed[0].json()["pageToken"], "t2");
    // The resumed run kept the window of the first run, not "now - 1h" of the second.
    assert!(
        resumed[0].json()["filter"]
            .as_str()
            .unwrap()
            .contains(r#"timestamp>="2025-05-28T17:00:00Z""#)
    );
    let printed = String::from_utf8(stdout).unwrap();
    assert!(
        printed.starts_with("collected 10 entries in 4 pages from projects/p"),
        "{printed}"
    );
    assert!(printed.contains("resumed at page 3"), "{printed}");
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn resume_without_a_cursor_says_there_is_nothing_to_resume() {
    let dir = temp_dir("no-cursor");
    let server = paging_server(vec![0..10]);
    let output = dir.join("logs.ndjson");
    let error = run_collect_at(
        &args(&server, &output, &["--resume"]),
        "2025-05-28T18:00:00Z".parse().unwrap(),
        &mut Vec::new(),
    )
    .unwrap_err();
    assert!(error.to_string().contains("nothing to resume"), "{error}");
    assert!(server.requests().is_empty());
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn plain_output_is_ndjson_and_the_cursor_is_removed_on_success() {
    let dir = temp_dir("plain");
    let server = paging_server(vec![0..4, 4..4, 4..10]);
    let output = dir.join("logs.ndjson");
    let mut stdout = Vec::new();
    let summary = run_collect_at(
        &args(
            &server,
            &output,
            &["--min-severity", "warn", "--filter", "textPayload:timeout"],
        ),
        "2025-05-28T18:00:00Z".parse().unwrap(),
        &mut stdout,
    )
    .unwrap();
    assert_eq!(
        std::fs::read_to_string(&output).unwrap(),
        lines(&entries(), 0..10)
    );
    assert!(!cursor_path(&output).exists());
    assert_eq!(
        summary.filter,
        r#"resource.labels.service_name="api" AND timestamp>="2025-05-28T17:00:00Z" AND timestamp<"2025-05-28T18:00:00Z" AND severity>=WARNING AND (textPayload:timeout)"#
    );
    let printed = String::from_utf8(stdout).unwrap();
    assert!(
        printed.contains("(1 empty)") && printed.contains(&summary.filter),
        "{printed}"
    );
    assert!(printed.contains("credentials: --access-token"), "{printed}");
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn a_fresh_run_refused_before_any_page_leaves_no_cursor_behind() {
    let dir = temp_dir("refused");
    let server = TestServer::start(|_| {
        Response::google_error(403, "PERMISSION_DENIED", "Permission denied")
    });
    let output = dir.join("logs.ndjson");
    let now = "2025-05-28T18:00:00Z".parse().unwrap();
    let error = run_collect_at(&args(&server, &output, &[]), now, &mut Vec::new()).unwrap_err();
    assert!(
        matches!(error, GcpError::Denied { status: 403, .. }),
        "{error}"
    );
    assert!(!cursor_path(&output).exists() && !output.exists());
    // So the same command can run again without `--resume`.
    let again = run_collect_at(&args(&server, &output, &[]), now, &mut Vec::new()).unwrap_err();
    assert!(matches!(again, GcpError::Denied { .. }), "{again}");
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn dash_writes_the_entries_to_stdout_and_no_cursor() {
    let server = paging_server(vec![0..2, 2..4]);
    let mut stdout = Vec::new();
    let summary = run_collect_at(
        &args(&server, Path::new("-"), &[]),
        "2025-05-28T18:00:00Z".parse().unwrap(),
        &mut stdout,
    )
    .unwrap();
    assert_eq!(String::from_utf8(stdout).unwrap(), lines(&entries(), 0..4));
    assert_eq!(summary.entries, 4);
    assert!(!Path::new("-.cursor").exists());
}
