//! The audit against the `shop` fixture repository (issue 9): exactly the planted drifts,
//! none of the near-misses, statically and against a real redis-server.

#![allow(clippy::unwrap_used)] // test support helpers outside #[test] functions

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use gardener_audit::cli::{AuditArgs, Format};
use gardener_audit::{AuditError, Outcome};
use gardener_core::Severity;
use gardener_test::RedisServer;
use serde_json::Value;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("fixtures")
}

/// A copy of the fixture in a fresh temporary directory, plus a file under the fixture's
/// `.gitignore`d `generated/` folder that reads an env var: it must never be reported. (It
/// cannot be committed: git honours the same `.gitignore`.)
fn fixture_copy(name: &str) -> PathBuf {
    let target = std::env::temp_dir().join(format!("gardener-audit-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&target);
    copy_dir(&fixtures().join("shop"), &target);
    std::fs::create_dir_all(target.join("generated")).unwrap();
    std::fs::write(
        target.join("generated/client.ts"),
        "export const x = process.env.GENERATED_ONLY;\n",
    )
    .unwrap();
    target
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let dest = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &dest);
        } else {
            std::fs::copy(entry.path(), dest).unwrap();
        }
    }
}

fn args(dir: &Path) -> AuditArgs {
    AuditArgs {
        dir: dir.to_path_buf(),
        redis: None,
        stream_patterns: vec!["stream:*".to_owned()],
        format: Format::Json,
        fail_on: None,
        ignore_vars: Vec::new(),
    }
}

type Key = (String, String, String, String);

fn keys(drifts: &[Value]) -> BTreeSet<Key> {
    drifts
        .iter()
        .map(|d| {
            let field = |name: &str| {
                d[name]
                    .as_str()
                    .unwrap_or_else(|| panic!("`{name}` in {d}"))
                    .to_owned()
            };
            (
                field("id"),
                field("type"),
                field("where"),
                field("severity"),
            )
        })
        .collect()
}

fn expected(file: &str) -> BTreeSet<Key> {
    let text = std::fs::read_to_string(fixtures().join(file)).unwrap();
    let list: Vec<Value> = serde_json::from_str(&text).unwrap();
    keys(&list)
}

fn run_json(args: &AuditArgs) -> (Outcome, Value) {
    let mut out = Vec::new();
    let outcome = gardener_audit::run(args, &mut out).unwrap();
    (outcome, serde_json::from_slice(&out).unwrap())
}

fn assert_same(actual: &BTreeSet<Key>, expected: &BTreeSet<Key>) {
    let missing: Vec<_> = expected.difference(actual).collect();
    let extra: Vec<_> = actual.difference(expected).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing (planted, not reported): {missing:#?}\nextra (reported, not planted): {extra:#?}"
    );
}

