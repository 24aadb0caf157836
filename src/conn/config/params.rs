//! Setting a parameter by its libpq name from its string value, and the checks that involve
//! several parameters.
//!
//! Value rules follow libpq: integers may carry surrounding blanks and a sign and must fit in
//! 32 bits; an empty entry in a host, hostaddr or port list stands for the default; an empty
//! list value is "set to nothing" (the default applies and the environment does not).
//!
//! Unlike libpq, which checks most values only when it connects, pgtusk checks each value
//! when it is set, so a bad port, `sslmode` or number is an error that names the key before
//! any connection is tried. A few of libpq's spellings are refused on purpose: `hostaddr`
//! takes only standard IPv4 and IPv6 text (not `127.1`, octal parts or an IPv6 zone).

use core::net::IpAddr;
use std::time::Duration;

use super::env::DEFAULT_PORT;
use super::error::ConfigError;
use super::types::SslRootCert;
use super::{Config, normalize_connect_timeout};
use crate::protocol::ProtocolVersion;
use crate::protocol::auth::ChannelBinding;

/// Every parameter name accepted by [`Config::set_param`]: libpq's, then pgtusk's own.
pub(super) const KEYS: &[&str] = &[
    "host",
    "hostaddr",
    "port",
    "user",
    "password",
    "dbname",
    "application_name",
    "fallback_application_name",
    "options",
    "connect_timeout",
    "keepalives",
    "keepalives_idle",
    "keepalives_interval",
    "keepalives_count",
    "sslmode",
    "sslrootcert",
    "sslcert",
    "sslkey",
    "sslnegotiation",
    "channel_binding",
    "require_auth",
    "target_session_attrs",
    "load_balance_hosts",
    "min_protocol_version",
    "max_protocol_version",
    "passfile",
    "statement_cache_size",
    "prepare_threshold",
    "pooler_mode",
    "read_batching",
    "gssencmode",
    "client_encoding",
];

/// libpq 18's parameters that pgtusk does not support: naming one is an error that says so,
/// rather than calling it unknown. (`gssencmode` and `client_encoding` are in [`KEYS`]: they
/// are accepted when their value is what pgtusk always does.)
const UNSUPPORTED: &[&str] = &[
    "service",
    "tcp_user_timeout",
    "sslcompression",
    "sslcertmode",
    "sslpassword",
    "sslcrl",
    "sslcrldir",
    "sslsni",
    "sslkeylogfile",
    "requirepeer",
    "ssl_min_protocol_version",
    "ssl_max_protocol_version",
    "krbsrvname",
    "gsslib",
    "gssdelegation",
    "replication",
    "scram_client_key",
    "scram_server_key",
    "oauth_issuer",
    "oauth_client_id",
    "oauth_client_secret",
    "oauth_scope",
];

/// libpq's `isspace` in the C locale.
pub(super) fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\u{b}' | '\u{c}')
}

/// Whether `key` is a parameter name pgtusk accepts.
///
/// # Errors
/// An unknown name, or one of libpq's that pgtusk does not support.
pub(super) fn check_key(key: &str) -> Result<(), ConfigError> {
    if KEYS.contains(&key) { Ok(()) } else { Err(key_error(key)) }
}

/// The error for a name that is not in [`KEYS`].
fn key_error(key: &str) -> ConfigError {
    if UNSUPPORTED.contains(&key) {
        ConfigError::unsupported(key)
    } else {
        ConfigError::unknown(key)
    }
}

/// libpq's old spelling `requiressl`, which it rewrites as it stores it: a value starting
/// with `1` is `sslmode=require`, anything else `sslmode=prefer`. `None` for any other key.
pub(super) fn libpq_alias(key: &str, value: &[u8]) -> Option<(&'static str, &'static str)> {
    (key == "requiressl")
        .then(|| ("sslmode", if value.first() == Some(&b'1') { "require" } else { "prefer" }))
}

impl Config {
    /// Sets a parameter by its libpq name from its string value, exactly as a connection
    /// string would (`set_param("sslmode", "verify-full")`). pgtusk's own parameters are
    /// accepted too.
    ///
    /// # Errors
    /// An unknown name, or a value the parameter does not accept; the error names the key.
    /// Checks that involve several parameters wait for [`Config::validate`].
    pub fn set_param(&mut self, key: &str, value: &str) -> Result<&mut Self, ConfigError> {
        let (key, value) = libpq_alias(key, value.as_bytes()).unwrap_or((key, value));
        self.apply(key, value)?;
        Ok(self)
    }

