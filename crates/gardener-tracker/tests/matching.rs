//! Matching findings to issues written by people: the seed example of issue 5 and realistic
//! near-misses that must not match. Templates and categories are those `gardener analyze`
//! gives for the shared `db-outage` and `module-cascade` incidents.

#![allow(clippy::unwrap_used)]

use gardener_tracker::plan::{self, Action, MatchKind};
use gardener_tracker::{Issue, ReportView, SyncConfig, TrackerSpec};
use serde_json::json;

fn finding(id: &str, template: &str, category: &str) -> serde_json::Value {
    json!({"id": id, "template": template, "category": category, "priority": "P1", "role": "independent", "count": 10})
}

fn issue(number: u64, title: &str, body: &str) -> Issue {
    Issue {
        number,
        title: title.into(),
        body: body.into(),
        open: true,
        labels: Vec::new(),
    }
}

fn decide(findings: Vec<serde_json::Value>, issues: &[Issue]) -> Vec<plan::Entry> {
    let report: ReportView =
        serde_json::from_value(json!({"window": {}, "patterns": findings})).unwrap();
    let config = SyncConfig::new(TrackerSpec::Dir("unused".into()));
    plan::build(&report, issues, &config, &|text: &str| text.to_string()).entries
}

const DB_INIT: &str = "Database initialization timeout after <*> in staging environment";
const REDIS_POOL: &str = "Redis pool: <*>/<*> connections in use";
const WS_CONNECTED: &str = "WebSocket connected: user=<*> connection_id=<*>";

fn people() -> Vec<Issue> {
    vec![
        issue(
            11,
            "Database Connection Timeout Blocking Staging Startup",
            "",
        ),
        issue(
            12,
            "Redis connection timeout in worker pool",
            "Workers time out waiting for a Redis connection under load; the pool is too small.",
        ),
        issue(
            13,
            "Staging deploy blocked: database migrations fail",
            "alembic upgrade head fails on the new column",
        ),
        issue(
            14,
            "ClickHouse connection timeout on analytics queries",
            "Dashboards time out; ClickHouse HTTP connection times out after 30s.",
        ),
        issue(
            15,
            "Websocket disconnects for users in EU",
            "Users report chat websocket disconnecting every few minutes.",
        ),
    ]
}

#[test]
fn database_initialisation_timeout_is_caught_by_the_seed_issue() {
    let entries = decide(
        vec![finding(
            "b07be4c9816b386e",
            DB_INIT,
            "database connectivity",
        )],
        &people(),
    );
    let entry = &entries[0];
    assert_eq!(
        (entry.action, entry.issue, entry.matched_by),
        (Action::Update, Some(11), Some(MatchKind::Similarity)),
        "{}",
        entry.why
    );
    assert!(entry.score.unwrap() >= entry.threshold.unwrap());
}

#[test]
fn database_finding_is_not_caught_by_redis_clickhouse_or_migration_issues() {
    let others: Vec<Issue> = people().into_iter().filter(|i| i.number != 11).collect();
    let entries = decide(
        vec![finding(
            "b07be4c9816b386e",
            DB_INIT,
            "database connectivity",
        )],
        &others,
    );
    let entry = &entries[0];
    assert_eq!(entry.action, Action::Create, "{}", entry.why);
    assert!(entry.score.unwrap() < entry.threshold.unwrap());
}

#[test]
fn redis_pool_finding_goes_to_the_redis_issue_not_the_database_one() {
    let entries = decide(
        vec![finding(
            "9f3b1b09fc19f284",
            REDIS_POOL,
            "database connectivity",
        )],
        &people(),
    );
    assert_eq!(
        (entries[0].action, entries[0].issue),
        (Action::Update, Some(12)),
        "{}",
        entries[0].why
    );
}

#[test]
fn websocket_connected_is_not_a_websocket_disconnect_issue() {
    let entries = decide(
        vec![finding("de1e3e01987b7ae2", WS_CONNECTED, "uncategorised")],
        &people(),
    );
    assert_eq!(entries[0].action, Action::Create, "{}", entries[0].why);
}

#[test]
fn issues_with_gardener_markers_or_closed_are_not_similarity_candidates() {
    let mut issues = people();
    issues[0].body = "<!-- gardener:pattern=0000000000000001 -->".into();
    issues.push(Issue {
        open: false,
        ..issue(16, "Database initialisation timeout in staging", "")
    });
    let entries = decide(
        vec![finding(
            "b07be4c9816b386e",
            DB_INIT,
            "database connectivity",
        )],
        &issues,
    );
    assert_eq!(entries[0].action, Action::Create, "{}", entries[0].why);
}
