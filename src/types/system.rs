//! System types: transaction ids (`xid` as [`Xid`], `xid8` as [`Xid8`]), command ids (`cid`
//! as [`Cid`]), tuple ids (`tid` as [`Tid`]) and write-ahead log positions (`pg_lsn` as
//! [`PgLsn`]).
//!
//! The `reg*` types (`regclass`, `regtype`, ...) have no type of their own: in binary they are
//! OIDs and load as `u32`; in text they are names and load as strings (see
//! [`Loader`](super::Loader)).

use std::fmt;
use std::str::FromStr;

use bytes::{BufMut, BytesMut};

use super::oid;
use super::{Dumper, IsNull, Loader};
use crate::Error;
use crate::protocol::{Format, Oid};

/// The error for a type OID a loader does not accept.
fn not_accepted(type_oid: Oid, what: &str) -> Error {
    Error::conversion(format!("type OID {type_oid} is not {what}"))
}

/// A text-format value as `&str`.
fn utf8(raw: &[u8]) -> Result<&str, Error> {
    std::str::from_utf8(raw).map_err(|e| Error::conversion(format!("invalid UTF-8: {e}")))
}

/// The error for malformed text of type `what`.
fn invalid_text(what: &str, s: &str) -> Error {
    let shown: String = s.chars().take(40).collect();
    Error::conversion(format!("invalid {what} text {shown:?}"))
}

/// Implements `Display`, `FromStr`, `Loader` and `Dumper` for an unsigned-integer id newtype
/// (decimal in text, big-endian in binary).
macro_rules! id_type {
    ($($ty:ident($int:ty), $oid:expr, $name:literal;)*) => {$(
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        #[doc = concat!("The decimal form the server prints for `", $name, "`.")]
        impl FromStr for $ty {
            type Err = Error;
            fn from_str(s: &str) -> Result<Self, Error> {
                if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(invalid_text($name, s));
                }
                s.parse().map(Self).map_err(|_| invalid_text($name, s))
            }
        }

        impl From<$int> for $ty {
            fn from(v: $int) -> Self {
                Self(v)
            }
        }

        impl From<$ty> for $int {
            fn from(v: $ty) -> Self {
                v.0
            }
        }

        #[doc = concat!("From `", $name, "`, binary or text.")]
        impl Loader<'_> for $ty {
            fn accepts(oid: Oid) -> bool {
                oid == $oid
            }
            fn load(oid: Oid, format: Format, raw: &[u8]) -> Result<Self, Error> {
                if oid != $oid {
                    return Err(not_accepted(oid, $name));
                }
                match format {
                    Format::Binary => raw.try_into().map(|b| Self(<$int>::from_be_bytes(b))).map_err(|_| {
                        Error::conversion(format!(
                            concat!("binary ", $name, " must be {} bytes, got {}"),
                            size_of::<$int>(),
                            raw.len()
                        ))
                    }),
                    Format::Text => utf8(raw)?.parse(),
                }
            }
        }

        #[doc = concat!("Sent as `", $name, "` in binary.")]
        impl Dumper for $ty {
            fn type_oid(&self) -> Oid {
                $oid
            }
            fn dump(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
                buf.put_slice(&self.0.to_be_bytes());
                Ok(IsNull::No)
            }
            fn dump_text(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
                super::dumper::put_display(self, buf);
                Ok(IsNull::No)
            }
        }
    )*};
}

/// A 32-bit transaction id (`xid`), as `pg_current_xact_id()::xid` or a row's `xmin` gives.
///
/// Loaded from `xid` (binary and text), sent as `xid` in binary. The server compares `xid`s
/// only for equality (they wrap around); use [`Xid8`] for ordering.
///
/// ```
/// use pgtusk::protocol::Format;
/// use pgtusk::types::{oid, Loader, Xid};
///
/// assert_eq!(Xid::load(oid::XID, Format::Binary, &[0, 0, 2, 0]).unwrap(), Xid(512));
/// assert_eq!("731".parse::<Xid>().unwrap().to_string(), "731");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Xid(pub u32);

