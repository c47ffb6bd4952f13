//! Acceptance for `gardener issues` (issue 5): real reports of the shared incidents, synced
//! against a local HTTP server that implements the GitHub endpoints the tracker uses (list
//! with `Link` pagination and pull requests mixed in, search, create, comment, patch) and
//! injects a 403 primary rate limit with a near reset, 502s, and a 502 after a create landed.

#![allow(clippy::unwrap_used)]

#[path = "../../gardener-tracker/tests/support/fake_github.rs"]
mod fake_github;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

use fake_github::{FakeGitHub, FaultKind};
use gardener_tracker::{Action, HttpConfig, MatchKind, Mode, SyncConfig, TrackerSpec, sync};
use serde_json::Value;

fn report_of(input: &str) -> Value {
    let analysis = gardener::analyze_files(&[input.to_string()]).unwrap();
    serde_json::from_str(&gardener_report::json::render(&analysis.report).unwrap()).unwrap()
}

fn sample(name: &str) -> PathBuf {
    gardener_test::shared_dir()
        .join("samples")
        .join(name)
        .join("logs.json")
}

fn report(name: &str) -> Value {
    report_of(&sample(name).display().to_string())
}

fn config(server: &FakeGitHub) -> SyncConfig {
    let mut config = SyncConfig::new(TrackerSpec::GitHub {
        api_url: server.url.clone(),
        repo: "o/r".into(),
        token: Some("test-token".into()),
    });
    config.http = HttpConfig {
        max_attempts: 5,
        backoff_base: Duration::from_millis(20),
        max_wait: Duration::from_secs(3),
        timeout: Duration::from_secs(10),
        per_page: 100,
    };
    config
}

/// Root cause of the report and the symptoms whose `caused_by` chain leads to it.
fn cascade_of(report: &Value) -> (String, BTreeSet<String>) {
    let root = report["root_causes"][0].as_str().unwrap().to_string();
    let patterns = report["patterns"].as_array().unwrap();
    let parent = |id: &str| -> Option<String> {
        patterns
            .iter()
            .find(|p| p["id"] == id)
            .and_then(|p| p["caused_by"][0].as_str().map(str::to_string))
    };
    let mut symptoms = BTreeSet::new();
    for pattern in patterns.iter().filter(|p| p["role"] == "symptom") {
        let mut current = pattern["id"].as_str().unwrap().to_string();
        for _ in 0..patterns.len() {
            match parent(&current) {
                Some(next) => current = next,
                None => break,
            }
        }
        if current == root {
            symptoms.insert(pattern["id"].as_str().unwrap().to_string());
        }
    }
    (root, symptoms)
}

fn gardener_issues(server: &FakeGitHub) -> Vec<fake_github::FakeIssue> {
    server
        .issues()
        .into_iter()
        .filter(|i| i.body.contains("<!-- gardener:pattern="))
        .collect()
}

fn seed_unrelated(server: &FakeGitHub) {
    server.add_issue(
        "Update README badges",
        "The CI badge points at the old workflow.",
        true,
        &["docs"],
    );
    server.add_pull_request("Bump serde to 1.0.219");
    server.add_issue(
        "Redis connection timeout in worker pool",
        "Workers time out waiting for a Redis connection under load; the pool is too small.",
        true,
        &["bug"],
    );
    server.add_pull_request("Fix flaky CI job");
    server.add_issue("Dark mode for the dashboard", "", false, &["enhancement"]);
}

