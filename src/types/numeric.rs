//! [`Numeric`]: PostgreSQL's arbitrary-precision `numeric`, held exactly.
//!
//! The value is kept the way the server keeps it: base-10000 digits, a weight (the power of
//! 10000 of the first digit), a sign and a display scale (the number of decimal digits after
//! the point). Nothing goes through a float.

use std::fmt::{self, Write as _};
use std::str::FromStr;

use bytes::{BufMut, BytesMut};

use super::oid;
use super::{Dumper, IsNull, Loader};
use crate::Error;
use crate::protocol::{Format, Oid};

/// Largest display scale PostgreSQL stores (`NUMERIC_DSCALE_MASK`).
const MAX_DSCALE: u16 = 0x3FFF;
/// Sign words of the binary format.
const SIGN_POS: u16 = 0x0000;
const SIGN_NEG: u16 = 0x4000;
const SIGN_NAN: u16 = 0xC000;
const SIGN_PINF: u16 = 0xD000;
const SIGN_NINF: u16 = 0xF000;
/// One base-10000 digit.
const NBASE: u32 = 10_000;

/// What kind of value a [`Numeric`] is.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Repr {
    NaN,
    PosInf,
    NegInf,
    /// `digits` has no leading or trailing zero digits; zero is no digits, weight 0, not
    /// negative.
    Finite {
        neg: bool,
        weight: i16,
        dscale: u16,
        digits: Digits,
    },
}

/// How many base-10000 digits a [`Numeric`] keeps inline (32 decimal digits: every
/// `numeric(p, s)` with p ≤ 28, and `rust_decimal`'s whole range), before using the heap.
const INLINE: usize = 8;

/// Base-10000 digits, inline when few (no allocation for everyday values), else on the heap.
#[derive(Clone)]
enum Digits {
    Inline { len: u8, buf: [u16; INLINE] },
    Heap(Vec<u16>),
}

impl Digits {
    const EMPTY: Digits = Digits::Inline { len: 0, buf: [0; INLINE] };

    fn from_slice(digits: &[u16]) -> Digits {
        let mut buf = [0; INLINE];
        match buf.get_mut(..digits.len()) {
            Some(head) => {
                head.copy_from_slice(digits);
                // At most INLINE, so it fits.
                Digits::Inline { len: digits.len() as u8, buf }
            }
            None => Digits::Heap(digits.to_vec()),
        }
    }
}

impl std::ops::Deref for Digits {
    type Target = [u16];
    fn deref(&self) -> &[u16] {
        match self {
            Digits::Inline { len, buf } => buf.get(..usize::from(*len)).unwrap_or_default(),
            Digits::Heap(v) => v,
        }
    }
}

impl PartialEq for Digits {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl Eq for Digits {}

impl std::hash::Hash for Digits {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        (**self).hash(state);
    }
}

impl fmt::Debug for Digits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (**self).fmt(f)
    }
}

/// A PostgreSQL `numeric`: an exact decimal of any size the server supports, or `NaN`,
/// `Infinity` or `-Infinity` (PostgreSQL 14+).
///
/// - [`FromStr`] reads PostgreSQL's input forms (`-12.500`, `1.5e-3`, `NaN`, `Infinity`,
///   `-inf`, ...) exactly; [`Display`](fmt::Display) writes the server's output form, with
///   the value's display scale (`"1.50"` stays `1.50`).
/// - Loaded from `numeric` columns in binary and text format; sent as `numeric` in binary.
/// - Converts from `i32`, `i64`, `u64`, `i128` and `f64` (through the float's shortest exact
///   decimal form) and, checking range and fractional part, to `i64`, `i128` and `f64`.
///
/// Equality compares the canonical form, which includes the display scale: `1.5 != 1.50`.
/// A value may have up to 16383 digits after the point and up to 131072 before it, as in
/// PostgreSQL.
///
/// ```
/// use pgtusk::types::Numeric;
///
/// let n: Numeric = "-0012.3400".parse().unwrap();
/// assert_eq!(n.to_string(), "-12.3400");
/// assert_eq!(n.scale(), 4);
/// assert_eq!("1e3".parse::<Numeric>().unwrap().to_string(), "1000");
/// assert_eq!(i64::try_from(&Numeric::from(42_i64)).unwrap(), 42);
/// assert!("NaN".parse::<Numeric>().unwrap().is_nan());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Numeric(Repr);

