//! The authentication responses, all sent with type byte `'p'`: PasswordMessage,
//! SASLInitialResponse, SASLResponse and GSSResponse.
//!
//! The server tells them apart by the authentication request it sent last, so the decoder
//! cannot: [`FrontendMessage::Password`](super::FrontendMessage::Password) keeps the raw body
//! and the `parse_*` functions here read it once the caller knows what to expect.

use bytes::{BufMut, Bytes, BytesMut};

use super::read_str;
use crate::protocol::codec::{Reader, len_i32, put_cstr, sub_bytes, write_frame};
use crate::protocol::{ByteStr, DecodeError, EncodeError};

/// PasswordMessage (`'p'`): a password, cleartext or MD5-hashed as the server asked.
///
/// Its `Debug` output does not show the password.
///
/// <https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-PASSWORDMESSAGE>
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PasswordMessage<'a> {
    /// The password (sent NUL-terminated, so it cannot contain a NUL).
    pub password: &'a [u8],
}

impl std::fmt::Debug for PasswordMessage<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordMessage").field("password", &"<redacted>").finish()
    }
}

impl PasswordMessage<'_> {
    /// Appends the message to `buf`; refuses a NUL in the password, leaving `buf` unchanged.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        write_frame(buf, Some(b'p'), |buf| put_cstr(buf, "password", self.password))
    }
}

/// SASLInitialResponse (`'p'`): the selected SASL mechanism and its initial client response.
///
/// <https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-SASLINITIALRESPONSE>
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SaslInitialResponse<'a> {
    /// The name of the SASL mechanism the client selected (e.g. `SCRAM-SHA-256`).
    pub mechanism: &'a str,
    /// The mechanism's initial client response; `None` is sent as length -1 (no response).
    pub data: Option<&'a [u8]>,
}

impl SaslInitialResponse<'_> {
    /// Appends the message to `buf`; on error `buf` is left unchanged.
    ///
    /// Refuses a NUL in the mechanism name and a response longer than `i32::MAX` bytes.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        write_frame(buf, Some(b'p'), |buf| {
            put_cstr(buf, "SASL mechanism name", self.mechanism.as_bytes())?;
            match self.data {
                None => buf.put_i32(-1),
                Some(data) => {
                    buf.put_i32(len_i32("initial client response", data.len())?);
                    buf.put_slice(data);
                }
            }
            Ok(())
        })
    }
}

/// SASLResponse (`'p'`): SASL mechanism-specific message data.
///
/// <https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-SASLRESPONSE>
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SaslResponse<'a> {
    /// The mechanism-specific data.
    pub data: &'a [u8],
}

impl SaslResponse<'_> {
    /// Appends the message to `buf`; refuses data longer than `i32::MAX - 4` bytes, leaving
    /// `buf` unchanged.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        encode_raw(buf, "SASL data", self.data)
    }
}

/// GSSResponse (`'p'`): GSSAPI or SSPI response data.
///
/// <https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-GSSRESPONSE>
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GssResponse<'a> {
    /// The GSSAPI or SSPI data.
    pub data: &'a [u8],
}

impl GssResponse<'_> {
    /// Appends the message to `buf`; refuses data longer than `i32::MAX - 4` bytes, leaving
    /// `buf` unchanged.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        encode_raw(buf, "GSSAPI or SSPI response data", self.data)
    }
}

/// A `'p'` message whose body is the data itself.
fn encode_raw(buf: &mut BytesMut, field: &'static str, data: &[u8]) -> Result<(), EncodeError> {
    // Checked before copying, so oversized data is refused without being written.
    len_i32(field, data.len().saturating_add(4))?;
    write_frame(buf, Some(b'p'), |buf| {
        buf.put_slice(data);
        Ok(())
    })
}

/// A decoded SASLInitialResponse, sharing the message body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SaslInitialResponseBody {
    /// The name of the SASL mechanism the client selected.
    pub mechanism: ByteStr,
    /// The initial client response, `None` when the client sent none (length -1).
    pub data: Option<Bytes>,
}

/// Reads a `'p'` body as a PasswordMessage: returns the password without its NUL.
pub fn parse_password(body: &Bytes) -> Result<Bytes, DecodeError> {
    let mut r = Reader::new(body, "PasswordMessage");
    let password = r.cstr_bytes()?;
    r.finish()?;
    Ok(sub_bytes(body, password))
}

/// Reads a `'p'` body as a SASLInitialResponse.
pub fn parse_sasl_initial_response(body: &Bytes) -> Result<SaslInitialResponseBody, DecodeError> {
    const M: &str = "SASLInitialResponse";
    let mut r = Reader::new(body, M);
    let mechanism = read_str(&mut r, body, M)?;
    let data = match r.i32()? {
        -1 => None,
        len => {
            let len = usize::try_from(len).map_err(|_| r.invalid("initial client response"))?;
            Some(sub_bytes(body, r.take(len)?))
        }
    };
    r.finish()?;
    Ok(SaslInitialResponseBody { mechanism, data })
}

/// Reads a `'p'` body as a SASLResponse: the whole body is the data. Never fails today; it
/// returns a `Result` like its siblings.
pub fn parse_sasl_response(body: &Bytes) -> Result<Bytes, DecodeError> {
    Ok(body.clone())
}

/// Reads a `'p'` body as a GSSResponse: the whole body is the data. Never fails today; it
/// returns a `Result` like its siblings.
pub fn parse_gss_response(body: &Bytes) -> Result<Bytes, DecodeError> {
    Ok(body.clone())
}

#[cfg(test)]
mod tests {
    use super::super::FrontendMessage;
    use super::super::test_util::*;
    use super::*;
    use proptest::prelude::*;

