//! Test helpers shared by every message family: byte fixtures, truncation checks and the
//! property-test round trips.

use bytes::{BufMut, Bytes, BytesMut};
use proptest::prelude::*;

use super::BackendMessage;
use crate::protocol::DecodeError;
use crate::protocol::framing::{DEFAULT_MAX_MESSAGE_LEN, split_frame};

/// `body` framed with its type byte and length word.
pub(super) fn framed(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = u32::try_from(body.len() + 4).expect("test body fits a length word");
    out.put_u32(len);
    out.extend_from_slice(body);
    out
}

/// Decodes a fixture body (literal bytes as a server sends them), checks that encoding gives
/// back exactly the same frame, and returns the message for the caller to inspect.
pub(super) fn fixture(tag: u8, body: &'static [u8]) -> BackendMessage {
    let msg = BackendMessage::decode(tag, Bytes::from_static(body))
        .unwrap_or_else(|e| panic!("fixture {:?} does not decode: {e}", tag as char));
    assert_eq!(msg.tag(), tag);
    let mut buf = BytesMut::from(&b"prefix"[..]);
    msg.encode(&mut buf).expect("a decoded message encodes");
    assert_eq!(&buf[..6], b"prefix");
    assert_eq!(&buf[6..], &framed(tag, body)[..], "encode is not the inverse of decode");
    msg
}

/// Asserts that every strict prefix of `body` shorter than `below` bytes fails to decode (with
/// an error, not a panic).
///
/// Use [`assert_truncations_fail`] unless the message ends in a field that extends to the end
/// of the message (a SASL payload, a cancel secret), where a shorter tail is still valid.
pub(super) fn assert_truncations_fail_below(tag: u8, body: &[u8], below: usize) {
    for len in 0..below.min(body.len()) {
        let prefix = Bytes::copy_from_slice(&body[..len]);
        let got = BackendMessage::decode(tag, prefix);
        assert!(
            got.is_err(),
            "{:?} body truncated to {len} of {} bytes decoded as {got:?}",
            tag as char,
            body.len()
        );
    }
}

/// Asserts that every strict prefix of `body` fails to decode, and that `body` with one extra
/// byte is refused as [`DecodeError::TrailingBytes`].
pub(super) fn assert_truncations_fail(tag: u8, body: &[u8]) {
    assert_truncations_fail_below(tag, body, body.len());
    let mut longer = body.to_vec();
    longer.push(0);
    let got = BackendMessage::decode(tag, Bytes::from(longer));
    assert!(
        matches!(got, Err(DecodeError::TrailingBytes { .. })),
        "{:?} body with a trailing byte gave {got:?}",
        tag as char
    );
}

/// Encodes `msg`, cuts the frame off a buffer with `split_frame`, decodes it and checks that the
/// result equals `msg`.
pub(super) fn assert_roundtrip(msg: &BackendMessage) -> Result<(), TestCaseError> {
    let mut buf = BytesMut::new();
    msg.encode(&mut buf).map_err(|e| TestCaseError::fail(format!("encode failed: {e}")))?;
    buf.extend_from_slice(b"Z\0\0\0\x05I");
    let frame = split_frame(&mut buf, DEFAULT_MAX_MESSAGE_LEN)
        .map_err(|e| TestCaseError::fail(format!("split_frame failed: {e}")))?
        .map_err(|need| TestCaseError::fail(format!("split_frame wants {need:?}")))?;
    prop_assert_eq!(&buf[..], b"Z\0\0\0\x05I", "frame length is wrong");
    let decoded = BackendMessage::from_frame(frame)
        .map_err(|e| TestCaseError::fail(format!("decode failed: {e}")))?;
    prop_assert_eq!(&decoded, msg);
    Ok(())
}

/// Decodes arbitrary bytes (which must not panic) and, when they decode, checks that encoding
/// gives back the same frame.
pub(super) fn assert_decodes_to_same_bytes(tag: u8, body: &[u8]) -> Result<(), TestCaseError> {
    if let Ok(msg) = BackendMessage::decode(tag, Bytes::copy_from_slice(body)) {
        let mut buf = BytesMut::new();
        msg.encode(&mut buf).map_err(|e| TestCaseError::fail(format!("encode failed: {e}")))?;
        prop_assert_eq!(&buf[..], &framed(tag, body)[..]);
    }
    Ok(())
}

/// Strings that may be sent NUL-terminated: any characters but NUL.
pub(super) fn arb_cstr(max: usize) -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!("[^\\x00]{{0,{max}}}")).expect("valid regex")
}
