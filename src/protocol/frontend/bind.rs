//! Bind, and the two pieces FunctionCall shares with it: a list of format codes and a list of
//! length-prefixed values.

use bytes::{BufMut, Bytes, BytesMut};

use super::{patch_i32, read_str};
use crate::protocol::codec::{Reader, count_u16, len_i32, put_cstr, sub_bytes, write_frame};
use crate::protocol::{ByteStr, DecodeError, EncodeError, Format};

/// The parameter values of a [`Bind`] (or the arguments of a
/// [`FunctionCall`](super::FunctionCall)), written one at a time straight into the output
/// buffer.
///
/// The encoder writes an `Int32` length placeholder, calls [`write`](Self::write) for the value,
/// and back-patches the length with the number of bytes written (or `-1` for SQL NULL).
///
/// Implemented for `[Option<B>]`, `[Option<B>; N]` and `Vec<Option<B>>` for any
/// `B: AsRef<[u8]>` (`&[u8]`, `Vec<u8>`, `Bytes`, ...), with `None` for NULL. A higher layer
/// (typed parameters) implements it with its own [`Error`](Self::Error) type; [`Bind::encode`]
/// then returns that type, so a value that fails to serialise comes out as the caller's error
/// with the buffer restored.
pub trait BindParams {
    /// The error [`write`](Self::write) can fail with. It must be able to carry the encoder's
    /// own refusals ([`EncodeError`]).
    type Error: From<EncodeError>;

    /// Number of parameter values.
    fn len(&self) -> usize;

    /// True when there are no parameter values.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Writes value `index` (always below [`len`](Self::len)) into `buf`, after the length
    /// placeholder the encoder has already written; the encoder back-patches the length.
    ///
    /// Returns `Ok(false)` for SQL NULL, in which case nothing should have been written
    /// (anything written is discarded). On `Err`, the whole message is abandoned and `buf` is
    /// restored, so the implementation need not clean up.
    fn write(&self, index: usize, buf: &mut BytesMut) -> Result<bool, Self::Error>;
}

impl<B: AsRef<[u8]>> BindParams for [Option<B>] {
    type Error = EncodeError;

    fn len(&self) -> usize {
        <[Option<B>]>::len(self)
    }

    fn write(&self, index: usize, buf: &mut BytesMut) -> Result<bool, EncodeError> {
        let Some(Some(value)) = self.get(index) else {
            return Ok(false);
        };
        let value = value.as_ref();
        // Checked before copying, so an oversized value is refused without being written.
        len_i32("parameter value", value.len())?;
        buf.put_slice(value);
        Ok(true)
    }
}

impl<B: AsRef<[u8]>, const N: usize> BindParams for [Option<B>; N] {
    type Error = EncodeError;

    fn len(&self) -> usize {
        N
    }

    fn write(&self, index: usize, buf: &mut BytesMut) -> Result<bool, EncodeError> {
        self.as_slice().write(index, buf)
    }
}

impl<B: AsRef<[u8]>> BindParams for Vec<Option<B>> {
    type Error = EncodeError;

    fn len(&self) -> usize {
        Vec::len(self)
    }

    fn write(&self, index: usize, buf: &mut BytesMut) -> Result<bool, EncodeError> {
        self.as_slice().write(index, buf)
    }
}

/// Bind (`'B'`): binds parameter values to a prepared statement, creating a portal.
///
/// `param_formats` and `result_formats` are written as given: no codes (all text), one code
/// (applied to all) or one per parameter / result column. A count that matches none of these
/// is sent as is, for the server to refuse.
///
/// <https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-BIND>
#[derive(Debug)]
pub struct Bind<'a, P: ?Sized> {
    /// The name of the destination portal (empty: the unnamed portal).
    pub portal: &'a str,
    /// The name of the source prepared statement (empty: the unnamed statement).
    pub statement: &'a str,
    /// The parameter format codes.
    pub param_formats: &'a [Format],
    /// The parameter values.
    pub params: &'a P,
    /// The result-column format codes.
    pub result_formats: &'a [Format],
}

