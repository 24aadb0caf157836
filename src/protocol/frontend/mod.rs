//! Frontend (client to server) messages of protocol 3.0 and 3.2: encoders for the driver, and a
//! decoder for test servers, proxies and round-trip tests.
//!
//! # Encoding
//!
//! Each message is a small borrowed struct named as the protocol chapter names it
//! (<https://www.postgresql.org/docs/current/protocol-message-formats.html>), with one method:
//!
//! ```text
//! fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError>
//! ```
//!
//! The rule is the same for every message, including those that cannot fail today ([`Sync`],
//! [`Flush`], [`Terminate`], [`CopyDone`], [`SslRequest`], [`GssEncRequest`]): every encoder
//! returns a `Result`, so callers write every message the same way and a check can be added
//! later without breaking them. The only variation is the error type of [`Bind`] and
//! [`FunctionCall`], which is their parameters' [`BindParams::Error`] so that a higher layer's
//! value-serialisation error flows out unchanged.
//!
//! Invariants of every encoder:
//! - the message is appended to `buf`; its length word is back-patched by
//!   [`codec::write_frame`](crate::protocol::codec::write_frame);
//! - a refused message leaves `buf` exactly as it was (byte for byte, same length);
//! - it refuses what the server would misread: a NUL inside a NUL-terminated string
//!   ([`EncodeError::NulInString`]), more than 65,535 items behind an `Int16` count
//!   ([`EncodeError::TooManyItems`]), a value longer than `i32::MAX`
//!   ([`EncodeError::TooLong`]), and values the wire cannot carry
//!   ([`EncodeError::InvalidValue`]);
//! - nothing is allocated except by `buf` growing, so Bind/Execute/Sync can be encoded thousands
//!   of times per second into one reused buffer.
//!
//! Note: [`Sync`] shares its name with `std::marker::Sync`; import it by path
//! (`frontend::Sync`) rather than through a glob.
//!
//! # Decoding
//!
//! [`FrontendMessage::decode`] decodes a tagged message from its type byte and body (as
//! [`framing::split_frame`](crate::protocol::framing::split_frame) returns them);
//! [`decode_startup`] decodes the untagged startup-phase packets (StartupMessage, SSLRequest,
//! GSSENCRequest, CancelRequest), which [`split_startup`] takes off a read buffer. Decoded
//! messages are zero-copy: they share the body's [`Bytes`]. Every message is validated once,
//! through [`codec::Reader`](crate::protocol::codec::Reader), then offers infallible accessors;
//! no input makes a decoder panic.
//!
//! The type byte `'p'` is shared by PasswordMessage, SASLInitialResponse, SASLResponse and
//! GSSResponse, which only the authentication exchange in progress tells apart. It decodes as
//! [`FrontendMessage::Password`] holding the raw body; [`parse_password`],
//! [`parse_sasl_initial_response`], [`parse_sasl_response`] and [`parse_gss_response`] read it
//! once the caller knows which one to expect.
//!
//! # Example
//!
//! ```
//! use bytes::BytesMut;
//! use pgtusk::protocol::Format;
//! use pgtusk::protocol::framing::split_frame;
//! use pgtusk::protocol::frontend::{self, Bind, Execute, FrontendMessage, Parse};
//!
//! // One round trip: Parse + Bind + Execute + Sync in one buffer.
//! let mut buf = BytesMut::new();
//! Parse { name: "", sql: "SELECT $1::int8", param_types: &[20] }.encode(&mut buf)?;
//! let seven = 7_i64.to_be_bytes();
//! Bind {
//!     portal: "",
//!     statement: "",
//!     param_formats: &[Format::Binary],
//!     params: &[Some(&seven[..])],
//!     result_formats: &[Format::Binary],
//! }
//! .encode(&mut buf)?;
//! Execute { portal: "", max_rows: 0 }.encode(&mut buf)?;
//! frontend::Sync.encode(&mut buf)?;
//!
//! // What a test server sees.
//! let frame = split_frame(&mut buf, 1 << 20)?.expect("a whole message");
//! let FrontendMessage::Parse(parse) = FrontendMessage::decode(frame.tag, frame.body)? else {
//!     unreachable!()
//! };
//! assert_eq!(parse.sql(), "SELECT $1::int8");
//! assert!(parse.param_types().eq([20]));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use bytes::{Bytes, BytesMut};

use super::codec::{DecodeError, EncodeError, Reader, sub_bytes};
use super::{ByteStr, Oid};

mod auth;
mod bind;
mod copy;
mod fastpath;
mod query;
mod startup;

