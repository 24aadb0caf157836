//! SCRAM-SHA-256 and SCRAM-SHA-256-PLUS (RFC 5802, RFC 7677) as PostgreSQL speaks them
//! (<https://www.postgresql.org/docs/current/sasl-authentication.html>).
//!
//! Invariant: no IO and no randomness; the client nonce is passed in. A malformed or hostile
//! server message is a [`ScramError`], never a panic.
//!
//! # Call order
//!
//! The server's `AuthenticationSASL` lists mechanisms; [`choose_mechanism`] picks one under the
//! `channel_binding` policy, [`ChannelBindingData::select`] says what goes into the GS2 header,
//! and each state below is consumed by the transition that answers the next server message:
//!
//! ```text
//!   AuthenticationSASL(mechanisms)
//!        | choose_mechanism(), ChannelBindingData::select()
//!        v
//!   ScramClient::new(password, mechanism, channel_binding, nonce)
//!        | [.with_username(name)]   (optional; PostgreSQL uses the startup user)
//!        | .client_first()  ------------------> SASLInitialResponse(mechanism, client-first)
//!        v
//!   ScramAwaitServerFirst
//!        | .handle_server_first(data)  <------- AuthenticationSASLContinue(server-first)
//!        |   ---------------------------------> SASLResponse(client-final)
//!        v
//!   ScramAwaitServerFinal
//!        | .handle_server_final(data)  <------- AuthenticationSASLFinal(server-final)
//!        v
//!   Ok(()): the server proved it knows the password; AuthenticationOk may follow.
//! ```
//!
//! A connection must not accept `AuthenticationOk` before `handle_server_final` returned
//! `Ok`: otherwise a server that skips the final message never proves it knows the secret.
//!
//! # PostgreSQL specifics
//!
//! - The client-first-message carries an empty user name (`n=,r=...`), as libpq sends it: the
//!   server authenticates the user named in the StartupMessage and ignores this one.
//! - The GS2 header is `p=tls-server-end-point,,` for SCRAM-SHA-256-PLUS; `y,,` when the client
//!   could bind (TLS, with end-point data) but the server did not offer PLUS, which lets a
//!   server that did offer it detect a downgrade; `n,,` otherwise.
//! - Like libpq, optional extensions in server messages are refused (PostgreSQL sends none),
//!   and the password goes through [`saslprep_bytes`] first.

mod end_point;
#[cfg(test)]
mod tests;

pub use end_point::tls_server_end_point;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use super::ChannelBinding;
use super::saslprep::saslprep_bytes;

/// The largest iteration count accepted from a server.
///
/// The count is chosen by the server, and the client must run that many HMAC-SHA-256 rounds
/// before it can answer: without a cap, a hostile (or impersonated) server could send
/// `i=4000000000` and make the client burn minutes of CPU per connection attempt. PostgreSQL's
/// default (`scram_iterations`) is 4096; a million leaves room for hardened setups while
/// bounding the work to about a second.
pub const MAX_ITERATIONS: u32 = 1_000_000;

/// The SCRAM mechanism name with channel binding.
const PLUS_NAME: &str = "SCRAM-SHA-256-PLUS";
/// The SCRAM mechanism name without channel binding.
const PLAIN_NAME: &str = "SCRAM-SHA-256";
/// The GS2 header for SCRAM-SHA-256-PLUS with `tls-server-end-point` binding.
const GS2_PLUS: &[u8] = b"p=tls-server-end-point,,";

