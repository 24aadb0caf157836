//! [`Config`]: connection parameters with libpq's names, syntax, defaults and checks.
//!
//! A `Config` is built from a connection string ([`str::parse`], both the
//! `postgresql://` URL form and libpq's `key=value` form), from builder methods, or both;
//! [`Config::apply_env`] then fills whatever was not set from the `PG*` environment
//! variables, and [`Config::resolve`] applies libpq's defaults and expands the host list into
//! the [`Target`]s to try, in order.
//!
//! Precedence, as in libpq: a parameter set explicitly (even to an empty value) beats the
//! environment, which beats the built-in default. The last occurrence of a parameter in a
//! connection string wins.
//!
//! Checks that involve several parameters (`sslnegotiation=direct` needs `sslmode` of
//! `require` or stronger; `sslrootcert=system` needs `verify-full`; one port or one per host;
//! one `hostaddr` per host; `min_protocol_version` ≤ `max_protocol_version`) run when a string
//! is parsed and after the environment is applied, on the parameters set so far, and again in
//! full, defaults included, in [`Config::validate`] and [`Config::resolve`].
//!
//! Beyond libpq's parameters, pgtusk accepts four of its own, in both string forms:
//! `statement_cache_size`, `prepare_threshold`, `pooler_mode` and `read_batching`.
//!
//! Differences from libpq, on purpose:
//! - Values are checked when a string is parsed (and when a setter, [`Config::set_param`] or
//!   the environment sets them), where libpq checks most of them only when it connects: an
//!   unknown key, a bad port, a bad `sslmode` or any other value the parameter does not take
//!   is an error that names the key, before any connection is tried.
//! - libpq's parameters that pgtusk does not support (`service`, `sslcrl`, `sslpassword`,
//!   `krbsrvname`, `tcp_user_timeout`, `replication`, the `oauth_*` ones, ...) are refused
//!   with an error that says so. Two are accepted and ignored because their value can name
//!   what pgtusk always does: `gssencmode` (`disable` or `prefer`: pgtusk never uses GSSAPI
//!   encryption) and `client_encoding` (`UTF8`). `require_auth` does not know libpq 18's
//!   `oauth`, which pgtusk does not implement.
//! - `hostaddr` takes standard IPv4 and IPv6 text only (no `127.1`, no IPv6 zone), and a URL
//!   part that percent-decodes to something other than UTF-8 is refused (but for the
//!   password, which is bytes).
//! - `keepalives` (like pgtusk's booleans) also takes `true`/`false`, `on`/`off`, `yes`/`no`.
//! - `max_protocol_version` defaults to 3.2, the newest pgtusk speaks, where libpq 18 asks for
//!   3.0; a server that refuses 3.2 without negotiating is tried again with 3.0.
//! - An environment variable set to the empty string counts as unset ([`Config::apply_env`]),
//!   where libpq refuses an empty `PGSSLMODE`, `PGSSLNEGOTIATION`, `PGCHANNELBINDING`,
//!   `PGTARGETSESSIONATTRS`, `PGLOADBALANCEHOSTS`, `PGMINPROTOCOLVERSION`,
//!   `PGMAXPROTOCOLVERSION` or `PGCONNECT_TIMEOUT`; for the other variables the empty value
//!   means the default in both. The variables of parameters pgtusk does not support
//!   (`PGSERVICE`, `PGGSSENCMODE`, `PGREQUIREPEER`, `PGSSLCRL`, `PGCLIENTENCODING`, ...) are
//!   not read.
//! - The password file: see [`pgpass`] for the few ways its lookup differs.
//!
//! Invariant: no IO here. The environment is read through a function the caller passes in
//! ([`Config::from_env_and_str`] is the convenience that passes [`std::env::var`]); the
//! only exception is [`pgpass::read_password_file`], a plain file read the connection's IO
//! layer calls. The password is never shown by `Debug` and never appears in an error.

mod env;
mod error;
mod params;
mod parse;
pub mod pgpass;
mod target;
mod types;

#[cfg(test)]
mod tests;

use core::net::IpAddr;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use env::{DEFAULT_PORT, DEFAULT_STATEMENT_CACHE_SIZE, DEFAULT_UNIX_SOCKET_DIRS};
pub use error::{ConfigError, ConfigErrorKind};
pub use target::{Host, Resolved, Target};
pub use types::{
    LoadBalanceHosts, RequireAuth, SslMode, SslNegotiation, SslRootCert, TargetSessionAttrs,
};

use crate::protocol::ProtocolVersion;
use crate::protocol::auth::ChannelBinding;

