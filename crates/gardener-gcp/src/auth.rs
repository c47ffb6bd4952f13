//! Access tokens, in the order the issue asks: an explicit token, a key file
//! (`GOOGLE_APPLICATION_CREDENTIALS`), then `gcloud auth print-access-token`.

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use reqwest::blocking::Client;
use serde::Deserialize;

use crate::GcpError;
use crate::retry::{self, OnRetry, RetryPolicy};

/// The OAuth scope asked for: reading logs, nothing else.
pub const LOGGING_READ_SCOPE: &str = "https://www.googleapis.com/auth/logging.read";

/// The grant type of the signed-JWT exchange (RFC 7523).
pub const JWT_BEARER_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// Google's token endpoint, used when a key file names none.
const DEFAULT_TOKEN_URI: &str = "https://oauth2.googleapis.com/token";

/// How long a signed assertion is valid (Google accepts at most one hour).
const ASSERTION_LIFETIME_SECONDS: i64 = 3_600;

/// Where a token may come from. Build it with [`AuthConfig::from_env`] in the binary; tests fill
/// it in directly so the machine's environment and `gcloud` stay out of them.
#[derive(Clone, Debug, Default)]
pub struct AuthConfig {
    /// `--access-token`.
    pub access_token: Option<String>,
    /// `GOOGLE_OAUTH_ACCESS_TOKEN`.
    pub env_access_token: Option<String>,
    /// `--credentials`, else `GOOGLE_APPLICATION_CREDENTIALS`: a service-account key (or an
    /// `authorized_user` file from `gcloud auth application-default login`).
    pub key_file: Option<PathBuf>,
    /// Where the key file setting came from, for messages.
    pub key_file_origin: &'static str,
    /// The `gcloud` program to ask (`gcloud` looked up on `PATH`), or `None` to skip it.
    pub gcloud: Option<PathBuf>,
    /// The metadata server to ask last, as `host` or `host:port` (on Compute Engine, Cloud Run,
    /// Cloud Functions and GKE with Workload Identity): `GCE_METADATA_HOST`, else
    /// `metadata.google.internal`. `None` skips it.
    pub metadata_host: Option<String>,
}

impl AuthConfig {
    /// The flags, then the environment: `GOOGLE_OAUTH_ACCESS_TOKEN`,
    /// `GOOGLE_APPLICATION_CREDENTIALS` (else the application-default credentials file that
    /// `gcloud auth application-default login` writes, when it exists), `gcloud` on `PATH`, and
    /// the metadata server.
    #[must_use]
    pub fn from_env(access_token: Option<String>, credentials: Option<PathBuf>) -> Self {
        let non_empty = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let (key_file, key_file_origin) = match credentials {
            Some(path) => (Some(path), "--credentials"),
            None => match non_empty("GOOGLE_APPLICATION_CREDENTIALS") {
                Some(path) => (Some(PathBuf::from(path)), "GOOGLE_APPLICATION_CREDENTIALS"),
                None => (
                    well_known_credentials(
                        non_empty("CLOUDSDK_CONFIG").as_deref(),
                        non_empty("HOME").as_deref(),
                    )
                    .filter(|path| path.is_file()),
                    "GOOGLE_APPLICATION_CREDENTIALS",
                ),
            },
        };
        Self {
            access_token,
            env_access_token: non_empty("GOOGLE_OAUTH_ACCESS_TOKEN"),
            key_file,
            key_file_origin,
            gcloud: Some(PathBuf::from("gcloud")),
            metadata_host: Some(
                non_empty("GCE_METADATA_HOST").unwrap_or_else(|| METADATA_HOST.to_owned()),
            ),
        }
    }
}

/// The metadata server's name inside Google Cloud.
pub const METADATA_HOST: &str = "metadata.google.internal";

/// How long the metadata server may take to answer: it is local when it exists at all.
const METADATA_TIMEOUT: Duration = Duration::from_secs(3);

/// Where `gcloud auth application-default login` writes its credentials:
/// `$CLOUDSDK_CONFIG/application_default_credentials.json`, else
/// `$HOME/.config/gcloud/application_default_credentials.json`.
#[must_use]
pub fn well_known_credentials(
    cloudsdk_config: Option<&str>,
    home: Option<&str>,
) -> Option<PathBuf> {
    let dir = match cloudsdk_config {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(home?).join(".config").join("gcloud"),
    };
    Some(dir.join("application_default_credentials.json"))
}

