//! The binary's wiring of the tracker and the narrative into `analyze`: `--issues plan` with an
//! offline tracker writes the plan files and the worklog's processing status; `--narrate`
//! against a local chat-completions server adds the narrative and its ledger, and a second run
//! over the same incident is served from the state file's cache; without `--narrate` the server
//! hears nothing.

#![allow(clippy::unwrap_used)]

#[path = "../../gardener-narrate/tests/support/server.rs"]
mod server;

mod common;

use std::path::PathBuf;

use common::{gardener, temp_dir};
use server::{GOOD_PROSE, Reply, Server, openai_answer};

fn example() -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/checkout-incident.json")
        .display()
        .to_string()
}

#[test]
fn analyze_issues_plan_with_an_offline_tracker() {
    let dir = temp_dir("wiring-issues");
    let tracker = dir.join("tracker");
    std::fs::create_dir_all(&tracker).unwrap();
    std::fs::write(tracker.join("issues.json"), "[]").unwrap();
    let out = dir.join("out");
    let output = gardener(&[
        "analyze",
        "--no-state",
        "--quiet",
        &example(),
        "--out",
        &out.display().to_string(),
        "--issues",
        "plan",
        "--tracker",
        &format!("dir:{}", tracker.display()),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let plan = std::fs::read_to_string(out.join("issues-plan.md")).unwrap();
    assert!(plan.contains("create"), "{plan}");
    let worklog = std::fs::read_to_string(out.join("worklog.md")).unwrap();
    assert!(worklog.contains("## Processing status"), "{worklog}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["issues"]["mode"], "plan");
}

#[test]
fn analyze_narrate_calls_once_then_uses_the_cache() {
    let server = Server::start(|_, _| Reply::json(200, &openai_answer(GOOD_PROSE, 1200, 90)));
    let dir = temp_dir("wiring-narrate");
    let state = dir.join("state.db");
    let run = |out: &str, narrate: bool| {
        let out = dir.join(out);
        let mut args = vec![
            "analyze".to_owned(),
            "--quiet".to_owned(),
            example(),
            "--state".to_owned(),
            state.display().to_string(),
            "--out".to_owned(),
            out.display().to_string(),
        ];
        if narrate {
            args.extend(
                [
                    "--narrate",
                    "--llm-provider",
                    "openai",
                    "--llm-model",
                    "gpt-4o-mini",
                    "--llm-api-key",
                    "test-key",
                    "--llm-base-url",
                ]
                .map(str::to_owned),
            );
            args.push(server.base_url());
        }
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = gardener(&refs);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        std::fs::read_to_string(out.join("worklog.md")).unwrap()
    };

    let plain = run("plain", false);
    assert!(
        server.requests().is_empty(),
        "nothing leaves without --narrate"
    );
    assert!(!plain.contains("## Narrative"));

    let first = run("first", true);
    let calls = server.requests().len();
    assert!(calls >= 1);
    assert!(first.contains("## Narrative"), "{first}");
    assert!(first.contains("## LLM usage and cost"), "{first}");

    let second = run("second", true);
    assert_eq!(
        server.requests().len(),
        calls,
        "the second run is served from the cache"
    );
    assert!(second.contains("## Narrative"));
}

#[test]
fn the_html_report_shows_the_numbers_of_report_json() {
    let dir = temp_dir("wiring-html");
    let output = gardener(&[
        "analyze",
        "--no-state",
        "--quiet",
        &example(),
        "--out",
        &dir.display().to_string(),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap()).unwrap();
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    let totals = &report["totals"];
    assert!(html.contains(&format!(
        "{} records = {} events + {} joined lines + {} unparsed",
        totals["lines_read"], totals["events"], totals["multiline_merged"], totals["unparsed"]
    )));
    // One bar per minute with errors, each titled with its count.
    for (minute, count) in report["timeline"]["errors_per_minute"].as_object().unwrap() {
        assert!(
            html.contains(&format!("<title>{minute} · {count} errors</title>")),
            "{minute}"
        );
    }
    for pattern in report["patterns"].as_array().unwrap() {
        assert!(html.contains(&format!("<code>{}</code>", pattern["id"].as_str().unwrap())));
    }
    assert!(!html.contains("<script"), "a static page");
    assert!(html.trim_end().ends_with("</html>"));
}
