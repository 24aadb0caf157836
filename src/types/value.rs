//! [`Value`]: a dynamic value of any PostgreSQL type, for code that does not know its column
//! types in advance (psycopg's `dict_row`, generic tools, migrations).

use std::collections::BTreeMap;

use bytes::{BufMut, BytesMut};

use super::adapters::{AdaptersMap, TypeKind};
use super::array::load_array_with;
use super::range::{multirange_range, range_subtype};
use super::record::{RawField, RecordReader, RecordWriter};
use super::{
    Array, BitVec, Cid, Circle, Date, Dumper, Interval, IpNetwork, IsNull, Line, LineSegment,
    Loader, MacAddr, MacAddr8, Money, Multirange, Numeric, Path, PgBox, PgLsn, Point, Polygon,
    Range, Tid, Time, TimeTz, Timestamp, TimestampTz, TsQuery, TsVector, Uuid, Xid, Xid8, oid,
};
use crate::Error;
use crate::protocol::{Format, Oid};

/// How deep containers (records, arrays, ranges) may nest in one value.
const MAX_NESTING: usize = 64;

fn too_deep() -> Error {
    Error::conversion(format!("values nested deeper than {MAX_NESTING} levels"))
}

/// How many domains over domains a registered type may stack before it is treated as unknown.
const MAX_DOMAIN_DEPTH: usize = 32;

