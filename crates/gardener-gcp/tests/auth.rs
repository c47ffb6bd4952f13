//! Credentials against a local token endpoint: the service-account JWT is checked the way
//! Google checks it (signature with the key's public half, verified by the `openssl` command,
//! not by the code under test; `iss`, `scope`, `aud`, `iat`/`exp`), then the token it returns
//! must be the one sent to `entries:list`.

#![allow(clippy::unwrap_used, clippy::single_range_in_vec_init)]

#[path = "support/server.rs"]
mod server;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use gardener_gcp::{
    AuthConfig, CollectConfig, FilterSpec, GcpError, JWT_BEARER_GRANT, LOGGING_READ_SCOPE,
    NoProgress, RetryPolicy, WindowSpec, collect, parse_duration,
};
use server::{Request, Response, TestServer};

const EMAIL: &str = "gardener-reader@shop-prod.iam.gserviceaccount.com";
const KEY_ID: &str = "3f1c0ffee";

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gardener-gcp-auth-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn openssl(args: &[&str]) {
    let output = Command::new("openssl")
        .args(args)
        .output()
        .expect("the `openssl` command (Debian package openssl) is needed by this test");
    assert!(
        output.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A fresh 2048-bit RSA key: (PKCS#8 PEM private key, path of the public key PEM).
fn generate_key(dir: &Path, name: &str) -> (String, PathBuf) {
    let private = dir.join(format!("{name}.pem"));
    let public = dir.join(format!("{name}.pub.pem"));
    openssl(&[
        "genpkey",
        "-algorithm",
        "RSA",
        "-pkeyopt",
        "rsa_keygen_bits:2048",
        "-out",
        private.to_str().unwrap(),
    ]);
    openssl(&[
        "pkey",
        "-in",
        private.to_str().unwrap(),
        "-pubout",
        "-out",
        public.to_str().unwrap(),
    ]);
    (std::fs::read_to_string(private).unwrap(), public)
}

fn write_key_file(dir: &Path, private_pem: &str, token_uri: &str) -> PathBuf {
    let path = dir.join("service-account.json");
    let key = serde_json::json!({
        "type": "service_account",
        "project_id": "shop-prod",
        "private_key_id": KEY_ID,
        "private_key": private_pem,
        "client_email": EMAIL,
        "client_id": "1234567890",
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": token_uri,
    });
    std::fs::write(&path, key.to_string()).unwrap();
    path
}

/// What Google's token endpoint checks, or why it refuses.
fn check_assertion(
    request: &Request,
    public_key: &Path,
    token_uri: &str,
    scratch: &Path,
) -> Result<(), String> {
    if request.form_value("grant_type").as_deref() != Some(JWT_BEARER_GRANT) {
        return Err(format!("grant_type {:?}", request.form_value("grant_type")));
    }
    let assertion = request.form_value("assertion").ok_or("no assertion")?;
    let parts: Vec<&str> = assertion.split('.').collect();
    let [header, claims, signature] = parts[..] else {
        return Err("not three segments".into());
    };
    let decode = |segment: &str| URL_SAFE_NO_PAD.decode(segment).map_err(|e| e.to_string());
    let data = scratch.join("signed.txt");
    let sig = scratch.join("signature.bin");
    std::fs::write(&data, format!("{header}.{claims}")).unwrap();
    std::fs::write(&sig, decode(signature)?).unwrap();
    let verified = Command::new("openssl")
        .args(["dgst", "-sha256", "-verify"])
        .arg(public_key)
        .arg("-signature")
        .arg(&sig)
        .arg(&data)
        .output()
        .unwrap();
    if !verified.status.success() {
        return Err(format!(
            "bad signature: {}",
            String::from_utf8_lossy(&verified.stdout)
        ));
    }
    let header: serde_json::Value = serde_json::from_slice(&decode(header)?).unwrap();
    let claims: serde_json::Value = serde_json::from_slice(&decode(claims)?).unwrap();
    if header["alg"] != "RS256" || header["kid"] != KEY_ID {
        return Err(format!("header {header}"));
    }
    if claims["iss"] != EMAIL || claims["scope"] != LOGGING_READ_SCOPE || claims["aud"] != token_uri
    {
        return Err(format!("claims {claims}"));
    }
    let iat = claims["iat"].as_i64().ok_or("no iat")?;
    let exp = claims["exp"].as_i64().ok_or("no exp")?;
    let now = jiff::Timestamp::now().as_second();
    if (iat - now).abs() > 300 || exp <= iat || exp - iat > 3_600 {
        return Err(format!("times iat={iat} exp={exp} now={now}"));
    }
    Ok(())
}

struct TokenServer {
    server: TestServer,
    exchanges: Arc<AtomicU32>,
    failures: Arc<Mutex<Vec<String>>>,
}

/// Token endpoint at `/token` issuing `sa-token-N`, and `entries:list` answering with two
/// pages to the latest token; when `reject_first_token_after_page_one` is set, the first token
/// stops working after the first page (as an expired token would).
fn token_server(
    dir: &Path,
    public_key: PathBuf,
    reject_first_token_after_page_one: bool,
) -> TokenServer {
    let exchanges = Arc::new(AtomicU32::new(0));
    let failures = Arc::new(Mutex::new(Vec::new()));
    let uri = Arc::new(Mutex::new(String::new()));
    let scratch = dir.to_owned();
    let server = {
        let exchanges = Arc::clone(&exchanges);
        let failures = Arc::clone(&failures);
        let uri = Arc::clone(&uri);
        TestServer::start(move |request| {
            if request.path == "/token" {
                let token_uri = uri.lock().unwrap().clone();
                return match check_assertion(request, &public_key, &token_uri, &scratch) {
                    Ok(()) => {
                        let n = exchanges.fetch_add(1, Ordering::SeqCst) + 1;
                        Response::json(
                            200,
                            format!(
                                r#"{{"access_token":"sa-token-{n}","expires_in":3599,"token_type":"Bearer"}}"#
                            ),
                        )
                    }
                    Err(reason) => {
                        failures.lock().unwrap().push(reason.clone());
                        Response::json(
                            400,
                            format!(
                                r#"{{"error":"invalid_grant","error_description":{}}}"#,
                                serde_json::json!(reason)
                            ),
                        )
                    }
                };
            }
            let latest = format!("Bearer sa-token-{}", exchanges.load(Ordering::SeqCst));
            let second_page = request.json()["pageToken"] == "p2";
            let stale = reject_first_token_after_page_one && second_page && latest.ends_with("-1");
            if request.header("authorization") != Some(latest.as_str()) || stale {
                return Response::google_error(
                    401,
                    "UNAUTHENTICATED",
                    "Request had invalid authentication credentials.",
                );
            }
            if second_page {
                Response::entries_page(&[r#"{"insertId":"b","textPayload":"second"}"#], None)
            } else {
                Response::entries_page(&[r#"{"insertId":"a","textPayload":"first"}"#], Some("p2"))
            }
        })
    };
    *uri.lock().unwrap() = format!("{}/token", server.url());
    TokenServer {
        server,
        exchanges,
        failures,
    }
}

fn config(server: &TestServer, auth: AuthConfig) -> CollectConfig {
    let window = WindowSpec::Since(parse_duration("1h").unwrap());
    let mut config = CollectConfig::new(
        "shop-prod",
        &FilterSpec::default(),
        &window,
        "2025-05-28T18:00:00Z".parse().unwrap(),
    )
    .unwrap();
    config.api_base_url = server.url();
    config.auth = auth;
    config.retry = RetryPolicy {
        max_attempts: 2,
        base_delay: Duration::from_millis(1),
        ..RetryPolicy::default()
    };
    config
}

fn key_file_auth(path: PathBuf) -> AuthConfig {
    AuthConfig {
        key_file: Some(path),
        key_file_origin: "GOOGLE_APPLICATION_CREDENTIALS",
        gcloud: None,
        ..AuthConfig::default()
    }
}

#[test]
fn service_account_jwt_is_signed_and_exchanged_for_the_token_used() {
    let dir = temp_dir("sa");
    let (private_pem, public) = generate_key(&dir, "sa");
    let tokens = token_server(&dir, public, false);
    let key_file = write_key_file(
        &dir,
        &private_pem,
        &format!("{}/token", tokens.server.url()),
    );

    let mut out = Vec::new();
    let summary = collect(
        &config(&tokens.server, key_file_auth(key_file)),
        &mut out,
        &mut NoProgress,
    )
    .unwrap();
    assert_eq!(tokens.failures.lock().unwrap().as_slice(), &[] as &[String]);
    assert_eq!(tokens.exchanges.load(Ordering::SeqCst), 1);
    assert_eq!(summary.credentials, format!("service account {EMAIL}"));
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "{\"insertId\":\"a\",\"textPayload\":\"first\"}\n{\"insertId\":\"b\",\"textPayload\":\"second\"}\n"
    );
    let token_request = &tokens.server.requests()[0];
    assert_eq!(token_request.path, "/token");
    assert_eq!(
        token_request.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn a_jwt_signed_with_another_key_is_refused_by_the_endpoint() {
    let dir = temp_dir("wrong-key");
    let (_, public) = generate_key(&dir, "registered");
    let (other_pem, _) = generate_key(&dir, "other");
    let tokens = token_server(&dir, public, false);
    let key_file = write_key_file(&dir, &other_pem, &format!("{}/token", tokens.server.url()));

    let error = collect(
        &config(&tokens.server, key_file_auth(key_file)),
        &mut Vec::new(),
        &mut NoProgress,
    )
    .unwrap_err();
    assert!(
        matches!(&error, GcpError::TokenExchange { status: 400, body, .. } if body.contains("bad signature")),
        "{error}"
    );
    assert!(tokens.server.requests().iter().all(|r| r.path == "/token"));
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn a_refused_token_is_refreshed_once_from_the_key_file() {
    let dir = temp_dir("refresh");
    let (private_pem, public) = generate_key(&dir, "sa");
    let tokens = token_server(&dir, public, true);
    let key_file = write_key_file(
        &dir,
        &private_pem,
        &format!("{}/token", tokens.server.url()),
    );

    let mut out = Vec::new();
    let summary = collect(
        &config(&tokens.server, key_file_auth(key_file)),
        &mut out,
        &mut NoProgress,
    )
    .unwrap();
    assert_eq!(summary.entries, 2);
    assert_eq!(tokens.exchanges.load(Ordering::SeqCst), 2);
    let paths: Vec<String> = tokens
        .server
        .requests()
        .iter()
        .map(|r| r.path.clone())
        .collect();
    assert_eq!(
        paths,
        [
            "/token",
            "/v2/entries:list",
            "/v2/entries:list",
            "/token",
            "/v2/entries:list"
        ]
    );
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn authorized_user_files_use_the_refresh_token_grant() {
    let dir = temp_dir("user");
    let server = TestServer::start(|request| {
        if request.path == "/token" {
            let ok = request.form_value("grant_type").as_deref() == Some("refresh_token")
                && request.form_value("refresh_token").as_deref() == Some("1//refresh")
                && request.form_value("client_id").as_deref()
                    == Some("cid.apps.googleusercontent.com");
            return if ok {
                Response::json(200, r#"{"access_token":"user-token","expires_in":3599}"#)
            } else {
                Response::json(400, r#"{"error":"invalid_grant"}"#)
            };
        }
        if request.header("authorization") == Some("Bearer user-token") {
            Response::entries_page(&[r#"{"insertId":"u"}"#], None)
        } else {
            Response::google_error(401, "UNAUTHENTICATED", "bad token")
        }
    });
    let path = dir.join("adc.json");
    let file = serde_json::json!({
        "type": "authorized_user",
        "client_id": "cid.apps.googleusercontent.com",
        "client_secret": "secret",
        "refresh_token": "1//refresh",
        "token_uri": format!("{}/token", server.url()),
    });
    std::fs::write(&path, file.to_string()).unwrap();
    let summary = collect(
        &config(&server, key_file_auth(path)),
        &mut Vec::new(),
        &mut NoProgress,
    )
    .unwrap();
    assert_eq!(
        (summary.entries, summary.credentials.as_str()),
        (1, "authorized_user credentials file")
    );
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn gcloud_is_asked_after_a_key_file_and_its_token_is_used() {
    let dir = temp_dir("gcloud");
    let fake = dir.join("gcloud");
    std::fs::write(
        &fake,
        "#!/bin/sh\n[ \"$1 $2\" = \"auth print-access-token\" ] || exit 3\necho ya29.from-gcloud\n",
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let server = TestServer::start(|request| {
        if request.header("authorization") == Some("Bearer ya29.from-gcloud") {
            Response::entries_page(&[r#"{"insertId":"g"}"#], None)
        } else {
            Response::google_error(401, "UNAUTHENTICATED", "bad token")
        }
    });
    let auth = AuthConfig {
        gcloud: Some(fake),
        ..AuthConfig::default()
    };
    let summary = collect(&config(&server, auth), &mut Vec::new(), &mut NoProgress).unwrap();
    assert_eq!(
        (summary.entries, summary.credentials.as_str()),
        (1, "gcloud auth print-access-token")
    );
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn the_metadata_server_is_asked_last_with_its_header() {
    let server = TestServer::start(|request| {
        if request.path == "/computeMetadata/v1/instance/service-accounts/default/token" {
            // Without the header the real server refuses, so that a request forwarded by
            // mistake cannot read tokens.
            return if request.header("metadata-flavor") == Some("Google") {
                Response::json(
                    200,
                    r#"{"access_token":"ya29.metadata","expires_in":3599,"token_type":"Bearer"}"#,
                )
            } else {
                Response::json(403, "Missing Metadata-Flavor:Google header")
            };
        }
        if request.header("authorization") == Some("Bearer ya29.metadata") {
            Response::entries_page(&[r#"{"insertId":"m"}"#], None)
        } else {
            Response::google_error(401, "UNAUTHENTICATED", "bad token")
        }
    });
    let host = server.url().trim_start_matches("http://").to_owned();
    let auth = AuthConfig {
        gcloud: Some(PathBuf::from("gardener-no-such-gcloud")),
        metadata_host: Some(host),
        ..AuthConfig::default()
    };
    let summary = collect(&config(&server, auth), &mut Vec::new(), &mut NoProgress).unwrap();
    assert_eq!(
        (summary.entries, summary.credentials.as_str()),
        (1, "metadata server (attached service account)")
    );
}

#[test]
fn no_metadata_server_is_named_among_the_sources_tried() {
    // Off Google Cloud: whatever answers on that address is not a metadata server.
    let server = TestServer::start(|_| Response::json(404, "not here"));
    let host = server.url().trim_start_matches("http://").to_owned();
    let auth = AuthConfig {
        gcloud: None,
        metadata_host: Some(host.clone()),
        ..AuthConfig::default()
    };
    let error = collect(&config(&server, auth), &mut Vec::new(), &mut NoProgress).unwrap_err();
    let text = error.to_string();
    assert!(text.contains(&format!("metadata server {host}")), "{text}");
    assert!(matches!(error, GcpError::NoCredentials { .. }), "{error:?}");
}

#[test]
fn application_default_credentials_live_in_the_gcloud_config_folder() {
    assert_eq!(
        gardener_gcp::well_known_credentials(None, Some("/home/ana")).unwrap(),
        Path::new("/home/ana/.config/gcloud/application_default_credentials.json")
    );
    assert_eq!(
        gardener_gcp::well_known_credentials(Some("/etc/gcloud"), Some("/home/ana")).unwrap(),
        Path::new("/etc/gcloud/application_default_credentials.json")
    );
    assert_eq!(gardener_gcp::well_known_credentials(None, None), None);
}
