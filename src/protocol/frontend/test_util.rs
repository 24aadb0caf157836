//! Helpers shared by the frontend message tests.

use std::fmt::Debug;

use bytes::{Bytes, BytesMut};

use super::{FrontendMessage, StartupPacket, decode_startup, split_startup};
use crate::protocol::EncodeError;
use crate::protocol::framing::{DEFAULT_MAX_MESSAGE_LEN, Need, split_frame};

/// Runs an encoder that must succeed and returns what it wrote.
pub(super) fn encoded(f: impl FnOnce(&mut BytesMut) -> Result<(), EncodeError>) -> BytesMut {
    let mut buf = BytesMut::new();
    f(&mut buf).expect("encode");
    buf
}

/// Runs an encoder that must fail with `expected` and checks that the buffer is unchanged.
pub(super) fn assert_refused<E: PartialEq + Debug>(
    f: impl FnOnce(&mut BytesMut) -> Result<(), E>,
    expected: E,
) {
    let mut buf = BytesMut::with_capacity(64);
    buf.extend_from_slice(b"keep");
    assert_eq!(f(&mut buf), Err(expected));
    assert_eq!(&buf[..], b"keep");
}

/// Splits one tagged message off `wire`, decodes it, checks that it re-encodes to `wire`, and
/// returns it.
pub(super) fn round_trip(wire: &[u8]) -> FrontendMessage {
    let mut buf = BytesMut::from(wire);
    let frame = split_frame(&mut buf, DEFAULT_MAX_MESSAGE_LEN).unwrap().unwrap();
    assert!(buf.is_empty(), "one whole message");
    let msg = FrontendMessage::decode(frame.tag, frame.body).unwrap();
    assert_eq!(msg.tag(), wire[0]);
    assert_eq!(&encoded(|b| msg.encode(b))[..], wire, "re-encodes to the same bytes");
    exercise(&msg);
    msg
}

/// Splits one startup-phase packet off `wire`, decodes it, checks that it re-encodes to `wire`,
/// and returns it.
pub(super) fn round_trip_startup(wire: &[u8]) -> StartupPacket {
    let mut buf = BytesMut::from(wire);
    let body = split_startup(&mut buf, u32::MAX).unwrap().unwrap();
    assert!(buf.is_empty(), "one whole packet");
    let packet = decode_startup(body).unwrap();
    assert_eq!(&encoded(|b| packet.encode(b))[..], wire, "re-encodes to the same bytes");
    exercise_startup(&packet);
    packet
}

/// Every strict prefix of the framed message waits for more bytes, and every strict prefix of
/// its body fails to decode.
pub(super) fn assert_truncations_fail(wire: &[u8]) {
    for n in 0..wire.len() {
        let mut buf = BytesMut::from(&wire[..n]);
        assert!(
            matches!(split_frame(&mut buf, DEFAULT_MAX_MESSAGE_LEN), Ok(Err(Need::More(_)))),
            "frame prefix {n}"
        );
    }
    let body = &wire[5..];
    for n in 0..body.len() {
        let res = FrontendMessage::decode(wire[0], Bytes::copy_from_slice(&body[..n]));
        assert!(res.is_err(), "body prefix {n} decoded: {res:?}");
    }
}

/// The same for an untagged startup-phase packet.
pub(super) fn assert_startup_truncations_fail(wire: &[u8]) {
    for n in 0..wire.len() {
        let mut buf = BytesMut::from(&wire[..n]);
        assert!(matches!(split_startup(&mut buf, u32::MAX), Ok(Err(Need::More(_)))), "prefix {n}");
    }
    let body = &wire[4..];
    for n in 0..body.len() {
        let res = decode_startup(Bytes::copy_from_slice(&body[..n]));
        assert!(res.is_err(), "body prefix {n} decoded: {res:?}");
    }
}

/// Replaces byte `index` (modulo the length) of a valid message's body with `byte` and decodes
/// it: it must not panic, and what decodes must re-encode to the same bytes.
pub(super) fn mutated_decodes_sanely(wire: &[u8], index: usize, byte: u8) {
    let mut body = wire[5..].to_vec();
    if body.is_empty() {
        return;
    }
    let i = index % body.len();
    body[i] = byte;
    if let Ok(msg) = FrontendMessage::decode(wire[0], Bytes::from(body.clone())) {
        exercise(&msg);
        let again = encoded(|b| msg.encode(b));
        assert_eq!(&again[5..], &body[..]);
    }
}

/// Calls every accessor of a decoded message, walking every iterator to its end.
pub(super) fn exercise(msg: &FrontendMessage) {
    match msg {
        FrontendMessage::Bind(b) => {
            let _ = (b.portal(), b.statement());
            assert_eq!(b.param_formats().count(), b.param_formats().len());
            assert_eq!(b.params().count(), b.param_count());
            assert_eq!(b.params().len(), b.param_count());
            assert_eq!(b.result_formats().count(), b.result_formats().len());
            for i in 0..=b.param_count() {
                let _ = b.param_format(i);
            }
        }
        FrontendMessage::FunctionCall(f) => {
            let _ = (f.function(), f.result_format());
            assert_eq!(f.arg_formats().count(), f.arg_formats().len());
            assert_eq!(f.args().count(), f.arg_count());
        }
        FrontendMessage::Parse(p) => {
            let _ = (p.name(), p.sql());
            assert_eq!(p.param_types().count(), p.param_types().len());
        }
        _ => {}
    }
}

/// Calls every accessor of a decoded startup-phase packet.
pub(super) fn exercise_startup(packet: &StartupPacket) {
    if let StartupPacket::Startup(s) = packet {
        let _ = s.version();
        for (name, _) in s.params() {
            assert!(s.param(name).is_some());
        }
        let _ = format!("{s:?}");
    }
}