#[test]
fn static_audit_reports_exactly_the_planted_drifts() {
    let dir = fixture_copy("static");
    let (outcome, report) = run_json(&args(&dir));
    assert_eq!(outcome, Outcome::Clean, "no --fail-on given");
    assert_same(
        &keys(report["drifts"].as_array().unwrap()),
        &expected("expected.json"),
    );
    assert_eq!(
        report["scanned"]["code_files"], 6,
        "the .gitignored generated/client.ts is not scanned"
    );
    assert_eq!(report["notes"].as_array().unwrap().len(), 0);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn runtime_audit_adds_exactly_the_planted_runtime_drifts() {
    let server = RedisServer::start();
    let client = redis::Client::open(server.url()).unwrap();
    let mut con = client.get_connection().unwrap();
    let mut cmd = |args: &[&str]| {
        let mut c = redis::cmd(args[0]);
        for a in &args[1..] {
            c.arg(*a);
        }
        c.query::<redis::Value>(&mut con).unwrap();
    };
    // stream:orders exists with the engine's group and the auditor's group spelled
    // `order-audit-group` (code says `order-audit`: a runtime group-name-mismatch).
    cmd(&["XADD", "stream:orders", "*", "order", "1"]);
    cmd(&["XGROUP", "CREATE", "stream:orders", "execution-engine", "0"]);
    cmd(&[
        "XGROUP",
        "CREATE",
        "stream:orders",
        "order-audit-group",
        "$",
    ]);
    // stream:payments receives entries but nobody reads it (the reader spells it singular).
    cmd(&["XADD", "stream:payments", "*", "order", "1", "amount", "5"]);
    // stream:refunds was created with a different group and never received an entry.
    cmd(&[
        "XGROUP",
        "CREATE",
        "stream:refunds",
        "refunds",
        "$",
        "MKSTREAM",
    ]);
    // A leftover stream matching the pattern that no code names, with entries, no group.
    cmd(&["XADD", "stream:legacy", "*", "k", "v"]);
    // near-miss: a stream outside the patterns and unknown to code is not audited.
    cmd(&["XADD", "jobs:tmp", "*", "k", "v"]);
    // stream:audit and stream:payment are never created: code names them.

    let dir = fixture_copy("runtime");
    let mut with_redis = args(&dir);
    with_redis.redis = Some(server.url());
    let (_, report) = run_json(&with_redis);
    let mut want = expected("expected.json");
    want.extend(expected("expected-runtime.json"));
    assert_same(&keys(report["drifts"].as_array().unwrap()), &want);
    assert_eq!(report["runtime"]["streams"].as_object().unwrap().len(), 5);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn fail_on_trips_at_or_above_the_given_severity_only() {
    let dir = fixture_copy("failon");
    let mut a = args(&dir);
    a.fail_on = Some(Severity::Error);
    assert_eq!(run_json(&a).0, Outcome::CheckTripped);
    // Only INFO/NOTICE drifts remain when the worse kinds are absent: use an env-only tree.
    let quiet = dir.join("quiet");
    std::fs::create_dir_all(&quiet).unwrap();
    std::fs::write(quiet.join(".env.example"), "UNUSED_ONLY=1\n").unwrap();
    let mut b = args(&quiet);
    b.fail_on = Some(Severity::Warning);
    let (outcome, report) = run_json(&b);
    assert_eq!(report["drifts"][0]["severity"], "NOTICE");
    assert_eq!(outcome, Outcome::Clean);
    b.fail_on = Some(Severity::Notice);
    assert_eq!(run_json(&b).0, Outcome::CheckTripped);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn markdown_report_is_a_valid_github_table_with_one_row_per_drift() {
    let dir = fixture_copy("markdown");
    let mut a = args(&dir);
    a.format = Format::Markdown;
    let mut out = Vec::new();
    gardener_audit::run(&a, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    let rows: Vec<&str> = text.lines().filter(|l| l.starts_with('|')).collect();
    assert_eq!(
        rows[0],
        "| ID | Type | Where | Expected | Actual | Severity |"
    );
    assert_eq!(rows[1], "|---|---|---|---|---|---|");
    assert_eq!(rows.len() - 2, expected("expected.json").len());
    for row in &rows {
        // Unescaped pipes delimit cells: 6 cells means 7 delimiters.
        let delimiters = row
            .match_indices('|')
            .filter(|(i, _)| *i == 0 || row.as_bytes()[i - 1] != b'\\')
            .count();
        assert_eq!(delimiters, 7, "row: {row}");
    }
    assert!(
        text.contains("12 drifts: 3 ERROR, 7 WARNING, 1 NOTICE, 1 INFO."),
        "{text}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn errors_name_the_problem_and_give_a_hint() {
    let missing = args(Path::new("/nonexistent/gardener-audit"));
    let error = gardener_audit::run(&missing, &mut Vec::new()).unwrap_err();
    assert!(matches!(error, AuditError::NotADirectory { .. }));
    assert!(error.to_string().contains("hint:"));

    let dir = fixture_copy("badredis");
    let mut a = args(&dir);
    // A port nobody listens on: connecting fails fast with a connect error and a hint.
    a.redis = Some(format!(
        "redis://user:secret@127.0.0.1:{}",
        gardener_test::free_port()
    ));
    let error = gardener_audit::run(&a, &mut Vec::new()).unwrap_err();
    let message = error.to_string();
    assert!(
        matches!(error, AuditError::RedisConnect { .. }),
        "{message}"
    );
    assert!(
        message.contains("hint:") && !message.contains("secret"),
        "{message}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}