// One list of everything this module offers, by family.
pub use auth::{
    GssResponse, PasswordMessage, SaslInitialResponse, SaslInitialResponseBody, SaslResponse,
    parse_gss_response, parse_password, parse_sasl_initial_response, parse_sasl_response,
};
pub use bind::{Bind, BindBody, BindParams};
pub use copy::{CopyData, CopyDone, CopyFail};
pub use fastpath::{FunctionCall, FunctionCallBody};
pub use query::{
    Close, Describe, Execute, Flush, Parse, ParseBody, Query, Sync, Target, Terminate,
};
pub use startup::{
    CancelRequest, GssEncRequest, MAX_STARTUP_PACKET_LEN, SslRequest, StartupBody, StartupMessage,
    StartupPacket, decode_startup, split_startup,
};

/// A tagged frontend message, decoded without copying: every field shares the body's [`Bytes`].
///
/// The untagged startup-phase packets are [`StartupPacket`]s instead.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FrontendMessage {
    /// Bind (`'B'`).
    Bind(BindBody),
    /// Close (`'C'`).
    Close {
        /// Whether a prepared statement or a portal is closed.
        target: Target,
        /// The name of the prepared statement or portal (empty: the unnamed one).
        name: ByteStr,
    },
    /// CopyData (`'d'`): the data.
    CopyData(Bytes),
    /// CopyDone (`'c'`).
    CopyDone,
    /// CopyFail (`'f'`).
    CopyFail {
        /// The error message to report as the cause of failure.
        message: ByteStr,
    },
    /// Describe (`'D'`).
    Describe {
        /// Whether a prepared statement or a portal is described.
        target: Target,
        /// The name of the prepared statement or portal (empty: the unnamed one).
        name: ByteStr,
    },
    /// Execute (`'E'`).
    Execute {
        /// The name of the portal (empty: the unnamed portal).
        portal: ByteStr,
        /// The maximum number of rows to return; 0 means no limit.
        max_rows: u32,
    },
    /// Flush (`'H'`).
    Flush,
    /// FunctionCall (`'F'`), the legacy fast-path interface.
    FunctionCall(FunctionCallBody),
    /// Parse (`'P'`).
    Parse(ParseBody),
    /// PasswordMessage, SASLInitialResponse, SASLResponse or GSSResponse (all `'p'`): the raw
    /// body, to be read with [`parse_password`], [`parse_sasl_initial_response`],
    /// [`parse_sasl_response`] or [`parse_gss_response`]. Its `Debug` output shows the bytes,
    /// which may be a cleartext password.
    Password(Bytes),
    /// Query (`'Q'`).
    Query {
        /// The query string (possibly several statements).
        sql: ByteStr,
    },
    /// Sync (`'S'`).
    Sync,
    /// Terminate (`'X'`).
    Terminate,
}

impl FrontendMessage {
    /// Decodes a tagged message from its type byte and its body (the bytes after the length
    /// word).
    ///
    /// Unknown type bytes are [`DecodeError::UnknownTag`]; a body that does not match its
    /// message's format is refused with the matching [`DecodeError`], never a panic.
    pub fn decode(tag: u8, body: Bytes) -> Result<Self, DecodeError> {
        match tag {
            b'B' => BindBody::decode(&body).map(Self::Bind),
            b'C' => query::decode_close(&body),
            b'd' => Ok(Self::CopyData(body)),
            b'c' => unit(&body, "CopyDone", Self::CopyDone),
            b'f' => copy::decode_copy_fail(&body),
            b'D' => query::decode_describe(&body),
            b'E' => query::decode_execute(&body),
            b'H' => unit(&body, "Flush", Self::Flush),
            b'F' => FunctionCallBody::decode(&body).map(Self::FunctionCall),
            b'P' => ParseBody::decode(&body).map(Self::Parse),
            b'p' => Ok(Self::Password(body)),
            b'Q' => query::decode_query(&body),
            b'S' => unit(&body, "Sync", Self::Sync),
            b'X' => unit(&body, "Terminate", Self::Terminate),
            tag => Err(DecodeError::UnknownTag { tag }),
        }
    }

    /// The message's type byte.
    pub fn tag(&self) -> u8 {
        match self {
            Self::Bind(_) => b'B',
            Self::Close { .. } => b'C',
            Self::CopyData(_) => b'd',
            Self::CopyDone => b'c',
            Self::CopyFail { .. } => b'f',
            Self::Describe { .. } => b'D',
            Self::Execute { .. } => b'E',
            Self::Flush => b'H',
            Self::FunctionCall(_) => b'F',
            Self::Parse(_) => b'P',
            Self::Password(_) => b'p',
            Self::Query { .. } => b'Q',
            Self::Sync => b'S',
            Self::Terminate => b'X',
        }
    }

