//! rust_decimal: `Decimal` ↔ `numeric`, exactly, and `Decimal` ↔ [`Numeric`] conversions.
//!
//! A `Decimal` is a 96-bit unsigned mantissa, a sign and a scale of 0 to 28 decimal places. A
//! `numeric` loads into it only when it fits exactly: `NaN` and ±`Infinity` are errors, and so
//! are a magnitude of 2^96 or more at the chosen scale and a nonzero digit beyond the 28th
//! after the point; nothing is rounded. The loaded scale is the column's display scale
//! (`12.50` stays `12.50`), lowered only by dropping trailing zeros: to 28 when the digits
//! past the 28th are zeros, and as far as needed when the mantissa would not fit otherwise
//! (`100000000000000000000.000000000` loads with scale 8).
//!
//! Loading reads the base-10000 digits of the binary form straight into the mantissa (no
//! string, no allocation); dumping writes them from the mantissa the same way.

use bytes::{BufMut, BytesMut};
use rust_decimal::Decimal;

use crate::Error;
use crate::protocol::{Format, Oid};
use crate::types::loader::type_label;
use crate::types::{Dumper, IsNull, Loader, Numeric, oid};

/// Sign words of the binary `numeric` form.
const SIGN_POS: u16 = 0x0000;
const SIGN_NEG: u16 = 0x4000;
const SIGN_NAN: u16 = 0xC000;
const SIGN_PINF: u16 = 0xD000;
const SIGN_NINF: u16 = 0xF000;
/// PostgreSQL's largest display scale.
const MAX_DSCALE: u16 = 0x3FFF;
/// The largest `Decimal` mantissa, 2^96 - 1.
const MAX_MANTISSA: u128 = (1 << 96) - 1;
/// The largest `Decimal` scale.
const MAX_SCALE: u16 = 28;

/// 10^0 ..= 10^38, every power of ten a `u128` holds.
const POW10: [u128; 39] = {
    let mut out = [1_u128; 39];
    let mut i = 1;
    while i < 39 {
        out[i] = out[i - 1] * 10;
        i += 1;
    }
    out
};

#[cold]
fn bad_length(len: usize, ndigits: u16) -> Error {
    Error::conversion(format!("binary numeric of {len} bytes does not hold its {ndigits} digits"))
}

/// The error for a sign word other than positive or negative.
#[cold]
fn bad_sign(sign: u16) -> Error {
    match sign {
        SIGN_NAN => Error::conversion("numeric NaN has no Decimal"),
        SIGN_PINF | SIGN_NINF => Error::conversion("numeric infinity has no Decimal"),
        _ => Error::conversion(format!("invalid numeric sign 0x{sign:04x}")),
    }
}

#[cold]
fn bad_scale(dscale: u16) -> Error {
    Error::conversion(format!("numeric scale {dscale} exceeds 16383"))
}

#[cold]
fn invalid_digit(d: u16) -> Error {
    Error::conversion(format!("invalid numeric digit {d}"))
}

#[cold]
fn too_large() -> Error {
    Error::conversion("numeric is too large for Decimal (96-bit mantissa)")
}

#[cold]
fn too_precise() -> Error {
    Error::conversion("numeric has nonzero digits beyond Decimal's 28 decimal places")
}

/// `acc / 10^k` when the division is exact, else `None`.
#[inline]
fn div_exact(acc: u128, k: usize) -> Option<u128> {
    let p = *POW10.get(k)?;
    // The common case (a handful of digits) stays in 64-bit arithmetic.
    if let (Ok(a), Ok(p)) = (u64::try_from(acc), u64::try_from(p)) {
        return a.is_multiple_of(p).then(|| u128::from(a / p));
    }
    acc.is_multiple_of(p).then(|| acc / p)
}