/// Checks that the last nonzero decimal digit of trimmed `digits` (base 10000, the first of
/// weight `weight`) is within the display scale.
fn check_scale(weight: i16, digits: &[u16], dscale: u16) -> Result<(), Error> {
    let low_group = i64::from(weight) - (digits.len() as i64 - 1);
    // Decimal places the lowest group needs, before its trailing zeros are taken off.
    let places = -low_group * 4;
    if places <= i64::from(dscale) {
        return Ok(());
    }
    let zeros = match digits.last().copied().unwrap_or(0) {
        0 => 0,
        d if d % 1000 == 0 => 3,
        d if d % 100 == 0 => 2,
        d if d % 10 == 0 => 1,
        _ => 0,
    };
    if places - zeros > i64::from(dscale) {
        return Err(Error::conversion("numeric has digits beyond its display scale"));
    }
    Ok(())
}

impl Default for Numeric {
    /// Zero (scale 0).
    fn default() -> Self {
        Self::zero()
    }
}

impl Numeric {
    /// Zero, with scale 0.
    pub fn zero() -> Self {
        Self(Repr::Finite { neg: false, weight: 0, dscale: 0, digits: Digits::EMPTY })
    }

    /// `NaN`.
    pub fn nan() -> Self {
        Self(Repr::NaN)
    }

    /// `Infinity`.
    pub fn infinity() -> Self {
        Self(Repr::PosInf)
    }

    /// `-Infinity`.
    pub fn neg_infinity() -> Self {
        Self(Repr::NegInf)
    }

    /// Whether this is `NaN`.
    pub fn is_nan(&self) -> bool {
        self.0 == Repr::NaN
    }

    /// Whether this is `Infinity` or `-Infinity`.
    pub fn is_infinite(&self) -> bool {
        matches!(self.0, Repr::PosInf | Repr::NegInf)
    }

    /// Whether this is a finite number (not `NaN` nor an infinity).
    pub fn is_finite(&self) -> bool {
        matches!(self.0, Repr::Finite { .. })
    }

    /// Whether this is negative (`-Infinity` included; zero and `NaN` are not).
    pub fn is_sign_negative(&self) -> bool {
        matches!(self.0, Repr::NegInf | Repr::Finite { neg: true, .. })
    }

    /// Whether this is zero (of any scale).
    pub fn is_zero(&self) -> bool {
        matches!(&self.0, Repr::Finite { digits, .. } if digits.is_empty())
    }

    /// The display scale: the number of decimal digits after the point (0 for the special
    /// values).
    pub fn scale(&self) -> u16 {
        match self.0 {
            Repr::Finite { dscale, .. } => dscale,
            _ => 0,
        }
    }

    /// Builds a finite value from its parts, canonicalizing the digits.
    ///
    /// Fails when a digit is 10000 or more, the scale is over 16383, the weight is out of
    /// range, or digits lie beyond the scale.
    fn from_parts(neg: bool, weight: i32, dscale: u16, digits: &[u16]) -> Result<Self, Error> {
        if dscale > MAX_DSCALE {
            return Err(Error::conversion(format!("numeric scale {dscale} exceeds 16383")));
        }
        if let Some(d) = digits.iter().find(|&&d| u32::from(d) >= NBASE) {
            return Err(Error::conversion(format!("invalid numeric digit {d}")));
        }
        let first = digits.iter().position(|&d| d != 0);
        let last = digits.iter().rposition(|&d| d != 0);
        let (Some(first), Some(last)) = (first, last) else {
            return Ok(Self(Repr::Finite { neg: false, weight: 0, dscale, digits: Digits::EMPTY }));
        };
        let weight = i64::from(weight) - i64::try_from(first).unwrap_or(i64::MAX);
        let weight = i16::try_from(weight)
            .map_err(|_| Error::conversion("numeric value out of range (weight)"))?;
        let digits = digits.get(first..=last).unwrap_or_default();
        check_scale(weight, digits, dscale)?;
        Ok(Self(Repr::Finite { neg, weight, dscale, digits: Digits::from_slice(digits) }))
    }

