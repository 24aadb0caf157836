//! [`ConfigError`]: why a connection string, a setting or an environment variable was refused.
//!
//! Invariant: no message ever contains a password. Values are echoed only for parameters
//! whose values are validated (ports, modes, numbers), and the password is never validated;
//! URL syntax errors name the part of the URL, never its text.

use std::fmt;

/// What kind of problem a [`ConfigError`] reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ConfigErrorKind {
    /// A parameter name pgtusk does not accept: one libpq does not know either, or one of
    /// libpq's that pgtusk does not support (the message says which).
    UnknownParameter,
    /// A known parameter with a value it does not accept.
    InvalidValue,
    /// A `key=value` connection string that does not follow libpq's syntax.
    Syntax,
    /// A `postgresql://` URL that does not follow libpq's syntax.
    InvalidUrl,
    /// Parameters that are valid alone but not together (e.g. `sslnegotiation=direct` with
    /// `sslmode=prefer`, or three ports for two hosts).
    Conflict,
    /// No user name was given and the operating-system user name is unknown.
    MissingUser,
}

/// An invalid connection parameter, connection string or environment variable.
///
/// The message names the offending parameter (and the environment variable it came from,
/// if any) and never contains a password.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    kind: ConfigErrorKind,
    key: Option<String>,
    env_var: Option<&'static str>,
    message: String,
}

impl ConfigError {
    /// What kind of problem this is.
    pub fn kind(&self) -> ConfigErrorKind {
        self.kind
    }

    /// The connection parameter at fault (libpq's name for it), when one is known.
    pub fn key(&self) -> Option<&str> {
        self.key.as_deref()
    }

    /// The environment variable the faulty value came from, if it came from one.
    pub fn env_var(&self) -> Option<&str> {
        self.env_var
    }

    fn new(kind: ConfigErrorKind, key: Option<&str>, message: String) -> Self {
        Self { kind, key: key.map(str::to_owned), env_var: None, message }
    }

    /// `unknown connection parameter "foo"`.
    pub(crate) fn unknown(key: &str) -> Self {
        let message = format!("unknown connection parameter \"{}\"", escape(key));
        Self::new(ConfigErrorKind::UnknownParameter, Some(key), message)
    }

    /// `connection parameter "sslcrl" is not supported by pgtusk`: one of libpq's.
    pub(crate) fn unsupported(key: &str) -> Self {
        let message = format!("connection parameter \"{key}\" is not supported by pgtusk");
        Self::new(ConfigErrorKind::UnknownParameter, Some(key), message)
    }

    /// `invalid value "x" for connection parameter "key": expected ...`.
    pub(crate) fn invalid(key: &str, value: &str, expected: &str) -> Self {
        let message = format!(
            "invalid value \"{}\" for connection parameter \"{key}\": expected {expected}",
            escape(value)
        );
        Self::new(ConfigErrorKind::InvalidValue, Some(key), message)
    }

    /// Like [`ConfigError::invalid`], listing every accepted value.
    pub(crate) fn invalid_choice(key: &str, value: &str, choices: &[&str]) -> Self {
        Self::invalid(key, value, &format!("one of {}", choices.join(", ")))
    }

    /// An invalid value whose text must not be echoed (it sits in a URL next to a password).
    pub(crate) fn invalid_hidden(key: &str, what: &str) -> Self {
        let message = format!("invalid value for connection parameter \"{key}\": {what}");
        Self::new(ConfigErrorKind::InvalidValue, Some(key), message)
    }

    /// A `key=value` syntax error, naming the parameter at fault when there is one.
    pub(crate) fn syntax(key: Option<&str>, what: &str) -> Self {
        let message = format!("invalid connection string: {what}");
        Self::new(ConfigErrorKind::Syntax, key, message)
    }

    /// A URL syntax error; `key` names the part of the URL at fault.
    pub(crate) fn url(key: Option<&str>, what: &str) -> Self {
        let message = match key {
            Some(k) => format!("invalid connection URL, in \"{}\": {what}", escape(k)),
            None => format!("invalid connection URL: {what}"),
        };
        Self::new(ConfigErrorKind::InvalidUrl, key, message)
    }

    /// Two or more parameters that cannot be used together.
    pub(crate) fn conflict(key: &str, message: String) -> Self {
        Self::new(ConfigErrorKind::Conflict, Some(key), message)
    }

    /// No user given and no operating-system user name known.
    pub(crate) fn missing_user() -> Self {
        let message = "no user name given (\"user\" parameter, PGUSER) and the operating-system \
                       user name is unknown"
            .to_owned();
        Self::new(ConfigErrorKind::MissingUser, Some("user"), message)
    }

    /// Records the environment variable the value came from.
    pub(crate) fn with_env_var(mut self, var: &'static str) -> Self {
        self.env_var = Some(var);
        self
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(var) = self.env_var {
            write!(f, " (from environment variable {var})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

/// Escapes control characters and quotes so an echoed value cannot forge a message.
fn escape(s: &str) -> String {
    s.chars().flat_map(char::escape_debug).collect()
}
