//! DataRow: one row of a result, the message that arrives millions of times per second.
//!
//! Decoding is one pass over the body with no allocation: it checks the column count, that each
//! value length is -1 (NULL) or fits in what is left, and that nothing follows the last value.
//! After that, the iterators re-walk the same bytes without any error path that can trigger.

use std::ops::Range;

use bytes::{BufMut, Bytes, BytesMut};

use super::{DecodeError, EncodeError, Reader, count_i16};
use crate::protocol::codec;

const NAME: &str = "DataRow";

/// One row of a result: a count of column values, then each value's length (-1 for NULL) and
/// bytes.
///
/// The body is kept whole (count included) and shared with the read buffer; a higher layer can
/// cut zero-copy values out of it with [`ranges`](Self::ranges) and [`Bytes::slice`].
///
/// <https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-DATAROW>
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataRow {
    body: Bytes,
    len: u16,
}

impl DataRow {
    /// A row of `values` (`None` for NULL), refusing more than 32,767 columns or a value longer
    /// than `i32::MAX` bytes.
    pub fn new(values: &[Option<&[u8]>]) -> Result<Self, EncodeError> {
        const COUNT: &str = "number of column values";
        let count = count_i16(COUNT, values.len())?;
        let mut body = BytesMut::new();
        body.put_i16(count);
        for value in values {
            match value {
                None => body.put_i32(-1),
                Some(v) => {
                    body.put_i32(codec::len_i32("column value", v.len())?);
                    body.put_slice(v);
                }
            }
        }
        // `count_i16` accepted the count, so it fits.
        Ok(Self { body: body.freeze(), len: values.len() as u16 })
    }

    /// The number of column values.
    #[inline]
    pub fn len(&self) -> usize {
        usize::from(self.len)
    }

    /// True when the row has no columns.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The whole message body, including the column count.
    #[inline]
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// The column values in order, `None` for NULL.
    #[inline]
    pub fn values(&self) -> DataRowValues<'_> {
        DataRowValues { walk: Walk::new(&self.body, self.len()) }
    }

    /// The position of each column value in [`body`](Self::body), `None` for NULL, so that a
    /// higher layer can keep a value with `body().slice(range)`.
    #[inline]
    pub fn ranges(&self) -> DataRowRanges<'_> {
        DataRowRanges { walk: Walk::new(&self.body, self.len()), body_len: self.body.len() }
    }

    /// Validates `body` in one pass and keeps it.
    pub(crate) fn decode(body: Bytes) -> Result<Self, DecodeError> {
        // The usual case, a well-formed row, in a tight loop; the checked reader below finds
        // and names what is wrong otherwise.
        if let Some(len) = well_formed(&body) {
            return Ok(Self { body, len });
        }
        let mut r = Reader::new(&body, NAME);
        let count = r.count16("number of column values")?;
        for _ in 0..count {
            let len = r.i32()?;
            match usize::try_from(len) {
                Ok(len) => {
                    r.take(len)?;
                }
                // "As a special case, -1 indicates a NULL column value."
                Err(_) if len == -1 => {}
                Err(_) => return Err(r.invalid("column value length")),
            }
        }
        r.finish()?;
        // `count16` read a non-negative `i16`, so the count fits.
        let len = count as u16;
        Ok(Self { body, len })
    }
}

/// The number of values of a well-formed DataRow body: a non-negative count, then that many
/// values, each a length (-1 for NULL) and as many bytes, and nothing after them.
#[inline]
fn well_formed(body: &[u8]) -> Option<u16> {
    let (count, mut rest) = body.split_first_chunk::<2>()?;
    let count = u16::try_from(i16::from_be_bytes(*count)).ok()?;
    for _ in 0..count {
        let (word, tail) = rest.split_first_chunk::<4>()?;
        rest = match i32::from_be_bytes(*word) {
            -1 => tail,
            n => tail.get(usize::try_from(n).ok()?..)?,
        };
    }
    rest.is_empty().then_some(count)
}

