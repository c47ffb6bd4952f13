//! Several writers on one state file: threads with their own connections, and child processes
//! (this test binary started again as a writer). Nothing may be corrupted or lost, and every
//! run must be compared against exactly the run recorded before it.

#![allow(clippy::unwrap_used)] // helpers outside #[test] functions

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Barrier};
use std::thread;

use common::{hour_run, id, pattern};
use gardener_core::Severity;
use gardener_state::{Changes, RunRecord, StateStore};

const SHARED: &str = "upstream <*> returned 503";
const CHILD_PATH: &str = "GARDENER_STATE_TEST_CHILD_PATH";
const CHILD_WRITER: &str = "GARDENER_STATE_TEST_CHILD_WRITER";
const CHILD_RUNS: &str = "GARDENER_STATE_TEST_CHILD_RUNS";
const CHILD_LINE: &str = "gardener-state-child";

/// Run `run` of writer `writer`: the shared pattern, the writer's own heartbeat, and one
/// pattern unique to this run. 1 + 2 + 3 = 6 events.
fn writer_run(writer: usize, run: usize) -> RunRecord {
    let end = format!("2024-05-01T{:02}:{:02}:00Z", 10 + writer % 10, run % 60);
    hour_run(
        &end,
        vec![
            pattern(SHARED, Severity::Error, 1),
            pattern(&format!("writer {writer} heartbeat <*>"), Severity::Info, 2),
            pattern(
                &format!("writer {writer} run {run} failed"),
                Severity::Warning,
                3,
            ),
        ],
    )
}

/// A run of 2,000 patterns, half of them new in each run.
fn big_run(run: usize) -> RunRecord {
    let patterns = (0..2000)
        .map(|k| {
            let generation = if k % 2 == 0 { 0 } else { run };
            pattern(
                &format!("job {k} generation {generation} failed with <*>"),
                Severity::Error,
                k as u64 + 1,
            )
        })
        .collect();
    hour_run("2024-05-01T12:00:00Z", patterns)
}

/// What one recorded run told its writer, reduced to what the checks need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Seen {
    run: u64,
    previous: u64,
    shared_new: bool,
    unique_new: bool,
}

fn seen(changes: &Changes, writer: usize, run: usize) -> Seen {
    let unique = id(&format!("writer {writer} run {run} failed"));
    Seen {
        run: changes.run.id,
        previous: changes.previous_run.as_ref().map_or(0, |p| p.id),
        shared_new: changes.new.contains(&id(SHARED)),
        unique_new: changes.new.contains(&unique),
    }
}

fn write_runs(path: &Path, writer: usize, runs: usize) -> Vec<Seen> {
    let mut store = StateStore::open(path).unwrap();
    (0..runs)
        .map(|run| {
            seen(
                &store.record_run(&writer_run(writer, run)).unwrap(),
                writer,
                run,
            )
        })
        .collect()
}

/// The checks every concurrent scenario must pass once all writers are done.
fn check_history(path: &Path, seen: &[Seen], writers: usize, runs_each: usize) {
    let total = writers * runs_each;
    let conn = rusqlite::Connection::open(path).unwrap();
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");

    let store = StateStore::open(path).unwrap();
    let runs = store.runs().unwrap();
    assert_eq!(runs.len(), total, "every run is present");
    let ids: Vec<u64> = runs.iter().map(|r| r.id).collect();
    assert_eq!(ids, (1..=total as u64).collect::<Vec<_>>());
    assert!(runs.iter().all(|r| r.events == 6 && r.patterns == 3));

    // Serialised: each run was compared against exactly the run recorded before it.
    let mut by_run: BTreeMap<u64, Seen> = BTreeMap::new();
    for s in seen {
        assert!(by_run.insert(s.run, *s).is_none(), "run id {} twice", s.run);
    }
    assert_eq!(by_run.len(), total);
    for (run, s) in &by_run {
        assert_eq!(
            s.previous,
            run - 1,
            "run {run} compared against {}",
            s.previous
        );
        assert!(s.unique_new, "run {run}: its own pattern must be new");
    }
    // The pattern every writer records is new exactly once, whoever won the race.
    assert_eq!(seen.iter().filter(|s| s.shared_new).count(), 1);
    let shared = store.pattern(id(SHARED)).unwrap().unwrap();
    assert_eq!(shared.runs_seen, total as u64);
    for writer in 0..writers {
        let heartbeat = store
            .pattern(id(&format!("writer {writer} heartbeat <*>")))
            .unwrap()
            .unwrap();
        assert_eq!(heartbeat.runs_seen, runs_each as u64);
    }
    assert_eq!(store.patterns().unwrap().len(), 1 + writers + total);
}

#[test]
fn threads_with_their_own_stores_on_one_fresh_file_lose_nothing() {
    const WRITERS: usize = 8;
    const RUNS: usize = 25;
    let dir = tempfile::tempdir().unwrap();
    let path = Arc::new(dir.path().join(".gardener/state.db"));
    // All writers open the not yet existing file at the same moment.
    let barrier = Arc::new(Barrier::new(WRITERS));
    let handles: Vec<_> = (0..WRITERS)
        .map(|writer| {
            let (path, barrier) = (Arc::clone(&path), Arc::clone(&barrier));
            thread::spawn(move || {
                barrier.wait();
                write_runs(&path, writer, RUNS)
            })
        })
        .collect();
    let seen: Vec<Seen> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    check_history(&path, &seen, WRITERS, RUNS);
}

