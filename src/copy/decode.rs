//! [`BinaryDecoder`]: binary COPY data, fed in arbitrary chunks, read back as rows.
//!
//! ```text
//!   Header --19 bytes, signature and flags valid--> Extension{left}
//!   Extension --left bytes skipped--> Rows
//!   Rows --a complete tuple--> Rows (a row is handed out)
//!   Rows --field count -1--> Done
//!   Done --any further byte--> Failed(TrailingData)
//!   any --malformed input--> Failed(error)    (latched: every later call returns it)
//! ```

use std::fmt;

use bytes::{Buf, Bytes, BytesMut};

use super::encode::SIGNATURE;
use crate::error::{Error, ErrorKind};
use crate::protocol::backend::{BackendMessage, DataRow};

/// The largest field [`BinaryDecoder::new`] accepts: 1 GiB, PostgreSQL's own limit for one
/// value.
pub const DEFAULT_MAX_FIELD_LEN: usize = 1 << 30;

/// The signature, flags and extension-length words.
const FIXED_HEADER_LEN: usize = 19;
/// Flag bit 16: an OID column precedes each row's fields.
const FLAG_OIDS: u32 = 1 << 16;
/// Bits 16-31 are critical: a reader must refuse data with one it does not know.
const CRITICAL_FLAGS: u32 = 0xffff_0000;

/// Why binary COPY data could not be decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum BinaryError {
    /// The data does not start with the signature `PGCOPY\n\377\r\n\0`.
    Signature,
    /// The header's flag bit 16 says each row starts with an OID: not supported (PostgreSQL
    /// 12 removed tables with OIDs).
    OidsIncluded,
    /// A critical flag bit (17-31) this decoder does not know is set.
    UnknownCriticalFlags {
        /// The flags word.
        flags: u32,
    },
    /// The header extension length is negative.
    ExtensionLength {
        /// The length read.
        len: i32,
    },
    /// A tuple's field count is below -1.
    FieldCount {
        /// The count read.
        count: i16,
    },
    /// A field length is below -1.
    FieldLength {
        /// The length read.
        len: i32,
    },
    /// A field is longer than the decoder accepts.
    FieldTooLong {
        /// The length read.
        len: usize,
        /// The largest length accepted.
        max: usize,
    },
    /// Data follows the trailer.
    TrailingData,
    /// The data ended before the trailer (in the header, a row, or between rows).
    Truncated,
}

impl fmt::Display for BinaryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::Signature => f.write_str("binary COPY data does not start with the signature"),
            Self::OidsIncluded => {
                f.write_str("binary COPY data with OIDs (header flag bit 16) is not supported")
            }
            Self::UnknownCriticalFlags { flags } => {
                write!(f, "binary COPY header has unknown critical flags {flags:#010x}")
            }
            Self::ExtensionLength { len } => {
                write!(f, "binary COPY header extension length {len} is negative")
            }
            Self::FieldCount { count } => write!(f, "binary COPY tuple has field count {count}"),
            Self::FieldLength { len } => write!(f, "binary COPY field has length {len}"),
            Self::FieldTooLong { len, max } => {
                write!(f, "binary COPY field of {len} bytes is longer than the limit of {max}")
            }
            Self::TrailingData => f.write_str("binary COPY data continues after the trailer"),
            Self::Truncated => f.write_str("binary COPY data ends before its trailer"),
        }
    }
}

impl std::error::Error for BinaryError {}

impl From<BinaryError> for Error {
    fn from(e: BinaryError) -> Self {
        let kind = match e {
            BinaryError::OidsIncluded => ErrorKind::Unsupported,
            _ => ErrorKind::Decode,
        };
        Error::with_source(kind, "invalid binary COPY data", e)
    }
}

/// Where the decoder is in the stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Waiting for the signature, flags and extension length.
    Header,
    /// Skipping the rest of the header extension.
    Extension { left: usize },
    /// Reading tuples, or the trailer.
    Rows,
    /// The trailer was read.
    Done,
    /// Malformed input; returned by every later call.
    Failed(BinaryError),
}

/// How far the walk through the tuple at the front of the input got, kept across pushes so a
/// tuple fed in many small pieces is walked once.
#[derive(Clone, Copy, Debug, Default)]
struct Scan {
    /// The field count, once read.
    fields: Option<u16>,
    /// Fields walked so far.
    seen: u16,
    /// The length of the tuple walked so far (where the next field's length word starts).
    end: usize,
}

