//! Every loader on arbitrary bytes: `Value` (which dispatches to the loader of each built-in
//! type, and to registered enums, domains and composites) and the typed loaders, in both
//! formats, for a type OID chosen by the input. Nothing may panic or allocate from a declared
//! length; a value that loads, dumps and loads again must be the same value.
//!
//! Input layout: `[type OID or selector: 4 bytes] [format: 1 byte] [value bytes...]`.

#![no_main]

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use pgtusk::protocol::{Format, Oid};
use pgtusk::types::*;

/// Registered user types (OIDs past FirstNormalObjectId, as the server gives them).
const ENUM: Oid = 90_000;
const DOMAIN: Oid = 90_001;
const COMPOSITE: Oid = 90_002;
const HSTORE: Oid = 90_003;

/// Candidate OIDs: every built-in type with a loader, their arrays, ranges and multiranges,
/// the registered types above and an unknown one.
const OIDS: &[Oid] = &[
    oid::BOOL, oid::BYTEA, oid::CHAR, oid::NAME, oid::INT8, oid::INT2, oid::INT4, oid::TEXT,
    oid::OID, oid::TID, oid::XID, oid::CID, oid::JSON, oid::XML, oid::POINT, oid::LSEG,
    oid::PATH, oid::BOX, oid::POLYGON, oid::LINE, oid::CIDR, oid::FLOAT4, oid::FLOAT8,
    oid::UNKNOWN, oid::CIRCLE, oid::MACADDR8, oid::MONEY, oid::MACADDR, oid::INET, oid::BPCHAR,
    oid::VARCHAR, oid::DATE, oid::TIME, oid::TIMESTAMP, oid::TIMESTAMPTZ, oid::INTERVAL,
    oid::TIMETZ, oid::BIT, oid::VARBIT, oid::NUMERIC, oid::REGPROC, oid::REGCLASS, oid::REGTYPE,
    oid::RECORD, oid::UUID, oid::PG_LSN, oid::TSVECTOR, oid::TSQUERY, oid::JSONB,
    oid::JSONPATH, oid::XID8, oid::INT4RANGE, oid::NUMRANGE, oid::TSRANGE, oid::TSTZRANGE,
    oid::DATERANGE, oid::INT8RANGE, oid::INT4MULTIRANGE, oid::NUMMULTIRANGE,
    oid::TSMULTIRANGE, oid::TSTZMULTIRANGE, oid::DATEMULTIRANGE, oid::INT8MULTIRANGE,
    oid::INT4_ARRAY, oid::INT8_ARRAY, oid::TEXT_ARRAY, oid::FLOAT8_ARRAY, oid::NUMERIC_ARRAY,
    oid::BOOL_ARRAY, oid::BYTEA_ARRAY, oid::UUID_ARRAY, oid::TIMESTAMPTZ_ARRAY,
    oid::DATE_ARRAY, oid::JSONB_ARRAY, oid::INT4RANGE_ARRAY, oid::RECORD_ARRAY,
    oid::INT4_ARRAY, oid::TSVECTOR_ARRAY, oid::POINT_ARRAY, oid::INT8MULTIRANGE,
    ENUM, DOMAIN, COMPOSITE, HSTORE, 90_010, 90_012, 95_000,
];

fn registry() -> AdaptersMap {
    let map = AdaptersMap::new();
    map.register(TypeInfo::new(ENUM, "e", 90_010, TypeKind::Enum {
        labels: vec!["a".into(), "bb".into(), String::new()],
    }));
    map.register(TypeInfo::new(DOMAIN, "d", 90_011, TypeKind::Domain { base: oid::INT4 }));
    map.register(TypeInfo::new(COMPOSITE, "c", 90_012, TypeKind::Composite {
        fields: vec![("x".into(), oid::INT4), ("y".into(), ENUM)],
    }));
    map.register(TypeInfo::new(HSTORE, "hstore", 0, TypeKind::Base));
    map
}

/// Loads `raw` as `T` if `T` accepts the type; a loaded value that dumps in the same type and
/// format must load back equal (compared through `Debug`, so NaN equals NaN).
fn typed<T>(oid: Oid, format: Format, raw: &[u8])
where
    T: for<'a> Loader<'a> + Dumper + std::fmt::Debug,
{
    typed_by::<T>(oid, format, raw, |v| format!("{v:?}"));
}

/// [`typed`], comparing values by `canon`: for types whose text form does not keep the value's
/// structure (a tsquery's `a & b & c` is the same query whichever way its operators nest,
/// and the server prints it the same way, without parentheses).
fn typed_by<T>(oid: Oid, format: Format, raw: &[u8], canon: fn(&T) -> String)
where
    T: for<'a> Loader<'a> + Dumper + std::fmt::Debug,
{
    if !T::accepts(oid) {
        return;
    }
    let Ok(value) = T::load(oid, format, raw) else { return };
    round_trip(&value, oid, format, canon, |bytes| T::load(oid, format, bytes));
}