/// Decodes a binary `numeric` straight into a `Decimal`.
fn decimal_from_binary(raw: &[u8]) -> Result<Decimal, Error> {
    let Some((header, digits)) = raw.split_first_chunk::<8>() else {
        return Err(Error::conversion("binary numeric shorter than its 8-byte header"));
    };
    let word = |i: usize| u16::from_be_bytes([header[2 * i], header[2 * i + 1]]);
    let (ndigits, weight, sign, dscale) = (word(0), word(1) as i16, word(2), word(3));
    if digits.len() != 2 * usize::from(ndigits) {
        return Err(bad_length(raw.len(), ndigits));
    }
    let neg = match sign {
        SIGN_POS => false,
        SIGN_NEG => true,
        _ => return Err(bad_sign(sign)),
    };
    if dscale > MAX_DSCALE {
        return Err(bad_scale(dscale));
    }
    // Trailing zero digits (which PostgreSQL never sends) only scale the value.
    let mut digits = digits;
    let mut dropped = 0_i32;
    while let Some((rest, [0, 0])) = digits.split_last_chunk::<2>() {
        digits = rest;
        dropped += 1;
    }
    let mut acc: u128 = 0;
    if digits.len() <= 8 {
        // Up to four base-10000 digits: below 10^16, so 64-bit arithmetic cannot overflow.
        let mut small: u64 = 0;
        for pair in digits.chunks_exact(2) {
            let d = u16::from_be_bytes([pair[0], pair[1]]);
            if d >= 10_000 {
                return Err(invalid_digit(d));
            }
            small = small * 10_000 + u64::from(d);
        }
        acc = u128::from(small);
    } else {
        for pair in digits.chunks_exact(2) {
            let d = u16::from_be_bytes([pair[0], pair[1]]);
            if d >= 10_000 {
                return Err(invalid_digit(d));
            }
            acc = acc
                .checked_mul(10_000)
                .and_then(|a| a.checked_add(u128::from(d)))
                .ok_or_else(|| if weight < 0 { too_precise() } else { too_large() })?;
        }
    }
    let scale = dscale.min(MAX_SCALE);
    // The value is acc × 10^exp; the mantissa is the value × 10^scale.
    let kept = i32::from(ndigits) - dropped;
    let exp = 4 * (i32::from(weight) + 1 - kept);
    let shift = exp + i32::from(scale);
    let at_scale = if acc == 0 {
        Some(0)
    } else if shift >= 0 {
        POW10.get(shift.unsigned_abs() as usize).and_then(|p| acc.checked_mul(*p))
    } else {
        Some(div_exact(acc, shift.unsigned_abs() as usize).ok_or_else(too_precise)?)
    };
    let (mantissa, scale) = match at_scale {
        Some(m) if m <= MAX_MANTISSA => (m, scale),
        _ => fit_lower_scale(acc, exp, scale)?,
    };
    // mantissa < 2^96 and scale <= 28, so from_parts cannot fail.
    let (lo, mid, hi) = (mantissa as u32, (mantissa >> 32) as u32, (mantissa >> 64) as u32);
    Ok(Decimal::from_parts(lo, mid, hi, neg && mantissa != 0, u32::from(scale)))
}

/// The mantissa and scale of `acc × 10^exp` when it does not fit at `scale`: the largest
/// scale below it that fits, dropping only zeros (`1e20` with display scale 9 loads with
/// scale 8); an error when even the value's own significant places do not fit.
fn fit_lower_scale(acc: u128, exp: i32, scale: u16) -> Result<(u128, u16), Error> {
    let (mut a, mut e) = (acc, exp);
    while a != 0 && a.is_multiple_of(10) {
        a /= 10;
        e += 1;
    }
    // The fewest places that hold the value exactly; at most `scale` (checked by the caller).
    let least = u16::try_from((-e).max(0)).map_err(|_| too_precise())?;
    let lift = usize::try_from(e + i32::from(least)).map_err(|_| too_large())?;
    let mut m = POW10.get(lift).and_then(|p| a.checked_mul(*p)).ok_or_else(too_large)?;
    if m > MAX_MANTISSA {
        return Err(too_large());
    }
    let mut s = least;
    while s < scale && m * 10 <= MAX_MANTISSA {
        m *= 10;
        s += 1;
    }
    Ok((m, s))
}

/// Appends the binary `numeric` form of a `Decimal` (negative zero is sent as zero, which is
/// all `numeric` has).
fn write_binary(d: &Decimal, buf: &mut BytesMut) {
    // Decimal's scale is at most 28 and its mantissa below 2^96.
    let scale = d.scale() as u16;
    let m = d.mantissa().unsigned_abs();
    if m == 0 {
        buf.put_slice(&[0, 0, 0, 0, 0, 0]);
        buf.put_u16(scale);
        return;
    }
    // Pad the mantissa so the fraction is whole groups of four decimal digits.
    let pad = (4 - scale % 4) % 4;
    let frac_groups = (scale + pad) / 4;
    let mut v = m * POW10[usize::from(pad)];
    // Base-10000 digits, least significant first: below 2^106 is at most 32 decimal digits.
    let mut groups = [0_u16; 9];
    let mut n = 0;
    while v > u128::from(u64::MAX) {
        groups[n] = (v % 10_000) as u16;
        v /= 10_000;
        n += 1;
    }
    let mut small = v as u64;
    while small > 0 {
        groups[n] = (small % 10_000) as u16;
        small /= 10_000;
        n += 1;
    }
    let low = groups.iter().position(|&g| g != 0).unwrap_or(0);
    let weight = n as i16 - 1 - frac_groups as i16;
    buf.put_u16((n - low) as u16);
    buf.put_i16(weight);
    buf.put_u16(if d.is_sign_negative() { SIGN_NEG } else { SIGN_POS });
    buf.put_u16(scale);
    for &g in groups[low..n].iter().rev() {
        buf.put_u16(g);
    }
}