// Not derived: the derive would require `P: Clone`, which an unsized `P` never is.
impl<P: ?Sized> Clone for Bind<'_, P> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<P: ?Sized> Copy for Bind<'_, P> {}

impl<P: BindParams + ?Sized> Bind<'_, P> {
    /// Appends the message to `buf`; on error `buf` is left unchanged.
    ///
    /// Refuses a NUL in the portal or statement name, more than 65,535 format codes or
    /// parameters, and a value longer than `i32::MAX` bytes; passes on the parameters' own
    /// errors.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<(), P::Error> {
        write_frame(buf, Some(b'B'), |buf| {
            put_cstr(buf, "portal name", self.portal.as_bytes())?;
            put_cstr(buf, "prepared statement name", self.statement.as_bytes())?;
            put_formats(buf, "parameter format codes", self.param_formats)?;
            put_values(buf, "parameter values", "parameter value", self.params)?;
            put_formats(buf, "result-column format codes", self.result_formats)?;
            Ok(())
        })
    }
}

/// A decoded Bind, sharing the message body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BindBody {
    portal: ByteStr,
    statement: ByteStr,
    param_formats: Bytes,
    param_count: usize,
    params: Bytes,
    result_formats: Bytes,
}

impl BindBody {
    pub(super) fn decode(body: &Bytes) -> Result<Self, DecodeError> {
        const M: &str = "Bind";
        let mut r = Reader::new(body, M);
        let portal = read_str(&mut r, body, M)?;
        let statement = read_str(&mut r, body, M)?;
        let param_formats = read_formats(&mut r, body, M, "parameter format codes")?;
        let (param_count, params) = read_values(&mut r, body, M, "parameter value length")?;
        let result_formats = read_formats(&mut r, body, M, "result-column format codes")?;
        r.finish()?;
        Ok(Self { portal, statement, param_formats, param_count, params, result_formats })
    }

    /// The name of the destination portal (empty: the unnamed portal).
    pub fn portal(&self) -> &str {
        &self.portal
    }

    /// The name of the source prepared statement (empty: the unnamed statement).
    pub fn statement(&self) -> &str {
        &self.statement
    }

    /// The parameter format codes, as sent (zero, one, or one per parameter).
    pub fn param_formats(&self) -> impl ExactSizeIterator<Item = Format> + '_ {
        Formats(Reader::new(&self.param_formats, "Bind"))
    }

    /// The format of parameter `index` under the protocol's rule: no codes means text, one code
    /// applies to every parameter, otherwise each has its own. `None` when `index` is out of
    /// range or the number of codes matches none of these (the server refuses such a Bind).
    pub fn param_format(&self, index: usize) -> Option<Format> {
        format_of(&self.param_formats, self.param_count, index)
    }

    /// The number of parameter values.
    pub fn param_count(&self) -> usize {
        self.param_count
    }

    /// The parameter values, `None` for NULL.
    pub fn params(&self) -> impl ExactSizeIterator<Item = Option<Bytes>> + '_ {
        Values::new(&self.params, self.param_count)
    }

    /// The result-column format codes, as sent (zero, one, or one per column).
    pub fn result_formats(&self) -> impl ExactSizeIterator<Item = Format> + '_ {
        Formats(Reader::new(&self.result_formats, "Bind"))
    }

    /// Encodes the message again, byte for byte as it was decoded.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        write_frame(buf, Some(b'B'), |buf| {
            put_cstr(buf, "portal name", self.portal.as_bytes())?;
            put_cstr(buf, "prepared statement name", self.statement.as_bytes())?;
            put_raw_formats(buf, "parameter format codes", &self.param_formats)?;
            buf.put_u16(count_u16("parameter values", self.param_count)?);
            buf.put_slice(&self.params);
            put_raw_formats(buf, "result-column format codes", &self.result_formats)
        })
    }
}