/// A 64-bit transaction id (`xid8`, what `pg_current_xact_id()` returns): never wraps around.
///
/// Loaded from `xid8` (binary and text), sent as `xid8` in binary.
///
/// ```
/// use pgtusk::types::Xid8;
///
/// assert_eq!("18446744073709551615".parse::<Xid8>().unwrap(), Xid8(u64::MAX));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Xid8(pub u64);

/// A command id within a transaction (`cid`, as a row's `cmin`/`cmax` gives).
///
/// Loaded from `cid` (binary and text), sent as `cid` in binary.
///
/// ```
/// use pgtusk::types::Cid;
///
/// assert_eq!("0".parse::<Cid>().unwrap(), Cid(0));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cid(pub u32);

id_type! {
    Xid(u32), oid::XID, "xid";
    Xid8(u64), oid::XID8, "xid8";
    Cid(u32), oid::CID, "cid";
}

// ---------------------------------------------------------------------------------------------
// tid

/// A tuple id (`tid`, a row's `ctid`): the block number and the item's offset in the block.
///
/// [`Display`](fmt::Display) writes the server's form `(block,offset)`; [`FromStr`] reads it.
/// Binary: the block as a 32-bit and the offset as a 16-bit unsigned integer. Loaded from
/// `tid` (binary and text), sent as `tid` in binary.
///
/// ```
/// use pgtusk::types::Tid;
///
/// let t: Tid = "(4294967295,65535)".parse().unwrap();
/// assert_eq!(t, Tid { block: u32::MAX, offset: u16::MAX });
/// assert_eq!(Tid { block: 0, offset: 1 }.to_string(), "(0,1)");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Tid {
    /// The block (page) number.
    pub block: u32,
    /// The item's offset within the block (1-based for real rows).
    pub offset: u16,
}

impl fmt::Display for Tid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "({},{})", self.block, self.offset)
    }
}

/// `(block,offset)`, with optional spaces around the numbers.
impl FromStr for Tid {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        let invalid = || invalid_text("tid", s);
        let inner =
            s.trim().strip_prefix('(').and_then(|r| r.strip_suffix(')')).ok_or_else(invalid)?;
        let (block, offset) = inner.split_once(',').ok_or_else(invalid)?;
        let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
        let (block, offset) = (block.trim(), offset.trim());
        if !digits(block) || !digits(offset) {
            return Err(invalid());
        }
        Ok(Self {
            block: block.parse().map_err(|_| invalid())?,
            offset: offset.parse().map_err(|_| invalid())?,
        })
    }
}

/// From `tid`: 6 bytes in binary, `(block,offset)` in text.
impl Loader<'_> for Tid {
    fn accepts(oid: Oid) -> bool {
        oid == oid::TID
    }
    fn load(oid: Oid, format: Format, raw: &[u8]) -> Result<Self, Error> {
        if oid != oid::TID {
            return Err(not_accepted(oid, "tid"));
        }
        match format {
            Format::Binary => match <[u8; 6]>::try_from(raw) {
                Ok([a, b, c, d, e, f]) => Ok(Self {
                    block: u32::from_be_bytes([a, b, c, d]),
                    offset: u16::from_be_bytes([e, f]),
                }),
                Err(_) => {
                    Err(Error::conversion(format!("binary tid must be 6 bytes, got {}", raw.len())))
                }
            },
            Format::Text => utf8(raw)?.parse(),
        }
    }
}

/// Sent as `tid` in binary.
impl Dumper for Tid {
    fn type_oid(&self) -> Oid {
        oid::TID
    }
    fn dump(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
        buf.put_u32(self.block);
        buf.put_u16(self.offset);
        Ok(IsNull::No)
    }
    fn dump_text(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
        super::dumper::put_display(self, buf);
        Ok(IsNull::No)
    }
}

// ---------------------------------------------------------------------------------------------
// pg_lsn

