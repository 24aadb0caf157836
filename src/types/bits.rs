//! [`BitVec`]: PostgreSQL's `bit(n)` and `bit varying(n)`.

use std::fmt;
use std::str::FromStr;

use bytes::{BufMut, BytesMut};

use super::oid;
use super::{Dumper, IsNull, Loader};
use crate::Error;
use crate::protocol::{Format, Oid};

/// A bit string: `bit(n)` or `varbit` (`bit varying`).
///
/// `len` bits packed most significant bit first into `bytes`, which holds exactly
/// `len.div_ceil(8)` bytes; the unused low bits of the last byte are zero in values this crate
/// builds or loads (and masked off when sent).
///
/// - [`Display`](fmt::Display) writes the server's form (`10110`); [`FromStr`] reads `0`/`1`
///   digits, optionally after a `B` prefix, or hex digits after an `X` prefix (`X1F` is
///   `00011111`), as PostgreSQL does.
/// - Loaded from `bit` and `varbit`, binary (a 32-bit bit count, then the bytes) and text.
///   Sent as `varbit` in binary, which a `bit(n)` column or `$1::bit(n)` accepts when the
///   length matches.
///
/// ```
/// use pgtusk::types::BitVec;
///
/// let b: BitVec = "10110".parse().unwrap();
/// assert_eq!((b.len, b.bytes.as_slice()), (5, &[0b1011_0000][..]));
/// assert_eq!(b.get(2), Some(true));
/// assert_eq!(b.to_string(), "10110");
/// assert_eq!("X1f".parse::<BitVec>().unwrap().to_string(), "00011111");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct BitVec {
    /// The number of bits.
    pub len: usize,
    /// The bits, most significant first, `len.div_ceil(8)` bytes.
    pub bytes: Vec<u8>,
}

impl BitVec {
    /// An empty bit string.
    pub fn new() -> Self {
        Self::default()
    }

    /// Bit `i` (the first is 0), or `None` past the end.
    pub fn get(&self, i: usize) -> Option<bool> {
        if i >= self.len {
            return None;
        }
        self.bytes.get(i / 8).map(|b| b & (0x80 >> (i % 8)) != 0)
    }

    /// Appends a bit.
    pub fn push(&mut self, bit: bool) {
        if self.len.is_multiple_of(8) {
            self.bytes.push(0);
        }
        if let (true, Some(last)) = (bit, self.bytes.last_mut()) {
            *last |= 0x80 >> (self.len % 8);
        }
        self.len += 1;
    }

    /// The bits in order.
    pub fn iter(&self) -> impl Iterator<Item = bool> + '_ {
        (0..self.len).map(|i| self.get(i).unwrap_or(false))
    }

    /// The bytes with the padding bits cleared, or an error when `bytes` does not hold
    /// exactly `len` bits.
    fn checked_bytes(&self) -> Result<impl Iterator<Item = u8> + '_, Error> {
        if self.bytes.len() != self.len.div_ceil(8) {
            return Err(Error::conversion(format!(
                "bit string of {} bits must have {} bytes, has {}",
                self.len,
                self.len.div_ceil(8),
                self.bytes.len()
            )));
        }
        let pad = self.len % 8;
        let last = self.bytes.len().saturating_sub(1);
        Ok(self
            .bytes
            .iter()
            .enumerate()
            .map(move |(i, &b)| if i == last && pad != 0 { b & (0xFF_u8 << (8 - pad)) } else { b }))
    }
}

impl FromIterator<bool> for BitVec {
    fn from_iter<I: IntoIterator<Item = bool>>(iter: I) -> Self {
        let mut out = Self::new();
        for bit in iter {
            out.push(bit);
        }
        out
    }
}

impl fmt::Display for BitVec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text: String = self.iter().map(|b| if b { '1' } else { '0' }).collect();
        f.write_str(&text)
    }
}

/// `0`/`1` digits, optionally after `B`, or hex digits after `X` (either case).
impl FromStr for BitVec {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        let invalid = || {
            let shown: String = s.chars().take(40).collect();
            Error::conversion(format!("invalid bit string text {shown:?}"))
        };
        let mut out = Self::new();
        if let Some(hex) = s.strip_prefix(['x', 'X']) {
            for c in hex.chars() {
                let v = c.to_digit(16).ok_or_else(invalid)?;
                for shift in (0..4).rev() {
                    out.push(v >> shift & 1 == 1);
                }
            }
            return Ok(out);
        }
        let bin = s.strip_prefix(['b', 'B']).unwrap_or(s);
        for c in bin.chars() {
            match c {
                '0' => out.push(false),
                '1' => out.push(true),
                _ => return Err(invalid()),
            }
        }
        Ok(out)
    }
}

