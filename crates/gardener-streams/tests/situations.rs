//! The situations from issue 6, built with real XADD/XGROUP/XREADGROUP traffic on a real
//! `redis-server`, checked in snapshot mode.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::{collect, conn, findings, group_create, markdown_tables, read_group, stream, xadd};
use gardener_streams::evaluate::GroupStatus;
use gardener_streams::{FindingKind, Severity, Status};
use gardener_test::RedisServer;

/// Builds every snapshot situation on one server. Idle streams are written first, then the test
/// waits 600 ms so that with `--idle-after 500ms` they are idle and the rest are fresh.
fn build_situations(url: &str) {
    let mut c = conn(url);
    // Five idle streams: three caught-up groups, two without groups.
    for i in 1..=5 {
        let key = format!("idle:{i}");
        xadd(&mut c, &key, None, "*");
        if i <= 3 {
            group_create(&mut c, &key, "g", "$");
        }
    }
    // A consumer that read two entries of `payments` and then went quiet.
    for _ in 0..3 {
        xadd(&mut c, "payments", None, "*");
    }
    group_create(&mut c, "payments", "workers", "0");
    assert_eq!(read_group(&mut c, "payments", "workers", "w1", 2, ">"), 2);

    std::thread::sleep(Duration::from_millis(600));

    // Stream at its MAXLEN cap whose group lags by the whole stream (shared/notes section 3, s4):
    // group at `$`, 5 capped XADDs, one read (3-0), 7 more capped XADDs: 6 entries lost.
    group_create(&mut c, "capped", "g", "$");
    for ms in 1..=5 {
        xadd(&mut c, "capped", Some(3), &format!("{ms}-0"));
    }
    assert_eq!(read_group(&mut c, "capped", "g", "c1", 1, ">"), 1);
    for ms in 6..=12 {
        xadd(&mut c, "capped", Some(3), &format!("{ms}-0"));
    }
    // A dead-letter stream growing with no consumer group.
    for _ in 0..4 {
        xadd(&mut c, "orders:dlq", None, "*");
    }
    // Published, never read.
    for _ in 0..5 {
        xadd(&mut c, "audit-events", None, "*");
    }
    // More traffic for the quiet payments consumer.
    for _ in 0..2 {
        xadd(&mut c, "payments", None, "*");
    }
    // A poison message: delivered once, then claimed six more times by the test (not the tool).
    let poison = xadd(&mut c, "jobs", None, "*");
    group_create(&mut c, "jobs", "g", "0");
    assert_eq!(read_group(&mut c, "jobs", "g", "a", 10, ">"), 1);
    for _ in 0..6 {
        let _: redis::Value = redis::cmd("XCLAIM")
            .arg("jobs")
            .arg("g")
            .arg("b")
            .arg(0)
            .arg(&poison)
            .query(&mut c)
            .unwrap();
    }
    // A healthy stream: everything read and acknowledged.
    group_create(&mut c, "clicks", "g", "0");
    let id = xadd(&mut c, "clicks", None, "*");
    assert_eq!(read_group(&mut c, "clicks", "g", "c", 10, ">"), 1);
    let _: u64 = redis::cmd("XACK")
        .arg("clicks")
        .arg("g")
        .arg(&id)
        .query(&mut c)
        .unwrap();
    // Not a stream: must be ignored by discovery.
    let _: () = redis::cmd("SET")
        .arg("plain-string")
        .arg("x")
        .query(&mut c)
        .unwrap();
}

const FLAGS: &[&str] = &[
    "--idle-after",
    "500ms",
    "--consumer-idle",
    "300ms",
    "--stop-after",
    "400ms",
    "--poison-deliveries",
    "5",
];

