//! Records: the wire forms of composite values (a column of a composite type, or an anonymous
//! `ROW(1, 'a')`), read field by field with [`RecordReader`] and written in text with
//! [`RecordWriter`].
//!
//! These are the runtime pieces behind `#[derive(Loader, Dumper)]` on structs; they are public
//! so that hand-written adapters can use them too. Tuples of up to 12 types load from records
//! through them (`let (id, name): (i32, String) = row.get(0)` for `SELECT ROW(1, 'a')`).
//!
//! Forms, as PostgreSQL's `record_send`/`record_recv` and `record_out`/`record_in` define
//! them:
//! - binary: an `int32` field count, then per field its type OID (`uint32`), an `int32` length
//!   (-1 for NULL) and that many bytes in the field type's binary form;
//! - text: `(1,"a b",,"x""y")`: fields separated by commas inside parentheses; nothing
//!   between two commas is NULL; a field is quoted when it is empty or holds a quote, a
//!   backslash, a parenthesis, a comma or white space; inside a field `""` (within quotes) and
//!   `\c` (anywhere) stand for the character itself.
//!
//! A text record does not carry its fields' types, so a text field is loaded with the first
//! type OID the field's loader accepts from a fixed list of built-in types (`text`, the
//! integers, the floats, `numeric`, `bool`, `bytea`, `uuid`, the date and time types, `jsonb`,
//! ...), then `record`, then a user-defined type: every loader of this crate reads the same
//! text whatever the exact OID in its family. A binary field whose type is user-defined (a
//! domain, say) but not accepted by the field's loader is read as that same preferred type,
//! since a domain's binary form is its base type's.
//!
//! Nothing here panics on any input, and allocation is bounded by the input's length.
//!
//! ```
//! use bytes::BytesMut;
//! use pgtusk::protocol::Format;
//! use pgtusk::types::record::{RecordReader, RecordWriter};
//!
//! let mut buf = BytesMut::new();
//! let mut w = RecordWriter::new(&mut buf);
//! w.field(&7_i32)?;
//! w.field("a, b")?;
//! w.field(&None::<i64>)?;
//! w.finish();
//! assert_eq!(&buf[..], b"(7,\"a, b\",)");
//!
//! let mut r = RecordReader::new(Format::Text, &buf)?;
//! let id: i64 = r.field("id")?;
//! let name: String = r.field("name")?;
//! let note: Option<i64> = r.field("note")?;
//! r.finish()?;
//! assert_eq!((id, name.as_str(), note), (7, "a, b", None));
//! # Ok::<(), pgtusk::Error>(())
//! ```

use std::borrow::Cow;

use bytes::{BufMut, BytesMut};

use super::loader::type_label;
use super::oid;
use super::row::short_type_name;
use super::scan::is_space;
use super::{Dumper, IsNull, Loader};
use crate::Error;
use crate::protocol::{Format, Oid};

pub use super::oid::FIRST_NORMAL_OID;

/// The type OIDs a text field is tried with, in order (see the module documentation).
const TEXT_FIELD_OIDS: &[Oid] = &[
    oid::TEXT,
    oid::INT8,
    oid::INT4,
    oid::INT2,
    oid::FLOAT8,
    oid::FLOAT4,
    oid::NUMERIC,
    oid::BOOL,
    oid::BYTEA,
    oid::UUID,
    oid::TIMESTAMPTZ,
    oid::TIMESTAMP,
    oid::DATE,
    oid::TIME,
    oid::TIMETZ,
    oid::INTERVAL,
    oid::JSONB,
    oid::JSON,
    oid::INET,
    oid::CIDR,
    oid::MACADDR,
    oid::MACADDR8,
    oid::VARBIT,
    oid::BIT,
    oid::MONEY,
    oid::OID,
    oid::VARCHAR,
    oid::BPCHAR,
    oid::NAME,
    oid::CHAR,
    oid::RECORD,
    FIRST_NORMAL_OID,
];

/// The OID a field of `T` is loaded with when its own OID is not known or not accepted.
fn preferred_oid<'b, T: Loader<'b>>() -> Option<Oid> {
    TEXT_FIELD_OIDS.iter().copied().find(|&o| T::accepts(o))
}

/// Whether `oid` is a record: `record` itself or a user-defined (composite) type.
pub fn is_record_type(oid: Oid) -> bool {
    oid == oid::RECORD || oid >= FIRST_NORMAL_OID
}

/// Reads the fields of one record value in order; see the [module documentation](self).
#[derive(Debug)]
pub struct RecordReader<'a> {
    form: Form<'a>,
    /// How many fields have been read.
    read: usize,
}

