//! libpq's defaults and the `PG*` environment variables that stand in for unset parameters.
//!
//! The environment is read through a function the caller passes, so tests (and embedders
//! with their own notion of an environment) never touch the process environment.
//!
//! As in libpq, a variable applies only to a parameter that is still unset, and the deprecated
//! `PGREQUIRESSL` (a value starting with `1`) stands for `sslmode=require` when neither the
//! string nor `PGSSLMODE` gives an `sslmode`; any other value of it is ignored.
//!
//! One deliberate difference from libpq: an environment variable set to the empty string is
//! treated as unset. For most variables libpq does the same in effect (an empty `PGHOST`,
//! `PGPORT`, `PGUSER`, `PGDATABASE`, `PGPASSWORD`, `PGPASSFILE`, ... means the default), but it
//! takes an empty `PGSSLMODE`, `PGSSLNEGOTIATION`, `PGCHANNELBINDING`, `PGTARGETSESSIONATTRS`,
//! `PGLOADBALANCEHOSTS`, `PGMINPROTOCOLVERSION` or `PGMAXPROTOCOLVERSION` as an invalid value
//! and fails, and an empty `PGCONNECT_TIMEOUT` as an invalid integer once it reaches a server.
//!
//! libpq's other variables are not read: those of parameters pgtusk does not support
//! (`PGSERVICE`, `PGSERVICEFILE`, `PGSYSCONFDIR`, `PGGSSENCMODE`, `PGGSSLIB`, `PGKRBSRVNAME`,
//! `PGGSSDELEGATION`, `PGREQUIREPEER`, `PGSSLCERTMODE`, `PGSSLCRL`, `PGSSLCRLDIR`, `PGSSLSNI`,
//! `PGSSLCOMPRESSION`, `PGSSLMINPROTOCOLVERSION`, `PGSSLMAXPROTOCOLVERSION`), `PGCLIENTENCODING`
//! (pgtusk always speaks UTF8), and `PGDATESTYLE`, `PGTZ` and `PGGEQO`, which libpq sends as
//! startup parameters.

use super::error::ConfigError;
use super::{Config, SslMode};

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

/// libpq's deprecated variable for `sslmode=require`, read after [`ENV_VARS`].
const REQUIRESSL_VAR: &str = "PGREQUIRESSL";

impl Config {
    /// Fills every parameter that is still unset from its `PG*` environment variable
    /// (`PGHOST`, `PGPORT`, `PGUSER`, `PGPASSWORD`, `PGSSLMODE`, ...), read through `env`;
    /// then, if `sslmode` is still unset, `PGREQUIRESSL=1` sets it to `require`. A parameter
    /// set explicitly, even to an empty value, keeps its value; a variable set to the empty
    /// string counts as unset. The config is left unchanged on error.
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
        next.apply_requiressl_env(&env);
        next.check(false)?;
        *self = next;
        Ok(())
    }

    /// libpq's `PGREQUIRESSL`: a value starting with `1` means `sslmode=require` when no
    /// `sslmode` is set (libpq ignores any other value, so `sslrootcert=system` can still make
    /// the default `verify-full`).
    fn apply_requiressl_env(&mut self, env: impl Fn(&str) -> Option<String>) {
        let on = env(REQUIRESSL_VAR).is_some_and(|value| value.starts_with('1'));
        if on && self.ssl_mode.is_none() {
            self.ssl_mode = Some(SslMode::Require);
        }
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
