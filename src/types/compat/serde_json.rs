//! serde_json: `serde_json::Value` ↔ `json` / `jsonb`, and [`SerdeJson<T>`] for any
//! `Serialize` / `Deserialize` type.
//!
//! # Why a separate wrapper
//!
//! [`Json<T>`](crate::types::Json) and [`Jsonb<T>`](crate::types::Jsonb) hold a document's
//! raw text (`T: AsRef<str>` to send, any string loader to read), and stay that way whatever
//! the features: a feature must only add, never change what compiles. They cannot also be
//! serde-based for other `T`, because coherence forbids the overlap: `String` is both
//! `AsRef<str>` and `Serialize`, and Rust has no negative bounds to say "every `T` that is not a
//! string". So the serde-backed wrapper is its own type, `SerdeJson<T>`; `serde_json::Value`
//! needs none.
//!
//! # Numbers
//!
//! serde_json reads a JSON number into `u64`, `i64` or `f64`; one beyond those is rounded to
//! the nearest `f64` (or, past `f64`'s range, is an error) unless the application enables
//! serde_json's `arbitrary_precision` feature. PostgreSQL's `jsonb` keeps numbers as exact
//! `numeric` values, so a document written by another client may hold numbers that a `Value`
//! cannot hold exactly; load it as text ([`Jsonb<String>`](crate::types::Jsonb)) to keep them.

use bytes::{BufMut, BytesMut};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::Error;
use crate::protocol::{Format, Oid};
use crate::types::loader::type_label;
use crate::types::{Dumper, IsNull, Loader, oid};

/// A value sent and loaded as JSON through serde: sent as `jsonb`, loaded from `json` or
/// `jsonb` (in either format).
///
/// Serialization errors (a map with non-string keys, a float that is NaN) are
/// [`ErrorKind::Conversion`](crate::ErrorKind::Conversion) errors before anything is sent; a
/// document that does not deserialize into `T` is one on load. `T` may borrow from the row
/// (`SerdeJson<MyStruct<'a>>` with `&'a str` fields) where the JSON text needs no unescaping.
///
/// Available with the `serde_json` feature. For the raw text, use [`Json`](crate::types::Json)
/// and [`Jsonb`](crate::types::Jsonb); for an untyped document, `serde_json::Value`.
///
/// ```
/// use bytes::BytesMut;
/// use pgtusk::protocol::Format;
/// use pgtusk::types::{oid, Dumper, Loader, SerdeJson};
///
/// #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
/// struct Point {
///     x: i32,
///     y: i32,
/// }
///
/// let mut buf = BytesMut::new();
/// SerdeJson(Point { x: 1, y: -2 }).dump(&mut buf)?;
/// assert_eq!(&buf[..], b"\x01{\"x\":1,\"y\":-2}"); // jsonb's binary form: version 1, text
///
/// let SerdeJson(p) = SerdeJson::<Point>::load(oid::JSONB, Format::Text, br#"{"y": 5, "x": 4}"#)?;
/// assert_eq!(p, Point { x: 4, y: 5 });
/// # Ok::<(), pgtusk::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct SerdeJson<T>(pub T);

/// The JSON text of a `json` or `jsonb` value (binary `jsonb` starts with its version byte).
fn json_text(oid: Oid, format: Format, raw: &[u8]) -> Result<&str, Error> {
    if !matches!(oid, oid::JSON | oid::JSONB) {
        return Err(Error::conversion(format!("{} is not json or jsonb", type_label(oid))));
    }
    <&str>::load(oid, format, raw)
}

/// Writes `value` as binary `jsonb`: the version byte 1, then the JSON text.
fn write_jsonb<T: Serialize + ?Sized>(value: &T, buf: &mut BytesMut) -> Result<IsNull, Error> {
    buf.put_u8(1);
    write_json(value, buf)
}

/// Writes `value` as JSON text (`json`'s form, and the text form of both types).
fn write_json<T: Serialize + ?Sized>(value: &T, buf: &mut BytesMut) -> Result<IsNull, Error> {
    serde_json::to_writer(buf.writer(), value)
        .map_err(|e| Error::conversion(format!("cannot serialize to JSON: {e}")))?;
    Ok(IsNull::No)
}

/// Deserializes a JSON text.
fn parse<'a, T: Deserialize<'a>>(text: &'a str) -> Result<T, Error> {
    serde_json::from_str(text)
        .map_err(|e| Error::conversion(format!("invalid JSON for the Rust type: {e}")))
}

/// Sent as `jsonb` in binary (version byte 1, then `serde_json`'s compact text).
impl<T: Serialize + Send + Sync> Dumper for SerdeJson<T> {
    fn type_oid(&self) -> Oid {
        oid::JSONB
    }
    fn dump(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
        write_jsonb(&self.0, buf)
    }
    fn dump_text(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
        write_json(&self.0, buf)
    }
}

