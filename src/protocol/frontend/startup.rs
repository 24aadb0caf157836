//! The untagged startup-phase packets: StartupMessage, SSLRequest, GSSENCRequest and
//! CancelRequest.
//!
//! They have no type byte: an `Int32` length (counting itself) is followed by an `Int32` code
//! that is either a protocol version (StartupMessage) or one of the special request codes, all
//! with 1234 in the high 16 bits so that no protocol version collides with them.

use bytes::{Buf, BufMut, Bytes, BytesMut};

use crate::protocol::codec::{Reader, put_cstr, sub_bytes, write_frame};
use crate::protocol::framing::Need;
use crate::protocol::{DecodeError, EncodeError, ProtocolVersion};

/// The CancelRequest code, 1234 in the high 16 bits and 5678 in the low 16 bits.
const CANCEL_REQUEST_CODE: u32 = 80_877_102;
/// The SSLRequest code (1234.5679).
const SSL_REQUEST_CODE: u32 = 80_877_103;
/// The GSSENCRequest code (1234.5680).
const GSSENC_REQUEST_CODE: u32 = 80_877_104;
/// The major "version" reserved for request codes.
const REQUEST_CODE_MAJOR: u16 = 1234;
/// The range of secret key lengths: exactly 4 bytes in protocol 3.0, up to 256 in 3.2.
const SECRET_KEY_LEN: std::ops::RangeInclusive<usize> = 4..=256;

/// The largest startup-phase packet a server accepts (PostgreSQL's `MAX_STARTUP_PACKET_LENGTH`),
/// a sensible `max_len` for [`split_startup`].
pub const MAX_STARTUP_PACKET_LEN: u32 = 10_000;

/// StartupMessage (untagged): the first message of a session, naming the protocol version and
/// the session parameters (`user`, `database`, `options`, `application_name`, any run-time
/// parameter, and `_pq_.`-prefixed protocol extensions).
///
/// <https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-STARTUPMESSAGE>
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StartupMessage<'a> {
    /// The protocol version requested.
    pub version: ProtocolVersion,
    /// Parameter name and value pairs, sent in this order.
    pub params: &'a [(&'a str, &'a str)],
}

impl StartupMessage<'_> {
    /// Appends the message to `buf`; on error `buf` is left unchanged.
    ///
    /// Refuses a version whose major number is 1234 (the server would read it as a request
    /// code), an empty parameter name (the server would read it as the end of the list), and a
    /// NUL in a name or value.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        if self.version.major == REQUEST_CODE_MAJOR {
            return Err(EncodeError::InvalidValue { field: "protocol version" });
        }
        write_frame(buf, None, |buf| {
            buf.put_u32(self.version.to_word());
            for (name, value) in self.params {
                if name.is_empty() {
                    return Err(EncodeError::InvalidValue { field: "parameter name" });
                }
                put_cstr(buf, "parameter name", name.as_bytes())?;
                put_cstr(buf, "parameter value", value.as_bytes())?;
            }
            // "A zero byte is required as a terminator after the last name/value pair."
            buf.put_u8(0);
            Ok(())
        })
    }
}

/// SSLRequest (untagged): asks the server to switch to TLS.
///
/// <https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-SSLREQUEST>
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct SslRequest;

impl SslRequest {
    /// Appends the message to `buf`. Never fails.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        buf.put_i32(8);
        buf.put_u32(SSL_REQUEST_CODE);
        Ok(())
    }
}

/// GSSENCRequest (untagged): asks the server to switch to GSSAPI encryption.
///
/// <https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-GSSENCREQUEST>
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct GssEncRequest;

impl GssEncRequest {
    /// Appends the message to `buf`. Never fails.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        buf.put_i32(8);
        buf.put_u32(GSSENC_REQUEST_CODE);
        Ok(())
    }
}

/// CancelRequest (untagged): sent on a new connection to cancel the query running on another.
///
/// <https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-CANCELREQUEST>
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CancelRequest<'a> {
    /// The process ID of the target backend.
    pub process_id: i32,
    /// The secret key for the target backend, as BackendKeyData gave it: 4 bytes in protocol
    /// 3.0, up to 256 bytes in 3.2.
    pub secret_key: &'a [u8],
}

