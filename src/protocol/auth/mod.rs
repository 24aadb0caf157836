//! Authentication exchanges as pure functions and sans-IO state machines: SCRAM-SHA-256 and
//! SCRAM-SHA-256-PLUS (RFC 5802, RFC 7677), SASLprep (RFC 4013), and MD5 password hashing.
//!
//! Invariant: no IO and no randomness source of its own; the client nonce is passed in, so
//! every exchange is reproducible in tests.

pub mod md5;
pub mod saslprep;
pub mod scram;

pub use md5::md5_password;
pub use saslprep::{saslprep, saslprep_bytes};
pub use scram::{
    ChannelBindingData, MAX_ITERATIONS, Mechanism, ScramAwaitServerFinal, ScramAwaitServerFirst,
    ScramClient, ScramError, choose_mechanism, tls_server_end_point,
};

/// Whether SCRAM channel binding (`SCRAM-SHA-256-PLUS`) is used, as libpq's `channel_binding`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum ChannelBinding {
    /// Never use channel binding.
    Disable,
    /// Use it when the connection is TLS and the server offers it (libpq's default).
    #[default]
    Prefer,
    /// Refuse to authenticate without it.
    Require,
}

/// An authentication method the server can ask for, named as libpq's `require_auth` names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AuthMethod {
    /// The server asked for no authentication (`trust`, or a client certificate alone).
    None,
    /// Cleartext password.
    Password,
    /// MD5-hashed password.
    Md5,
    /// GSSAPI (Kerberos); recognised so it can be refused by name.
    Gss,
    /// SSPI; recognised so it can be refused by name.
    Sspi,
    /// SCRAM-SHA-256, with or without channel binding.
    ScramSha256,
}

impl AuthMethod {
    /// The name libpq's `require_auth` uses for this method.
    pub fn name(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Password => "password",
            Self::Md5 => "md5",
            Self::Gss => "gss",
            Self::Sspi => "sspi",
            Self::ScramSha256 => "scram-sha-256",
        }
    }
}