    /// Decodes the binary format: ndigits, weight, sign, dscale (each 16 bits) and the
    /// base-10000 digits.
    pub fn from_binary(raw: &[u8]) -> Result<Self, Error> {
        let word = |i: usize| -> Option<u16> {
            Some(u16::from_be_bytes([*raw.get(2 * i)?, *raw.get(2 * i + 1)?]))
        };
        let (Some(ndigits), Some(weight), Some(sign), Some(dscale)) =
            (word(0), word(1), word(2), word(3))
        else {
            return Err(Error::conversion("binary numeric shorter than its 8-byte header"));
        };
        if raw.len() != 8 + 2 * usize::from(ndigits) {
            return Err(Error::conversion(format!(
                "binary numeric of {} bytes does not hold its {ndigits} digits",
                raw.len()
            )));
        }
        let neg = match sign {
            SIGN_POS => false,
            SIGN_NEG => true,
            SIGN_NAN => return Ok(Self::nan()),
            SIGN_PINF => return Ok(Self::infinity()),
            SIGN_NINF => return Ok(Self::neg_infinity()),
            _ => return Err(Error::conversion(format!("invalid numeric sign 0x{sign:04x}"))),
        };
        let weight = i16::from_be_bytes(weight.to_be_bytes());
        let words = raw.get(8..).unwrap_or_default().chunks_exact(2);
        let words = words.map(|c| u16::from_be_bytes([c[0], c[1]]));
        let mut buf = [0_u16; INLINE];
        let Some(head) = buf.get_mut(..usize::from(ndigits)) else {
            return Self::from_parts(neg, weight.into(), dscale, &words.collect::<Vec<u16>>());
        };
        // Everyday values: no allocation, and one pass over the digits.
        let mut valid = true;
        for (slot, d) in head.iter_mut().zip(words) {
            valid &= u32::from(d) < NBASE;
            *slot = d;
        }
        // What the server sends: no zero digit at either end (else `from_parts` trims them).
        let trimmed = head.first().is_some_and(|&d| d != 0) && head.last().is_some_and(|&d| d != 0);
        if !(valid && trimmed && dscale <= MAX_DSCALE) {
            return Self::from_parts(neg, weight.into(), dscale, head);
        }
        check_scale(weight, head, dscale)?;
        let digits = Digits::Inline { len: ndigits as u8, buf };
        Ok(Self(Repr::Finite { neg, weight, dscale, digits }))
    }

    /// Appends the binary format.
    pub fn write_binary(&self, buf: &mut BytesMut) {
        self.write_words(buf, false);
    }

    /// [`write_binary`](Self::write_binary), after the length word of a binary COPY field when
    /// `prefixed` (the length is known before the first word is written).
    fn write_words(&self, buf: &mut BytesMut, prefixed: bool) {
        let (ndigits, weight, sign, dscale, digits): (usize, i16, u16, u16, &[u16]) = match &self.0
        {
            Repr::NaN => (0, 0, SIGN_NAN, 0, &[]),
            Repr::PosInf => (0, 0, SIGN_PINF, 0, &[]),
            Repr::NegInf => (0, 0, SIGN_NINF, 0, &[]),
            Repr::Finite { neg, weight, dscale, digits } => {
                let sign = if *neg { SIGN_NEG } else { SIGN_POS };
                (digits.len(), *weight, sign, *dscale, digits)
            }
        };
        // At most 32768 + 4096 digits by construction, so the count fits in 16 bits and the
        // length (2 * (4 + ndigits) bytes) in 32.
        let count = u16::try_from(ndigits).unwrap_or(u16::MAX);
        let len = 2 * (4 + ndigits);
        let len_word = u32::try_from(len).unwrap_or(u32::MAX).to_be_bytes();
        // The four header words as one big-endian u64.
        let header = (u64::from(count) << 48)
            | (u64::from(weight as u16) << 32)
            | (u64::from(sign) << 16)
            | u64::from(dscale);
        if ndigits <= INLINE {
            // The usual case (up to 16 decimal digits before and after the point): laid out
            // on the stack, after room for the length word, and appended at once.
            let mut out = [0_u8; 4 + 2 * (4 + INLINE)];
            out[..4].copy_from_slice(&len_word);
            out[4..12].copy_from_slice(&header.to_be_bytes());
            for (slot, word) in out[12..].chunks_exact_mut(2).zip(digits) {
                slot.copy_from_slice(&word.to_be_bytes());
            }
            let from = if prefixed { 0 } else { 4 };
            buf.put_slice(out.get(from..4 + len).unwrap_or_default());
        } else {
            buf.reserve(4 + len);
            if prefixed {
                buf.put_slice(&len_word);
            }
            buf.put_u64(header);
            for &word in digits {
                buf.put_u16(word);
            }
        }
    }