/// Why a SCRAM exchange or the choice of mechanism failed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ScramError {
    /// A server message does not follow the SCRAM grammar.
    Malformed {
        /// The message, as RFC 5802 names it (`server-first-message`, `server-final-message`).
        message: &'static str,
        /// The attribute or part that is wrong.
        field: &'static str,
    },
    /// The server's nonce does not start with the client's nonce, or adds nothing to it.
    NonceMismatch,
    /// The server asked for more than [`MAX_ITERATIONS`] iterations.
    IterationCountTooHigh,
    /// The server sent an extension attribute; PostgreSQL sends none and none is supported.
    UnsupportedExtension,
    /// The server's signature is wrong: the server does not know the password (or a party in
    /// the middle altered the exchange).
    InvalidServerSignature,
    /// The server ended the exchange with `e=<error>`; this is its error text.
    Server(String),
    /// None of the mechanisms the server offered is supported.
    NoSupportedMechanism {
        /// The mechanisms the server offered, separated by `", "`.
        offered: String,
    },
    /// `channel_binding=require`, but the server did not offer SCRAM-SHA-256-PLUS.
    ChannelBindingRequired,
    /// Channel binding is needed (required, or the only mechanism offered) but there is no
    /// `tls-server-end-point` data: the connection is not TLS, or the server certificate's
    /// signature algorithm has no known hash.
    ChannelBindingUnavailable,
    /// The server offered only SCRAM-SHA-256-PLUS, and `channel_binding=disable`.
    ChannelBindingDisabled,
    /// Caller misuse: the nonce is empty or holds a character other than printable ASCII
    /// without `,`.
    InvalidNonce,
    /// Caller misuse: the channel-binding data does not fit the mechanism
    /// (SCRAM-SHA-256-PLUS needs `TlsServerEndPoint`, SCRAM-SHA-256 must not have it).
    ChannelBindingMismatch,
}

impl std::fmt::Display for ScramError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Malformed { message, field } => {
                write!(f, "malformed SCRAM {message}: invalid {field}")
            }
            Self::NonceMismatch => {
                f.write_str("SCRAM server nonce does not extend the client nonce")
            }
            Self::IterationCountTooHigh => {
                write!(f, "SCRAM iteration count is above the limit of {MAX_ITERATIONS}")
            }
            Self::UnsupportedExtension => f.write_str("SCRAM server sent an unsupported extension"),
            Self::InvalidServerSignature => f.write_str("SCRAM server signature is invalid"),
            Self::Server(text) => write!(f, "error received from server in SCRAM exchange: {text}"),
            Self::NoSupportedMechanism { offered } => write!(
                f,
                "none of the server's SASL authentication mechanisms is supported (offered: {offered})"
            ),
            Self::ChannelBindingRequired => f.write_str(
                "channel binding is required, but the server did not offer SCRAM-SHA-256-PLUS",
            ),
            Self::ChannelBindingUnavailable => f.write_str(
                "channel binding is needed, but there is no TLS server certificate to bind to",
            ),
            Self::ChannelBindingDisabled => f.write_str(
                "the server offered only SCRAM-SHA-256-PLUS, but channel binding is disabled",
            ),
            Self::InvalidNonce => f.write_str("SCRAM client nonce is not printable ASCII"),
            Self::ChannelBindingMismatch => {
                f.write_str("channel-binding data does not fit the SCRAM mechanism")
            }
        }
    }
}

impl std::error::Error for ScramError {}

/// A SCRAM mechanism PostgreSQL offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Mechanism {
    /// `SCRAM-SHA-256`: no channel binding.
    ScramSha256,
    /// `SCRAM-SHA-256-PLUS`: bound to the TLS channel with `tls-server-end-point`.
    ScramSha256Plus,
}

impl Mechanism {
    /// The SASL mechanism name, as sent in SASLInitialResponse.
    pub fn name(self) -> &'static str {
        match self {
            Self::ScramSha256 => PLAIN_NAME,
            Self::ScramSha256Plus => PLUS_NAME,
        }
    }

    /// The mechanism a SASL name denotes (names are compared exactly, as libpq does).
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            PLAIN_NAME => Some(Self::ScramSha256),
            PLUS_NAME => Some(Self::ScramSha256Plus),
            _ => None,
        }
    }
}