/// What is left of the record.
#[derive(Debug)]
enum Form<'a> {
    /// After the count: `count` fields in total.
    Binary { rest: &'a [u8], count: usize },
    /// After the opening parenthesis.
    Text { rest: &'a [u8] },
}

/// One field as it was read ([`RecordReader::next_field`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawField<'a> {
    /// The field's type OID (binary records only).
    pub oid: Option<Oid>,
    /// The field's bytes, unescaped for text records; `None` for NULL.
    pub value: Option<Cow<'a, [u8]>>,
}

impl<'a> RecordReader<'a> {
    /// A reader over a record value in `format`. Fails when a binary record is shorter than
    /// its count or the count is negative, or a text record does not start with `(`.
    pub fn new(format: Format, raw: &'a [u8]) -> Result<Self, Error> {
        let form = match format {
            Format::Binary => {
                let Some((count, rest)) = raw.split_first_chunk::<4>() else {
                    return Err(Error::conversion("binary record shorter than its field count"));
                };
                let count = usize::try_from(i32::from_be_bytes(*count))
                    .map_err(|_| Error::conversion("negative record field count"))?;
                Form::Binary { rest, count }
            }
            Format::Text => {
                let start = raw.iter().position(|b| !is_space(*b)).unwrap_or(raw.len());
                match raw.get(start..) {
                    Some([b'(', rest @ ..]) => Form::Text { rest },
                    _ => return Err(Error::conversion("record text does not start with '('")),
                }
            }
        };
        Ok(Self { form, read: 0 })
    }

    /// The number of fields of a binary record (a text record does not say).
    pub fn field_count(&self) -> Option<usize> {
        match self.form {
            Form::Binary { count, .. } => Some(count),
            Form::Text { .. } => None,
        }
    }

    /// Checks that a binary record has exactly `expected` fields; `rust_type` names the type
    /// being loaded, for the error. (A text record is checked as it is read and by
    /// [`finish`](Self::finish).)
    pub fn expect_fields(&self, expected: usize, rust_type: &str) -> Result<(), Error> {
        match self.field_count() {
            Some(count) if count != expected => Err(Error::conversion(format!(
                "a record of {count} fields cannot be loaded into {} ({expected} fields)",
                short_type_name(rust_type)
            ))),
            _ => Ok(()),
        }
    }

    /// Loads the next field into `T`; `name` names the field in errors.
    ///
    /// A binary field is loaded with its own type OID (which `T` must accept, unless it is a
    /// user-defined type: see the [module documentation](self)); a text field with the first
    /// OID `T` accepts. NULL goes through [`Loader::load_null`], so it loads only into
    /// `Option`.
    pub fn field<T: for<'b> Loader<'b>>(&mut self, name: &str) -> Result<T, Error> {
        let context = || {
            format!(
                "cannot load field {name:?} into {}",
                short_type_name(std::any::type_name::<T>())
            )
        };
        let (format, raw) = self.next_raw().map_err(|e| e.conversion_context(context()))?;
        load_field::<T>(format, raw).map_err(|e| e.conversion_context(context()))
    }

    /// The next field as it arrived: its type OID (binary records only) and its bytes
    /// (`None` for NULL), unescaped for text records. For readers that decide each field's
    /// type themselves, such as [`Value`](super::Value).
    pub fn next_field(&mut self) -> Result<RawField<'a>, Error> {
        self.next_raw().map(|(_, raw)| raw)
    }

    /// True when every field was read (a binary record's count reached, or a text record at
    /// its `)`; `()` reads as a record without fields).
    pub fn at_end(&self) -> bool {
        match &self.form {
            Form::Binary { count, .. } => self.read >= *count,
            Form::Text { rest } => rest.first() == Some(&b')'),
        }
    }

    /// Checks that every field was read: a record with more fields than were read is an error.
    pub fn finish(self) -> Result<(), Error> {
        let too_many =
            || Error::conversion(format!("the record has more than {} fields", self.read));
        match self.form {
            Form::Binary { rest, count } => {
                if count > self.read {
                    return Err(too_many());
                }
                if !rest.is_empty() {
                    return Err(Error::conversion("junk after the last field of a binary record"));
                }
                Ok(())
            }
            Form::Text { rest } => match rest {
                [b')', tail @ ..] if tail.iter().all(|b| is_space(*b)) => Ok(()),
                [b')', ..] => Err(Error::conversion("junk after the record's ')'")),
                [] => Err(Error::conversion("record text ends without ')'")),
                _ => Err(too_many()),
            },
        }
    }

    /// Reads the next field's raw form.
    fn next_raw(&mut self) -> Result<(Format, RawField<'a>), Error> {
        let first = self.read == 0;
        self.read = self.read.saturating_add(1);
        match &mut self.form {
            Form::Binary { rest, count } => {
                if self.read > *count {
                    return Err(Error::conversion(format!("the record has only {count} fields")));
                }
                binary_field(rest).map(|f| (Format::Binary, f))
            }
            Form::Text { rest } => {
                if !first {
                    match rest {
                        [b',', tail @ ..] => *rest = tail,
                        _ => {
                            return Err(Error::conversion(format!(
                                "the record has only {} fields",
                                self.read - 1
                            )));
                        }
                    }
                }
                text_field(rest).map(|value| (Format::Text, RawField { oid: None, value }))
            }
        }
    }
}

