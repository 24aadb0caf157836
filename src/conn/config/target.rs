//! Resolution: libpq's defaults applied and the host list expanded into the [`Target`]s to
//! try, in order. Pure: no name lookup, no file-system check, no randomness.
//!
//! The IO layer connects to each target in turn (shuffling them first when
//! `load_balance_hosts=random`), checks `target_session_attrs`, and stops at the first that
//! fits. An unset host yields one target per [`DEFAULT_UNIX_SOCKET_DIRS`] entry (on Unix),
//! because where the server puts its socket depends on how it was packaged.

use core::net::IpAddr;
use std::borrow::Cow;
use std::path::PathBuf;

use super::Config;
use super::env::{DEFAULT_PORT, DEFAULT_UNIX_SOCKET_DIRS};
use super::error::ConfigError;

/// Where a target lives: a TCP host name (or address literal) or a Unix-socket directory.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Host {
    /// A host name or an IP address literal, to reach over TCP.
    Tcp(String),
    /// A directory holding the server's socket (`<dir>/.s.PGSQL.<port>`). A directory
    /// starting with `@` names Linux's abstract namespace.
    Unix(PathBuf),
}

impl Host {
    /// libpq's reading of a `host` entry: a Unix-socket directory if it starts with `/` or
    /// `@`, else a TCP host.
    pub fn parse(host: &str) -> Self {
        if host.starts_with('/') || host.starts_with('@') {
            Self::Unix(PathBuf::from(host))
        } else {
            Self::Tcp(host.to_owned())
        }
    }

    /// The host as text: the name, or the socket directory. This is what the password file
    /// and error messages see.
    pub fn name(&self) -> Cow<'_, str> {
        match self {
            Self::Tcp(name) => Cow::Borrowed(name),
            Self::Unix(dir) => dir.to_string_lossy(),
        }
    }
}

/// One server to try.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Target {
    /// The host. When `hostaddr` is set this is only the name used for TLS (SNI and
    /// `verify-full`) and the password file; with no `host` given it is the address itself,
    /// as written (libpq's `PQhost`: `hostaddr=0:0::1` is named `0:0::1`, not `::1`).
    pub host: Host,
    /// The numeric address to connect to over TCP, without a name lookup.
    pub hostaddr: Option<IpAddr>,
    /// The TCP port, or the number in the Unix socket's file name.
    pub port: u16,
}

impl Target {
    /// The Unix socket's path, `<dir>/.s.PGSQL.<port>`, for a Unix target without `hostaddr`.
    pub fn socket_path(&self) -> Option<PathBuf> {
        match (&self.host, self.hostaddr) {
            (Host::Unix(dir), None) => Some(dir.join(format!(".s.PGSQL.{}", self.port))),
            _ => None,
        }
    }
}

/// Everything a connection attempt needs with libpq's defaults applied.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Resolved {
    /// The user name: as set, else the operating-system user.
    pub user: String,
    /// The database: as set, else the user name.
    pub dbname: String,
    /// `application_name`, else `fallback_application_name`, if either is non-empty.
    pub application_name: Option<String>,
    /// The servers to try, in order.
    pub targets: Vec<Target>,
}

impl Config {
    /// The servers to try, in order, with default hosts and ports filled in.
    ///
    /// Each `host` (or, without `host`, each `hostaddr`) entry gives one target, except an
    /// empty or absent host, which gives one target per default socket directory (on Unix)
    /// or `localhost`. Ports: one for all hosts, one per host, or [`DEFAULT_PORT`].
    ///
    /// # Errors
    /// Any check of [`Config::validate`].
    pub fn targets(&self) -> Result<Vec<Target>, ConfigError> {
        self.validate()?;
        let hosts = self.get_hosts();
        let addrs = self.get_hostaddrs();
        let ports = self.get_ports();
        let mut targets = Vec::new();
        for i in 0..self.host_count() {
            let host = hosts.get(i).map_or("", String::as_str);
            let hostaddr = addrs.get(i).copied().flatten();
            let port = match ports {
                [] => DEFAULT_PORT,
                [one] => *one,
                many => many.get(i).copied().unwrap_or(DEFAULT_PORT),
            };
            match (host, hostaddr) {
                ("", Some(addr)) => {
                    let host = Host::Tcp(self.hostaddr_text(i, addr));
                    targets.push(Target { host, hostaddr, port });
                }
                ("", None) => targets.extend(default_hosts().into_iter().map(|host| Target {
                    host,
                    hostaddr,
                    port,
                })),
                (name, _) => targets.push(Target { host: Host::parse(name), hostaddr, port }),
            }
        }
        Ok(targets)
    }

    /// Applies libpq's defaults: the targets (as [`Config::targets`]), the user (as set, else
    /// `os_user`), the database (as set, else the user) and the application name.
    ///
    /// ```
    /// use pgtusk::conn::config::{Config, Host};
    ///
    /// let config: Config = "postgresql://db.example:6432,[::1]".parse()?;
    /// let resolved = config.resolve(Some("alice"))?;
    /// assert_eq!((resolved.user.as_str(), resolved.dbname.as_str()), ("alice", "alice"));
    /// assert_eq!(resolved.targets[0].host, Host::Tcp("db.example".into()));
    /// assert_eq!((resolved.targets[0].port, resolved.targets[1].port), (6432, 5432));
    /// # Ok::<(), pgtusk::conn::config::ConfigError>(())
    /// ```
    ///
    /// # Errors
    /// Any check of [`Config::validate`], or no user name at all.
    pub fn resolve(&self, os_user: Option<&str>) -> Result<Resolved, ConfigError> {
        let targets = self.targets()?;
        let user = non_empty(self.get_user())
            .or(non_empty(os_user))
            .ok_or_else(ConfigError::missing_user)?
            .to_owned();
        let dbname = non_empty(self.get_dbname()).unwrap_or(&user).to_owned();
        let application_name = non_empty(self.get_application_name())
            .or(non_empty(self.get_fallback_application_name()))
            .map(str::to_owned);
        Ok(Resolved { user, dbname, application_name, targets })
    }

    /// The text of the `i`-th `hostaddr` entry as written, for the address `addr` it holds.
    fn hostaddr_text(&self, i: usize, addr: IpAddr) -> String {
        self.hostaddr_texts
            .as_deref()
            .and_then(|texts| texts.get(i))
            .filter(|text| !text.is_empty())
            .map_or_else(|| addr.to_string(), String::clone)
    }
}

fn non_empty(s: Option<&str>) -> Option<&str> {
    s.filter(|s| !s.is_empty())
}

/// The hosts an empty or absent `host` stands for.
fn default_hosts() -> Vec<Host> {
    if DEFAULT_UNIX_SOCKET_DIRS.is_empty() {
        vec![Host::Tcp("localhost".to_owned())]
    } else {
        DEFAULT_UNIX_SOCKET_DIRS.iter().map(|dir| Host::Unix(PathBuf::from(dir))).collect()
    }
}
