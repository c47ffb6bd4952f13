//! Acceptance (issue 4): run history. Running twice on the same input reports nothing new the
//! second time; a later window that adds one new error pattern reports exactly that one; a
//! pattern marked resolved that returns is a regression.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;

use common::{gardener, temp_dir};
use serde_json::Value;

fn entry(minute: u32, second: u32, severity: &str, message: &str) -> String {
    format!(
        r#"{{"insertId":"{minute}-{second}-{}","resource":{{"type":"cloud_run_revision","labels":{{"service_name":"api"}}}},"severity":"{severity}","textPayload":"{message}","timestamp":"2025-06-01T10:{minute:02}:{second:02}Z"}}"#,
        message.len()
    )
}

fn window(dir: &Path, name: &str, with_new: bool, with_timeout: bool) -> std::path::PathBuf {
    let mut lines = Vec::new();
    for minute in 0..30 {
        lines.push(entry(
            minute,
            5,
            "INFO",
            &format!("GET /api/items/{} 200 in {}ms", minute * 7, minute + 3),
        ));
        lines.push(entry(
            minute,
            9,
            "WARNING",
            &format!("slow query on orders took {}ms", 900 + minute),
        ));
        if with_timeout && minute % 3 == 0 {
            lines.push(entry(
                minute,
                20,
                "ERROR",
                &format!("upstream billing timed out after {}ms", 5000 + minute),
            ));
        }
        if with_new && minute % 5 == 0 {
            lines.push(entry(
                minute,
                40,
                "ERROR",
                &format!("disk /var/lib/app is full: {} bytes free", minute),
            ));
        }
    }
    let path = dir.join(name);
    std::fs::write(&path, lines.join("\n")).unwrap();
    path
}

fn analyze(input: &Path, state: &Path, out: &Path) -> Value {
    let output = gardener(&[
        "analyze",
        "--no-progress",
        "--quiet",
        &input.display().to_string(),
        "--state",
        &state.display().to_string(),
        "--out",
        &out.display().to_string(),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap()
}

fn id_of(report: &Value, needle: &str) -> String {
    report["patterns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["template"].as_str().unwrap().contains(needle))
        .unwrap_or_else(|| panic!("no pattern with {needle}"))["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn new_gone_and_regressed_patterns_across_runs() {
    let dir = temp_dir("state-runs");
    let state = dir.join("state.db");
    let first = window(&dir, "first.ndjson", false, true);

    let run1 = analyze(&first, &state, &dir.join("r1"));
    assert!(run1["changes"]["previous_run"].is_null());
    assert_eq!(
        run1["changes"]["new"].as_array().unwrap().len(),
        run1["patterns"].as_array().unwrap().len()
    );
    // Without a baseline, being new earns no priority points.
    for pattern in run1["patterns"].as_array().unwrap() {
        assert_eq!(pattern["new"], true);
        assert_eq!(
            pattern["score"]["novelty"].as_f64().unwrap(),
            0.0,
            "{pattern}"
        );
    }

    // The same input again: nothing new, gone, changed or regressed.
    let run2 = analyze(&first, &state, &dir.join("r2"));
    assert!(run2["changes"]["previous_run"].is_string());
    for field in ["new", "gone", "changed", "regressed"] {
        assert_eq!(
            run2["changes"][field].as_array().unwrap().len(),
            0,
            "{field}: {}",
            run2["changes"]
        );
    }

    // A later window with one new error pattern: exactly that one is new.
    let second = window(&dir, "second.ndjson", true, true);
    let run3 = analyze(&second, &state, &dir.join("r3"));
    let disk = id_of(&run3, "is full");
    assert_eq!(run3["changes"]["new"], serde_json::json!([disk]));
    let disk_pattern = run3["patterns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == *disk.as_str())
        .unwrap();
    assert_eq!(disk_pattern["new"], true);
    assert!(disk_pattern["score"]["novelty"].as_f64().unwrap() > 0.0);

    // The timeout is marked resolved; a window without it reports it gone, one with it a
    // regression.
    let timeout = id_of(&run3, "timed out");
    let output = gardener(&[
        "resolve",
        &timeout,
        "--state",
        &state.display().to_string(),
        "--note",
        "fixed in #42",
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        format!("{timeout}: marked resolved")
    );

    let quiet = window(&dir, "quiet.ndjson", true, false);
    let run4 = analyze(&quiet, &state, &dir.join("r4"));
    let gone: Vec<&str> = run4["changes"]["gone"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["id"].as_str().unwrap())
        .collect();
    assert_eq!(gone, [timeout.as_str()]);

    let run5 = analyze(&second, &state, &dir.join("r5"));
    assert_eq!(run5["changes"]["regressed"], serde_json::json!([timeout]));
    assert_eq!(run5["changes"]["new"].as_array().unwrap().len(), 0);
    let regressed = run5["patterns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == *timeout.as_str())
        .unwrap();
    assert_eq!(regressed["regressed"], true);
    assert!(regressed["score"]["novelty"].as_f64().unwrap() > 0.0);
    let worklog = std::fs::read_to_string(dir.join("r5").join("worklog.md")).unwrap();
    assert!(
        worklog.contains(&format!("- regressed: `{timeout}`")),
        "{worklog}"
    );
}

#[test]
fn concurrent_runs_on_one_state_file_all_land() {
    let dir = temp_dir("state-concurrent");
    let state = dir.join("state.db");
    let input = window(&dir, "w.ndjson", true, true);
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let input = input.clone();
            let state = state.clone();
            let out = dir.join(format!("out{i}"));
            std::thread::spawn(move || analyze(&input, &state, &out))
        })
        .collect();
    let reports: Vec<Value> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    // Exactly one of the four runs was first (saw everything as new); the others saw nothing new.
    let firsts = reports
        .iter()
        .filter(|r| r["changes"]["previous_run"].is_null())
        .count();
    assert_eq!(firsts, 1);
    let with_new = reports
        .iter()
        .filter(|r| !r["changes"]["new"].as_array().unwrap().is_empty())
        .count();
    assert_eq!(with_new, 1);
}

#[test]
fn a_bad_pattern_id_is_a_clear_error() {
    let dir = temp_dir("state-bad-id");
    let output = gardener(&[
        "resolve",
        "not-an-id",
        "--state",
        &dir.join("s.db").display().to_string(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("`not-an-id` is not a pattern id"),
        "{stderr}"
    );
}