/// Exact: `NaN`, the infinities and values that do not fit a `Decimal` (see the module docs)
/// are errors.
impl TryFrom<&Numeric> for Decimal {
    type Error = Error;
    fn try_from(n: &Numeric) -> Result<Decimal, Error> {
        let mut buf = BytesMut::new();
        n.write_binary(&mut buf);
        decimal_from_binary(&buf)
    }
}

/// Exact: `NaN`, the infinities and values that do not fit a `Decimal` are errors.
impl TryFrom<Numeric> for Decimal {
    type Error = Error;
    fn try_from(n: Numeric) -> Result<Decimal, Error> {
        Decimal::try_from(&n)
    }
}

/// Exact, keeping the scale (`1.50` stays `1.50`); negative zero becomes zero.
impl From<Decimal> for Numeric {
    fn from(d: Decimal) -> Numeric {
        let mut buf = BytesMut::new();
        write_binary(&d, &mut buf);
        // `write_binary` writes a canonical finite value, which always decodes.
        Numeric::from_binary(&buf).unwrap_or_else(|_| Numeric::nan())
    }
}

/// From `numeric`, exactly: binary digits go straight into the mantissa; text is read as a
/// [`Numeric`] first. `NaN`, ±`Infinity`, a magnitude beyond the 96-bit mantissa and nonzero
/// digits past the 28th decimal place are errors (never rounded).
impl Loader<'_> for Decimal {
    #[inline]
    fn accepts(oid: Oid) -> bool {
        oid == oid::NUMERIC
    }
    #[inline]
    fn load(oid: Oid, format: Format, raw: &[u8]) -> Result<Self, Error> {
        match (oid, format) {
            (oid::NUMERIC, Format::Binary) => decimal_from_binary(raw),
            (oid::NUMERIC, Format::Text) => Decimal::try_from(Numeric::load(oid, format, raw)?),
            _ => Err(not_accepted(oid)),
        }
    }
}

#[cold]
fn not_accepted(oid: Oid) -> Error {
    Error::conversion(format!("{} is not accepted", type_label(oid)))
}