/// What the walk of the front tuple found.
enum Walk {
    /// More input is needed.
    Need,
    /// The trailer.
    Trailer,
    /// A complete tuple of this many bytes.
    Tuple(usize),
}

/// A streaming decoder of binary COPY data: [`push`](Self::push) chunks as they arrive (rows
/// may span chunks), take rows with [`next_row`](Self::next_row), and call
/// [`finish`](Self::finish) at the end of the data.
///
/// Each row is a [`DataRow`] (a tuple has the layout of a DataRow body); a row that lies within
/// one pushed chunk shares its bytes, one that spans chunks is copied once. Nothing is
/// allocated from a length read from the data: a long field is accumulated as its bytes
/// arrive, and one longer than the maximum field length is refused at once.
///
/// Errors are latched: after one, every call returns it again.
#[derive(Debug)]
pub struct BinaryDecoder {
    state: State,
    /// Input not consumed yet, while it is one chunk (zero-copy).
    head: Bytes,
    /// Input not consumed yet, once it spans chunks. At most one of `head` and `acc` is
    /// non-empty.
    acc: BytesMut,
    scan: Scan,
    max_field_len: usize,
    rows: u64,
}

impl Default for BinaryDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl BinaryDecoder {
    /// A decoder accepting fields up to [`DEFAULT_MAX_FIELD_LEN`].
    pub fn new() -> Self {
        Self::with_max_field_len(DEFAULT_MAX_FIELD_LEN)
    }

    /// A decoder accepting fields up to `max` bytes: a longer one is a
    /// [`BinaryError::FieldTooLong`] error as soon as its length is read.
    pub fn with_max_field_len(max: usize) -> Self {
        Self {
            state: State::Header,
            head: Bytes::new(),
            acc: BytesMut::new(),
            scan: Scan::default(),
            max_field_len: max,
            rows: 0,
        }
    }

    /// Adds the next chunk of input.
    pub fn push(&mut self, chunk: Bytes) {
        if chunk.is_empty() {
            return;
        }
        if self.acc.is_empty() {
            if self.head.is_empty() {
                self.head = chunk;
                return;
            }
            // A tuple spans chunks: from now on the input accumulates (sized by the bytes
            // received, never by a length read from them).
            self.acc.reserve(self.head.len() + chunk.len());
            self.acc.extend_from_slice(&self.head);
            self.head = Bytes::new();
        }
        self.acc.extend_from_slice(&chunk);
    }

    /// The next complete row, `Ok(None)` when more input is needed or the trailer was read
    /// (see [`is_done`](Self::is_done)).
    pub fn next_row(&mut self) -> Result<Option<DataRow>, BinaryError> {
        loop {
            match self.state {
                State::Failed(e) => return Err(e),
                State::Header => {
                    if !self.header()? {
                        return Ok(None);
                    }
                }
                State::Extension { left } => {
                    let n = left.min(self.available().len());
                    self.skip(n);
                    if n < left {
                        self.state = State::Extension { left: left - n };
                        return Ok(None);
                    }
                    self.state = State::Rows;
                }
                State::Rows => match self.walk()? {
                    Walk::Need => return Ok(None),
                    Walk::Trailer => {
                        self.skip(2);
                        self.state = State::Done;
                    }
                    Walk::Tuple(len) => {
                        let body = self.take(len);
                        self.scan = Scan::default();
                        self.rows += 1;
                        return match BackendMessage::decode(b'D', body) {
                            Ok(BackendMessage::DataRow(row)) => Ok(Some(row)),
                            // The walk validated the tuple exactly as DataRow does.
                            _ => Err(self.fail(BinaryError::Truncated)),
                        };
                    }
                },
                State::Done => {
                    if self.available().is_empty() {
                        return Ok(None);
                    }
                    return Err(self.fail(BinaryError::TrailingData));
                }
            }
        }
    }

    /// Checks the end of the input: `Ok` only when the trailer was read and nothing followed.
    pub fn finish(&mut self) -> Result<(), BinaryError> {
        match self.state {
            State::Failed(e) => Err(e),
            State::Done if self.available().is_empty() => Ok(()),
            State::Done => Err(self.fail(BinaryError::TrailingData)),
            _ => Err(self.fail(BinaryError::Truncated)),
        }
    }