/// A value of any PostgreSQL type, loaded without a Rust type to guide it.
///
/// As a result, `row.get::<_, Value>(i)` (or [`Row::to_map`](super::Row::to_map)) picks the
/// variant from the column's type: each built-in type has its own variant, holding the same
/// Rust type a typed load would give; types registered in the connection's
/// [`AdaptersMap`] (enums, domains, types with a registered loader) load as what their
/// description says; anything else is [`Value::Other`] (binary) or [`Value::Text`] (text
/// format), keeping its bytes.
///
/// As a parameter, a `Value` is sent as the type it was loaded from, so a row read with
/// `Value`s can be written back unchanged. [`Value::Text`] is the exception: like any string,
/// it goes with an unspecified type so that the server infers it from the context.
///
/// | variant | PostgreSQL types |
/// |---|---|
/// | `Null` | SQL NULL (of any type) |
/// | `Bool` | `bool` |
/// | `Int2`, `Int4`, `Int8` | `int2`, `int4`, `int8` |
/// | `Oid` | `oid` |
/// | `Float4`, `Float8` | `float4`, `float8` |
/// | `Numeric`, `Money` | `numeric`, `money` |
/// | `Text` | `text`, `varchar`, `bpchar`, `name`, `"char"`, `unknown`, and any type in text format that nothing else claims |
/// | `Bytea` | `bytea` |
/// | `Uuid` | `uuid` |
/// | `Json`, `Jsonb` | `json`, `jsonb` (the document's text) |
/// | `Date`, `Time`, `TimeTz`, `Timestamp`, `TimestampTz`, `Interval` | the date/time types |
/// | `Inet`, `Cidr`, `MacAddr`, `MacAddr8` | the network types |
/// | `Bit` | `bit`, `varbit` |
/// | `Xid`, `Xid8`, `Cid`, `Tid`, `PgLsn` | the system types; the `reg*` types load as `Oid` |
/// | `Point`, `Line`, `LineSegment`, `Box`, `Path`, `Polygon`, `Circle` | the geometric types |
/// | `TsVector`, `TsQuery`, `Xml`, `JsonPath` | the text search types, `xml`, `jsonpath` |
/// | `Array` | arrays of any of these, with their dimensions and lower bounds |
/// | `Range`, `Multirange` | the built-in range and multirange types |
/// | `Hstore` | `hstore`, once registered (`register_type("hstore")`) |
/// | `Enum` | an enum registered in the [`AdaptersMap`] |
/// | `Record` | `record` (anonymous rows), and composites registered in the [`AdaptersMap`] (fields typed from their binary form or from the registered description) |
/// | `Other` | a type the driver cannot decode: its OID, format and bytes |
///
/// ```
/// use pgtusk::protocol::Format;
/// use pgtusk::types::{oid, Loader, Value};
///
/// assert_eq!(Value::load(oid::INT4, Format::Binary, &7_i32.to_be_bytes())?, Value::Int4(7));
/// assert_eq!(Value::load(oid::TEXT, Format::Text, b"hi")?, Value::Text("hi".into()));
/// assert_eq!(Value::load_null(oid::INT4)?, Value::Null);
/// assert_eq!(Value::from(7_i64), Value::Int8(7));
/// # Ok::<(), pgtusk::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Value {
    /// SQL NULL.
    Null,
    /// `bool`.
    Bool(bool),
    /// `int2`.
    Int2(i16),
    /// `int4`.
    Int4(i32),
    /// `int8`.
    Int8(i64),
    /// `oid`.
    Oid(u32),
    /// `float4`.
    Float4(f32),
    /// `float8`.
    Float8(f64),
    /// `numeric`.
    Numeric(Numeric),
    /// `money`.
    Money(Money),
    /// A string (see the table above).
    Text(String),
    /// `bytea`.
    Bytea(Vec<u8>),
    /// `uuid`.
    Uuid(Uuid),
    /// `json`, as its text.
    Json(String),
    /// `jsonb`, as its text.
    Jsonb(String),
    /// `date`.
    Date(Date),
    /// `time`.
    Time(Time),
    /// `timetz`.
    TimeTz(TimeTz),
    /// `timestamp`.
    Timestamp(Timestamp),
    /// `timestamptz`.
    TimestampTz(TimestampTz),
    /// `interval`.
    Interval(Interval),
    /// `inet`.
    Inet(IpNetwork),
    /// `cidr`.
    Cidr(IpNetwork),
    /// `macaddr`.
    MacAddr(MacAddr),
    /// `macaddr8`.
    MacAddr8(MacAddr8),
    /// `bit` or `varbit` (sent as `varbit`).
    Bit(BitVec),
    /// `xid`.
    Xid(Xid),
    /// `xid8`.
    Xid8(Xid8),
    /// `cid`.
    Cid(Cid),
    /// `tid`.
    Tid(Tid),
    /// `pg_lsn`.
    PgLsn(PgLsn),
    /// `point`.
    Point(Point),
    /// `line`.
    Line(Line),
    /// `lseg`.
    LineSegment(LineSegment),
    /// `box`.
    Box(PgBox),
    /// `path`.
    Path(Path),
    /// `polygon`.
    Polygon(Polygon),
    /// `circle`.
    Circle(Circle),
    /// `tsvector`.
    TsVector(TsVector),
    /// `tsquery`.
    TsQuery(TsQuery),
    /// `xml`, as its text.
    Xml(String),
    /// `jsonpath`, as its text.
    JsonPath(String),
    /// An array of any element type (built in, or registered), with its dimensions.
    Array(Array<Value>),
    /// A range of a built-in range type.
    Range(Box<Range<Value>>),
    /// A multirange of a built-in multirange type.
    Multirange(Multirange<Value>),
    /// An `hstore` (the extension's type, registered in the [`AdaptersMap`] under that name).
    Hstore {
        /// The `hstore` type's OID in this database.
        type_oid: Oid,
        /// The keys and values.
        map: BTreeMap<String, Option<String>>,
    },
    /// A label of a registered enum type.
    Enum {
        /// The enum type's OID.
        type_oid: Oid,
        /// The label.
        label: String,
    },
    /// A composite value: a column of a registered composite type, or an anonymous
    /// `record` (`SELECT ROW(1, 'a')`). The fields' names are in the type's
    /// [`TypeInfo`](super::TypeInfo) ([`AdaptersMap::get`]).
    Record {
        /// The composite type's OID (`oid::RECORD` for an anonymous record).
        type_oid: Oid,
        /// The fields, in order.
        fields: Vec<Value>,
    },
    /// A value of a type the driver cannot decode, as it arrived.
    Other {
        /// The value's type OID.
        type_oid: Oid,
        /// The format of `bytes`.
        format: Format,
        /// The value's bytes.
        bytes: Vec<u8>,
    },
}

