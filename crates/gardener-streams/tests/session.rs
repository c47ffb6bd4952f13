//! Session mode: a short window with a producer and consumers running during it.

#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use common::{collect, conn, findings, group_create, read_group, stream, xadd};
use gardener_streams::evaluate::GroupStatus;
use gardener_streams::{FindingKind, Status};
use gardener_test::RedisServer;

/// Sets up the streams, then runs a 2 s session (samples every 200 ms) while a traffic thread
/// ticks every 50 ms:
/// - `fast`: 1 XADD, group `g` reads everything with `>` (keeps up);
/// - `slow`: 3 XADDs, group `g` reads 1 (moves, but lag only grows: WARN);
/// - `stuck`: 1 XADD, group `g` consumer re-reads its own history with id `0`, so it is active
///   but the cursor never moves (STALL);
/// - `stopped`: 1 XADD, group `h` read once before the window and never again (STOP);
/// - `capped`: 2 XADDs with MAXLEN 5, group `g` never reads (trimmed before read during the
///   window);
/// - `temp`: deleted halfway through (vanished).
#[test]
fn session_shows_ok_warn_stall_and_stop_over_the_window() {
    let server = RedisServer::start();
    let url = server.url();
    let mut c = conn(&url);
    for key in ["fast", "slow", "stuck", "stopped"] {
        for _ in 0..5 {
            xadd(&mut c, key, None, "*");
        }
    }
    group_create(&mut c, "fast", "g", "0");
    group_create(&mut c, "slow", "g", "0");
    group_create(&mut c, "stuck", "g", "0");
    group_create(&mut c, "stopped", "h", "0");
    assert_eq!(read_group(&mut c, "fast", "g", "c1", 100, ">"), 5);
    assert_eq!(read_group(&mut c, "stuck", "g", "c1", 2, ">"), 2);
    assert_eq!(read_group(&mut c, "stopped", "h", "s1", 1, ">"), 1);
    group_create(&mut c, "capped", "g", "$");
    xadd(&mut c, "capped", Some(5), "*");
    assert_eq!(read_group(&mut c, "capped", "g", "c1", 1, ">"), 1);
    for _ in 0..5 {
        xadd(&mut c, "capped", Some(5), "*");
    }
    xadd(&mut c, "temp", None, "*");
    // The stopped consumer's last read must be older than the window's start.
    std::thread::sleep(Duration::from_millis(50));

    let running = Arc::new(AtomicBool::new(true));
    let traffic = {
        let running = Arc::clone(&running);
        let url = url.clone();
        std::thread::spawn(move || {
            let mut c = conn(&url);
            let mut tick = 0;
            while running.load(Ordering::Relaxed) {
                xadd(&mut c, "fast", None, "*");
                read_group(&mut c, "fast", "g", "c1", 100, ">");
                for _ in 0..3 {
                    xadd(&mut c, "slow", None, "*");
                }
                read_group(&mut c, "slow", "g", "c1", 1, ">");
                xadd(&mut c, "stuck", None, "*");
                read_group(&mut c, "stuck", "g", "c1", 100, "0");
                xadd(&mut c, "stopped", None, "*");
                xadd(&mut c, "capped", Some(5), "*");
                xadd(&mut c, "capped", Some(5), "*");
                tick += 1;
                if tick == 20 {
                    let _: u64 = redis::cmd("DEL").arg("temp").query(&mut c).unwrap();
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        })
    };
    let report = collect(
        &url,
        &[
            "--duration",
            "2s",
            "--interval",
            "200ms",
            "--idle-after",
            "10s",
        ],
    );
    running.store(false, Ordering::Relaxed);
    traffic.join().unwrap();

    assert_eq!(report.mode, "session");
    assert!(
        report.window.samples >= 8,
        "samples: {}",
        report.window.samples
    );
    let elapsed = report.window.end_ms - report.window.start_ms;
    assert!((1900..3000).contains(&elapsed), "window {elapsed} ms");

    let group_status = |key: &str| stream(&report, key).groups[0].eval.status;
    assert_eq!(
        group_status("fast"),
        GroupStatus::Ok,
        "{:?}",
        stream(&report, "fast").groups[0].eval
    );
    assert_eq!(
        group_status("slow"),
        GroupStatus::Warn,
        "{:?}",
        stream(&report, "slow").groups[0].eval
    );
    assert_eq!(
        group_status("stuck"),
        GroupStatus::Stall,
        "{:?}",
        stream(&report, "stuck").groups[0].eval
    );
    assert_eq!(
        group_status("stopped"),
        GroupStatus::Stop,
        "{:?}",
        stream(&report, "stopped").groups[0].eval
    );

    assert_eq!(stream(&report, "fast").status, Status::Healthy);
    assert_eq!(stream(&report, "slow").status, Status::Warning);
    assert_eq!(stream(&report, "stuck").status, Status::Degraded);
    assert_eq!(stream(&report, "stopped").status, Status::Critical);

    // Group `g` keeps up on `fast` and stalls on `stuck`: at group level that is ERR.
    let g = report.groups.iter().find(|g| g.name == "g").unwrap();
    assert_eq!(g.status, "ERR");

    // Deltas: `slow` got 3 XADDs per tick; the length grew by exactly what was added.
    let slow = stream(&report, "slow");
    let delta = slow.delta.as_ref().unwrap();
    let added = delta.entries_added.unwrap();
    assert!(added >= 3 * 30, "added {added}");
    assert_eq!(u64::try_from(delta.length).unwrap(), added);
    assert!(delta.last_id_moved);

    // `capped`: length flat at 5, entries added, first id moved: at its cap, and the group that
    // never reads loses what was trimmed during the window.
    let capped = stream(&report, "capped");
    assert_eq!(capped.delta.as_ref().unwrap().length, 0);
    assert_eq!(findings(&report, "capped", FindingKind::AtTrimCap).len(), 1);
    let lost = findings(&report, "capped", FindingKind::LostToTrim);
    assert_eq!(lost.len(), 1);
    let group = &capped.groups[0];
    let (final_counters, baseline) = (
        capped.last.as_ref().unwrap(),
        capped.baseline.as_ref().unwrap(),
    );
    // lost = removed - entries-read, and entries-read stayed at 1 (one read before the window).
    assert_eq!(group.entries_read, Some(1));
    assert_eq!(
        group.eval.lost_to_trim,
        Some(final_counters.removed.unwrap() - 1)
    );
    assert_eq!(
        group.eval.lost_in_window,
        Some(final_counters.removed.unwrap() - baseline.removed.unwrap())
    );
    assert_eq!(capped.status, Status::Critical);

    let temp = stream(&report, "temp");
    assert!(temp.vanished);
    assert_eq!(findings(&report, "temp", FindingKind::Vanished).len(), 1);
}

#[test]
fn session_without_traffic_marks_streams_idle() {
    let server = RedisServer::start();
    let mut c = conn(&server.url());
    xadd(&mut c, "quiet", None, "*");
    group_create(&mut c, "quiet", "g", "$");
    std::thread::sleep(Duration::from_millis(300));
    let report = collect(
        &server.url(),
        &[
            "--duration",
            "600ms",
            "--interval",
            "200ms",
            "--idle-after",
            "200ms",
        ],
    );
    let quiet = stream(&report, "quiet");
    assert_eq!(quiet.status, Status::Idle);
    assert_eq!(quiet.delta.as_ref().unwrap().entries_added, Some(0));
    assert!(!quiet.delta.as_ref().unwrap().last_id_moved);
}
