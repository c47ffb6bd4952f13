//! What `record_run` reports against the history, on real SQLite files in temporary folders.

#![allow(clippy::unwrap_used)] // helpers outside #[test] functions

mod common;

use common::{hour_run, id, pattern, sorted, ts};
use gardener_core::Severity;
use gardener_state::{
    PatternStatus, RateBasis, ResolveOutcome, ResolvedBy, RunRecord, StateOptions, StateStore,
};

const REFUSED: &str = "connection to <*> refused";
const SLOW: &str = "request <*> took <*> ms";
const STARTED: &str = "worker <*> started";
const OOM: &str = "container <*> killed: out of memory";

fn baseline(end: &str) -> RunRecord {
    hour_run(
        end,
        vec![
            pattern(REFUSED, Severity::Error, 40),
            pattern(SLOW, Severity::Warning, 300),
            pattern(STARTED, Severity::Info, 12),
        ],
    )
}

fn store_in(dir: &tempfile::TempDir) -> StateStore {
    StateStore::open(&dir.path().join(".gardener/state.db")).unwrap()
}

#[test]
fn first_run_reports_every_pattern_as_new_and_no_previous_run() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store_in(&dir);
    let changes = store.record_run(&baseline("2024-05-01T11:00:00Z")).unwrap();
    assert_eq!(changes.previous_run, None);
    assert_eq!(
        changes.new,
        sorted(vec![id(REFUSED), id(SLOW), id(STARTED)])
    );
    assert!(changes.gone.is_empty() && changes.changed.is_empty());
    assert_eq!(changes.run.id, 1);
    assert_eq!(changes.run.patterns, 3);
    assert_eq!(changes.run.events, 352);
}

#[test]
fn running_twice_on_the_same_input_reports_nothing_new() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store_in(&dir);
    let run = baseline("2024-05-01T11:00:00Z");
    store.record_run(&run).unwrap();
    let second = store.record_run(&run).unwrap();
    assert!(second.new.is_empty(), "{:?}", second.new);
    assert!(second.gone.is_empty());
    assert!(second.returned.is_empty());
    assert!(second.changed.is_empty());
    assert!(second.regressed.is_empty());
    assert_eq!(second.previous_run.unwrap().id, 1);
    assert_eq!(second.run.id, 2);
}

#[test]
fn a_later_window_with_one_new_error_pattern_reports_exactly_that_one() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store_in(&dir);
    store.record_run(&baseline("2024-05-01T11:00:00Z")).unwrap();
    let mut later = baseline("2024-05-01T12:00:00Z");
    later.patterns.push(pattern(OOM, Severity::Critical, 3));
    let changes = store.record_run(&later).unwrap();
    assert_eq!(changes.new, vec![id(OOM)]);
    assert!(changes.gone.is_empty() && changes.changed.is_empty());
}

#[test]
fn history_survives_closing_and_reopening_the_file() {
    let dir = tempfile::tempdir().unwrap();
    store_in(&dir)
        .record_run(&baseline("2024-05-01T11:00:00Z"))
        .unwrap();
    let changes = store_in(&dir)
        .record_run(&baseline("2024-05-01T12:00:00Z"))
        .unwrap();
    assert!(changes.new.is_empty());
    assert_eq!(store_in(&dir).runs().unwrap().len(), 2);
}

#[test]
fn a_resolved_pattern_that_returns_is_a_regression_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store_in(&dir);
    let mut first = baseline("2024-05-01T11:00:00Z");
    first.patterns.push(pattern(OOM, Severity::Critical, 3));
    store.record_run(&first).unwrap();
    let resolved_at = ts("2024-05-01T11:30:00Z");
    let outcome = store
        .resolve_at(
            id(OOM),
            ResolvedBy::Person {
                note: Some("raised the memory limit".into()),
            },
            resolved_at,
        )
        .unwrap();
    assert_eq!(outcome, ResolveOutcome::Resolved);

    // Quiet hour: the OOM is gone, and being resolved it is no regression.
    let quiet = store.record_run(&baseline("2024-05-01T12:00:00Z")).unwrap();
    assert_eq!(
        quiet.gone.iter().map(|g| g.id).collect::<Vec<_>>(),
        vec![id(OOM)]
    );
    assert!(quiet.regressed.is_empty());

    // It comes back.
    let mut back = baseline("2024-05-01T13:00:00Z");
    back.patterns.push(pattern(OOM, Severity::Critical, 5));
    let changes = store.record_run(&back).unwrap();
    assert_eq!(changes.regressed.len(), 1);
    let regression = &changes.regressed[0];
    assert_eq!(regression.id, id(OOM));
    assert_eq!(regression.count, 5);
    assert_eq!(regression.resolved_at, resolved_at);
    assert_eq!(
        regression.resolved_by,
        ResolvedBy::Person {
            note: Some("raised the memory limit".into())
        }
    );
    // A regression is neither new nor merely returned.
    assert!(changes.new.is_empty() && changes.returned.is_empty());

    let state = store.pattern(id(OOM)).unwrap().unwrap();
    assert_eq!(state.status, PatternStatus::Open);
    assert_eq!(state.regressed_at, Some(ts("2024-05-01T13:00:00Z")));

    // Flipped back to open: the next run does not report it again.
    let mut again = baseline("2024-05-01T14:00:00Z");
    again.patterns.push(pattern(OOM, Severity::Critical, 5));
    assert!(store.record_run(&again).unwrap().regressed.is_empty());
}

