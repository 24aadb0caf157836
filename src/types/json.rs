//! [`Json`] and [`Jsonb`]: JSON documents sent and loaded as their raw text, typed so that the
//! server receives `json` or `jsonb` rather than a string of unspecified type.

use bytes::{BufMut, BytesMut};

use super::oid;
use super::{Dumper, IsNull, Loader};
use crate::Error;
use crate::protocol::{Format, Oid};

/// A JSON document sent as `jsonb`, held as its text (`&str`, `String`, `Box<str>`, ...).
///
/// Sent in binary: the version byte 1 followed by the text. The text is not checked here: the
/// server parses it and rejects invalid JSON (SQLSTATE 22P02).
///
/// Loads from `json` and `jsonb` columns in both formats into any string type the inner type
/// loads as (`Jsonb<&str>` borrows from the row). Plain `&str` and `String` load from those
/// columns too; the wrapper is mostly for sending.
///
/// ```
/// use bytes::BytesMut;
/// use pgtusk::types::{oid, Dumper, Jsonb};
///
/// let doc = Jsonb(r#"{"a": [1, 2]}"#);
/// let mut buf = BytesMut::new();
/// doc.dump(&mut buf).unwrap();
/// assert_eq!(doc.type_oid(), oid::JSONB);
/// assert_eq!(&buf[..], b"\x01{\"a\": [1, 2]}");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Jsonb<T>(pub T);

/// A JSON document sent as `json`, held as its text (`&str`, `String`, `Box<str>`, ...).
///
/// Sent in text format (the document itself). `json` keeps the text exactly as sent (key
/// order, duplicates, whitespace), unlike `jsonb`. The text is not checked here: the server
/// rejects invalid JSON.
///
/// Loads from `json` and `jsonb` columns like [`Jsonb`].
///
/// ```
/// use pgtusk::types::{oid, Dumper, Json};
///
/// let doc = Json(String::from("[1, 2]"));
/// assert_eq!(doc.type_oid(), oid::JSON);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Json<T>(pub T);

/// Whether `oid` is `json` or `jsonb`.
fn is_json(oid: Oid) -> bool {
    matches!(oid, oid::JSON | oid::JSONB)
}

/// Loads the inner string from a `json` or `jsonb` column.
fn load_json<'a, T: Loader<'a>>(oid: Oid, format: Format, raw: &'a [u8]) -> Result<T, Error> {
    if !is_json(oid) {
        return Err(Error::conversion(format!("type OID {oid} is not json or jsonb")));
    }
    T::load(oid, format, raw)
}

/// Sent as `jsonb` in binary (version byte 1, then the text).
impl<T: AsRef<str> + Send + Sync> Dumper for Jsonb<T> {
    fn type_oid(&self) -> Oid {
        oid::JSONB
    }
    fn dump(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
        buf.put_u8(1);
        buf.put_slice(self.0.as_ref().as_bytes());
        Ok(IsNull::No)
    }
    /// The document's text.
    fn dump_text(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
        buf.put_slice(self.0.as_ref().as_bytes());
        Ok(IsNull::No)
    }
}

/// Sent as `json` in text format.
impl<T: AsRef<str> + Send + Sync> Dumper for Json<T> {
    fn type_oid(&self) -> Oid {
        oid::JSON
    }
    fn format(&self) -> Format {
        Format::Text
    }
    fn dump(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
        buf.put_slice(self.0.as_ref().as_bytes());
        Ok(IsNull::No)
    }
}

/// From `json` or `jsonb`, in either format, through the inner string loader.
impl<'a, T: Loader<'a>> Loader<'a> for Jsonb<T> {
    fn accepts(oid: Oid) -> bool {
        is_json(oid) && T::accepts(oid)
    }
    fn load(oid: Oid, format: Format, raw: &'a [u8]) -> Result<Self, Error> {
        load_json(oid, format, raw).map(Self)
    }
}

/// From `json` or `jsonb`, in either format, through the inner string loader.
impl<'a, T: Loader<'a>> Loader<'a> for Json<T> {
    fn accepts(oid: Oid) -> bool {
        is_json(oid) && T::accepts(oid)
    }
    fn load(oid: Oid, format: Format, raw: &'a [u8]) -> Result<Self, Error> {
        load_json(oid, format, raw).map(Self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dumped(d: &dyn Dumper) -> Vec<u8> {
        let mut buf = BytesMut::new();
        assert_eq!(d.dump(&mut buf).unwrap(), IsNull::No);
        buf.to_vec()
    }

    #[test]
    fn dump_forms() {
        assert_eq!(dumped(&Jsonb("{}")), b"\x01{}");
        assert_eq!(dumped(&Jsonb(String::from("[]"))), b"\x01[]");
        assert_eq!(Jsonb("1").format(), Format::Binary);
        assert_eq!(dumped(&Json("{}")), b"{}");
        assert_eq!(Json("1").format(), Format::Text);
        assert_eq!(Json("1").type_oid(), oid::JSON);
    }

    #[test]
    fn load_forms() {
        let v = Jsonb::<&str>::load(oid::JSONB, Format::Binary, b"\x01{\"a\": 1}").unwrap();
        assert_eq!(v, Jsonb("{\"a\": 1}"));
        let v = Json::<String>::load(oid::JSON, Format::Binary, b"[1]").unwrap();
        assert_eq!(v.0, "[1]");
        let v = Jsonb::<String>::load(oid::JSONB, Format::Text, b"{}").unwrap();
        assert_eq!(v.0, "{}");
        assert!(Jsonb::<&str>::load(oid::JSONB, Format::Binary, b"\x02{}").is_err());
        assert!(Jsonb::<&str>::load(oid::JSONB, Format::Binary, b"").is_err());
        assert!(Jsonb::<&str>::load(oid::TEXT, Format::Text, b"{}").is_err());
        assert!(!Jsonb::<&str>::accepts(oid::TEXT));
        assert!(Json::<String>::accepts(oid::JSONB));
    }
}
