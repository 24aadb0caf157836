//! [`Dumper`]: how a Rust value is sent as a query parameter, and the dumpers of the core
//! scalar types.
//!
//! What each Rust type maps to is listed on the trait.

use std::borrow::Cow;
use std::sync::Arc;

use bytes::{BufMut, BytesMut};

use super::oid;
use crate::Error;
use crate::protocol::{Format, Oid};

/// Whether [`Dumper::dump`] wrote a value or stands for SQL NULL.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IsNull {
    /// SQL NULL: nothing was written.
    Yes,
    /// A value was written.
    No,
}

/// A Rust value that can be sent as a query parameter: its type OID, its format, and its
/// bytes.
///
/// The trait is object safe: heterogeneous parameter lists are `&[&dyn Dumper]` or
/// `Vec<Box<dyn Dumper>>`. It requires `Send + Sync` so that such lists can be held across an
/// `.await` in a future that moves between threads.
///
/// `dump` writes straight into the outgoing Bind message: the encoder has already written the
/// value's length placeholder and back-patches it, so a dumper allocates nothing of its own.
///
/// # Implementations
///
/// | Rust | PostgreSQL type sent | format |
/// |---|---|---|
/// | `bool` | `bool` | binary |
/// | `i16`, `i32`, `i64` | `int2`, `int4`, `int8` | binary |
/// | `u32` | `oid` | binary |
/// | `f32`, `f64` | `float4`, `float8` | binary |
/// | `str`, `String`, `Box<str>`, `Cow<str>` | unspecified (0): the server infers it | text |
/// | `[u8]`, `Vec<u8>`, `[u8; N]`, `Cow<[u8]>` | `bytea` | binary |
/// | `Option<T>` | `T`'s for `Some`; unspecified for `None` (SQL NULL) | `T`'s |
/// | `[T]`, `Vec<T>`, `[T; N]`, [`Array<T>`](super::Array) | the array type of `T`'s type; unspecified for strings, empty or all-NULL arrays | binary; text for strings, empty or all-NULL arrays |
/// | [`Range<T>`](super::Range), [`Multirange<T>`](super::Multirange) | the built-in range / multirange over `T`'s type, else unspecified | binary; text for string bounds |
/// | `&T`, `Box<T>`, `Arc<T>` | `T`'s | `T`'s |
///
/// Strings go as text with an unspecified type, as psycopg sends them: the server gives the
/// parameter the type its context calls for, so one `&str` can fill a `text`, `varchar`, `date`,
/// `uuid` or enum column. `None` is sent the same way (a NULL of unspecified type), because an
/// `Option` that holds no value cannot name its type; where the context does not fix the type
/// (`SELECT $1`), cast it in SQL (`SELECT $1::int4`).
///
/// PostgreSQL has no one-byte integer, so `i8` has no dumper; unsigned integers other than
/// `u32` (sent as `oid`) have none either, since no PostgreSQL type holds their full range.
///
/// # Example
///
/// A newtype sent as `int8`:
///
/// ```
/// use bytes::{BufMut, BytesMut};
/// use pgtusk::protocol::{Format, Oid};
/// use pgtusk::types::{oid, Dumper, IsNull};
///
/// struct UserId(i64);
///
/// impl Dumper for UserId {
///     fn type_oid(&self) -> Oid {
///         oid::INT8
///     }
///     fn dump(&self, buf: &mut BytesMut) -> Result<IsNull, pgtusk::Error> {
///         buf.put_i64(self.0);
///         Ok(IsNull::No)
///     }
/// }
///
/// let mut buf = BytesMut::new();
/// assert_eq!(UserId(7).dump(&mut buf).unwrap(), IsNull::No);
/// assert_eq!(&buf[..], &7_i64.to_be_bytes());
/// assert_eq!(UserId(7).format(), Format::Binary);
/// ```
pub trait Dumper: Send + Sync {
    /// The type OID sent in Parse (0 = unspecified: the server infers it).
    fn type_oid(&self) -> Oid;

    /// The format the value is written in: binary by default; text where that fits better (for
    /// example strings sent with an unspecified type).
    #[inline]
    fn format(&self) -> Format {
        Format::Binary
    }