#[test]
fn a_closed_tracker_issue_resolves_and_the_regression_names_the_issue() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store_in(&dir);
    store.record_run(&baseline("2024-05-01T11:00:00Z")).unwrap();
    store.set_issue(id(REFUSED), 77, true).unwrap();
    assert_eq!(
        store.pattern(id(REFUSED)).unwrap().unwrap().status,
        PatternStatus::Open,
        "an open issue leaves the status alone"
    );
    store.set_issue(id(REFUSED), 77, false).unwrap();
    assert_eq!(store.issue_of(id(REFUSED)).unwrap(), Some((77, false)));
    let state = store.pattern(id(REFUSED)).unwrap().unwrap();
    assert!(matches!(
        state.status,
        PatternStatus::Resolved {
            by: ResolvedBy::TrackerIssue { number: 77 },
            ..
        }
    ));
    assert_eq!(state.issue, Some((77, false)));

    let changes = store.record_run(&baseline("2024-05-01T12:00:00Z")).unwrap();
    assert_eq!(changes.regressed.len(), 1);
    assert_eq!(changes.regressed[0].issue, Some(77));

    // Syncing the same, still closed, issue again must not re-resolve the regressed pattern.
    store.set_issue(id(REFUSED), 77, false).unwrap();
    assert_eq!(
        store.pattern(id(REFUSED)).unwrap().unwrap().status,
        PatternStatus::Open
    );
}

#[test]
fn resolve_tells_unknown_and_already_resolved_apart() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store_in(&dir);
    store.record_run(&baseline("2024-05-01T11:00:00Z")).unwrap();
    let person = || ResolvedBy::Person { note: None };
    assert_eq!(
        store.resolve(id("never seen <*>"), person()).unwrap(),
        ResolveOutcome::Unknown
    );
    assert_eq!(store.pattern(id("never seen <*>")).unwrap(), None);
    let first_at = ts("2024-05-01T11:10:00Z");
    assert_eq!(
        store.resolve_at(id(SLOW), person(), first_at).unwrap(),
        ResolveOutcome::Resolved
    );
    assert_eq!(
        store
            .resolve_at(id(SLOW), person(), ts("2024-05-01T11:20:00Z"))
            .unwrap(),
        ResolveOutcome::AlreadyResolved
    );
    assert!(matches!(
        store.pattern(id(SLOW)).unwrap().unwrap().status,
        PatternStatus::Resolved { at, .. } if at == first_at
    ));
}

#[test]
fn a_pattern_absent_for_a_run_is_reported_gone_then_returned() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store_in(&dir);
    store.record_run(&baseline("2024-05-01T11:00:00Z")).unwrap();
    let without_started = hour_run(
        "2024-05-01T12:00:00Z",
        vec![
            pattern(REFUSED, Severity::Error, 40),
            pattern(SLOW, Severity::Warning, 300),
        ],
    );
    let gone = store.record_run(&without_started).unwrap();
    assert_eq!(gone.gone.len(), 1);
    assert_eq!(gone.gone[0].id, id(STARTED));
    assert_eq!(gone.gone[0].template, STARTED);
    assert_eq!(gone.gone[0].severity, Severity::Info);
    assert_eq!(gone.gone[0].previous_count, 12);

    let back = store.record_run(&baseline("2024-05-01T13:00:00Z")).unwrap();
    assert!(back.new.is_empty(), "seen before, so not new");
    assert_eq!(back.returned.len(), 1);
    assert_eq!(back.returned[0].id, id(STARTED));
    assert_eq!(back.returned[0].last_run, 1);
    assert_eq!(back.returned[0].last_count, 12);
}