impl Value {
    /// True for [`Value::Null`].
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The string of a `Text`, `Json`, `Jsonb` or `Enum` value.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Text(s) | Value::Json(s) | Value::Jsonb(s) => Some(s),
            Value::Enum { label, .. } => Some(label),
            _ => None,
        }
    }

    /// The value of an integer variant (`Int2`, `Int4`, `Int8`, `Oid`) as `i64`.
    pub fn as_i64(&self) -> Option<i64> {
        match *self {
            Value::Int2(v) => Some(v.into()),
            Value::Int4(v) => Some(v.into()),
            Value::Int8(v) => Some(v),
            Value::Oid(v) => Some(v.into()),
            _ => None,
        }
    }

    /// Loads a value of a type that is not built in, from what `types` knows about it.
    fn load_registered(
        types: &AdaptersMap,
        type_oid: Oid,
        format: Format,
        raw: &[u8],
        depth: usize,
    ) -> Result<Value, Error> {
        if let Some(loader) = types.loader(type_oid) {
            return loader(format, raw);
        }
        let info = types.get(type_oid);
        match info.as_deref().map(|t| &t.kind) {
            Some(TypeKind::Enum { labels }) => {
                let label = std::str::from_utf8(raw)
                    .map_err(|_| Error::conversion("an enum label is not valid UTF-8"))?;
                if !labels.is_empty() && !labels.iter().any(|l| l == label) {
                    return Err(Error::conversion(format!(
                        "{label:?} is not a label of the enum with OID {type_oid}"
                    )));
                }
                Ok(Value::Enum { type_oid, label: label.to_owned() })
            }
            Some(&TypeKind::Domain { base }) => {
                // Follow the chain of domains to a type that is not one (a registered cycle,
                // which no server produces, ends as `Other`).
                let mut base = base;
                for _ in 0..MAX_DOMAIN_DEPTH {
                    match types.get(base).map(|t| t.kind.clone()) {
                        Some(TypeKind::Domain { base: next }) => base = next,
                        _ => return Value::load_nested(types, base, format, raw, depth),
                    }
                }
                Ok(Value::Other { type_oid, format, bytes: raw.to_vec() })
            }
            Some(TypeKind::Composite { fields }) => {
                Value::load_record(types, type_oid, Some(fields), format, raw, depth)
            }
            Some(&TypeKind::Array { element }) => {
                Value::load_array(types, type_oid, Some(element), format, raw, depth)
            }
            Some(TypeKind::Base) if info.as_deref().is_some_and(|t| t.name == "hstore") => {
                Ok(Value::Hstore { type_oid, map: BTreeMap::load(type_oid, format, raw)? })
            }
            _ => Ok(match (format, std::str::from_utf8(raw)) {
                (Format::Text, Ok(text)) => Value::Text(text.to_owned()),
                _ => Value::Other { type_oid, format, bytes: raw.to_vec() },
            }),
        }
    }
}

/// Every type: see [`Value`].
impl Loader<'_> for Value {
    fn accepts(_oid: Oid) -> bool {
        true
    }

    /// Loads with the [global](AdaptersMap::global) registry; rows use their connection's.
    fn load(type_oid: Oid, format: Format, raw: &[u8]) -> Result<Self, Error> {
        Value::load_with(AdaptersMap::global(), type_oid, format, raw)
    }

    fn load_null(_oid: Oid) -> Result<Self, Error> {
        Ok(Value::Null)
    }

    fn load_with(
        types: &AdaptersMap,
        type_oid: Oid,
        format: Format,
        raw: &[u8],
    ) -> Result<Self, Error> {
        Value::load_nested(types, type_oid, format, raw, 0)
    }
}

