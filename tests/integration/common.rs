//! Shared test helpers: the servers every test runs against, connection strings, and small
//! tools (unique names, a seeded generator, a "poll N times then drop" helper, deadlines).
#![allow(dead_code)]

use std::future::Future;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use pgtusk::protocol::ProtocolVersion;
use pgtusk_testkit::{Server, roles, test_versions};

/// One server under test: a testkit server (with every role), or an external one given by
/// `PGTUSK_TEST_URL` (superuser URL; role-specific tests skip it).
pub struct Target {
    pub server: Option<&'static Server>,
    pub url: String,
    pub label: String,
}

impl Target {
    /// The URL for `role` over TCP without TLS.
    pub fn url_for(&self, role: &str) -> Option<String> {
        self.server.map(|s| format!("{} sslmode=disable", s.conninfo(role)))
    }

    /// A key=value conninfo for `role` with extra settings.
    pub fn conninfo(&self, role: &str, extra: &str) -> Option<String> {
        self.server.map(|s| format!("{} {extra}", s.conninfo(role)))
    }

    /// The server's major version, when it is a testkit server.
    pub fn major(&self) -> Option<u32> {
        self.server.map(Server::major)
    }
}

/// The servers to test against: `PGTUSK_TEST_URL` alone, or the testkit's versions
/// (`PGTUSK_TEST_VERSIONS`, default 15 and 18).
pub fn targets() -> Vec<Target> {
    if let Some(url) = pgtusk_testkit::test_url() {
        return vec![Target { server: None, url, label: "external".into() }];
    }
    test_versions()
        .into_iter()
        .map(|v| {
            let server = Server::shared(v);
            Target {
                server: Some(server),
                url: format!("{} sslmode=disable", server.conninfo(roles::SUPERUSER)),
                label: format!("pg{v}"),
            }
        })
        .collect()
}

/// The testkit servers under test (none when `PGTUSK_TEST_URL` points elsewhere: tests that
/// need roles, TLS files or private servers skip themselves then).
pub fn servers() -> Vec<&'static Server> {
    targets().into_iter().filter_map(|t| t.server).collect()
}

/// The major version for tests that start a private server (kill it, reconfigure it): the
/// first of the versions under test, or `None` with an external server.
pub fn private_major() -> Option<u32> {
    if pgtusk_testkit::test_url().is_some() {
        return None;
    }
    test_versions().first().copied()
}

/// A libpq value, quoted when it needs to be (`'...'` with `\` and `'` escaped).
pub fn quote(value: &str) -> String {
    if !value.is_empty() && !value.contains([' ', '\'', '\\', '\t', '\n']) {
        return value.to_owned();
    }
    let mut out = String::from("'");
    for c in value.chars() {
        if c == '\'' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('\'');
    out
}

/// A path as a libpq value.
pub fn quote_path(path: &Path) -> String {
    quote(&path.display().to_string())
}

/// A conninfo for `role` over TCP on 127.0.0.1 with an explicit password (`None`: no password
/// at all) and extra `key=value` settings.
pub fn conninfo_pw(server: &Server, role: &str, password: Option<&str>, extra: &str) -> String {
    let mut s = format!("host=127.0.0.1 port={} user={role} dbname=postgres", server.port());
    if let Some(pw) = password {
        s.push_str(" password=");
        s.push_str(&quote(pw));
    }
    if !extra.is_empty() {
        s.push(' ');
        s.push_str(extra);
    }
    s
}

/// The `sslrootcert=... sslmode=verify-full` settings for the testkit CA.
pub fn verify_full(server: &Server) -> String {
    format!("sslmode=verify-full sslrootcert={}", quote_path(server.ca_cert()))
}

/// A name no other test (or run) uses: `prefix_<pid>_<counter>`.
pub fn unique(prefix: &str) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!("{prefix}_{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed))
}

/// A TCP port on 127.0.0.1 where nothing listens (bound once to pick it, then released).
pub fn dead_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// The protocol version a server of `major` negotiates by default.
pub fn default_protocol(major: u32) -> ProtocolVersion {
    if major >= 18 { ProtocolVersion::V3_2 } else { ProtocolVersion::V3_0 }
}

/// A tiny xorshift64 generator, seeded for reproducible runs.
#[derive(Clone, Debug)]
pub struct XorShift(pub u64);

impl XorShift {
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
}

/// The seed of a randomised test: `PGTUSK_TEST_SEED` when set, else `default`.
pub fn seed(default: u64) -> u64 {
    std::env::var("PGTUSK_TEST_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(default)
}

/// Polls `fut` up to `polls` times with a no-op waker, yielding to the runtime between polls so
/// its IO driver can make progress, then drops it. Returns the output when it completed first.
pub async fn poll_then_drop<F: Future>(fut: F, polls: usize) -> Option<F::Output> {
    let mut fut = std::pin::pin!(fut);
    let mut cx = Context::from_waker(Waker::noop());
    for _ in 0..polls {
        if let Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
            return Some(out);
        }
        tokio::task::yield_now().await;
    }
    None
}

/// Runs `f` on a thread and panics when it does not finish within `limit` (a hang is a
/// failure, not a stuck test run). Returns what `f` returned.
pub fn with_deadline<T: Send + 'static>(
    limit: Duration,
    what: &str,
    f: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)));
    });
    match rx.recv_timeout(limit) {
        Ok(Ok(v)) => v,
        Ok(Err(panic)) => std::panic::resume_unwind(panic),
        Err(_) => panic!("{what}: no answer within {limit:?} (hang)"),
    }
}

/// Awaits `fut` and panics when it takes longer than `limit`.
pub async fn within<F: Future>(limit: Duration, what: &str, fut: F) -> F::Output {
    match tokio::time::timeout(limit, fut).await {
        Ok(v) => v,
        Err(_) => panic!("{what}: no answer within {limit:?} (hang)"),
    }
}

/// Defines a test twice, in a module named after it: `async_conn` on [`pgtusk::Connection`]
/// and `blocking_conn` on [`pgtusk::blocking::Connection`]. In the body, `aw!(e)` is `e.await`
/// in the async version and `e` in the blocking one, `Conn` names the connection type and
/// `Pool` the pool type;
/// `$t` is bound to each [`Target`] in turn.
macro_rules! dual_test {
    ($(#[$m:meta])* fn $name:ident($t:ident) $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test]
            $(#[$m])*
            async fn async_conn() {
                #[allow(unused_macros)]
                macro_rules! aw {
                    ($e:expr) => {
                        $e.await
                    };
                }
                #[allow(dead_code)]
                type Conn = pgtusk::Connection;
                #[allow(dead_code)]
                type Pool = pgtusk::Pool;
                for $t in $crate::common::targets() {
                    $body
                }
            }

            #[test]
            $(#[$m])*
            fn blocking_conn() {
                #[allow(unused_macros)]
                macro_rules! aw {
                    ($e:expr) => {
                        $e
                    };
                }
                #[allow(dead_code)]
                type Conn = pgtusk::blocking::Connection;
                #[allow(dead_code)]
                type Pool = pgtusk::blocking::Pool;
                for $t in $crate::common::targets() {
                    $body
                }
            }
        }
    };
}
pub(crate) use dual_test;
