//! [`Loader`]: how a column value becomes a Rust value, and the loaders of the core scalar
//! types.
//!
//! What each Rust type maps to is listed on the trait.

use std::borrow::Cow;
use std::str::FromStr;

use super::{AdaptersMap, oid};
use crate::Error;
use crate::protocol::{Format, Oid};

/// A Rust type that can be built from a column value.
///
/// `'a` is the lifetime of the row the value is read from, so that `&'a str` and `&'a [u8]`
/// can borrow from it without copying. A type that owns its data implements `Loader<'a>` for
/// every `'a` (written `for<'a> Loader<'a>`).
///
/// The row layer calls [`accepts`](Self::accepts) first, then [`load`](Self::load) for a value
/// or [`load_null`](Self::load_null) for SQL NULL, and adds the column's name, its PostgreSQL
/// type and the Rust type to any error.
///
/// # Implementations
///
/// | Rust | PostgreSQL types accepted |
/// |---|---|
/// | `bool` | `bool` |
/// | `i16`, `i32`, `i64` | `int2`, `int4`, `int8` (a value out of the Rust type's range is an error, never truncated) |
/// | `u32` | `oid` and the `reg*` types (`regclass`, `regtype`, `regproc`, ...: OIDs in binary) |
/// | `f32` | `float4` |
/// | `f64` | `float4`, `float8` |
/// | `&str`, `String`, `Box<str>`, `Cow<str>` | `text`, `varchar`, `bpchar`, `name`, `"char"`, `unknown`, `json`, `jsonb`, `jsonpath`, `xml`; the `reg*` types in text format only (their binary form is an OID: load `u32`, or cast to `text`) |
/// | `&[u8]`, `Vec<u8>`, `Cow<[u8]>` | `bytea` (`&[u8]` only in binary format) |
/// | `Option<T>` | what `T` accepts; NULL is `None` |
/// | `Vec<T>`, `[T; N]`, [`Array<T>`](super::Array) | arrays whose element type `T` accepts (`Vec` and `[T; N]`: one dimension) |
/// | [`Range<T>`](super::Range), [`Multirange<T>`](super::Multirange) | the built-in ranges / multiranges whose subtype `T` accepts |
///
/// Every loader reads both formats: binary (what the extended protocol asks for wherever a
/// loader exists) and text (what the simple query protocol always returns). Text forms are
/// PostgreSQL's output forms: `t`/`f` for booleans; `NaN`, `Infinity` and `-Infinity` for
/// special floats; `\x` followed by hex digits for `bytea` (the legacy `escape` output of
/// `bytea_output = escape` is read too).
///
/// Loading never panics on any bytes: a value that is malformed or does not fit is an
/// [`ErrorKind::Conversion`](crate::ErrorKind::Conversion) error.
///
/// # Example
///
/// ```
/// use pgtusk::protocol::Format;
/// use pgtusk::types::{oid, Loader};
///
/// assert_eq!(i64::load(oid::INT2, Format::Binary, &[0, 7]).unwrap(), 7);
/// assert_eq!(i64::load(oid::INT8, Format::Text, b"-12").unwrap(), -12);
/// assert!(i16::load(oid::INT4, Format::Text, b"40000").is_err()); // out of range
/// assert_eq!(<&str>::load(oid::TEXT, Format::Binary, b"hi").unwrap(), "hi");
/// assert_eq!(Option::<i32>::load_null(oid::INT4).unwrap(), None);
/// assert!(i32::load_null(oid::INT4).is_err());
/// ```
pub trait Loader<'a>: Sized {
    /// Whether a column of this type OID can be loaded into `Self`.
    fn accepts(oid: Oid) -> bool;

    /// Builds the value from a non-NULL column value in `format`.
    ///
    /// Must not panic on any input: malformed bytes are an error.
    fn load(oid: Oid, format: Format, raw: &'a [u8]) -> Result<Self, Error>;

    /// The value for SQL NULL: an error for every type but `Option`.
    fn load_null(oid: Oid) -> Result<Self, Error> {
        let _ = oid;
        Err(Error::conversion("the value is NULL; load it into an Option"))
    }

    /// [`accepts`](Self::accepts), knowing the types registered on the connection the value
    /// comes from. Rows call this form. Only types whose decoding depends on registered types
    /// ([`Value`](super::Value), and containers that may hold one) need to override it; the
    /// default ignores `types`.
    #[inline]
    fn accepts_with(types: &AdaptersMap, oid: Oid) -> bool {
        let _ = types;
        Self::accepts(oid)
    }

    /// [`load`](Self::load), knowing the types registered on the connection the value comes
    /// from (see [`accepts_with`](Self::accepts_with)). Rows call this form.
    #[inline]
    fn load_with(
        types: &AdaptersMap,
        oid: Oid,
        format: Format,
        raw: &'a [u8],
    ) -> Result<Self, Error> {
        let _ = types;
        Self::load(oid, format, raw)
    }
}

