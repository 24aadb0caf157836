//! Describing results and statements, and ending commands: RowDescription,
//! ParameterDescription and CommandComplete. (DataRow has its own file.)

use bytes::{BufMut, Bytes, BytesMut};

use super::{ByteStr, DecodeError, EncodeError, Reader, count_i16, owned_cstr};
use crate::protocol::{Format, Oid, codec};

/// The columns of the rows that follow (or that a described statement or portal returns).
///
/// The body is validated at decode and kept as is; [`fields`](Self::fields) walks it without
/// allocating. The field count is an `Int16` and must not be negative; every format code must
/// be 0 (text) or 1 (binary).
///
/// <https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-ROWDESCRIPTION>
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowDescription {
    body: Bytes,
    len: u16,
}

/// One field (column) of a [`RowDescription`], borrowed from the message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldDescription<'a> {
    /// The field name.
    pub name: &'a str,
    /// The object ID of the table the field comes from, or 0.
    pub table_oid: u32,
    /// The attribute number of the column in that table, or 0.
    pub column_id: i16,
    /// The object ID of the field's data type.
    pub type_oid: u32,
    /// The data type size (`pg_type.typlen`); negative for variable-width types.
    pub type_size: i16,
    /// The type modifier (`pg_attribute.atttypmod`).
    pub type_modifier: i32,
    /// The format of the field's values. Always text in the answer to a Describe of a
    /// statement, where the format is not yet known.
    pub format: Format,
}

const ROW_DESCRIPTION: &str = "RowDescription";

impl RowDescription {
    /// A description of `fields`, refusing more than 32,767 fields or a name containing a NUL.
    pub fn new(fields: &[FieldDescription<'_>]) -> Result<Self, EncodeError> {
        let mut body = BytesMut::new();
        body.put_i16(count_i16("number of fields", fields.len())?);
        for f in fields {
            codec::put_cstr(&mut body, "field name", f.name.as_bytes())?;
            body.put_u32(f.table_oid);
            body.put_i16(f.column_id);
            body.put_u32(f.type_oid);
            body.put_i16(f.type_size);
            body.put_i32(f.type_modifier);
            body.put_i16(f.format.code());
        }
        // At most 32,767 fields, so the count fits.
        Ok(Self { body: body.freeze(), len: fields.len() as u16 })
    }

    /// The number of fields.
    pub fn len(&self) -> usize {
        usize::from(self.len)
    }

    /// True when the rows have no fields.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The fields, in order.
    pub fn fields(&self) -> impl ExactSizeIterator<Item = FieldDescription<'_>> {
        let mut r = Reader::new(&self.body, ROW_DESCRIPTION);
        // Skip the count, validated at decode.
        let left = match r.i16() {
            Ok(_) => self.len(),
            Err(_) => 0,
        };
        Fields { r, left }
    }

    /// The whole message body, as received.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    pub(super) fn decode(body: Bytes) -> Result<Self, DecodeError> {
        let mut r = Reader::new(&body, ROW_DESCRIPTION);
        let count = r.count16("number of fields")?;
        for _ in 0..count {
            read_field(&mut r)?;
        }
        r.finish()?;
        // `count16` read a non-negative `i16`, so the count fits.
        let len = count as u16;
        Ok(Self { body, len })
    }
}

/// Reads one field description.
fn read_field<'a>(r: &mut Reader<'a>) -> Result<FieldDescription<'a>, DecodeError> {
    Ok(FieldDescription {
        name: r.cstr()?,
        table_oid: r.u32()?,
        column_id: r.i16()?,
        type_oid: r.u32()?,
        type_size: r.i16()?,
        type_modifier: r.i32()?,
        format: Format::from_code(r.i16()?).ok_or(r.invalid("format code"))?,
    })
}

/// The iterator behind [`RowDescription::fields`]: it re-reads validated data, so it cannot
/// fail; if it ever met inconsistent data it would just end.
struct Fields<'a> {
    r: Reader<'a>,
    left: usize,
}