impl Value {
    /// Loads a value that is `depth` containers deep (records, arrays...): crafted input
    /// cannot nest deeper than [`MAX_NESTING`] and exhaust the stack.
    fn load_nested(
        types: &AdaptersMap,
        type_oid: Oid,
        format: Format,
        raw: &[u8],
        depth: usize,
    ) -> Result<Value, Error> {
        macro_rules! load {
            ($variant:ident, $ty:ty) => {
                <$ty>::load(type_oid, format, raw).map(Value::$variant)
            };
        }
        match type_oid {
            oid::BOOL => load!(Bool, bool),
            oid::INT2 => load!(Int2, i16),
            oid::INT4 => load!(Int4, i32),
            oid::INT8 => load!(Int8, i64),
            oid::OID => load!(Oid, u32),
            oid::FLOAT4 => load!(Float4, f32),
            oid::FLOAT8 => load!(Float8, f64),
            oid::NUMERIC => load!(Numeric, Numeric),
            oid::MONEY => load!(Money, Money),
            oid::TEXT | oid::VARCHAR | oid::BPCHAR | oid::NAME | oid::CHAR | oid::UNKNOWN => {
                load!(Text, String)
            }
            oid::BYTEA => load!(Bytea, Vec<u8>),
            oid::UUID => load!(Uuid, Uuid),
            oid::JSON => load!(Json, String),
            oid::JSONB => load!(Jsonb, String),
            oid::DATE => load!(Date, Date),
            oid::TIME => load!(Time, Time),
            oid::TIMETZ => load!(TimeTz, TimeTz),
            oid::TIMESTAMP => load!(Timestamp, Timestamp),
            oid::TIMESTAMPTZ => load!(TimestampTz, TimestampTz),
            oid::INTERVAL => load!(Interval, Interval),
            oid::INET => load!(Inet, IpNetwork),
            oid::CIDR => load!(Cidr, IpNetwork),
            oid::MACADDR => load!(MacAddr, MacAddr),
            oid::MACADDR8 => load!(MacAddr8, MacAddr8),
            oid::BIT | oid::VARBIT => load!(Bit, BitVec),
            oid::XID => load!(Xid, Xid),
            oid::XID8 => load!(Xid8, Xid8),
            oid::CID => load!(Cid, Cid),
            oid::TID => load!(Tid, Tid),
            oid::PG_LSN => load!(PgLsn, PgLsn),
            oid::POINT => load!(Point, Point),
            oid::LINE => load!(Line, Line),
            oid::LSEG => load!(LineSegment, LineSegment),
            oid::BOX => load!(Box, PgBox),
            oid::PATH => load!(Path, Path),
            oid::POLYGON => load!(Polygon, Polygon),
            oid::CIRCLE => load!(Circle, Circle),
            oid::TSVECTOR => load!(TsVector, TsVector),
            oid::TSQUERY => load!(TsQuery, TsQuery),
            oid::XML => load!(Xml, String),
            oid::JSONPATH => load!(JsonPath, String),
            oid::REGPROC
            | oid::REGPROCEDURE
            | oid::REGOPER
            | oid::REGOPERATOR
            | oid::REGCLASS
            | oid::REGTYPE
            | oid::REGCONFIG
            | oid::REGDICTIONARY
            | oid::REGNAMESPACE
            | oid::REGROLE
            | oid::REGCOLLATION => load!(Oid, u32),
            _ if oid::element_type(type_oid).is_some() => {
                Value::load_array(types, type_oid, None, format, raw, depth)
            }
            _ if range_subtype(type_oid).is_some() => {
                Range::load(type_oid, format, raw).map(|r| Value::Range(Box::new(r)))
            }
            _ if multirange_range(type_oid).is_some() => load!(Multirange, Multirange<Value>),
            oid::RECORD => Value::load_record(types, type_oid, None, format, raw, depth),
            _ => Value::load_registered(types, type_oid, format, raw, depth),
        }
    }

    /// Loads an array whose elements are `Value`s; `element` is the registered element type
    /// of an array type that is not built in (text format needs it).
    fn load_array(
        types: &AdaptersMap,
        type_oid: Oid,
        element: Option<Oid>,
        format: Format,
        raw: &[u8],
        depth: usize,
    ) -> Result<Value, Error> {
        if depth >= MAX_NESTING {
            return Err(too_deep());
        }
        let array = load_array_with(
            type_oid,
            format,
            raw,
            element,
            |_| true,
            |e, f, v| match v {
                Some(v) => Value::load_nested(types, e, f, v, depth + 1),
                None => Ok(Value::Null),
            },
        )?;
        Ok(Value::Array(array))
    }

    /// Loads a record; `fields` are the registered field types, which text records need.
    fn load_record(
        types: &AdaptersMap,
        type_oid: Oid,
        fields: Option<&[(String, Oid)]>,
        format: Format,
        raw: &[u8],
        depth: usize,
    ) -> Result<Value, Error> {
        if depth >= MAX_NESTING {
            return Err(Error::conversion(format!(
                "values nested deeper than {MAX_NESTING} levels"
            )));
        }
        let mut reader = RecordReader::new(format, raw)?;
        let mut values = Vec::new();
        while !reader.at_end() {
            let RawField { oid: field_oid, value: bytes } = reader.next_field()?;
            let field_oid = field_oid.or_else(|| fields?.get(values.len()).map(|(_, o)| *o));
            values.push(match (bytes, field_oid) {
                (None, _) => Value::Null,
                (Some(b), Some(o)) => Value::load_nested(types, o, format, &b, depth + 1)?,
                // A field of an anonymous text record: its type is not known.
                (Some(b), None) => Value::Text(
                    String::from_utf8(b.into_owned())
                        .map_err(|_| Error::conversion("a record field is not valid UTF-8"))?,
                ),
            });
        }
        reader.finish()?;
        Ok(Value::Record { type_oid, fields: values })
    }
}