#[test]
fn snapshot_reports_each_situation_with_its_status() {
    let server = RedisServer::start();
    build_situations(&server.url());
    let report = collect(&server.url(), FLAGS);

    let keys: Vec<&str> = report.streams.iter().map(|s| s.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "audit-events",
            "capped",
            "clicks",
            "idle:1",
            "idle:2",
            "idle:3",
            "idle:4",
            "idle:5",
            "jobs",
            "orders:dlq",
            "payments"
        ]
    );
    let status = |key: &str| stream(&report, key).status;

    // Trimmed before read: (entries-added 12 - length 3) - entries-read 3 = 6.
    assert_eq!(status("capped"), Status::Critical);
    let group = &stream(&report, "capped").groups[0];
    assert_eq!(group.eval.lost_to_trim, Some(6));
    assert_eq!(
        group.eval.lag,
        Some(9),
        "7.0 lag counts trimmed-unread entries"
    );
    let lost = findings(&report, "capped", FindingKind::LostToTrim);
    assert_eq!(lost.len(), 1);
    assert_eq!(lost[0].severity, Severity::Critical);
    assert!(lost[0].title.starts_with("6 messages"), "{}", lost[0].title);
    let cap = findings(&report, "capped", FindingKind::AtTrimCap);
    assert_eq!(
        cap[0].severity,
        Severity::Warning,
        "group g's cursor 3-0 is behind first entry 10-0"
    );

    assert_eq!(status("orders:dlq"), Status::Degraded);
    let dlq = findings(&report, "orders:dlq", FindingKind::DeadLetter);
    assert_eq!(
        dlq[0].title,
        "dead-letter stream grows and has no consumer group"
    );

    assert_eq!(status("audit-events"), Status::Warning);
    assert_eq!(
        findings(&report, "audit-events", FindingKind::NoConsumerGroup)[0].severity,
        Severity::Warning
    );

    for i in 1..=5 {
        let key = format!("idle:{i}");
        assert_eq!(status(key.as_str()), Status::Idle, "{key}");
        assert_eq!(findings(&report, &key, FindingKind::IdleStream).len(), 1);
    }

    // Lag 3, the only consumer idle > 400 ms: STOP, and it holds 2 pending past 300 ms.
    assert_eq!(status("payments"), Status::Critical);
    let workers = &stream(&report, "payments").groups[0];
    assert_eq!(workers.eval.status, GroupStatus::Stop);
    assert_eq!(workers.eval.lag, Some(3));
    assert!(
        workers.eval.time_lag_ms.is_some_and(|ms| ms >= 600),
        "time lag from the id of entry 3"
    );
    let idle = findings(&report, "payments", FindingKind::IdleConsumer);
    assert!(
        idle[0].title.starts_with("consumer `w1` idle for"),
        "{}",
        idle[0].title
    );
    assert!(idle[0].title.ends_with("with 2 pending"));

    assert_eq!(status("jobs"), Status::Warning);
    let poison = findings(&report, "jobs", FindingKind::PoisonMessage);
    assert_eq!(poison.len(), 1);
    assert!(poison[0].title.contains("(max 7)"), "{}", poison[0].title);
    assert_eq!(stream(&report, "jobs").groups[0].max_deliveries, Some(7));

    assert_eq!(status("clicks"), Status::Healthy);
    assert!(report.findings.iter().all(|f| f.stream != "clicks"));

    assert_eq!(report.status, Status::Critical);
    // Findings are sorted worst first.
    assert!(
        report
            .findings
            .windows(2)
            .all(|w| w[0].severity >= w[1].severity)
    );
}

#[test]
fn health_map_is_a_valid_github_table_and_json_round_trips() {
    let server = RedisServer::start();
    build_situations(&server.url());
    let mut c = conn(&server.url());
    // A key with a pipe and a backtick must not break the table.
    xadd(&mut c, "odd|name`x", None, "*");
    let report = collect(&server.url(), FLAGS);

    let markdown = report.to_markdown();
    let tables = markdown_tables(&markdown);
    assert_eq!(
        tables[0],
        (8, 12),
        "health map: 8 columns, one row per stream\n{markdown}"
    );
    assert!(markdown.contains(
        "| stream | baseline | final | delta | pending | lag | groups (consumers) | status |"
    ));

    let json: serde_json::Value = serde_json::from_str(&report.to_json().unwrap()).unwrap();
    assert_eq!(json["schema"], "gardener.streams/1");
    assert_eq!(json["mode"], "snapshot");
    assert_eq!(json["status"], "CRITICAL");
    let streams = json["streams"].as_array().unwrap();
    let capped = streams.iter().find(|s| s["key"] == "capped").unwrap();
    assert_eq!(capped["groups"][0]["lost_to_trim"], 6);
    assert_eq!(capped["final"]["entries_added"], 12);
    assert_eq!(capped["final"]["first_id"], "10-0");
    let idle = streams.iter().find(|s| s["key"] == "idle:1").unwrap();
    assert_eq!(idle["status"], "idle");
    assert_eq!(json["findings"][0]["severity"], "CRITICAL");
}

