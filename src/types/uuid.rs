//! [`Uuid`]: PostgreSQL's `uuid`, as 16 bytes.

use std::fmt;
use std::str::FromStr;

use bytes::{BufMut, BytesMut};

use super::oid;
use super::{Dumper, IsNull, Loader};
use crate::Error;
use crate::protocol::{Format, Oid};

/// A PostgreSQL `uuid`: 16 bytes in network order.
///
/// - [`Display`](fmt::Display) writes the lowercase hyphenated form the server prints
///   (`a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11`).
/// - [`FromStr`] reads what the server reads: hex digits in any case, hyphenated or not,
///   optionally in braces (`{...}`), with a hyphen allowed after any group of four digits.
/// - Loaded from `uuid` in binary (16 bytes) and text; sent as `uuid` in binary.
///
/// ```
/// use pgtusk::types::Uuid;
///
/// let u: Uuid = "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11".parse().unwrap();
/// assert_eq!(u.to_string(), "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
/// assert_eq!(u.as_bytes()[0], 0xa0);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Uuid(pub [u8; 16]);

impl Uuid {
    /// The nil UUID (all zero).
    pub const NIL: Uuid = Uuid([0; 16]);

    /// The UUID with these bytes.
    pub const fn from_bytes(bytes: [u8; 16]) -> Self {
        Self(bytes)
    }

    /// The 16 bytes.
    pub const fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }
}

impl From<[u8; 16]> for Uuid {
    fn from(bytes: [u8; 16]) -> Self {
        Self(bytes)
    }
}

impl From<Uuid> for [u8; 16] {
    fn from(u: Uuid) -> Self {
        u.0
    }
}

impl fmt::Display for Uuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, b) in self.0.iter().enumerate() {
            if matches!(i, 4 | 6 | 8 | 10) {
                f.write_str("-")?;
            }
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

/// The value of one hex digit.
fn hex(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// PostgreSQL's input forms (see [`Uuid`]).
impl FromStr for Uuid {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        let invalid = || {
            let shown: String = s.chars().take(50).collect();
            Error::conversion(format!("invalid uuid text {shown:?}"))
        };
        let t = s.trim();
        let body = match t.strip_prefix('{') {
            Some(rest) => rest.strip_suffix('}').ok_or_else(invalid)?,
            None => t,
        };
        let mut out = [0_u8; 16];
        let mut bytes = body.bytes();
        for (i, slot) in out.iter_mut().enumerate() {
            let mut hi = bytes.next().ok_or_else(invalid)?;
            // A hyphen may follow any group of four hex digits (never the last).
            if hi == b'-' && i % 2 == 0 && i > 0 {
                hi = bytes.next().ok_or_else(invalid)?;
            }
            let lo = bytes.next().ok_or_else(invalid)?;
            *slot = hex(hi).ok_or_else(invalid)? << 4 | hex(lo).ok_or_else(invalid)?;
        }
        if bytes.next().is_some() {
            return Err(invalid());
        }
        Ok(Self(out))
    }
}

/// From `uuid`: 16 bytes in binary, the hyphenated form in text.
impl Loader<'_> for Uuid {
    fn accepts(oid: Oid) -> bool {
        oid == oid::UUID
    }
    fn load(oid: Oid, format: Format, raw: &[u8]) -> Result<Self, Error> {
        if oid != oid::UUID {
            return Err(Error::conversion(format!("type OID {oid} is not accepted")));
        }
        match format {
            Format::Binary => raw.try_into().map(Self).map_err(|_| {
                Error::conversion(format!("binary uuid must be 16 bytes, got {}", raw.len()))
            }),
            Format::Text => std::str::from_utf8(raw)
                .map_err(|e| Error::conversion(format!("invalid UTF-8: {e}")))?
                .parse(),
        }
    }
}

/// Sent as `uuid` in binary.
impl Dumper for Uuid {
    fn type_oid(&self) -> Oid {
        oid::UUID
    }
    fn dump(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
        buf.put_slice(&self.0);
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

    const TEXT: &str = "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11";

    #[test]
    fn forms() {
        let u: Uuid = TEXT.parse().unwrap();
        assert_eq!(u.to_string(), TEXT);
        for other in [
            "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11",
            "{a0eebc99-9c0b4ef8-bb6d6bb9bd380a11}",
            "a0eebc999c0b4ef8bb6d6bb9bd380a11",
            "a0ee-bc99-9c0b-4ef8-bb6d-6bb9-bd38-0a11",
            " a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11 ",
        ] {
            assert_eq!(other.parse::<Uuid>().unwrap(), u, "{other}");
        }
        for bad in [
            "",
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1",
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a111",
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1g",
            "-a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11-",
            "a0eebc99--9c0b-4ef8-bb6d-6bb9bd380a11",
            "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1é",
        ] {
            assert!(bad.parse::<Uuid>().is_err(), "{bad}");
        }
    }

    #[test]
    fn loader_and_dumper() {
        let u: Uuid = TEXT.parse().unwrap();
        let mut buf = BytesMut::new();
        u.dump(&mut buf).unwrap();
        assert_eq!(&buf[..], &u.0);
        assert_eq!(u.type_oid(), oid::UUID);
        assert_eq!(Uuid::load(oid::UUID, Format::Binary, &buf).unwrap(), u);
        assert_eq!(Uuid::load(oid::UUID, Format::Text, TEXT.as_bytes()).unwrap(), u);
        assert!(Uuid::load(oid::UUID, Format::Binary, &buf[..15]).is_err());
        assert!(Uuid::load(oid::TEXT, Format::Text, TEXT.as_bytes()).is_err());
    }

    proptest! {
        #[test]
        fn round_trip(bytes in any::<[u8; 16]>()) {
            let u = Uuid(bytes);
            prop_assert_eq!(u.to_string().parse::<Uuid>().unwrap(), u);
            prop_assert_eq!(u.to_string().to_uppercase().parse::<Uuid>().unwrap(), u);
        }

        #[test]
        fn text_never_panics(s in "\\PC{0,40}") {
            let _ = s.parse::<Uuid>();
        }
    }
}