/// Which source gave the token (named in the summary, never the token itself).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenOrigin {
    /// `--access-token`.
    Flag,
    /// `GOOGLE_OAUTH_ACCESS_TOKEN`.
    Env,
    /// A service-account key file: its `client_email`.
    ServiceAccount(String),
    /// An `authorized_user` credentials file.
    AuthorizedUser,
    /// `gcloud auth print-access-token`.
    Gcloud,
    /// The metadata server: the attached service account.
    Metadata,
}

impl fmt::Display for TokenOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Flag => f.write_str("--access-token"),
            Self::Env => f.write_str("GOOGLE_OAUTH_ACCESS_TOKEN"),
            Self::ServiceAccount(email) => write!(f, "service account {email}"),
            Self::AuthorizedUser => f.write_str("authorized_user credentials file"),
            Self::Gcloud => f.write_str("gcloud auth print-access-token"),
            Self::Metadata => f.write_str("metadata server (attached service account)"),
        }
    }
}

/// The parts of a Google credentials file that are used.
#[derive(Deserialize)]
struct KeyFile {
    #[serde(rename = "type")]
    kind: Option<String>,
    client_email: Option<String>,
    private_key: Option<String>,
    private_key_id: Option<String>,
    token_uri: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    refresh_token: Option<String>,
}

enum Method {
    Fixed,
    ServiceAccount {
        path: PathBuf,
        email: String,
        key_id: Option<String>,
        pkcs8: Vec<u8>,
        token_uri: String,
    },
    AuthorizedUser {
        client_id: String,
        client_secret: String,
        refresh_token: String,
        token_uri: String,
    },
    Gcloud(PathBuf),
    /// The token URL of the metadata server.
    Metadata(String),
}

/// A token and how to get a new one when it expires or is refused.
pub(crate) struct TokenSource {
    method: Method,
    origin: TokenOrigin,
    token: String,
    expires: Option<Instant>,
}

impl TokenSource {
    /// Tries the sources in order and returns the first that gives a token. A key file that is
    /// set but unusable is an error of its own (falling through to gcloud would hide it).
    pub(crate) fn resolve(
        config: &AuthConfig,
        http: &Client,
        retry: &RetryPolicy,
        on_retry: &mut OnRetry<'_>,
    ) -> Result<Self, GcpError> {
        let mut tried = Vec::new();
        let fixed = |token: &str, origin| Self {
            method: Method::Fixed,
            origin,
            token: token.trim().to_owned(),
            expires: None,
        };
        match config.access_token.as_deref().map(str::trim) {
            Some(token) if !token.is_empty() => return Ok(fixed(token, TokenOrigin::Flag)),
            Some(_) => tried.push("--access-token: empty".to_owned()),
            None => tried.push("--access-token: not given".to_owned()),
        }
        match config.env_access_token.as_deref().map(str::trim) {
            Some(token) if !token.is_empty() => return Ok(fixed(token, TokenOrigin::Env)),
            _ => tried.push("GOOGLE_OAUTH_ACCESS_TOKEN: not set".to_owned()),
        }
        if let Some(path) = &config.key_file {
            let method = load_key_file(path)?;
            let origin = match &method {
                Method::ServiceAccount { email, .. } => TokenOrigin::ServiceAccount(email.clone()),
                _ => TokenOrigin::AuthorizedUser,
            };
            return Self::fetched(method, origin, http, retry, on_retry);
        }
        let origin = if config.key_file_origin.is_empty() {
            "GOOGLE_APPLICATION_CREDENTIALS"
        } else {
            config.key_file_origin
        };
        tried.push(format!("{origin}: not set"));
        match &config.gcloud {
            None => tried.push("gcloud: not tried".to_owned()),
            Some(program) => match find_program(program) {
                None => tried.push(format!("`{}`: not found on PATH", program.display())),
                Some(found) => {
                    let method = Method::Gcloud(found);
                    match Self::fetched(method, TokenOrigin::Gcloud, http, retry, on_retry) {
                        Ok(source) => return Ok(source),
                        Err(error) => tried.push(error.to_string()),
                    }
                }
            },
        }
        match &config.metadata_host {
            None => tried.push("metadata server: not tried".to_owned()),
            Some(host) => {
                let url = format!(
                    "http://{host}/computeMetadata/v1/instance/service-accounts/default/token"
                );
                let method = Method::Metadata(url);
                match Self::fetched(method, TokenOrigin::Metadata, http, retry, on_retry) {
                    Ok(source) => return Ok(source),
                    Err(error) => tried.push(format!("metadata server {host}: {error}")),
                }
            }
        }
        Err(GcpError::NoCredentials { tried })
    }