/// A cursor over already-validated column values. Every step that could fail ends the walk
/// instead (it cannot fail on a body that passed [`DataRow::decode`]).
#[derive(Clone, Debug)]
struct Walk<'a> {
    r: Reader<'a>,
    left: usize,
}

impl<'a> Walk<'a> {
    #[inline]
    fn new(body: &'a [u8], len: usize) -> Self {
        let mut r = Reader::new(body, NAME);
        // Skip the count, validated at decode.
        let left = if r.i16().is_ok() { len } else { 0 };
        Self { r, left }
    }

    /// The next value, and the number of body bytes still unread when the value starts.
    #[inline]
    fn next(&mut self) -> Option<(usize, Option<&'a [u8]>)> {
        if self.left == 0 {
            return None;
        }
        let step = self.step();
        match step {
            Some(_) => self.left -= 1,
            None => self.left = 0,
        }
        step
    }

    #[inline]
    fn step(&mut self) -> Option<(usize, Option<&'a [u8]>)> {
        let len = self.r.i32().ok()?;
        let remaining = self.r.remaining();
        match usize::try_from(len) {
            Ok(len) => Some((remaining, Some(self.r.take(len).ok()?))),
            Err(_) => Some((remaining, None)),
        }
    }
}

/// The column values of a [`DataRow`], `None` for NULL. See [`DataRow::values`].
#[derive(Clone, Debug)]
pub struct DataRowValues<'a> {
    walk: Walk<'a>,
}

impl<'a> Iterator for DataRowValues<'a> {
    type Item = Option<&'a [u8]>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        self.walk.next().map(|(_, value)| value)
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.walk.left, Some(self.walk.left))
    }
}

impl ExactSizeIterator for DataRowValues<'_> {}

/// The positions of the column values of a [`DataRow`] in its body, `None` for NULL. See
/// [`DataRow::ranges`].
#[derive(Clone, Debug)]
pub struct DataRowRanges<'a> {
    walk: Walk<'a>,
    body_len: usize,
}

impl Iterator for DataRowRanges<'_> {
    type Item = Option<Range<usize>>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        let (remaining, value) = self.walk.next()?;
        // The value starts where the unread part began: `remaining` counts bytes of the body,
        // so it is at most `body_len` and the subtraction cannot wrap.
        let start = self.body_len.saturating_sub(remaining);
        Some(value.map(|v| start..start + v.len()))
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.walk.left, Some(self.walk.left))
    }
}

impl ExactSizeIterator for DataRowRanges<'_> {}

#[cfg(test)]
pub(super) mod tests {
    use proptest::prelude::*;

    use super::super::BackendMessage;
    use super::super::testing::{assert_roundtrip, assert_truncations_fail, fixture};
    use super::*;

    fn row(body: &'static [u8]) -> DataRow {
        match fixture(b'D', body) {
            BackendMessage::DataRow(r) => r,
            other => panic!("not DataRow: {other:?}"),
        }
    }

    /// `SELECT 1, NULL, '', 'hello'` in text format.
    const BODY: &[u8] = b"\0\x04\0\0\0\x011\xff\xff\xff\xff\0\0\0\0\0\0\0\x05hello";

    #[test]
    fn values_with_nulls_and_empty_values() {
        let r = row(BODY);
        assert_eq!(r.len(), 4);
        assert!(!r.is_empty());
        assert_eq!(r.body(), BODY);
        let values: Vec<_> = r.values().collect();
        assert_eq!(values, [Some(&b"1"[..]), None, Some(b""), Some(b"hello")]);
        assert_eq!(r.values().len(), 4);
        let ranges: Vec<_> = r.ranges().collect();
        assert_eq!(ranges, [Some(6..7), None, Some(15..15), Some(19..24)]);
        assert_eq!(r.ranges().len(), 4);
        for (range, value) in r.ranges().zip(r.values()) {
            assert_eq!(range.map(|range| r.body().slice(range)).as_deref(), value);
        }
        assert_eq!(DataRow::new(&values).unwrap(), r);
        assert_truncations_fail(b'D', BODY);
    }

