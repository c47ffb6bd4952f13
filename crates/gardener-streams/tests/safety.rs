//! Read-only-ness and errors: the monitor never changes the server, and bad servers, bad
//! credentials and missing permissions give clear errors instead of panics.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;
use std::error::Error as _;

use common::{args, conn, group_create, read_group, xadd};
use gardener_streams::StreamsError;
use gardener_test::RedisServer;

/// `cmdstat_<name>` -> (calls, rejected_calls) from `INFO commandstats`.
fn command_stats(c: &mut redis::Connection) -> BTreeMap<String, (u64, u64)> {
    let text: String = redis::cmd("INFO").arg("commandstats").query(c).unwrap();
    text.lines()
        .filter_map(|line| {
            let (name, rest) = line.strip_prefix("cmdstat_")?.split_once(':')?;
            let field = |key: &str| -> u64 {
                rest.split(',')
                    .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('=')?.parse().ok())
                    .unwrap_or(0)
            };
            Some((name.to_owned(), (field("calls"), field("rejected_calls"))))
        })
        .collect()
}

fn busy_server() -> RedisServer {
    let server = RedisServer::start();
    let mut c = conn(&server.url());
    for key in ["a", "b"] {
        for _ in 0..5 {
            xadd(&mut c, key, None, "*");
        }
        group_create(&mut c, key, "g", "0");
        read_group(&mut c, key, "g", "c", 3, ">");
    }
    server
}

#[test]
fn runs_as_an_acl_user_denied_every_write_and_sends_only_read_commands() {
    let server = busy_server();
    let mut admin = conn(&server.url());
    let _: () = redis::cmd("ACL")
        .arg("SETUSER")
        .arg("monitor")
        .arg("on")
        .arg(">pw")
        .arg("~*")
        .arg("-@all")
        .arg("+@read")
        .arg("+info")
        .arg("+time")
        .arg("-@write")
        .query(&mut admin)
        .unwrap();
    let _: () = redis::cmd("CONFIG")
        .arg("RESETSTAT")
        .query(&mut admin)
        .unwrap();
    let url = format!("redis://monitor:pw@127.0.0.1:{}", server.port());

    let report = common::collect(&url, &["--duration", "400ms", "--interval", "200ms"]);
    assert_eq!(report.streams.len(), 2);
    assert_eq!(report.streams[0].groups[0].pending, 3);

    let stats = command_stats(&mut admin);
    let allowed = [
        "auth",
        "info",
        "time",
        "scan",
        "xinfo|stream",
        "xinfo|groups",
        "xinfo|consumers",
        "xpending",
        "xrange",
        // redis-rs announces itself on connect (CLIENT SETINFO, 7.2+); on 7.0 it is unknown
        // and, like the test's own CONFIG RESETSTAT, changes nothing.
        "client|setinfo",
        "config|resetstat",
    ];
    for (name, (calls, rejected)) in &stats {
        assert!(
            allowed.contains(&name.as_str()),
            "unexpected command `{name}` ({calls} calls)"
        );
        assert_eq!(
            *rejected, 0,
            "`{name}` was rejected: the monitor tried a command its ACL denies"
        );
    }
    for write in [
        "xclaim",
        "xautoclaim",
        "xack",
        "xreadgroup",
        "xgroup|setid",
        "xadd",
        "del",
    ] {
        assert!(!stats.contains_key(write), "`{write}` was called");
    }
    assert!(stats["xpending"].0 > 0 && stats["xinfo|groups"].0 > 0);
}

#[test]
fn unreachable_server_is_a_connect_error_with_a_hint() {
    let port = gardener_test::free_port();
    let args = args(&format!("redis://127.0.0.1:{port}"), &["--timeout", "1s"]);
    let error = gardener_streams::collect(&args).unwrap_err();
    assert!(matches!(error, StreamsError::Connect { .. }), "{error:?}");
    let message = error.to_string();
    assert!(
        message.starts_with(&format!("cannot connect to redis at 127.0.0.1:{port}")),
        "{message}"
    );
    assert!(message.contains("hint:"));
    assert!(error.source().is_some());
}

#[test]
fn wrong_or_missing_password_is_an_auth_error_without_the_password() {
    let server = RedisServer::start_with(&["--requirepass", "pw"]);
    let wrong = args(&format!("redis://:nope@127.0.0.1:{}", server.port()), &[]);
    let error = gardener_streams::collect(&wrong).unwrap_err();
    assert!(matches!(error, StreamsError::Auth { .. }), "{error:?}");
    assert!(!format!("{error}").contains("nope"));
    assert!(
        error
            .to_string()
            .contains("hint: put the user and password in the url")
    );

    let missing = args(&server.url(), &[]);
    let error = gardener_streams::collect(&missing).unwrap_err();
    assert!(matches!(error, StreamsError::Auth { .. }), "{error:?}");

    let right = args(&format!("redis://:pw@127.0.0.1:{}", server.port()), &[]);
    assert!(
        gardener_streams::collect(&right)
            .unwrap()
            .streams
            .is_empty()
    );
}

#[test]
fn a_user_without_info_gets_a_permission_error_naming_the_command() {
    let server = RedisServer::start();
    let mut admin = conn(&server.url());
    let _: () = redis::cmd("ACL")
        .arg("SETUSER")
        .arg("weak")
        .arg("on")
        .arg(">pw")
        .arg("~*")
        .arg("-@all")
        .arg("+xinfo")
        .query(&mut admin)
        .unwrap();
    let url = format!("redis://weak:pw@127.0.0.1:{}", server.port());
    let error = gardener_streams::collect(&args(&url, &[])).unwrap_err();
    assert!(
        matches!(error, StreamsError::Permission { ref command, .. } if command == "INFO"),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .contains("hint: the monitor needs read access")
    );
}

#[test]
fn invalid_options_are_rejected_before_connecting() {
    let error = gardener_streams::collect(&args(
        "redis://127.0.0.1:1",
        &["--duration", "1s", "--interval", "5s"],
    ))
    .unwrap_err();
    assert!(
        matches!(
            error,
            StreamsError::InvalidOption {
                option: "--duration",
                ..
            }
        ),
        "{error:?}"
    );
    let error = gardener_streams::collect(&args("http://x", &[])).unwrap_err();
    assert!(
        matches!(error, StreamsError::InvalidUrl { .. }),
        "{error:?}"
    );
}