/// Connection parameters, with libpq's names and semantics.
///
/// Every field is "unset" until a connection string, a builder method or the environment
/// sets it; getters return libpq's default for an unset parameter. Setters take `&mut self`
/// and return it, so calls chain:
///
/// ```
/// use pgtusk::conn::config::{Config, SslMode};
///
/// let mut config: Config = "postgresql://app@db1,db2/shop?target_session_attrs=read-write"
///     .parse()?;
/// config.ssl_mode(SslMode::VerifyFull).port(5433);
/// assert_eq!(config.get_hosts(), ["db1", "db2"]);
/// # Ok::<(), pgtusk::conn::config::ConfigError>(())
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Config {
    hosts: Option<Vec<String>>,
    hostaddrs: Option<Vec<Option<IpAddr>>>,
    /// The `hostaddr` entries as written (empty for an empty entry), beside `hostaddrs`: as in
    /// libpq, a target given by address only is named by this text, which the password file
    /// sees (`0:0::1` is not `::1` there).
    hostaddr_texts: Option<Vec<String>>,
    ports: Option<Vec<u16>>,
    user: Option<String>,
    password: Option<Vec<u8>>,
    dbname: Option<String>,
    application_name: Option<String>,
    fallback_application_name: Option<String>,
    options: Option<String>,
    /// `Some(ZERO)` is an explicit "no timeout", which the environment must not override.
    connect_timeout: Option<Duration>,
    keepalives: Option<bool>,
    /// `Some(ZERO)` is an explicit "system default".
    keepalives_idle: Option<Duration>,
    /// `Some(ZERO)` is an explicit "system default".
    keepalives_interval: Option<Duration>,
    /// `Some(0)` is an explicit "system default".
    keepalives_count: Option<u32>,
    ssl_mode: Option<SslMode>,
    ssl_root_cert: Option<SslRootCert>,
    ssl_cert: Option<PathBuf>,
    ssl_key: Option<PathBuf>,
    ssl_negotiation: Option<SslNegotiation>,
    channel_binding: Option<ChannelBinding>,
    require_auth: Option<RequireAuth>,
    target_session_attrs: Option<TargetSessionAttrs>,
    load_balance_hosts: Option<LoadBalanceHosts>,
    min_protocol_version: Option<ProtocolVersion>,
    max_protocol_version: Option<ProtocolVersion>,
    passfile: Option<PathBuf>,
    statement_cache_size: Option<usize>,
    prepare_threshold: Option<u32>,
    pooler_mode: Option<bool>,
    read_batching: Option<bool>,
}

/// libpq's rule for `connect_timeout`: zero means none, and less than two seconds is two.
fn normalize_connect_timeout(t: Duration) -> Duration {
    if t.is_zero() { t } else { t.max(Duration::from_secs(2)) }
}

/// An empty path given as a value means "not given", as in libpq.
fn non_empty_path(path: &Option<PathBuf>) -> Option<&Path> {
    path.as_deref().filter(|p| !p.as_os_str().is_empty())
}

/// Setters. Each marks its parameter as set, so the environment no longer applies to it.
impl Config {
    /// An empty configuration: every parameter unset.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a host (libpq's `host`). A value starting with `/` or `@` is a Unix-socket
    /// directory (`@` for Linux's abstract namespace); an empty value stands for the default
    /// host. Call it once per host to try several.
    pub fn host(&mut self, host: &str) -> &mut Self {
        self.hosts.get_or_insert_with(Vec::new).push(host.to_owned());
        self
    }

    /// Adds a numeric address (libpq's `hostaddr`) for the host at the same position: the
    /// connection goes there without a name lookup, and the host name is still used for TLS
    /// and the password file.
    pub fn hostaddr(&mut self, addr: IpAddr) -> &mut Self {
        self.hostaddrs.get_or_insert_with(Vec::new).push(Some(addr));
        self.hostaddr_texts.get_or_insert_with(Vec::new).push(addr.to_string());
        self
    }

    /// Adds a port: give one for every host, or one for all of them.
    pub fn port(&mut self, port: u16) -> &mut Self {
        self.ports.get_or_insert_with(Vec::new).push(port);
        self
    }

    /// Sets the user name (default: the operating-system user).
    pub fn user(&mut self, user: &str) -> &mut Self {
        self.user = Some(user.to_owned());
        self
    }

    /// Sets the password. An empty password counts as none, so the password file is read, but
    /// it still keeps `PGPASSWORD` out (as in libpq).
    pub fn password(&mut self, password: impl AsRef<[u8]>) -> &mut Self {
        self.password = Some(password.as_ref().to_vec());
        self
    }

