//! `[[patterns]]` in gardener.toml: templates of the user's own take messages before the miner,
//! and a bad one is an error naming the line.

#![allow(clippy::unwrap_used)]

mod common;

use common::{analyze_with, assert_accounting_adds_up, gardener, temp_dir};
use serde_json::Value;

/// Payment failures whose reasons have different lengths: the miner gives one pattern per
/// length, a user template one for all.
fn payments_log(dir: &std::path::Path) -> std::path::PathBuf {
    let reasons = [
        "card declined by issuer",
        "insufficient funds",
        "3-D Secure authentication abandoned by the customer",
        "expired card",
        "do not honour",
    ];
    let mut lines = Vec::new();
    for i in 0..40u32 {
        let reason = reasons[i as usize % reasons.len()];
        lines.push(format!(
            r#"{{"timestamp":"2026-03-02T09:{:02}:{:02}Z","severity":"ERROR","service":"billing-api","message":"charge for order {} failed: {reason}"}}"#,
            i / 2,
            (i * 7) % 60,
            9000 + i
        ));
        lines.push(format!(
            r#"{{"timestamp":"2026-03-02T09:{:02}:{:02}Z","severity":"INFO","service":"checkout","message":"charge for order {} failed: {reason}"}}"#,
            i / 2,
            (i * 11) % 60,
            7000 + i
        ));
    }
    let path = dir.join("payments.ndjson");
    std::fs::write(&path, lines.join("\n")).unwrap();
    path
}

fn run(dir: &std::path::Path, config: Option<&str>) -> (std::process::Output, Value) {
    let input = payments_log(dir);
    let path = dir.join("gardener.toml");
    let path_text = path.display().to_string();
    let extra: Vec<&str> = match config {
        Some(text) => {
            std::fs::write(&path, text).unwrap();
            vec!["--config", &path_text]
        }
        None => Vec::new(),
    };
    analyze_with(&[&input], &dir.join("out"), &extra)
}

fn templates_with(report: &Value, needle: &str) -> Vec<(String, u64)> {
    report["patterns"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["template"].as_str().unwrap().contains(needle))
        .map(|p| {
            (
                p["template"].as_str().unwrap().to_owned(),
                p["count"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn a_user_template_gathers_what_the_miner_splits() {
    let dir = temp_dir("user-patterns-mined");
    let (output, mined) = run(&dir, None);
    assert!(output.status.success(), "{output:?}");
    assert!(templates_with(&mined, "charge for order").len() > 1);

    let config =
        "[[patterns]]\ntemplate = \"charge for order <*> failed: <*>\"\nservice = \"^billing\"\n";
    let (output, report) = run(&dir, Some(config));
    assert!(output.status.success(), "{output:?}");
    assert_accounting_adds_up(&report);
    let ours: Vec<&Value> = report["patterns"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["template"] == "charge for order <*> failed: <*>")
        .collect();
    assert_eq!(ours.len(), 1, "{:#}", report["patterns"]);
    assert_eq!(ours[0]["count"], 40);
    assert_eq!(ours[0]["services"], serde_json::json!(["billing-api"]));
    // The id is the template's, as for any pattern.
    assert_eq!(
        ours[0]["id"].as_str().unwrap(),
        gardener_core::PatternId::of_template("charge for order <*> failed: <*>").to_string()
    );
    // The service condition leaves checkout's messages to the miner; nothing is lost.
    let total: u64 = templates_with(&report, "charge for order")
        .iter()
        .map(|(_, count)| count)
        .sum();
    assert_eq!(total, 80);
}

#[test]
fn the_patterns_command_uses_them_too() {
    let dir = temp_dir("user-patterns-cmd");
    let input = payments_log(&dir);
    let config = dir.join("g.toml");
    std::fs::write(
        &config,
        "[[patterns]]\ntemplate = \"charge for order <*> failed: <*>\"\n",
    )
    .unwrap();
    let output = gardener(&[
        "patterns",
        "--no-progress",
        &input.display().to_string(),
        "--config",
        &config.display().to_string(),
    ]);
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = stdout
        .lines()
        .filter(|l| l.contains("charge for order"))
        .collect();
    assert_eq!(lines.len(), 1, "{stdout}");
    assert!(lines[0].contains("80"), "{stdout}");
}

#[test]
fn a_bad_pattern_is_an_error_with_its_line() {
    let dir = temp_dir("user-patterns-bad");
    let (output, report) = run(
        &dir,
        Some("# payments\n\n[[patterns]]\ntemplate = \"<*>\"\n"),
    );
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("gardener.toml:3: bad `template`"),
        "{stderr}"
    );
    assert!(report.is_null());
}