/// A human-readable name for a type OID: its built-in name, or `type with OID n`.
pub(crate) fn type_label(type_oid: Oid) -> Cow<'static, str> {
    match oid::type_name(type_oid) {
        Some(name) => Cow::Borrowed(name),
        None => Cow::Owned(format!("type with OID {type_oid}")),
    }
}

/// The error for a type OID that a loader does not accept.
#[cold]
fn not_accepted(type_oid: Oid) -> Error {
    Error::conversion(format!("{} is not accepted", type_label(type_oid)))
}

/// The first characters of a malformed text value, for an error message.
fn snippet(text: &str) -> String {
    const MAX: usize = 40;
    let mut out: String = text.chars().take(MAX).collect();
    if text.chars().nth(MAX).is_some() {
        out.push('…');
    }
    out
}

/// Exactly `N` bytes of a binary value.
#[inline]
fn fixed<const N: usize>(type_oid: Oid, raw: &[u8]) -> Result<[u8; N], Error> {
    raw.try_into().map_err(|_| wrong_size(type_oid, N, raw.len()))
}

/// The error for a binary value of `len` bytes where `want` are needed.
#[cold]
pub(crate) fn wrong_size(type_oid: Oid, want: usize, len: usize) -> Error {
    Error::conversion(format!("binary {} must be {want} bytes, got {len}", type_label(type_oid)))
}

/// A text-format value as `&str`.
#[inline]
fn utf8(raw: &[u8]) -> Result<&str, Error> {
    std::str::from_utf8(raw).map_err(invalid_utf8)
}

/// A text-format value as an owned `String`.
///
/// The bytes are copied first and validated in their new buffer: `str::from_utf8` checks
/// ASCII a word at a time only from a word-aligned address, which a fresh allocation is and a
/// value inside a message mostly is not (there it goes byte by byte). The same validation,
/// the same error, several times fewer instructions for short ASCII text.
#[inline]
fn utf8_owned(raw: &[u8]) -> Result<String, Error> {
    String::from_utf8(raw.to_vec()).map_err(|e| invalid_utf8(e.utf8_error()))
}

#[cold]
fn invalid_utf8(e: std::str::Utf8Error) -> Error {
    Error::conversion(format!("invalid UTF-8: {e}"))
}

/// Parses a text-format value with `FromStr`.
fn parse_text<T: FromStr>(type_oid: Oid, raw: &[u8]) -> Result<T, Error> {
    let text = utf8(raw)?;
    text.parse().map_err(|_| {
        Error::conversion(format!("invalid {} text {:?}", type_label(type_oid), snippet(text)))
    })
}

// ---------------------------------------------------------------------------------------------
// Option

/// NULL loads as `None`; a value as `Some`.
impl<'a, T: Loader<'a>> Loader<'a> for Option<T> {
    fn accepts(oid: Oid) -> bool {
        T::accepts(oid)
    }
    fn load(oid: Oid, format: Format, raw: &'a [u8]) -> Result<Self, Error> {
        T::load(oid, format, raw).map(Some)
    }
    fn load_null(_oid: Oid) -> Result<Self, Error> {
        Ok(None)
    }
    fn accepts_with(types: &AdaptersMap, oid: Oid) -> bool {
        T::accepts_with(types, oid)
    }
    fn load_with(
        types: &AdaptersMap,
        oid: Oid,
        format: Format,
        raw: &'a [u8],
    ) -> Result<Self, Error> {
        T::load_with(types, oid, format, raw).map(Some)
    }
}

// ---------------------------------------------------------------------------------------------
// bool

/// From `bool`: one byte (0 or 1) in binary, `t` or `f` in text.
impl Loader<'_> for bool {
    #[inline]
    fn accepts(oid: Oid) -> bool {
        oid == oid::BOOL
    }
    #[inline]
    fn load(oid: Oid, format: Format, raw: &[u8]) -> Result<Self, Error> {
        if oid != oid::BOOL {
            return Err(not_accepted(oid));
        }
        match (format, raw) {
            (Format::Binary, [0]) | (Format::Text, b"f") => Ok(false),
            (Format::Binary, [1]) | (Format::Text, b"t") => Ok(true),
            _ => Err(invalid_bool(raw)),
        }
    }
}