#[test]
fn module_cascade_apply_files_one_root_issue_with_symptoms_linked_and_a_second_apply_only_comments()
{
    let report = report("module-cascade");
    let (root, symptoms) = cascade_of(&report);
    assert!(symptoms.len() >= 3, "{symptoms:?}");
    let server = FakeGitHub::start();
    seed_unrelated(&server);
    // The first list call is rate limited (reset a second ahead), the second page answers 502
    // once, and the create lands but answers 502: none of it may cost a duplicate.
    server.fault("GET", "/repos/o/r/issues", 1, FaultKind::RateLimit);
    server.fault("GET", "/repositories/1/issues", 1, FaultKind::BadGateway);
    server.fault(
        "POST",
        "/repos/o/r/issues",
        1,
        FaultKind::BadGatewayAfterApplying,
    );
    let config = config(&server);

    let first = sync(&report, &config, Mode::Apply).unwrap();

    let filed = gardener_issues(&server);
    assert_eq!(
        filed.len(),
        1,
        "exactly one issue filed: {:?}",
        filed.iter().map(|i| &i.title).collect::<Vec<_>>()
    );
    assert_eq!(
        server.issues().len(),
        4,
        "three earlier issues and the new one"
    );
    let issue = &filed[0];
    assert!(
        issue.title.starts_with("GCP-new | P0 | "),
        "{}",
        issue.title
    );
    assert!(
        issue.title.contains("ModuleNotFoundError"),
        "{}",
        issue.title
    );
    for label in ["gardener", "bug", "deploy"] {
        assert!(
            issue.labels.iter().any(|l| l == label),
            "{label} in {:?}",
            issue.labels
        );
    }
    for id in std::iter::once(&root).chain(&symptoms) {
        assert!(
            issue
                .body
                .contains(&format!("<!-- gardener:pattern={id} -->")),
            "marker of {id}"
        );
    }
    assert!(issue.body.contains("### Cascade") && issue.body.contains("### Recommended actions"));
    assert!(issue.body.contains("### Sample entry"));
    let root_entry = first.entries.iter().find(|e| e.pattern == root).unwrap();
    assert_eq!(root_entry.action, Action::Create);
    assert_eq!(root_entry.issue, Some(issue.number));
    let linked: BTreeSet<String> = first
        .entries
        .iter()
        .filter(|e| e.action == Action::Link)
        .map(|e| {
            assert_eq!(e.issue, Some(issue.number));
            assert_eq!(e.root.as_deref(), Some(root.as_str()));
            e.pattern.clone()
        })
        .collect();
    assert_eq!(linked, symptoms);
    assert_eq!(first.counts.create, 1);
    assert_eq!(first.counts.update + first.counts.reopen, 0);
    assert_eq!(first.consolidation.existing, 0);
    assert!(
        first.notices.iter().any(|n| n.contains("rate limit")),
        "{:?}",
        first.notices
    );
    assert!(
        first.notices.iter().any(|n| n.contains("502")),
        "{:?}",
        first.notices
    );
    assert!(
        first
            .notices
            .iter()
            .any(|n| n.contains("checking the issues before any retry")),
        "{:?}",
        first.notices
    );
    assert!(
        first
            .issues
            .iter()
            .any(|l| l.pattern == root && l.number == issue.number && l.open)
    );
    // Pull requests never reach planning.
    let prs = [2, 4];
    assert!(
        first
            .entries
            .iter()
            .all(|e| e.issue.is_none_or(|n| !prs.contains(&n))
                && e.nearest.is_none_or(|n| !prs.contains(&n)))
    );

    let creates_before = server
        .requests()
        .iter()
        .filter(|r| *r == "POST /repos/o/r/issues")
        .count();
    let second = sync(&report, &config, Mode::Apply).unwrap();

    let creates_after = server
        .requests()
        .iter()
        .filter(|r| *r == "POST /repos/o/r/issues")
        .count();
    assert_eq!(
        creates_after, creates_before,
        "the second apply creates nothing"
    );
    assert_eq!(server.issues().len(), 4);
    let issue = server.issue(issue.number);
    assert_eq!(
        issue.comments.len(),
        1,
        "one comment for the one filed finding"
    );
    assert!(
        issue.comments[0].contains(&format!("**{} events**", root_entry.count)),
        "{}",
        issue.comments[0]
    );
    for id in &symptoms {
        assert!(
            issue.comments[0].contains(id.as_str()),
            "comment lists symptom {id}"
        );
    }
    let root_entry = second.entries.iter().find(|e| e.pattern == root).unwrap();
    assert_eq!(
        (root_entry.action, root_entry.matched_by),
        (Action::Update, Some(MatchKind::Marker))
    );
    assert_eq!(second.counts.create, 0);
    assert_eq!(second.counts.update, 1);
    assert_eq!(second.counts.link, symptoms.len() as u64);
    assert_eq!(second.consolidation.rate, Some(1.0));
    let status = gardener_tracker::processing_status_markdown(&second);
    assert!(status.contains("## Processing status"), "{status}");
    assert!(
        status.contains("Consolidation rate: **100.0 %**"),
        "{status}"
    );
}

