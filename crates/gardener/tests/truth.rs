//! Acceptance: on the shared incident samples, `report.json` service and severity counts and
//! the error timeline equal `truth.json` exactly, for the JSON array, the NDJSON form and a
//! gzip-compressed copy.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::Path;

use common::{analyze, assert_accounting_adds_up, samples_dir, temp_dir};
use serde_json::Value;

fn service_counts(value: &Value) -> BTreeMap<String, u64> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap().to_owned(),
                s["count"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn check(input: &Path, truth: &Value, label: &str) {
    let out = temp_dir(label);
    let (output, report) = analyze(&[input], &out);
    assert!(
        output.status.success(),
        "{label}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_accounting_adds_up(&report);
    let total = truth["total_entries"].as_u64().unwrap();
    assert_eq!(
        report["totals"]["events"].as_u64(),
        Some(total),
        "{label}: events"
    );
    assert_eq!(
        report["totals"]["unparsed"].as_u64(),
        Some(0),
        "{label}: unparsed"
    );
    assert_eq!(
        service_counts(&report["services"]),
        service_counts(&truth["services"]),
        "{label}: services"
    );
    assert_eq!(
        report["severities"], truth["severities"],
        "{label}: severities"
    );
    for field in [
        "first_error_minute",
        "peak_minute",
        "peak_errors_per_minute",
    ] {
        assert_eq!(
            report["timeline"][field], truth["timeline"][field],
            "{label}: {field}"
        );
    }
    if let Some(per_minute) = truth["timeline"].get("errors_per_minute") {
        assert_eq!(
            &report["timeline"]["errors_per_minute"], per_minute,
            "{label}: per minute"
        );
    }
    std::fs::remove_dir_all(out).ok();
}

fn check_sample(name: &str) {
    let dir = samples_dir().join(name);
    let truth: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("truth.json")).unwrap()).unwrap();
    check(&dir.join("logs.json"), &truth, &format!("{name}-array"));
    check(&dir.join("logs.ndjson"), &truth, &format!("{name}-ndjson"));

    let gz_dir = temp_dir(&format!("{name}-gz-input"));
    let gz_path = gz_dir.join("logs.json.gz");
    let mut encoder = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz_path).unwrap(),
        flate2::Compression::fast(),
    );
    encoder
        .write_all(&std::fs::read(dir.join("logs.json")).unwrap())
        .unwrap();
    encoder.finish().unwrap();
    check(&gz_path, &truth, &format!("{name}-gzip"));
    std::fs::remove_dir_all(gz_dir).ok();
}

#[test]
fn module_cascade_counts_equal_truth() {
    check_sample("module-cascade");
}

#[test]
fn db_outage_counts_equal_truth() {
    check_sample("db-outage");
}

#[test]
fn fleet_39_counts_equal_truth() {
    check_sample("fleet-39");
}