    /// Converts a finite integral value to `i128`.
    fn to_i128(&self) -> Result<i128, Error> {
        let Repr::Finite { neg, weight, digits, .. } = &self.0 else {
            return Err(Error::conversion(format!("numeric {self} is not a finite number")));
        };
        if digits.is_empty() {
            return Ok(0);
        }
        let weight = i64::from(*weight);
        if weight - (digits.len() as i64 - 1) < 0 {
            return Err(Error::conversion(format!("numeric {self} has a fractional part")));
        }
        let out_of_range = || Error::conversion(format!("numeric {self} is out of range"));
        let mut acc: i128 = 0;
        for k in (0..=weight).rev() {
            let idx = usize::try_from(weight - k).map_err(|_| out_of_range())?;
            let d = i128::from(digits.get(idx).copied().unwrap_or(0));
            acc = acc.checked_mul(10_000).ok_or_else(out_of_range)?;
            acc = if *neg { acc.checked_sub(d) } else { acc.checked_add(d) }
                .ok_or_else(out_of_range)?;
        }
        Ok(acc)
    }

    /// The nearest `f64` (correctly rounded from the exact decimal): `NaN` and the infinities
    /// map to theirs; a finite value beyond `f64`'s range gives an infinity.
    pub fn to_f64(&self) -> f64 {
        match self.0 {
            Repr::NaN => f64::NAN,
            Repr::PosInf => f64::INFINITY,
            Repr::NegInf => f64::NEG_INFINITY,
            Repr::Finite { .. } => self.to_string().parse().unwrap_or(f64::NAN),
        }
    }
}

/// Parses PostgreSQL's text input: optional sign, digits with an optional point, an optional
/// exponent (`e-3`), or `NaN` / `Infinity` / `inf` (any case, signed). Surrounding whitespace
/// is ignored. The PostgreSQL 16 additions for literals (`1_000`, `0x1F`) are not read: the
/// server never prints them.
impl FromStr for Numeric {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        let invalid = || {
            let shown: String = s.chars().take(40).collect();
            Error::conversion(format!("invalid numeric text {shown:?}"))
        };
        let t = s.trim();
        let (neg, body) = match t.as_bytes().first() {
            Some(b'-') => (true, &t[1..]),
            Some(b'+') => (false, &t[1..]),
            _ => (false, t),
        };
        if body.eq_ignore_ascii_case("nan") {
            return if body.len() == t.len() { Ok(Self::nan()) } else { Err(invalid()) };
        }
        if body.eq_ignore_ascii_case("infinity") || body.eq_ignore_ascii_case("inf") {
            return Ok(if neg { Self::neg_infinity() } else { Self::infinity() });
        }
        let (mantissa, exp) = match body.find(['e', 'E']) {
            Some(i) => {
                let e = &body[i + 1..];
                let e: i64 = e.parse().map_err(|_| invalid())?;
                if e.abs() > 1_000_000 {
                    return Err(Error::conversion("numeric exponent out of range"));
                }
                (&body[..i], e)
            }
            None => (body, 0),
        };
        let (int_part, frac_part) = match mantissa.split_once('.') {
            Some((i, f)) => (i, f),
            None => (mantissa, ""),
        };
        if int_part.is_empty() && frac_part.is_empty()
            || !int_part.bytes().chain(frac_part.bytes()).all(|b| b.is_ascii_digit())
        {
            return Err(invalid());
        }
        let frac_len = i64::try_from(frac_part.len()).map_err(|_| invalid())?;
        let dscale = (frac_len - exp).max(0);
        let dscale = u16::try_from(dscale)
            .ok()
            .filter(|&d| d <= MAX_DSCALE)
            .ok_or_else(|| Error::conversion("numeric scale exceeds 16383"))?;
        let decimals: Vec<u8> =
            int_part.bytes().chain(frac_part.bytes()).map(|b| b - b'0').collect();
        // Decimal exponent of the first decimal digit.
        let int_len = i64::try_from(int_part.len()).map_err(|_| invalid())?;
        let top = int_len + exp - 1;
        let Some(first) = decimals.iter().position(|&d| d != 0) else {
            return Self::from_parts(false, 0, dscale, &[]);
        };
        let last = decimals.iter().rposition(|&d| d != 0).unwrap_or(first);
        let e_first = top - first as i64;
        let e_last = top - last as i64;
        let weight = e_first.div_euclid(4);
        let low = e_last.div_euclid(4);
        if weight > i64::from(i16::MAX) || low < i64::from(i16::MIN) {
            return Err(Error::conversion("numeric value out of range"));
        }
        let n = usize::try_from(weight - low + 1).map_err(|_| invalid())?;
        let mut digits = vec![0_u16; n];
        for (i, &d) in decimals.iter().enumerate().take(last + 1).skip(first) {
            let e = top - i as i64;
            let idx = usize::try_from(weight - e.div_euclid(4)).map_err(|_| invalid())?;
            let slot = digits.get_mut(idx).ok_or_else(invalid)?;
            *slot += u16::from(d) * 10_u16.pow(e.rem_euclid(4) as u32);
        }
        Self::from_parts(neg, i32::try_from(weight).map_err(|_| invalid())?, dscale, &digits)
    }
}