    /// Parses `value` for `key` and stores it.
    pub(super) fn apply(&mut self, key: &str, value: &str) -> Result<(), ConfigError> {
        match key {
            "host" => self.hosts = Some(split_list(value).map(str::to_owned).collect()),
            "hostaddr" => {
                self.hostaddrs = Some(parse_hostaddrs(value)?);
                self.hostaddr_texts = Some(split_list(value).map(str::to_owned).collect());
            }
            "port" => self.ports = Some(parse_ports(value)?),
            "user" => self.user = Some(value.to_owned()),
            "password" => self.password = Some(value.as_bytes().to_vec()),
            "dbname" => self.dbname = Some(value.to_owned()),
            "application_name" => self.application_name = Some(value.to_owned()),
            "fallback_application_name" => self.fallback_application_name = Some(value.to_owned()),
            "options" => self.options = Some(value.to_owned()),
            "connect_timeout" => {
                // libpq: zero or negative means no timeout.
                let secs = u64::try_from(parse_libpq_int(key, value)?).unwrap_or(0);
                self.connect_timeout = Some(normalize_connect_timeout(Duration::from_secs(secs)));
            }
            "keepalives" => self.keepalives = Some(parse_bool(key, value)?),
            "keepalives_idle" => self.keepalives_idle = Some(parse_seconds(key, value)?),
            "keepalives_interval" => self.keepalives_interval = Some(parse_seconds(key, value)?),
            "keepalives_count" => self.keepalives_count = Some(parse_libpq_unsigned(key, value)?),
            "sslmode" => self.ssl_mode = Some(value.parse()?),
            "sslrootcert" => self.ssl_root_cert = Some(SslRootCert::parse(value)),
            "sslcert" => self.ssl_cert = Some(value.into()),
            "sslkey" => self.ssl_key = Some(value.into()),
            "sslnegotiation" => self.ssl_negotiation = Some(value.parse()?),
            "channel_binding" => self.channel_binding = Some(parse_channel_binding(value)?),
            "require_auth" => self.require_auth = Some(value.parse()?),
            "target_session_attrs" => self.target_session_attrs = Some(value.parse()?),
            "load_balance_hosts" => self.load_balance_hosts = Some(value.parse()?),
            "min_protocol_version" => self.min_protocol_version = Some(parse_version(key, value)?),
            "max_protocol_version" => self.max_protocol_version = Some(parse_version(key, value)?),
            "passfile" => self.passfile = Some(value.into()),
            "statement_cache_size" => self.statement_cache_size = Some(parse_unsigned(key, value)?),
            "prepare_threshold" => self.prepare_threshold = Some(parse_unsigned(key, value)?),
            "pooler_mode" => self.pooler_mode = Some(parse_bool(key, value)?),
            "read_batching" => self.read_batching = Some(parse_bool(key, value)?),
            // Accepted so connection strings written for libpq/psycopg keep working: pgtusk
            // never uses GSSAPI encryption (like a libpq built without GSSAPI, `prefer` means
            // plaintext or TLS), and always speaks UTF8.
            "gssencmode" => match value {
                "disable" | "prefer" => {}
                _ => return Err(ConfigError::invalid_choice(key, value, &["disable", "prefer"])),
            },
            "client_encoding" => {
                if !matches!(value.to_ascii_uppercase().as_str(), "UTF8" | "UTF-8" | "UNICODE") {
                    return Err(ConfigError::invalid(key, value, "UTF8 (pgtusk always uses UTF8)"));
                }
            }
            _ => return Err(key_error(key)),
        }
        Ok(())
    }

