//! Checked cursor for decoding and all-or-nothing framing for encoding.
//!
//! Invariant: nothing in `protocol/` indexes a slice or does offset arithmetic by hand. Every
//! decoder reads through [`Reader`], whose methods return [`DecodeError`] instead of panicking,
//! and every encoder writes through [`write_frame`], which back-patches the length and restores
//! the buffer when any part of the message is refused.

use bytes::{BufMut, Bytes, BytesMut};

/// Why a byte sequence could not be decoded.
///
/// Every variant names the message (as the protocol chapter names it) that was being decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeError {
    /// The message ended before a field was complete.
    Truncated {
        /// The message being decoded.
        message: &'static str,
    },
    /// Bytes were left over after the message's last field.
    TrailingBytes {
        /// The message being decoded.
        message: &'static str,
    },
    /// A string field has no terminating NUL byte.
    MissingNul {
        /// The message being decoded.
        message: &'static str,
    },
    /// A string field is not valid UTF-8.
    InvalidUtf8 {
        /// The message being decoded.
        message: &'static str,
    },
    /// A field holds a value the protocol does not allow (a negative count, an unknown code...).
    InvalidField {
        /// The message being decoded.
        message: &'static str,
        /// The field, as the protocol chapter names it.
        field: &'static str,
    },
    /// A message's length word is below 4 or above the configured maximum. Rejected before any
    /// buffer is reserved for it.
    FrameLength {
        /// The message type byte (0 for the untagged startup-phase messages).
        tag: u8,
        /// The length the peer declared.
        len: u32,
        /// The largest length accepted.
        max: u32,
    },
    /// The message type byte is not one this side of the protocol sends.
    UnknownTag {
        /// The type byte.
        tag: u8,
    },
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            Self::Truncated { message } => write!(f, "{message} message is truncated"),
            Self::TrailingBytes { message } => {
                write!(f, "{message} message has trailing bytes")
            }
            Self::MissingNul { message } => {
                write!(f, "{message} message has a string without a terminating NUL")
            }
            Self::InvalidUtf8 { message } => {
                write!(f, "{message} message has a string that is not UTF-8")
            }
            Self::InvalidField { message, field } => {
                write!(f, "{message} message has an invalid {field}")
            }
            Self::FrameLength { tag, len, max } => write!(
                f,
                "message of type {:?} declares length {len} (allowed: 4 to {max})",
                tag as char
            ),
            Self::UnknownTag { tag } => write!(f, "unknown message type {:?}", tag as char),
        }
    }
}

impl std::error::Error for DecodeError {}

/// Why a message could not be encoded. The output buffer is left as it was.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EncodeError {
    /// A string that the protocol sends NUL-terminated contains a NUL byte; the server would
    /// read it as two fields.
    NulInString {
        /// The field, as the protocol chapter names it.
        field: &'static str,
    },
    /// More than 65,535 parameters, result formats or parameter types.
    TooManyItems {
        /// The field, as the protocol chapter names it.
        field: &'static str,
        /// How many were given.
        count: usize,
    },
    /// A field or the whole message is longer than `i32::MAX` bytes.
    TooLong {
        /// The field, as the protocol chapter names it.
        field: &'static str,
    },
    /// A value outside what the protocol can carry (for example a cancel secret shorter than
    /// 4 or longer than 256 bytes).
    InvalidValue {
        /// The field, as the protocol chapter names it.
        field: &'static str,
    },
}

impl std::fmt::Display for EncodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            Self::NulInString { field } => write!(f, "{field} contains a NUL byte"),
            Self::TooManyItems { field, count } => {
                write!(f, "{count} {field} given; the protocol allows at most 65535")
            }
            Self::TooLong { field } => write!(f, "{field} is longer than 2147483647 bytes"),
            Self::InvalidValue { field } => {
                write!(f, "{field} has a value the protocol cannot carry")
            }
        }
    }
}

impl std::error::Error for EncodeError {}

/// A bounds-checked cursor over one message body.
///
/// Every read either returns the field or a [`DecodeError`] naming the message; nothing panics.
#[derive(Clone, Debug)]
pub struct Reader<'a> {
    buf: &'a [u8],
    message: &'static str,
}