impl Value {
    /// The value's own dumper, for the variants whose inner type is sent exactly as the
    /// variant's type.
    fn inner(&self) -> Option<&dyn Dumper> {
        Some(match self {
            Value::Bool(v) => v,
            Value::Int2(v) => v,
            Value::Int4(v) => v,
            Value::Int8(v) => v,
            Value::Oid(v) => v,
            Value::Float4(v) => v,
            Value::Float8(v) => v,
            Value::Numeric(v) => v,
            Value::Money(v) => v,
            Value::Bytea(v) => v,
            Value::Uuid(v) => v,
            Value::Date(v) => v,
            Value::Time(v) => v,
            Value::TimeTz(v) => v,
            Value::Timestamp(v) => v,
            Value::TimestampTz(v) => v,
            Value::Interval(v) => v,
            Value::Inet(v) => v,
            Value::MacAddr(v) => v,
            Value::MacAddr8(v) => v,
            Value::Bit(v) => v,
            Value::Xid(v) => v,
            Value::Xid8(v) => v,
            Value::Cid(v) => v,
            Value::Tid(v) => v,
            Value::PgLsn(v) => v,
            Value::Point(v) => v,
            Value::Line(v) => v,
            Value::LineSegment(v) => v,
            Value::Box(v) => v,
            Value::Path(v) => v,
            Value::Polygon(v) => v,
            Value::Circle(v) => v,
            Value::TsVector(v) => v,
            Value::TsQuery(v) => v,
            Value::Array(v) => v,
            Value::Range(v) => v,
            Value::Multirange(v) => v,
            _ => return None,
        })
    }

    /// The text of the variants held as strings.
    fn text(&self) -> Option<&str> {
        match self {
            Value::Text(s)
            | Value::Json(s)
            | Value::Jsonb(s)
            | Value::Xml(s)
            | Value::JsonPath(s)
            | Value::Enum { label: s, .. } => Some(s),
            _ => None,
        }
    }
}

/// Sent as the type it holds (see [`Value`]).
impl Dumper for Value {
    fn type_oid(&self) -> Oid {
        if let Some(inner) = self.inner() {
            return inner.type_oid();
        }
        match self {
            Value::Json(_) => oid::JSON,
            Value::Jsonb(_) => oid::JSONB,
            Value::Xml(_) => oid::XML,
            Value::JsonPath(_) => oid::JSONPATH,
            Value::Cidr(_) => oid::CIDR,
            Value::Enum { type_oid, .. }
            | Value::Other { type_oid, .. }
            | Value::Hstore { type_oid, .. } => *type_oid,
            // An anonymous record cannot be sent as `record` (the server has no input for
            // it): unspecified, so the context decides.
            Value::Record { type_oid, .. } if *type_oid != oid::RECORD => *type_oid,
            _ => 0,
        }
    }

    fn format(&self) -> Format {
        match (self.inner(), self) {
            (Some(inner), _) => inner.format(),
            // NULL names no format of its own; binary is what containers expect of it.
            (None, Value::Cidr(_) | Value::Null) => Format::Binary,
            (None, Value::Other { format, .. }) => *format,
            _ => Format::Text,
        }
    }

    fn dump(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
        match self {
            // `cidr` has the same binary form as `inet` (the server checks the host bits).
            Value::Cidr(v) => v.dump(buf),
            Value::Other { bytes, .. } => {
                buf.put_slice(bytes);
                Ok(IsNull::No)
            }
            _ => match self.inner() {
                Some(inner) => inner.dump(buf),
                None => self.dump_text(buf),
            },
        }
    }

    fn dump_text(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
        if let Some(inner) = self.inner() {
            return inner.dump_text(buf);
        }
        if let Some(text) = self.text() {
            buf.put_slice(text.as_bytes());
            return Ok(IsNull::No);
        }
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Cidr(v) => v.dump_text(buf),
            Value::Hstore { map, .. } => map.dump_text(buf),
            Value::Other { format: Format::Text, bytes, .. } => {
                buf.put_slice(bytes);
                Ok(IsNull::No)
            }
            Value::Record { fields, .. } => {
                let mut writer = RecordWriter::new(buf);
                for field in fields {
                    writer.field(field)?;
                }
                writer.finish();
                Ok(IsNull::No)
            }
            other => Err(Error::conversion(format!(
                "a binary value of type OID {} has no text form",
                other.type_oid()
            ))),
        }
    }
}