    /// Appends the value's bytes to `buf` in [`format`](Self::format); returns
    /// `Ok(IsNull::Yes)` for SQL NULL, in which case nothing is written.
    ///
    /// On error the whole message being encoded is abandoned (and its buffer restored), so an
    /// implementation need not undo a partial write.
    fn dump(&self, buf: &mut BytesMut) -> Result<IsNull, Error>;

    /// Appends the value in PostgreSQL's **text input form**, whatever [`format`](Self::format)
    /// is; returns `Ok(IsNull::Yes)` for SQL NULL, in which case nothing is written.
    ///
    /// This is the form used where a value is nested in a text container: a field of a
    /// composite literal (`(1,"a b")`) or an element of a text array. The default writes
    /// [`dump`](Self::dump)'s bytes when the format is text, and fails otherwise (a type sent
    /// in binary must provide its text form here to be nested that way).
    ///
    /// ```
    /// use bytes::BytesMut;
    /// use pgtusk::Dumper;
    ///
    /// let mut buf = BytesMut::new();
    /// f64::NEG_INFINITY.dump_text(&mut buf).unwrap();
    /// assert_eq!(&buf[..], b"-Infinity");
    /// ```
    fn dump_text(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
        if self.format() == Format::Text {
            self.dump(buf)
        } else {
            Err(Error::conversion(format!(
                "{} has no text form to nest in a composite or text array",
                super::loader::type_label(self.type_oid())
            )))
        }
    }

    /// Appends the value as one length-prefixed field: its length as a big-endian `i32` (-1
    /// for SQL NULL, with nothing after it), then the bytes [`dump`](Self::dump) writes. That
    /// is the shape of a field of a binary COPY row.
    ///
    /// The default calls `dump` after a placeholder and back-patches the length; the built-in
    /// fixed-size types and strings write the length first and the value after it, without
    /// the second pass. An implementation detail of COPY: there is no reason to call or
    /// override it elsewhere.
    #[doc(hidden)]
    #[inline]
    fn dump_field(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
        dump_field_patched(self, buf)
    }
}

/// [`Dumper::dump_field`]'s default: a placeholder length, the value, the length patched in.
#[inline]
fn dump_field_patched<D: Dumper + ?Sized>(value: &D, buf: &mut BytesMut) -> Result<IsNull, Error> {
    let at = buf.len();
    buf.put_i32(0);
    match value.dump(buf)? {
        IsNull::Yes => {
            // A dumper reporting NULL writes nothing; drop anything it wrote anyway.
            buf.truncate(at);
            buf.put_i32(-1);
            Ok(IsNull::Yes)
        }
        IsNull::No => {
            let len = field_len(buf.len().saturating_sub(at + 4))?;
            // The four bytes were put just above, so the range exists.
            if let Some(word) = buf.get_mut(at..at + 4) {
                word.copy_from_slice(&len.to_be_bytes());
            }
            Ok(IsNull::No)
        }
    }
}

/// A field's length word; a value over 2 GiB cannot be sent.
#[inline]
fn field_len(len: usize) -> Result<i32, Error> {
    i32::try_from(len)
        .map_err(|_| crate::protocol::EncodeError::TooLong { field: "binary COPY field" }.into())
}

/// [`Dumper::dump_field`] for a value whose binary form is `N` bytes: the length word and the
/// value in one append.
#[inline(always)]
pub(crate) fn put_fixed_field<const N: usize>(buf: &mut BytesMut, bytes: [u8; N]) {
    const { assert!(N <= 16) };
    let mut field = [0_u8; 20];
    field[..4].copy_from_slice(&(N as u32).to_be_bytes());
    field[4..4 + N].copy_from_slice(&bytes);
    buf.put_slice(&field[..4 + N]);
}

/// [`Dumper::dump_field`] for a value whose bytes are at hand: the length, then the bytes.
#[inline]
fn put_bytes_field(buf: &mut BytesMut, bytes: &[u8]) -> Result<IsNull, Error> {
    buf.put_i32(field_len(bytes.len())?);
    buf.put_slice(bytes);
    Ok(IsNull::No)
}