    /// A source of `method` with its first token fetched.
    fn fetched(
        method: Method,
        origin: TokenOrigin,
        http: &Client,
        retry: &RetryPolicy,
        on_retry: &mut OnRetry<'_>,
    ) -> Result<Self, GcpError> {
        let mut source = Self {
            method,
            origin,
            token: String::new(),
            expires: None,
        };
        source.refresh(http, retry, on_retry)?;
        Ok(source)
    }

    pub(crate) fn origin(&self) -> &TokenOrigin {
        &self.origin
    }

    /// The current token, refreshed first when it is about to expire.
    pub(crate) fn token(
        &mut self,
        http: &Client,
        retry: &RetryPolicy,
        on_retry: &mut OnRetry<'_>,
    ) -> Result<&str, GcpError> {
        let stale = self.expires.is_some_and(|at| {
            at.saturating_duration_since(Instant::now()) < Duration::from_secs(60)
        });
        if stale {
            self.refresh(http, retry, on_retry)?;
        }
        Ok(&self.token)
    }

    /// Whether [`Self::refresh`] can give a different token (a fixed token cannot).
    pub(crate) fn can_refresh(&self) -> bool {
        !matches!(self.method, Method::Fixed)
    }

    /// Gets a new token from the source.
    pub(crate) fn refresh(
        &mut self,
        http: &Client,
        retry: &RetryPolicy,
        on_retry: &mut OnRetry<'_>,
    ) -> Result<(), GcpError> {
        let (token, lifetime) = match &self.method {
            Method::Fixed => return Ok(()),
            Method::ServiceAccount {
                path,
                email,
                key_id,
                pkcs8,
                token_uri,
            } => {
                let now = jiff::Timestamp::now().as_second();
                let assertion = sign_assertion(pkcs8, key_id.as_deref(), email, token_uri, now)
                    .map_err(|reason| GcpError::KeyFile {
                        path: path.clone(),
                        reason,
                    })?;
                let form = [
                    ("grant_type", JWT_BEARER_GRANT.to_owned()),
                    ("assertion", assertion),
                ];
                exchange(http, retry, on_retry, token_uri, &form)?
            }
            Method::AuthorizedUser {
                client_id,
                client_secret,
                refresh_token,
                token_uri,
                ..
            } => {
                let form = [
                    ("grant_type", "refresh_token".to_owned()),
                    ("client_id", client_id.clone()),
                    ("client_secret", client_secret.clone()),
                    ("refresh_token", refresh_token.clone()),
                ];
                exchange(http, retry, on_retry, token_uri, &form)?
            }
            Method::Gcloud(program) => (gcloud_token(program)?, None),
            Method::Metadata(url) => metadata_token(http, url)?,
        };
        self.token = token;
        self.expires = lifetime.map(|seconds| Instant::now() + seconds);
        Ok(())
    }
}

fn load_key_file(path: &Path) -> Result<Method, GcpError> {
    let fail = |reason: String| GcpError::KeyFile {
        path: path.to_owned(),
        reason,
    };
    let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
    let key: KeyFile = serde_json::from_str(&text)
        .map_err(|e| fail(format!("not a credentials JSON file: {e}")))?;
    let token_uri = key
        .token_uri
        .clone()
        .unwrap_or_else(|| DEFAULT_TOKEN_URI.to_owned());
    match key.kind.as_deref() {
        Some("service_account") => {
            let missing = |field: &str| fail(format!("`{field}` is missing"));
            let email = key.client_email.ok_or_else(|| missing("client_email"))?;
            let pem = key.private_key.ok_or_else(|| missing("private_key"))?;
            let pkcs8 = pem_to_der(&pem).map_err(&fail)?;
            // Parse once now so a broken key is reported before any request.
            ring::signature::RsaKeyPair::from_pkcs8(&pkcs8)
                .map_err(|e| fail(format!("`private_key` is not a PKCS#8 RSA key: {e}")))?;
            Ok(Method::ServiceAccount {
                path: path.to_owned(),
                email,
                key_id: key.private_key_id,
                pkcs8,
                token_uri,
            })
        }
        Some("authorized_user") => {
            let missing = |field: &str| fail(format!("`{field}` is missing"));
            Ok(Method::AuthorizedUser {
                client_id: key.client_id.ok_or_else(|| missing("client_id"))?,
                client_secret: key.client_secret.ok_or_else(|| missing("client_secret"))?,
                refresh_token: key.refresh_token.ok_or_else(|| missing("refresh_token"))?,
                token_uri,
            })
        }
        Some(other) => Err(fail(format!(
            "credentials of type `{other}` are not supported; use a `service_account` key or \
             an `authorized_user` file"
        ))),
        None => Err(fail("the `type` field is missing".to_owned())),
    }
}