/// A write-ahead log position (`pg_lsn`): a byte offset in the WAL stream.
///
/// [`Display`](fmt::Display) writes the server's form: the high and low 32 bits in uppercase
/// hex, separated by `/` (`16/B374D848`); [`FromStr`] reads hex digits in either case. Binary:
/// a 64-bit unsigned integer. Loaded from `pg_lsn` (binary and text), sent as `pg_lsn` in
/// binary.
///
/// ```
/// use pgtusk::types::PgLsn;
///
/// let lsn: PgLsn = "16/B374D848".parse().unwrap();
/// assert_eq!(lsn, PgLsn(0x16_B374_D848));
/// assert_eq!(lsn.to_string(), "16/B374D848");
/// assert_eq!(PgLsn(0).to_string(), "0/0");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PgLsn(pub u64);

impl fmt::Display for PgLsn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:X}/{:X}", self.0 >> 32, self.0 & 0xFFFF_FFFF)
    }
}

/// `high/low`, each 1 to 8 hex digits.
impl FromStr for PgLsn {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        let invalid = || invalid_text("pg_lsn", s);
        let (hi, lo) = s.split_once('/').ok_or_else(invalid)?;
        let half = |t: &str| {
            if t.is_empty() || t.len() > 8 || !t.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(invalid());
            }
            u32::from_str_radix(t, 16).map_err(|_| invalid())
        };
        Ok(Self(u64::from(half(hi)?) << 32 | u64::from(half(lo)?)))
    }
}

impl From<u64> for PgLsn {
    fn from(v: u64) -> Self {
        Self(v)
    }
}

impl From<PgLsn> for u64 {
    fn from(v: PgLsn) -> Self {
        v.0
    }
}

/// From `pg_lsn`: 8 bytes in binary, `high/low` in text.
impl Loader<'_> for PgLsn {
    fn accepts(oid: Oid) -> bool {
        oid == oid::PG_LSN
    }
    fn load(oid: Oid, format: Format, raw: &[u8]) -> Result<Self, Error> {
        if oid != oid::PG_LSN {
            return Err(not_accepted(oid, "pg_lsn"));
        }
        match format {
            Format::Binary => raw.try_into().map(|b| Self(u64::from_be_bytes(b))).map_err(|_| {
                Error::conversion(format!("binary pg_lsn must be 8 bytes, got {}", raw.len()))
            }),
            Format::Text => utf8(raw)?.parse(),
        }
    }
}