impl<'a> Reader<'a> {
    /// A cursor over `buf`, the body of the message named `message`.
    #[inline]
    pub fn new(buf: &'a [u8], message: &'static str) -> Self {
        Self { buf, message }
    }

    /// The error for a truncated read of this message.
    #[inline]
    pub fn truncated(&self) -> DecodeError {
        DecodeError::Truncated { message: self.message }
    }

    /// The error for an invalid `field` of this message.
    #[inline]
    pub fn invalid(&self, field: &'static str) -> DecodeError {
        DecodeError::InvalidField { message: self.message, field }
    }

    /// Bytes not read yet.
    #[inline]
    pub fn remaining(&self) -> usize {
        self.buf.len()
    }

    /// True when every byte was read.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// Takes the next `n` bytes.
    #[inline]
    pub fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        if n > self.buf.len() {
            return Err(self.truncated());
        }
        let (head, tail) = self.buf.split_at(n);
        self.buf = tail;
        Ok(head)
    }

    /// Takes exactly `N` bytes as an array.
    #[inline]
    pub fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let bytes = self.take(N)?;
        let mut out = [0u8; N];
        out.copy_from_slice(bytes);
        Ok(out)
    }

    /// Takes every byte left.
    #[inline]
    pub fn rest(&mut self) -> &'a [u8] {
        std::mem::take(&mut self.buf)
    }

    /// Reads a byte.
    #[inline]
    pub fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.array::<1>()?[0])
    }

    /// Reads a big-endian `i16`.
    #[inline]
    pub fn i16(&mut self) -> Result<i16, DecodeError> {
        Ok(i16::from_be_bytes(self.array()?))
    }

    /// Reads a big-endian `u16`.
    #[inline]
    pub fn u16(&mut self) -> Result<u16, DecodeError> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    /// Reads a big-endian `i32`.
    #[inline]
    pub fn i32(&mut self) -> Result<i32, DecodeError> {
        Ok(i32::from_be_bytes(self.array()?))
    }

    /// Reads a big-endian `u32`.
    #[inline]
    pub fn u32(&mut self) -> Result<u32, DecodeError> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    /// Reads a count that must not be negative (an `Int16` in the protocol).
    #[inline]
    pub fn count16(&mut self, field: &'static str) -> Result<usize, DecodeError> {
        let n = self.i16()?;
        usize::try_from(n).map_err(|_| self.invalid(field))
    }

    /// Reads a NUL-terminated string's bytes (without the NUL).
    #[inline]
    pub fn cstr_bytes(&mut self) -> Result<&'a [u8], DecodeError> {
        let end = find_nul(self.buf).ok_or(DecodeError::MissingNul { message: self.message })?;
        let s = self.take(end)?;
        self.take(1)?;
        Ok(s)
    }

    /// Reads a NUL-terminated UTF-8 string (without the NUL).
    #[inline]
    pub fn cstr(&mut self) -> Result<&'a str, DecodeError> {
        let bytes = self.cstr_bytes()?;
        std::str::from_utf8(bytes).map_err(|_| DecodeError::InvalidUtf8 { message: self.message })
    }

    /// Succeeds when every byte was read; otherwise the message had trailing bytes.
    #[inline]
    pub fn finish(&self) -> Result<(), DecodeError> {
        if self.buf.is_empty() {
            Ok(())
        } else {
            Err(DecodeError::TrailingBytes { message: self.message })
        }
    }
}

/// The position of the first NUL byte: a plain scan over the first bytes (command tags and
/// names are short), memchr beyond.
#[inline]
fn find_nul(s: &[u8]) -> Option<usize> {
    let head = s.get(..32).unwrap_or(s);
    match head.iter().position(|&b| b == 0) {
        Some(i) => Some(i),
        None if head.len() == s.len() => None,
        None => memchr::memchr(0, s.get(32..)?).map(|i| i + 32),
    }
}

/// A UTF-8 string held in a [`Bytes`] (so it shares the message's buffer), validated once when
/// the message was decoded.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct ByteStr(Bytes);