/// Chooses the mechanism from those the server `offered` in AuthenticationSASL, under the
/// `channel_binding` `policy`, given the `tls-server-end-point` data (see
/// [`tls_server_end_point`]; `None` when the connection is not TLS or the data is unknown).
///
/// libpq's rules: `Require` takes SCRAM-SHA-256-PLUS and fails without it or without the
/// data; `Prefer` takes PLUS when it is offered and the data is present, plain SCRAM otherwise;
/// `Disable` takes plain SCRAM only. Unknown mechanism names are skipped.
pub fn choose_mechanism<'a>(
    offered: impl IntoIterator<Item = &'a str>,
    policy: ChannelBinding,
    tls_server_end_point: Option<&[u8]>,
) -> Result<Mechanism, ScramError> {
    let offered: Vec<&str> = offered.into_iter().collect();
    let has_plus = offered.contains(&PLUS_NAME);
    let has_plain = offered.contains(&PLAIN_NAME);
    if !has_plus && !has_plain {
        return Err(ScramError::NoSupportedMechanism { offered: offered.join(", ") });
    }
    let can_bind = tls_server_end_point.is_some();
    match policy {
        ChannelBinding::Disable if has_plain => Ok(Mechanism::ScramSha256),
        ChannelBinding::Disable => Err(ScramError::ChannelBindingDisabled),
        ChannelBinding::Require if !has_plus => Err(ScramError::ChannelBindingRequired),
        ChannelBinding::Require if !can_bind => Err(ScramError::ChannelBindingUnavailable),
        ChannelBinding::Require => Ok(Mechanism::ScramSha256Plus),
        // Prefer (and any policy added later): bind when both sides can.
        _ if has_plus && can_bind => Ok(Mechanism::ScramSha256Plus),
        _ if has_plain => Ok(Mechanism::ScramSha256),
        _ => Err(ScramError::ChannelBindingUnavailable),
    }
}

/// The channel-binding side of the exchange, which sets the GS2 header.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChannelBindingData {
    /// The client cannot bind (no TLS, no end-point data) or binding is disabled: `n,,`.
    None,
    /// The client could bind but the server did not offer SCRAM-SHA-256-PLUS: `y,,`. A server
    /// that did offer it rejects this, which detects a downgrade by a party in the middle.
    Unused,
    /// SCRAM-SHA-256-PLUS with this `tls-server-end-point` hash of the server certificate:
    /// `p=tls-server-end-point,,`.
    TlsServerEndPoint(Vec<u8>),
}

impl ChannelBindingData {
    /// The data to use with `mechanism` (from [`choose_mechanism`] with the same arguments),
    /// following libpq: `y` when binding is not disabled, the client has end-point data and
    /// plain SCRAM was chosen.
    pub fn select(
        mechanism: Mechanism,
        policy: ChannelBinding,
        tls_server_end_point: Option<&[u8]>,
    ) -> Self {
        match (mechanism, tls_server_end_point) {
            (Mechanism::ScramSha256Plus, Some(data)) => Self::TlsServerEndPoint(data.to_vec()),
            (Mechanism::ScramSha256, Some(_)) if policy != ChannelBinding::Disable => Self::Unused,
            _ => Self::None,
        }
    }

    /// The GS2 header this data selects.
    fn gs2_header(&self) -> &'static [u8] {
        match self {
            Self::None => b"n,,",
            Self::Unused => b"y,,",
            Self::TlsServerEndPoint(_) => GS2_PLUS,
        }
    }
}

impl std::fmt::Debug for ChannelBindingData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::None => f.write_str("None"),
            Self::Unused => f.write_str("Unused"),
            Self::TlsServerEndPoint(data) => {
                f.debug_tuple("TlsServerEndPoint").field(&data.len()).finish()
            }
        }
    }
}

/// A SCRAM exchange before the client-first-message: the initial state.
pub struct ScramClient {
    password: Vec<u8>,
    mechanism: Mechanism,
    channel_binding: ChannelBindingData,
    nonce: String,
    username: String,
}

