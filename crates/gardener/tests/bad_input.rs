//! Acceptance: bad input gives a clear message naming the place, never a panic, and the
//! accounting still adds up.

#![allow(clippy::unwrap_used)]

mod common;

use std::io::Write as _;
use std::path::Path;

use common::{analyze, assert_accounting_adds_up, gardener, temp_dir};

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

const ENTRY: &str = r#"{"insertId":"a1","resource":{"type":"cloud_run_revision","labels":{"service_name":"api"}},"severity":"ERROR","textPayload":"boom 1","timestamp":"2025-01-01T00:00:00Z"}"#;

#[test]
fn truncated_json_array_counts_the_cut_element() {
    let dir = temp_dir("truncated-array");
    let input = write(
        &dir,
        "cut.json",
        format!("[\n{ENTRY},\n{ENTRY},\n{{\"insertId\": \"a3\", \"textPay").as_bytes(),
    );
    let (output, report) = analyze(&[&input], &dir.join("out"));
    assert!(output.status.success(), "{}", stderr(&output));
    assert_accounting_adds_up(&report);
    assert_eq!(report["totals"]["events"], 2);
    assert_eq!(report["totals"]["unparsed"], 1);
    let sample = &report["unparsed"]["samples"][0];
    assert_eq!(sample["position"], format!("{}:4", input.display()));
    assert!(
        sample["reason"]
            .as_str()
            .unwrap()
            .contains("truncated JSON array")
    );
}

#[test]
fn a_line_of_invalid_utf8_in_ndjson_is_unparsed_with_its_line() {
    let dir = temp_dir("invalid-utf8");
    let mut bytes = format!("{ENTRY}\n").into_bytes();
    bytes.extend_from_slice(b"{\"insertId\":\"x\",\"textPayload\":\"caf\xe9 \xff\"}\n");
    bytes.extend_from_slice(format!("{ENTRY}\n").as_bytes());
    let input = write(&dir, "bad.ndjson", &bytes);
    let (output, report) = analyze(&[&input], &dir.join("out"));
    assert!(output.status.success(), "{}", stderr(&output));
    assert_accounting_adds_up(&report);
    assert_eq!(report["totals"]["events"], 2);
    assert_eq!(report["totals"]["unparsed"], 1);
    assert_eq!(
        report["unparsed"]["samples"][0]["position"],
        format!("{}:2", input.display())
    );
    assert!(report["unparsed"]["by_reason"]["invalid JSON"].as_u64() == Some(1));
}

#[test]
fn a_20_mb_single_line_is_counted_as_oversized() {
    let dir = temp_dir("huge-line");
    let mut bytes = b"2025-01-01T00:00:00Z ERROR first\n".to_vec();
    bytes.extend(std::iter::repeat_n(b'x', 20 * 1024 * 1024));
    bytes.extend_from_slice(b"\n2025-01-01T00:00:01Z ERROR last\n");
    let input = write(&dir, "huge.log", &bytes);
    let (output, report) = analyze(&[&input], &dir.join("out"));
    assert!(output.status.success(), "{}", stderr(&output));
    assert_accounting_adds_up(&report);
    assert_eq!(report["totals"]["lines_read"], 3);
    assert_eq!(report["totals"]["events"], 2);
    assert_eq!(report["totals"]["unparsed"], 1);
    let reason = report["unparsed"]["samples"][0]["reason"].as_str().unwrap();
    assert!(
        reason.starts_with("oversized line: 20971520 bytes"),
        "{reason}"
    );
}

#[test]
fn binary_garbage_is_unparsed_not_mined() {
    let dir = temp_dir("garbage");
    let garbage: Vec<u8> = (0u32..4096)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let input = write(&dir, "garbage.bin", &garbage);
    let (output, report) = analyze(&[&input], &dir.join("out"));
    assert!(output.status.success(), "{}", stderr(&output));
    assert_accounting_adds_up(&report);
    let read = report["totals"]["lines_read"].as_u64().unwrap();
    assert!(read > 0);
    assert!(report["totals"]["unparsed"].as_u64().unwrap() > 0);
}

#[test]
fn truncated_gzip_names_the_file_and_keeps_what_was_read() {
    let dir = temp_dir("truncated-gzip");
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    for i in 0..5000 {
        writeln!(
            encoder,
            "2025-01-01T00:00:00Z INFO request {i} served in {}ms",
            i % 97
        )
        .unwrap();
    }
    let mut bytes = encoder.finish().unwrap();
    bytes.truncate(bytes.len() / 2);
    let input = write(&dir, "cut.log.gz", &bytes);
    let (output, report) = analyze(&[&input], &dir.join("out"));
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert!(err.contains("cut.log.gz"), "{err}");
    assert!(err.contains("read stopped early"), "{err}");
    assert_accounting_adds_up(&report);
    let events = report["totals"]["events"].as_u64().unwrap();
    assert!(events > 0 && events < 5000, "{events}");
    assert_eq!(report["inputs"][0]["compression"], "gzip");
}

#[test]
fn an_empty_file_is_zero_records() {
    let dir = temp_dir("empty");
    let input = write(&dir, "empty.log", b"");
    let (output, report) = analyze(&[&input], &dir.join("out"));
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(report["totals"]["lines_read"], 0);
    assert_accounting_adds_up(&report);
}

#[test]
fn a_missing_file_is_an_error_naming_it_with_exit_code_2() {
    let dir = temp_dir("missing");
    let output = gardener(&[
        "analyze",
        "/no/such/dir/logs.json",
        "--out",
        &dir.join("out").display().to_string(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output).trim(),
        "error: input `/no/such/dir/logs.json` does not exist"
    );
}

#[test]
fn a_directory_input_is_walked_beside_files() {
    let dir = temp_dir("unreadable");
    let good = write(&dir, "good.ndjson", format!("{ENTRY}\n").as_bytes());
    let bad = dir.join("a-folder-named-like-a-file.json");
    std::fs::create_dir_all(&bad).unwrap();
    std::fs::write(bad.join("inner.log"), "2025-01-01T00:00:00Z INFO fine\n").unwrap();
    let (output, report) = analyze(&[&good, &bad], &dir.join("out"));
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(report["totals"]["events"], 2);
}