/// Reads one binary field (OID, length, bytes) from `rest` and advances it.
fn binary_field<'a>(rest: &mut &'a [u8]) -> Result<RawField<'a>, Error> {
    let Some((head, tail)) = rest.split_first_chunk::<8>() else {
        return Err(Error::conversion("binary record field shorter than its header"));
    };
    let (oid_bytes, len_bytes) = head.split_at(4);
    let field_oid = Oid::from_be_bytes(oid_bytes.try_into().unwrap_or_default());
    let len = i32::from_be_bytes(len_bytes.try_into().unwrap_or_default());
    let value = match len {
        -1 => {
            *rest = tail;
            None
        }
        n => {
            let n = usize::try_from(n)
                .map_err(|_| Error::conversion(format!("invalid record field length {n}")))?;
            if n > tail.len() {
                return Err(Error::conversion(format!(
                    "binary record field of {n} bytes has only {} left",
                    tail.len()
                )));
            }
            let (value, after) = tail.split_at(n);
            *rest = after;
            Some(Cow::Borrowed(value))
        }
    };
    Ok(RawField { oid: Some(field_oid), value })
}

/// Reads one text field from `rest` (up to, not including, the `,` or `)` that ends it) and
/// advances it, as `record_in` does: nothing at all is NULL; quotes group, `""` within quotes
/// and `\c` anywhere stand for the character.
fn text_field<'a>(rest: &mut &'a [u8]) -> Result<Option<Cow<'a, [u8]>>, Error> {
    let input = *rest;
    if matches!(input, [b',' | b')', ..]) {
        return Ok(None);
    }
    // The common case, nothing quoted or escaped: borrow.
    let plain_end = input.iter().position(|b| matches!(b, b',' | b')' | b'"' | b'\\'));
    if let Some(end) = plain_end
        && matches!(input.get(end), Some(b',' | b')'))
    {
        let (value, after) = input.split_at(end);
        *rest = after;
        return Ok(Some(Cow::Borrowed(value)));
    }
    let mut out = Vec::new();
    let mut in_quotes = false;
    let mut at = input;
    loop {
        match at {
            [] => return Err(Error::conversion("record text ends inside a field")),
            [b',' | b')', ..] if !in_quotes => break,
            [b'\\', c, tail @ ..] => {
                out.push(*c);
                at = tail;
            }
            [b'\\'] => return Err(Error::conversion("record text ends after a backslash")),
            [b'"', b'"', tail @ ..] if in_quotes => {
                out.push(b'"');
                at = tail;
            }
            [b'"', tail @ ..] => {
                in_quotes = !in_quotes;
                at = tail;
            }
            [c, tail @ ..] => {
                out.push(*c);
                at = tail;
            }
        }
    }
    *rest = at;
    Ok(Some(Cow::Owned(out)))
}

/// Loads one field into `T` (see [`RecordReader::field`]).
fn load_field<T: for<'b> Loader<'b>>(format: Format, raw: RawField<'_>) -> Result<T, Error> {
    let field_oid = match raw.oid {
        Some(o) if T::accepts(o) => o,
        Some(o) if o >= FIRST_NORMAL_OID => preferred_oid::<T>()
            .ok_or_else(|| Error::conversion(format!("{} is not accepted", type_label(o))))?,
        Some(o) => return Err(Error::conversion(format!("{} is not accepted", type_label(o)))),
        None => preferred_oid::<T>().ok_or_else(|| {
            Error::conversion("the type accepts no built-in type to read a text field with")
        })?,
    };
    match raw.value {
        None => T::load_null(field_oid),
        Some(bytes) => T::load(field_oid, format, &bytes),
    }
}