impl ScramClient {
    /// Starts an exchange. `password` is prepared with SASLprep here (raw bytes when it is not
    /// UTF-8 or SASLprep refuses it, as PostgreSQL does).
    ///
    /// `nonce`: the client nonce as printable ASCII without `,` (tests inject RFC 7677's; the
    /// connection passes 24 random bytes base64-encoded).
    pub fn new(
        password: &[u8],
        mechanism: Mechanism,
        channel_binding: ChannelBindingData,
        nonce: &str,
    ) -> Result<Self, ScramError> {
        if !is_printable(nonce.as_bytes()) {
            return Err(ScramError::InvalidNonce);
        }
        let fits = match (&channel_binding, mechanism) {
            (ChannelBindingData::TlsServerEndPoint(data), Mechanism::ScramSha256Plus) => {
                !data.is_empty()
            }
            (ChannelBindingData::TlsServerEndPoint(_), _) => false,
            (_, Mechanism::ScramSha256Plus) => false,
            _ => true,
        };
        if !fits {
            return Err(ScramError::ChannelBindingMismatch);
        }
        Ok(Self {
            password: saslprep_bytes(password).into_owned(),
            mechanism,
            channel_binding,
            nonce: nonce.to_owned(),
            username: String::new(),
        })
    }

    /// Sets the user name sent in the client-first-message (empty by default, as libpq sends
    /// it; PostgreSQL ignores it). `,` and `=` are escaped as RFC 5802 requires; no SASLprep is
    /// applied.
    pub fn with_username(mut self, username: &str) -> Self {
        self.username = username.replace('=', "=3D").replace(',', "=2C");
        self
    }

    /// The mechanism, whose [`name`](Mechanism::name) goes into SASLInitialResponse.
    pub fn mechanism(&self) -> Mechanism {
        self.mechanism
    }

    /// The SASLInitialResponse payload (client-first-message) and the state awaiting the
    /// server-first-message.
    pub fn client_first(self) -> (Vec<u8>, ScramAwaitServerFirst) {
        let gs2_header = self.channel_binding.gs2_header();
        let bare = format!("n={},r={}", self.username, self.nonce).into_bytes();
        let mut message = Vec::with_capacity(gs2_header.len() + bare.len());
        message.extend_from_slice(gs2_header);
        message.extend_from_slice(&bare);
        // RFC 5802: the c= attribute carries the GS2 header followed by the binding data.
        let mut cbind_input = gs2_header.to_vec();
        if let ChannelBindingData::TlsServerEndPoint(data) = &self.channel_binding {
            cbind_input.extend_from_slice(data);
        }
        let next = ScramAwaitServerFirst {
            password: self.password,
            nonce: self.nonce,
            client_first_bare: bare,
            cbind_input,
        };
        (message, next)
    }
}

impl std::fmt::Debug for ScramClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScramClient")
            .field("mechanism", &self.mechanism)
            .field("channel_binding", &self.channel_binding)
            .finish_non_exhaustive()
    }
}

/// A SCRAM exchange that sent the client-first-message and waits for the server-first-message
/// (the data of AuthenticationSASLContinue).
pub struct ScramAwaitServerFirst {
    password: Vec<u8>,
    nonce: String,
    client_first_bare: Vec<u8>,
    cbind_input: Vec<u8>,
}