/// Writes an `Int16` count and the format codes.
pub(super) fn put_formats(
    buf: &mut BytesMut,
    field: &'static str,
    formats: &[Format],
) -> Result<(), EncodeError> {
    buf.put_u16(count_u16(field, formats.len())?);
    for format in formats {
        buf.put_i16(format.code());
    }
    Ok(())
}

/// Writes an `Int16` count and format codes kept in their wire form (two bytes each).
pub(super) fn put_raw_formats(
    buf: &mut BytesMut,
    field: &'static str,
    raw: &[u8],
) -> Result<(), EncodeError> {
    buf.put_u16(count_u16(field, raw.len() / 2)?);
    buf.put_slice(raw);
    Ok(())
}

/// Writes an `Int16` count and each value as an `Int32` length (back-patched; `-1` for NULL)
/// followed by its bytes.
pub(super) fn put_values<P: BindParams + ?Sized>(
    buf: &mut BytesMut,
    count_field: &'static str,
    value_field: &'static str,
    params: &P,
) -> Result<(), P::Error> {
    let count = params.len();
    buf.put_u16(count_u16(count_field, count)?);
    for index in 0..count {
        let at = buf.len();
        // The NULL marker doubles as the placeholder, so a NULL needs no back-patch.
        buf.put_i32(-1);
        let value_at = buf.len();
        if params.write(index, buf)? {
            // `checked_sub` guards against a `write` that shortened the buffer.
            let written = buf
                .len()
                .checked_sub(value_at)
                .ok_or(EncodeError::InvalidValue { field: value_field })?;
            patch_i32(buf, at, len_i32(value_field, written)?);
        } else {
            buf.truncate(value_at);
        }
    }
    Ok(())
}

/// Reads an `Int16` count (unsigned, as the server reads it) and that many format codes, each
/// of which must be 0 or 1; returns them in wire form.
pub(super) fn read_formats(
    r: &mut Reader<'_>,
    body: &Bytes,
    message: &'static str,
    field: &'static str,
) -> Result<Bytes, DecodeError> {
    let count = usize::from(r.u16()?);
    let raw = r.take(count * 2)?;
    let mut codes = Reader::new(raw, message);
    while !codes.is_empty() {
        Format::from_code(codes.i16()?).ok_or(r.invalid(field))?;
    }
    Ok(sub_bytes(body, raw))
}

/// Reads an `Int16` count (unsigned) and that many length-prefixed values (`-1`: NULL); returns
/// the count and the values in wire form.
pub(super) fn read_values(
    r: &mut Reader<'_>,
    body: &Bytes,
    message: &'static str,
    length_field: &'static str,
) -> Result<(usize, Bytes), DecodeError> {
    let count = usize::from(r.u16()?);
    let mut probe = r.clone();
    for _ in 0..count {
        let len = probe.i32()?;
        if len != -1 {
            let len = usize::try_from(len)
                .map_err(|_| DecodeError::InvalidField { message, field: length_field })?;
            probe.take(len)?;
        }
    }
    let raw = r.take(r.remaining().saturating_sub(probe.remaining()))?;
    Ok((count, sub_bytes(body, raw)))
}

/// The format of value `index` of `count` under the 0 / 1 / n format-code rule.
pub(super) fn format_of(raw: &[u8], count: usize, index: usize) -> Option<Format> {
    if index >= count {
        return None;
    }
    let codes = raw.len() / 2;
    let at = match codes {
        0 => return Some(Format::Text),
        1 => 0,
        n if n == count => index,
        _ => return None,
    };
    let mut r = Reader::new(raw, "Bind");
    r.take(at * 2).ok()?;
    Format::from_code(r.i16().ok()?)
}

/// An iterator over validated format codes in wire form.
#[derive(Clone, Debug)]
pub(super) struct Formats<'a>(pub(super) Reader<'a>);

impl Iterator for Formats<'_> {
    type Item = Format;

    fn next(&mut self) -> Option<Format> {
        Format::from_code(self.0.i16().ok()?)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.0.remaining() / 2;
        (n, Some(n))
    }
}

