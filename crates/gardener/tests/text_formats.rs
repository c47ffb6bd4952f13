//! Plain-text formats an on-call engineer is handed: a syslog file (whose time stamps carry no
//! year) and an nginx access log.

#![allow(clippy::unwrap_used)]

mod common;

use common::{analyze, assert_accounting_adds_up, temp_dir};

#[test]
fn syslog_lines_get_the_year_of_the_run_and_a_timeline() {
    // `gardener` runs with SOURCE_DATE_EPOCH=1764000000, 2025-11-24T16:00:00Z.
    let dir = temp_dir("syslog");
    let path = dir.join("syslog");
    let lines = [
        "Nov 24 09:13:20 web-1 kernel: Out of memory: Killed process 4321 (python)",
        "Nov 24 09:13:21 web-1 systemd[1]: api.service: Main process exited, code=killed, status=9/KILL",
        "Nov 24 09:14:02 web-1 sshd[1234]: Accepted publickey for deploy from 10.0.0.7 port 50514 ssh2",
        "Dec 31 23:59:59 web-1 cron[7]: (root) CMD (run-parts /etc/cron.hourly)",
    ];
    std::fs::write(&path, lines.join("\n")).unwrap();
    let (output, report) = analyze(&[&path], &dir.join("out"));
    assert!(output.status.success(), "{output:?}");
    assert_accounting_adds_up(&report);
    assert_eq!(report["inputs"][0]["format"], "plain");
    // December 31 would be after the run in 2025: it is last year's.
    assert_eq!(report["window"]["start"], "2024-12-31T23:59:59Z");
    assert_eq!(report["window"]["end"], "2025-11-24T09:14:02Z");
    let services: Vec<&str> = report["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(services, ["cron", "kernel", "sshd", "systemd"]);
}

#[test]
fn access_log_lines_are_requests_with_status_severities() {
    let dir = temp_dir("access-log");
    let path = dir.join("access.log");
    let mut lines = Vec::new();
    for (i, status) in [200, 200, 503, 503, 404, 200].iter().enumerate() {
        lines.push(format!(
            r#"10.0.0.{i} - - [24/Nov/2025:09:13:{:02} +0100] "GET /api/orders/{} HTTP/1.1" {status} 512 "-" "curl/8.5.0""#,
            i * 7,
            1000 + i
        ));
    }
    std::fs::write(&path, lines.join("\n")).unwrap();
    let (output, report) = analyze(&[&path], &dir.join("out"));
    assert!(output.status.success(), "{output:?}");
    assert_accounting_adds_up(&report);
    let templates: Vec<(&str, u64, &str)> = report["patterns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["template"].as_str().unwrap(),
                p["count"].as_u64().unwrap(),
                p["severity"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        templates,
        [
            ("GET /api/orders/<*> 200", 3, "INFO"),
            ("GET /api/orders/<*> 503", 2, "ERROR"),
            ("GET /api/orders/<*> 404", 1, "WARNING"),
        ]
    );
    assert_eq!(
        report["timeline"]["first_error_minute"],
        "2025-11-24T08:13:00Z"
    );
}