#[test]
fn a_tenfold_spike_is_a_rate_change_and_jitter_is_not() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store_in(&dir);
    store.record_run(&baseline("2024-05-01T11:00:00Z")).unwrap();
    let spike = hour_run(
        "2024-05-01T12:00:00Z",
        vec![
            pattern(REFUSED, Severity::Error, 400), // 40 → 400: ten times
            pattern(SLOW, Severity::Warning, 330),  // 300 → 330: jitter
            pattern(STARTED, Severity::Info, 30),   // 12 → 30: 2.5×, but z = 18/sqrt(13) ≈ 5.0
        ],
    );
    let changes = store.record_run(&spike).unwrap();
    let ids: Vec<_> = changes.changed.iter().map(|c| c.id).collect();
    assert_eq!(ids, sorted(vec![id(REFUSED), id(STARTED)]));
    let refused = changes
        .changed
        .iter()
        .find(|c| c.id == id(REFUSED))
        .unwrap();
    assert_eq!(refused.basis, RateBasis::PerHour);
    assert!((refused.before_per_hour - 40.0).abs() < 1e-9);
    assert!((refused.now_per_hour - 400.0).abs() < 1e-9);
    assert!((refused.ratio - 10.0).abs() < 1e-9);
    assert!((refused.z - 360.0 / 41f64.sqrt()).abs() < 1e-9);
}

#[test]
fn the_same_count_over_a_longer_window_is_a_drop_in_rate() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store_in(&dir);
    store.record_run(&baseline("2024-05-01T11:00:00Z")).unwrap();
    let mut day = baseline("2024-05-02T11:00:00Z");
    day.window_start = Some(ts("2024-05-01T11:00:00Z")); // 24 hours, same counts
    let changes = store.record_run(&day).unwrap();
    let slow = changes.changed.iter().find(|c| c.id == id(SLOW)).unwrap();
    assert!((slow.now_per_hour - 12.5).abs() < 1e-9);
    assert!(slow.z < -3.0);
}

#[test]
fn duplicate_ids_are_merged_and_zero_counts_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store_in(&dir);
    let mut run = hour_run(
        "2024-05-01T11:00:00Z",
        vec![
            pattern(REFUSED, Severity::Warning, 10),
            pattern(REFUSED, Severity::Error, 5),
            pattern(STARTED, Severity::Info, 0),
        ],
    );
    run.patterns[0].first_seen = Some(ts("2024-05-01T10:20:00Z"));
    run.patterns[1].first_seen = Some(ts("2024-05-01T10:05:00Z"));
    run.patterns[1].last_seen = Some(ts("2024-05-01T10:50:00Z"));
    let changes = store.record_run(&run).unwrap();
    assert_eq!(changes.new, vec![id(REFUSED)]);
    let state = store.pattern(id(REFUSED)).unwrap().unwrap();
    assert_eq!(state.last_count, 15);
    assert_eq!(state.severity, Severity::Error);
    assert_eq!(state.first_seen, Some(ts("2024-05-01T10:05:00Z")));
    assert_eq!(state.last_seen, Some(ts("2024-05-01T10:50:00Z")));
    assert_eq!(store.pattern(id(STARTED)).unwrap(), None);
}

#[test]
fn pattern_state_tracks_runs_and_sightings_across_runs() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store_in(&dir);
    let mut first = baseline("2024-05-01T11:00:00Z");
    first.patterns[0].first_seen = Some(ts("2024-05-01T10:01:00Z"));
    first.patterns[0].last_seen = Some(ts("2024-05-01T10:59:00Z"));
    store.record_run(&first).unwrap();
    let mut second = baseline("2024-05-01T12:00:00Z");
    second.patterns[0].count = 41;
    second.patterns[0].first_seen = Some(ts("2024-05-01T11:03:00Z"));
    second.patterns[0].last_seen = Some(ts("2024-05-01T11:58:00Z"));
    store.record_run(&second).unwrap();
    let state = store.pattern(id(REFUSED)).unwrap().unwrap();
    assert_eq!(
        (state.first_run, state.last_run, state.runs_seen),
        (1, 2, 2)
    );
    assert_eq!(state.last_count, 41);
    assert_eq!(state.first_seen, Some(ts("2024-05-01T10:01:00Z")));
    assert_eq!(state.last_seen, Some(ts("2024-05-01T11:58:00Z")));
    assert_eq!(state.template, REFUSED);
    assert_eq!(store.history(id(REFUSED)).unwrap(), vec![(1, 40), (2, 41)]);
    let all: Vec<_> = store.patterns().unwrap().iter().map(|p| p.id).collect();
    assert_eq!(all, sorted(vec![id(REFUSED), id(SLOW), id(STARTED)]));
}

