//! [`Money`]: PostgreSQL's `money`, in binary format only.

use bytes::{BufMut, BytesMut};

use super::oid;
use super::{Dumper, IsNull, Loader};
use crate::Error;
use crate::protocol::{Format, Oid};

/// A `money` value: a 64-bit count of the currency's smallest unit (cents for the usual
/// two-decimal currencies; the number of fraction digits comes from the server's
/// `lc_monetary`).
///
/// Sent and loaded in binary format (an `int8`). The text form of `money` depends on the
/// server's locale (`$1,234.56`, `1.234,56 €`, ...), so it is not parsed: loading a text-format
/// `money` value (as the simple query protocol returns) is an error; cast it in SQL
/// (`amount::numeric`) to read it as a [`Numeric`](super::Numeric) instead.
///
/// ```
/// use pgtusk::protocol::Format;
/// use pgtusk::types::{oid, Loader, Money};
///
/// let m = Money::load(oid::MONEY, Format::Binary, &12_345_i64.to_be_bytes()).unwrap();
/// assert_eq!(m, Money(12_345)); // $123.45 with two fraction digits
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Money(pub i64);

/// From `money` in binary format only (see [`Money`]).
impl Loader<'_> for Money {
    fn accepts(oid: Oid) -> bool {
        oid == oid::MONEY
    }
    fn load(oid: Oid, format: Format, raw: &[u8]) -> Result<Self, Error> {
        match (oid, format) {
            (oid::MONEY, Format::Binary) => {
                raw.try_into().map(|b| Self(i64::from_be_bytes(b))).map_err(|_| {
                    Error::conversion(format!("binary money must be 8 bytes, got {}", raw.len()))
                })
            }
            (oid::MONEY, Format::Text) => Err(Error::conversion(
                "text-format money is locale-dependent and not read; cast it to numeric",
            )),
            _ => Err(Error::conversion(format!("type OID {oid} is not money"))),
        }
    }
}

/// Sent as `money` in binary.
impl Dumper for Money {
    fn type_oid(&self) -> Oid {
        oid::MONEY
    }
    fn dump(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
        buf.put_i64(self.0);
        Ok(IsNull::No)
    }
    /// A plain decimal with two fraction digits (`-123.45`): what `money` reads with an
    /// `lc_monetary` of two fraction digits and `.` as the decimal point (the C locale and
    /// most others). Locales with other conventions read it differently: send such values in
    /// binary, or as `numeric` cast to `money` in SQL.
    fn dump_text(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        super::dumper::put_display(format_args!("{sign}{}.{:02}", abs / 100, abs % 100), buf);
        Ok(IsNull::No)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        for v in [0, 1, -1, i64::MIN, i64::MAX] {
            let mut buf = BytesMut::new();
            Money(v).dump(&mut buf).unwrap();
            assert_eq!(Money::load(oid::MONEY, Format::Binary, &buf).unwrap(), Money(v));
        }
        assert_eq!(Money(1).type_oid(), oid::MONEY);
        assert!(Money::load(oid::MONEY, Format::Binary, &[0; 7]).is_err());
        assert!(Money::load(oid::MONEY, Format::Text, b"$1.00").is_err());
        assert!(Money::load(oid::INT8, Format::Binary, &[0; 8]).is_err());
    }
}
