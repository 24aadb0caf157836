//! Startup and authentication: from the first byte sent to the first ReadyForQuery.
//!
//! ```text
//!             SSLRequest sent            direct TLS
//!                   |                        |
//!          AwaitSslResponse --'S'--> AwaitTls <+
//!                   |'N' (TLS optional)   | handle_tls_established
//!                   v                     v
//!              StartupMessage sent <------+
//!                   |
//!            AwaitAuthRequest --Ok--------------------------------+
//!              |        |         \                                |
//!        Cleartext/MD5  SASL       GSS/SSPI/Kerberos: refused      |
//!              |        |                                          |
//!         AwaitAuthOk  ScramServerFirst -> ScramServerFinal        |
//!              |        -> AwaitScramOk                            |
//!              +--------------+-----------------------------------+
//!                             v
//!                        AwaitReady (ParameterStatus, BackendKeyData) --ReadyForQuery--> ready
//! ```
//!
//! Every state names what it waits for; a message that does not fit the state is a protocol
//! violation built by one helper. NoticeResponse, ParameterStatus and (right after the
//! StartupMessage) NegotiateProtocolVersion are accepted where the protocol allows them.
//!
//! Security rules enforced here rather than in the IO drivers:
//! - bytes that arrive after the server's one-byte answer to SSLRequest and before the TLS
//!   handshake are refused (CVE-2021-23222, buffered-data injection);
//! - `require_auth` and `channel_binding = require` are checked against what the server asks
//!   for, including a server that skips authentication altogether;
//! - the SCRAM server signature is verified before AuthenticationOk is believed.

use std::fmt;

use bytes::{Buf, BytesMut};

use crate::conn::config::RequireAuth;
use crate::error::{DbError, Error, ErrorKind};
use crate::protocol::ProtocolVersion;
use crate::protocol::auth::scram::{
    ChannelBindingData, Mechanism, ScramAwaitServerFinal, ScramAwaitServerFirst, ScramClient,
    choose_mechanism,
};
use crate::protocol::auth::{AuthMethod, ChannelBinding, md5::md5_password};
use crate::protocol::backend::{Authentication, BackendKeyData, BackendMessage};
use crate::protocol::frontend::{
    PasswordMessage, SaslInitialResponse, SaslResponse, SslRequest, StartupMessage,
};

use super::event::Event;

/// How the connection starts TLS.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TlsStart {
    /// No TLS: the StartupMessage is the first thing sent.
    None,
    /// Send SSLRequest first. With `required`, a server that answers 'N' is refused; without it
    /// the connection goes on in plaintext.
    SslRequest {
        /// Refuse to go on without TLS.
        required: bool,
    },
    /// Start the TLS handshake at once (PostgreSQL 17+, ALPN `postgresql`).
    Direct,
}

/// What the core needs to start a session. Built by the IO driver from a
/// [`Config`](crate::conn::config::Config); the password is never shown by `Debug`.
#[derive(Clone)]
pub struct StartupConfig {
    /// The role to log in as.
    pub user: String,
    /// The database (the server defaults it to the user name).
    pub database: Option<String>,
    /// The password, when one is known.
    pub password: Option<Vec<u8>>,
    /// Further startup parameters (`application_name`, `options`, `_pq_.*` protocol options...).
    pub params: Vec<(String, String)>,
    /// How TLS is started.
    pub tls: TlsStart,
    /// Channel binding policy for SCRAM.
    pub channel_binding: ChannelBinding,
    /// The authentication methods the client accepts (libpq's `require_auth`).
    pub require_auth: RequireAuth,
    /// The oldest protocol version accepted in NegotiateProtocolVersion.
    pub min_protocol: ProtocolVersion,
    /// The protocol version asked for in the StartupMessage.
    pub max_protocol: ProtocolVersion,
    /// Random bytes for the SCRAM client nonce (the core has no randomness of its own).
    pub client_nonce: [u8; 18],
    /// The largest server message accepted, in bytes.
    pub max_message_len: u32,
}

impl fmt::Debug for StartupConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StartupConfig")
            .field("user", &self.user)
            .field("database", &self.database)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("params", &self.params)
            .field("tls", &self.tls)
            .field("channel_binding", &self.channel_binding)
            .field("require_auth", &self.require_auth)
            .field("min_protocol", &self.min_protocol)
            .field("max_protocol", &self.max_protocol)
            .field("max_message_len", &self.max_message_len)
            .finish_non_exhaustive()
    }
}