    /// Whether `key` was set (by a string, a setter or the environment).
    pub(super) fn is_set(&self, key: &str) -> bool {
        match key {
            "host" => self.hosts.is_some(),
            "hostaddr" => self.hostaddrs.is_some(),
            "port" => self.ports.is_some(),
            "user" => self.user.is_some(),
            "password" => self.password.is_some(),
            "dbname" => self.dbname.is_some(),
            "application_name" => self.application_name.is_some(),
            "fallback_application_name" => self.fallback_application_name.is_some(),
            "options" => self.options.is_some(),
            "connect_timeout" => self.connect_timeout.is_some(),
            "keepalives" => self.keepalives.is_some(),
            "keepalives_idle" => self.keepalives_idle.is_some(),
            "keepalives_interval" => self.keepalives_interval.is_some(),
            "keepalives_count" => self.keepalives_count.is_some(),
            "sslmode" => self.ssl_mode.is_some(),
            "sslrootcert" => self.ssl_root_cert.is_some(),
            "sslcert" => self.ssl_cert.is_some(),
            "sslkey" => self.ssl_key.is_some(),
            "sslnegotiation" => self.ssl_negotiation.is_some(),
            "channel_binding" => self.channel_binding.is_some(),
            "require_auth" => self.require_auth.is_some(),
            "target_session_attrs" => self.target_session_attrs.is_some(),
            "load_balance_hosts" => self.load_balance_hosts.is_some(),
            "min_protocol_version" => self.min_protocol_version.is_some(),
            "max_protocol_version" => self.max_protocol_version.is_some(),
            "passfile" => self.passfile.is_some(),
            "statement_cache_size" => self.statement_cache_size.is_some(),
            "prepare_threshold" => self.prepare_threshold.is_some(),
            "pooler_mode" => self.pooler_mode.is_some(),
            "read_batching" => self.read_batching.is_some(),
            _ => false,
        }
    }

    /// Checks the combinations libpq refuses, defaults included.
    ///
    /// # Errors
    /// `sslnegotiation=direct` with an `sslmode` weaker than `require`; `sslrootcert=system`
    /// with an `sslmode` other than `verify-full`; a number of ports that is neither one nor
    /// the number of hosts; a number of `hostaddr` entries that differs from the number of
    /// hosts; `min_protocol_version` above `max_protocol_version`.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.check(true)
    }

    /// The combination checks; with `full == false`, only those whose parameters are all set,
    /// so that the environment can still supply the rest.
    pub(super) fn check(&self, full: bool) -> Result<(), ConfigError> {
        self.check_host_counts(full)?;
        self.check_ssl(full)?;
        let (min, max) = (self.get_min_protocol_version(), self.get_max_protocol_version());
        // The defaults are the extremes (3.0 and the newest), so only set values can clash.
        if min > max {
            let msg = format!(
                "min_protocol_version \"{min}\" cannot be greater than max_protocol_version \
                 \"{max}\""
            );
            return Err(ConfigError::conflict("min_protocol_version", msg));
        }
        Ok(())
    }

    /// The number of hosts libpq would try: one per `hostaddr` entry, else one per `host`
    /// entry, else one (the default host).
    pub(super) fn host_count(&self) -> usize {
        match (self.get_hostaddrs().len(), self.get_hosts().len()) {
            (0, 0) => 1,
            (0, n) | (n, _) => n,
        }
    }

    fn check_host_counts(&self, full: bool) -> Result<(), ConfigError> {
        let hosts = self.get_hosts().len();
        let addrs = self.get_hostaddrs().len();
        if hosts != 0 && addrs != 0 && hosts != addrs {
            let msg = format!("could not match {hosts} host names to {addrs} hostaddr values");
            return Err(ConfigError::conflict("hostaddr", msg));
        }
        if hosts == 0 && addrs == 0 && !full {
            return Ok(());
        }
        let count = self.host_count();
        let ports = self.get_ports().len();
        if ports > 1 && ports != count {
            let msg = format!("could not match {ports} port numbers to {count} hosts");
            return Err(ConfigError::conflict("port", msg));
        }
        Ok(())
    }

    fn check_ssl(&self, full: bool) -> Result<(), ConfigError> {
        let system_roots = self.ssl_root_cert == Some(SslRootCert::System);
        if system_roots && let Some(mode) = self.ssl_mode.filter(|m| !m.verifies_host_name()) {
            let msg = format!(
                "weak sslmode \"{mode}\" may not be used with sslrootcert=system (use \
                 \"verify-full\")"
            );
            return Err(ConfigError::conflict("sslmode", msg));
        }
        // Until sslmode is known (set, or implied by sslrootcert=system), the environment may
        // still supply a strong one.
        let mode_known = full || self.ssl_mode.is_some() || system_roots;
        let mode = self.get_ssl_mode();
        let direct = self.ssl_negotiation == Some(super::SslNegotiation::Direct);
        if direct && mode_known && !mode.requires_tls() {
            let msg = format!(
                "weak sslmode \"{mode}\" may not be used with sslnegotiation=direct (use \
                 \"require\", \"verify-ca\", or \"verify-full\")"
            );
            return Err(ConfigError::conflict("sslmode", msg));
        }
        Ok(())
    }
}

