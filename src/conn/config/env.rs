//! libpq's defaults and the `PG*` environment variables that stand in for unset parameters.
//!
//! The environment is read through a function the caller passes, so tests (and embedders
//! with their own notion of an environment) never touch the process environment.
//!
//! One deliberate difference from libpq: an environment variable set to the empty string is
//! treated as unset (libpq would take `PGSSLMODE=` as an invalid `sslmode`).

use super::Config;
use super::error::ConfigError;

/// The port used when none is given: 5432.
pub const DEFAULT_PORT: u16 = 5432;

/// pgtusk's default for `statement_cache_size`.
pub const DEFAULT_STATEMENT_CACHE_SIZE: usize = 256;

/// The Unix-socket directories tried, in order, when no host is given.
///
/// libpq uses one directory fixed when it is built: `/var/run/postgresql` on Debian and its
/// derivatives, `/tmp` upstream. pgtusk cannot know which one the server uses, so an unset
/// host expands to both, and the IO layer tries them in turn.
#[cfg(unix)]
pub const DEFAULT_UNIX_SOCKET_DIRS: &[&str] = &["/var/run/postgresql", "/tmp"];

/// The Unix-socket directories tried when no host is given: none on this platform, where
/// the default host is `localhost` over TCP, as in libpq.
#[cfg(not(unix))]
pub const DEFAULT_UNIX_SOCKET_DIRS: &[&str] = &[];

/// Each environment variable and the parameter it supplies, as libpq documents them.
pub(super) const ENV_VARS: &[(&str, &str)] = &[
    ("PGHOST", "host"),
    ("PGHOSTADDR", "hostaddr"),
    ("PGPORT", "port"),
    ("PGUSER", "user"),
    ("PGPASSWORD", "password"),
    ("PGPASSFILE", "passfile"),
    ("PGDATABASE", "dbname"),
    ("PGAPPNAME", "application_name"),
    ("PGOPTIONS", "options"),
    ("PGCONNECT_TIMEOUT", "connect_timeout"),
    ("PGSSLMODE", "sslmode"),
    ("PGSSLROOTCERT", "sslrootcert"),
    ("PGSSLCERT", "sslcert"),
    ("PGSSLKEY", "sslkey"),
    ("PGSSLNEGOTIATION", "sslnegotiation"),
    ("PGCHANNELBINDING", "channel_binding"),
    ("PGREQUIREAUTH", "require_auth"),
    ("PGTARGETSESSIONATTRS", "target_session_attrs"),
    ("PGLOADBALANCEHOSTS", "load_balance_hosts"),
    ("PGMINPROTOCOLVERSION", "min_protocol_version"),
    ("PGMAXPROTOCOLVERSION", "max_protocol_version"),
];

impl Config {
    /// Fills every parameter that is still unset from its `PG*` environment variable
    /// (`PGHOST`, `PGPORT`, `PGUSER`, `PGPASSWORD`, `PGSSLMODE`, ...), read through `env`.
    /// A parameter set explicitly, even to an empty value, keeps its value. The config is
    /// left unchanged on error.
    ///
    /// ```
    /// use pgtusk::conn::config::Config;
    ///
    /// let mut config: Config = "host=db1".parse()?;
    /// config.apply_env(|var| match var {
    ///     "PGHOST" => Some("ignored".into()),
    ///     "PGUSER" => Some("app".into()),
    ///     _ => None,
    /// })?;
    /// assert_eq!(config.get_hosts(), ["db1"]);
    /// assert_eq!(config.get_user(), Some("app"));
    /// # Ok::<(), pgtusk::conn::config::ConfigError>(())
    /// ```
    ///
    /// # Errors
    /// A variable whose value the parameter refuses (the error names both), or a combination
    /// libpq refuses among the parameters now set.
    pub fn apply_env(&mut self, env: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        let mut next = self.clone();
        for &(var, key) in ENV_VARS {
            if next.is_set(key) {
                continue;
            }
            match env(var) {
                Some(value) if !value.is_empty() => {
                    next.apply(key, &value).map_err(|e| e.with_env_var(var))?;
                }
                _ => {}
            }
        }
        next.check(false)?;
        *self = next;
        Ok(())
    }

    /// Parses a connection string (URL or `key=value`; may be empty) and fills the rest from
    /// the process environment, as `psql` does.
    ///
    /// # Errors
    /// As [`str::parse`] and [`Config::apply_env`].
    pub fn from_env_and_str(s: &str) -> Result<Self, ConfigError> {
        let mut config: Self = s.parse()?;
        config.apply_env(|var| std::env::var(var).ok())?;
        Ok(config)
    }
}
