//! Acceptance for `gardener collect gcp` (issue 7): the module-cascade sample served in pages
//! by a local server that answers like Cloud Logging's `entries:list` (pretty-printed pages,
//! an empty page that still carries a token, a 429 with `Retry-After` on the way), collected
//! with `gardener_gcp`, then analysed: `report.json` equals the report of the source file,
//! with `generated_at` and the input names blanked.

#![allow(clippy::unwrap_used)]

#[path = "../../gardener-gcp/tests/support/server.rs"]
mod server;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use gardener::pipeline::{self, Options};
use gardener_gcp::{
    AuthConfig, CollectConfig, FilterSpec, NoProgress, RetryPolicy, WindowSpec, collect,
    parse_timestamp,
};
use gardener_parse::DecoderConfig;
use server::{Response, TestServer};

const TOKEN: &str = "ya29.acceptance";
const PAGE: usize = 400;

fn source() -> PathBuf {
    let path = gardener_test::shared_dir().join("samples/module-cascade/logs.ndjson");
    assert!(path.is_file(), "missing sample {}", path.display());
    path
}

/// `report.json` of one input, with what differs by run blanked: `generated_at`, and the
/// input's name wherever it appears (the input list and the samples' positions).
fn report_json(input: &Path) -> String {
    let name = input.display().to_string();
    let mut analysis = pipeline::run(&Options {
        inputs: vec![name.clone()],
        format: None,
        decoder: DecoderConfig::default(),
        assignments: None,
        progress: false,
        patterns: Default::default(),
    })
    .unwrap();
    assert!(
        analysis.input_errors.is_empty(),
        "{:?}",
        analysis.input_errors
    );
    analysis.report.generated_at = String::new();
    for input in &mut analysis.report.inputs {
        input.name = String::new();
    }
    let escaped = serde_json::to_string(&name).unwrap();
    let rendered = gardener_report::json::render(&analysis.report).unwrap();
    assert!(rendered.contains("\"position\""), "samples carry positions");
    rendered.replace(&escaped[1..escaped.len() - 1], "[INPUT]")
}

/// Equal texts, or the first differing line.
fn assert_same_report(collected: &str, source: &str) {
    if collected == source {
        return;
    }
    let (line, (a, b)) = collected
        .lines()
        .zip(source.lines())
        .enumerate()
        .find(|(_, (a, b))| a != b)
        .unwrap_or((0, ("<length differs>", "")));
    panic!(
        "reports differ at line {}:\n  collected: {a}\n  source:    {b}",
        line + 1
    );
}