impl ScramAwaitServerFirst {
    /// Checks the server-first-message and computes the proof: the SASLResponse payload
    /// (client-final-message) and the state awaiting the server-final-message.
    ///
    /// Runs the server's iteration count of HMAC rounds (at most [`MAX_ITERATIONS`]).
    pub fn handle_server_first(
        self,
        server_first: &[u8],
    ) -> Result<(Vec<u8>, ScramAwaitServerFinal), ScramError> {
        let parsed = ServerFirst::parse(server_first, self.nonce.as_bytes())?;

        let mut without_proof = b"c=".to_vec();
        without_proof.extend_from_slice(BASE64.encode(&self.cbind_input).as_bytes());
        without_proof.extend_from_slice(b",r=");
        without_proof.extend_from_slice(parsed.nonce);

        let mut auth_message = self.client_first_bare;
        auth_message.push(b',');
        auth_message.extend_from_slice(server_first);
        auth_message.push(b',');
        auth_message.extend_from_slice(&without_proof);

        let salted_password = hi(&self.password, &parsed.salt, parsed.iterations);
        let client_key = hmac(&salted_password, b"Client Key");
        let stored_key: [u8; 32] = Sha256::digest(client_key).into();
        let client_signature = hmac(&stored_key, &auth_message);
        let mut proof = client_key;
        for (p, s) in proof.iter_mut().zip(client_signature) {
            *p ^= s;
        }
        let server_key = hmac(&salted_password, b"Server Key");

        let mut client_final = without_proof;
        client_final.extend_from_slice(b",p=");
        client_final.extend_from_slice(BASE64.encode(proof).as_bytes());
        Ok((client_final, ScramAwaitServerFinal { server_key, auth_message }))
    }
}

impl std::fmt::Debug for ScramAwaitServerFirst {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScramAwaitServerFirst").finish_non_exhaustive()
    }
}

/// A SCRAM exchange that sent the client-final-message and waits for the server-final-message
/// (the data of AuthenticationSASLFinal).
pub struct ScramAwaitServerFinal {
    server_key: [u8; 32],
    auth_message: Vec<u8>,
}

impl ScramAwaitServerFinal {
    /// Verifies the server's signature (in constant time). `Ok` means the server knows the
    /// password; an `e=` message is returned as [`ScramError::Server`].
    pub fn handle_server_final(self, server_final: &[u8]) -> Result<(), ScramError> {
        const MESSAGE: &str = "server-final-message";
        let mut parts = server_final.split(|&b| b == b',');
        let first = parts.next();
        if let Some([b'e', b'=', text @ ..]) = first {
            return Err(ScramError::Server(String::from_utf8_lossy(text).into_owned()));
        }
        let signature = attr(first, b'v', MESSAGE, "verifier")?;
        reject_extensions(parts.next(), MESSAGE)?;
        let signature = decode_base64(signature, MESSAGE, "verifier")?;
        if signature.len() != 32 {
            return Err(malformed(MESSAGE, "verifier"));
        }
        let mut mac = hmac_state(&self.server_key);
        mac.update(&self.auth_message);
        // `verify_slice` compares in constant time.
        mac.verify_slice(&signature).map_err(|_| ScramError::InvalidServerSignature)
    }
}

impl std::fmt::Debug for ScramAwaitServerFinal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScramAwaitServerFinal").finish_non_exhaustive()
    }
}

/// The parts of a server-first-message, validated.
struct ServerFirst<'a> {
    nonce: &'a [u8],
    salt: Vec<u8>,
    iterations: u32,
}

impl<'a> ServerFirst<'a> {
    /// Parses `r=<nonce>,s=<salt>,i=<count>` (RFC 5802 §7), checking the nonce against the
    /// client's.
    fn parse(message: &'a [u8], client_nonce: &[u8]) -> Result<Self, ScramError> {
        const MESSAGE: &str = "server-first-message";
        let mut parts = message.split(|&b| b == b',');
        let first = parts.next();
        // "reserved-mext": a mandatory extension; the client must fail if it does not know it.
        if let Some([b'm', b'=', ..]) = first {
            return Err(ScramError::UnsupportedExtension);
        }
        let nonce = attr(first, b'r', MESSAGE, "nonce")?;
        if !is_printable(nonce) {
            return Err(malformed(MESSAGE, "nonce"));
        }
        if nonce.len() <= client_nonce.len() || !nonce.starts_with(client_nonce) {
            return Err(ScramError::NonceMismatch);
        }
        let salt = attr(parts.next(), b's', MESSAGE, "salt")?;
        let salt = decode_base64(salt, MESSAGE, "salt")?;
        let iterations = parse_iterations(attr(parts.next(), b'i', MESSAGE, "iteration count")?)?;
        reject_extensions(parts.next(), MESSAGE)?;
        Ok(Self { nonce, salt, iterations })
    }
}