fn round_trip<T: Dumper + std::fmt::Debug>(
    value: &T,
    oid: Oid,
    format: Format,
    canon: impl Fn(&T) -> String,
    load: impl Fn(&[u8]) -> Result<T, pgtusk::Error>,
) {
    if value.type_oid() != oid || value.format() != format {
        return;
    }
    let mut buf = BytesMut::new();
    if let Ok(IsNull::No) = value.dump(&mut buf) {
        let again = load(&buf).unwrap_or_else(|e| panic!("{value:?} dumped as {buf:?}: {e}"));
        assert_eq!(canon(&again), canon(value), "dumped as {buf:?}");
    }
}

/// How a `Value` is compared after a round trip (see [`typed_by`]).
fn value_canon(v: &Value) -> String {
    match v {
        Value::TsQuery(q) => q.to_string(),
        other => format!("{other:?}"),
    }
}

fn borrowed(oid: Oid, format: Format, raw: &[u8]) {
    if <&str>::accepts(oid) {
        let _ = <&str>::load(oid, format, raw);
    }
    if <&[u8]>::accepts(oid) {
        let _ = <&[u8]>::load(oid, format, raw);
    }
}

fuzz_target!(|data: &[u8]| {
    let [a, b, c, d, f, raw @ ..] = data else { return };
    let wanted = u32::from_be_bytes([*a, *b, *c, *d]);
    // A listed OID as itself (seeds name real types), anything else picks one of the list.
    let oid = if OIDS.contains(&wanted) { wanted } else { OIDS[wanted as usize % OIDS.len()] };
    let format = if f & 1 == 0 { Format::Binary } else { Format::Text };

    let map = registry();
    if let Ok(v) = Value::load_with(&map, oid, format, raw) {
        round_trip(&v, oid, format, value_canon, |bytes| {
            Value::load_with(&map, oid, format, bytes)
        });
    }
    let _ = Value::load(oid, format, raw);

    borrowed(oid, format, raw);
    typed::<bool>(oid, format, raw);
    typed::<i16>(oid, format, raw);
    typed::<i32>(oid, format, raw);
    typed::<i64>(oid, format, raw);
    typed::<u32>(oid, format, raw);
    typed::<f32>(oid, format, raw);
    typed::<f64>(oid, format, raw);
    typed::<String>(oid, format, raw);
    typed::<Vec<u8>>(oid, format, raw);
    typed::<Numeric>(oid, format, raw);
    typed::<Money>(oid, format, raw);
    typed::<Uuid>(oid, format, raw);
    typed::<Date>(oid, format, raw);
    typed::<Time>(oid, format, raw);
    typed::<TimeTz>(oid, format, raw);
    typed::<Timestamp>(oid, format, raw);
    typed::<TimestampTz>(oid, format, raw);
    typed::<Interval>(oid, format, raw);
    typed::<IpNetwork>(oid, format, raw);
    typed::<std::net::IpAddr>(oid, format, raw);
    typed::<MacAddr>(oid, format, raw);
    typed::<MacAddr8>(oid, format, raw);
    typed::<BitVec>(oid, format, raw);
    typed::<std::time::SystemTime>(oid, format, raw);
    typed::<Xid>(oid, format, raw);
    typed::<Xid8>(oid, format, raw);
    typed::<Cid>(oid, format, raw);
    typed::<Tid>(oid, format, raw);
    typed::<PgLsn>(oid, format, raw);
    typed::<Point>(oid, format, raw);
    typed::<Line>(oid, format, raw);
    typed::<LineSegment>(oid, format, raw);
    typed::<PgBox>(oid, format, raw);
    typed::<Path>(oid, format, raw);
    typed::<Polygon>(oid, format, raw);
    typed::<Circle>(oid, format, raw);
    typed::<TsVector>(oid, format, raw);
    typed_by::<TsQuery>(oid, format, raw, |q| q.to_string());
    typed::<Vec<i32>>(oid, format, raw);
    typed::<Vec<Option<String>>>(oid, format, raw);
    typed::<Array<Option<i64>>>(oid, format, raw);
    typed::<Vec<Numeric>>(oid, format, raw);
    typed::<Range<i32>>(oid, format, raw);
    typed::<Range<Numeric>>(oid, format, raw);
    typed::<Range<TimestampTz>>(oid, format, raw);
    typed::<Multirange<i64>>(oid, format, raw);
    typed::<Multirange<Date>>(oid, format, raw);
    typed::<std::collections::BTreeMap<String, Option<String>>>(oid, format, raw);
    if <(i32, Option<String>)>::accepts(oid) {
        let _ = <(i32, Option<String>)>::load(oid, format, raw);
    }
    compat(oid, format, raw);
});

/// The optional integrations' loaders (the fuzz crate enables every feature).
fn compat(oid: Oid, format: Format, raw: &[u8]) {
    typed::<rust_decimal::Decimal>(oid, format, raw);
    typed::<chrono::NaiveDate>(oid, format, raw);
    typed::<chrono::NaiveDateTime>(oid, format, raw);
    typed::<chrono::DateTime<chrono::Utc>>(oid, format, raw);
    typed::<time::OffsetDateTime>(oid, format, raw);
    typed::<time::PrimitiveDateTime>(oid, format, raw);
    typed::<jiff::Timestamp>(oid, format, raw);
    typed::<jiff::civil::DateTime>(oid, format, raw);
    typed::<jiff::Span>(oid, format, raw);
    if serde_json::Value::accepts(oid) {
        let _ = serde_json::Value::load(oid, format, raw);
    }
}