impl<T: Dumper + ?Sized> Dumper for &T {
    #[inline]
    fn type_oid(&self) -> Oid {
        (**self).type_oid()
    }
    #[inline]
    fn format(&self) -> Format {
        (**self).format()
    }
    #[inline]
    fn dump(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
        (**self).dump(buf)
    }
    fn dump_text(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
        (**self).dump_text(buf)
    }
    #[inline]
    fn dump_field(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
        (**self).dump_field(buf)
    }
}

impl<T: Dumper + ?Sized> Dumper for Box<T> {
    #[inline]
    fn type_oid(&self) -> Oid {
        (**self).type_oid()
    }
    #[inline]
    fn format(&self) -> Format {
        (**self).format()
    }
    #[inline]
    fn dump(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
        (**self).dump(buf)
    }
    fn dump_text(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
        (**self).dump_text(buf)
    }
    #[inline]
    fn dump_field(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
        (**self).dump_field(buf)
    }
}

impl<T: Dumper + ?Sized> Dumper for Arc<T> {
    #[inline]
    fn type_oid(&self) -> Oid {
        (**self).type_oid()
    }
    #[inline]
    fn format(&self) -> Format {
        (**self).format()
    }
    #[inline]
    fn dump(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
        (**self).dump(buf)
    }
    fn dump_text(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
        (**self).dump_text(buf)
    }
    #[inline]
    fn dump_field(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
        (**self).dump_field(buf)
    }
}

/// `None` is SQL NULL with an unspecified type (see [`Dumper`]).
impl<T: Dumper> Dumper for Option<T> {
    #[inline]
    fn type_oid(&self) -> Oid {
        self.as_ref().map_or(0, Dumper::type_oid)
    }
    #[inline]
    fn format(&self) -> Format {
        self.as_ref().map_or(Format::Binary, Dumper::format)
    }
    #[inline]
    fn dump(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
        match self {
            Some(v) => v.dump(buf),
            None => Ok(IsNull::Yes),
        }
    }
    fn dump_text(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
        match self {
            Some(v) => v.dump_text(buf),
            None => Ok(IsNull::Yes),
        }
    }
    #[inline]
    fn dump_field(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
        match self {
            Some(v) => v.dump_field(buf),
            None => {
                buf.put_i32(-1);
                Ok(IsNull::Yes)
            }
        }
    }
}

/// Implements `Dumper` for a fixed-width binary type.
macro_rules! binary_dumper {
    ($($ty:ty => $oid:expr, $name:literal, $put:ident, $text:path;)*) => {$(
        #[doc = concat!("Sent as `", $name, "` in binary.")]
        impl Dumper for $ty {
            #[inline]
            fn type_oid(&self) -> Oid {
                $oid
            }
            #[inline]
            fn dump(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
                buf.$put(*self);
                Ok(IsNull::No)
            }
            fn dump_text(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
                $text(*self, buf);
                Ok(IsNull::No)
            }
            #[inline]
            fn dump_field(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
                put_fixed_field(buf, self.to_be_bytes());
                Ok(IsNull::No)
            }
        }
    )*};
}

binary_dumper! {
    i16 => oid::INT2, "int2", put_i16, put_display;
    i32 => oid::INT4, "int4", put_i32, put_display;
    i64 => oid::INT8, "int8", put_i64, put_display;
    u32 => oid::OID, "oid", put_u32, put_display;
    f32 => oid::FLOAT4, "float4", put_f32, put_float;
    f64 => oid::FLOAT8, "float8", put_f64, put_float;
}

/// Writes a value's `Display` form.
pub(crate) fn put_display(value: impl std::fmt::Display, buf: &mut BytesMut) {
    use std::fmt::Write;
    // Writing into a BytesMut cannot fail (it grows as needed).
    let _ = write!(buf, "{value}");
}

/// Writes a float as `float4in`/`float8in` read it: `NaN`, `Infinity`, `-Infinity`, or the
/// shortest decimal that reads back as the same value (`Debug` keeps the exponent form, such
/// as `1e300`, for very large and small magnitudes).
fn put_float<F: std::fmt::Debug + Into<f64> + Copy>(value: F, buf: &mut BytesMut) {
    let wide: f64 = value.into();
    if wide.is_nan() {
        buf.put_slice(b"NaN");
    } else if wide.is_infinite() {
        buf.put_slice(if wide > 0.0 { b"Infinity" } else { b"-Infinity" });
    } else {
        // The narrow type's own Debug: an f32 widened to f64 would print more digits.
        put_display(format_args!("{value:?}"), buf);
    }
}

