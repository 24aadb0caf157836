//! Splitting a byte stream into messages.
//!
//! Every backend message after the startup answer is a type byte, an `Int32` length that counts
//! itself, and the body. [`split_frame`] takes one complete message off the front of a read
//! buffer without copying its body; a length below 4 or above the configured maximum is refused
//! as soon as the five header bytes are there, before any buffer is reserved for the body.

use bytes::{Buf, Bytes, BytesMut};

use super::codec::DecodeError;

/// The default largest message accepted from the server: 1 GiB plus room for the DataRow
/// framing around PostgreSQL's largest possible field value (1 GiB).
pub const DEFAULT_MAX_MESSAGE_LEN: u32 = (1 << 30) + (1 << 16);

/// One message as it came off the wire: its type byte and its body (without the length word).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    /// The message type byte.
    pub tag: u8,
    /// The message body, sharing the read buffer's allocation.
    pub body: Bytes,
}

/// What [`split_frame`] needs before it can return the next message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    /// At least this many more bytes must be read.
    More(usize),
}

/// Takes the first complete message off `buf`.
///
/// Returns `Ok(Ok(frame))` with the message, `Ok(Err(Need::More(n)))` when `n` more bytes are
/// needed first (nothing is consumed), or an error for a length outside `4..=max_len`.
pub fn split_frame(buf: &mut BytesMut, max_len: u32) -> Result<Result<Frame, Need>, DecodeError> {
    let Some((&tag, rest)) = buf.split_first() else {
        return Ok(Err(Need::More(5)));
    };
    let Some(len_bytes) = rest.get(..4) else {
        return Ok(Err(Need::More(5 - buf.len())));
    };
    let mut len_word = [0u8; 4];
    len_word.copy_from_slice(len_bytes);
    let len = u32::from_be_bytes(len_word);
    if !(4..=max_len).contains(&len) {
        return Err(DecodeError::FrameLength { tag, len, max: max_len });
    }
    // `len` is at most `max_len: u32`, so the sum cannot overflow a 64-bit usize; on 32-bit
    // targets a saturating add keeps the comparison meaningful.
    let total = (len as usize).saturating_add(1);
    if buf.len() < total {
        return Ok(Err(Need::More(total - buf.len())));
    }
    let mut frame = buf.split_to(total);
    frame.advance(5);
    Ok(Ok(Frame { tag, body: frame.freeze() }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_complete_messages_and_waits_for_partial_ones() {
        let mut buf = BytesMut::from(&b"Z\0\0\0\x05IC\0\0\0\x0dSELECT"[..]);
        let f = split_frame(&mut buf, 100).unwrap().unwrap();
        assert_eq!(f, Frame { tag: b'Z', body: Bytes::from_static(b"I") });
        assert_eq!(split_frame(&mut buf, 100).unwrap(), Err(Need::More(3)));
        buf.extend_from_slice(b" 1\0");
        let f = split_frame(&mut buf, 100).unwrap().unwrap();
        assert_eq!(&f.body[..], b"SELECT 1\0");
        assert!(buf.is_empty());
        assert_eq!(split_frame(&mut buf, 100).unwrap(), Err(Need::More(5)));
        buf.extend_from_slice(b"Z\0");
        assert_eq!(split_frame(&mut buf, 100).unwrap(), Err(Need::More(3)));
    }

    #[test]
    fn refuses_bad_lengths_before_reading_the_body() {
        let mut buf = BytesMut::from(&b"D\0\0\0\x03"[..]);
        assert_eq!(
            split_frame(&mut buf, 100),
            Err(DecodeError::FrameLength { tag: b'D', len: 3, max: 100 })
        );
        let mut buf = BytesMut::from(&b"D\x7f\xff\xff\xff"[..]);
        assert!(matches!(split_frame(&mut buf, 100), Err(DecodeError::FrameLength { .. })));
        assert_eq!(buf.len(), 5, "nothing consumed or reserved");
    }
}