/// Sent as `numeric` in binary, exactly, with its scale.
impl Dumper for Decimal {
    fn type_oid(&self) -> Oid {
        oid::NUMERIC
    }
    fn dump(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
        write_binary(self, buf);
        Ok(IsNull::No)
    }
    fn dump_text(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
        crate::types::dumper::put_display(self, buf);
        Ok(IsNull::No)
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use proptest::prelude::*;

    use super::*;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn num(s: &str) -> Numeric {
        s.parse().unwrap()
    }

    fn bin(n: &Numeric) -> Vec<u8> {
        let mut buf = BytesMut::new();
        n.write_binary(&mut buf);
        buf.to_vec()
    }

    fn dumped(d: Decimal) -> Vec<u8> {
        let mut buf = BytesMut::new();
        d.dump(&mut buf).unwrap();
        buf.to_vec()
    }

    #[test]
    fn exact_values() {
        for s in [
            "0",
            "0.00",
            "1",
            "-1",
            "12.50",
            "1234567890.12",
            "-0.0001",
            "10000",
            "0.1",
            "79228162514264337593543950335",
            "-79228162514264337593543950335",
            "0.0000000000000000000000000001",
            "7.9228162514264337593543950335",
            "99999999.99",
        ] {
            let d = dec(s);
            assert_eq!(dumped(d), bin(&num(s)), "dump {s}");
            let loaded = Decimal::load(oid::NUMERIC, Format::Binary, &bin(&num(s))).unwrap();
            assert_eq!(loaded.to_string(), d.to_string(), "load {s}");
            assert_eq!(loaded.scale(), d.scale(), "scale of {s}");
            assert_eq!(Decimal::load(oid::NUMERIC, Format::Text, s.as_bytes()).unwrap(), d);
            assert_eq!(Numeric::from(d), num(s));
            assert_eq!(Decimal::try_from(num(s)).unwrap().to_string(), s);
        }
        // Negative zero is plain zero, keeping its scale.
        assert_eq!(dumped(dec("-0.00")), bin(&num("0.00")));
        assert_eq!(Numeric::from(dec("-0.00")).to_string(), "0.00");
    }

    #[test]
    fn errors_never_round() {
        let cases = [
            "NaN",
            "Infinity",
            "-Infinity",
            "79228162514264337593543950336",
            "-79228162514264337593543950336",
            "0.00000000000000000000000000001",
            "1e40",
            "1.00000000000000000000000000001",
            "7.92281625142643375935439503350001",
        ];
        for s in cases {
            let n = num(s);
            assert!(Decimal::load(oid::NUMERIC, Format::Binary, &bin(&n)).is_err(), "{s}");
            assert!(Decimal::load(oid::NUMERIC, Format::Text, s.as_bytes()).is_err(), "{s}");
            assert!(Decimal::try_from(&n).is_err(), "{s}");
        }
        // Zeros past the 28th place only lower the scale.
        let d = Decimal::try_from(num("1.000000000000000000000000000000000")).unwrap();
        assert_eq!((d, d.scale()), (Decimal::ONE, 28));
        assert_eq!(Decimal::try_from(num("0.000000000000000000000000000000")).unwrap().scale(), 28);
        assert!(Decimal::load(oid::INT4, Format::Binary, &[0, 0, 0, 1]).is_err());
        // A value that fits only with fewer places loses zeros, never digits.
        let d = Decimal::try_from(num("100000000000000000000.000000000")).unwrap();
        assert_eq!((d.to_string().as_str(), d.scale()), ("100000000000000000000.00000000", 8));
        let d = Decimal::try_from(num("79228162514264337593543950335.0")).unwrap();
        assert_eq!(d.scale(), 0);
        assert!(Decimal::try_from(num("79228162514264337593543950335.5")).is_err());
    }

    #[test]
    fn malformed_binary() {
        let w = |ws: &[u16]| ws.iter().flat_map(|w| w.to_be_bytes()).collect::<Vec<u8>>();
        let bad: [Vec<u8>; 7] = [
            vec![],
            vec![0; 7],
            w(&[1, 0, 0, 0]),
            w(&[0, 0, 0, 0, 1]),
            w(&[1, 0, 0, 0, 10_000]),
            w(&[1, 0, 0x1234, 0, 1]),
            w(&[1, 0xffff, 0, 0x4000, 1]),
        ];
        for b in bad {
            assert!(decimal_from_binary(&b).is_err(), "{b:?}");
        }
        // Digits beyond the display scale are refused rather than read.
        assert!(decimal_from_binary(&w(&[1, 0xffff, 0, 2, 10])).is_err());
        // Leading and trailing zero digits are tolerated.
        let d = decimal_from_binary(&w(&[4, 1, 0, 2, 0, 12, 5000, 0])).unwrap();
        assert_eq!(d.to_string(), "12.50");
        assert!(decimal_from_binary(&w(&[0xffff, 0, 0, 0])).is_err());
    }

    fn decimal() -> impl Strategy<Value = Decimal> {
        (any::<u128>(), 0_u32..=28, any::<bool>()).prop_map(|(m, scale, neg)| {
            let m = m & MAX_MANTISSA;
            Decimal::from_parts(m as u32, (m >> 32) as u32, (m >> 64) as u32, neg, scale)
        })
    }

    proptest! {
        #[test]
        fn decimal_round_trip(d in decimal()) {
            let bytes = dumped(d);
            let n = Numeric::from(d);
            prop_assert_eq!(n.to_string(), if d.is_zero() { d.abs().to_string() } else { d.to_string() });
            prop_assert_eq!(&bytes, &bin(&n));
            let back = Decimal::load(oid::NUMERIC, Format::Binary, &bytes).unwrap();
            prop_assert_eq!(back, d);
            prop_assert_eq!(back.scale(), d.scale());
            prop_assert_eq!(Decimal::try_from(&n).unwrap(), d);
        }

        #[test]
        fn numeric_to_decimal_is_exact(s in "-?[0-9]{1,32}(\\.[0-9]{0,34})?") {
            let n = num(&s);
            // rust_decimal's own exact parser, on the value without its trailing zeros, is
            // the oracle: the conversion succeeds exactly when that does, with the same value.
            let text = n.to_string();
            let trimmed =
                if text.contains('.') { text.trim_end_matches('0').trim_end_matches('.') } else { &text };
            match (Decimal::try_from(&n), Decimal::from_str_exact(trimmed)) {
                (Ok(d), Ok(o)) => {
                    prop_assert_eq!(d, o);
                    // The display scale, unless the mantissa could not hold one more place.
                    let full = u32::from(n.scale().min(28));
                    prop_assert!(d.scale() == full
                        || d.scale() < full && d.mantissa().unsigned_abs() * 10 > MAX_MANTISSA);
                }
                (Err(_), Err(_)) => {}
                (ours, oracle) => prop_assert!(false, "{}: {:?} vs {:?}", n, ours, oracle),
            }
        }

        #[test]
        fn binary_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..40)) {
            let _ = decimal_from_binary(&bytes);
        }
    }
}
