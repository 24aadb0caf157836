//! The COPY sub-protocol's frontend messages: CopyData, CopyDone, CopyFail.

use bytes::{BufMut, Bytes, BytesMut};

use super::{FrontendMessage, read_str};
use crate::protocol::codec::{Reader, len_i32, put_cstr, write_frame};
use crate::protocol::{DecodeError, EncodeError};

/// CopyData (`'d'`): part of a COPY FROM STDIN data stream.
///
/// <https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-COPYDATA>
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CopyData<'a> {
    /// The data.
    pub data: &'a [u8],
}

impl CopyData<'_> {
    /// Appends the message to `buf`; refuses data longer than `i32::MAX - 4` bytes (the length
    /// word counts itself), leaving `buf` unchanged.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        // Checked before copying, so oversized data is refused without being written.
        frame_len(self.data.len())?;
        write_frame(buf, Some(b'd'), |buf| {
            buf.put_slice(self.data);
            Ok(())
        })
    }

    /// Writes only the 5-byte header (`'d'` and the length word) of a CopyData whose `len`-byte
    /// payload is sent separately, so a large payload can go out in a vectored write without
    /// being copied into `buf`. Refuses a payload longer than `i32::MAX - 4` bytes, leaving
    /// `buf` unchanged.
    pub fn encode_header(len: usize, buf: &mut BytesMut) -> Result<(), EncodeError> {
        let len = frame_len(len)?;
        buf.put_u8(b'd');
        buf.put_i32(len);
        Ok(())
    }
}

/// The length word of a CopyData carrying `len` bytes.
fn frame_len(len: usize) -> Result<i32, EncodeError> {
    len_i32("COPY data", len.saturating_add(4))
}

/// CopyDone (`'c'`): the COPY FROM STDIN data is complete.
///
/// <https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-COPYDONE>
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct CopyDone;

impl CopyDone {
    /// Appends the message to `buf`. Never fails.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        buf.put_slice(b"c\0\0\0\x04");
        Ok(())
    }
}

/// CopyFail (`'f'`): aborts COPY FROM STDIN; the server fails the COPY with this message.
///
/// <https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-COPYFAIL>
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CopyFail<'a> {
    /// The error message to report as the cause of failure.
    pub message: &'a str,
}

impl CopyFail<'_> {
    /// Appends the message to `buf`; refuses a NUL in the error message, leaving `buf`
    /// unchanged.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        write_frame(buf, Some(b'f'), |buf| put_cstr(buf, "error message", self.message.as_bytes()))
    }
}

pub(super) fn decode_copy_fail(body: &Bytes) -> Result<FrontendMessage, DecodeError> {
    let mut r = Reader::new(body, "CopyFail");
    let message = read_str(&mut r, body, "CopyFail")?;
    r.finish()?;
    Ok(FrontendMessage::CopyFail { message })
}

#[cfg(test)]
mod tests {
    use super::super::test_util::*;
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn copy_data_fixture() {
        let wire = encoded(|b| CopyData { data: b"1\tx\n" }.encode(b));
        assert_eq!(&wire[..], b"d\0\0\0\x081\tx\n");
        assert_eq!(round_trip(&wire), FrontendMessage::CopyData(Bytes::from_static(b"1\tx\n")));
        let wire = encoded(|b| CopyData { data: b"" }.encode(b));
        assert_eq!(&wire[..], b"d\0\0\0\x04");
        round_trip(&wire);
    }

    #[test]
    fn copy_data_header() {
        let mut buf = BytesMut::new();
        CopyData::encode_header(4, &mut buf).unwrap();
        buf.extend_from_slice(b"1\tx\n");
        assert_eq!(buf, encoded(|b| CopyData { data: b"1\tx\n" }.encode(b)));
        let mut buf = BytesMut::new();
        CopyData::encode_header(i32::MAX as usize - 4, &mut buf).unwrap();
        assert_eq!(&buf[..], b"d\x7f\xff\xff\xff");
        assert_refused(
            |b| CopyData::encode_header(i32::MAX as usize - 3, b),
            EncodeError::TooLong { field: "COPY data" },
        );
        assert_refused(
            |b| CopyData::encode_header(usize::MAX, b),
            EncodeError::TooLong { field: "COPY data" },
        );
    }

    #[test]
    fn copy_done_fixture() {
        let wire = encoded(|b| CopyDone.encode(b));
        assert_eq!(&wire[..], b"c\0\0\0\x04");
        assert_eq!(round_trip(&wire), FrontendMessage::CopyDone);
        assert_truncations_fail(&wire);
    }

    #[test]
    fn copy_fail_fixture() {
        let wire = encoded(|b| CopyFail { message: "bad row" }.encode(b));
        assert_eq!(&wire[..], b"f\0\0\0\x0cbad row\0");
        assert_eq!(round_trip(&wire), FrontendMessage::CopyFail { message: "bad row".into() });
        assert_truncations_fail(&wire);
        assert_refused(
            |b| CopyFail { message: "a\0" }.encode(b),
            EncodeError::NulInString { field: "error message" },
        );
    }

    #[test]
    fn truncated_copy_data_waits_for_its_frame() {
        // Any body is a valid CopyData, so truncation shows only at the framing level: every
        // strict prefix of the frame waits for more bytes.
        let wire = encoded(|b| CopyData { data: b"abc" }.encode(b));
        for n in 0..wire.len() {
            let mut buf = BytesMut::from(&wire[..n]);
            assert!(matches!(
                crate::protocol::framing::split_frame(&mut buf, 100),
                Ok(Err(crate::protocol::framing::Need::More(_)))
            ));
        }
    }

    proptest! {
        #[test]
        fn copy_data_round_trips(data in proptest::collection::vec(any::<u8>(), 0..64)) {
            let wire = encoded(|b| CopyData { data: &data }.encode(b));
            prop_assert_eq!(round_trip(&wire), FrontendMessage::CopyData(Bytes::from(data)));
        }

        #[test]
        fn copy_fail_round_trips(message in "[^\u{0}]*", index in any::<usize>(), byte in any::<u8>()) {
            let wire = encoded(|b| CopyFail { message: &message }.encode(b));
            prop_assert_eq!(
                round_trip(&wire),
                FrontendMessage::CopyFail { message: message.as_str().into() }
            );
            mutated_decodes_sanely(&wire, index, byte);
        }
    }
}