    /// Round-trips a `'p'` message and returns its raw body.
    fn raw(wire: &[u8]) -> Bytes {
        match round_trip(wire) {
            FrontendMessage::Password(raw) => raw,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn password_fixture() {
        let wire = encoded(|b| PasswordMessage { password: b"md5abc" }.encode(b));
        assert_eq!(&wire[..], b"p\0\0\0\x0bmd5abc\0");
        assert_eq!(parse_password(&raw(&wire)).unwrap(), Bytes::from_static(b"md5abc"));
        assert_refused(
            |b| PasswordMessage { password: b"pw\0" }.encode(b),
            EncodeError::NulInString { field: "password" },
        );
        let debug = format!("{:?}", PasswordMessage { password: b"hunter2" });
        assert!(!debug.contains("hunter2"));
    }

    #[test]
    fn sasl_initial_response_fixture() {
        let wire = encoded(|b| {
            SaslInitialResponse { mechanism: "SCRAM-SHA-256", data: Some(b"n,,n=,r=abc") }.encode(b)
        });
        assert_eq!(&wire[..], b"p\0\0\0\x21SCRAM-SHA-256\0\0\0\0\x0bn,,n=,r=abc");
        let body = parse_sasl_initial_response(&raw(&wire)).unwrap();
        assert_eq!(&*body.mechanism, "SCRAM-SHA-256");
        assert_eq!(body.data, Some(Bytes::from_static(b"n,,n=,r=abc")));

        let wire = encoded(|b| SaslInitialResponse { mechanism: "X", data: None }.encode(b));
        assert_eq!(&wire[..], b"p\0\0\0\x0aX\0\xff\xff\xff\xff");
        assert_eq!(parse_sasl_initial_response(&raw(&wire)).unwrap().data, None);
        let wire = encoded(|b| SaslInitialResponse { mechanism: "X", data: Some(b"") }.encode(b));
        assert_eq!(&wire[..], b"p\0\0\0\x0aX\0\0\0\0\0");
        assert_eq!(parse_sasl_initial_response(&raw(&wire)).unwrap().data, Some(Bytes::new()));

        assert_refused(
            |b| SaslInitialResponse { mechanism: "A\0", data: None }.encode(b),
            EncodeError::NulInString { field: "SASL mechanism name" },
        );
        assert_eq!(
            parse_sasl_initial_response(&Bytes::from_static(b"X\0\xff\xff\xff\xfe")),
            Err(DecodeError::InvalidField {
                message: "SASLInitialResponse",
                field: "initial client response"
            })
        );
    }

    #[test]
    fn sasl_and_gss_response_fixtures() {
        let wire = encoded(|b| SaslResponse { data: b"c=biws" }.encode(b));
        assert_eq!(&wire[..], b"p\0\0\0\x0ac=biws");
        assert_eq!(parse_sasl_response(&raw(&wire)).unwrap(), Bytes::from_static(b"c=biws"));
        let wire = encoded(|b| GssResponse { data: b"\x01\x02" }.encode(b));
        assert_eq!(&wire[..], b"p\0\0\0\x06\x01\x02");
        assert_eq!(parse_gss_response(&raw(&wire)).unwrap(), Bytes::from_static(b"\x01\x02"));
    }

    #[test]
    fn truncated_input() {
        let wire = encoded(|b| PasswordMessage { password: b"secret" }.encode(b));
        let body = wire.freeze().slice(5..);
        for n in 0..body.len() {
            assert!(parse_password(&body.slice(..n)).is_err(), "prefix {n}");
        }
        let wire = encoded(|b| {
            SaslInitialResponse { mechanism: "SCRAM-SHA-256", data: Some(b"n,,n=,r=x") }.encode(b)
        });
        let body = wire.freeze().slice(5..);
        for n in 0..body.len() {
            assert!(parse_sasl_initial_response(&body.slice(..n)).is_err(), "prefix {n}");
        }
        let wire = encoded(|b| SaslInitialResponse { mechanism: "M", data: None }.encode(b));
        let body = wire.freeze().slice(5..);
        for n in 0..body.len() {
            assert!(parse_sasl_initial_response(&body.slice(..n)).is_err(), "prefix {n}");
        }
    }

    proptest! {
        #[test]
        fn password_round_trips(password in proptest::collection::vec(1..=255u8, 0..32)) {
            let wire = encoded(|b| PasswordMessage { password: &password }.encode(b));
            prop_assert_eq!(&parse_password(&raw(&wire)).unwrap()[..], &password[..]);
        }

        #[test]
        fn sasl_initial_response_round_trips(
            mechanism in "[^\u{0}]{0,16}",
            data in proptest::option::of(proptest::collection::vec(any::<u8>(), 0..32)),
        ) {
            let wire = encoded(|b| SaslInitialResponse {
                mechanism: &mechanism,
                data: data.as_deref(),
            }.encode(b));
            let body = parse_sasl_initial_response(&raw(&wire)).unwrap();
            prop_assert_eq!(&*body.mechanism, &mechanism);
            prop_assert_eq!(body.data.map(|d| d.to_vec()), data);
        }

        #[test]
        fn sasl_and_gss_responses_round_trip(data in proptest::collection::vec(any::<u8>(), 0..32)) {
            let wire = encoded(|b| SaslResponse { data: &data }.encode(b));
            prop_assert_eq!(&parse_sasl_response(&raw(&wire)).unwrap()[..], &data[..]);
            let wire = encoded(|b| GssResponse { data: &data }.encode(b));
            prop_assert_eq!(&parse_gss_response(&raw(&wire)).unwrap()[..], &data[..]);
        }
    }
}