/// PostgreSQL's output form: `NaN`, `Infinity`, `-Infinity`, or the decimal with exactly the
/// display scale's digits after the point.
impl fmt::Display for Numeric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (neg, weight, dscale, digits) = match &self.0 {
            Repr::NaN => return f.write_str("NaN"),
            Repr::PosInf => return f.write_str("Infinity"),
            Repr::NegInf => return f.write_str("-Infinity"),
            Repr::Finite { neg, weight, dscale, digits } => (*neg, *weight, *dscale, digits),
        };
        let weight = i64::from(weight);
        // The base-10000 digit for the power 10000^k.
        let at = |k: i64| -> u16 {
            usize::try_from(weight - k).ok().and_then(|i| digits.get(i).copied()).unwrap_or(0)
        };
        let mut out = String::with_capacity(digits.len() * 4 + usize::from(dscale) + 8);
        if neg {
            out.push('-');
        }
        if weight < 0 {
            out.push('0');
        } else {
            write!(out, "{}", at(weight))?;
            for k in (0..weight).rev() {
                write!(out, "{:04}", at(k))?;
            }
        }
        if dscale > 0 {
            out.push('.');
            let end = out.len() + usize::from(dscale);
            let mut k = -1;
            while out.len() < end {
                write!(out, "{:04}", at(k))?;
                k -= 1;
            }
            out.truncate(end);
        }
        f.write_str(&out)
    }
}

impl From<i128> for Numeric {
    fn from(v: i128) -> Self {
        let mut mag = v.unsigned_abs();
        let mut rev = Vec::with_capacity(10);
        while mag > 0 {
            rev.push((mag % 10_000) as u16);
            mag /= 10_000;
        }
        rev.reverse();
        let weight = rev.len() as i32 - 1;
        Self::from_parts(v < 0, weight, 0, &rev).unwrap_or_else(|_| Self::zero())
    }
}

/// Implements `From<int>` through `i128`.
macro_rules! from_int {
    ($($ty:ty),*) => {$(
        impl From<$ty> for Numeric {
            fn from(v: $ty) -> Self {
                Self::from(i128::from(v))
            }
        }
    )*};
}

from_int!(i16, i32, i64, u32, u64);

/// `NaN` and the infinities map to theirs; a finite float becomes its shortest exact decimal
/// form (`0.1_f64` gives `0.1`).
impl From<f64> for Numeric {
    fn from(v: f64) -> Self {
        if v.is_nan() {
            Self::nan()
        } else if v.is_infinite() {
            if v > 0.0 { Self::infinity() } else { Self::neg_infinity() }
        } else {
            // Zero is unsigned in numeric, so `-0.0` gives `0`.
            format!("{v}").parse().unwrap_or_else(|_| Self::nan())
        }
    }
}

/// Implements `TryFrom<&Numeric>` and `TryFrom<Numeric>` for an integer: fails on `NaN`, the
/// infinities, a fractional part or a value out of range.
macro_rules! try_into_int {
    ($($ty:ty),*) => {$(
        impl TryFrom<&Numeric> for $ty {
            type Error = Error;
            fn try_from(n: &Numeric) -> Result<Self, Error> {
                let wide = n.to_i128()?;
                <$ty>::try_from(wide).map_err(|_| {
                    Error::conversion(format!(
                        "numeric {n} is out of range for {}", stringify!($ty)
                    ))
                })
            }
        }
        impl TryFrom<Numeric> for $ty {
            type Error = Error;
            fn try_from(n: Numeric) -> Result<Self, Error> {
                <$ty>::try_from(&n)
            }
        }
    )*};
}