/// The error for a value that is no bool.
#[cold]
fn invalid_bool(raw: &[u8]) -> Error {
    Error::conversion(format!(
        "invalid bool value {:?}",
        snippet(&String::from_utf8_lossy(raw.get(..64).unwrap_or(raw)))
    ))
}

// ---------------------------------------------------------------------------------------------
// Integers

/// Reads an `int2`, `int4` or `int8` value as an `i64`.
#[inline]
fn load_int(oid: Oid, format: Format, raw: &[u8]) -> Result<i64, Error> {
    match (format, oid) {
        (Format::Binary, oid::INT2) => Ok(i16::from_be_bytes(fixed(oid, raw)?).into()),
        (Format::Binary, oid::INT4) => Ok(i32::from_be_bytes(fixed(oid, raw)?).into()),
        (Format::Binary, oid::INT8) => Ok(i64::from_be_bytes(fixed(oid, raw)?)),
        (Format::Text, oid::INT2 | oid::INT4 | oid::INT8) => parse_text(oid, raw),
        _ => Err(not_accepted(oid)),
    }
}

/// Implements `Loader` for a Rust integer from any PostgreSQL integer, checking the range.
macro_rules! int_loader {
    ($($ty:ty),*) => {$(
        /// From `int2`, `int4` or `int8`; a value outside the Rust type's range is an error.
        impl Loader<'_> for $ty {
            #[inline]
            fn accepts(oid: Oid) -> bool {
                matches!(oid, oid::INT2 | oid::INT4 | oid::INT8)
            }
            #[inline]
            fn load(oid: Oid, format: Format, raw: &[u8]) -> Result<Self, Error> {
                let wide = load_int(oid, format, raw)?;
                <$ty>::try_from(wide).map_err(|_| out_of_range(wide, stringify!($ty)))
            }
        }
    )*};
}

int_loader!(i16, i32, i64);

/// The error for an integer that does not fit the Rust type `ty`.
#[cold]
fn out_of_range(value: i64, ty: &str) -> Error {
    Error::conversion(format!("value {value} is out of range for {ty}"))
}

/// Whether `oid` is one of the `reg*` types: an OID in binary, a name in text.
#[inline]
pub(crate) fn is_reg_type(oid: Oid) -> bool {
    matches!(
        oid,
        oid::REGPROC
            | oid::REGPROCEDURE
            | oid::REGOPER
            | oid::REGOPERATOR
            | oid::REGCLASS
            | oid::REGTYPE
            | oid::REGCONFIG
            | oid::REGDICTIONARY
            | oid::REGNAMESPACE
            | oid::REGROLE
            | oid::REGCOLLATION
    )
}

