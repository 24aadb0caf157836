//! [`BinaryEncoder`]: rows of [`Dumper`](crate::Dumper)s written in the binary COPY format.

use bytes::{BufMut, BytesMut};

use crate::error::Error;
use crate::protocol::{EncodeError, Format, Oid};
use crate::types::{Dumper, IsNull, Params, oid};

/// The 11-byte signature that starts binary COPY data: `PGCOPY\n\377\r\n\0`.
pub const SIGNATURE: [u8; 11] = *b"PGCOPY\n\xff\r\n\0";

/// The header this encoder writes: the signature, flags 0 and an empty header extension.
pub const HEADER: [u8; 19] = *b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0";

/// The trailer that ends binary COPY data: a field count of -1.
pub const TRAILER: [u8; 2] = (-1_i16).to_be_bytes();

/// Writes rows in PostgreSQL's binary COPY format, each value dumped straight into the output
/// buffer by its [`Dumper`](crate::Dumper) (the length word is back-patched).
///
/// The header goes before the first row; [`encode_trailer`](Self::encode_trailer) ends the
/// data (writing the header first when there were no rows, so the output is always a complete
/// binary COPY stream).
///
/// Binary COPY carries no type information: every value must be in the binary form of its
/// column's type. The encoder checks what it can before anything is sent:
/// - with the column types given ([`with_types`](Self::with_types)), a value whose dumper
///   names another type is refused (an `i32` for an `int8` column would be read as garbage);
/// - a value dumped as text (a `&str`, which names no type) is accepted only where the text
///   form is also the binary form: `text`, `varchar`, `bpchar`, `name`, `json`, `xml`,
///   `unknown`, and types that are not built in (enums, `citext`...); without column types,
///   a string is assumed to fill such a column.
///
/// Every call is all or nothing: a row that fails leaves the buffer as it was.
///
/// ```
/// use bytes::BytesMut;
/// use pgtusk::copy::{BinaryDecoder, BinaryEncoder};
/// use pgtusk::types::oid;
///
/// let mut enc = BinaryEncoder::with_types(&[oid::INT8, oid::TEXT]);
/// let mut buf = BytesMut::new();
/// enc.encode_row(&(1_i64, "one"), &mut buf)?;
/// enc.encode_row(&(2_i64, None::<&str>), &mut buf)?;
/// enc.encode_trailer(&mut buf);
///
/// let mut dec = BinaryDecoder::new();
/// dec.push(buf.freeze());
/// let row = dec.next_row()?.expect("a row");
/// assert_eq!(row.values().collect::<Vec<_>>(), [Some(&1_i64.to_be_bytes()[..]), Some(&b"one"[..])]);
/// let row = dec.next_row()?.expect("a row");
/// assert_eq!(row.values().nth(1), Some(None));
/// assert!(dec.next_row()?.is_none());
/// dec.finish()?;
/// # Ok::<(), pgtusk::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct BinaryEncoder {
    /// The column types, when the caller gave them.
    types: Option<Box<[Oid]>>,
    /// The number of fields every row must have, when known.
    columns: Option<usize>,
    header_written: bool,
    rows: u64,
}

impl BinaryEncoder {
    /// An encoder that takes each value's type from its dumper.
    pub fn new() -> Self {
        Self::default()
    }

    /// An encoder for columns of these types: every row must have one value per type, and each
    /// value's dumper must name its column's type (or be NULL, or text for a column whose
    /// binary form is its text).
    pub fn with_types(types: &[Oid]) -> Self {
        Self { types: Some(types.into()), columns: Some(types.len()), ..Self::default() }
    }

    /// Requires every row to have `count` values (the column count the server announced in
    /// CopyInResponse). Ignored when the column types were given.
    pub fn with_column_count(mut self, count: usize) -> Self {
        if self.types.is_none() {
            self.columns = Some(count);
        }
        self
    }

    /// The column types given to [`with_types`](Self::with_types).
    pub fn types(&self) -> Option<&[Oid]> {
        self.types.as_deref()
    }

    /// The number of rows encoded so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// True once the header was written.
    pub fn header_written(&self) -> bool {
        self.header_written
    }

    /// Writes the header unless it was written already.
    pub fn encode_header(&mut self, buf: &mut BytesMut) {
        if !self.header_written {
            buf.put_slice(&HEADER);
            self.header_written = true;
        }
    }

    /// Appends one row (the header first, if this is the first thing written).
    ///
    /// Fails, leaving `buf` as it was, with [`ErrorKind::Misuse`](crate::ErrorKind::Misuse)
    /// when the row has the wrong number of values, [`ErrorKind::Conversion`] when a value does
    /// not fit its column (see the type docs), [`ErrorKind::Encode`](crate::ErrorKind::Encode)
    /// for more than 32,767 values or a value over 2 GiB, and with a dumper's own error.
    ///
    /// [`ErrorKind::Conversion`]: crate::ErrorKind::Conversion
    #[inline]
    pub fn encode_row<P: Params + ?Sized>(
        &mut self,
        row: &P,
        buf: &mut BytesMut,
    ) -> Result<(), Error> {
        let start = buf.len();
        if !self.header_written {
            buf.put_slice(&HEADER);
        }
        if let Err(e) = self.encode_fields(row, buf) {
            buf.truncate(start);
            return Err(e);
        }
        self.header_written = true;
        self.rows += 1;
        Ok(())
    }