try_into_int!(i64, i128);

/// The nearest `f64`; fails only for a finite value beyond `f64`'s range.
impl TryFrom<&Numeric> for f64 {
    type Error = Error;
    fn try_from(n: &Numeric) -> Result<Self, Error> {
        let v = n.to_f64();
        if v.is_infinite() && n.is_finite() {
            return Err(Error::conversion("numeric is out of range for f64"));
        }
        Ok(v)
    }
}

/// The nearest `f64`; fails only for a finite value beyond `f64`'s range.
impl TryFrom<Numeric> for f64 {
    type Error = Error;
    fn try_from(n: Numeric) -> Result<Self, Error> {
        f64::try_from(&n)
    }
}

/// From `numeric`, binary or text.
impl Loader<'_> for Numeric {
    fn accepts(oid: Oid) -> bool {
        oid == oid::NUMERIC
    }
    fn load(oid: Oid, format: Format, raw: &[u8]) -> Result<Self, Error> {
        if oid != oid::NUMERIC {
            return Err(Error::conversion(format!("type OID {oid} is not accepted")));
        }
        match format {
            Format::Binary => Self::from_binary(raw),
            Format::Text => std::str::from_utf8(raw)
                .map_err(|e| Error::conversion(format!("invalid UTF-8: {e}")))?
                .parse(),
        }
    }
}