#[test]
fn closed_root_issue_is_reopened_as_a_regression_by_a_later_window() {
    let server = FakeGitHub::start();
    let report = report("module-cascade");
    let (root, _) = cascade_of(&report);
    let config = config(&server);
    sync(&report, &config, Mode::Apply).unwrap();
    let number = gardener_issues(&server)[0].number;
    server.close(number);

    // A later window: the same incident an hour later (times shifted), after the issue was
    // closed as fixed.
    let later = shift_hours(&report, 1);
    let plan = sync(&later, &config, Mode::Plan).unwrap();
    let entry = plan.entries.iter().find(|e| e.pattern == root).unwrap();
    assert_eq!(entry.verdict(), format!("reopen #{number} (regression)"));
    assert!(!server.issue(number).open, "plan changes nothing");

    let applied = sync(&later, &config, Mode::Apply).unwrap();
    let issue = server.issue(number);
    assert!(issue.open);
    assert_eq!(issue.state_reason.as_deref(), Some("reopened"));
    assert!(
        issue.labels.iter().any(|l| l == "regression"),
        "{:?}",
        issue.labels
    );
    assert_eq!(issue.comments.len(), 1);
    assert!(
        issue.comments[0].starts_with("**Regression**"),
        "{}",
        issue.comments[0]
    );
    assert!(
        issue.comments[0].contains("2025-05-28T18:"),
        "the comment carries the later window"
    );
    assert_eq!(gardener_issues(&server).len(), 1, "no new issue");
    assert_eq!(applied.counts.reopen, 1);
    assert!(
        server
            .requests()
            .iter()
            .any(|r| r.starts_with(&format!("PATCH /repos/o/r/issues/{number}")))
    );
}

fn shift_hours(report: &Value, hours: u32) -> Value {
    let text = report.to_string();
    let mut shifted = String::with_capacity(text.len());
    let needle = "2025-05-28T";
    let mut rest = text.as_str();
    while let Some(at) = rest.find(needle) {
        let (before, after) = rest.split_at(at + needle.len());
        shifted.push_str(before);
        let hour: u32 = after[..2].parse().unwrap();
        shifted.push_str(&format!("{:02}", hour + hours));
        rest = &after[2..];
    }
    shifted.push_str(rest);
    serde_json::from_str(&shifted).unwrap()
}