impl<'a> Iterator for Fields<'a> {
    type Item = FieldDescription<'a>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        match read_field(&mut self.r) {
            Ok(field) => {
                self.left -= 1;
                Some(field)
            }
            Err(_) => {
                self.left = 0;
                None
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl ExactSizeIterator for Fields<'_> {}

/// The parameter types of a described statement.
///
/// The count is read as an unsigned 16-bit number: a statement may have up to 65,535
/// parameters, and the server sends counts above 32,767 as their two's complement bit pattern
/// in the documented `Int16` (libpq reads it unsigned too).
///
/// <https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-PARAMETERDESCRIPTION>
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParameterDescription {
    /// The object IDs, 4 bytes each (the part of the body after the count).
    types: Bytes,
}

impl ParameterDescription {
    /// A description of parameters of the types `types`, refusing more than 65,535.
    pub fn new(types: &[Oid]) -> Result<Self, EncodeError> {
        codec::count_u16("parameter types", types.len())?;
        let mut buf = BytesMut::with_capacity(types.len() * 4);
        for &oid in types {
            buf.put_u32(oid);
        }
        Ok(Self { types: buf.freeze() })
    }

    /// The number of parameters.
    pub fn len(&self) -> usize {
        self.types.len() / 4
    }

    /// True when the statement has no parameters.
    pub fn is_empty(&self) -> bool {
        self.types.is_empty()
    }

    /// The object ID of each parameter's data type, in order.
    pub fn types(&self) -> impl ExactSizeIterator<Item = Oid> {
        self.types.as_chunks::<4>().0.iter().map(|oid| u32::from_be_bytes(*oid))
    }

    pub(super) fn decode(body: &Bytes) -> Result<Self, DecodeError> {
        let mut r = Reader::new(body, "ParameterDescription");
        let count = usize::from(r.u16()?);
        // At most 65,535 × 4 bytes: no overflow.
        let types = r.take(count * 4)?;
        r.finish()?;
        Ok(Self { types: codec::sub_bytes(body, types) })
    }

    pub(super) fn write_body(&self, buf: &mut BytesMut) {
        // Validated to at most 65,535 types at decode and in `new`.
        buf.put_u16(self.len() as u16);
        buf.put_slice(&self.types);
    }
}

/// A command completed; carries its command tag (`"INSERT 0 5"`, `"CREATE TABLE"`, ...).
///
/// <https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-COMMANDCOMPLETE>
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommandComplete {
    tag: ByteStr,
}

/// Parses a non-empty run of ASCII digits that fits a `u64`.
fn parse_count(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() {
        return None;
    }
    digits.iter().try_fold(0_u64, |n, &d| {
        let d = d.checked_sub(b'0').filter(|d| *d <= 9)?;
        n.checked_mul(10)?.checked_add(u64::from(d))
    })
}

impl CommandComplete {
    /// A completion with command tag `tag`, refusing a tag that contains a NUL.
    pub fn new(tag: &str) -> Result<Self, EncodeError> {
        Ok(Self { tag: owned_cstr("command tag", tag)? })
    }

    /// The command tag, usually a single word naming the SQL command, followed for some
    /// commands by counts.
    pub fn tag(&self) -> &str {
        &self.tag
    }

    /// The number of rows the command processed, for the commands whose tag carries one:
    /// `INSERT oid rows` (the third word) and `UPDATE`, `DELETE`, `SELECT` (also for
    /// `CREATE TABLE AS`), `MOVE`, `FETCH`, `COPY` and `MERGE` followed by the count. `None`
    /// for any other tag (`"CREATE TABLE"`, or a `COPY` from a server before 8.2, which sent
    /// no count).
    pub fn rows(&self) -> Option<u64> {
        // Parsed from the bytes, from the end: this runs once per statement.
        let tag: &[u8] = self.tag.as_bytes();
        let space = memchr::memrchr(b' ', tag)?;
        let (head, count) = tag.split_at(space);
        let count = parse_count(count.get(1..)?)?;
        let known = match head {
            b"UPDATE" | b"DELETE" | b"SELECT" | b"MOVE" | b"FETCH" | b"COPY" | b"MERGE" => true,
            // "INSERT oid rows": the oid (always 0 now) must be a lone number.
            _ => head.strip_prefix(b"INSERT ").is_some_and(|oid| parse_count(oid).is_some()),
        };
        known.then_some(count)
    }

    /// The command tag's bytes (the same text as [`tag`](Self::tag), without the UTF-8 view).
    pub fn tag_bytes(&self) -> &[u8] {
        self.tag.as_bytes()
    }

    pub(crate) fn decode(mut body: Bytes) -> Result<Self, DecodeError> {
        const NAME: &str = "CommandComplete";
        let mut r = Reader::new(&body, NAME);
        let tag_len = r.cstr_bytes()?.len();
        r.finish()?;
        // The tag is the whole body but its NUL: keep the body itself (no second handle).
        body.truncate(tag_len);
        let tag =
            ByteStr::from_utf8(body).map_err(|_| DecodeError::InvalidUtf8 { message: NAME })?;
        Ok(Self { tag })
    }

    pub(super) fn write_body(&self, buf: &mut BytesMut) {
        buf.put_slice(self.tag.as_bytes());
        buf.put_u8(0);
    }
}

#[cfg(test)]
pub(super) mod tests {
    use proptest::prelude::*;

    use super::super::BackendMessage;
    use super::super::testing::{arb_cstr, assert_roundtrip, assert_truncations_fail, fixture};
    use super::*;

    /// `SELECT 1 AS one, relname FROM pg_class` with binary results, as PostgreSQL 18 sends it.
    const ROW_DESCRIPTION_BODY: &[u8] = b"\0\x02\
        one\0\0\0\0\0\0\0\0\0\0\x17\0\x04\xff\xff\xff\xff\0\x01\
        relname\0\0\0\x04\xeb\0\x02\0\0\0\x13\0\x40\xff\xff\xff\xff\0\0";

    #[test]
    fn row_description() {
        let BackendMessage::RowDescription(d) = fixture(b'T', ROW_DESCRIPTION_BODY) else {
            panic!()
        };
        assert_eq!(d.len(), 2);
        assert!(!d.is_empty());
        assert_eq!(d.body(), ROW_DESCRIPTION_BODY);
        let fields: Vec<_> = d.fields().collect();
        let want = [
            FieldDescription {
                name: "one",
                table_oid: 0,
                column_id: 0,
                type_oid: 23,
                type_size: 4,
                type_modifier: -1,
                format: Format::Binary,
            },
            FieldDescription {
                name: "relname",
                table_oid: 1259,
                column_id: 2,
                type_oid: 19,
                type_size: 64,
                type_modifier: -1,
                format: Format::Text,
            },
        ];
        assert_eq!(fields, want);
        assert_eq!(d.fields().len(), 2);
        assert_eq!(RowDescription::new(&want).unwrap(), d);
        assert_truncations_fail(b'T', ROW_DESCRIPTION_BODY);
    }

    #[test]
    fn row_description_without_fields() {
        let BackendMessage::RowDescription(d) = fixture(b'T', b"\0\0") else { panic!() };
        assert!(d.is_empty());
        assert_eq!(d.fields().count(), 0);
        assert_truncations_fail(b'T', b"\0\0");
    }

    #[test]
    fn row_description_bad_format_code() {
        let body = b"\0\x01a\0\0\0\0\0\0\0\0\0\0\x17\0\x04\xff\xff\xff\xff\0\x02";
        assert_eq!(
            BackendMessage::decode(b'T', Bytes::from_static(body)),
            Err(DecodeError::InvalidField { message: "RowDescription", field: "format code" })
        );
        assert_eq!(
            BackendMessage::decode(b'T', Bytes::from_static(b"\xff\xff")),
            Err(DecodeError::InvalidField { message: "RowDescription", field: "number of fields" })
        );
    }

    #[test]
    fn parameter_description() {
        let body = b"\0\x02\0\0\0\x17\0\0\0\x19";
        let BackendMessage::ParameterDescription(p) = fixture(b't', body) else { panic!() };
        assert_eq!(p.len(), 2);
        assert_eq!(p.types().collect::<Vec<_>>(), [23, 25]);
        assert_eq!(p, ParameterDescription::new(&[23, 25]).unwrap());
        assert_truncations_fail(b't', body);

        let BackendMessage::ParameterDescription(p) = fixture(b't', b"\0\0") else { panic!() };
        assert!(p.is_empty());
    }

    #[test]
    fn parameter_description_with_more_than_32767_parameters() {
        let types = vec![25; 40_000];
        let p = ParameterDescription::new(&types).unwrap();
        let msg = BackendMessage::ParameterDescription(p);
        assert_roundtrip(&msg).unwrap();
        let mut buf = BytesMut::new();
        msg.encode(&mut buf).unwrap();
        assert_eq!(&buf[5..7], &40_000u16.to_be_bytes());
        assert!(ParameterDescription::new(&vec![25; 65_536]).is_err());
    }

    #[test]
    fn command_complete() {
        for (body, tag, rows) in [
            (&b"INSERT 0 5\0"[..], "INSERT 0 5", Some(5)),
            (b"UPDATE 12\0", "UPDATE 12", Some(12)),
            (b"DELETE 0\0", "DELETE 0", Some(0)),
            (b"SELECT 18446744073709551615\0", "SELECT 18446744073709551615", Some(u64::MAX)),
            (b"MOVE 3\0", "MOVE 3", Some(3)),
            (b"FETCH 100\0", "FETCH 100", Some(100)),
            (b"COPY 42\0", "COPY 42", Some(42)),
            (b"MERGE 7\0", "MERGE 7", Some(7)),
            (b"COPY\0", "COPY", None),
            (b"CREATE TABLE\0", "CREATE TABLE", None),
            (b"BEGIN\0", "BEGIN", None),
            (b"INSERT 0\0", "INSERT 0", None),
            (b"SELECT x\0", "SELECT x", None),
            (b"SELECT 1 2\0", "SELECT 1 2", None),
            (b"\0", "", None),
        ] {
            let BackendMessage::CommandComplete(c) = fixture(b'C', body) else { panic!() };
            assert_eq!(c.tag(), tag);
            assert_eq!(c.rows(), rows, "{tag}");
            assert_truncations_fail(b'C', body);
        }
        assert_eq!(
            CommandComplete::new("a\0"),
            Err(EncodeError::NulInString { field: "command tag" })
        );
    }

    fn arb_field() -> impl Strategy<Value = (String, u32, i16, u32, i16, i32, bool)> {
        (
            arb_cstr(16),
            any::<u32>(),
            any::<i16>(),
            any::<u32>(),
            any::<i16>(),
            any::<i32>(),
            any::<bool>(),
        )
    }

    /// Valid messages of this family.
    pub(in super::super) fn arb_message() -> impl Strategy<Value = BackendMessage> {
        prop_oneof![
            proptest::collection::vec(arb_field(), 0..6).prop_map(|fields| {
                let fields: Vec<FieldDescription<'_>> = fields
                    .iter()
                    .map(|(name, table_oid, column_id, type_oid, type_size, type_modifier, bin)| {
                        FieldDescription {
                            name,
                            table_oid: *table_oid,
                            column_id: *column_id,
                            type_oid: *type_oid,
                            type_size: *type_size,
                            type_modifier: *type_modifier,
                            format: if *bin { Format::Binary } else { Format::Text },
                        }
                    })
                    .collect();
                BackendMessage::RowDescription(RowDescription::new(&fields).expect("valid"))
            }),
            proptest::collection::vec(any::<u32>(), 0..8).prop_map(|types| {
                BackendMessage::ParameterDescription(
                    ParameterDescription::new(&types).expect("valid"),
                )
            }),
            arb_cstr(32).prop_map(|tag| {
                BackendMessage::CommandComplete(CommandComplete::new(&tag).expect("no NUL"))
            }),
        ]
    }

    proptest! {
        #[test]
        fn round_trip(msg in arb_message()) {
            assert_roundtrip(&msg)?;
        }

        #[test]
        fn rows_reads_the_count(n in any::<u64>(), oid in any::<u32>()) {
            for tag in [format!("INSERT {oid} {n}"), format!("UPDATE {n}"), format!("MERGE {n}")] {
                prop_assert_eq!(CommandComplete::new(&tag).expect("no NUL").rows(), Some(n));
            }
        }
    }
}