/// Sent as `bool` in binary (one byte, 0 or 1).
impl Dumper for bool {
    #[inline]
    fn type_oid(&self) -> Oid {
        oid::BOOL
    }
    #[inline]
    fn dump(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
        buf.put_u8(u8::from(*self));
        Ok(IsNull::No)
    }
    fn dump_text(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
        buf.put_u8(if *self { b't' } else { b'f' });
        Ok(IsNull::No)
    }
    #[inline]
    fn dump_field(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
        put_fixed_field(buf, [u8::from(*self)]);
        Ok(IsNull::No)
    }
}

/// Sent as text with an unspecified type, for the server to infer. A NUL character is refused
/// by the server (SQLSTATE 22021), not here.
impl Dumper for str {
    #[inline]
    fn type_oid(&self) -> Oid {
        0
    }
    #[inline]
    fn format(&self) -> Format {
        Format::Text
    }
    #[inline]
    fn dump(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
        buf.put_slice(self.as_bytes());
        Ok(IsNull::No)
    }
    #[inline]
    fn dump_field(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
        put_bytes_field(buf, self.as_bytes())
    }
}

/// Implements `Dumper` by delegating to the borrowed form of an owning type.
macro_rules! delegate_dumper {
    ($($ty:ty => $target:ty;)*) => {$(
        #[doc = concat!("Sent as `", stringify!($target), "` is sent.")]
        impl Dumper for $ty {
            #[inline]
            fn type_oid(&self) -> Oid {
                <$target as Dumper>::type_oid(self)
            }
            #[inline]
            fn format(&self) -> Format {
                <$target as Dumper>::format(self)
            }
            #[inline]
            fn dump(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
                <$target as Dumper>::dump(self, buf)
            }
            fn dump_text(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
                <$target as Dumper>::dump_text(self, buf)
            }
            #[inline]
            fn dump_field(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
                <$target as Dumper>::dump_field(self, buf)
            }
        }
    )*};
}

delegate_dumper! {
    String => str;
    Cow<'_, str> => str;
    Vec<u8> => [u8];
    Cow<'_, [u8]> => [u8];
}

/// Sent as `bytea` in binary (the bytes themselves).
impl Dumper for [u8] {
    #[inline]
    fn type_oid(&self) -> Oid {
        oid::BYTEA
    }
    #[inline]
    fn dump(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
        buf.put_slice(self);
        Ok(IsNull::No)
    }
    #[inline]
    fn dump_field(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
        put_bytes_field(buf, self)
    }
    /// `\x` and two lowercase hex digits per byte (`bytea_output = hex`).
    fn dump_text(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        buf.reserve(self.len().saturating_mul(2).saturating_add(2));
        buf.put_slice(b"\\x");
        for &b in self {
            buf.put_u8(HEX[usize::from(b >> 4)]);
            buf.put_u8(HEX[usize::from(b & 0xf)]);
        }
        Ok(IsNull::No)
    }
}

