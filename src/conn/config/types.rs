//! The small value types of connection parameters, spelled as libpq spells them.
//!
//! Keyword values are case-sensitive, as in libpq (`sslmode=Require` is refused).

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use super::error::ConfigError;
use crate::protocol::auth::AuthMethod;

/// Defines a libpq keyword enum with its spellings, `as_str`, `Display` and `FromStr`.
macro_rules! keyword_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident for $key:literal {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every accepted spelling, in libpq's order.
            pub const VALUES: &'static [&'static str] = &[$($text),+];

            /// libpq's spelling of this value.
            pub fn as_str(self) -> &'static str {
                match self {
                    $( Self::$variant => $text, )+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = ConfigError;

            fn from_str(s: &str) -> Result<Self, ConfigError> {
                match s {
                    $( $text => Ok(Self::$variant), )+
                    _ => Err(ConfigError::invalid_choice($key, s, Self::VALUES)),
                }
            }
        }
    };
}

keyword_enum! {
    /// libpq's `sslmode`: whether TLS is used and what is verified.
    ///
    /// With `Require`, libpq also verifies the certificate chain when a root certificate file
    /// is configured (as `VerifyCa` would); the TLS layer implements that rule. As in libpq,
    /// `sslmode` is ignored for a Unix-domain socket: no TLS there, whatever the mode.
    pub enum SslMode for "sslmode" {
        /// Plaintext only.
        Disable = "disable",
        /// Plaintext first; TLS if the server insists.
        Allow = "allow",
        /// TLS if the server offers it, else plaintext (libpq's default).
        #[default]
        Prefer = "prefer",
        /// TLS always; the certificate is not verified (unless a root certificate is given).
        Require = "require",
        /// TLS always; the certificate chain is verified.
        VerifyCa = "verify-ca",
        /// TLS always; the certificate chain and the host name are verified.
        VerifyFull = "verify-full",
    }
}

impl SslMode {
    /// Whether the connection must be encrypted (`require`, `verify-ca`, `verify-full`).
    pub fn requires_tls(self) -> bool {
        matches!(self, Self::Require | Self::VerifyCa | Self::VerifyFull)
    }

    /// Whether the server's certificate chain is always verified.
    pub fn verifies_certificate(self) -> bool {
        matches!(self, Self::VerifyCa | Self::VerifyFull)
    }

    /// Whether the server's host name is checked against its certificate.
    pub fn verifies_host_name(self) -> bool {
        self == Self::VerifyFull
    }
}

keyword_enum! {
    /// libpq's `sslnegotiation` (PostgreSQL 17): how TLS is started.
    pub enum SslNegotiation for "sslnegotiation" {
        /// Send an SSLRequest first and start TLS if the server answers `S` (the default).
        #[default]
        Postgres = "postgres",
        /// Start the TLS handshake at once, with ALPN `postgresql`; needs `sslmode` of
        /// `require` or stronger.
        Direct = "direct",
    }
}

keyword_enum! {
    /// libpq's `target_session_attrs`: which kind of server a multi-host connection accepts.
    pub enum TargetSessionAttrs for "target_session_attrs" {
        /// Any server (the default).
        #[default]
        Any = "any",
        /// A server that accepts writes by default (`default_transaction_read_only` off).
        ReadWrite = "read-write",
        /// A server that refuses writes by default.
        ReadOnly = "read-only",
        /// A server that is not in hot standby.
        Primary = "primary",
        /// A server in hot standby.
        Standby = "standby",
        /// A standby if any host is one, else any server.
        PreferStandby = "prefer-standby",
    }
}

keyword_enum! {
    /// libpq's `load_balance_hosts` (PostgreSQL 16): the order hosts are tried in.
    pub enum LoadBalanceHosts for "load_balance_hosts" {
        /// In the order given (the default).
        #[default]
        Disable = "disable",
        /// In a random order, and each host's addresses in a random order too.
        Random = "random",
    }
}

/// libpq's `sslrootcert`: where the trusted root certificates come from.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SslRootCert {
    /// A PEM file of root certificates.
    File(PathBuf),
    /// The TLS implementation's own roots (the literal value `system`). libpq then defaults
    /// `sslmode` to `verify-full` and refuses any weaker mode.
    System,
}

