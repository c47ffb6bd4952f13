//! Cluster mode: three real `redis-server` primaries joined into a cluster; every primary is
//! scanned.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use common::{collect, conn, xadd};
use gardener_test::RedisServer;

#[test]
fn scans_every_primary_of_a_cluster() {
    let nodes: Vec<RedisServer> = (0..3)
        .map(|_| RedisServer::start_with(&["--cluster-enabled", "yes"]))
        .collect();
    let ranges = [(0, 5460), (5461, 10922), (10923, 16383)];
    for (node, (lo, hi)) in nodes.iter().zip(ranges) {
        let _: () = redis::cmd("CLUSTER")
            .arg("ADDSLOTSRANGE")
            .arg(lo)
            .arg(hi)
            .query(&mut conn(&node.url()))
            .unwrap();
    }
    let mut first = conn(&nodes[0].url());
    for node in &nodes[1..] {
        let _: () = redis::cmd("CLUSTER")
            .arg("MEET")
            .arg("127.0.0.1")
            .arg(node.port())
            .query(&mut first)
            .unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let ready = nodes.iter().all(|node| {
            let info: String = redis::cmd("CLUSTER")
                .arg("INFO")
                .query(&mut conn(&node.url()))
                .unwrap();
            info.contains("cluster_state:ok") && info.contains("cluster_known_nodes:3")
        });
        if ready {
            break;
        }
        assert!(Instant::now() < deadline, "cluster did not form");
        std::thread::sleep(Duration::from_millis(50));
    }
    // Write each key on the primary that owns its slot.
    let keys = ["orders", "payments", "audit", "clicks", "jobs:dlq", "users"];
    let mut owners = std::collections::BTreeSet::new();
    for key in keys {
        let slot: u16 = redis::cmd("CLUSTER")
            .arg("KEYSLOT")
            .arg(key)
            .query(&mut first)
            .unwrap();
        let owner = ranges
            .iter()
            .position(|(lo, hi)| (*lo..=*hi).contains(&slot))
            .unwrap();
        owners.insert(owner);
        xadd(&mut conn(&nodes[owner].url()), key, None, "*");
    }
    assert!(
        owners.len() >= 2,
        "the keys should spread over several primaries"
    );

    let report = collect(&nodes[1].url(), &[]);
    assert!(report.server.cluster);
    assert_eq!(report.server.nodes.len(), 3);
    let mut found: Vec<&str> = report.streams.iter().map(|s| s.key.as_str()).collect();
    found.sort_unstable();
    let mut expected = keys.to_vec();
    expected.sort_unstable();
    assert_eq!(found, expected);
    // Each stream is reported with the primary that holds it.
    let distinct_nodes: std::collections::BTreeSet<&str> =
        report.streams.iter().map(|s| s.node.as_str()).collect();
    assert_eq!(distinct_nodes.len(), owners.len());
}