/// From `json` or `jsonb`, in either format, deserialized with serde_json.
impl<'a, T: Deserialize<'a>> Loader<'a> for SerdeJson<T> {
    fn accepts(oid: Oid) -> bool {
        matches!(oid, oid::JSON | oid::JSONB)
    }
    fn load(oid: Oid, format: Format, raw: &'a [u8]) -> Result<Self, Error> {
        parse(json_text(oid, format, raw)?).map(SerdeJson)
    }
}

/// Sent as `jsonb` in binary.
impl Dumper for Value {
    fn type_oid(&self) -> Oid {
        oid::JSONB
    }
    fn dump(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
        write_jsonb(self, buf)
    }
    fn dump_text(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
        write_json(self, buf)
    }
}

/// From `json` or `jsonb`, in either format. A JSON `null` document is `Value::Null`; SQL
/// NULL loads only into `Option<Value>`.
impl Loader<'_> for Value {
    fn accepts(oid: Oid) -> bool {
        matches!(oid, oid::JSON | oid::JSONB)
    }
    fn load(oid: Oid, format: Format, raw: &[u8]) -> Result<Self, Error> {
        parse(json_text(oid, format, raw)?)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;
    use serde_json::json;

    use super::*;

    fn dumped(v: &dyn Dumper) -> Vec<u8> {
        let mut buf = BytesMut::new();
        assert_eq!(v.dump(&mut buf).unwrap(), IsNull::No);
        buf.to_vec()
    }

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Borrowing<'a> {
        name: &'a str,
        tags: Vec<String>,
    }

    #[test]
    fn values() {
        let v = json!({"a": [1, 2.5, null, true], "é": "ünïcode ✓", "n": u64::MAX, "m": i64::MIN});
        let bytes = dumped(&v);
        assert_eq!(bytes[0], 1);
        assert_eq!(v.type_oid(), oid::JSONB);
        assert_eq!(Value::load(oid::JSONB, Format::Binary, &bytes).unwrap(), v);
        assert_eq!(Value::load(oid::JSON, Format::Binary, &bytes[1..]).unwrap(), v);
        assert_eq!(Value::load(oid::JSONB, Format::Text, &bytes[1..]).unwrap(), v);
        assert_eq!(Value::load(oid::JSON, Format::Text, b"null").unwrap(), Value::Null);
        assert!(Value::load(oid::JSONB, Format::Binary, b"\x02{}").is_err());
        assert!(Value::load(oid::JSON, Format::Text, b"{").is_err());
        assert!(Value::load(oid::TEXT, Format::Text, b"{}").is_err());
        assert!(Value::accepts(oid::JSON) && !Value::accepts(oid::TEXT));
        // serde_json's default: a number beyond u64/i64 becomes the nearest f64.
        let big = Value::load(oid::JSONB, Format::Text, b"123456789012345678901234567890").unwrap();
        assert_eq!(big.as_f64(), Some(1.2345678901234568e29));
        assert!(Value::load(oid::JSONB, Format::Text, b"1e400").is_err());
    }

    #[test]
    fn typed() {
        let doc = br#"{"name": "ann", "tags": ["a\"b", "c"]}"#;
        let SerdeJson(b) = SerdeJson::<Borrowing>::load(oid::JSON, Format::Text, doc).unwrap();
        assert_eq!(b, Borrowing { name: "ann", tags: vec!["a\"b".into(), "c".into()] });
        assert_eq!(dumped(&SerdeJson(&b)), b"\x01{\"name\":\"ann\",\"tags\":[\"a\\\"b\",\"c\"]}");
        // A string that needs unescaping cannot be borrowed.
        let escaped = br#"{"name": "a\nb", "tags": []}"#;
        assert!(SerdeJson::<Borrowing>::load(oid::JSON, Format::Text, escaped).is_err());
        assert!(
            SerdeJson::<Vec<i32>>::load(oid::JSONB, Format::Binary, b"\x01[1, \"x\"]").is_err()
        );
        // Serialization errors surface before anything is sent.
        let bad: BTreeMap<Vec<u8>, i32> = [(vec![1], 1)].into();
        let mut buf = BytesMut::new();
        assert!(SerdeJson(bad).dump(&mut buf).is_err());
        assert_eq!(SerdeJson(f64::NAN).dump(&mut BytesMut::new()).unwrap(), IsNull::No);
        assert!(
            SerdeJson::<String>::accepts(oid::JSONB) && !SerdeJson::<String>::accepts(oid::TEXT)
        );
    }

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
            ".*".prop_map(Value::from),
        ];
        leaf.prop_recursive(4, 64, 8, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..8).prop_map(Value::from),
                proptest::collection::btree_map(".*", inner, 0..8)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn value_round_trip(v in json_value()) {
            let bytes = dumped(&v);
            prop_assert_eq!(Value::load(oid::JSONB, Format::Binary, &bytes).unwrap(), v.clone());
            let SerdeJson(back) = SerdeJson::<Value>::load(oid::JSON, Format::Text, &bytes[1..]).unwrap();
            prop_assert_eq!(back, v);
        }
    }
}