/// From `oid` (an unsigned 32-bit integer), and from the `reg*` types in binary (an OID) or in
/// text when the server printed a number (an object that does not exist any more).
impl Loader<'_> for u32 {
    fn accepts(oid: Oid) -> bool {
        oid == oid::OID || is_reg_type(oid)
    }
    fn load(oid: Oid, format: Format, raw: &[u8]) -> Result<Self, Error> {
        match (format, oid) {
            (Format::Binary, oid::OID) => Ok(u32::from_be_bytes(fixed(oid, raw)?)),
            (Format::Text, oid::OID) => parse_text(oid, raw),
            (Format::Binary, _) if is_reg_type(oid) => Ok(u32::from_be_bytes(fixed(oid, raw)?)),
            (Format::Text, _) if is_reg_type(oid) => parse_text(oid, raw),
            _ => Err(not_accepted(oid)),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Floats

/// Parses PostgreSQL's text form of a float: a decimal number, `NaN`, `Infinity` or
/// `-Infinity`.
fn parse_float<T: FromStr>(oid: Oid, raw: &[u8], nan: T, inf: T, neg_inf: T) -> Result<T, Error> {
    match raw {
        b"NaN" => Ok(nan),
        b"Infinity" => Ok(inf),
        b"-Infinity" => Ok(neg_inf),
        _ => parse_text(oid, raw),
    }
}

/// Reads a `float4` value.
#[inline]
fn load_float4(oid: Oid, format: Format, raw: &[u8]) -> Result<f32, Error> {
    match format {
        Format::Binary => Ok(f32::from_be_bytes(fixed(oid, raw)?)),
        Format::Text => parse_float(oid, raw, f32::NAN, f32::INFINITY, f32::NEG_INFINITY),
    }
}

/// From `float4`. (A `float8` would lose precision: load it into `f64`.)
impl Loader<'_> for f32 {
    #[inline]
    fn accepts(oid: Oid) -> bool {
        oid == oid::FLOAT4
    }
    #[inline]
    fn load(oid: Oid, format: Format, raw: &[u8]) -> Result<Self, Error> {
        match oid {
            oid::FLOAT4 => load_float4(oid, format, raw),
            _ => Err(not_accepted(oid)),
        }
    }
}

/// From `float4` or `float8`.
impl Loader<'_> for f64 {
    #[inline]
    fn accepts(oid: Oid) -> bool {
        matches!(oid, oid::FLOAT4 | oid::FLOAT8)
    }
    #[inline]
    fn load(oid: Oid, format: Format, raw: &[u8]) -> Result<Self, Error> {
        match (format, oid) {
            // A float4 is read as an f32 in both formats, so both give the same f64.
            (_, oid::FLOAT4) => load_float4(oid, format, raw).map(f64::from),
            (Format::Binary, oid::FLOAT8) => Ok(f64::from_be_bytes(fixed(oid, raw)?)),
            (Format::Text, oid::FLOAT8) => {
                parse_float(oid, raw, f64::NAN, f64::INFINITY, f64::NEG_INFINITY)
            }
            _ => Err(not_accepted(oid)),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Strings

/// Whether a column of type `oid` loads as a string.
#[inline]
fn is_string_type(oid: Oid) -> bool {
    matches!(
        oid,
        oid::TEXT
            | oid::VARCHAR
            | oid::BPCHAR
            | oid::NAME
            | oid::CHAR
            | oid::UNKNOWN
            | oid::JSON
            | oid::JSONB
            | oid::JSONPATH
            | oid::XML
    ) || is_reg_type(oid)
}

/// The text of a string-like value. Both formats are the UTF-8 text, except binary `jsonb`
/// and `jsonpath`, which start with a version byte (1), and binary `reg*` values, which are
/// OIDs rather than names.
#[inline]
fn load_str(oid: Oid, format: Format, raw: &[u8]) -> Result<&str, Error> {
    utf8(str_bytes(oid, format, raw)?)
}

/// The bytes of the text of a string-like value (see [`load_str`]), not yet validated.
#[inline]
fn str_bytes(oid: Oid, format: Format, raw: &[u8]) -> Result<&[u8], Error> {
    if !is_string_type(oid) {
        return Err(not_accepted(oid));
    }
    let text = match (oid, format, raw) {
        (oid::JSONB | oid::JSONPATH, Format::Binary, [1, rest @ ..]) => rest,
        (oid::JSONB | oid::JSONPATH, Format::Binary, _) => {
            return Err(unsupported_binary_version(oid));
        }
        (_, Format::Binary, _) if is_reg_type(oid) => return Err(binary_reg_not_name(oid)),
        _ => raw,
    };
    Ok(text)
}

#[cold]
fn unsupported_binary_version(oid: Oid) -> Error {
    Error::conversion(format!("unsupported binary {} version", type_label(oid)))
}

#[cold]
fn binary_reg_not_name(oid: Oid) -> Error {
    Error::conversion(format!(
        "binary {} is an OID, not a name: load it as u32, or cast it to text in SQL",
        type_label(oid)
    ))
}

/// Borrows the text (no copy).
impl<'a> Loader<'a> for &'a str {
    #[inline]
    fn accepts(oid: Oid) -> bool {
        is_string_type(oid)
    }
    #[inline]
    fn load(oid: Oid, format: Format, raw: &'a [u8]) -> Result<Self, Error> {
        load_str(oid, format, raw)
    }
}

/// Borrows the text (never `Cow::Owned`).
impl<'a> Loader<'a> for Cow<'a, str> {
    fn accepts(oid: Oid) -> bool {
        is_string_type(oid)
    }
    fn load(oid: Oid, format: Format, raw: &'a [u8]) -> Result<Self, Error> {
        load_str(oid, format, raw).map(Cow::Borrowed)
    }
}

/// Implements `Loader` for an owned string type.
macro_rules! owned_str_loader {
    ($($ty:ty),*) => {$(
        /// Copies the text.
        impl Loader<'_> for $ty {
            #[inline]
            fn accepts(oid: Oid) -> bool {
                is_string_type(oid)
            }
            #[inline]
            fn load(oid: Oid, format: Format, raw: &[u8]) -> Result<Self, Error> {
                utf8_owned(str_bytes(oid, format, raw)?).map(<$ty>::from)
            }
        }
    )*};
}