impl SslRootCert {
    /// The parameter value: `system` or the file path.
    pub(crate) fn parse(value: &str) -> Self {
        if value == "system" { Self::System } else { Self::File(PathBuf::from(value)) }
    }
}

/// libpq's `require_auth` (PostgreSQL 16): which authentication requests the client accepts.
///
/// Either a list of accepted methods (`scram-sha-256,none`) or a list of refused ones, each
/// prefixed with `!` (`!password,!md5`); the two cannot be mixed. `none` stands for a server
/// that asks for no authentication at all. The default accepts everything. libpq 18's
/// `oauth` is refused: pgtusk does not implement OAuth.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct RequireAuth {
    /// One bit per method, in [`RequireAuth::METHODS`] order.
    methods: u8,
    /// Whether `methods` lists refused methods (true) or the only accepted ones (false).
    negated: bool,
}

impl RequireAuth {
    /// Every method `require_auth` knows, in a fixed order.
    const METHODS: [AuthMethod; 6] = [
        AuthMethod::Password,
        AuthMethod::Md5,
        AuthMethod::Gss,
        AuthMethod::Sspi,
        AuthMethod::ScramSha256,
        AuthMethod::None,
    ];

    /// Accepts every method (libpq's default, an unset `require_auth`).
    pub const fn any() -> Self {
        Self { methods: 0, negated: true }
    }

    /// Whether the client accepts a server that authenticates with `method`.
    pub fn allows(&self, method: AuthMethod) -> bool {
        let listed = self.methods & Self::bit(method) != 0;
        listed != self.negated
    }

    /// Whether every method is accepted.
    pub fn is_any(&self) -> bool {
        self.negated && self.methods == 0
    }

    fn bit(method: AuthMethod) -> u8 {
        let i = Self::METHODS.iter().position(|m| *m == method).unwrap_or(Self::METHODS.len());
        // A method unknown to require_auth (a later AuthMethod variant) maps past the listed
        // bits, so it is never listed: refused by a positive list, accepted by a negative one.
        1u8.checked_shl(i as u32).unwrap_or(0)
    }

    fn method_named(name: &str) -> Option<AuthMethod> {
        Self::METHODS.into_iter().find(|m| m.name() == name)
    }
}

impl Default for RequireAuth {
    fn default() -> Self {
        Self::any()
    }
}

impl FromStr for RequireAuth {
    type Err = ConfigError;

    /// Parses libpq's syntax; an empty string accepts everything.
    fn from_str(s: &str) -> Result<Self, ConfigError> {
        const KEY: &str = "require_auth";
        let mut out = Self::any();
        if s.is_empty() {
            return Ok(out);
        }
        for (i, item) in s.split(',').enumerate() {
            let (negated, name) = match item.strip_prefix('!') {
                Some(name) => (true, name),
                None => (false, item),
            };
            if i == 0 {
                out.negated = negated;
            } else if negated != out.negated {
                let msg = format!(
                    "require_auth method \"{item}\" cannot be mixed with {} methods: either \
                     every method is negated with \"!\" or none is",
                    if out.negated { "negated" } else { "non-negated" }
                );
                return Err(ConfigError::conflict(KEY, msg));
            }
            let method = Self::method_named(name).ok_or_else(|| {
                let expected = "a comma-separated list of password, md5, gss, sspi, \
                                scram-sha-256, none, each optionally prefixed with \"!\"";
                ConfigError::invalid(KEY, s, expected)
            })?;
            let bit = Self::bit(method);
            if out.methods & bit != 0 {
                let msg = format!("require_auth method \"{name}\" is specified more than once");
                return Err(ConfigError::conflict(KEY, msg));
            }
            out.methods |= bit;
        }
        Ok(out)
    }
}

impl fmt::Display for RequireAuth {
    /// libpq's syntax; empty for [`RequireAuth::any`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let listed = Self::METHODS.into_iter().filter(|m| self.methods & Self::bit(*m) != 0);
        for (i, m) in listed.enumerate() {
            let sep = if i == 0 { "" } else { "," };
            let bang = if self.negated { "!" } else { "" };
            write!(f, "{sep}{bang}{}", m.name())?;
        }
        Ok(())
    }
}

impl fmt::Debug for RequireAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RequireAuth({:?})", self.to_string())
    }
}