/// The entries of a comma-separated list; an empty value is an empty list.
fn split_list(value: &str) -> impl Iterator<Item = &str> {
    value.split(',').filter(move |_| !value.is_empty())
}

fn parse_hostaddrs(value: &str) -> Result<Vec<Option<IpAddr>>, ConfigError> {
    split_list(value)
        .map(|entry| {
            if entry.is_empty() {
                return Ok(None);
            }
            entry.parse().map(Some).map_err(|_| {
                ConfigError::invalid("hostaddr", entry, "a numeric IPv4 or IPv6 address")
            })
        })
        .collect()
}

fn parse_ports(value: &str) -> Result<Vec<u16>, ConfigError> {
    split_list(value)
        .map(|entry| {
            parse_port(entry)
                .ok_or_else(|| ConfigError::invalid("port", entry, "an integer from 1 to 65535"))
        })
        .collect()
}

/// One port-list entry: empty means the default port; otherwise 1 to 65535.
fn parse_port(entry: &str) -> Option<u16> {
    if entry.is_empty() {
        return Some(DEFAULT_PORT);
    }
    entry.trim_matches(is_space).parse::<u16>().ok().filter(|p| *p != 0)
}

/// An optionally signed decimal number, with optional blanks (C's `isspace`) around it.
fn parse_int(key: &str, value: &str) -> Result<i64, ConfigError> {
    value.trim_matches(is_space).parse().map_err(|_| ConfigError::invalid(key, value, "an integer"))
}

/// libpq's integer syntax (`pqParseIntParam`): [`parse_int`]'s, within C's 32-bit `int`.
fn parse_libpq_int(key: &str, value: &str) -> Result<i32, ConfigError> {
    let n = parse_int(key, value)?;
    i32::try_from(n).map_err(|_| ConfigError::invalid(key, value, "a 32-bit integer"))
}

/// pgtusk's own counts: a non-negative [`parse_int`] that fits `T`.
fn parse_unsigned<T: TryFrom<i64>>(key: &str, value: &str) -> Result<T, ConfigError> {
    let n = parse_int(key, value)?;
    T::try_from(n).map_err(|_| ConfigError::invalid(key, value, "a non-negative integer"))
}

/// A non-negative [`parse_libpq_int`].
fn parse_libpq_unsigned<T: TryFrom<i64>>(key: &str, value: &str) -> Result<T, ConfigError> {
    let n = parse_int(key, value)?;
    (0..=i64::from(i32::MAX))
        .contains(&n)
        .then(|| T::try_from(n).ok())
        .flatten()
        .ok_or_else(|| ConfigError::invalid(key, value, "a non-negative 32-bit integer"))
}

fn parse_seconds(key: &str, value: &str) -> Result<Duration, ConfigError> {
    parse_libpq_unsigned(key, value).map(Duration::from_secs)
}

/// libpq's `keepalives` is an integer (non-zero means on); the usual words are accepted too.
fn parse_bool(key: &str, value: &str) -> Result<bool, ConfigError> {
    let word = value.trim_matches(is_space).to_ascii_lowercase();
    match word.as_str() {
        "true" | "on" | "yes" => Ok(true),
        "false" | "off" | "no" => Ok(false),
        _ => word.parse::<i32>().map(|n| n != 0).map_err(|_| {
            ConfigError::invalid(key, value, "a boolean (1, 0, true, false, on, off, yes, no)")
        }),
    }
}

fn parse_channel_binding(value: &str) -> Result<ChannelBinding, ConfigError> {
    match value {
        "disable" => Ok(ChannelBinding::Disable),
        "prefer" => Ok(ChannelBinding::Prefer),
        "require" => Ok(ChannelBinding::Require),
        _ => Err(ConfigError::invalid_choice(
            "channel_binding",
            value,
            &["disable", "prefer", "require"],
        )),
    }
}

/// libpq 18's protocol version values; `latest` is the newest pgtusk speaks (3.2).
fn parse_version(key: &str, value: &str) -> Result<ProtocolVersion, ConfigError> {
    match value {
        "3.0" => Ok(ProtocolVersion::V3_0),
        "3.2" | "latest" => Ok(ProtocolVersion::V3_2),
        _ => Err(ConfigError::invalid_choice(key, value, &["3.0", "3.2", "latest"])),
    }
}