/// Sent as `bytea` in binary.
impl<const N: usize> Dumper for [u8; N] {
    #[inline]
    fn type_oid(&self) -> Oid {
        oid::BYTEA
    }
    #[inline]
    fn dump(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
        self.as_slice().dump(buf)
    }
    fn dump_text(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
        self.as_slice().dump_text(buf)
    }
    #[inline]
    fn dump_field(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
        self.as_slice().dump_field(buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A value as one COPY field, both ways: the type's own `dump_field` and the default
    /// (placeholder, `dump`, patched length). They must agree byte for byte.
    fn both_fields(d: &dyn Dumper) -> (Vec<u8>, Vec<u8>) {
        let (mut own, mut patched) = (BytesMut::from(&b"head"[..]), BytesMut::from(&b"head"[..]));
        let a = d.dump_field(&mut own).unwrap();
        let b = dump_field_patched(d, &mut patched).unwrap();
        assert_eq!(a, b);
        (own.to_vec(), patched.to_vec())
    }

    proptest::proptest! {
        #[test]
        fn dump_field_overrides_write_what_the_default_writes(
            i in proptest::prelude::any::<i64>(),
            f in proptest::prelude::any::<f64>(),
            s in ".{0,40}",
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..40),
            micros in -200_000_000_000_000_i64..200_000_000_000_000,
            cents in proptest::prelude::any::<i64>(),
        ) {
            use crate::types::datetime::{Time, Timestamp, TimestampTz};
            let numeric: crate::types::Numeric = format!("{}.{:02}", cents / 100, (cents % 100).abs()).parse().unwrap();
            let long: crate::types::Numeric = format!("{cents}{0}{0}.{0}", cents.unsigned_abs()).parse().unwrap();
            let values: Vec<Box<dyn Dumper + '_>> = vec![
                Box::new(i), Box::new(i as i32), Box::new(i as i16), Box::new(i as u32),
                Box::new(f), Box::new(f as f32), Box::new(i % 2 == 0),
                Box::new(s.clone()), Box::new(s.as_str().to_owned().into_boxed_str()),
                Box::new(Cow::<str>::Owned(s.clone())), Box::new(bytes.clone()), Box::new([7_u8; 3]),
                Box::new(TimestampTz::from_pg_micros(micros).unwrap()),
                Box::new(Timestamp::from_pg_micros(micros).unwrap()),
                Box::new(Time::from_micros(micros.rem_euclid(86_400_000_000)).unwrap()),
                Box::new(crate::types::datetime::Date::from_pg_days(i as i32 % 1_000_000).unwrap()),
                Box::new(std::time::UNIX_EPOCH + std::time::Duration::from_micros(micros.unsigned_abs() % 4_000_000_000_000_000)),
                Box::new(numeric), Box::new(long),
                Box::new(Some(i)), Box::new(None::<i64>), Box::new(&i),
                Box::new(std::sync::Arc::new(f)),
            ];
            for v in &values {
                let (own, patched) = both_fields(v.as_ref());
                proptest::prop_assert_eq!(own, patched);
            }
        }
    }

    fn dumped(d: &dyn Dumper) -> (Oid, Format, Option<Vec<u8>>) {
        let mut buf = BytesMut::new();
        let value = match d.dump(&mut buf).unwrap() {
            IsNull::No => Some(buf.to_vec()),
            IsNull::Yes => {
                assert!(buf.is_empty(), "NULL writes nothing");
                None
            }
        };
        (d.type_oid(), d.format(), value)
    }

    #[test]
    fn scalar_bytes() {
        use Format::{Binary, Text};
        let b = |v: &[u8]| Some(v.to_vec());
        assert_eq!(dumped(&true), (oid::BOOL, Binary, b(&[1])));
        assert_eq!(dumped(&false), (oid::BOOL, Binary, b(&[0])));
        assert_eq!(dumped(&-2_i16), (oid::INT2, Binary, b(&[0xff, 0xfe])));
        assert_eq!(dumped(&258_i32), (oid::INT4, Binary, b(&[0, 0, 1, 2])));
        assert_eq!(dumped(&1_i64), (oid::INT8, Binary, b(&[0, 0, 0, 0, 0, 0, 0, 1])));
        assert_eq!(dumped(&7_u32), (oid::OID, Binary, b(&[0, 0, 0, 7])));
        assert_eq!(dumped(&1.5_f32), (oid::FLOAT4, Binary, b(&[0x3f, 0xc0, 0, 0])));
        assert_eq!(dumped(&-2.0_f64), (oid::FLOAT8, Binary, b(&[0xc0, 0, 0, 0, 0, 0, 0, 0])));
        assert_eq!(dumped(&"hé"), (0, Text, b("hé".as_bytes())));
        assert_eq!(dumped(&String::from("x")), (0, Text, b(b"x")));
        assert_eq!(dumped(&Cow::Borrowed("x")), (0, Text, b(b"x")));
        assert_eq!(dumped(&Box::<str>::from("x")), (0, Text, b(b"x")));
        assert_eq!(dumped(&&b"\0\xff"[..]), (oid::BYTEA, Binary, b(b"\0\xff")));
        assert_eq!(dumped(&vec![1_u8]), (oid::BYTEA, Binary, b(&[1])));
        assert_eq!(dumped(&[1_u8, 2]), (oid::BYTEA, Binary, b(&[1, 2])));
        assert_eq!(dumped(&Cow::<[u8]>::Owned(vec![3])), (oid::BYTEA, Binary, b(&[3])));
    }