/// What to try next after a failed startup, decided by the core from how it failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Retry {
    /// The server (or a proxy such as PgBouncer 1.18) refused the protocol 3.2 StartupMessage
    /// without negotiating: connect again asking for 3.0.
    ProtocolV3_0,
}

/// The startup state: one variant per message awaited.
pub(crate) enum Phase {
    AwaitSslResponse { required: bool },
    AwaitTls,
    AwaitAuthRequest,
    AwaitAuthOk,
    ScramServerFirst { client: ScramAwaitServerFirst, plus: bool },
    ScramServerFinal { client: ScramAwaitServerFinal, plus: bool },
    AwaitScramOk { plus: bool },
    AwaitReady,
}

impl Phase {
    fn expecting(&self) -> &'static str {
        match self {
            Self::AwaitSslResponse { .. } => "the answer to SSLRequest",
            Self::AwaitTls => "the TLS handshake",
            Self::AwaitAuthRequest => "an authentication request",
            Self::AwaitAuthOk => "AuthenticationOk",
            Self::ScramServerFirst { .. } => "AuthenticationSASLContinue",
            Self::ScramServerFinal { .. } => "AuthenticationSASLFinal",
            Self::AwaitScramOk { .. } => "AuthenticationOk after SASL",
            Self::AwaitReady => "ReadyForQuery",
        }
    }
}

/// The startup machine. Owned by the core until the first ReadyForQuery.
pub(crate) struct Startup {
    pub(crate) config: StartupConfig,
    pub(crate) phase: Phase,
    /// `tls-server-end-point` data of the server certificate, once TLS is up.
    tls_server_end_point: Option<Vec<u8>>,
    tls_active: bool,
    /// True once any authentication message arrived (for the protocol-downgrade decision).
    auth_seen: bool,
    pub(crate) retry: Option<Retry>,
    pub(crate) protocol: ProtocolVersion,
    pub(crate) backend_key: Option<BackendKeyData>,
    pub(crate) unrecognized_options: Vec<String>,
}

/// What handling one message during startup led to.
pub(crate) enum Step {
    /// Nothing for the caller; keep reading.
    Continue,
    /// An event for the caller.
    Event(Event),
    /// Startup is complete.
    Ready,
}

fn auth_error(msg: impl Into<std::borrow::Cow<'static, str>>) -> Error {
    Error::new(ErrorKind::Auth, msg)
}

impl Startup {
    /// Creates the machine and writes the first message (SSLRequest or StartupMessage; nothing
    /// for direct TLS).
    pub(crate) fn start(config: StartupConfig, out: &mut BytesMut) -> Result<Self, Error> {
        let phase = match config.tls {
            TlsStart::None => Phase::AwaitAuthRequest,
            TlsStart::SslRequest { required } => Phase::AwaitSslResponse { required },
            TlsStart::Direct => Phase::AwaitTls,
        };
        let s = Self {
            protocol: config.max_protocol,
            config,
            phase,
            tls_server_end_point: None,
            tls_active: false,
            auth_seen: false,
            retry: None,
            backend_key: None,
            unrecognized_options: Vec::new(),
        };
        match s.phase {
            Phase::AwaitAuthRequest => s.write_startup(out)?,
            Phase::AwaitSslResponse { .. } => SslRequest.encode(out)?,
            _ => {}
        }
        Ok(s)
    }