    #[test]
    fn zero_columns() {
        let r = row(b"\0\0");
        assert!(r.is_empty());
        assert_eq!(r.values().next(), None);
        assert_eq!(r.ranges().next(), None);
        assert_truncations_fail(b'D', b"\0\0");
    }

    #[test]
    fn binary_values() {
        let body = b"\0\x02\0\0\0\x04\0\0\0\x2a\0\0\0\x08\0\0\0\0\0\0\x01\0";
        let r = row(body);
        let values: Vec<_> = r.values().collect();
        assert_eq!(values, [Some(&42i32.to_be_bytes()[..]), Some(&256i64.to_be_bytes()[..])]);
        assert_truncations_fail(b'D', body);
    }

    #[test]
    fn invalid_rows() {
        let invalid = |field| Err(DecodeError::InvalidField { message: "DataRow", field });
        let decode = |body: &'static [u8]| BackendMessage::decode(b'D', Bytes::from_static(body));
        assert_eq!(decode(b"\xff\xff"), invalid("number of column values"));
        assert_eq!(decode(b"\0\x01\xff\xff\xff\xfe"), invalid("column value length"));
        assert_eq!(decode(b"\0\x01\x80\0\0\0"), invalid("column value length"));
        assert_eq!(
            decode(b"\0\x01\x7f\xff\xff\xffab"),
            Err(DecodeError::Truncated { message: "DataRow" })
        );
        assert_eq!(
            decode(b"\0\x01\0\0\0\x01ab"),
            Err(DecodeError::TrailingBytes { message: "DataRow" })
        );
        assert_eq!(
            decode(b"\0\x02\0\0\0\x01a"),
            Err(DecodeError::Truncated { message: "DataRow" })
        );
    }

    #[test]
    fn decode_is_zero_copy() {
        let body = Bytes::from_static(BODY);
        let BackendMessage::DataRow(r) = BackendMessage::decode(b'D', body.clone()).unwrap() else {
            panic!()
        };
        assert_eq!(r.body().as_ptr(), body.as_ptr());
        let last = r.values().last().flatten().unwrap();
        assert_eq!(last.as_ptr(), body[19..].as_ptr());
    }

    #[test]
    fn too_many_columns_is_refused() {
        let values = vec![None; 32_768];
        assert_eq!(
            DataRow::new(&values),
            Err(EncodeError::InvalidValue { field: "number of column values" })
        );
        assert_eq!(DataRow::new(&values[1..]).unwrap().len(), 32_767);
    }

    fn arb_values() -> impl Strategy<Value = Vec<Option<Vec<u8>>>> {
        proptest::collection::vec(
            proptest::option::of(proptest::collection::vec(any::<u8>(), 0..24)),
            0..12,
        )
    }

    /// Valid DataRow messages.
    pub(in super::super) fn arb_message() -> impl Strategy<Value = BackendMessage> {
        arb_values().prop_map(|values| {
            let values: Vec<Option<&[u8]>> = values.iter().map(Option::as_deref).collect();
            BackendMessage::DataRow(DataRow::new(&values).expect("valid"))
        })
    }

    proptest! {
        #[test]
        fn round_trip(msg in arb_message()) {
            assert_roundtrip(&msg)?;
        }

        #[test]
        fn values_and_ranges_agree(values in arb_values()) {
            let values: Vec<Option<&[u8]>> = values.iter().map(Option::as_deref).collect();
            let r = DataRow::new(&values).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(r.values().collect::<Vec<_>>(), values.clone());
            let sliced: Vec<Option<Bytes>> =
                r.ranges().map(|range| range.map(|range| r.body().slice(range))).collect();
            let sliced: Vec<Option<&[u8]>> = sliced.iter().map(Option::as_deref).collect();
            prop_assert_eq!(sliced, values);
        }
    }
}