/// The DER body of a `-----BEGIN PRIVATE KEY-----` PEM block.
fn pem_to_der(pem: &str) -> Result<Vec<u8>, String> {
    const BEGIN: &str = "-----BEGIN PRIVATE KEY-----";
    const END: &str = "-----END PRIVATE KEY-----";
    let start = pem.find(BEGIN).ok_or_else(|| {
        if pem.contains("BEGIN RSA PRIVATE KEY") {
            "`private_key` is PKCS#1 (`BEGIN RSA PRIVATE KEY`); Google key files hold PKCS#8 \
             (`BEGIN PRIVATE KEY`)"
                .to_owned()
        } else {
            format!("`private_key` has no `{BEGIN}` line")
        }
    })? + BEGIN.len();
    let end = pem[start..]
        .find(END)
        .ok_or_else(|| format!("`private_key` has no `{END}` line"))?
        + start;
    let body: String = pem[start..end]
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    STANDARD
        .decode(body)
        .map_err(|e| format!("`private_key` is not valid base64: {e}"))
}

/// The signed JWT that a service account trades for an access token (RS256).
fn sign_assertion(
    pkcs8: &[u8],
    key_id: Option<&str>,
    email: &str,
    audience: &str,
    now: i64,
) -> Result<String, String> {
    let mut header = serde_json::json!({ "alg": "RS256", "typ": "JWT" });
    if let Some(kid) = key_id {
        header["kid"] = kid.into();
    }
    let claims = serde_json::json!({
        "iss": email,
        "scope": LOGGING_READ_SCOPE,
        "aud": audience,
        "iat": now,
        "exp": now + ASSERTION_LIFETIME_SECONDS,
    });
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let pair = ring::signature::RsaKeyPair::from_pkcs8(pkcs8)
        .map_err(|e| format!("`private_key` is not a PKCS#8 RSA key: {e}"))?;
    let mut signature = vec![0; pair.public().modulus_len()];
    pair.sign(
        &ring::signature::RSA_PKCS1_SHA256,
        &ring::rand::SystemRandom::new(),
        signing_input.as_bytes(),
        &mut signature,
    )
    .map_err(|_| "cannot sign the JWT with `private_key`".to_owned())?;
    Ok(format!(
        "{signing_input}.{}",
        URL_SAFE_NO_PAD.encode(signature)
    ))
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    expires_in: Option<u64>,
}

/// POSTs the form to the token endpoint and reads `access_token` and `expires_in`.
fn exchange(
    http: &Client,
    retry: &RetryPolicy,
    on_retry: &mut OnRetry<'_>,
    url: &str,
    form: &[(&str, String)],
) -> Result<(String, Option<Duration>), GcpError> {
    let fail = |status: u16, body: String| GcpError::TokenExchange {
        url: url.to_owned(),
        status,
        body,
    };
    let answer = retry::send(retry, &|| http.post(url).form(form), on_retry)
        .map_err(|e| fail(0, e.to_string()))?;
    if answer.status != 200 {
        return Err(fail(answer.status, clip(&answer.body)));
    }
    let token: TokenAnswer = serde_json::from_str(&answer.body).map_err(|e| {
        fail(
            answer.status,
            format!("no `access_token` in the answer: {e}"),
        )
    })?;
    Ok((
        token.access_token,
        token.expires_in.map(Duration::from_secs),
    ))
}