    /// Sets the database name (default: the user name).
    pub fn dbname(&mut self, dbname: &str) -> &mut Self {
        self.dbname = Some(dbname.to_owned());
        self
    }

    /// Sets `application_name`, reported in `pg_stat_activity`.
    pub fn application_name(&mut self, name: &str) -> &mut Self {
        self.application_name = Some(name.to_owned());
        self
    }

    /// Sets `fallback_application_name`, used when `application_name` is unset everywhere.
    pub fn fallback_application_name(&mut self, name: &str) -> &mut Self {
        self.fallback_application_name = Some(name.to_owned());
        self
    }

    /// Sets `options`: command-line options for the server (e.g. `-c search_path=app`).
    pub fn options(&mut self, options: &str) -> &mut Self {
        self.options = Some(options.to_owned());
        self
    }

    /// Sets `connect_timeout`, per host. As in libpq, zero means none and anything shorter
    /// than two seconds becomes two seconds.
    pub fn connect_timeout(&mut self, timeout: Duration) -> &mut Self {
        self.connect_timeout = Some(normalize_connect_timeout(timeout));
        self
    }

    /// Sets `keepalives`: whether TCP keepalives are used (default: on).
    pub fn keepalives(&mut self, on: bool) -> &mut Self {
        self.keepalives = Some(on);
        self
    }

    /// Sets `keepalives_idle` (whole seconds are used; zero means the system default).
    pub fn keepalives_idle(&mut self, idle: Duration) -> &mut Self {
        self.keepalives_idle = Some(idle);
        self
    }

    /// Sets `keepalives_interval` (whole seconds are used; zero means the system default).
    pub fn keepalives_interval(&mut self, interval: Duration) -> &mut Self {
        self.keepalives_interval = Some(interval);
        self
    }

    /// Sets `keepalives_count` (zero means the system default).
    pub fn keepalives_count(&mut self, count: u32) -> &mut Self {
        self.keepalives_count = Some(count);
        self
    }

    /// Sets `sslmode`.
    pub fn ssl_mode(&mut self, mode: SslMode) -> &mut Self {
        self.ssl_mode = Some(mode);
        self
    }

    /// Sets `sslrootcert`.
    pub fn ssl_root_cert(&mut self, root: SslRootCert) -> &mut Self {
        self.ssl_root_cert = Some(root);
        self
    }

    /// Sets `sslcert`, the client certificate file.
    pub fn ssl_cert(&mut self, path: impl Into<PathBuf>) -> &mut Self {
        self.ssl_cert = Some(path.into());
        self
    }

    /// Sets `sslkey`, the client key file.
    pub fn ssl_key(&mut self, path: impl Into<PathBuf>) -> &mut Self {
        self.ssl_key = Some(path.into());
        self
    }

    /// Sets `sslnegotiation`.
    pub fn ssl_negotiation(&mut self, negotiation: SslNegotiation) -> &mut Self {
        self.ssl_negotiation = Some(negotiation);
        self
    }

    /// Sets `channel_binding`.
    pub fn channel_binding(&mut self, binding: ChannelBinding) -> &mut Self {
        self.channel_binding = Some(binding);
        self
    }

    /// Sets `require_auth`.
    pub fn require_auth(&mut self, require: RequireAuth) -> &mut Self {
        self.require_auth = Some(require);
        self
    }

    /// Sets `target_session_attrs`.
    pub fn target_session_attrs(&mut self, attrs: TargetSessionAttrs) -> &mut Self {
        self.target_session_attrs = Some(attrs);
        self
    }

    /// Sets `load_balance_hosts`.
    pub fn load_balance_hosts(&mut self, mode: LoadBalanceHosts) -> &mut Self {
        self.load_balance_hosts = Some(mode);
        self
    }

    /// Sets `min_protocol_version` (default 3.0).
    pub fn min_protocol_version(&mut self, version: ProtocolVersion) -> &mut Self {
        self.min_protocol_version = Some(version);
        self
    }

    /// Sets `max_protocol_version` (pgtusk's default: 3.2, the newest it speaks).
    pub fn max_protocol_version(&mut self, version: ProtocolVersion) -> &mut Self {
        self.max_protocol_version = Some(version);
        self
    }

    /// Sets `passfile`, the password file (default: `~/.pgpass`).
    pub fn passfile(&mut self, path: impl Into<PathBuf>) -> &mut Self {
        self.passfile = Some(path.into());
        self
    }

    /// pgtusk's `statement_cache_size`: how many prepared statements the per-connection
    /// cache keeps (default [`DEFAULT_STATEMENT_CACHE_SIZE`]; 0 disables the cache).
    pub fn statement_cache_size(&mut self, size: usize) -> &mut Self {
        self.statement_cache_size = Some(size);
        self
    }