impl CancelRequest<'_> {
    /// Appends the message to `buf`; refuses a secret key shorter than 4 or longer than 256
    /// bytes ([`EncodeError::InvalidValue`] for `"secret key"`), leaving `buf` unchanged.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        if !SECRET_KEY_LEN.contains(&self.secret_key.len()) {
            return Err(EncodeError::InvalidValue { field: "secret key" });
        }
        write_frame(buf, None, |buf| {
            buf.put_u32(CANCEL_REQUEST_CODE);
            buf.put_i32(self.process_id);
            buf.put_slice(self.secret_key);
            Ok(())
        })
    }
}

/// A decoded untagged startup-phase packet.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum StartupPacket {
    /// StartupMessage.
    Startup(StartupBody),
    /// SSLRequest.
    SslRequest,
    /// GSSENCRequest.
    GssEncRequest,
    /// CancelRequest.
    CancelRequest {
        /// The process ID of the target backend.
        process_id: i32,
        /// The secret key (4 to 256 bytes).
        secret_key: Bytes,
    },
}

impl StartupPacket {
    /// Encodes the packet again, byte for byte as it was decoded.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        match self {
            Self::Startup(s) => s.encode(buf),
            Self::SslRequest => SslRequest.encode(buf),
            Self::GssEncRequest => GssEncRequest.encode(buf),
            Self::CancelRequest { process_id, secret_key } => {
                CancelRequest { process_id: *process_id, secret_key }.encode(buf)
            }
        }
    }
}

/// A decoded StartupMessage, sharing the packet body.
#[derive(Clone, PartialEq, Eq)]
pub struct StartupBody {
    version: ProtocolVersion,
    /// The name/value pairs, NUL-terminated each, without the final terminator; validated.
    params: Bytes,
}

impl StartupBody {
    fn decode(body: &Bytes) -> Result<Self, DecodeError> {
        let mut r = Reader::new(body, "StartupMessage");
        let version = ProtocolVersion::from_word(r.u32()?);
        let mut probe = r.clone();
        while !probe.cstr()?.is_empty() {
            probe.cstr()?;
        }
        probe.finish()?;
        // The pairs are what the probe read, minus the final terminator.
        let pairs = r.remaining().saturating_sub(probe.remaining()).saturating_sub(1);
        let params = sub_bytes(body, r.take(pairs)?);
        Ok(Self { version, params })
    }

    /// The protocol version requested. Any version is decoded; the server accepts major
    /// version 3 only.
    pub fn version(&self) -> ProtocolVersion {
        self.version
    }

    /// The parameter name and value pairs, in the order sent.
    pub fn params(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        let mut r = Reader::new(&self.params, "StartupMessage");
        std::iter::from_fn(move || Some((r.cstr().ok()?, r.cstr().ok()?)))
    }

    /// The value of parameter `name`, if it was sent (the first one, if sent twice).
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params().find(|&(n, _)| n == name).map(|(_, v)| v)
    }

    fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        write_frame(buf, None, |buf| {
            buf.put_u32(self.version.to_word());
            buf.put_slice(&self.params);
            buf.put_u8(0);
            Ok(())
        })
    }
}

impl std::fmt::Debug for StartupBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        struct Params<'a>(&'a StartupBody);
        impl std::fmt::Debug for Params<'_> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_list().entries(self.0.params()).finish()
            }
        }
        f.debug_struct("StartupBody")
            .field("version", &self.version)
            .field("params", &Params(self))
            .finish()
    }
}

/// Decodes an untagged startup-phase packet from its body (everything after the length word),
/// telling the four apart by the code in the first four bytes.
///
/// A code with 1234 in the high 16 bits that is not one of the three request codes is refused
/// (`InvalidField` "request code"); any other code is decoded as a StartupMessage's protocol
/// version.
pub fn decode_startup(body: Bytes) -> Result<StartupPacket, DecodeError> {
    let code = Reader::new(&body, "StartupMessage").u32()?;
    match code {
        SSL_REQUEST_CODE => bodiless(&body, "SSLRequest", StartupPacket::SslRequest),
        GSSENC_REQUEST_CODE => bodiless(&body, "GSSENCRequest", StartupPacket::GssEncRequest),
        CANCEL_REQUEST_CODE => decode_cancel(&body),
        _ if ProtocolVersion::from_word(code).major == REQUEST_CODE_MAJOR => {
            Err(DecodeError::InvalidField { message: "StartupMessage", field: "request code" })
        }
        _ => StartupBody::decode(&body).map(StartupPacket::Startup),
    }
}