impl ExactSizeIterator for Formats<'_> {}

/// An iterator over validated length-prefixed values in wire form.
#[derive(Clone, Debug)]
pub(super) struct Values<'a> {
    raw: &'a Bytes,
    r: Reader<'a>,
    left: usize,
}

impl<'a> Values<'a> {
    pub(super) fn new(raw: &'a Bytes, count: usize) -> Self {
        Self { raw, r: Reader::new(raw, "Bind"), left: count }
    }
}

impl Iterator for Values<'_> {
    type Item = Option<Bytes>;

    fn next(&mut self) -> Option<Option<Bytes>> {
        self.left = self.left.checked_sub(1)?;
        let Ok(len) = usize::try_from(self.r.i32().ok()?) else {
            return Some(None);
        };
        Some(Some(sub_bytes(self.raw, self.r.take(len).ok()?)))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl ExactSizeIterator for Values<'_> {}

#[cfg(test)]
mod tests {
    use super::super::FrontendMessage;
    use super::super::test_util::*;
    use super::*;
    use proptest::prelude::*;

    const NONE: [Option<&[u8]>; 0] = [];

    /// A Bind of `params` from the unnamed statement to the unnamed portal, without format
    /// codes; tests change fields with struct update syntax.
    fn unnamed<P: ?Sized>(params: &P) -> Bind<'_, P> {
        Bind { portal: "", statement: "", param_formats: &[], params, result_formats: &[] }
    }

    fn bind_bytes(
        param_formats: &[Format],
        params: &[Option<&[u8]>],
        result_formats: &[Format],
    ) -> BytesMut {
        encoded(|b| {
            Bind { statement: "s1", param_formats, result_formats, ..unnamed(params) }.encode(b)
        })
    }

    #[test]
    fn fixture_no_params_no_formats() {
        let wire = bind_bytes(&[], &[], &[]);
        assert_eq!(&wire[..], b"B\0\0\0\x0e\0s1\0\0\0\0\0\0\0");
        let FrontendMessage::Bind(b) = round_trip(&wire) else { panic!() };
        assert_eq!((b.portal(), b.statement(), b.param_count()), ("", "s1", 0));
        assert_eq!(b.param_format(0), None);
    }

    #[test]
    fn fixture_null_empty_and_value_with_one_format_each() {
        let params: &[Option<&[u8]>] = &[None, Some(b""), Some(b"ab")];
        let wire = encoded(|b| {
            Bind {
                portal: "p",
                statement: "s1",
                param_formats: &[Format::Binary],
                result_formats: &[Format::Text],
                ..unnamed(params)
            }
            .encode(b)
        });
        let expected: &[u8] = b"B\0\0\0\x21p\0s1\0\
            \0\x01\0\x01\
            \0\x03\xff\xff\xff\xff\0\0\0\0\0\0\0\x02ab\
            \0\x01\0\0";
        assert_eq!(&wire[..], expected);
        let FrontendMessage::Bind(b) = round_trip(&wire) else { panic!() };
        assert_eq!(b.portal(), "p");
        let values = [None, Some(Bytes::new()), Some(Bytes::from_static(b"ab"))];
        assert_eq!(b.params().collect::<Vec<_>>(), values);
        assert_eq!(b.param_formats().collect::<Vec<_>>(), [Format::Binary]);
        assert_eq!(b.param_format(2), Some(Format::Binary));
        assert_eq!(b.param_format(3), None);
        assert_eq!(b.result_formats().collect::<Vec<_>>(), [Format::Text]);
    }

    #[test]
    fn fixture_one_format_per_param() {
        let wire = bind_bytes(&[Format::Text, Format::Binary], &[Some(b"1"), None], &[]);
        let expected: &[u8] =
            b"B\0\0\0\x1b\0s1\0\0\x02\0\0\0\x01\0\x02\0\0\0\x011\xff\xff\xff\xff\0\0";
        assert_eq!(&wire[..], expected);
        let FrontendMessage::Bind(b) = round_trip(&wire) else { panic!() };
        assert_eq!(b.param_format(0), Some(Format::Text));
        assert_eq!(b.param_format(1), Some(Format::Binary));
        // Counts that match no rule are sent as given; the accessor reports no format.
        let wire = bind_bytes(&[Format::Text, Format::Binary], &[None, None, None], &[]);
        let FrontendMessage::Bind(b) = round_trip(&wire) else { panic!() };
        assert_eq!(b.param_format(0), None);
    }

    #[test]
    fn params_of_every_provided_container() {
        let slice: &[Option<&[u8]>] = &[Some(b"x"), None];
        let vec: Vec<Option<Vec<u8>>> = vec![Some(b"x".to_vec()), None];
        let array = [Some(Bytes::from_static(b"x")), None];
        let a = encoded(|b| unnamed(slice).encode(b));
        assert_eq!(a, encoded(|b| unnamed(&vec).encode(b)));
        assert_eq!(a, encoded(|b| unnamed(&array).encode(b)));
        assert!(!BindParams::is_empty(slice));
        assert!(BindParams::is_empty(&NONE));
    }

    #[test]
    fn refusals_leave_the_buffer_unchanged() {
        let nul = |field| EncodeError::NulInString { field };
        assert_refused(|b| Bind { portal: "a\0", ..unnamed(&NONE) }.encode(b), nul("portal name"));
        assert_refused(
            |b| Bind { statement: "s\0", ..unnamed(&NONE) }.encode(b),
            nul("prepared statement name"),
        );
        let too_many = |field| EncodeError::TooManyItems { field, count: 65_536 };
        let many = vec![None::<&[u8]>; 65_536];
        assert_refused(|b| unnamed(&many).encode(b), too_many("parameter values"));
        let formats = vec![Format::Binary; 65_536];
        assert_refused(
            |b| Bind { param_formats: &formats, ..unnamed(&NONE) }.encode(b),
            too_many("parameter format codes"),
        );
        assert_refused(
            |b| Bind { result_formats: &formats, ..unnamed(&NONE) }.encode(b),
            too_many("result-column format codes"),
        );
    }

    #[test]
    fn the_largest_counts_round_trip() {
        // 65,535 is sent as 0xffff, which the server reads as unsigned.
        let params = vec![None::<&[u8]>; 65_535];
        let formats = vec![Format::Binary; 65_535];
        let wire = encoded(|b| {
            Bind { param_formats: &formats, result_formats: &formats, ..unnamed(&params) }.encode(b)
        });
        let FrontendMessage::Bind(b) = round_trip(&wire) else { panic!() };
        assert_eq!(b.param_count(), 65_535);
        assert_eq!(b.param_formats().len(), 65_535);
        assert!(b.params().all(|p| p.is_none()));
    }

    /// Parameters that fail part-way with their own error type.
    struct Failing;

    #[derive(Debug, PartialEq)]
    enum MyError {
        Encode(EncodeError),
        Dump,
    }

    impl From<EncodeError> for MyError {
        fn from(e: EncodeError) -> Self {
            Self::Encode(e)
        }
    }

    impl BindParams for Failing {
        type Error = MyError;
        fn len(&self) -> usize {
            3
        }
        fn write(&self, index: usize, buf: &mut BytesMut) -> Result<bool, MyError> {
            buf.put_slice(b"partial");
            match index {
                0 => Ok(true),
                1 => Ok(false), // NULL after writing: the bytes are discarded
                _ => Err(MyError::Dump),
            }
        }
    }

    #[test]
    fn caller_errors_flow_out_with_the_buffer_restored() {
        assert_refused(|b| unnamed(&Failing).encode(b), MyError::Dump);
        assert_refused(
            |b| Bind { portal: "\0", ..unnamed(&Failing) }.encode(b),
            MyError::Encode(EncodeError::NulInString { field: "portal name" }),
        );
    }

    #[test]
    fn null_after_writing_is_discarded() {
        struct TwoThenNull;
        impl BindParams for TwoThenNull {
            type Error = EncodeError;
            fn len(&self) -> usize {
                2
            }
            fn write(&self, index: usize, buf: &mut BytesMut) -> Result<bool, EncodeError> {
                buf.put_slice(b"zz");
                Ok(index == 0)
            }
        }
        let wire = encoded(|b| unnamed(&TwoThenNull).encode(b));
        let FrontendMessage::Bind(b) = round_trip(&wire) else { panic!() };
        let values = [Some(Bytes::from_static(b"zz")), None];
        assert_eq!(b.params().collect::<Vec<_>>(), values);
    }

    #[test]
    fn decoder_refusals() {
        let decode = |body: &'static [u8]| BindBody::decode(&Bytes::from_static(body));
        let invalid = |field| Err(DecodeError::InvalidField { message: "Bind", field });
        assert_eq!(decode(b"\0\0\0\x01\0\x02\0\0\0\0"), invalid("parameter format codes"));
        assert_eq!(
            decode(b"\0\0\0\0\0\x01\xff\xff\xff\xfe\0\0"),
            invalid("parameter value length")
        );
        assert_eq!(decode(b"\0\0\0\0\0\0\0\x01\xff\xff"), invalid("result-column format codes"));
        assert_eq!(
            decode(b"\0\0\0\0\0\0\0\0\0"),
            Err(DecodeError::TrailingBytes { message: "Bind" })
        );
        assert_eq!(decode(b"\xff\0\0"), Err(DecodeError::InvalidUtf8 { message: "Bind" }));
    }

    #[test]
    fn truncated_input() {
        assert_truncations_fail(&bind_bytes(
            &[Format::Binary],
            &[None, Some(b""), Some(b"abc")],
            &[Format::Text, Format::Binary],
        ));
    }

    fn format() -> impl Strategy<Value = Format> {
        prop_oneof![Just(Format::Text), Just(Format::Binary)]
    }

    prop_compose! {
        fn any_bind()(
            portal in "[^\u{0}]{0,8}",
            statement in "[^\u{0}]{0,8}",
            param_formats in proptest::collection::vec(format(), 0..4),
            params in proptest::collection::vec(
                proptest::option::of(proptest::collection::vec(any::<u8>(), 0..16)), 0..6),
            result_formats in proptest::collection::vec(format(), 0..4),
        ) -> (String, String, Vec<Format>, Vec<Option<Vec<u8>>>, Vec<Format>) {
            (portal, statement, param_formats, params, result_formats)
        }
    }

    proptest! {
        #[test]
        fn round_trips((portal, statement, param_formats, params, result_formats) in any_bind()) {
            let wire = encoded(|b| Bind {
                portal: &portal,
                statement: &statement,
                param_formats: &param_formats,
                params: &params,
                result_formats: &result_formats,
            }.encode(b));
            let FrontendMessage::Bind(b) = round_trip(&wire) else { panic!() };
            prop_assert_eq!(b.portal(), &portal);
            prop_assert_eq!(b.statement(), &statement);
            prop_assert_eq!(b.param_formats().collect::<Vec<_>>(), param_formats);
            let got: Vec<Option<Vec<u8>>> = b.params().map(|p| p.map(|v| v.to_vec())).collect();
            prop_assert_eq!(got, params);
            prop_assert_eq!(b.result_formats().collect::<Vec<_>>(), result_formats);
        }

        #[test]
        fn mutations_never_panic(
            (portal, statement, param_formats, params, result_formats) in any_bind(),
            index in any::<usize>(),
            byte in any::<u8>(),
        ) {
            let wire = encoded(|b| Bind {
                portal: &portal,
                statement: &statement,
                param_formats: &param_formats,
                params: &params,
                result_formats: &result_formats,
            }.encode(b));
            mutated_decodes_sanely(&wire, index, byte);
        }
    }
}