impl ByteStr {
    /// Validates `bytes` as UTF-8.
    pub fn from_utf8(bytes: Bytes) -> Result<Self, std::str::Utf8Error> {
        // Tags and names are short ASCII: that check is much cheaper than the full one.
        if !bytes.is_ascii() {
            std::str::from_utf8(&bytes)?;
        }
        Ok(Self(bytes))
    }

    /// A string from a `'static` literal.
    pub const fn from_static(s: &'static str) -> Self {
        Self(Bytes::from_static(s.as_bytes()))
    }

    /// The string.
    pub fn as_str(&self) -> &str {
        // Validated in `from_utf8`/`from_static`; the fallback cannot be reached.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// The underlying bytes.
    pub fn as_bytes(&self) -> &Bytes {
        &self.0
    }
}

impl std::ops::Deref for ByteStr {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl std::fmt::Debug for ByteStr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

impl std::fmt::Display for ByteStr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<&str> for ByteStr {
    fn from(s: &str) -> Self {
        Self(Bytes::copy_from_slice(s.as_bytes()))
    }
}

/// Returns the part of `body` that `part` (a slice borrowed from `body`) covers, without copying.
pub fn sub_bytes(body: &Bytes, part: &[u8]) -> Bytes {
    if part.is_empty() {
        return Bytes::new();
    }
    body.slice_ref(part)
}

/// Largest message length the protocol's length word can declare.
const MAX_LEN: usize = i32::MAX as usize;

/// Writes one message: the optional type byte, a length word back-patched after `body` ran, and
/// the body. When `body` fails, or the message would be longer than `i32::MAX`, the buffer is
/// truncated back to where it was and the error returned.
///
/// The error type is generic so that a caller's own writer (a parameter dumper, say) can fail
/// with its own error and still get the buffer restored.
pub fn write_frame<E, F>(buf: &mut BytesMut, tag: Option<u8>, body: F) -> Result<(), E>
where
    E: From<EncodeError>,
    F: FnOnce(&mut BytesMut) -> Result<(), E>,
{
    let start = buf.len();
    // The type byte and the length placeholder in one append.
    let len_at = match tag {
        Some(tag) => {
            buf.put_slice(&[tag, 0, 0, 0, 0]);
            start + 1
        }
        None => {
            buf.put_slice(&[0; 4]);
            start
        }
    };
    if let Err(e) = body(buf) {
        buf.truncate(start);
        return Err(e);
    }
    let len = buf.len() - len_at;
    if len > MAX_LEN {
        buf.truncate(start);
        return Err(EncodeError::TooLong { field: "message" }.into());
    }
    // The length was checked against i32::MAX just above.
    buf[len_at..len_at + 4].copy_from_slice(&(len as i32).to_be_bytes());
    Ok(())
}

/// Writes `s` followed by a NUL, refusing a string that contains a NUL itself.
pub fn put_cstr(buf: &mut BytesMut, field: &'static str, s: &[u8]) -> Result<(), EncodeError> {
    if contains_nul(s) {
        return Err(EncodeError::NulInString { field });
    }
    buf.put_slice(s);
    buf.put_u8(0);
    Ok(())
}

/// True when `s` holds a NUL byte. Names and short strings are scanned with a plain loop
/// (memchr's setup costs more than it saves below a few dozen bytes).
#[inline]
fn contains_nul(s: &[u8]) -> bool {
    // The unnamed portal and statement ("") are the most common names of all.
    if s.is_empty() {
        false
    } else if s.len() < 64 {
        // Eight bytes at a time: a word has a zero byte when subtracting 1 from every byte
        // borrows into a high bit that was clear.
        const LO: u64 = 0x0101_0101_0101_0101;
        const HI: u64 = 0x8080_8080_8080_8080;
        let mut words = s.chunks_exact(8);
        let zero_in_word = words.by_ref().any(|w| {
            let x = u64::from_le_bytes(w.try_into().unwrap_or([1; 8]));
            x.wrapping_sub(LO) & !x & HI != 0
        });
        zero_in_word || words.remainder().contains(&0)
    } else {
        memchr::memchr(0, s).is_some()
    }
}

/// Converts a count to the protocol's `Int16`, refusing more than 65,535.
///
/// The protocol declares these counts as `Int16`, but the server reads them as unsigned
/// (`pq_getmsgint(msg, 2)`), so 32,768 to 65,535 are sent as their two's complement bit pattern.
pub fn count_u16(field: &'static str, count: usize) -> Result<u16, EncodeError> {
    u16::try_from(count).map_err(|_| EncodeError::TooManyItems { field, count })
}

/// Converts a field length to the protocol's `Int32`, refusing more than `i32::MAX`.
pub fn len_i32(field: &'static str, len: usize) -> Result<i32, EncodeError> {
    i32::try_from(len).map_err(|_| EncodeError::TooLong { field })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reader_reports_truncation_instead_of_panicking() {
        let mut r = Reader::new(&[0, 1, 2], "Test");
        assert_eq!(r.i16().unwrap(), 1);
        assert_eq!(r.i32(), Err(DecodeError::Truncated { message: "Test" }));
        assert_eq!(r.u8().unwrap(), 2);
        assert!(r.is_empty());
        assert_eq!(r.u8(), Err(DecodeError::Truncated { message: "Test" }));
    }

    #[test]
    fn reader_cstr() {
        let mut r = Reader::new(b"ab\0c", "Test");
        assert_eq!(r.cstr().unwrap(), "ab");
        assert_eq!(r.cstr(), Err(DecodeError::MissingNul { message: "Test" }));
        assert_eq!(r.finish(), Err(DecodeError::TrailingBytes { message: "Test" }));
        let mut r = Reader::new(b"\xff\0", "Test");
        assert_eq!(r.cstr(), Err(DecodeError::InvalidUtf8 { message: "Test" }));
    }

    #[test]
    fn negative_count_is_invalid() {
        let mut r = Reader::new(&[0xff, 0xff], "Test");
        assert_eq!(
            r.count16("count"),
            Err(DecodeError::InvalidField { message: "Test", field: "count" })
        );
    }

    #[test]
    fn failed_encode_leaves_buffer_unchanged() {
        let mut buf = BytesMut::from(&b"keep"[..]);
        let err: Result<(), EncodeError> =
            write_frame(&mut buf, Some(b'Q'), |b| put_cstr(b, "query string", b"a\0b"));
        assert_eq!(err, Err(EncodeError::NulInString { field: "query string" }));
        assert_eq!(&buf[..], b"keep");
    }

    #[test]
    fn frame_length_is_back_patched() {
        let mut buf = BytesMut::new();
        write_frame::<EncodeError, _>(&mut buf, Some(b'Q'), |b| put_cstr(b, "query string", b"x"))
            .unwrap();
        assert_eq!(&buf[..], b"Q\0\0\0\x06x\0");
        let mut buf = BytesMut::new();
        write_frame::<EncodeError, _>(&mut buf, None, |b| {
            b.put_i32(1);
            Ok(())
        })
        .unwrap();
        assert_eq!(&buf[..], b"\0\0\0\x08\0\0\0\x01");
    }

    #[test]
    fn counts_and_lengths_are_bounded() {
        assert_eq!(count_u16("parameters", 65_535), Ok(65_535));
        assert_eq!(
            count_u16("parameters", 65_536),
            Err(EncodeError::TooManyItems { field: "parameters", count: 65_536 })
        );
        assert!(len_i32("value", i32::MAX as usize).is_ok());
        assert!(len_i32("value", i32::MAX as usize + 1).is_err());
    }
}

#[cfg(test)]
mod nul_tests {
    use super::contains_nul;

    #[test]
    fn finds_a_nul_anywhere() {
        for len in 0..80 {
            let clean = vec![b'a'; len];
            assert!(!contains_nul(&clean), "{len}");
            let high = vec![0x80_u8; len];
            assert!(!contains_nul(&high), "{len}");
            for at in 0..len {
                let mut s = clean.clone();
                s[at] = 0;
                assert!(contains_nul(&s), "{len} {at}");
                let mut s = high.clone();
                s[at] = 0;
                assert!(contains_nul(&s), "{len} {at}");
            }
        }
        // Bytes next to 0 that a careless word trick would take for one.
        assert!(!contains_nul(&[1, 0x80, 0xff, 0x7f, 1, 1, 1, 0x81, 2]));
    }
}
