//! Container runtime logs (Kubernetes CRI files, Docker json-file): the wrapped lines are read
//! as the program's own, stack traces join across runtime lines, long lines cut into parts are
//! joined back, and a kubelet file name gives the service and pod.

#![allow(clippy::unwrap_used)]

mod common;

use common::{analyze, assert_accounting_adds_up, temp_dir};
use serde_json::Value;

fn pattern<'a>(report: &'a Value, needle: &str) -> &'a Value {
    report["patterns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["template"].as_str().unwrap().contains(needle))
        .unwrap_or_else(|| panic!("no pattern with {needle}: {:#}", report["patterns"]))
}

/// What a Python worker in a pod writes through containerd: `logging` records on stderr, one
/// with `logger.exception()`, an uncaught crash at the end, and a 20 kB line the runtime cut.
fn cri_lines() -> Vec<String> {
    let mut lines = Vec::new();
    let mut at = |second: u32, stream: &str, tag: &str, text: &str| {
        lines.push(format!(
            "2026-03-02T09:00:{second:02}.{:09}Z {stream} {tag} {text}",
            u64::from(second) * 1_000_003
        ));
    };
    for job in 0..3u32 {
        let s = job * 10;
        at(
            s,
            "stderr",
            "F",
            &format!("2026-03-02 09:00:{s:02},100 INFO [worker] job {job} started"),
        );
        at(
            s + 1,
            "stderr",
            "F",
            &format!(
                "2026-03-02 09:00:{:02},200 ERROR [worker] job {job} failed",
                s + 1
            ),
        );
        at(s + 1, "stderr", "F", "Traceback (most recent call last):");
        at(
            s + 1,
            "stderr",
            "F",
            "  File \"/app/worker.py\", line 41, in run",
        );
        at(s + 1, "stderr", "F", "    total = order[\"amount\"]");
        at(s + 1, "stderr", "F", "KeyError: 'amount'");
    }
    let long = "x".repeat(20_000);
    at(
        40,
        "stdout",
        "P",
        &format!(
            "2026-03-02 09:00:40,000 WARNING [worker] payload {}",
            &long[..16_384]
        ),
    );
    at(40, "stdout", "F", &long[16_384..]);
    at(41, "stderr", "F", "Traceback (most recent call last):");
    at(
        41,
        "stderr",
        "F",
        "  File \"/app/main.py\", line 9, in <module>",
    );
    at(41, "stderr", "F", "SystemExit: 3");
    lines
}

#[test]
fn kubernetes_cri_file_reads_like_the_program_wrote_it() {
    let dir = temp_dir("container-cri");
    let name = format!(
        "worker-5c9d7_shop_payments-{}.log",
        "0123456789abcdef".repeat(4)
    );
    let path = dir.join(name);
    let lines = cri_lines();
    std::fs::write(&path, lines.join("\n")).unwrap();
    let (output, report) = analyze(&[&path], &dir.join("out"));
    assert!(output.status.success(), "{output:?}");
    assert_accounting_adds_up(&report);
    assert_eq!(report["inputs"][0]["format"], "container");
    assert_eq!(report["totals"]["lines_read"], lines.len());
    assert_eq!(report["totals"]["unparsed"], 0);
    // 3 started + 3 failed-with-traceback + 1 long warning + 1 crash.
    assert_eq!(report["totals"]["events"], 8);
    // Each traceback's 4 lines, the long line's second part, the crash's 2 frame lines.
    assert_eq!(report["totals"]["multiline_merged"], 3 * 4 + 1 + 2);
    assert_eq!(report["services"][0]["name"], "payments");

    let failed = pattern(&report, "failed");
    assert_eq!(failed["count"], 3);
    assert_eq!(failed["severity"], "ERROR");
    assert!(
        failed["template"].as_str().unwrap().contains("KeyError"),
        "{failed}"
    );
    // The runtime's time, not the program's (which has no zone and would be read as UTC
    // anyway): the first failure is at second 1.
    assert_eq!(failed["first_seen"], "2026-03-02T09:00:01.001000003Z");

    let long = pattern(&report, "payload");
    assert_eq!(long["severity"], "WARNING");
    assert_eq!(long["count"], 1);

    let crash = pattern(&report, "SystemExit");
    assert_eq!(crash["severity"], "DEFAULT");
}

#[test]
fn docker_json_file_lines_join_their_traceback() {
    let dir = temp_dir("container-docker");
    let path = dir.join("container-json.log");
    let records = [
        (
            "2026-03-02 09:00:01,200 ERROR [api] charge failed\n",
            "stderr",
        ),
        ("Traceback (most recent call last):\n", "stderr"),
        ("  File \"/app/pay.py\", line 12, in charge\n", "stderr"),
        ("TimeoutError: PSP did not answer in 10s\n", "stderr"),
        (
            "2026-03-02 09:00:02,000 INFO [api] GET /health 200\n",
            "stdout",
        ),
    ];
    let lines: Vec<String> = records
        .iter()
        .enumerate()
        .map(|(i, (log, stream))| {
            serde_json::json!({
                "log": log,
                "stream": stream,
                "time": format!("2026-03-02T09:00:0{}.5Z", 1 + i / 4),
            })
            .to_string()
        })
        .collect();
    std::fs::write(&path, lines.join("\n")).unwrap();
    let (output, report) = analyze(&[&path], &dir.join("out"));
    assert!(output.status.success(), "{output:?}");
    assert_accounting_adds_up(&report);
    assert_eq!(report["inputs"][0]["format"], "container");
    assert_eq!(report["totals"]["events"], 2);
    assert_eq!(report["totals"]["multiline_merged"], 3);
    let failed = pattern(&report, "charge failed");
    assert_eq!(failed["severity"], "ERROR");
    assert!(
        failed["template"]
            .as_str()
            .unwrap()
            .contains("TimeoutError")
    );
}