/// Parses an iteration count strictly: `posit-number = %x31-39 *DIGIT` (RFC 5802), no sign, no
/// spaces, no leading zero, at most [`MAX_ITERATIONS`].
fn parse_iterations(value: &[u8]) -> Result<u32, ScramError> {
    let bad = || malformed("server-first-message", "iteration count");
    if !matches!(value.first(), Some(b'1'..=b'9')) || !value.iter().all(u8::is_ascii_digit) {
        return Err(bad());
    }
    let mut count: u32 = 0;
    for &digit in value {
        count = count
            .checked_mul(10)
            .and_then(|c| c.checked_add(u32::from(digit - b'0')))
            .ok_or(ScramError::IterationCountTooHigh)?;
    }
    if count > MAX_ITERATIONS {
        return Err(ScramError::IterationCountTooHigh);
    }
    Ok(count)
}

/// The value of the attribute `name` in `part` (`<name>=<value>`).
fn attr<'a>(
    part: Option<&'a [u8]>,
    name: u8,
    message: &'static str,
    field: &'static str,
) -> Result<&'a [u8], ScramError> {
    match part {
        Some([n, b'=', value @ ..]) if *n == name => Ok(value),
        _ => Err(malformed(message, field)),
    }
}

/// Fails when anything follows the last attribute PostgreSQL sends. RFC 5802 lets a client
/// ignore optional extensions, but PostgreSQL sends none and libpq refuses them, so anything
/// here is either an extension we do not support or garbage.
fn reject_extensions(next: Option<&[u8]>, message: &'static str) -> Result<(), ScramError> {
    match next {
        None => Ok(()),
        Some([name, b'=', ..]) if name.is_ascii_alphabetic() => {
            Err(ScramError::UnsupportedExtension)
        }
        Some(_) => Err(malformed(message, "end of message")),
    }
}

/// Decodes standard, padded base64.
fn decode_base64(
    value: &[u8],
    message: &'static str,
    field: &'static str,
) -> Result<Vec<u8>, ScramError> {
    BASE64.decode(value).map_err(|_| malformed(message, field))
}

fn malformed(message: &'static str, field: &'static str) -> ScramError {
    ScramError::Malformed { message, field }
}

/// RFC 5802's `printable`: `%x21-2B / %x2D-7E`, at least one character.
fn is_printable(value: &[u8]) -> bool {
    !value.is_empty() && value.iter().all(|&b| matches!(b, 0x21..=0x2b | 0x2d..=0x7e))
}

/// HMAC-SHA-256 keyed with `key`, ready for data.
fn hmac_state(key: &[u8]) -> Hmac<Sha256> {
    // HMAC accepts keys of any length (longer ones are hashed), so this never fails; the
    // `Result` exists for MACs with fixed key sizes.
    <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC accepts keys of any length")
}

/// HMAC-SHA-256 of `data` under `key`.
fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    hmac_state(key).chain_update(data).finalize().into_bytes().into()
}

/// `Hi(str, salt, i)` of RFC 5802 §2.2: PBKDF2 with HMAC-SHA-256 and one output block.
fn hi(password: &[u8], salt: &[u8], iterations: u32) -> [u8; 32] {
    // Key once, then clone the keyed state each round instead of re-deriving the pads.
    let prf = hmac_state(password);
    let mut u: [u8; 32] = prf
        .clone()
        .chain_update(salt)
        .chain_update(1u32.to_be_bytes())
        .finalize()
        .into_bytes()
        .into();
    let mut out = u;
    for _ in 1..iterations {
        u = prf.clone().chain_update(u).finalize().into_bytes().into();
        for (o, x) in out.iter_mut().zip(u) {
            *o ^= x;
        }
    }
    out
}