/// Writes a record in text form, as `record_in` reads it; see the [module
/// documentation](self).
///
/// Fields are written with [`Dumper::dump_text`]: a field whose type has no text form is an
/// error.
#[derive(Debug)]
pub struct RecordWriter<'b> {
    buf: &'b mut BytesMut,
    scratch: BytesMut,
    first: bool,
}

impl<'b> RecordWriter<'b> {
    /// Starts a record (writes its `(`) at the end of `buf`.
    pub fn new(buf: &'b mut BytesMut) -> Self {
        buf.put_u8(b'(');
        Self { buf, scratch: BytesMut::new(), first: true }
    }

    /// Writes the next field: nothing for NULL, the text form otherwise, quoted when
    /// `record_in` needs it to be.
    pub fn field<D: Dumper + ?Sized>(&mut self, value: &D) -> Result<(), Error> {
        if !self.first {
            self.buf.put_u8(b',');
        }
        self.first = false;
        self.scratch.clear();
        if value.dump_text(&mut self.scratch)? == IsNull::Yes {
            return Ok(());
        }
        put_quoted(self.buf, &self.scratch);
        Ok(())
    }

    /// Ends the record (writes its `)`).
    pub fn finish(self) {
        self.buf.put_u8(b')');
    }
}

/// Writes one field's text as `record_out` does: quoted when empty or holding a character
/// that `record_in` treats specially, with `"` and `\` doubled inside.
fn put_quoted(buf: &mut BytesMut, text: &[u8]) {
    let special = |b: &u8| matches!(b, b'"' | b'\\' | b'(' | b')' | b',') || is_space(*b);
    if !text.is_empty() && !text.iter().any(special) {
        buf.put_slice(text);
        return;
    }
    buf.put_u8(b'"');
    for &b in text {
        if matches!(b, b'"' | b'\\') {
            buf.put_u8(b);
        }
        buf.put_u8(b);
    }
    buf.put_u8(b'"');
}

/// Implements `Loader` for a tuple from a record, by position.
macro_rules! tuple_loader {
    ($count:literal: $($ty:ident $i:tt),+) => {
        /// From an anonymous record (`ROW(...)`) or a composite type, binary or text, by
        /// position: the record must have exactly as many fields as the tuple.
        impl<$($ty),+> Loader<'_> for ($($ty,)+)
        where
            $($ty: for<'b> Loader<'b>,)+
        {
            fn accepts(oid: Oid) -> bool {
                is_record_type(oid)
            }
            fn load(oid: Oid, format: Format, raw: &[u8]) -> Result<Self, Error> {
                if !is_record_type(oid) {
                    return Err(Error::conversion(format!("{} is not a record", type_label(oid))));
                }
                let mut r = RecordReader::new(format, raw)?;
                r.expect_fields($count, std::any::type_name::<Self>())?;
                let value = ($(r.field::<$ty>(stringify!($i))?,)+);
                r.finish()?;
                Ok(value)
            }
        }
    };
}

tuple_loader!(1: A 0);
tuple_loader!(2: A 0, B 1);
tuple_loader!(3: A 0, B 1, C 2);
tuple_loader!(4: A 0, B 1, C 2, D 3);
tuple_loader!(5: A 0, B 1, C 2, D 3, E 4);
tuple_loader!(6: A 0, B 1, C 2, D 3, E 4, F 5);
tuple_loader!(7: A 0, B 1, C 2, D 3, E 4, F 5, G 6);
tuple_loader!(8: A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);
tuple_loader!(9: A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8);
tuple_loader!(10: A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9);
tuple_loader!(11: A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10);
tuple_loader!(12: A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11);

/// Support for the code `pgtusk-derive` generates. Not a public API: it may change in any
/// release.
#[doc(hidden)]
pub mod private {
    use std::fmt::Display;

    pub use bytes::BytesMut;

    use super::{FIRST_NORMAL_OID, is_record_type};
    use crate::types::row::short_type_name;
    pub use crate::types::{Dumper, IsNull};
    use crate::types::{FromRow, Loader, Row, oid};
    pub use crate::{Error, protocol::Format, protocol::Oid};

    pub use super::{RecordReader, RecordWriter};

    /// What a derived enum loader accepts: text-like types and user-defined types.
    pub fn accepts_enum(type_oid: Oid) -> bool {
        matches!(type_oid, oid::TEXT | oid::VARCHAR | oid::NAME | oid::BPCHAR | oid::UNKNOWN)
            || type_oid >= FIRST_NORMAL_OID
    }

    /// What a derived composite loader accepts.
    pub fn accepts_composite(type_oid: Oid) -> bool {
        is_record_type(type_oid)
    }