    /// Appends the trailer (after the header, if nothing was written yet).
    pub fn encode_trailer(&mut self, buf: &mut BytesMut) {
        self.encode_header(buf);
        buf.put_slice(&TRAILER);
    }

    #[inline]
    fn encode_fields<P: Params + ?Sized>(&self, row: &P, buf: &mut BytesMut) -> Result<(), Error> {
        let count = row.len();
        if let Some(expected) = self.columns
            && count != expected
        {
            return Err(Error::misuse(format!(
                "binary COPY row has {count} values, but the COPY has {expected} columns"
            )));
        }
        let count16 = i16::try_from(count)
            .map_err(|_| EncodeError::TooManyItems { field: "binary COPY field count", count })?;
        buf.put_i16(count16);
        let mut fields = CopyFields { buf, types: self.types.as_deref(), written: 0 };
        row.encode_copy_fields(&mut fields)?;
        if fields.written != count {
            // A `Params` whose `encode_copy_fields` disagrees with its `len`.
            return Err(Error::misuse(format!(
                "binary COPY row announced {count} values but wrote {}",
                fields.written
            )));
        }
        Ok(())
    }
}

/// Where [`Params::encode_copy_fields`] writes a binary COPY row's values: one
/// [`field`](Self::field) call per value, in order.
///
/// An implementation detail of [`BinaryEncoder`], public only because the method of the
/// public [`Params`] trait names it.
#[doc(hidden)]
#[derive(Debug)]
pub struct CopyFields<'a> {
    buf: &'a mut BytesMut,
    /// The column types, when the encoder has them.
    types: Option<&'a [Oid]>,
    /// How many fields were written.
    written: usize,
}

impl CopyFields<'_> {
    /// Writes the next value: its length word (-1 for NULL) and its bytes, after checking that
    /// it is in the binary form of its column (see [`BinaryEncoder`]).
    ///
    /// Generic so that a tuple's values are dumped by direct (inlined) calls; `D` is
    /// `dyn Dumper` for the other kinds of [`Params`].
    #[inline]
    pub fn field<D: Dumper + ?Sized>(&mut self, value: &D) -> Result<(), Error> {
        let i = self.written;
        if value.dump_field(self.buf)? == IsNull::No {
            check_value(self.types, value.type_oid(), value.format(), i)?;
        }
        self.written = i + 1;
        Ok(())
    }
}

/// Checks that a non-NULL value (the row's value `i`, dumped as `declared` in `format`) is in
/// the binary form of its column. The common cases are decided inline; the rest (and every
/// error) in [`check_value_fully`].
#[inline(always)]
fn check_value(
    types: Option<&[Oid]>,
    declared: Oid,
    format: Format,
    i: usize,
) -> Result<(), Error> {
    let column = types.and_then(|t| t.get(i).copied());
    let fine = match column {
        None => format == Format::Binary,
        Some(column) => {
            (declared == column || declared == 0)
                && (format == Format::Binary || column == oid::TEXT || column == oid::VARCHAR)
        }
    };
    if fine { Ok(()) } else { check_value_fully(column, declared, format, i) }
}

/// [`check_value`] for the cases it does not decide inline.
#[cold]
#[inline(never)]
fn check_value_fully(
    column: Option<Oid>,
    declared: Oid,
    format: Format,
    i: usize,
) -> Result<(), Error> {
    let target = column.unwrap_or(declared);
    if format == Format::Text && !text_is_binary(target) {
        return Err(Error::conversion(format!(
            "binary COPY value {i}: the value is written as text, which is not the binary \
             form of {}",
            label(target)
        )));
    }
    if let Some(column) = column
        && declared != 0
        && declared != column
        && !(text_is_binary(declared) && text_is_binary(column))
    {
        return Err(Error::conversion(format!(
            "binary COPY value {i}: the column is {} but the value is dumped as {}",
            label(column),
            label(declared)
        )));
    }
    Ok(())
}

/// True for types whose binary form is their text form (and for unknown types, which the
/// encoder cannot judge).
fn text_is_binary(type_oid: Oid) -> bool {
    matches!(
        type_oid,
        0 | oid::TEXT
            | oid::VARCHAR
            | oid::BPCHAR
            | oid::NAME
            | oid::JSON
            | oid::XML
            | oid::UNKNOWN
    ) || oid::type_name(type_oid).is_none()
}

/// A type's name for an error message.
fn label(type_oid: Oid) -> String {
    match (type_oid, oid::type_name(type_oid)) {
        (0, _) => "an unspecified type".to_owned(),
        (_, Some(name)) => name.to_owned(),
        (_, None) => format!("type with OID {type_oid}"),
    }
}
