//! Which server to try next, and how: the connection-establishment decisions of libpq, kept out
//! of the IO drivers so that the async and blocking connections decide identically.
//!
//! ```text
//!   for each target (host, hostaddr, port), in order (shuffled with load_balance_hosts=random):
//!       first attempt:  TLS as sslmode/sslnegotiation say, protocol max_protocol_version
//!       on failure:     - the server refused protocol 3.2 without negotiating -> same target, 3.0
//!                       - sslmode=prefer and the TLS session was refused     -> same target, no TLS
//!                       - sslmode=allow and the plaintext session was refused -> same target, TLS
//!                       - otherwise                                          -> next target
//!       on success:     target_session_attrs checked from the reported parameters
//!                       (in_hot_standby, default_transaction_read_only); a mismatch -> next target
//! ```
//!
//! As in libpq, `sslmode` is ignored for a Unix-domain socket: the session there is never
//! encrypted, whatever `sslmode` says (libpq's documentation: "sslmode is ignored for Unix
//! domain socket communication"). The traffic does not leave the machine, and the socket
//! directory's permissions are what vouch for the server; `sslmode=allow` does not retry a
//! refused socket session with TLS either.

use std::collections::VecDeque;

use crate::conn::config::{
    Config, Host, LoadBalanceHosts, Resolved, SslMode, SslNegotiation, Target, TargetSessionAttrs,
    pgpass,
};
use crate::error::{Error, ErrorKind};
use crate::protocol::ProtocolVersion;

use super::core::ConnectionCore;
use super::startup::{Retry, StartupConfig, TlsStart};

/// One connection attempt: where, with which TLS start and protocol version.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Attempt {
    /// The server.
    pub target: Target,
    /// How TLS starts.
    pub tls: TlsStart,
    /// The protocol version asked for.
    pub protocol: ProtocolVersion,
    /// This attempt is already a fallback (no further TLS fallback on the same target).
    fallback: bool,
    /// Second pass of `prefer-standby`: any server will do.
    any_server: bool,
}

/// The attempts for one connect call. See the module docs.
#[derive(Debug)]
pub struct ConnectPlan {
    config: Config,
    resolved: Resolved,
    queue: VecDeque<Attempt>,
    /// Targets to try again with `prefer-standby` when no standby was found.
    second_pass: Vec<Target>,
    last_error: Option<Error>,
    warnings: Vec<String>,
}

impl ConnectPlan {
    /// Plans the attempts for `config`. `os_user` is the default user name; `shuffle_seed`
    /// orders the hosts when `load_balance_hosts=random` (pass random bits).
    ///
    /// # Errors
    /// A config that resolves to nothing usable, or an sslmode that requires TLS in a build
    /// without the `rustls` feature (whatever the targets, as libpq built without SSL).
    pub fn new(config: &Config, os_user: Option<&str>, shuffle_seed: u64) -> Result<Self, Error> {
        if !cfg!(feature = "rustls") && config.get_ssl_mode().requires_tls() {
            return Err(Error::new(
                ErrorKind::Unsupported,
                "sslmode requires TLS, but pgtusk was built without the `rustls` feature",
            ));
        }
        let resolved = config.resolve(os_user).map_err(config_error)?;
        let mut targets = resolved.targets.clone();
        if config.get_load_balance_hosts() == LoadBalanceHosts::Random {
            shuffle(&mut targets, shuffle_seed);
        }
        let mut plan = Self {
            config: config.clone(),
            resolved,
            queue: VecDeque::new(),
            second_pass: Vec::new(),
            last_error: None,
            warnings: Vec::new(),
        };
        for t in targets {
            plan.queue.push_back(plan.first_attempt(t, false));
        }
        Ok(plan)
    }

    fn first_attempt(&self, target: Target, any_server: bool) -> Attempt {
        let mode = self.config.get_ssl_mode();
        let unix = is_unix(&target);
        // Without TLS support, `prefer` means plaintext (as libpq built without SSL); modes that
        // require TLS fail in `new`.
        let no_tls_support = !cfg!(feature = "rustls");
        let tls = if unix || no_tls_support || matches!(mode, SslMode::Disable | SslMode::Allow) {
            TlsStart::None
        } else if self.config.get_ssl_negotiation() == SslNegotiation::Direct {
            TlsStart::Direct
        } else {
            TlsStart::SslRequest { required: mode.requires_tls() }
        };
        Attempt {
            target,
            tls,
            protocol: self.config.get_max_protocol_version(),
            fallback: false,
            any_server,
        }
    }

    /// The next attempt, or `None` when every target failed.
    pub fn next_attempt(&mut self) -> Option<Attempt> {
        if self.queue.is_empty() && !self.second_pass.is_empty() {
            for t in std::mem::take(&mut self.second_pass) {
                let a = self.first_attempt(t, true);
                self.queue.push_back(a);
            }
        }
        self.queue.pop_front()
    }