/// Decodes a request that is only its code.
fn bodiless(
    body: &Bytes,
    message: &'static str,
    packet: StartupPacket,
) -> Result<StartupPacket, DecodeError> {
    let mut r = Reader::new(body, message);
    r.u32()?;
    r.finish()?;
    Ok(packet)
}

fn decode_cancel(body: &Bytes) -> Result<StartupPacket, DecodeError> {
    let mut r = Reader::new(body, "CancelRequest");
    r.u32()?;
    let process_id = r.i32()?;
    let secret_key = r.rest();
    if secret_key.len() < *SECRET_KEY_LEN.start() {
        return Err(r.truncated());
    }
    if !SECRET_KEY_LEN.contains(&secret_key.len()) {
        return Err(r.invalid("secret key"));
    }
    Ok(StartupPacket::CancelRequest { process_id, secret_key: sub_bytes(body, secret_key) })
}

/// Takes the first complete untagged packet off `buf` and returns its body (without the length
/// word), for [`decode_startup`].
///
/// Returns `Ok(Err(Need::More(n)))` when `n` more bytes are needed first (nothing is consumed),
/// or [`DecodeError::FrameLength`] (with tag 0) for a length outside `4..=max_len`, before any
/// buffer is reserved for the body. [`MAX_STARTUP_PACKET_LEN`] is what servers use.
pub fn split_startup(buf: &mut BytesMut, max_len: u32) -> Result<Result<Bytes, Need>, DecodeError> {
    let Ok(len) = Reader::new(buf, "startup packet").u32() else {
        return Ok(Err(Need::More(4usize.saturating_sub(buf.len()))));
    };
    if !(4..=max_len).contains(&len) {
        return Err(DecodeError::FrameLength { tag: 0, len, max: max_len });
    }
    // `len` fits in a u32, so it fits in usize on every target std supports with 32 bits or
    // more; saturate anyway so the comparison stays meaningful.
    let total = usize::try_from(len).unwrap_or(usize::MAX);
    if buf.len() < total {
        return Ok(Err(Need::More(total - buf.len())));
    }
    let mut packet = buf.split_to(total);
    packet.advance(4);
    Ok(Ok(packet.freeze()))
}

#[cfg(test)]
mod tests {
    use super::super::test_util::*;
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn startup_fixture_3_2() {
        let wire = encoded(|b| {
            StartupMessage {
                version: ProtocolVersion::V3_2,
                params: &[("user", "alice"), ("database", "app")],
            }
            .encode(b)
        });
        assert_eq!(&wire[..], b"\0\0\0\x21\0\x03\0\x02user\0alice\0database\0app\0\0");
        let StartupPacket::Startup(s) = round_trip_startup(&wire) else { panic!() };
        assert_eq!(s.version(), ProtocolVersion::V3_2);
        assert_eq!(s.params().collect::<Vec<_>>(), [("user", "alice"), ("database", "app")]);
        assert_eq!(s.param("database"), Some("app"));
        assert_eq!(s.param("options"), None);
        assert_startup_truncations_fail(&wire);
    }

    #[test]
    fn startup_fixture_3_0_with_extension_and_no_params() {
        let wire = encoded(|b| {
            StartupMessage { version: ProtocolVersion::V3_0, params: &[("_pq_.foo", "bar")] }
                .encode(b)
        });
        assert_eq!(&wire[..], b"\0\0\0\x16\0\x03\0\0_pq_.foo\0bar\0\0");
        round_trip_startup(&wire);
        let wire =
            encoded(|b| StartupMessage { version: ProtocolVersion::V3_0, params: &[] }.encode(b));
        assert_eq!(&wire[..], b"\0\0\0\x09\0\x03\0\0\0");
        let StartupPacket::Startup(s) = round_trip_startup(&wire) else { panic!() };
        assert_eq!(s.params().count(), 0);
    }