#[test]
fn human_issue_with_a_different_title_is_matched_and_updated() {
    let server = FakeGitHub::start();
    let human = server.add_issue(
        "Database Connection Timeout Blocking Staging Startup",
        "Since this morning the staging backend does not come up. Startup hangs on the DB and \
         then times out; chat is unavailable for everyone on staging.",
        true,
        &["bug"],
    );
    let redis = server.add_issue(
        "Redis connection timeout in worker pool",
        "Workers time out waiting for a Redis connection under load; the pool is too small.",
        true,
        &["bug"],
    );
    server.add_pull_request("Raise the Cloud SQL connection timeout");
    let report = report("db-outage");
    let (root, symptoms) = cascade_of(&report);
    let config = config(&server);

    let outcome = sync(&report, &config, Mode::Apply).unwrap();

    let entry = outcome.entries.iter().find(|e| e.pattern == root).unwrap();
    assert_eq!(entry.action, Action::Update, "{}", entry.why);
    assert_eq!(entry.issue, Some(human));
    assert_eq!(entry.matched_by, Some(MatchKind::Similarity));
    assert!(entry.score.unwrap() >= config.match_threshold);
    assert!(entry.why.contains("≥ threshold"), "{}", entry.why);
    assert_eq!(outcome.counts.create, 0, "nothing new is filed");
    assert_eq!(
        gardener_issues(&server).len(),
        1,
        "only the person's issue now carries markers"
    );
    let updated = server.issue(human);
    assert_eq!(updated.comments.len(), 1);
    assert!(
        updated.body.starts_with("Since this morning"),
        "the person's text is kept"
    );
    assert!(
        updated
            .body
            .contains(&format!("<!-- gardener:pattern={root} -->"))
    );
    let untouched = server.issue(redis);
    assert!(untouched.comments.is_empty() && !untouched.body.contains("gardener:pattern"));
    assert!(
        outcome
            .entries
            .iter()
            .filter(|e| e.action == Action::Link)
            .all(|e| symptoms.contains(&e.pattern) && e.issue == Some(human))
    );

    // Next run: found by its marker now, not by similarity.
    let again = sync(&report, &config, Mode::Plan).unwrap();
    let entry = again.entries.iter().find(|e| e.pattern == root).unwrap();
    assert_eq!(
        (entry.matched_by, entry.issue),
        (Some(MatchKind::Marker), Some(human))
    );
}

/// Secrets planted in realistic log lines of the report (template, sample record, service
/// name, actions) plus one that only a user rule of gardener.toml catches.
const SECRETS: &[&str] = &[
    "ghp_4f9Qw2ZpLmX8rT6yUv3NcB7kD1sHjE0aGi5o",
    "AKIAIOSFODNN7EXAMPLE",
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    "hunter2-Sup3rS3cret",
    "sk_live_51HxYzAbCdEfGhIjKlMnOp",
    "oncall.person@example.com",
    "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7",
    "sessionid=9f8e7d6c5b4a39281706",
    "cust-4242-9911",
];

fn plant_secrets(report: &mut Value, root: &str) {
    let patterns = report["patterns"].as_array_mut().unwrap();
    let root = patterns.iter_mut().find(|p| p["id"] == root).unwrap();
    let template = root["template"].as_str().unwrap().to_string();
    root["template"] = Value::String(format!(
        "{template} (retry with token={} for oncall.person@example.com, customer cust-4242-9911)",
        SECRETS[0]
    ));
    root["samples"][0]["record"] = Value::String(format!(
        r#"{{"severity":"ERROR","jsonPayload":{{"message":"boto3 failed: AWS_ACCESS_KEY_ID={} Authorization: Bearer {} password={} stripe={}","cookie":"Cookie: {}","key":"-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----"}}}}"#,
        SECRETS[1], SECRETS[2], SECRETS[3], SECRETS[4], SECRETS[7], SECRETS[6]
    ));
    root["actions"][0] = Value::String(format!("Ask {} to rotate {}", SECRETS[5], SECRETS[1]));
}

fn assert_clean(what: &str, text: &str) {
    for secret in SECRETS {
        assert!(!text.contains(secret), "{what} leaks `{secret}`");
    }
}