    /// The startup parameters for `attempt`. Reads the password file when the config has no
    /// password (a warning is kept for [`take_warnings`](Self::take_warnings) when the file is
    /// ignored because of its permissions).
    pub fn startup_config(&mut self, attempt: &Attempt, client_nonce: [u8; 18]) -> StartupConfig {
        let password = match self.config.get_password() {
            Some(p) => Some(p.to_vec()),
            None => self.password_from_file(&attempt.target),
        };
        let c = &self.config;
        let mut params = Vec::new();
        if let Some(app) = &self.resolved.application_name {
            params.push(("application_name".to_owned(), app.clone()));
        }
        if let Some(opts) = c.get_options().filter(|o| !o.is_empty()) {
            params.push(("options".to_owned(), opts.to_owned()));
        }
        params.push(("client_encoding".to_owned(), "UTF8".to_owned()));
        StartupConfig {
            user: self.resolved.user.clone(),
            database: Some(self.resolved.dbname.clone()),
            password,
            params,
            tls: attempt.tls,
            channel_binding: c.get_channel_binding(),
            require_auth: c.get_require_auth(),
            min_protocol: c.get_min_protocol_version(),
            max_protocol: attempt.protocol,
            client_nonce,
            max_message_len: 0,
        }
    }

    fn password_from_file(&mut self, target: &Target) -> Option<Vec<u8>> {
        let path = pgpass::path_for(&self.config, |k| std::env::var(k).ok())?;
        match pgpass::read_password_file(&path) {
            Ok(pgpass::PasswordFile::Contents(text)) => pgpass::lookup(
                &text,
                &target.host.name(),
                target.port,
                &self.resolved.dbname,
                &self.resolved.user,
            )
            .map(String::into_bytes),
            Ok(pgpass::PasswordFile::Ignored { warning }) => {
                self.warnings.push(warning);
                None
            }
            Ok(_) | Err(_) => None,
        }
    }

    /// Warnings left by [`startup_config`](Self::startup_config) (a password file ignored
    /// for its permissions), for the caller to log after each call.
    pub fn take_warnings(&mut self) -> Vec<String> {
        std::mem::take(&mut self.warnings)
    }

    /// Records a failed attempt; queues a fallback on the same target when the failure calls
    /// for one. `tls_used` says whether the session had reached TLS.
    pub fn failed(&mut self, attempt: Attempt, error: Error, retry: Option<Retry>, tls_used: bool) {
        let mode = self.config.get_ssl_mode();
        let server_refused = error.kind() == ErrorKind::Db;
        let fallback =
            if retry == Some(Retry::ProtocolV3_0) && attempt.protocol > ProtocolVersion::V3_0 {
                Some(Attempt { protocol: ProtocolVersion::V3_0, ..attempt.clone() })
            } else if !attempt.fallback && server_refused && mode == SslMode::Prefer && tls_used {
                Some(Attempt { tls: TlsStart::None, fallback: true, ..attempt.clone() })
            } else if !attempt.fallback
                && server_refused
                && mode == SslMode::Allow
                && !tls_used
                && !is_unix(&attempt.target)
            {
                Some(Attempt {
                    tls: TlsStart::SslRequest { required: true },
                    fallback: true,
                    ..attempt.clone()
                })
            } else {
                None
            };
        if let Some(next) = fallback {
            self.queue.push_front(next);
        }
        self.last_error = Some(error);
    }

    /// Checks a started session against `target_session_attrs`. On a mismatch the attempt is
    /// recorded as failed and `false` returned: close the connection and go on.
    pub fn accept(&mut self, attempt: &Attempt, core: &ConnectionCore) -> bool {
        let standby = core.parameter("in_hot_standby") == Some("on");
        let read_only = standby || core.parameter("default_transaction_read_only") == Some("on");
        let attrs = self.config.get_target_session_attrs();
        let ok = match attrs {
            TargetSessionAttrs::ReadWrite => !read_only,
            TargetSessionAttrs::ReadOnly => read_only,
            TargetSessionAttrs::Primary => !standby,
            TargetSessionAttrs::Standby => standby,
            TargetSessionAttrs::PreferStandby => attempt.any_server || standby,
            _ => true,
        };
        if !ok {
            if attrs == TargetSessionAttrs::PreferStandby {
                self.second_pass.push(attempt.target.clone());
            }
            self.last_error = Some(Error::new(
                ErrorKind::Config,
                format!(
                    "server {}:{} does not satisfy target_session_attrs={attrs}",
                    attempt.target.host.name(),
                    attempt.target.port
                ),
            ));
        }
        ok
    }

    /// The error to report when every attempt failed.
    pub fn into_error(self) -> Error {
        self.last_error.unwrap_or_else(|| Error::new(ErrorKind::Config, "no host to connect to"))
    }

    /// The connection parameters being used.
    pub fn config(&self) -> &Config {
        &self.config
    }
}

pub(crate) fn config_error(e: crate::conn::config::ConfigError) -> Error {
    Error::with_source(ErrorKind::Config, "invalid connection parameters", e)
}

/// So that `"...".parse::<Config>()?` works in functions returning this crate's [`Error`]
/// (kind [`ErrorKind::Config`]).
impl From<crate::conn::config::ConfigError> for Error {
    fn from(e: crate::conn::config::ConfigError) -> Self {
        config_error(e)
    }
}

/// A Fisher–Yates shuffle driven by a xorshift generator seeded by the caller.
fn shuffle<T>(items: &mut [T], seed: u64) {
    let mut x = seed | 1;
    for i in (1..items.len()).rev() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let j = (x % (i as u64 + 1)) as usize;
        items.swap(i, j);
    }
}

/// A target reached through a Unix-domain socket, where `sslmode` does not apply.
fn is_unix(target: &Target) -> bool {
    matches!(target.host, Host::Unix(_)) && target.hostaddr.is_none()
}