/// Sent as `pg_lsn` in binary.
impl Dumper for PgLsn {
    fn type_oid(&self) -> Oid {
        oid::PG_LSN
    }
    fn dump(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
        buf.put_u64(self.0);
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

    fn dumped(d: &dyn Dumper) -> Vec<u8> {
        let mut buf = BytesMut::new();
        assert_eq!(d.dump(&mut buf).unwrap(), IsNull::No);
        buf.to_vec()
    }

    #[test]
    fn ids() {
        assert_eq!(dumped(&Xid(258)), [0, 0, 1, 2]);
        assert_eq!(dumped(&Xid8(1)), [0, 0, 0, 0, 0, 0, 0, 1]);
        assert_eq!(dumped(&Cid(3)), [0, 0, 0, 3]);
        assert_eq!(Xid::load(oid::XID, Format::Text, b"4294967295").unwrap(), Xid(u32::MAX));
        assert_eq!(Xid8::load(oid::XID8, Format::Text, b"0").unwrap(), Xid8(0));
        assert_eq!(Cid::load(oid::CID, Format::Binary, &[0, 0, 0, 9]).unwrap(), Cid(9));
        for bad in [&b""[..], b"-1", b"+1", b"4294967296", b" 1", b"1x"] {
            assert!(Xid::load(oid::XID, Format::Text, bad).is_err(), "{bad:?}");
        }
        assert!(Xid::load(oid::XID, Format::Binary, &[0, 0, 1]).is_err());
        assert!(Xid8::load(oid::XID8, Format::Binary, &[0, 0, 0, 1]).is_err());
        assert!(Xid::load(oid::XID8, Format::Binary, &[0, 0, 0, 1]).is_err());
        assert!(Cid::load(oid::XID, Format::Binary, &[0, 0, 0, 1]).is_err());
        assert_eq!(Xid8(u64::MAX).to_string(), u64::MAX.to_string());
    }

    #[test]
    fn tid() {
        let t = Tid { block: 0x0102_0304, offset: 0x0506 };
        assert_eq!(dumped(&t), [1, 2, 3, 4, 5, 6]);
        assert_eq!(Tid::load(oid::TID, Format::Binary, &[1, 2, 3, 4, 5, 6]).unwrap(), t);
        assert_eq!(Tid::load(oid::TID, Format::Text, b"(16909060,1286)").unwrap(), t);
        assert_eq!("( 1 , 2 )".parse::<Tid>().unwrap(), Tid { block: 1, offset: 2 });
        for bad in ["", "()", "(1)", "(1,2", "1,2", "(1,65536)", "(-1,2)", "(1,2,3)", "(,2)"] {
            assert!(bad.parse::<Tid>().is_err(), "{bad}");
        }
        assert!(Tid::load(oid::TID, Format::Binary, &[1, 2, 3, 4, 5]).is_err());
    }

    #[test]
    fn lsn() {
        assert_eq!(PgLsn(u64::MAX).to_string(), "FFFFFFFF/FFFFFFFF");
        assert_eq!("ffffffff/ffffffff".parse::<PgLsn>().unwrap(), PgLsn(u64::MAX));
        assert_eq!("0/0".parse::<PgLsn>().unwrap(), PgLsn(0));
        assert_eq!(dumped(&PgLsn(0x16_B374_D848)), 0x16_B374_D848_u64.to_be_bytes());
        for bad in ["", "0", "/0", "0/", "1/2/3", "123456789/0", "g/0", "+1/0", "0/ 1"] {
            assert!(bad.parse::<PgLsn>().is_err(), "{bad}");
        }
        assert!(PgLsn::load(oid::PG_LSN, Format::Binary, &[0; 7]).is_err());
        assert_eq!(PgLsn::load(oid::PG_LSN, Format::Text, b"1/0").unwrap(), PgLsn(1 << 32));
    }

    #[test]
    fn reg_types_load_as_u32_and_text() {
        assert!(u32::accepts(oid::REGCLASS));
        assert_eq!(u32::load(oid::REGTYPE, Format::Binary, &[0, 0, 0, 23]).unwrap(), 23);
        assert_eq!(u32::load(oid::REGROLE, Format::Text, b"10").unwrap(), 10);
        assert!(u32::load(oid::REGCLASS, Format::Text, b"pg_class").is_err());
        assert_eq!(String::load(oid::REGCLASS, Format::Text, b"pg_class").unwrap(), "pg_class");
        assert!(String::load(oid::REGCLASS, Format::Binary, &[0, 0, 4, 0xeb]).is_err());
        assert!(!u32::accepts(oid::XID));
    }

    proptest! {
        #[test]
        fn round_trips(x in any::<u32>(), y in any::<u64>(), o in any::<u16>()) {
            prop_assert_eq!(Xid(x).to_string(), x.to_string());
            prop_assert_eq!(Xid::load(oid::XID, Format::Binary, &dumped(&Xid(x))).unwrap(), Xid(x));
            prop_assert_eq!(Xid8::load(oid::XID8, Format::Binary, &dumped(&Xid8(y))).unwrap(), Xid8(y));
            prop_assert_eq!(Xid8(y).to_string().parse::<Xid8>().unwrap(), Xid8(y));
            let t = Tid { block: x, offset: o };
            prop_assert_eq!(Tid::load(oid::TID, Format::Binary, &dumped(&t)).unwrap(), t);
            prop_assert_eq!(t.to_string().parse::<Tid>().unwrap(), t);
            prop_assert_eq!(PgLsn(y).to_string().parse::<PgLsn>().unwrap(), PgLsn(y));
            prop_assert_eq!(PgLsn::load(oid::PG_LSN, Format::Binary, &dumped(&PgLsn(y))).unwrap(), PgLsn(y));
        }

        #[test]
        fn text_never_panics(s in "\\PC{0,24}") {
            let _ = s.parse::<Tid>();
            let _ = s.parse::<PgLsn>();
            let _ = s.parse::<Xid8>();
        }
    }
}