#[test]
fn planted_secrets_never_leave_in_plan_issue_bodies_or_comments() {
    let mut report = report("module-cascade");
    let (root, _) = cascade_of(&report);
    plant_secrets(&mut report, &root);
    let dir = std::env::temp_dir().join(format!("gardener-issues-secrets-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let toml = dir.join("gardener.toml");
    std::fs::write(
        &toml,
        "[[rules]]\nmatch = \"x\"\ncategory = \"y\"\n\n[redact]\nrules = ['cust-\\d{4}-\\d{4}']\n",
    )
    .unwrap();
    let report_path = dir.join("report.json");
    std::fs::write(&report_path, report.to_string()).unwrap();

    // GitHub: create, then a second run that comments; every request body is checked.
    let server = FakeGitHub::start();
    let mut config = config(&server);
    config.apply_file(&toml).unwrap();
    sync(&report, &config, Mode::Apply).unwrap();
    let outcome = sync(&report, &config, Mode::Apply).unwrap();
    assert_eq!(outcome.counts.update, 1);
    let sent = server.request_bodies().join("\n");
    assert!(
        sent.contains("[REDACTED:"),
        "the planted secrets were there and were replaced"
    );
    assert!(sent.contains("[REDACTED:custom]"), "the user rule applied");
    assert_clean("requests to GitHub", &sent);
    let issue = &gardener_issues(&server)[0];
    assert_clean("issue title", &issue.title);
    assert_clean("issue body", &issue.body);
    assert_clean("comment", &issue.comments.join("\n"));

    // The command: plan files and stdout, offline tracker files.
    let tracker_dir = dir.join("tracker");
    let args = gardener_tracker::IssuesArgs {
        mode: Mode::Apply,
        report: Some(report_path),
        repo: None,
        tracker: format!("dir:{}", tracker_dir.display()),
        github_api_url: "https://api.github.com".into(),
        min_priority: None,
        match_threshold: None,
        config: Some(toml),
        out: dir.clone(),
    };
    let mut stdout = Vec::new();
    let outcome = gardener_tracker::run(&args, &mut stdout).unwrap();
    assert_eq!(outcome.counts.create, 1);
    assert_clean("stdout", &String::from_utf8(stdout).unwrap());
    for name in ["issues-plan.md", "issues-plan.json"] {
        assert_clean(name, &std::fs::read_to_string(dir.join(name)).unwrap());
    }
    let created = std::fs::read_to_string(tracker_dir.join(format!("create-{root}.md"))).unwrap();
    assert!(created.contains("[REDACTED:"));
    assert_clean("dir tracker file", &created);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn dir_tracker_reads_gh_issue_list_json_and_matches_by_marker() {
    let report = report("module-cascade");
    let (root, symptoms) = cascade_of(&report);
    let dir = std::env::temp_dir().join(format!("gardener-issues-dir-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // As `gh issue list --state all --json number,title,body,state,labels` prints it.
    let issues = serde_json::json!([
        {"number": 41, "title": "GCP-new | P0 | Middleware setup failure", "state": "OPEN",
         "body": format!("filed earlier\n<!-- gardener:pattern={root} -->\n"),
         "labels": [{"id": "LA_1", "name": "gardener", "description": "", "color": "ededed"}]},
        {"number": 40, "title": "Dark mode", "state": "CLOSED", "body": "", "labels": []}
    ]);
    std::fs::write(dir.join("issues.json"), issues.to_string()).unwrap();
    let mut config = SyncConfig::new(TrackerSpec::Dir(dir.clone()));
    config.labels = vec!["gardener".into()];
    let outcome = sync(&report, &config, Mode::Apply).unwrap();
    let entry = outcome.entries.iter().find(|e| e.pattern == root).unwrap();
    assert_eq!(entry.verdict(), "update #41");
    let comment = std::fs::read_to_string(dir.join("comment-41.md")).unwrap();
    assert!(symptoms.iter().all(|id| comment.contains(id.as_str())));
    let body = std::fs::read_to_string(dir.join("body-41.md")).unwrap();
    assert!(
        symptoms
            .iter()
            .all(|id| body.contains(&format!("<!-- gardener:pattern={id} -->")))
    );
    assert_eq!(outcome.consolidation.rate, Some(1.0));
    std::fs::remove_dir_all(&dir).unwrap();
}