owned_str_loader!(String, Box<str>);

// ---------------------------------------------------------------------------------------------
// bytea

/// Decodes `bytea`'s text form: `\x` and hex digits, or the legacy escape form (printable
/// bytes as themselves, `\\` for a backslash, `\ooo` in octal for other bytes).
pub(crate) fn decode_bytea_text(raw: &[u8]) -> Result<Vec<u8>, Error> {
    match raw {
        [b'\\', b'x', hex @ ..] => decode_hex(hex),
        _ => decode_escape(raw),
    }
}

fn decode_hex(hex: &[u8]) -> Result<Vec<u8>, Error> {
    fn digit(c: u8) -> Result<u8, Error> {
        match c {
            b'0'..=b'9' => Ok(c - b'0'),
            b'a'..=b'f' => Ok(c - b'a' + 10),
            b'A'..=b'F' => Ok(c - b'A' + 10),
            _ => Err(Error::conversion(format!("invalid hex digit {:?} in bytea", char::from(c)))),
        }
    }
    let pairs = hex.chunks_exact(2);
    if !pairs.remainder().is_empty() {
        return Err(Error::conversion("odd number of hex digits in bytea"));
    }
    pairs
        .map(|pair| match pair {
            [hi, lo] => Ok(digit(*hi)? << 4 | digit(*lo)?),
            _ => Err(Error::conversion("odd number of hex digits in bytea")),
        })
        .collect()
}

fn decode_escape(raw: &[u8]) -> Result<Vec<u8>, Error> {
    let mut out = Vec::with_capacity(raw.len());
    let mut rest = raw;
    while let Some((&c, tail)) = rest.split_first() {
        rest = tail;
        if c != b'\\' {
            out.push(c);
            continue;
        }
        match rest {
            [b'\\', tail @ ..] => {
                out.push(b'\\');
                rest = tail;
            }
            [a @ b'0'..=b'3', b @ b'0'..=b'7', c @ b'0'..=b'7', tail @ ..] => {
                out.push((a - b'0') << 6 | (b - b'0') << 3 | (c - b'0'));
                rest = tail;
            }
            _ => return Err(Error::conversion("invalid escape sequence in bytea text")),
        }
    }
    Ok(out)
}

/// Borrows the bytes of a binary-format value. A text-format value must be decoded, so it
/// cannot be borrowed: load `Vec<u8>` or `Cow<[u8]>` instead.
impl<'a> Loader<'a> for &'a [u8] {
    fn accepts(oid: Oid) -> bool {
        oid == oid::BYTEA
    }
    fn load(oid: Oid, format: Format, raw: &'a [u8]) -> Result<Self, Error> {
        match (oid, format) {
            (oid::BYTEA, Format::Binary) => Ok(raw),
            (oid::BYTEA, Format::Text) => Err(Error::conversion(
                "a text-format bytea cannot be borrowed; load it into Vec<u8> or Cow<[u8]>",
            )),
            _ => Err(not_accepted(oid)),
        }
    }
}

/// Borrows a binary-format value; decodes a text-format one.
impl<'a> Loader<'a> for Cow<'a, [u8]> {
    fn accepts(oid: Oid) -> bool {
        oid == oid::BYTEA
    }
    fn load(oid: Oid, format: Format, raw: &'a [u8]) -> Result<Self, Error> {
        match (oid, format) {
            (oid::BYTEA, Format::Binary) => Ok(Cow::Borrowed(raw)),
            (oid::BYTEA, Format::Text) => decode_bytea_text(raw).map(Cow::Owned),
            _ => Err(not_accepted(oid)),
        }
    }
}

/// Copies a binary-format value; decodes a text-format one.
impl Loader<'_> for Vec<u8> {
    fn accepts(oid: Oid) -> bool {
        oid == oid::BYTEA
    }
    fn load(oid: Oid, format: Format, raw: &[u8]) -> Result<Self, Error> {
        Cow::<[u8]>::load(oid, format, raw).map(Cow::into_owned)
    }
}