    #[test]
    fn request_fixtures() {
        let wire = encoded(|b| SslRequest.encode(b));
        assert_eq!(&wire[..], b"\0\0\0\x08\x04\xd2\x16\x2f");
        assert_eq!(round_trip_startup(&wire), StartupPacket::SslRequest);
        assert_startup_truncations_fail(&wire);
        let wire = encoded(|b| GssEncRequest.encode(b));
        assert_eq!(&wire[..], b"\0\0\0\x08\x04\xd2\x16\x30");
        assert_eq!(round_trip_startup(&wire), StartupPacket::GssEncRequest);
        assert_startup_truncations_fail(&wire);
    }

    #[test]
    fn cancel_fixtures() {
        let wire = encoded(|b| {
            CancelRequest { process_id: 4242, secret_key: b"\x01\x02\x03\x04" }.encode(b)
        });
        assert_eq!(&wire[..], b"\0\0\0\x10\x04\xd2\x16\x2e\0\0\x10\x92\x01\x02\x03\x04");
        assert_eq!(
            round_trip_startup(&wire),
            StartupPacket::CancelRequest {
                process_id: 4242,
                secret_key: Bytes::from_static(b"\x01\x02\x03\x04")
            }
        );
        assert_startup_truncations_fail(&wire);

        let key: Vec<u8> = (0..32).collect();
        let wire = encoded(|b| CancelRequest { process_id: -1, secret_key: &key }.encode(b));
        let mut expected = b"\0\0\0\x2c\x04\xd2\x16\x2e\xff\xff\xff\xff".to_vec();
        expected.extend_from_slice(&key);
        assert_eq!(&wire[..], &expected[..]);
        let StartupPacket::CancelRequest { process_id, secret_key } = round_trip_startup(&wire)
        else {
            panic!()
        };
        assert_eq!((process_id, &secret_key[..]), (-1, &key[..]));

        let key = [7u8; 256];
        round_trip_startup(&encoded(|b| {
            CancelRequest { process_id: 1, secret_key: &key }.encode(b)
        }));
    }

    #[test]
    fn refusals_leave_the_buffer_unchanged() {
        let key = [0u8; 257];
        for secret_key in [&key[..3], &key[..], &[]] {
            assert_refused(
                |b| CancelRequest { process_id: 1, secret_key }.encode(b),
                EncodeError::InvalidValue { field: "secret key" },
            );
        }
        let startup = |params: &[(&str, &str)], expected| {
            assert_refused(
                |b| StartupMessage { version: ProtocolVersion::V3_0, params }.encode(b),
                expected,
            );
        };
        startup(
            &[("user", "a"), ("us\0er", "b")],
            EncodeError::NulInString { field: "parameter name" },
        );
        startup(&[("user", "a\0")], EncodeError::NulInString { field: "parameter value" });
        startup(&[("user", "a"), ("", "b")], EncodeError::InvalidValue { field: "parameter name" });
        assert_refused(
            |b| {
                StartupMessage {
                    version: ProtocolVersion { major: 1234, minor: 5679 },
                    params: &[],
                }
                .encode(b)
            },
            EncodeError::InvalidValue { field: "protocol version" },
        );
    }

    #[test]
    fn decoder_refusals() {
        let decode = |body: &'static [u8]| decode_startup(Bytes::from_static(body));
        assert_eq!(
            decode(b"\x04\xd2\x16\x31"),
            Err(DecodeError::InvalidField { message: "StartupMessage", field: "request code" })
        );
        assert_eq!(
            decode(b"\x04\xd2\x16\x2fx"),
            Err(DecodeError::TrailingBytes { message: "SSLRequest" })
        );
        assert_eq!(
            decode(b"\0\x03\0\0user\0a\0\0x"),
            Err(DecodeError::TrailingBytes { message: "StartupMessage" })
        );
        assert_eq!(
            decode(b"\0\x03\0\0\xff\0a\0\0"),
            Err(DecodeError::InvalidUtf8 { message: "StartupMessage" })
        );
        let mut long = b"\x04\xd2\x16\x2e\0\0\0\x01".to_vec();
        long.extend_from_slice(&[0; 257]);
        assert_eq!(
            decode_startup(Bytes::from(long)),
            Err(DecodeError::InvalidField { message: "CancelRequest", field: "secret key" })
        );
    }