    /// Encodes the message again (for a proxy that forwards what it decoded). A message that
    /// was decoded re-encodes to exactly the bytes it was decoded from.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        match self {
            Self::Bind(b) => b.encode(buf),
            Self::Close { target, name } => Close { target: *target, name }.encode(buf),
            Self::CopyData(data) => CopyData { data }.encode(buf),
            Self::CopyDone => CopyDone.encode(buf),
            Self::CopyFail { message } => CopyFail { message }.encode(buf),
            Self::Describe { target, name } => Describe { target: *target, name }.encode(buf),
            Self::Execute { portal, max_rows } => {
                Execute { portal, max_rows: *max_rows }.encode(buf)
            }
            Self::Flush => Flush.encode(buf),
            Self::FunctionCall(f) => f.encode(buf),
            Self::Parse(p) => p.encode(buf),
            Self::Password(data) => SaslResponse { data }.encode(buf),
            Self::Query { sql } => Query { sql }.encode(buf),
            Self::Sync => Sync.encode(buf),
            Self::Terminate => Terminate.encode(buf),
        }
    }
}

/// Decodes a message that has no body.
fn unit(
    body: &Bytes,
    message: &'static str,
    msg: FrontendMessage,
) -> Result<FrontendMessage, DecodeError> {
    Reader::new(body, message).finish()?;
    Ok(msg)
}

/// Reads a NUL-terminated UTF-8 string as a [`ByteStr`] sharing `body`, which `r` reads.
fn read_str(
    r: &mut Reader<'_>,
    body: &Bytes,
    message: &'static str,
) -> Result<ByteStr, DecodeError> {
    let bytes = r.cstr_bytes()?;
    ByteStr::from_utf8(sub_bytes(body, bytes)).map_err(|_| DecodeError::InvalidUtf8 { message })
}

/// Overwrites the `Int32` placeholder at `at` (written earlier by the same encoder).
fn patch_i32(buf: &mut BytesMut, at: usize, value: i32) {
    if let Some(slot) = buf.get_mut(at..at.saturating_add(4)) {
        slot.copy_from_slice(&value.to_be_bytes());
    }
}

/// An iterator over a validated array of `Int32` OIDs.
#[derive(Clone, Debug)]
struct Oids<'a>(Reader<'a>);

impl Iterator for Oids<'_> {
    type Item = Oid;

    fn next(&mut self) -> Option<Oid> {
        self.0.u32().ok()
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.0.remaining() / 4;
        (n, Some(n))
    }
}

impl ExactSizeIterator for Oids<'_> {}

#[cfg(test)]
mod test_util;

#[cfg(test)]
mod tests {
    use super::test_util::*;
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn unknown_tags_are_refused() {
        for tag in [b'Z', b'T', b'a', 0, 0xff] {
            assert_eq!(
                FrontendMessage::decode(tag, Bytes::new()),
                Err(DecodeError::UnknownTag { tag })
            );
        }
    }

    #[test]
    fn bodiless_messages_refuse_trailing_bytes() {
        for (tag, message) in
            [(b'S', "Sync"), (b'H', "Flush"), (b'X', "Terminate"), (b'c', "CopyDone")]
        {
            assert_eq!(
                FrontendMessage::decode(tag, Bytes::from_static(b"x")),
                Err(DecodeError::TrailingBytes { message })
            );
        }
    }

    #[test]
    fn password_family_decodes_raw() {
        let msg = round_trip(&encoded(|b| PasswordMessage { password: b"pw" }.encode(b)));
        let FrontendMessage::Password(raw) = &msg else { panic!("{msg:?}") };
        assert_eq!(&raw[..], b"pw\0");
        assert_eq!(msg.tag(), b'p');
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(tag in any::<u8>(), body in proptest::collection::vec(any::<u8>(), 0..64)) {
            let bytes = Bytes::from(body.clone());
            if let Ok(msg) = FrontendMessage::decode(tag, bytes.clone()) {
                exercise(&msg);
                // A decoded message re-encodes to exactly the bytes it came from.
                let mut buf = BytesMut::new();
                msg.encode(&mut buf).unwrap();
                prop_assert_eq!(buf.first(), Some(&tag));
                prop_assert_eq!(buf.get(5..), Some(&body[..]));
            }
            let _ = parse_password(&bytes);
            let _ = parse_sasl_initial_response(&bytes);
            let _ = parse_sasl_response(&bytes);
            let _ = parse_gss_response(&bytes);
        }

        #[test]
        fn arbitrary_tagged_bodies_never_panic(
            tag in proptest::sample::select(b"BCdcfDEHFPpQSX".to_vec()),
            body in proptest::collection::vec(any::<u8>(), 0..64),
        ) {
            if let Ok(msg) = FrontendMessage::decode(tag, Bytes::from(body)) {
                exercise(&msg);
            }
        }
    }
}
