//! Helpers shared by the integration tests of the `gardener` binary.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A fresh empty temporary folder for one test.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gardener-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `gardener` with arguments, with a fixed generation time.
pub fn gardener(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gardener"))
        .args(args)
        .env("SOURCE_DATE_EPOCH", "1764000000")
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

/// Runs `gardener analyze INPUTS --out DIR` and returns the output and report.json.
pub fn analyze(inputs: &[&Path], out: &Path) -> (Output, serde_json::Value) {
    analyze_with(inputs, out, &[])
}

/// [`analyze`] with further arguments.
pub fn analyze_with(inputs: &[&Path], out: &Path, extra: &[&str]) -> (Output, serde_json::Value) {
    let mut args: Vec<String> = vec![
        "analyze".into(),
        "--no-progress".into(),
        "--no-state".into(),
    ];
    args.extend(inputs.iter().map(|p| p.display().to_string()));
    args.push("--out".into());
    args.push(out.display().to_string());
    args.extend(extra.iter().map(|a| (*a).to_owned()));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let output = gardener(&refs);
    let report = std::fs::read_to_string(out.join("report.json"))
        .map(|text| serde_json::from_str(&text).unwrap())
        .unwrap_or(serde_json::Value::Null);
    (output, report)
}

/// The accounting identity of a report.
pub fn assert_accounting_adds_up(report: &serde_json::Value) {
    let totals = &report["totals"];
    let read = totals["lines_read"].as_u64().unwrap();
    let events = totals["events"].as_u64().unwrap();
    let merged = totals["multiline_merged"].as_u64().unwrap();
    let unparsed = totals["unparsed"].as_u64().unwrap();
    assert_eq!(read, events + merged + unparsed, "{totals}");
}

/// The incident samples beside the checkout.
pub fn samples_dir() -> PathBuf {
    let dir = gardener_test::shared_dir().join("samples");
    assert!(
        dir.is_dir(),
        "the shared samples are missing at {}; set GARDENER_SHARED_DIR",
        dir.display()
    );
    dir
}