    #[test]
    fn wrappers_and_null() {
        assert_eq!(dumped(&Some(5_i32)), dumped(&5_i32));
        assert_eq!(dumped(&Some("s")), dumped(&"s"));
        assert_eq!(dumped(&None::<i32>), (0, Format::Binary, None));
        assert_eq!(dumped(&Box::new(5_i64)), dumped(&5_i64));
        assert_eq!(dumped(&Arc::new(5_i64)), dumped(&5_i64));
        let boxed: Box<dyn Dumper> = Box::new("t");
        assert_eq!(dumped(&boxed), dumped(&"t"));
        assert_eq!(dumped(&&&1_i16), dumped(&1_i16));
    }

    fn text(d: &dyn Dumper) -> Option<String> {
        let mut buf = BytesMut::new();
        match d.dump_text(&mut buf).unwrap() {
            IsNull::No => Some(String::from_utf8(buf.to_vec()).unwrap()),
            IsNull::Yes => None,
        }
    }

    #[test]
    fn text_forms() {
        let t = |s: &str| Some(s.to_owned());
        assert_eq!(text(&true), t("t"));
        assert_eq!(text(&false), t("f"));
        assert_eq!(text(&i16::MIN), t("-32768"));
        assert_eq!(text(&i64::MAX), t("9223372036854775807"));
        assert_eq!(text(&u32::MAX), t("4294967295"));
        assert_eq!(text(&0.1_f32), t("0.1"));
        assert_eq!(text(&1e300_f64), t("1e300"));
        assert_eq!(text(&-0.0_f64), t("-0.0"));
        assert_eq!(text(&f32::NAN), t("NaN"));
        assert_eq!(text(&f64::INFINITY), t("Infinity"));
        assert_eq!(text(&f32::NEG_INFINITY), t("-Infinity"));
        assert_eq!(text(&&b"\0\xab"[..]), t("\\x00ab"));
        assert_eq!(text(&Vec::<u8>::new()), t("\\x"));
        assert_eq!(text(&[1_u8]), t("\\x01"));
        assert_eq!(text(&"a b"), t("a b"));
        assert_eq!(text(&Some(5_i32)), t("5"));
        assert_eq!(text(&None::<i32>), None);
        assert_eq!(text(&Box::new(1_i64)), t("1"));
        assert_eq!(text(&Arc::new(false)), t("f"));
    }

    proptest::proptest! {
        /// The text forms read back (through the text loaders) as the same values.
        #[test]
        fn text_round_trips(f in proptest::num::f64::ANY, g in proptest::num::f32::ANY, i: i64, b: Vec<u8>) {
            use crate::types::Loader;
            let back = f64::load(oid::FLOAT8, Format::Text, text(&f).unwrap().as_bytes()).unwrap();
            proptest::prop_assert!(back.to_bits() == f.to_bits() || (f.is_nan() && back.is_nan()));
            let back = f32::load(oid::FLOAT4, Format::Text, text(&g).unwrap().as_bytes()).unwrap();
            proptest::prop_assert!(back.to_bits() == g.to_bits() || (g.is_nan() && back.is_nan()));
            let back = i64::load(oid::INT8, Format::Text, text(&i).unwrap().as_bytes()).unwrap();
            proptest::prop_assert_eq!(back, i);
            let back = Vec::<u8>::load(oid::BYTEA, Format::Text, text(&b).unwrap().as_bytes()).unwrap();
            proptest::prop_assert_eq!(back, b);
        }
    }

    #[test]
    fn dyn_dumpers_are_send_and_sync() {
        fn check<T: Send + Sync + ?Sized>() {}
        check::<dyn Dumper>();
        check::<Box<dyn Dumper>>();
        check::<&dyn Dumper>();
    }
}
