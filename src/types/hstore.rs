//! `hstore` (the contrib extension's key/value type) as `HashMap<String, Option<String>>` or
//! `BTreeMap<String, Option<String>>`.
//!
//! `hstore` has no fixed OID (each database gets one when the extension is created), so:
//! - the maps load from **any** type with an OID of 16384 or more (a type created after
//!   `initdb`), in the binary form of `hstore_send` (an `int32` pair count; per pair an `int32`
//!   key length and the key, an `int32` value length, -1 for NULL, and the value) or the text
//!   form `"key"=>"value", "other"=>NULL`;
//! - they are sent in **text** format with an unspecified type (OID 0), so the server takes
//!   `hstore` from the context (`INSERT` into an `hstore` column, `$1::hstore`).

use std::collections::{BTreeMap, HashMap};
use std::hash::BuildHasher;

use bytes::{BufMut, BytesMut};

use super::oid::FIRST_NORMAL_OID;
use super::{Dumper, IsNull, Loader};
use crate::Error;
use crate::protocol::{Format, Oid};

/// A checked cursor over a binary `hstore`.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn i32(&mut self) -> Result<i32, Error> {
        let (head, rest) = self
            .0
            .split_first_chunk::<4>()
            .ok_or_else(|| Error::conversion("binary hstore is truncated"))?;
        self.0 = rest;
        Ok(i32::from_be_bytes(*head))
    }
    /// `len` bytes as UTF-8.
    fn text(&mut self, len: i32) -> Result<&'a str, Error> {
        let len = usize::try_from(len)
            .map_err(|_| Error::conversion(format!("negative length {len} in binary hstore")))?;
        if len > self.0.len() {
            return Err(Error::conversion("binary hstore is truncated"));
        }
        let (text, rest) = self.0.split_at(len);
        self.0 = rest;
        std::str::from_utf8(text).map_err(|e| Error::conversion(format!("invalid UTF-8: {e}")))
    }
}

/// Decodes a binary `hstore`, calling `put` for each pair.
fn decode_binary<'a>(
    raw: &'a [u8],
    mut put: impl FnMut(&'a str, Option<&'a str>),
) -> Result<(), Error> {
    let mut r = Reader(raw);
    let count = r.i32()?;
    if count < 0 {
        return Err(Error::conversion(format!("binary hstore has {count} pairs")));
    }
    // Every pair takes at least 8 bytes, which bounds the loop.
    for _ in 0..count {
        let key_len = r.i32()?;
        let key = r.text(key_len)?;
        let value = match r.i32()? {
            -1 => None,
            len => Some(r.text(len)?),
        };
        put(key, value);
    }
    if !r.0.is_empty() {
        return Err(Error::conversion("trailing bytes after a binary hstore"));
    }
    Ok(())
}

/// Reads one key or value of the text form: quoted with `\` escapes, or bare up to `=`, `,` or
/// a space. Returns the string, whether it was quoted, and the rest.
fn take_item(s: &str) -> Option<(String, bool, &str)> {
    let mut out = String::new();
    if let Some(body) = s.strip_prefix('"') {
        let mut chars = body.char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => out.push(chars.next()?.1),
                '"' => return Some((out, true, body.get(i + 1..)?)),
                c => out.push(c),
            }
        }
        return None;
    }
    let mut chars = s.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => out.push(chars.next()?.1),
            c if c == '=' || c == ',' || c.is_whitespace() => {
                return (!out.is_empty()).then(|| (out, false, s.get(i..).unwrap_or_default()));
            }
            c => out.push(c),
        }
    }
    (!out.is_empty()).then_some((out, false, ""))
}

/// Parses the text form, calling `put` for each pair.
fn parse_text(s: &str, mut put: impl FnMut(String, Option<String>)) -> Result<(), Error> {
    let invalid = || {
        let shown: String = s.chars().take(60).collect();
        Error::conversion(format!("invalid hstore text {shown:?}"))
    };
    let mut rest = s.trim_start();
    while !rest.is_empty() {
        let (key, _, after) = take_item(rest).ok_or_else(invalid)?;
        let after = after.trim_start().strip_prefix("=>").ok_or_else(invalid)?.trim_start();
        let (value, quoted, after) = take_item(after).ok_or_else(invalid)?;
        let value = (quoted || !value.eq_ignore_ascii_case("null")).then_some(value);
        put(key, value);
        rest = after.trim_start();
        if let Some(r) = rest.strip_prefix(',') {
            rest = r.trim_start();
            if rest.is_empty() {
                return Err(invalid());
            }
        } else if !rest.is_empty() {
            return Err(invalid());
        }
    }
    Ok(())
}