    /// True once the trailer was read.
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// The number of rows handed out so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Bytes received and not consumed yet.
    pub fn buffered(&self) -> usize {
        self.available().len()
    }

    // ----- internals ----------------------------------------------------------------------

    fn available(&self) -> &[u8] {
        if self.acc.is_empty() { &self.head } else { &self.acc }
    }

    fn skip(&mut self, n: usize) {
        if self.acc.is_empty() {
            self.head.advance(n.min(self.head.len()));
        } else {
            self.acc.advance(n.min(self.acc.len()));
        }
    }

    fn take(&mut self, n: usize) -> Bytes {
        if self.acc.is_empty() {
            self.head.split_to(n.min(self.head.len()))
        } else {
            self.acc.split_to(n.min(self.acc.len())).freeze()
        }
    }

    fn fail(&mut self, e: BinaryError) -> BinaryError {
        self.state = State::Failed(e);
        e
    }

    /// Reads the fixed part of the header; false when more input is needed.
    fn header(&mut self) -> Result<bool, BinaryError> {
        let input = self.available();
        // Refuse a wrong signature as soon as its first bytes differ.
        let prefix = input.len().min(SIGNATURE.len());
        if input.get(..prefix) != SIGNATURE.get(..prefix) {
            return Err(self.fail(BinaryError::Signature));
        }
        let Some(fixed) = input.get(..FIXED_HEADER_LEN) else {
            return Ok(false);
        };
        // Both words lie within the 19 bytes just checked.
        let word = |at: usize| -> [u8; 4] {
            fixed.get(at..at + 4).and_then(|w| w.try_into().ok()).unwrap_or_default()
        };
        let flags = u32::from_be_bytes(word(11));
        let ext = i32::from_be_bytes(word(15));
        if flags & FLAG_OIDS != 0 {
            return Err(self.fail(BinaryError::OidsIncluded));
        }
        if flags & CRITICAL_FLAGS != 0 {
            return Err(self.fail(BinaryError::UnknownCriticalFlags { flags }));
        }
        // Bits 0-15 are reserved for backwards-compatible changes: "a reader should simply
        // ignore any unexpected bits set in this range".
        let Ok(left) = usize::try_from(ext) else {
            return Err(self.fail(BinaryError::ExtensionLength { len: ext }));
        };
        self.skip(FIXED_HEADER_LEN);
        self.state = State::Extension { left };
        Ok(true)
    }

    /// Walks the tuple at the front of the input as far as the input goes.
    fn walk(&mut self) -> Result<Walk, BinaryError> {
        let input = self.available();
        let mut scan = self.scan;
        let fields = match scan.fields {
            Some(n) => n,
            None => {
                let Some(word) = input.first_chunk::<2>() else {
                    return Ok(Walk::Need);
                };
                let count = i16::from_be_bytes(*word);
                if count == -1 {
                    return Ok(Walk::Trailer);
                }
                let Ok(n) = u16::try_from(count) else {
                    return Err(self.fail(BinaryError::FieldCount { count }));
                };
                scan = Scan { fields: Some(n), seen: 0, end: 2 };
                n
            }
        };
        let max = self.max_field_len;
        let mut result = Ok(Walk::Tuple(0));
        while scan.seen < fields {
            let Some(word) = input.get(scan.end..).and_then(|r| r.first_chunk::<4>()) else {
                result = Ok(Walk::Need);
                break;
            };
            let len = i32::from_be_bytes(*word);
            let n = match usize::try_from(len) {
                Ok(n) if n > max => {
                    result = Err(BinaryError::FieldTooLong { len: n, max });
                    break;
                }
                Ok(n) => n,
                // "As a special case, -1 indicates a NULL field value."
                Err(_) if len == -1 => 0,
                Err(_) => {
                    result = Err(BinaryError::FieldLength { len });
                    break;
                }
            };
            // Both terms are bounded by the input length and 2^31: no overflow.
            let value_end = scan.end.saturating_add(4).saturating_add(n);
            if value_end > input.len() {
                result = Ok(Walk::Need);
                break;
            }
            scan.end = value_end;
            scan.seen += 1;
        }
        self.scan = scan;
        match result {
            Ok(Walk::Tuple(_)) => Ok(Walk::Tuple(scan.end)),
            Ok(other) => Ok(other),
            Err(e) => Err(self.fail(e)),
        }
    }
}