/// A token of the attached service account from the metadata server (GET with the
/// `Metadata-Flavor: Google` header, answered with `access_token` and `expires_in`). One short
/// try: off Google Cloud there is no such server, and the caller has no other source left.
fn metadata_token(http: &Client, url: &str) -> Result<(String, Option<Duration>), GcpError> {
    let fail = |status: u16, body: String| GcpError::TokenExchange {
        url: url.to_owned(),
        status,
        body,
    };
    let response = http
        .get(url)
        .header("Metadata-Flavor", "Google")
        .timeout(METADATA_TIMEOUT)
        .send()
        .map_err(|e| fail(0, gardener_core::retry::error_chain(&e)))?;
    let status = response.status().as_u16();
    let body = response.text().unwrap_or_default();
    if status != 200 {
        return Err(fail(status, clip(&body)));
    }
    let token: TokenAnswer = serde_json::from_str(&body)
        .map_err(|e| fail(status, format!("no `access_token` in the answer: {e}")))?;
    Ok((
        token.access_token,
        token.expires_in.map(Duration::from_secs),
    ))
}

fn gcloud_token(program: &Path) -> Result<String, GcpError> {
    let output = Command::new(program)
        .args(["auth", "print-access-token"])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| GcpError::Gcloud {
            reason: format!("cannot run `{}`: {e}", program.display()),
        })?;
    let stdout = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    if !output.status.success() || stdout.is_empty() {
        return Err(GcpError::Gcloud {
            reason: format!(
                "{}: {}",
                output.status,
                clip(String::from_utf8_lossy(&output.stderr).trim())
            ),
        });
    }
    Ok(stdout)
}

/// A program given as a path, or looked up on `PATH` by name.
fn find_program(program: &Path) -> Option<PathBuf> {
    if program.components().count() > 1 {
        return program.is_file().then(|| program.to_owned());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

/// The first 500 characters of an answer, for messages.
pub(crate) fn clip(text: &str) -> String {
    let mut clipped: String = text.chars().take(500).collect();
    if clipped.len() < text.len() {
        clipped.push_str("...");
    }
    clipped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkcs1_keys_get_a_hint_and_garbage_is_refused() {
        let pkcs1 = "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n";
        assert!(pem_to_der(pkcs1).unwrap_err().contains("PKCS#1"));
        assert!(
            pem_to_der("nothing")
                .unwrap_err()
                .contains("BEGIN PRIVATE KEY")
        );
        let bad = "-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----\n";
        assert!(pem_to_der(bad).unwrap_err().contains("base64"));
    }

    #[test]
    fn no_source_lists_everything_tried() {
        let config = AuthConfig {
            gcloud: Some(PathBuf::from("gardener-no-such-gcloud")),
            ..AuthConfig::default()
        };
        let http = Client::new();
        let error =
            TokenSource::resolve(&config, &http, &RetryPolicy::default(), &mut |_, _, _| {})
                .err()
                .unwrap();
        let text = error.to_string();
        for expected in [
            "--access-token: not given",
            "GOOGLE_OAUTH_ACCESS_TOKEN: not set",
            "GOOGLE_APPLICATION_CREDENTIALS: not set",
            "`gardener-no-such-gcloud`: not found on PATH",
            "metadata server: not tried",
            "hint:",
        ] {
            assert!(text.contains(expected), "{expected} missing from:\n{text}");
        }
    }

    #[test]
    fn explicit_token_wins_over_the_environment() {
        let config = AuthConfig {
            access_token: Some(" flag-token\n".into()),
            env_access_token: Some("env-token".into()),
            key_file: Some(PathBuf::from("does-not-exist.json")),
            ..AuthConfig::default()
        };
        let http = Client::new();
        let mut source =
            TokenSource::resolve(&config, &http, &RetryPolicy::default(), &mut |_, _, _| {})
                .unwrap();
        assert_eq!(source.origin(), &TokenOrigin::Flag);
        assert!(!source.can_refresh());
        let token = source
            .token(&http, &RetryPolicy::default(), &mut |_, _, _| {})
            .unwrap();
        assert_eq!(token, "flag-token");
    }

    #[test]
    fn a_set_but_broken_key_file_is_an_error_not_a_fall_through() {
        let dir = std::env::temp_dir().join(format!("gardener-gcp-auth-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("key.json");
        std::fs::write(&path, r#"{"type":"service_account","client_email":"a@b"}"#).unwrap();
        let config = AuthConfig {
            key_file: Some(path.clone()),
            gcloud: None,
            ..AuthConfig::default()
        };
        let http = Client::new();
        let error =
            TokenSource::resolve(&config, &http, &RetryPolicy::default(), &mut |_, _, _| {})
                .err()
                .unwrap();
        assert!(
            matches!(&error, GcpError::KeyFile { reason, .. } if reason.contains("private_key")),
            "{error}"
        );
        std::fs::remove_dir_all(dir).ok();
    }
}
