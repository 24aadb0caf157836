//! [`Xml`] and [`JsonPath`]: documents held as their text, typed so that the server receives
//! `xml` or `jsonpath` rather than a string of unspecified type.
//!
//! Binary `xml` is the document's text in the client encoding (always UTF-8 here); binary
//! `jsonpath` is a version byte (1) followed by the text. Plain `&str` and `String` load from
//! both types too; the wrappers are mostly for sending.

use bytes::{BufMut, BytesMut};

use super::oid;
use super::{Dumper, IsNull, Loader};
use crate::Error;
use crate::protocol::{Format, Oid};

/// An XML document or content fragment sent as `xml`, held as its text (`&str`, `String`,
/// ...).
///
/// Sent in binary (the text itself). The server parses it (and refuses malformed XML with
/// SQLSTATE 2200M); a binary `xml` value that starts with an XML declaration naming an
/// encoding is read in that encoding, so send such documents as UTF-8 or without the
/// declaration. Loads from `xml` in both formats into any string type the inner type loads as.
///
/// ```
/// use bytes::BytesMut;
/// use pgtusk::types::{oid, Dumper, Xml};
///
/// let doc = Xml("<a>é</a>");
/// let mut buf = BytesMut::new();
/// doc.dump(&mut buf).unwrap();
/// assert_eq!(doc.type_oid(), oid::XML);
/// assert_eq!(&buf[..], "<a>é</a>".as_bytes());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Xml<T>(pub T);

/// An SQL/JSON path expression sent as `jsonpath`, held as its text.
///
/// Sent in binary (the version byte 1, then the text); the server parses it and refuses
/// invalid paths (SQLSTATE 42601). Loads from `jsonpath` in both formats into any string type
/// the inner type loads as; the text is the server's normalized form (`$."a"[*]?(@ > 1)`).
///
/// ```
/// use pgtusk::types::{oid, Dumper, JsonPath};
///
/// let path = JsonPath("$.a[*] ? (@ > 1)");
/// assert_eq!(path.type_oid(), oid::JSONPATH);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct JsonPath<T>(pub T);

/// Sent as `xml` in binary (the UTF-8 text).
impl<T: AsRef<str> + Send + Sync> Dumper for Xml<T> {
    fn type_oid(&self) -> Oid {
        oid::XML
    }
    fn dump(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
        buf.put_slice(self.0.as_ref().as_bytes());
        Ok(IsNull::No)
    }
    fn dump_text(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
        buf.put_slice(self.0.as_ref().as_bytes());
        Ok(IsNull::No)
    }
}

/// Sent as `jsonpath` in binary (version byte 1, then the text).
impl<T: AsRef<str> + Send + Sync> Dumper for JsonPath<T> {
    fn type_oid(&self) -> Oid {
        oid::JSONPATH
    }
    fn dump(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
        buf.put_u8(1);
        buf.put_slice(self.0.as_ref().as_bytes());
        Ok(IsNull::No)
    }
    fn dump_text(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
        buf.put_slice(self.0.as_ref().as_bytes());
        Ok(IsNull::No)
    }
}

/// From `xml`, in either format, through the inner string loader.
impl<'a, T: Loader<'a>> Loader<'a> for Xml<T> {
    fn accepts(oid: Oid) -> bool {
        oid == oid::XML && T::accepts(oid)
    }
    fn load(oid: Oid, format: Format, raw: &'a [u8]) -> Result<Self, Error> {
        if oid != oid::XML {
            return Err(Error::conversion(format!("type OID {oid} is not xml")));
        }
        T::load(oid, format, raw).map(Self)
    }
}

/// From `jsonpath`, in either format, through the inner string loader.
impl<'a, T: Loader<'a>> Loader<'a> for JsonPath<T> {
    fn accepts(oid: Oid) -> bool {
        oid == oid::JSONPATH && T::accepts(oid)
    }
    fn load(oid: Oid, format: Format, raw: &'a [u8]) -> Result<Self, Error> {
        if oid != oid::JSONPATH {
            return Err(Error::conversion(format!("type OID {oid} is not jsonpath")));
        }
        T::load(oid, format, raw).map(Self)
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
    fn forms() {
        assert_eq!(dumped(&Xml("<a/>")), b"<a/>");
        assert_eq!(Xml("<a/>").format(), Format::Binary);
        assert_eq!(dumped(&JsonPath(String::from("$.a"))), b"\x01$.a");
        let x = Xml::<&str>::load(oid::XML, Format::Binary, b"<a>1</a>").unwrap();
        assert_eq!(x.0, "<a>1</a>");
        assert!(Xml::<&str>::load(oid::TEXT, Format::Binary, b"<a/>").is_err());
        assert!(Xml::<&str>::load(oid::XML, Format::Binary, b"\xff").is_err());
        let p = JsonPath::<String>::load(oid::JSONPATH, Format::Binary, b"\x01$.\"a\"").unwrap();
        assert_eq!(p.0, "$.\"a\"");
        let p = JsonPath::<&str>::load(oid::JSONPATH, Format::Text, b"$.\"a\"").unwrap();
        assert_eq!(p.0, "$.\"a\"");
        assert!(JsonPath::<&str>::load(oid::JSONPATH, Format::Binary, b"\x02$").is_err());
        assert!(JsonPath::<&str>::load(oid::JSONPATH, Format::Binary, b"").is_err());
        assert!(String::accepts(oid::XML) && String::accepts(oid::JSONPATH));
        assert!(!JsonPath::<&str>::accepts(oid::JSONB));
    }
}