/// `From` conversions into the variant that holds each Rust type.
macro_rules! value_from {
    ($($ty:ty => $variant:ident),* $(,)?) => {
        $(
            impl From<$ty> for Value {
                fn from(v: $ty) -> Self {
                    Value::$variant(v.into())
                }
            }
        )*
    };
}

value_from! {
    bool => Bool, i16 => Int2, i32 => Int4, i64 => Int8, u32 => Oid, f32 => Float4,
    f64 => Float8, Numeric => Numeric, Money => Money, String => Text, &str => Text,
    Vec<u8> => Bytea, &[u8] => Bytea, Uuid => Uuid, Date => Date, Time => Time, TimeTz => TimeTz,
    Timestamp => Timestamp, TimestampTz => TimestampTz, Interval => Interval, MacAddr => MacAddr,
    MacAddr8 => MacAddr8, BitVec => Bit, Xid => Xid, Xid8 => Xid8, Cid => Cid, Tid => Tid,
    PgLsn => PgLsn, Point => Point, Line => Line, LineSegment => LineSegment, PgBox => Box,
    Path => Path, Polygon => Polygon, Circle => Circle, TsVector => TsVector, TsQuery => TsQuery,
    Array<Value> => Array, Multirange<Value> => Multirange,
}

/// A one-dimensional array.
impl From<Vec<Value>> for Value {
    fn from(v: Vec<Value>) -> Self {
        Value::Array(Array::from_vec(v))
    }
}

impl From<Range<Value>> for Value {
    fn from(v: Range<Value>) -> Self {
        Value::Range(Box::new(v))
    }
}

/// `None` is [`Value::Null`].
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::TypeInfo;

    #[test]
    fn malformed_built_in_values_are_errors() {
        assert!(Value::load(oid::INT4, Format::Binary, &[0, 1]).is_err());
        assert!(Value::load(oid::UUID, Format::Text, b"not-a-uuid").is_err());
        assert!(Value::load(oid::TEXT, Format::Binary, &[0xff]).is_err());
    }

    #[test]
    fn registered_kinds_decide_the_variant() {
        let map = AdaptersMap::new();
        map.register(TypeInfo::new(70_000, "d", 0, TypeKind::Domain { base: oid::INT8 }));
        map.register(TypeInfo::new(70_001, "e", 0, TypeKind::Enum { labels: vec!["x".into()] }));
        let raw = 5_i64.to_be_bytes();
        assert_eq!(Value::load_with(&map, 70_000, Format::Binary, &raw).unwrap(), Value::Int8(5));
        let e = Value::load_with(&map, 70_001, Format::Binary, b"x").unwrap();
        assert_eq!(e, Value::Enum { type_oid: 70_001, label: "x".into() });
        assert!(Value::load_with(&map, 70_001, Format::Binary, b"y").is_err());
        // Unknown types keep their bytes; text stays text.
        let other = Value::load_with(&map, 70_002, Format::Binary, &[1, 2]).unwrap();
        assert_eq!(
            other,
            Value::Other { type_oid: 70_002, format: Format::Binary, bytes: vec![1, 2] }
        );
        assert_eq!(other.type_oid(), 70_002);
        assert_eq!(
            Value::load_with(&map, 70_002, Format::Text, b"t").unwrap(),
            Value::Text("t".into())
        );
        // A domain registered as its own base does not loop.
        map.register(TypeInfo::new(70_003, "loop", 0, TypeKind::Domain { base: 70_003 }));
        assert!(Value::load_with(&map, 70_003, Format::Binary, &[1]).is_ok());
        map.register(TypeInfo::new(70_004, "a", 0, TypeKind::Domain { base: 70_005 }));
        map.register(TypeInfo::new(70_005, "b", 0, TypeKind::Domain { base: 70_004 }));
        assert!(Value::load_with(&map, 70_004, Format::Binary, &[1]).is_ok());
    }

    #[test]
    fn dumps_with_the_loaded_type() {
        let mut buf = BytesMut::new();
        let v = Value::Enum { type_oid: 70_001, label: "x".into() };
        assert_eq!((v.type_oid(), v.format()), (70_001, Format::Text));
        assert_eq!(v.dump(&mut buf).unwrap(), IsNull::No);
        assert_eq!(&buf[..], b"x");
        assert_eq!(Value::Null.dump(&mut buf).unwrap(), IsNull::Yes);
        assert_eq!(Value::from(None::<i32>), Value::Null);
        assert_eq!(Value::Cidr("10.0.0.0/8".parse().unwrap()).type_oid(), oid::CIDR);
    }
}