    #[test]
    fn split_startup_checks_the_length() {
        let mut buf = BytesMut::from(&b"\0\0\0\x03"[..]);
        assert_eq!(
            split_startup(&mut buf, MAX_STARTUP_PACKET_LEN),
            Err(DecodeError::FrameLength { tag: 0, len: 3, max: MAX_STARTUP_PACKET_LEN })
        );
        let mut buf = BytesMut::from(&b"\0\x01\0\0"[..]);
        assert!(split_startup(&mut buf, MAX_STARTUP_PACKET_LEN).is_err());
        assert_eq!(buf.len(), 4, "nothing consumed");
        let mut buf = BytesMut::from(&b"\0\0"[..]);
        assert_eq!(split_startup(&mut buf, 100), Ok(Err(Need::More(2))));
        let mut buf = BytesMut::from(&b"\0\0\0\x08\x04\xd2"[..]);
        assert_eq!(split_startup(&mut buf, 100), Ok(Err(Need::More(2))));
        buf.extend_from_slice(b"\x16\x2fQ");
        let body = split_startup(&mut buf, 100).unwrap().unwrap();
        assert_eq!(decode_startup(body), Ok(StartupPacket::SslRequest));
        assert_eq!(&buf[..], b"Q", "the rest stays");
    }

    fn version() -> impl Strategy<Value = ProtocolVersion> {
        (any::<u16>(), any::<u16>())
            .prop_filter("not a request code", |&(major, _)| major != REQUEST_CODE_MAJOR)
            .prop_map(|(major, minor)| ProtocolVersion { major, minor })
    }

    proptest! {
        #[test]
        fn startup_round_trips(
            version in version(),
            params in proptest::collection::vec(("[^\u{0}]{1,12}", "[^\u{0}]{0,12}"), 0..6),
        ) {
            let pairs: Vec<(&str, &str)> = params.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
            let wire = encoded(|b| StartupMessage { version, params: &pairs }.encode(b));
            let StartupPacket::Startup(s) = round_trip_startup(&wire) else { panic!() };
            prop_assert_eq!(s.version(), version);
            prop_assert_eq!(s.params().collect::<Vec<_>>(), pairs);
        }

        #[test]
        fn cancel_round_trips(process_id in any::<i32>(), key in proptest::collection::vec(any::<u8>(), 4..=256)) {
            let wire = encoded(|b| CancelRequest { process_id, secret_key: &key }.encode(b));
            prop_assert_eq!(
                round_trip_startup(&wire),
                StartupPacket::CancelRequest { process_id, secret_key: Bytes::from(key) }
            );
        }

        #[test]
        fn arbitrary_bytes_never_panic(body in proptest::collection::vec(any::<u8>(), 0..64)) {
            if let Ok(packet) = decode_startup(Bytes::from(body.clone())) {
                exercise_startup(&packet);
                let again = encoded(|b| packet.encode(b));
                prop_assert_eq!(&again[4..], &body[..]);
            }
            let mut buf = BytesMut::from(&body[..]);
            let _ = split_startup(&mut buf, MAX_STARTUP_PACKET_LEN);
        }

        #[test]
        fn mutated_startup_never_panics(
            params in proptest::collection::vec(("[^\u{0}]{1,6}", "[^\u{0}]{0,6}"), 0..4),
            index in any::<usize>(),
            byte in any::<u8>(),
        ) {
            let pairs: Vec<(&str, &str)> = params.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
            let wire = encoded(|b| StartupMessage { version: ProtocolVersion::V3_2, params: &pairs }.encode(b));
            let mut body = wire[4..].to_vec();
            let i = index % body.len();
            body[i] = byte;
            if let Ok(packet) = decode_startup(Bytes::from(body.clone())) {
                exercise_startup(&packet);
                let again = encoded(|b| packet.encode(b));
                prop_assert_eq!(&again[4..], &body[..]);
            }
        }
    }
}