#[test]
fn ids_with_the_top_bit_set_round_trip_and_sort_as_unsigned() {
    use gardener_core::PatternId;
    let dir = tempfile::tempdir().unwrap();
    let mut store = store_in(&dir);
    let high = PatternId::from_u64(u64::MAX - 1);
    let low = PatternId::from_u64(1);
    let mut run = hour_run("2024-05-01T11:00:00Z", vec![]);
    for (pid, template) in [(high, "high"), (low, "low")] {
        let mut record = pattern(template, Severity::Error, 1);
        record.id = pid;
        run.patterns.push(record);
    }
    let changes = store.record_run(&run).unwrap();
    assert_eq!(changes.new, vec![low, high]);
    assert_eq!(store.pattern(high).unwrap().unwrap().template, "high");
    let listed: Vec<_> = store.patterns().unwrap().iter().map(|p| p.id).collect();
    assert_eq!(listed, vec![low, high]);
}

#[test]
fn runs_are_listed_oldest_first_with_inputs_and_windows() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store_in(&dir);
    let mut no_times = baseline("2024-05-01T11:00:00Z");
    no_times.window_start = None;
    no_times.window_end = None;
    no_times.inputs = vec!["a.log".into(), "-".into(), "b.json.gz".into()];
    store.record_run(&baseline("2024-05-01T10:00:00Z")).unwrap();
    store.record_run(&no_times).unwrap();
    let runs = store.runs().unwrap();
    assert_eq!(runs.iter().map(|r| r.id).collect::<Vec<_>>(), vec![1, 2]);
    assert_eq!(runs[0].window_start, Some(ts("2024-05-01T09:00:00Z")));
    assert_eq!(runs[1].window_start, None);
    assert_eq!(runs[1].inputs, vec!["a.log", "-", "b.json.gz"]);
    assert_eq!(runs[1].generated_at, ts("2024-05-01T11:00:00Z"));
}

#[test]
fn per_pattern_counts_are_kept_for_the_newest_runs_only() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    let options = StateOptions {
        keep_runs: 3,
        ..StateOptions::default()
    };
    let mut store = StateStore::open_with(&path, options).unwrap();
    for hour in 10..15 {
        let end = format!("2024-05-01T{hour}:00:00Z");
        store.record_run(&baseline(&end)).unwrap();
    }
    // Every run keeps its summary; only the newest three keep per-pattern counts.
    assert_eq!(store.runs().unwrap().len(), 5);
    let kept: Vec<u64> = store
        .history(id(REFUSED))
        .unwrap()
        .iter()
        .map(|(run, _)| *run)
        .collect();
    assert_eq!(kept, vec![3, 4, 5]);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let rows: i64 = conn
        .query_row("SELECT count(*) FROM run_patterns", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows, 3 * 3);
}

#[test]
fn ids_are_found_by_an_abbreviated_prefix() {
    use gardener_core::PatternId;
    let dir = tempfile::tempdir().unwrap();
    let mut store = store_in(&dir);
    let mut run = hour_run("2024-05-01T11:00:00Z", vec![]);
    for (raw, template) in [
        (0xabcd_0000_0000_0001, "one"),
        (0xabcd_0000_0000_0002, "two"),
        (0xabce_0000_0000_0003, "three"),
    ] {
        let mut record = pattern(template, Severity::Error, 1);
        record.id = PatternId::from_u64(raw);
        run.patterns.push(record);
    }
    store.record_run(&run).unwrap();
    assert_eq!(
        store.ids_with_prefix("ABCD").unwrap(),
        vec![
            PatternId::from_u64(0xabcd_0000_0000_0001),
            PatternId::from_u64(0xabcd_0000_0000_0002)
        ]
    );
    assert_eq!(
        store.ids_with_prefix("abce").unwrap(),
        vec![PatternId::from_u64(0xabce_0000_0000_0003)]
    );
    assert!(store.ids_with_prefix("0").unwrap().is_empty());
}