    /// The label of an enum value (the same bytes in both formats).
    pub fn enum_label(type_oid: Oid, raw: &[u8]) -> Result<&str, Error> {
        if !accepts_enum(type_oid) {
            return Err(not_accepted(type_oid));
        }
        std::str::from_utf8(raw).map_err(|e| Error::conversion(format!("invalid UTF-8: {e}")))
    }

    /// The error for an enum label no variant has.
    pub fn unknown_label(label: &str, rust_type: &str) -> Error {
        let shown: String = label.chars().take(64).collect();
        Error::conversion(format!("unknown label {shown:?} for enum {rust_type}"))
    }

    /// The error for a type OID a derived loader does not accept.
    pub fn not_accepted(type_oid: Oid) -> Error {
        Error::conversion(format!("{} is not accepted", super::type_label(type_oid)))
    }

    /// Writes an enum label.
    pub fn put_label(buf: &mut BytesMut, label: &str) -> Result<IsNull, Error> {
        bytes::BufMut::put_slice(buf, label.as_bytes());
        Ok(IsNull::No)
    }

    /// Opens a record of `expected` fields for a derived composite loader.
    pub fn record<'a>(
        type_oid: Oid,
        format: Format,
        raw: &'a [u8],
        expected: usize,
        rust_type: &str,
    ) -> Result<RecordReader<'a>, Error> {
        if !is_record_type(type_oid) {
            return Err(not_accepted(type_oid));
        }
        let r = RecordReader::new(format, raw)?;
        r.expect_fields(expected, rust_type)?;
        Ok(r)
    }

    /// A column by name.
    pub fn get<T: for<'r> Loader<'r>>(row: &Row, name: &str) -> Result<T, Error> {
        row.try_get(name)
    }

    /// A column by name, or `T::default()` when the row has no such column.
    pub fn get_or_default<T: for<'r> Loader<'r> + Default>(
        row: &Row,
        name: &str,
    ) -> Result<T, Error> {
        match row.shared_columns().position(name) {
            Some(i) => row.try_get(i),
            None => Ok(T::default()),
        }
    }

    /// A column by name loaded as `S`, then converted into `T`.
    pub fn get_try_from<S, T>(row: &Row, name: &str) -> Result<T, Error>
    where
        S: for<'r> Loader<'r>,
        T: TryFrom<S>,
        T::Error: Display,
    {
        let source: S = row.try_get(name)?;
        T::try_from(source).map_err(|e| {
            Error::conversion(format!(
                "cannot convert column {name:?} from {} into {}: {e}",
                short_type_name(std::any::type_name::<S>()),
                short_type_name(std::any::type_name::<T>())
            ))
        })
    }

    /// [`get_try_from`], or `T::default()` when the row has no such column.
    pub fn get_try_from_or_default<S, T>(row: &Row, name: &str) -> Result<T, Error>
    where
        S: for<'r> Loader<'r>,
        T: TryFrom<S> + Default,
        T::Error: Display,
    {
        match row.shared_columns().position(name) {
            Some(_) => get_try_from::<S, T>(row, name),
            None => Ok(T::default()),
        }
    }

    /// A column by position.
    pub fn get_at<T: for<'r> Loader<'r>>(row: &Row, index: usize) -> Result<T, Error> {
        row.try_get(index)
    }

    /// A column by position loaded as `S`, then converted into `T`.
    pub fn get_at_try_from<S, T>(row: &Row, index: usize) -> Result<T, Error>
    where
        S: for<'r> Loader<'r>,
        T: TryFrom<S>,
        T::Error: Display,
    {
        let source: S = row.try_get(index)?;
        T::try_from(source).map_err(|e| {
            Error::conversion(format!(
                "cannot convert column {index} from {} into {}: {e}",
                short_type_name(std::any::type_name::<S>()),
                short_type_name(std::any::type_name::<T>())
            ))
        })
    }

    /// Checks that a row loaded by position has exactly `expected` columns.
    pub fn expect_columns(row: &Row, expected: usize, rust_type: &str) -> Result<(), Error> {
        if row.len() == expected {
            return Ok(());
        }
        Err(Error::conversion(format!(
            "a row of {} columns cannot be loaded into {} ({expected} fields)",
            row.len(),
            short_type_name(rust_type)
        )))
    }

    /// A nested `FromRow` value built from the same row.
    pub fn flatten<T: FromRow>(row: &Row) -> Result<T, Error> {
        T::from_row(row)
    }
}

#[cfg(test)]
mod tests;