#[test]
fn child_processes_and_threads_on_one_file_lose_nothing() {
    const CHILDREN: usize = 4;
    const THREADS: usize = 2;
    const RUNS: usize = 20;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = (0..CHILDREN)
        .map(|writer| {
            Command::new(&exe)
                .args([
                    "child_writer_process",
                    "--exact",
                    "--ignored",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .env(CHILD_PATH, &path)
                .env(CHILD_WRITER, writer.to_string())
                .env(CHILD_RUNS, RUNS.to_string())
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    // Children wait for the end of their stdin, so closing it starts them all at once.
    let mut children = children;
    for child in &mut children {
        drop(child.stdin.take());
    }
    let threads: Vec<_> = (CHILDREN..CHILDREN + THREADS)
        .map(|writer| {
            let path = path.clone();
            thread::spawn(move || write_runs(&path, writer, RUNS))
        })
        .collect();
    let mut seen: Vec<Seen> = threads
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    for child in children {
        let output = child.wait_with_output().unwrap();
        let stdout = String::from_utf8(output.stdout).unwrap();
        assert!(
            output.status.success(),
            "child failed: {stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let lines: Vec<Seen> = stdout
            .lines()
            .filter_map(|line| {
                // libtest may print `test child_writer_process ... ` before the first line.
                line.find(CHILD_LINE)
                    .map(|at| &line[at + CHILD_LINE.len()..])
            })
            .map(|rest| {
                let fields: Vec<u64> = rest
                    .split_whitespace()
                    .map(|n| n.parse().unwrap())
                    .collect();
                Seen {
                    run: fields[0],
                    previous: fields[1],
                    shared_new: fields[2] == 1,
                    unique_new: fields[3] == 1,
                }
            })
            .collect();
        assert_eq!(lines.len(), RUNS, "child output: {stdout}");
        seen.extend(lines);
    }
    check_history(&path, &seen, CHILDREN + THREADS, RUNS);
}

/// Not a test on its own: `child_processes_and_threads_on_one_file_lose_nothing` starts this
/// binary again with `--ignored --exact child_writer_process` and the environment variables
/// below, and this function then acts as one writer process, printing one line per run. It
/// starts writing when its stdin is closed.
#[test]
#[ignore = "run as a child process by child_processes_and_threads_on_one_file_lose_nothing"]
fn child_writer_process() {
    let Ok(path) = std::env::var(CHILD_PATH) else {
        return;
    };
    let writer: usize = std::env::var(CHILD_WRITER).unwrap().parse().unwrap();
    let runs: usize = std::env::var(CHILD_RUNS).unwrap().parse().unwrap();
    std::io::Read::read_to_end(&mut std::io::stdin(), &mut Vec::new()).unwrap();
    if runs == 0 {
        // Endless mode, until the parent kills this process: big runs, so that the kill is
        // likely to land inside a transaction.
        let mut store = StateStore::open(Path::new(&path)).unwrap();
        for run in 0.. {
            let changes = store.record_run(&big_run(run)).unwrap();
            println!("{CHILD_LINE} {}", changes.run.id);
        }
    }
    for s in write_runs(Path::new(&path), writer, runs) {
        println!(
            "{CHILD_LINE} {} {} {} {}",
            s.run,
            s.previous,
            u8::from(s.shared_new),
            u8::from(s.unique_new)
        );
    }
}

#[test]
fn a_writer_killed_mid_run_leaves_no_half_written_run() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    let exe = std::env::current_exe().unwrap();
    let mut child = Command::new(&exe)
        .args([
            "child_writer_process",
            "--exact",
            "--ignored",
            "--nocapture",
        ])
        .env(CHILD_PATH, &path)
        .env(CHILD_WRITER, "0")
        .env(CHILD_RUNS, "0")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait until three runs are committed, then kill the writer (by its pid) during a later one.
    let stdout = child.stdout.take().unwrap();
    let mut committed = 0;
    for line in std::io::BufRead::lines(std::io::BufReader::new(stdout)) {
        if line.unwrap().contains(CHILD_LINE) {
            committed += 1;
            if committed == 3 {
                break;
            }
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();

    let conn = rusqlite::Connection::open(&path).unwrap();
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");
    let store = StateStore::open(&path).unwrap();
    let runs = store.runs().unwrap();
    assert!(runs.len() >= 3, "committed runs are kept: {}", runs.len());
    for run in &runs {
        let rows: i64 = conn
            .query_row(
                "SELECT count(*) FROM run_patterns WHERE run_id = ?1",
                [i64::try_from(run.id).unwrap()],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(rows, 2000, "run {} is complete", run.id);
        assert_eq!(run.patterns, 2000);
    }
    // And the file takes the next run as usual.
    let mut store = store;
    let changes = store.record_run(&big_run(1_000_000)).unwrap();
    assert_eq!(changes.previous_run.unwrap().id, runs.len() as u64);
    assert_eq!(changes.new.len(), 1000);
}