#[test]
fn collected_module_cascade_analyses_to_the_same_report_as_its_source() {
    let text = std::fs::read_to_string(source()).unwrap();
    let lines: Vec<String> = text.lines().map(str::to_owned).collect();
    assert!(
        lines.len() > 2 * PAGE,
        "the sample should need several pages"
    );
    let pages: Vec<Vec<String>> = lines.chunks(PAGE).map(<[String]>::to_vec).collect();
    // Page tokens: `page-N`; after the first page an empty page with a token is inserted, and
    // the very first request gets a 429.
    let calls = Arc::new(AtomicU32::new(0));
    let counter = Arc::clone(&calls);
    let server = TestServer::start(move |request| {
        if counter.fetch_add(1, Ordering::SeqCst) == 0 {
            return Response::google_error(429, "RESOURCE_EXHAUSTED", "Quota exceeded")
                .with_header("Retry-After", "0");
        }
        if request.header("authorization") != Some(&format!("Bearer {TOKEN}")) {
            return Response::google_error(401, "UNAUTHENTICATED", "bad token");
        }
        let token = request.json()["pageToken"].as_str().map(str::to_owned);
        match token.as_deref() {
            Some("empty") => Response::entries_page(&[], Some("page-1")),
            _ => {
                let index: usize = token
                    .as_deref()
                    .map_or(0, |t| t.trim_start_matches("page-").parse().unwrap());
                let entries: Vec<&str> = pages[index].iter().map(String::as_str).collect();
                let next = match index {
                    0 => Some("empty".to_owned()),
                    i if i + 1 < pages.len() => Some(format!("page-{}", i + 1)),
                    _ => None,
                };
                Response::entries_page(&entries, next.as_deref())
            }
        }
    });

    let spec = FilterSpec {
        service: Some("netra-backend-staging".into()),
        ..FilterSpec::default()
    };
    let window = WindowSpec::Range {
        from: parse_timestamp("2025-05-28T17:00:00Z").unwrap(),
        to: Some(parse_timestamp("2025-05-28T18:00:00Z").unwrap()),
    };
    let mut config = CollectConfig::new(
        "netra-staging",
        &spec,
        &window,
        "2025-06-01T00:00:00Z".parse().unwrap(),
    )
    .unwrap();
    config.api_base_url = server.url();
    config.auth = AuthConfig {
        access_token: Some(TOKEN.into()),
        gcloud: None,
        ..AuthConfig::default()
    };
    config.retry = RetryPolicy {
        base_delay: Duration::from_millis(1),
        ..RetryPolicy::default()
    };
    config.page_size = u32::try_from(PAGE).unwrap();

    let dir = std::env::temp_dir().join(format!("gardener-gcp-collect-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let collected = dir.join("collected.ndjson");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&collected).unwrap());
    let summary = collect(&config, &mut out, &mut NoProgress).unwrap();
    drop(out);

    let expected_pages = lines.len().div_ceil(PAGE) as u64 + 1;
    assert_eq!(summary.entries, lines.len() as u64);
    assert_eq!(
        (summary.pages, summary.empty_pages, summary.retries),
        (expected_pages, 1, 1)
    );
    assert_eq!(
        summary.filter,
        r#"resource.labels.service_name="netra-backend-staging" AND timestamp>="2025-05-28T17:00:00Z" AND timestamp<"2025-05-28T18:00:00Z""#
    );
    assert_eq!(summary.resource_names, ["projects/netra-staging"]);
    // The entries come back byte for byte (the page layout whitespace is gone).
    assert_eq!(std::fs::read_to_string(&collected).unwrap(), text);

    assert_same_report(&report_json(&collected), &report_json(&source()));
    std::fs::remove_dir_all(dir).ok();
}

/// `gardener analyze --gcp-project` collects and analyses in one step, and the worklog's
/// collection details name the exact filter used.
#[test]
fn analyze_collects_and_names_the_filter() {
    let text = std::fs::read_to_string(source()).unwrap();
    let lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let pages: Vec<Vec<String>> = lines.chunks(PAGE).map(<[String]>::to_vec).collect();
    let server = TestServer::start(move |request| {
        if request.header("authorization") != Some(&format!("Bearer {TOKEN}")) {
            return Response::google_error(401, "UNAUTHENTICATED", "bad token");
        }
        let index: usize = request.json()["pageToken"]
            .as_str()
            .map_or(0, |t| t.trim_start_matches("page-").parse().unwrap());
        let entries: Vec<&str> = pages[index].iter().map(String::as_str).collect();
        let next = (index + 1 < pages.len()).then(|| format!("page-{}", index + 1));
        Response::entries_page(&entries, next.as_deref())
    });
    let dir = std::env::temp_dir().join(format!("gardener-gcp-analyze-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_gardener"))
        .args([
            "analyze",
            "--no-state",
            "--quiet",
            "--gcp-project",
            "netra-staging",
            "--service",
            "netra-backend-staging",
            "--from",
            "2025-05-28T17:00:00Z",
            "--to",
            "2025-05-28T18:00:00Z",
            "--access-token",
            TOKEN,
            "--gcp-api-url",
            &server.url(),
            "--out",
            &dir.display().to_string(),
        ])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap()).unwrap();
    let filter = r#"resource.labels.service_name="netra-backend-staging" AND timestamp>="2025-05-28T17:00:00Z" AND timestamp<"2025-05-28T18:00:00Z""#;
    assert_eq!(report["collection"]["filter"], filter);
    assert_eq!(report["collection"]["entries"], lines.len());
    assert_eq!(report["totals"]["events"], lines.len());
    let worklog = std::fs::read_to_string(dir.join("worklog.md")).unwrap();
    assert!(worklog.contains("## Collection details"), "{worklog}");
    assert!(
        worklog.contains(&format!("- Filter: `{filter}`")),
        "{worklog}"
    );
    std::fs::remove_dir_all(dir).ok();
}