/// Sent as `numeric` in binary.
impl Dumper for Numeric {
    #[inline]
    fn type_oid(&self) -> Oid {
        oid::NUMERIC
    }
    fn dump(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
        self.write_binary(buf);
        Ok(IsNull::No)
    }
    #[inline]
    fn dump_field(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
        self.write_words(buf, true);
        Ok(IsNull::No)
    }
    fn dump_text(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
        super::dumper::put_display(self, buf);
        Ok(IsNull::No)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn n(s: &str) -> Numeric {
        s.parse().unwrap()
    }

    fn bin(v: &Numeric) -> Vec<u8> {
        let mut buf = BytesMut::new();
        v.write_binary(&mut buf);
        buf.to_vec()
    }

    fn words(ws: &[u16]) -> Vec<u8> {
        ws.iter().flat_map(|w| w.to_be_bytes()).collect()
    }

    #[test]
    fn display_forms() {
        for (input, out) in [
            ("0", "0"),
            ("-0", "0"),
            ("-0.000", "0.000"),
            ("00012.3400", "12.3400"),
            ("+5", "5"),
            (".5", "0.5"),
            ("5.", "5"),
            ("1e3", "1000"),
            ("1.5E-3", "0.0015"),
            ("12345678.87654321", "12345678.87654321"),
            ("-0.00001", "-0.00001"),
            ("10000", "10000"),
            ("9999.9999", "9999.9999"),
            (" 7 ", "7"),
            ("NaN", "NaN"),
            ("nan", "NaN"),
            ("Infinity", "Infinity"),
            ("-inf", "-Infinity"),
            ("+INFINITY", "Infinity"),
        ] {
            assert_eq!(n(input).to_string(), out, "{input}");
        }
    }

    #[test]
    fn binary_layout() {
        // 12345.6789: digits 1, 2345, 6789; weight 1; dscale 4.
        assert_eq!(bin(&n("12345.6789")), words(&[3, 1, 0, 4, 1, 2345, 6789]));
        assert_eq!(bin(&n("-0.01")), words(&[1, 0xffff, 0x4000, 2, 100]));
        assert_eq!(bin(&n("0.00")), words(&[0, 0, 0, 2]));
        assert_eq!(bin(&n("1e8")), words(&[1, 2, 0, 0, 1]));
        assert_eq!(bin(&Numeric::nan()), words(&[0, 0, 0xC000, 0]));
        assert_eq!(bin(&Numeric::infinity()), words(&[0, 0, 0xD000, 0]));
        assert_eq!(bin(&Numeric::neg_infinity()), words(&[0, 0, 0xF000, 0]));
        // Leading and trailing zero digits from a server are canonicalized.
        let v = Numeric::from_binary(&words(&[4, 2, 0, 0, 0, 5, 0, 0])).unwrap();
        assert_eq!(v.to_string(), "50000");
        assert_eq!(v, n("50000"));
    }

    #[test]
    fn extremes() {
        let big = format!("9{}", "0".repeat(131_071));
        let v = n(&big);
        assert_eq!(v.to_string(), big);
        assert_eq!(Numeric::from_binary(&bin(&v)).unwrap(), v);
        let tiny = format!("0.{}1", "0".repeat(16_382));
        let v = n(&tiny);
        assert_eq!(v.scale(), 16_383);
        assert_eq!(v.to_string(), tiny);
        assert_eq!(Numeric::from_binary(&bin(&v)).unwrap(), v);
        assert!(format!("0.{}1", "0".repeat(16_383)).parse::<Numeric>().is_err());
        assert!(format!("1{}", "0".repeat(131_072)).parse::<Numeric>().is_err());
        assert!("1e999999999".parse::<Numeric>().is_err());
        assert!("1e-20000".parse::<Numeric>().is_err());
        assert_eq!(n("1e-16383").scale(), 16_383);
    }

    /// `check_scale` against the rule spelled out digit by digit.
    #[test]
    fn scale_rule() {
        for last in 0..10_000_u16 {
            for weight in -4_i16..=1 {
                for len in 1..=3_usize {
                    for dscale in 0..14_u16 {
                        let mut digits = vec![1_u16; len];
                        digits[len - 1] = last;
                        let low_group = i64::from(weight) - (len as i64 - 1);
                        let mut lowest = low_group * 4;
                        let mut d = last;
                        while d != 0 && d.is_multiple_of(10) {
                            d /= 10;
                            lowest += 1;
                        }
                        let expected = -lowest <= i64::from(dscale);
                        let got = check_scale(weight, &digits, dscale).is_ok();
                        assert_eq!(got, expected, "{weight} {digits:?} {dscale}");
                    }
                }
            }
        }
    }

    #[test]
    fn malformed() {
        for bad in ["", "-", ".", "1.2.3", "1e", "abc", "1_000", "--1", "-nan", "0x10", "1 2"] {
            assert!(bad.parse::<Numeric>().is_err(), "{bad:?}");
        }
        let bad_bins: [&[u8]; 7] = [
            &[],
            &[0, 1, 0, 0, 0, 0, 0],
            &words(&[1, 0, 0, 0]),              // missing digit
            &words(&[0, 0, 0, 0, 7]),           // extra bytes
            &words(&[1, 0, 0, 0, 10_000]),      // digit too large
            &words(&[1, 0, 0x1234, 0, 1]),      // bad sign
            &words(&[1, 0xffff, 0, 0x4000, 1]), // scale too large
        ];
        for bad in bad_bins {
            assert!(Numeric::from_binary(bad).is_err(), "{bad:?}");
        }
        // Digits beyond the scale.
        assert!(Numeric::from_binary(&words(&[1, 0xffff, 0, 1, 1])).is_err());
        // ndigits claims more than is there (no allocation from the claim).
        assert!(Numeric::from_binary(&words(&[0xffff, 0, 0, 0])).is_err());
        // Weight overflow after stripping leading zeros.
        assert!(Numeric::from_binary(&words(&[2, 0x8000, 0, 0, 0, 1])).is_err());
    }

    #[test]
    fn integers_and_floats() {
        for v in [0_i128, 1, -1, 9999, 10_000, -123_456_789, i128::MAX, i128::MIN] {
            let num = Numeric::from(v);
            assert_eq!(num.to_string(), v.to_string());
            assert_eq!(i128::try_from(&num).unwrap(), v);
        }
        assert_eq!(i64::try_from(Numeric::from(i64::MIN)).unwrap(), i64::MIN);
        assert!(i64::try_from(Numeric::from(i128::from(i64::MAX) + 1)).is_err());
        assert_eq!(i64::try_from(n("5.000")).unwrap(), 5);
        assert!(i64::try_from(n("5.5")).is_err());
        assert!(i64::try_from(Numeric::nan()).is_err());
        assert!(i128::try_from(n("1e40")).is_err());
        assert_eq!(Numeric::from(0.1_f64).to_string(), "0.1");
        assert_eq!(Numeric::from(-0.0_f64), n("0"));
        assert_eq!(Numeric::from(1e300_f64), n("1e300"));
        assert!(Numeric::from(f64::NAN).is_nan());
        assert_eq!(Numeric::from(f64::NEG_INFINITY), Numeric::neg_infinity());
        assert_eq!(f64::try_from(n("0.1")).unwrap(), 0.1);
        assert_eq!(f64::try_from(n("-2.5e-300")).unwrap(), -2.5e-300);
        assert!(f64::try_from(n("1e400")).is_err());
        assert!(f64::try_from(Numeric::nan()).unwrap().is_nan());
        assert_eq!(f64::try_from(Numeric::infinity()).unwrap(), f64::INFINITY);
    }

    #[test]
    fn loader_and_dumper() {
        let v = n("-3.14159");
        let mut buf = BytesMut::new();
        assert_eq!(v.dump(&mut buf).unwrap(), IsNull::No);
        assert_eq!(v.type_oid(), oid::NUMERIC);
        assert_eq!(Numeric::load(oid::NUMERIC, Format::Binary, &buf).unwrap(), v);
        assert_eq!(Numeric::load(oid::NUMERIC, Format::Text, b"-3.14159").unwrap(), v);
        assert!(Numeric::load(oid::NUMERIC, Format::Text, b"\xff").is_err());
        assert!(Numeric::load(oid::INT4, Format::Binary, &[0, 0, 0, 1]).is_err());
        assert!(Numeric::accepts(oid::NUMERIC) && !Numeric::accepts(oid::FLOAT8));
    }

    /// What PostgreSQL prints for a plain decimal string.
    fn canonical(s: &str) -> String {
        let (neg, body) = s.strip_prefix('-').map_or((false, s), |b| (true, b));
        let (i, f) = body.split_once('.').unwrap_or((body, ""));
        let i = i.trim_start_matches('0');
        let i = if i.is_empty() { "0" } else { i };
        let zero = i == "0" && f.bytes().all(|b| b == b'0');
        let sign = if neg && !zero { "-" } else { "" };
        if f.is_empty() { format!("{sign}{i}") } else { format!("{sign}{i}.{f}") }
    }

    proptest! {
        #[test]
        fn decimal_round_trip(s in "-?[0-9]{1,60}(\\.[0-9]{0,60})?") {
            let v: Numeric = s.parse().unwrap();
            let s = s.trim_end_matches('.');
            prop_assert_eq!(v.to_string(), canonical(s));
            let back = Numeric::from_binary(&bin(&v)).unwrap();
            prop_assert_eq!(&back, &v);
            prop_assert_eq!(back.to_string().parse::<Numeric>().unwrap(), v);
        }

        #[test]
        fn exponent_round_trip(m in -999_999_i64..999_999, e in -200_i64..200) {
            let v: Numeric = format!("{m}e{e}").parse().unwrap();
            prop_assert_eq!(Numeric::from_binary(&bin(&v)).unwrap(), v.clone());
            prop_assert_eq!(v.to_string().parse::<Numeric>().unwrap(), v);
        }

        /// The one-pass decoding of everyday binary values agrees with the general path
        /// (which trims zero digits at either end and checks every rule).
        #[test]
        fn binary_fast_path_agrees(
            neg in any::<bool>(),
            weight in any::<i16>(),
            dscale in prop_oneof![0_u16..40, Just(0x3FFF), Just(0x4000)],
            digits in proptest::collection::vec(
                prop_oneof![8 => 0_u16..10_000, 1 => Just(0_u16), 1 => 10_000_u16..=u16::MAX],
                0..=10,
            ),
        ) {
            let sign = if neg { SIGN_NEG } else { SIGN_POS };
            let mut header = vec![digits.len() as u16, weight as u16, sign, dscale];
            header.extend(&digits);
            let fast = Numeric::from_binary(&words(&header)).map_err(|e| e.to_string());
            let general = Numeric::from_parts(neg, weight.into(), dscale, &digits)
                .map_err(|e| e.to_string());
            prop_assert_eq!(fast, general);
        }

        #[test]
        fn binary_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..40)) {
            let _ = Numeric::from_binary(&bytes);
        }

        #[test]
        fn ints_round_trip(v in any::<i128>()) {
            let num = Numeric::from(v);
            prop_assert_eq!(num.to_string(), v.to_string());
            prop_assert_eq!(i128::try_from(&num).unwrap(), v);
            prop_assert_eq!(Numeric::from_binary(&bin(&num)).unwrap(), num);
        }
    }
}
