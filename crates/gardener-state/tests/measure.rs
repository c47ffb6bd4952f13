//! Measurements, not checks of behaviour: ignored by default. Run with
//! `cargo test --release -p gardener-state --test measure -- --ignored --nocapture`.

#![allow(clippy::unwrap_used, clippy::print_stdout)] // helpers outside #[test] functions

mod common;

use std::time::Instant;

use common::{hour_run, pattern};
use gardener_core::Severity;
use gardener_state::{RunRecord, StateStore};

/// `size` patterns; every tenth one is new in each run, the rest recur.
fn run_of(size: usize, run: usize, hour: usize) -> RunRecord {
    let patterns = (0..size)
        .map(|k| {
            let generation = if k % 10 == 0 { run } else { 0 };
            pattern(
                &format!("service {k} step {generation} failed: <*>"),
                Severity::Error,
                (k % 97) as u64 + 1,
            )
        })
        .collect();
    hour_run(
        &format!("2024-05-{:02}T{:02}:00:00Z", 1 + hour / 24, hour % 24),
        patterns,
    )
}

#[test]
#[ignore = "measurement; run by hand in release mode"]
fn measure_record_run_and_file_size() {
    for size in [100, 1_000, 10_000] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.db");
        let mut store = StateStore::open(&path).unwrap();
        let runs = 120;
        let mut times = Vec::with_capacity(runs);
        for run in 0..runs {
            let record = run_of(size, run, run);
            let started = Instant::now();
            let changes = store.record_run(&record).unwrap();
            times.push(started.elapsed().as_secs_f64() * 1000.0);
            if run > 0 {
                assert_eq!(changes.new.len(), size / 10);
            }
        }
        times.sort_by(f64::total_cmp);
        drop(store);
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
            .unwrap();
        drop(conn);
        let bytes = std::fs::metadata(&path).unwrap().len();
        println!(
            "patterns/run {size:>6}: record_run median {:.1} ms, p95 {:.1} ms, max {:.1} ms; \
             file after {runs} runs (100 kept): {:.1} MiB",
            times[runs / 2],
            times[runs * 95 / 100],
            times[runs - 1],
            bytes as f64 / 1024.0 / 1024.0
        );
    }
}