    fn write_startup(&self, out: &mut BytesMut) -> Result<(), Error> {
        let mut params: Vec<(&str, &str)> = Vec::with_capacity(self.config.params.len() + 2);
        params.push(("user", &self.config.user));
        if let Some(db) = &self.config.database {
            params.push(("database", db));
        }
        params.extend(self.config.params.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        StartupMessage { version: self.config.max_protocol, params: &params }.encode(out)?;
        Ok(())
    }

    /// Handles the raw bytes of the answer to SSLRequest. Returns true when TLS must start.
    pub(crate) fn handle_ssl_response(
        &mut self,
        input: &mut BytesMut,
        out: &mut BytesMut,
    ) -> Result<Option<bool>, Error> {
        let Phase::AwaitSslResponse { required } = self.phase else {
            return Ok(None);
        };
        let Some(&answer) = input.first() else {
            return Ok(None);
        };
        match answer {
            b'S' => {
                input.advance(1);
                if !input.is_empty() {
                    return Err(Error::protocol(
                        "server sent unencrypted data after agreeing to TLS (possible \
                         man-in-the-middle injection)",
                    ));
                }
                self.phase = Phase::AwaitTls;
                Ok(Some(true))
            }
            b'N' if required => Err(Error::new(ErrorKind::Tls, "server does not support TLS")),
            b'N' => {
                input.advance(1);
                self.phase = Phase::AwaitAuthRequest;
                self.write_startup(out)?;
                Ok(Some(false))
            }
            // A server too old to know SSLRequest answers with an ErrorResponse: let the normal
            // framing path decode it.
            b'E' => {
                self.phase = Phase::AwaitAuthRequest;
                Ok(None)
            }
            other => {
                Err(Error::protocol(format!("invalid answer {:?} to SSLRequest", other as char)))
            }
        }
    }

    /// Called once the IO driver finished the TLS handshake.
    pub(crate) fn tls_established(
        &mut self,
        tls_server_end_point: Option<Vec<u8>>,
        out: &mut BytesMut,
    ) -> Result<(), Error> {
        if !matches!(self.phase, Phase::AwaitTls) {
            return Err(Error::misuse("handle_tls_established called while not awaiting TLS"));
        }
        self.tls_active = true;
        self.tls_server_end_point = tls_server_end_point;
        self.phase = Phase::AwaitAuthRequest;
        self.write_startup(out)
    }

    /// True while the IO driver must not read (it is doing the TLS handshake).
    pub(crate) fn awaiting_tls(&self) -> bool {
        matches!(self.phase, Phase::AwaitTls)
    }

    fn unexpected(&self, msg: &BackendMessage) -> Error {
        Error::protocol(format!(
            "got {} while expecting {} during startup",
            msg.name(),
            self.phase.expecting()
        ))
    }

    /// Handles one framed message.
    pub(crate) fn handle(
        &mut self,
        msg: BackendMessage,
        out: &mut BytesMut,
    ) -> Result<Step, Error> {
        match msg {
            BackendMessage::NoticeResponse(n) => return Ok(Step::Event(Event::Notice(n))),
            BackendMessage::ErrorResponse(fields) => {
                let db = DbError::from_fields(&fields);
                // PgBouncer 1.18 and other old proxies answer a 3.2 StartupMessage with
                // "FATAL 08P01 bad packet header" instead of NegotiateProtocolVersion.
                if !self.auth_seen
                    && self.config.max_protocol > ProtocolVersion::V3_0
                    && self.config.min_protocol <= ProtocolVersion::V3_0
                    && db.code().code() == "08P01"
                {
                    self.retry = Some(Retry::ProtocolV3_0);
                }
                return Err(Error::db(db));
            }
            _ => {}
        }
        let phase = std::mem::replace(&mut self.phase, Phase::AwaitReady);
        match (phase, msg) {
            (Phase::AwaitAuthRequest, BackendMessage::NegotiateProtocolVersion(n)) => {
                self.phase = Phase::AwaitAuthRequest;
                self.negotiate(&n)?;
                Ok(Step::Continue)
            }
            (Phase::AwaitAuthRequest, BackendMessage::Authentication(a)) => {
                self.auth_seen = true;
                self.auth_request(a, out)
            }
            (Phase::AwaitAuthOk, BackendMessage::Authentication(Authentication::Ok)) => {
                Ok(Step::Continue)
            }
            (
                Phase::ScramServerFirst { client, plus },
                BackendMessage::Authentication(Authentication::SaslContinue(data)),
            ) => {
                let (client_final, client) = client
                    .handle_server_first(&data)
                    .map_err(|e| Error::with_source(ErrorKind::Auth, "SCRAM exchange failed", e))?;
                SaslResponse { data: &client_final }.encode(out)?;
                self.phase = Phase::ScramServerFinal { client, plus };
                Ok(Step::Continue)
            }
            (
                Phase::ScramServerFinal { client, plus },
                BackendMessage::Authentication(Authentication::SaslFinal(data)),
            ) => {
                client
                    .handle_server_final(&data)
                    .map_err(|e| Error::with_source(ErrorKind::Auth, "SCRAM exchange failed", e))?;
                self.phase = Phase::AwaitScramOk { plus };
                Ok(Step::Continue)
            }
            (Phase::AwaitScramOk { plus }, BackendMessage::Authentication(Authentication::Ok)) => {
                if !plus && self.config.channel_binding == ChannelBinding::Require {
                    return Err(auth_error(
                        "channel binding required, but the server did not use it",
                    ));
                }
                Ok(Step::Continue)
            }
            (Phase::AwaitReady, BackendMessage::ParameterStatus(p)) => {
                Ok(Step::Event(Event::ParameterStatus(p)))
            }
            (Phase::AwaitReady, BackendMessage::BackendKeyData(k)) => {
                self.backend_key = Some(k);
                Ok(Step::Continue)
            }
            (Phase::AwaitReady, BackendMessage::ReadyForQuery(_)) => Ok(Step::Ready),
            (phase, msg) => {
                self.phase = phase;
                Err(self.unexpected(&msg))
            }
        }
    }

    fn negotiate(
        &mut self,
        n: &crate::protocol::backend::NegotiateProtocolVersion,
    ) -> Result<(), Error> {
        let offered =
            ProtocolVersion { major: self.config.max_protocol.major, minor: n.newest_minor() };
        if offered < self.config.min_protocol {
            return Err(Error::new(
                ErrorKind::Unsupported,
                format!(
                    "server supports protocol {offered} only, but min_protocol_version is {}",
                    self.config.min_protocol
                ),
            ));
        }
        if offered > self.config.max_protocol {
            return Err(Error::protocol(format!(
                "server offered protocol {offered}, newer than the {} asked for",
                self.config.max_protocol
            )));
        }
        self.protocol = offered;
        self.unrecognized_options = n.unrecognized_options().map(str::to_owned).collect();
        Ok(())
    }

    fn check_allowed(&self, method: AuthMethod) -> Result<(), Error> {
        if !self.config.require_auth.allows(method) {
            return Err(auth_error(format!(
                "server requested {} authentication, which require_auth does not allow",
                method.name()
            )));
        }
        if self.config.channel_binding == ChannelBinding::Require
            && method != AuthMethod::ScramSha256
        {
            return Err(auth_error(format!(
                "channel binding required, but the server requested {} authentication",
                method.name()
            )));
        }
        Ok(())
    }

    fn password(&self) -> Result<&[u8], Error> {
        self.config
            .password
            .as_deref()
            .ok_or_else(|| auth_error("the server requested a password and none was supplied"))
    }

    fn auth_request(&mut self, a: Authentication, out: &mut BytesMut) -> Result<Step, Error> {
        match a {
            Authentication::Ok => {
                self.check_allowed(AuthMethod::None)?;
                Ok(Step::Continue)
            }
            Authentication::CleartextPassword => {
                self.check_allowed(AuthMethod::Password)?;
                PasswordMessage { password: self.password()? }.encode(out)?;
                self.phase = Phase::AwaitAuthOk;
                Ok(Step::Continue)
            }
            Authentication::Md5Password { salt } => {
                self.check_allowed(AuthMethod::Md5)?;
                let hashed = md5_password(self.config.user.as_bytes(), self.password()?, salt);
                PasswordMessage { password: hashed.as_bytes() }.encode(out)?;
                self.phase = Phase::AwaitAuthOk;
                Ok(Step::Continue)
            }
            Authentication::Sasl(mechanisms) => {
                self.check_allowed(AuthMethod::ScramSha256)?;
                let mechanism = choose_mechanism(
                    mechanisms.iter(),
                    self.config.channel_binding,
                    self.tls_server_end_point.as_deref(),
                )
                .map_err(|e| Error::with_source(ErrorKind::Auth, "SASL negotiation failed", e))?;
                let binding = ChannelBindingData::select(
                    mechanism,
                    self.config.channel_binding,
                    self.tls_server_end_point.as_deref(),
                );
                use base64::Engine as _;
                let nonce =
                    base64::engine::general_purpose::STANDARD.encode(self.config.client_nonce);
                let client = ScramClient::new(self.password()?, mechanism, binding, &nonce)
                    .map_err(|e| Error::with_source(ErrorKind::Auth, "SCRAM setup failed", e))?;
                let (first, client) = client.client_first();
                SaslInitialResponse { mechanism: mechanism.name(), data: Some(&first) }
                    .encode(out)?;
                self.phase = Phase::ScramServerFirst {
                    client,
                    plus: mechanism == Mechanism::ScramSha256Plus,
                };
                Ok(Step::Continue)
            }
            Authentication::Gss | Authentication::GssContinue(_) | Authentication::KerberosV5 => {
                self.check_allowed(AuthMethod::Gss)?;
                Err(Error::new(ErrorKind::Unsupported, "GSSAPI authentication is not supported"))
            }
            Authentication::Sspi => {
                self.check_allowed(AuthMethod::Sspi)?;
                Err(Error::new(ErrorKind::Unsupported, "SSPI authentication is not supported"))
            }
            other => Err(Error::protocol(format!(
                "unexpected authentication message {other:?} before authentication started"
            ))),
        }
    }

    /// The TLS state, for the session.
    pub(crate) fn tls_active(&self) -> bool {
        self.tls_active
    }
}