    /// pgtusk's `prepare_threshold`: reserved for the statement cache (how many executions
    /// of a statement before it is prepared); unset means the cache's own default.
    pub fn prepare_threshold(&mut self, threshold: u32) -> &mut Self {
        self.prepare_threshold = Some(threshold);
        self
    }

    /// pgtusk's `pooler_mode`: only unnamed statements and protocol `Close`, for PgBouncer
    /// in transaction pooling mode (default: off).
    pub fn pooler_mode(&mut self, on: bool) -> &mut Self {
        self.pooler_mode = Some(on);
        self
    }

    /// pgtusk's `read_batching` (default: on): while one answer streams in bulk (more than
    /// 4 MiB of a large result or a COPY TO STDOUT), the driver asks the kernel to wake it
    /// once per 64 KiB instead of once per server write, which saves the client and a local
    /// server most of their wake-ups and raises throughput. The last piece of such an answer
    /// can arrive up to a few milliseconds later than without it. It applies to TCP
    /// connections (TLS included) on Linux. The async connection bounds those waits with
    /// tokio's timer, so its runtime needs the time driver (`enable_time`, part of
    /// `enable_all` and tokio's `main` attribute); turn this off for a runtime without one.
    pub fn read_batching(&mut self, on: bool) -> &mut Self {
        self.read_batching = Some(on);
        self
    }
}

/// Getters. Each returns libpq's (or pgtusk's) default for an unset parameter.
impl Config {
    /// The hosts, as given (empty if unset; an empty entry stands for the default host).
    pub fn get_hosts(&self) -> &[String] {
        self.hosts.as_deref().unwrap_or_default()
    }

    /// The `hostaddr` entries, as given (`None` for an empty entry in the list).
    pub fn get_hostaddrs(&self) -> &[Option<IpAddr>] {
        self.hostaddrs.as_deref().unwrap_or_default()
    }

    /// The ports, as given (empty if unset: [`DEFAULT_PORT`] for every host).
    pub fn get_ports(&self) -> &[u16] {
        self.ports.as_deref().unwrap_or_default()
    }

    /// The user name, if set.
    pub fn get_user(&self) -> Option<&str> {
        self.user.as_deref()
    }

    /// The password, if set to a non-empty value. An empty password counts as none, as in
    /// libpq: the password file is read.
    pub fn get_password(&self) -> Option<&[u8]> {
        self.password.as_deref().filter(|p| !p.is_empty())
    }

    /// The database name, if set.
    pub fn get_dbname(&self) -> Option<&str> {
        self.dbname.as_deref()
    }

    /// `application_name`, if set.
    pub fn get_application_name(&self) -> Option<&str> {
        self.application_name.as_deref()
    }

    /// `fallback_application_name`, if set.
    pub fn get_fallback_application_name(&self) -> Option<&str> {
        self.fallback_application_name.as_deref()
    }

    /// `options`, if set.
    pub fn get_options(&self) -> Option<&str> {
        self.options.as_deref()
    }

    /// The connect timeout per host; `None` waits indefinitely (the default).
    pub fn get_connect_timeout(&self) -> Option<Duration> {
        self.connect_timeout.filter(|t| !t.is_zero())
    }

    /// Whether TCP keepalives are used (default: true).
    pub fn get_keepalives(&self) -> bool {
        self.keepalives.unwrap_or(true)
    }

    /// The keepalive idle time; `None` leaves the system default.
    pub fn get_keepalives_idle(&self) -> Option<Duration> {
        self.keepalives_idle.filter(|t| !t.is_zero())
    }

    /// The keepalive interval; `None` leaves the system default.
    pub fn get_keepalives_interval(&self) -> Option<Duration> {
        self.keepalives_interval.filter(|t| !t.is_zero())
    }

    /// The keepalive probe count; `None` leaves the system default.
    pub fn get_keepalives_count(&self) -> Option<u32> {
        self.keepalives_count.filter(|n| *n != 0)
    }

    /// The effective `sslmode`: as set, else `verify-full` when `sslrootcert=system`, else
    /// `prefer`.
    pub fn get_ssl_mode(&self) -> SslMode {
        match (self.ssl_mode, &self.ssl_root_cert) {
            (Some(mode), _) => mode,
            (None, Some(SslRootCert::System)) => SslMode::VerifyFull,
            (None, _) => SslMode::default(),
        }
    }