/// From `bit` or `varbit`: binary (bit count, then bytes) or text.
impl Loader<'_> for BitVec {
    fn accepts(oid: Oid) -> bool {
        matches!(oid, oid::BIT | oid::VARBIT)
    }
    fn load(oid: Oid, format: Format, raw: &[u8]) -> Result<Self, Error> {
        if !Self::accepts(oid) {
            return Err(Error::conversion(format!("type OID {oid} is not bit or varbit")));
        }
        if format == Format::Text {
            return std::str::from_utf8(raw)
                .map_err(|e| Error::conversion(format!("invalid UTF-8: {e}")))?
                .parse();
        }
        let Some((len, data)) = raw.split_first_chunk::<4>() else {
            return Err(Error::conversion("binary bit string shorter than its length"));
        };
        let len = usize::try_from(i32::from_be_bytes(*len))
            .map_err(|_| Error::conversion("negative bit string length"))?;
        if data.len() != len.div_ceil(8) {
            return Err(Error::conversion(format!(
                "binary bit string of {len} bits has {} bytes",
                data.len()
            )));
        }
        let v = Self { len, bytes: data.to_vec() };
        let bytes = v.checked_bytes()?.collect();
        Ok(Self { len, bytes })
    }
}

/// Sent as `varbit` in binary; fails when `bytes` does not hold exactly `len` bits or `len`
/// is over `i32::MAX`.
impl Dumper for BitVec {
    fn type_oid(&self) -> Oid {
        oid::VARBIT
    }
    fn dump(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
        let len = i32::try_from(self.len)
            .map_err(|_| Error::conversion("bit string longer than i32::MAX bits"))?;
        let bytes = self.checked_bytes()?;
        buf.put_i32(len);
        for b in bytes {
            buf.put_u8(b);
        }
        Ok(IsNull::No)
    }
    /// The `0`/`1` digits.
    fn dump_text(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
        let _ = self.checked_bytes()?;
        super::dumper::put_display(self, buf);
        Ok(IsNull::No)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn dumped(d: &dyn Dumper) -> Result<Vec<u8>, Error> {
        let mut buf = BytesMut::new();
        d.dump(&mut buf)?;
        Ok(buf.to_vec())
    }

    #[test]
    fn forms() {
        let b: BitVec = "101100001".parse().unwrap();
        assert_eq!(b.len, 9);
        assert_eq!(b.bytes, [0b1011_0000, 0b1000_0000]);
        assert_eq!(dumped(&b).unwrap(), [0, 0, 0, 9, 0b1011_0000, 0b1000_0000]);
        assert_eq!(BitVec::load(oid::VARBIT, Format::Binary, &dumped(&b).unwrap()).unwrap(), b);
        assert_eq!(BitVec::load(oid::BIT, Format::Text, b"101100001").unwrap(), b);
        assert_eq!("B101".parse::<BitVec>().unwrap().to_string(), "101");
        assert_eq!("".parse::<BitVec>().unwrap(), BitVec::new());
        assert_eq!(dumped(&BitVec::new()).unwrap(), [0, 0, 0, 0]);
        assert_eq!(BitVec::load(oid::BIT, Format::Binary, &[0, 0, 0, 0]).unwrap(), BitVec::new());
        // Padding bits are masked on load and on dump.
        let loaded = BitVec::load(oid::BIT, Format::Binary, &[0, 0, 0, 2, 0xff]).unwrap();
        assert_eq!(loaded.bytes, [0xc0]);
        let sloppy = BitVec { len: 1, bytes: vec![0xff] };
        assert_eq!(dumped(&sloppy).unwrap(), [0, 0, 0, 1, 0x80]);
        assert!(dumped(&BitVec { len: 9, bytes: vec![0] }).is_err());
        for bad in ["2", "10a", "Xg", "b12"] {
            assert!(bad.parse::<BitVec>().is_err(), "{bad}");
        }
        for bad in [
            &[][..],
            &[0, 0, 0],
            &[0, 0, 0, 9, 1],
            &[0xff, 0xff, 0xff, 0xff],
            &[0x7f, 0xff, 0xff, 0xff, 0],
        ] {
            assert!(BitVec::load(oid::VARBIT, Format::Binary, bad).is_err(), "{bad:?}");
        }
        assert!(BitVec::load(oid::INT4, Format::Text, b"1").is_err());
    }

    proptest! {
        #[test]
        fn round_trip(bits in proptest::collection::vec(any::<bool>(), 0..100)) {
            let b: BitVec = bits.iter().copied().collect();
            prop_assert_eq!(b.iter().collect::<Vec<_>>(), bits);
            let bin = dumped(&b).unwrap();
            prop_assert_eq!(&BitVec::load(oid::VARBIT, Format::Binary, &bin).unwrap(), &b);
            prop_assert_eq!(b.to_string().parse::<BitVec>().unwrap(), b);
        }

        #[test]
        fn binary_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..16)) {
            let _ = BitVec::load(oid::BIT, Format::Binary, &bytes);
        }
    }
}