/// Writes a string quoted for `hstore` text: in double quotes, `"` and `\` escaped.
fn put_quoted(buf: &mut BytesMut, s: &str) {
    buf.put_u8(b'"');
    for part in s.split_inclusive(['"', '\\']) {
        match part.strip_suffix(['"', '\\']) {
            Some(head) => {
                buf.put_slice(head.as_bytes());
                buf.put_u8(b'\\');
                buf.put_slice(&part.as_bytes()[head.len()..]);
            }
            None => buf.put_slice(part.as_bytes()),
        }
    }
    buf.put_u8(b'"');
}

/// Writes pairs in `hstore` text form (`"k"=>"v", "n"=>NULL`). A NUL character is refused by
/// the server, not here.
fn dump_pairs<'a>(
    pairs: impl Iterator<Item = (&'a String, &'a Option<String>)>,
    buf: &mut BytesMut,
) {
    for (i, (k, v)) in pairs.enumerate() {
        if i > 0 {
            buf.put_slice(b", ");
        }
        put_quoted(buf, k);
        buf.put_slice(b"=>");
        match v {
            Some(v) => put_quoted(buf, v),
            None => buf.put_slice(b"NULL"),
        }
    }
}

/// Loads pairs in either format.
fn load_pairs(
    oid: Oid,
    format: Format,
    raw: &[u8],
    mut put: impl FnMut(String, Option<String>),
) -> Result<(), Error> {
    if oid < FIRST_NORMAL_OID {
        return Err(Error::conversion(format!("type OID {oid} is a built-in type, not hstore")));
    }
    match format {
        Format::Binary => decode_binary(raw, |k, v| put(k.to_owned(), v.map(str::to_owned))),
        Format::Text => parse_text(
            std::str::from_utf8(raw)
                .map_err(|e| Error::conversion(format!("invalid UTF-8: {e}")))?,
            put,
        ),
    }
}

/// From `hstore` (any type OID of 16384 or more), binary or text. A key that occurs twice
/// keeps its last value (the server never sends duplicates).
///
/// ```
/// use std::collections::HashMap;
/// use pgtusk::protocol::Format;
/// use pgtusk::types::Loader;
///
/// let m = HashMap::<String, Option<String>>::load(16_500, Format::Text, br#""a"=>"1", "b"=>NULL"#)
///     .unwrap();
/// assert_eq!(m["a"].as_deref(), Some("1"));
/// assert_eq!(m["b"], None);
/// ```
impl<S: BuildHasher + Default> Loader<'_> for HashMap<String, Option<String>, S> {
    fn accepts(oid: Oid) -> bool {
        oid >= FIRST_NORMAL_OID
    }
    fn load(oid: Oid, format: Format, raw: &[u8]) -> Result<Self, Error> {
        let mut map = Self::default();
        load_pairs(oid, format, raw, |k, v| {
            map.insert(k, v);
        })?;
        Ok(map)
    }
}

/// From `hstore` (any type OID of 16384 or more), binary or text, sorted by key.
impl Loader<'_> for BTreeMap<String, Option<String>> {
    fn accepts(oid: Oid) -> bool {
        oid >= FIRST_NORMAL_OID
    }
    fn load(oid: Oid, format: Format, raw: &[u8]) -> Result<Self, Error> {
        let mut map = Self::new();
        load_pairs(oid, format, raw, |k, v| {
            map.insert(k, v);
        })?;
        Ok(map)
    }
}