    /// `sslrootcert`, if set to something other than an empty path.
    pub fn get_ssl_root_cert(&self) -> Option<&SslRootCert> {
        self.ssl_root_cert
            .as_ref()
            .filter(|r| !matches!(r, SslRootCert::File(p) if p.as_os_str().is_empty()))
    }

    /// `sslcert`, if set to a non-empty path.
    pub fn get_ssl_cert(&self) -> Option<&Path> {
        non_empty_path(&self.ssl_cert)
    }

    /// `sslkey`, if set to a non-empty path.
    pub fn get_ssl_key(&self) -> Option<&Path> {
        non_empty_path(&self.ssl_key)
    }

    /// `sslnegotiation` (default `postgres`).
    pub fn get_ssl_negotiation(&self) -> SslNegotiation {
        self.ssl_negotiation.unwrap_or_default()
    }

    /// `channel_binding` (default `prefer`).
    pub fn get_channel_binding(&self) -> ChannelBinding {
        self.channel_binding.unwrap_or_default()
    }

    /// `require_auth` (default: every method accepted).
    pub fn get_require_auth(&self) -> RequireAuth {
        self.require_auth.unwrap_or_default()
    }

    /// `target_session_attrs` (default `any`).
    pub fn get_target_session_attrs(&self) -> TargetSessionAttrs {
        self.target_session_attrs.unwrap_or_default()
    }

    /// `load_balance_hosts` (default `disable`).
    pub fn get_load_balance_hosts(&self) -> LoadBalanceHosts {
        self.load_balance_hosts.unwrap_or_default()
    }

    /// `min_protocol_version` (default 3.0).
    pub fn get_min_protocol_version(&self) -> ProtocolVersion {
        self.min_protocol_version.unwrap_or(ProtocolVersion::V3_0)
    }

    /// `max_protocol_version` (pgtusk's default: 3.2).
    pub fn get_max_protocol_version(&self) -> ProtocolVersion {
        self.max_protocol_version.unwrap_or(ProtocolVersion::V3_2)
    }

    /// `passfile`, if set to a non-empty path (see [`pgpass::path_for`] for the default).
    pub fn get_passfile(&self) -> Option<&Path> {
        non_empty_path(&self.passfile)
    }

    /// pgtusk's `statement_cache_size` (default [`DEFAULT_STATEMENT_CACHE_SIZE`]).
    pub fn get_statement_cache_size(&self) -> usize {
        self.statement_cache_size.unwrap_or(DEFAULT_STATEMENT_CACHE_SIZE)
    }

    /// pgtusk's `prepare_threshold`, if set (reserved for the statement cache).
    pub fn get_prepare_threshold(&self) -> Option<u32> {
        self.prepare_threshold
    }

    /// pgtusk's `pooler_mode` (default false).
    pub fn get_pooler_mode(&self) -> bool {
        self.pooler_mode.unwrap_or(false)
    }

    /// pgtusk's `read_batching` (default true).
    pub fn get_read_batching(&self) -> bool {
        self.read_batching.unwrap_or(true)
    }
}

impl fmt::Debug for Config {
    /// Every parameter as stored; the password prints as `Some(<redacted>)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Redacted;
        impl fmt::Debug for Redacted {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("<redacted>")
            }
        }
        f.debug_struct("Config")
            .field("host", &self.hosts)
            .field("hostaddr", &self.hostaddrs)
            .field("port", &self.ports)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| Redacted))
            .field("dbname", &self.dbname)
            .field("application_name", &self.application_name)
            .field("fallback_application_name", &self.fallback_application_name)
            .field("options", &self.options)
            .field("connect_timeout", &self.connect_timeout)
            .field("keepalives", &self.keepalives)
            .field("keepalives_idle", &self.keepalives_idle)
            .field("keepalives_interval", &self.keepalives_interval)
            .field("keepalives_count", &self.keepalives_count)
            .field("sslmode", &self.ssl_mode)
            .field("sslrootcert", &self.ssl_root_cert)
            .field("sslcert", &self.ssl_cert)
            .field("sslkey", &self.ssl_key)
            .field("sslnegotiation", &self.ssl_negotiation)
            .field("channel_binding", &self.channel_binding)
            .field("require_auth", &self.require_auth)
            .field("target_session_attrs", &self.target_session_attrs)
            .field("load_balance_hosts", &self.load_balance_hosts)
            .field("min_protocol_version", &self.min_protocol_version)
            .field("max_protocol_version", &self.max_protocol_version)
            .field("passfile", &self.passfile)
            .field("statement_cache_size", &self.statement_cache_size)
            .field("prepare_threshold", &self.prepare_threshold)
            .field("pooler_mode", &self.pooler_mode)
            .field("read_batching", &self.read_batching)
            .finish()
    }
}
