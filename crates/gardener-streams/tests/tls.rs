//! `rediss://`: a real `redis-server` with a TLS port and a throwaway self-signed certificate
//! (made with the `openssl` command line tool).

#![allow(clippy::unwrap_used)]

mod common;

use std::process::Command;

use gardener_test::{RedisServer, free_port};

#[test]
fn reads_streams_over_tls() {
    let dir = std::env::temp_dir().join(format!("gardener-streams-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let status = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-keyout",
        ])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("the `openssl` command is needed to make a test certificate")
        .status;
    assert!(status.success());
    let tls_port = free_port().to_string();
    let (cert_s, key_s) = (cert.to_str().unwrap(), key.to_str().unwrap());
    let server = RedisServer::start_with(&[
        "--tls-port",
        &tls_port,
        "--tls-cert-file",
        cert_s,
        "--tls-key-file",
        key_s,
        "--tls-ca-cert-file",
        cert_s,
        "--tls-auth-clients",
        "no",
    ]);
    common::xadd(&mut common::conn(&server.url()), "secure", None, "*");

    // Self-signed: skip verification with redis-rs's `#insecure` fragment.
    let url = format!("rediss://127.0.0.1:{tls_port}/#insecure");
    let report = common::collect(&url, &[]);
    assert_eq!(report.streams.len(), 1);
    assert_eq!(report.streams[0].key, "secure");

    // With verification on, the self-signed certificate is refused: a connect error, no panic.
    let verified = common::args(
        &format!("rediss://127.0.0.1:{tls_port}"),
        &["--timeout", "2s"],
    );
    let error = gardener_streams::collect(&verified).unwrap_err();
    assert!(
        matches!(error, gardener_streams::StreamsError::Connect { .. }),
        "{error:?}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
