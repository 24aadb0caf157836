//! The start of a COPY: CopyInResponse, CopyOutResponse and CopyBothResponse, which share one
//! layout. (CopyData and CopyDone carry no structure and live in the message enum.)

use bytes::{BufMut, Bytes, BytesMut};

use super::{DecodeError, EncodeError, Reader, count_i16};
use crate::protocol::{Format, codec};

/// The body of a [CopyInResponse], [CopyOutResponse] or [CopyBothResponse]: the overall COPY
/// format and the format of each column.
///
/// Validated at decode: the overall format is 0 or 1, the column count is not negative, every
/// column format code is 0 or 1, and (as the chapter requires) all are 0 when the overall
/// format is text.
///
/// [CopyInResponse]: https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-COPYINRESPONSE
/// [CopyOutResponse]: https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-COPYOUTRESPONSE
/// [CopyBothResponse]: https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-COPYBOTHRESPONSE
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CopyResponse {
    format: Format,
    /// The column format codes, 2 bytes each (the part of the body after the count).
    column_formats: Bytes,
}

impl CopyResponse {
    /// A response announcing the overall `format` and `column_formats`, refusing more than
    /// 32,767 columns or a binary column in a text COPY.
    pub fn new(format: Format, column_formats: &[Format]) -> Result<Self, EncodeError> {
        count_i16("number of columns", column_formats.len())?;
        if format == Format::Text && column_formats.contains(&Format::Binary) {
            return Err(EncodeError::InvalidValue { field: "format codes" });
        }
        let mut codes = BytesMut::with_capacity(column_formats.len() * 2);
        for f in column_formats {
            codes.put_i16(f.code());
        }
        Ok(Self { format, column_formats: codes.freeze() })
    }

    /// The overall COPY format: text (also used for CSV) or binary.
    pub fn format(&self) -> Format {
        self.format
    }

    /// The number of columns in the data to be copied.
    pub fn len(&self) -> usize {
        self.column_formats.len() / 2
    }

    /// True when the COPY has no columns.
    pub fn is_empty(&self) -> bool {
        self.column_formats.is_empty()
    }

    /// The format of each column, in order.
    pub fn column_formats(&self) -> impl ExactSizeIterator<Item = Format> {
        self.column_formats
            .as_chunks::<2>()
            .0
            .iter()
            // Validated at decode; the fallback cannot be reached.
            .map(|code| Format::from_code(i16::from_be_bytes(*code)).unwrap_or_default())
    }

    /// Validates `body`, the body of the message named `message`.
    pub(super) fn decode(body: &Bytes, message: &'static str) -> Result<Self, DecodeError> {
        let mut r = Reader::new(body, message);
        // "Int8: 0 indicates the overall COPY format is textual (rows separated by newlines,
        // columns separated by separator characters, etc.). 1 indicates the overall copy format
        // is binary (similar to DataRow format)."
        let format = Format::from_code(i16::from(r.u8()?)).ok_or(r.invalid("overall format"))?;
        let count = r.count16("number of columns")?;
        // At most 32,767 × 2 bytes: no overflow.
        let codes = r.take(count * 2)?;
        r.finish()?;
        let mut check = Reader::new(codes, message);
        while !check.is_empty() {
            let code = Format::from_code(check.i16()?).ok_or(check.invalid("format codes"))?;
            // "All must be zero if the overall copy format is textual."
            if format == Format::Text && code != Format::Text {
                return Err(check.invalid("format codes"));
            }
        }
        Ok(Self { format, column_formats: codec::sub_bytes(body, codes) })
    }

    pub(super) fn write_body(&self, buf: &mut BytesMut) {
        // The overall format code is 0 or 1; the column count was validated at decode and in
        // `new` to fit an `i16`.
        buf.put_u8(self.format.code() as u8);
        buf.put_i16(self.len() as i16);
        buf.put_slice(&self.column_formats);
    }
}

#[cfg(test)]
pub(super) mod tests {
    use proptest::prelude::*;

    use super::super::BackendMessage;
    use super::super::testing::{assert_roundtrip, assert_truncations_fail, fixture};
    use super::*;

    #[test]
    fn copy_in_text() {
        // `COPY t (a, b) FROM STDIN`
        let body = b"\0\0\x02\0\0\0\0";
        let msg = fixture(b'G', body);
        assert_eq!(msg.name(), "CopyInResponse");
        let BackendMessage::CopyInResponse(c) = msg else { panic!() };
        assert_eq!(c.format(), Format::Text);
        assert_eq!(c.len(), 2);
        assert!(!c.is_empty());
        assert_eq!(c.column_formats().collect::<Vec<_>>(), [Format::Text, Format::Text]);
        assert_eq!(c, CopyResponse::new(Format::Text, &[Format::Text; 2]).unwrap());
        assert_truncations_fail(b'G', body);
    }

    #[test]
    fn copy_out_binary() {
        // `COPY t TO STDOUT (FORMAT binary)` with three columns.
        let body = b"\x01\0\x03\0\x01\0\x01\0\x01";
        let BackendMessage::CopyOutResponse(c) = fixture(b'H', body) else { panic!() };
        assert_eq!(c.format(), Format::Binary);
        assert_eq!(c.column_formats().len(), 3);
        assert!(c.column_formats().all(|f| f == Format::Binary));
        assert_truncations_fail(b'H', body);
    }

    #[test]
    fn copy_both_for_replication() {
        // START_REPLICATION answers with a binary CopyBothResponse without columns.
        let body = b"\0\0\0";
        let BackendMessage::CopyBothResponse(c) = fixture(b'W', body) else { panic!() };
        assert!(c.is_empty());
        assert_truncations_fail(b'W', body);
    }

    #[test]
    fn invalid_formats() {
        let invalid = |field| Err(DecodeError::InvalidField { message: "CopyOutResponse", field });
        let decode = |body: &'static [u8]| BackendMessage::decode(b'H', Bytes::from_static(body));
        assert_eq!(decode(b"\x02\0\0"), invalid("overall format"));
        assert_eq!(decode(b"\x01\xff\xff"), invalid("number of columns"));
        assert_eq!(decode(b"\x01\0\x01\0\x02"), invalid("format codes"));
        assert_eq!(decode(b"\0\0\x01\0\x01"), invalid("format codes"));
        assert_eq!(
            CopyResponse::new(Format::Text, &[Format::Binary]),
            Err(EncodeError::InvalidValue { field: "format codes" })
        );
    }

    /// Valid CopyInResponse, CopyOutResponse and CopyBothResponse messages.
    pub(in super::super) fn arb_message() -> impl Strategy<Value = BackendMessage> {
        let formats = proptest::collection::vec(any::<bool>(), 0..8);
        (any::<bool>(), formats, 0..3u8).prop_map(|(binary, columns, kind)| {
            let (format, columns): (Format, Vec<Format>) = if binary {
                let columns =
                    columns.iter().map(|&b| if b { Format::Binary } else { Format::Text });
                (Format::Binary, columns.collect())
            } else {
                (Format::Text, vec![Format::Text; columns.len()])
            };
            let c = CopyResponse::new(format, &columns).expect("valid");
            match kind {
                0 => BackendMessage::CopyInResponse(c),
                1 => BackendMessage::CopyOutResponse(c),
                _ => BackendMessage::CopyBothResponse(c),
            }
        })
    }

    proptest! {
        #[test]
        fn round_trip(msg in arb_message()) {
            assert_roundtrip(&msg)?;
        }
    }
}
