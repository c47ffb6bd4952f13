//! Test support shared by the Log Gardener crates. Used only as a dev-dependency.
//!
//! - [`RedisServer`]: a real `redis-server` (the Debian package; `scripts/test.sh` installs it)
//!   started on a free loopback port without persistence, stopped by its pid when dropped.
//! - [`shared_dir`]: the `shared/` folder beside the checkout that holds the public data sets.

#![deny(missing_docs)]
#![allow(clippy::print_stderr, clippy::expect_used)]

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A `redis-server` child process listening on `127.0.0.1:port`.
///
/// It runs with `--save ''` and `--appendonly no` so nothing is written to disk, in a temporary
/// working directory. Dropping the value kills the process by its pid and waits for it.
pub struct RedisServer {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl RedisServer {
    /// Starts a server on a free loopback port, with extra `redis-server` arguments
    /// (for example `["--requirepass", "secret"]`).
    ///
    /// # Panics
    ///
    /// When `redis-server` is not installed (run `scripts/test.sh`, which installs it) or does
    /// not accept connections within ten seconds. This is test support: failing loudly is the
    /// point.
    #[must_use]
    pub fn start_with(extra_args: &[&str]) -> Self {
        let binary =
            std::env::var("GARDENER_REDIS_SERVER").unwrap_or_else(|_| "redis-server".into());
        let port = free_port();
        let dir =
            std::env::temp_dir().join(format!("gardener-redis-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create the redis working directory");
        let child = Command::new(&binary)
            .arg("--port")
            .arg(port.to_string())
            .args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(&dir)
            .args(extra_args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| {
                panic!(
                    "cannot start `{binary}`: {error}\nhint: run `scripts/test.sh`, which installs \
                     the Debian package redis-server, or set GARDENER_REDIS_SERVER"
                )
            });
        let server = Self { child, port, dir };
        server.wait_until_ready();
        server
    }

    /// Starts a server with default settings.
    #[must_use]
    pub fn start() -> Self {
        Self::start_with(&[])
    }

    /// The loopback port the server listens on.
    #[must_use]
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The pid of the server process.
    #[must_use]
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// A `redis://127.0.0.1:PORT` URL for this server.
    #[must_use]
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    fn wait_until_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!(
            "redis-server on port {} did not accept connections within 10 s",
            self.port
        );
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        // Stop by pid: kill the child we started, then reap it so no zombie is left.
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A port on 127.0.0.1 that was free a moment ago (the OS picks it).
#[must_use]
pub fn free_port() -> u16 {
    let listener = TcpListener::bind(("127.0.0.1", 0)).expect("bind an ephemeral loopback port");
    listener
        .local_addr()
        .expect("local address of a bound listener")
        .port()
}

/// The `shared/` folder beside the repository checkout (`../shared` from the workspace root),
/// which holds `loghub-2k/` and `samples/`. `GARDENER_SHARED_DIR` overrides it.
#[must_use]
pub fn shared_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("GARDENER_SHARED_DIR") {
        return PathBuf::from(dir);
    }
    workspace_root().join("..").join("shared")
}

/// The workspace root (the folder holding the top-level `Cargo.toml`).
#[must_use]
pub fn workspace_root() -> PathBuf {
    // This crate lives in `crates/gardener-test`.
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("..")
}