/// Sent as `hstore` text (`"k"=>"v", "n"=>NULL`) with an unspecified type: the server takes
/// `hstore` from the context (a column, or `$1::hstore`).
///
/// ```
/// use std::collections::HashMap;
/// use bytes::BytesMut;
/// use pgtusk::types::Dumper;
///
/// let m = HashMap::from([("k\"1".to_owned(), None::<String>)]);
/// let mut buf = BytesMut::new();
/// m.dump(&mut buf).unwrap();
/// assert_eq!(&buf[..], br#""k\"1"=>NULL"#);
/// assert_eq!(m.type_oid(), 0);
/// ```
impl<S: BuildHasher + Send + Sync> Dumper for HashMap<String, Option<String>, S> {
    fn type_oid(&self) -> Oid {
        0
    }
    fn format(&self) -> Format {
        Format::Text
    }
    fn dump(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
        dump_pairs(self.iter(), buf);
        Ok(IsNull::No)
    }
}

/// Sent as `hstore` text with an unspecified type, like the `HashMap`.
impl Dumper for BTreeMap<String, Option<String>> {
    fn type_oid(&self) -> Oid {
        0
    }
    fn format(&self) -> Format {
        Format::Text
    }
    fn dump(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
        dump_pairs(self.iter(), buf);
        Ok(IsNull::No)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    type Map = BTreeMap<String, Option<String>>;
    const OID: Oid = 16_385;

    fn map(pairs: &[(&str, Option<&str>)]) -> Map {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), v.map(str::to_owned))).collect()
    }

    fn text(m: &Map) -> String {
        let mut buf = BytesMut::new();
        m.dump(&mut buf).unwrap();
        String::from_utf8(buf.to_vec()).unwrap()
    }

    #[test]
    fn text_forms() {
        let m = map(&[("a", Some("1")), ("b c", None), ("q\"\\", Some("")), ("n", Some("NULL"))]);
        let t = text(&m);
        assert_eq!(t, r#""a"=>"1", "b c"=>NULL, "n"=>"NULL", "q\"\\"=>"""#);
        assert_eq!(Map::load(OID, Format::Text, t.as_bytes()).unwrap(), m);
        assert_eq!(
            Map::load(OID, Format::Text, b"a=>1 , b => null,c=>\"x\"").unwrap(),
            map(&[("a", Some("1")), ("b", None), ("c", Some("x"))])
        );
        assert_eq!(Map::load(OID, Format::Text, b"").unwrap(), Map::new());
        for bad in [&b"a"[..], b"a=>", b"a=>1,", b"\"a=>1", b"a=>1 b=>2", b"=>1"] {
            assert!(Map::load(OID, Format::Text, bad).is_err(), "{bad:?}");
        }
        assert!(Map::load(25, Format::Text, b"").is_err());
        assert!(!Map::accepts(25) && Map::accepts(OID));
    }

    #[test]
    fn binary_form() {
        let raw = [
            0, 0, 0, 2, 0, 0, 0, 1, b'a', 0, 0, 0, 1, b'1', 0, 0, 0, 1, b'b', 0xff, 0xff, 0xff,
            0xff,
        ];
        let m = HashMap::<String, Option<String>>::load(OID, Format::Binary, &raw).unwrap();
        assert_eq!(m.len(), 2);
        assert_eq!(m["a"].as_deref(), Some("1"));
        assert_eq!(m["b"], None);
        assert!(Map::load(OID, Format::Binary, &raw[..raw.len() - 1]).is_err());
        assert!(Map::load(OID, Format::Binary, &[0x7f, 0xff, 0xff, 0xff]).is_err());
        assert!(Map::load(OID, Format::Binary, &[0, 0, 0, 1, 0xff, 0xff, 0xff, 0xfe]).is_err());
        assert!(Map::load(OID, Format::Binary, &[0, 0, 0, 0, 0]).is_err());
    }

    proptest! {
        #[test]
        fn text_round_trip(m in proptest::collection::btree_map("[a-z\"\\\\= ,>é]{0,6}", proptest::option::of("[a-zN\"\\\\= ,>]{0,6}"), 0..6)) {
            prop_assert_eq!(Map::load(OID, Format::Text, text(&m).as_bytes()).unwrap(), m);
        }

        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..40)) {
            let _ = Map::load(OID, Format::Binary, &bytes);
            let _ = Map::load(OID, Format::Text, &bytes);
        }
    }
}