#[test]
fn null_lag_is_reported_unknown_not_zero() {
    let server = RedisServer::start();
    let mut c = conn(&server.url());
    for ms in 1..=4 {
        xadd(&mut c, "mid", None, &format!("{ms}-0"));
    }
    // A group created at an arbitrary mid-stream id has null entries-read and lag.
    group_create(&mut c, "mid", "g", "2-0");
    let report = collect(&server.url(), &[]);
    let group = &stream(&report, "mid").groups[0];
    assert_eq!(group.eval.lag, None);
    assert_eq!(group.entries_read, None);
    let json: serde_json::Value = serde_json::to_value(&report).unwrap();
    assert!(json["streams"][0]["groups"][0]["lag"].is_null());
    assert!(
        report.to_markdown().contains("| unknown |"),
        "{}",
        report.to_markdown()
    );
}

#[test]
fn fail_on_sets_the_outcome_and_json_goes_to_stdout() {
    let server = RedisServer::start();
    let mut c = conn(&server.url());
    for _ in 0..3 {
        xadd(&mut c, "unread", None, "*");
    }
    let mut out = vec![];
    let warning = common::args(&server.url(), &["--json", "--fail-on", "warning"]);
    assert_eq!(
        gardener_streams::run(&warning, &mut out).unwrap(),
        gardener_streams::Outcome::CheckTripped
    );
    let json: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(json["streams"][0]["status"], "WARNING");

    let critical = common::args(&server.url(), &["--fail-on", "critical"]);
    let mut out = vec![];
    assert_eq!(
        gardener_streams::run(&critical, &mut out).unwrap(),
        gardener_streams::Outcome::Healthy
    );
    assert!(
        String::from_utf8(out)
            .unwrap()
            .starts_with("# Redis Streams health: WARNING")
    );
}

#[test]
fn out_file_gets_json_by_extension() {
    let server = RedisServer::start();
    let mut c = conn(&server.url());
    xadd(&mut c, "s", None, "*");
    let dir = std::env::temp_dir().join(format!("gardener-streams-out-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("report.json");
    let args = common::args(&server.url(), &["--out", path.to_str().unwrap()]);
    let mut out = vec![];
    gardener_streams::run(&args, &mut out).unwrap();
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(json["streams"][0]["key"], "s");
    assert!(String::from_utf8(out).unwrap().contains("## Health map"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
#[ignore = "prints the report for eyeballing: cargo test -p gardener-streams -- --ignored --nocapture"]
fn print_snapshot_report() {
    let server = RedisServer::start();
    build_situations(&server.url());
    let report = collect(&server.url(), FLAGS);
    let mut out = std::io::stdout();
    std::io::Write::write_all(&mut out, report.to_markdown().as_bytes()).unwrap();
}

#[test]
#[ignore = "measurement: cargo test -p gardener-streams --test situations measure -- --ignored --nocapture"]
fn measure_snapshot_of_1000_streams() {
    let server = RedisServer::start();
    let mut c = conn(&server.url());
    let mut pipe = redis::pipe();
    for i in 0..1000 {
        pipe.cmd("XADD")
            .arg(format!("s:{i}"))
            .arg("*")
            .arg("f")
            .arg("v")
            .ignore();
        pipe.cmd("XGROUP")
            .arg("CREATE")
            .arg(format!("s:{i}"))
            .arg("g")
            .arg("0")
            .ignore();
    }
    let _: () = pipe.query(&mut c).unwrap();
    let started = std::time::Instant::now();
    let report = collect(&server.url(), &[]);
    let elapsed = started.elapsed();
    assert_eq!(report.streams.len(), 1000);
    let mut out = std::io::stdout();
    std::io::Write::write_all(
        &mut out,
        format!("snapshot of 1000 streams x 1 group: {elapsed:?}\n").as_bytes(),
    )
    .unwrap();
}
