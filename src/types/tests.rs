//! Tests across the types module: dump → load round trips in both formats, the loaders' edge
//! cases, rows built from protocol messages, and property tests.

use std::borrow::Cow;
use std::fmt::Debug;

use bytes::BytesMut;
use proptest::prelude::*;

use super::loader::decode_bytea_text;
use super::row::short_type_name;
use super::*;
use crate::ErrorKind;
use crate::protocol::backend::{BackendMessage, DataRow, FieldDescription, RowDescription};
use crate::protocol::{Format, Oid};

/// The bytes `value` dumps to.
fn dump(value: &dyn Dumper) -> Vec<u8> {
    let mut buf = BytesMut::new();
    assert_eq!(value.dump(&mut buf).unwrap(), IsNull::No);
    buf.to_vec()
}

/// Dumps `value` and loads it back as `T` from a column of `oid` (the dumper's own type unless
/// it leaves the type unspecified) in the dumper's format.
fn round_trip<T>(value: &dyn Dumper, column_oid: Oid) -> T
where
    T: for<'a> Loader<'a>,
{
    let bytes = dump(value);
    let oid = match value.type_oid() {
        0 => column_oid,
        oid => oid,
    };
    assert!(T::accepts(oid));
    T::load(oid, value.format(), &bytes).unwrap()
}

/// Loads `text` (a server's text output) as `T`.
fn from_text<'a, T: Loader<'a>>(oid: Oid, text: &'a str) -> Result<T, crate::Error> {
    T::load(oid, Format::Text, text.as_bytes())
}

fn assert_conversion<T: Debug>(r: Result<T, crate::Error>) -> crate::Error {
    let e = r.expect_err("a conversion error");
    assert_eq!(e.kind(), ErrorKind::Conversion, "{e}");
    e
}

#[test]
fn binary_round_trips() {
    assert!(round_trip::<bool>(&true, 0));
    assert!(!round_trip::<bool>(&false, 0));
    assert_eq!(round_trip::<i16>(&i16::MIN, 0), i16::MIN);
    assert_eq!(round_trip::<i32>(&i32::MAX, 0), i32::MAX);
    assert_eq!(round_trip::<i64>(&i64::MIN, 0), i64::MIN);
    assert_eq!(round_trip::<u32>(&u32::MAX, 0), u32::MAX);
    assert_eq!(round_trip::<f32>(&1.25_f32, 0), 1.25);
    assert_eq!(round_trip::<f64>(&-0.1_f64, 0), -0.1);
    assert_eq!(round_trip::<f64>(&0.1_f32, 0), f64::from(0.1_f32));
    assert!(round_trip::<f64>(&f64::NAN, 0).is_nan());
    assert_eq!(round_trip::<f64>(&f64::NEG_INFINITY, 0), f64::NEG_INFINITY);
    assert_eq!(round_trip::<Vec<u8>>(&vec![0_u8, 255], 0), [0, 255]);
    let bytes = dump(&[1_u8, 2]);
    assert_eq!(Cow::<[u8]>::load(oid::BYTEA, Format::Binary, &bytes).unwrap(), &[1_u8, 2][..]);
    assert_eq!(round_trip::<Option<i64>>(&Some(5_i64), 0), Some(5));
    let bytes = dump(&&b"ab"[..]);
    assert_eq!(<&[u8]>::load(oid::BYTEA, Format::Binary, &bytes).unwrap(), b"ab");
}

#[test]
fn string_round_trips() {
    for oid in [oid::TEXT, oid::VARCHAR, oid::BPCHAR, oid::NAME, oid::UNKNOWN, oid::JSON] {
        assert_eq!(round_trip::<String>(&"héllo", oid), "héllo");
        assert_eq!(&*round_trip::<Box<str>>(&String::from("x"), oid), "x");
        let bytes = dump(&Cow::Borrowed("y"));
        assert_eq!(Cow::<str>::load(oid, Format::Text, &bytes).unwrap(), "y");
        // Text is the same bytes in both formats.
        assert_eq!(<&str>::load(oid, Format::Binary, b"z").unwrap(), "z");
        assert_eq!(<&str>::load(oid, Format::Text, b"z").unwrap(), "z");
    }
    assert_eq!(<&str>::load(oid::CHAR, Format::Binary, b"a").unwrap(), "a");
    // jsonb: binary has a version byte; text does not.
    assert_eq!(<&str>::load(oid::JSONB, Format::Binary, b"\x01{}").unwrap(), "{}");
    assert_eq!(<&str>::load(oid::JSONB, Format::Text, b"{}").unwrap(), "{}");
    assert_conversion(<&str>::load(oid::JSONB, Format::Binary, b"\x02{}"));
    assert_conversion(<&str>::load(oid::JSONB, Format::Binary, b""));
    assert_conversion(<&str>::load(oid::TEXT, Format::Text, b"\xff"));
    assert_conversion(String::load(oid::INT4, Format::Text, b"1"));
    assert!(!String::accepts(oid::INT4));
    assert!(!String::accepts(oid::BYTEA));
}

#[test]
fn text_forms() {
    assert!(from_text::<bool>(oid::BOOL, "t").unwrap());
    assert!(!from_text::<bool>(oid::BOOL, "f").unwrap());
    assert_conversion(from_text::<bool>(oid::BOOL, "true"));
    assert_conversion(bool::load(oid::BOOL, Format::Binary, &[2]));
    assert_conversion(bool::load(oid::BOOL, Format::Binary, &[]));
    assert_eq!(from_text::<i16>(oid::INT2, "-32768").unwrap(), i16::MIN);
    assert_eq!(from_text::<i32>(oid::INT4, "2147483647").unwrap(), i32::MAX);
    assert_eq!(from_text::<i64>(oid::INT8, "-9223372036854775808").unwrap(), i64::MIN);
    assert_conversion(from_text::<i64>(oid::INT8, "9223372036854775808"));
    assert_conversion(from_text::<i64>(oid::INT8, "1.5"));
    assert_conversion(from_text::<i64>(oid::INT8, ""));
    assert_eq!(from_text::<u32>(oid::OID, "4294967295").unwrap(), u32::MAX);
    assert_conversion(from_text::<u32>(oid::OID, "-1"));
    assert!(from_text::<f64>(oid::FLOAT8, "NaN").unwrap().is_nan());
    assert_eq!(from_text::<f64>(oid::FLOAT8, "Infinity").unwrap(), f64::INFINITY);
    assert_eq!(from_text::<f64>(oid::FLOAT8, "-Infinity").unwrap(), f64::NEG_INFINITY);
    assert_eq!(from_text::<f64>(oid::FLOAT8, "1e+300").unwrap(), 1e300);
    assert_eq!(from_text::<f64>(oid::FLOAT8, "-1.5e-07").unwrap(), -1.5e-7);
    assert!(from_text::<f32>(oid::FLOAT4, "NaN").unwrap().is_nan());
    assert_eq!(from_text::<f32>(oid::FLOAT4, "-Infinity").unwrap(), f32::NEG_INFINITY);
    // A float4 loads into the same f64 from either format.
    assert_eq!(from_text::<f64>(oid::FLOAT4, "0.1").unwrap(), f64::from(0.1_f32));
    assert_conversion(from_text::<f64>(oid::FLOAT8, "one"));
    assert!(!f32::accepts(oid::FLOAT8));
}

#[test]
fn integer_narrowing_and_widening() {
    let int8_40000 = dump(&40_000_i64);
    let e = assert_conversion(i16::load(oid::INT8, Format::Binary, &int8_40000));
    assert!(e.to_string().contains("40000"), "{e}");
    assert_eq!(i32::load(oid::INT8, Format::Binary, &int8_40000).unwrap(), 40_000);
    assert_conversion(from_text::<i16>(oid::INT8, "40000"));
    assert_conversion(from_text::<i32>(oid::INT8, "2147483648"));
    assert_eq!(from_text::<i32>(oid::INT8, "2147483647").unwrap(), i32::MAX);
    // Narrower columns always fit wider Rust integers.
    assert_eq!(i64::load(oid::INT2, Format::Binary, &dump(&-5_i16)).unwrap(), -5);
    assert_eq!(
        i64::load(oid::INT4, Format::Binary, &dump(&i32::MIN)).unwrap(),
        i64::from(i32::MIN)
    );
    assert_eq!(i32::load(oid::INT2, Format::Binary, &dump(&7_i16)).unwrap(), 7);
    // The binary width must match the column type.
    assert_conversion(i64::load(oid::INT8, Format::Binary, &dump(&1_i32)));
    assert_conversion(i16::load(oid::INT2, Format::Binary, &[1]));
    assert_conversion(i64::load(oid::FLOAT8, Format::Binary, &dump(&1.0_f64)));
    assert!(!i64::accepts(oid::OID));
    assert!(!u32::accepts(oid::INT4));
}

#[test]
fn null_handling() {
    assert_conversion(i32::load_null(oid::INT4));
    assert_conversion(String::load_null(oid::TEXT));
    assert_eq!(Option::<i32>::load_null(oid::INT4).unwrap(), None);
    assert_eq!(Option::<&str>::load_null(oid::TEXT).unwrap(), None);
    assert!(Option::<i32>::accepts(oid::INT8));
    assert!(!Option::<i32>::accepts(oid::TEXT));
}

#[test]
fn bytea_text_forms() {
    assert_eq!(decode_bytea_text(br"\x").unwrap(), b"");
    assert_eq!(decode_bytea_text(br"\x0102ff").unwrap(), [1, 2, 255]);
    assert_eq!(decode_bytea_text(br"\xABcd").unwrap(), [0xab, 0xcd]);
    assert_conversion(decode_bytea_text(br"\x0g"));
    assert_conversion(decode_bytea_text(br"\x012"));
    assert_conversion(decode_bytea_text(br"\x 01"));
    // The legacy escape format.
    assert_eq!(decode_bytea_text(b"").unwrap(), b"");
    assert_eq!(decode_bytea_text(br"a\\b\001\377").unwrap(), b"a\\b\x01\xff");
    assert_conversion(decode_bytea_text(br"\9"));
    assert_conversion(decode_bytea_text(br"\40"));
    assert_conversion(decode_bytea_text(br"\400"));
    assert_conversion(decode_bytea_text(b"\\"));
    assert_eq!(Vec::<u8>::load(oid::BYTEA, Format::Text, br"\x00ff").unwrap(), [0, 255]);
    assert_eq!(
        Cow::<[u8]>::load(oid::BYTEA, Format::Text, br"\x00").unwrap(),
        Cow::<[u8]>::Owned(vec![0])
    );
    assert_conversion(<&[u8]>::load(oid::BYTEA, Format::Text, br"\x00"));
    assert_conversion(Vec::<u8>::load(oid::TEXT, Format::Binary, b"x"));
}

// ---------------------------------------------------------------------------------------------
// Rows

fn field(name: &str, type_oid: Oid, format: Format) -> FieldDescription<'_> {
    FieldDescription {
        name,
        table_oid: 0,
        column_id: 0,
        type_oid,
        type_size: -1,
        type_modifier: -1,
        format,
    }
}

/// A RowDescription and a DataRow as a server sends them (through the decoder), made into a
/// row.
fn row(fields: &[FieldDescription<'_>], values: &[Option<&[u8]>]) -> Row {
    let description = RowDescription::new(fields).unwrap();
    let BackendMessage::RowDescription(description) =
        BackendMessage::decode(b'T', description.body().clone()).unwrap()
    else {
        panic!("not a RowDescription");
    };
    let data = DataRow::new(values).unwrap();
    let BackendMessage::DataRow(data) = BackendMessage::decode(b'D', data.body().clone()).unwrap()
    else {
        panic!("not a DataRow");
    };
    Row::new(Columns::from_description(&description), data).unwrap()
}

/// `SELECT 1::int4 AS id, 'ann' AS name, NULL::int8 AS age, 40000::int8 AS big, '\x01ff'::bytea`
fn sample() -> Row {
    let id = 1_i32.to_be_bytes();
    let big = 40_000_i64.to_be_bytes();
    row(
        &[
            field("id", oid::INT4, Format::Binary),
            field("name", oid::TEXT, Format::Text),
            field("age", oid::INT8, Format::Binary),
            field("big", oid::INT8, Format::Binary),
            field("data", oid::BYTEA, Format::Text),
        ],
        &[Some(&id), Some(b"ann"), None, Some(&big), Some(br"\x01ff")],
    )
}

#[test]
fn row_by_index_and_name() {
    let r = sample();
    assert_eq!(r.len(), 5);
    assert!(!r.is_empty());
    assert_eq!(r.columns()[1].name(), "name");
    assert_eq!(r.columns()[1].type_name(), Some("text"));
    assert_eq!(r.get::<_, i32>(0), 1);
    assert_eq!(r.get::<_, i64>("id"), 1);
    assert_eq!(r.get::<_, &str>("name"), "ann");
    assert_eq!(r.get::<_, String>(&String::from("name")), "ann");
    assert_eq!(r.get::<_, String>(String::from("name")), "ann");
    assert_eq!(r.get::<_, Option<i64>>("age"), None);
    assert_eq!(r.get::<_, Option<i64>>("big"), Some(40_000));
    assert_eq!(r.get::<_, Vec<u8>>("data"), [1, 255]);
    assert_eq!(r.raw("name"), Some(&b"ann"[..]));
    assert_eq!(r.raw("age"), None);
    assert_eq!(r.try_raw(9).unwrap_err().kind(), ErrorKind::Conversion);
    assert_eq!(r.get_bytes(1).as_deref(), Some(&b"ann"[..]));
    assert_eq!(r.get_bytes(2), None);
    // Zero-copy: the slice points into the DataRow body.
    let bytes = r.get_bytes("name").unwrap();
    let body = r.data_row().body();
    assert!(body.as_ptr_range().contains(&bytes.as_ptr()));
    assert!(format!("{r:?}").contains("\"name\": Some(b\"ann\")"));
}

#[test]
fn row_errors_name_the_column() {
    let r = sample();
    let e = assert_conversion(r.try_get::<_, i32>("age"));
    let text = e.to_string();
    assert!(text.contains("\"age\"") && text.contains("int8") && text.contains("i32"), "{text}");
    assert!(text.contains("NULL"), "{text}");

    let e = assert_conversion(r.try_get::<_, i16>("big"));
    let text = e.to_string();
    assert!(text.contains("\"big\"") && text.contains("int8") && text.contains("i16"), "{text}");
    assert!(text.contains("40000"), "{text}");

    let e = assert_conversion(r.try_get::<_, i64>("name"));
    let text = e.to_string();
    assert!(text.contains("\"name\"") && text.contains("text") && text.contains("i64"), "{text}");

    let e = assert_conversion(r.try_get::<_, Option<String>>("id"));
    assert!(e.to_string().contains("Option<String>"), "{e}");

    let e = assert_conversion(r.try_get::<_, i32>("missing"));
    assert!(e.to_string().contains("no column named \"missing\""), "{e}");
    let e = assert_conversion(r.try_get::<_, i32>(5));
    assert!(e.to_string().contains("5 is out of range"), "{e}");
}

#[test]
#[should_panic(expected = "no column named \"nope\"")]
fn get_panics_on_a_missing_column() {
    let _: i32 = sample().get("nope");
}

#[test]
#[should_panic(expected = "cannot load column \"age\" of type int8 into i64")]
fn get_panics_on_null() {
    let _: i64 = sample().get("age");
}

#[test]
fn name_lookup() {
    let r = row(
        &[
            field("id", oid::INT4, Format::Text),
            field("Name", oid::TEXT, Format::Text),
            field("name", oid::TEXT, Format::Text),
            field("id", oid::INT4, Format::Text),
        ],
        &[Some(b"1"), Some(b"upper"), Some(b"lower"), Some(b"2")],
    );
    // The first exact match wins.
    assert_eq!(r.get::<_, i32>("id"), 1);
    assert_eq!(r.get::<_, &str>("Name"), "upper");
    assert_eq!(r.get::<_, &str>("name"), "lower");
    // Then the first ASCII-case-insensitive match.
    assert_eq!(r.get::<_, &str>("NAME"), "upper");
    assert_eq!(r.get::<_, i32>("ID"), 1);
    assert_eq!(r.shared_columns().position("nAmE"), Some(1));
    assert_eq!(r.shared_columns().position("x"), None);
}

#[test]
fn wide_rows_use_the_strided_index() {
    for width in [0_usize, 1, 15, 16, 17, 33, 100] {
        let names: Vec<String> = (0..width).map(|i| format!("c{i}")).collect();
        let fields: Vec<_> = names.iter().map(|n| field(n, oid::INT8, Format::Binary)).collect();
        let values: Vec<[u8; 8]> = (0..width as i64).map(i64::to_be_bytes).collect();
        let data: Vec<Option<&[u8]>> =
            values.iter().enumerate().map(|(i, v)| (i % 3 != 2).then_some(&v[..])).collect();
        let r = row(&fields, &data);
        assert_eq!(r.len(), width);
        for i in (0..width).rev() {
            let got: Option<i64> = r.get(i);
            assert_eq!(got, (i % 3 != 2).then_some(i as i64), "column {i} of {width}");
            assert_eq!(r.get::<_, Option<i64>>(names[i].as_str()), got);
        }
        assert!(r.try_get::<_, Option<i64>>(width).is_err());
    }
}

#[test]
fn row_needs_one_value_per_column() {
    let columns = Columns::from_description(
        &RowDescription::new(&[field("a", oid::INT4, Format::Text)]).unwrap(),
    );
    let data = DataRow::new(&[Some(b"1"), Some(b"2")]).unwrap();
    let e = Row::new(columns, data).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Protocol);
}

#[test]
fn tuples_from_rows() {
    let r = row(
        &[
            field("a", oid::INT8, Format::Text),
            field("b", oid::TEXT, Format::Text),
            field("c", oid::FLOAT8, Format::Text),
        ],
        &[Some(b"1"), Some(b"x"), None],
    );
    let t: (i64, String, Option<f64>) = FromRow::from_row(&r).unwrap();
    assert_eq!(t, (1, "x".to_owned(), None));
    let e = assert_conversion(<(i64, String)>::from_row(&r));
    assert!(e.to_string().contains("3 columns"), "{e}");
    let e = assert_conversion(<(i64, String, f64)>::from_row(&r));
    assert!(e.to_string().contains("\"c\""), "{e}");
    let copy = Row::from_row(&r).unwrap();
    assert_eq!(copy.get::<_, &str>(1), "x");

    let sixteen: Vec<[u8; 1]> = (0..16_u8).map(|i| [b'0' + i % 10]).collect();
    let names: Vec<String> = (0..16).map(|i| format!("c{i}")).collect();
    let fields: Vec<_> = names.iter().map(|n| field(n, oid::INT2, Format::Text)).collect();
    let values: Vec<Option<&[u8]>> = sixteen.iter().map(|v| Some(&v[..])).collect();
    type T16 = (i16, i16, i16, i16, i16, i16, i16, i16, i16, i16, i16, i16, i16, i16, i16, i64);
    let t = T16::from_row(&row(&fields, &values)).unwrap();
    assert_eq!((t.0, t.9, t.10, t.15), (0, 9, 0, 5));
}

#[test]
fn description_formats() {
    let description = RowDescription::new(&[
        field("a", oid::INT4, Format::Text),
        field("b", oid::TEXT, Format::Text),
    ])
    .unwrap();
    let formats = |f: &[Format]| {
        Columns::from_description_with_formats(&description, f)
            .as_slice()
            .iter()
            .map(Column::format)
            .collect::<Vec<_>>()
    };
    use Format::{Binary, Text};
    assert_eq!(formats(&[]), [Text, Text]);
    assert_eq!(formats(&[Binary]), [Binary, Binary]);
    assert_eq!(formats(&[Binary, Text]), [Binary, Text]);
    assert_eq!(formats(&[Binary, Binary, Binary]), [Text, Text]);
    let columns = Columns::from_description(&description);
    assert_eq!(columns.len(), 2);
    assert_eq!(columns.get(0).map(Column::name), Some("a"));
    assert_eq!(columns.get(0).and_then(Column::table_oid), None);
}

#[test]
fn column_metadata() {
    let description = RowDescription::new(&[FieldDescription {
        name: "v",
        table_oid: 16_384,
        column_id: 2,
        type_oid: oid::VARCHAR,
        type_size: -1,
        type_modifier: 14,
        format: Format::Binary,
    }])
    .unwrap();
    let columns = Columns::from_description(&description);
    let c = &columns.as_slice()[0];
    assert_eq!(c.table_oid(), Some(16_384));
    assert_eq!(c.column_id(), Some(2));
    assert_eq!(c.type_oid(), oid::VARCHAR);
    assert_eq!(c.type_size(), -1);
    assert_eq!(c.type_modifier(), 14);
    assert_eq!(c.format(), Format::Binary);
    let plain = Column::new("x", 99_999, Format::Text);
    assert_eq!(plain.type_name(), None);
    assert_eq!(plain.column_id(), None);
}

#[test]
fn unknown_types_are_named_by_oid() {
    let r = row(&[field("e", 99_999, Format::Text)], &[Some(b"happy")]);
    let e = assert_conversion(r.try_get::<_, String>(0));
    assert!(e.to_string().contains("type with OID 99999"), "{e}");
    assert_eq!(r.raw(0), Some(&b"happy"[..]));
}

#[test]
fn short_type_names() {
    assert_eq!(short_type_name(std::any::type_name::<String>()), "String");
    assert_eq!(short_type_name(std::any::type_name::<Option<Vec<u8>>>()), "Option<Vec<u8>>");
    // `type_name`'s exact text is not stable: only the paths must be gone.
    let cow = short_type_name(std::any::type_name::<Cow<'_, str>>());
    assert!(cow.starts_with("Cow<") && !cow.contains("::"), "{cow}");
    assert_eq!(short_type_name(std::any::type_name::<&[u8]>()), "&[u8]");
    assert_eq!(short_type_name("a::b::C<d::E, f::G>"), "C<E, G>");
}

#[test]
fn conversion_context_keeps_one_sentence() {
    let e = crate::Error::conversion("value 1 is bad").conversion_context("column \"a\"");
    assert_eq!(e.kind(), ErrorKind::Conversion);
    assert_eq!(e.to_string(), "conversion error: column \"a\": value 1 is bad");
    // A shared error is copied, not unwrapped.
    let shared = crate::Error::conversion("bad");
    let e = shared.clone().conversion_context("ctx");
    assert_eq!(e.to_string(), "conversion error: ctx: bad");
    // Another kind becomes the source.
    let e = crate::Error::misuse("oops").conversion_context("ctx");
    assert_eq!(e.kind(), ErrorKind::Conversion);
    assert!(std::error::Error::source(&e).is_some());
}

// ---------------------------------------------------------------------------------------------
// Property tests

/// Every loader in both formats, on `raw`: each must return, never panic.
fn load_everything(oid: Oid, raw: &[u8]) {
    fn all<'a, T: Loader<'a>>(oid: Oid, raw: &'a [u8]) {
        let _ = T::accepts(oid);
        let _ = T::load(oid, Format::Binary, raw);
        let _ = T::load(oid, Format::Text, raw);
        let _ = T::load_null(oid);
    }
    all::<bool>(oid, raw);
    all::<i16>(oid, raw);
    all::<i32>(oid, raw);
    all::<i64>(oid, raw);
    all::<u32>(oid, raw);
    all::<f32>(oid, raw);
    all::<f64>(oid, raw);
    all::<&str>(oid, raw);
    all::<String>(oid, raw);
    all::<Box<str>>(oid, raw);
    all::<Cow<'_, str>>(oid, raw);
    all::<&[u8]>(oid, raw);
    all::<Vec<u8>>(oid, raw);
    all::<Cow<'_, [u8]>>(oid, raw);
    all::<Option<i64>>(oid, raw);
}

fn any_oid() -> impl Strategy<Value = Oid> {
    prop_oneof![
        proptest::sample::select(vec![
            oid::BOOL,
            oid::BYTEA,
            oid::CHAR,
            oid::NAME,
            oid::INT8,
            oid::INT2,
            oid::INT4,
            oid::TEXT,
            oid::OID,
            oid::JSON,
            oid::FLOAT4,
            oid::FLOAT8,
            oid::UNKNOWN,
            oid::BPCHAR,
            oid::VARCHAR,
            oid::JSONB,
        ]),
        any::<Oid>(),
    ]
}

/// `bytes` in bytea's hex text form.
fn hex(bytes: &[u8]) -> String {
    let mut out = String::from("\\x");
    for b in bytes {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

proptest! {
    #[test]
    fn i64_round_trips(v in any::<i64>()) {
        prop_assert_eq!(round_trip::<i64>(&v, 0), v);
        prop_assert_eq!(from_text::<i64>(oid::INT8, &v.to_string()).unwrap(), v);
        let narrow = i32::load(oid::INT8, Format::Binary, &dump(&v));
        prop_assert_eq!(narrow.ok(), i32::try_from(v).ok());
    }

    #[test]
    fn f64_round_trips(v in any::<f64>()) {
        let back = round_trip::<f64>(&v, 0);
        prop_assert!(back.to_bits() == v.to_bits() || (v.is_nan() && back.is_nan()));
        let text = if v.is_nan() { "NaN".to_owned() } else if v.is_infinite() {
            if v > 0.0 { "Infinity".to_owned() } else { "-Infinity".to_owned() }
        } else { format!("{v:e}") };
        let back = from_text::<f64>(oid::FLOAT8, &text).unwrap();
        prop_assert!(back == v || (v.is_nan() && back.is_nan()));
    }

    #[test]
    fn string_round_trips_prop(s in any::<String>()) {
        prop_assert_eq!(&round_trip::<String>(&s, oid::TEXT), &s);
        prop_assert_eq!(<&str>::load(oid::VARCHAR, Format::Binary, s.as_bytes()).unwrap(), &s);
    }

    #[test]
    fn bytes_round_trip(v in proptest::collection::vec(any::<u8>(), 0..64)) {
        prop_assert_eq!(&round_trip::<Vec<u8>>(&v, 0), &v);
        prop_assert_eq!(&Vec::<u8>::load(oid::BYTEA, Format::Text, hex(&v).as_bytes()).unwrap(), &v);
    }

    #[test]
    fn arbitrary_bytes_never_panic(
        oid in any_oid(),
        raw in proptest::collection::vec(any::<u8>(), 0..24),
    ) {
        load_everything(oid, &raw);
        let _ = decode_bytea_text(&raw);
    }

    #[test]
    fn arbitrary_rows_never_panic(
        oids in proptest::collection::vec(any_oid(), 0..20),
        values in proptest::collection::vec(
            proptest::option::of(proptest::collection::vec(any::<u8>(), 0..10)), 0..20),
        binary in any::<bool>(),
    ) {
        let n = oids.len().min(values.len());
        let format = if binary { Format::Binary } else { Format::Text };
        let names: Vec<String> = (0..n).map(|i| format!("c{i}")).collect();
        let fields: Vec<_> = names.iter().zip(&oids).map(|(name, &oid)| field(name, oid, format)).collect();
        let data: Vec<Option<&[u8]>> = values.iter().take(n).map(Option::as_deref).collect();
        let r = row(&fields, &data);
        for i in 0..n + 1 {
            let _ = r.try_get::<_, Option<i64>>(i);
            let _ = r.try_get::<_, Option<&str>>(i);
            let _ = r.try_get::<_, Vec<u8>>(i);
            let _ = r.try_get::<_, f64>(i);
            let _ = r.try_raw(i);
            prop_assert_eq!(r.try_raw(i).ok().flatten(), data.get(i).copied().flatten());
            let bytes = r.try_get_bytes(i).ok().flatten();
            prop_assert_eq!(bytes.as_deref(), data.get(i).copied().flatten());
        }
        let _ = format!("{r:?}");
    }
}

/// Compares the inline index against walking the DataRow from its start on every access.
/// Run with `cargo test --release --lib bench_row_access -- --ignored --nocapture
/// --test-threads=1`; each figure is the best of several runs, in ns per row.
#[test]
#[ignore = "micro-benchmark"]
fn bench_row_access() {
    use std::hint::black_box;
    use std::time::{Duration, Instant};

    const ROWS: usize = 100_000;
    fn best(mut f: impl FnMut() -> usize) -> f64 {
        let mut best = Duration::MAX;
        for _ in 0..7 {
            let start = Instant::now();
            black_box(f());
            best = best.min(start.elapsed());
        }
        best.as_nanos() as f64 / ROWS as f64
    }
    /// What `try_raw` would do without an index: walk from the first value.
    fn walk(d: &DataRow, i: usize) -> Option<&[u8]> {
        d.values().nth(i).flatten()
    }

    for width in [1_usize, 2, 4, 8, 16, 32, 64] {
        let names: Vec<String> = (0..width).map(|i| format!("c{i}")).collect();
        let fields: Vec<_> = names.iter().map(|n| field(n, oid::INT8, Format::Binary)).collect();
        let values: Vec<[u8; 8]> = (0..width as i64).map(i64::to_be_bytes).collect();
        let data: Vec<Option<&[u8]>> = values.iter().map(|v| Some(&v[..])).collect();
        let columns = Columns::from_description(&RowDescription::new(&fields).unwrap());
        let rows: Vec<DataRow> = (0..ROWS).map(|_| DataRow::new(&data).unwrap()).collect();

        // Building each row, then reading every column.
        let indexed = best(|| {
            let mut n = 0;
            for d in &rows {
                let r = Row::new(columns.clone(), d.clone()).unwrap();
                for i in 0..width {
                    n += r.raw(i).map_or(0, <[u8]>::len);
                }
            }
            n
        });
        let walked = best(|| {
            let mut n = 0;
            for d in &rows {
                let (_c, d) = (columns.clone(), d.clone());
                for i in 0..width {
                    n += walk(&d, i).map_or(0, <[u8]>::len);
                }
            }
            n
        });
        // Reading every column of one row already built (hot in cache).
        let row = Row::new(columns.clone(), rows[0].clone()).unwrap();
        let hot_indexed = best(|| {
            let mut n = 0;
            for _ in &rows {
                let r = black_box(&row);
                for i in 0..width {
                    n += r.raw(i).map_or(0, <[u8]>::len);
                }
            }
            n
        });
        let hot_walked = best(|| {
            let mut n = 0;
            for _ in &rows {
                let d = black_box(&rows[0]);
                for i in 0..width {
                    n += walk(d, i).map_or(0, <[u8]>::len);
                }
            }
            n
        });
        println!(
            "{width:>3} columns: build+read indexed {indexed:>7.1} walked {walked:>7.1}; \
             read hot row indexed {hot_indexed:>7.1} walked {hot_walked:>7.1}"
        );
    }
}

#[test]
fn tuples_from_data_rows_match_rows() {
    let row = sample();
    let columns = row.shared_columns().clone();
    type T5 = (i64, String, Option<i64>, i64, Vec<u8>);
    let via_row = T5::from_row(&row).unwrap();
    let direct = T5::from_data_row(&columns, row.data_row().clone()).unwrap();
    assert_eq!(via_row, direct);
    // The same errors: NULL into a non-Option, a type that does not fit, a wrong arity.
    type Bad = (i64, String, i64, i64, Vec<u8>);
    let a = Bad::from_row(&row).unwrap_err().to_string();
    let b = Bad::from_data_row(&columns, row.data_row().clone()).unwrap_err().to_string();
    assert_eq!(a, b);
    assert!(a.contains("\"age\""), "{a}");
    type Narrow = (i64, String, Option<i64>, i16, Vec<u8>);
    let a = Narrow::from_row(&row).unwrap_err().to_string();
    let b = Narrow::from_data_row(&columns, row.data_row().clone()).unwrap_err().to_string();
    assert_eq!(a, b);
    let e = <(i64, String)>::from_data_row(&columns, row.data_row().clone()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Conversion);
    // Row's own FromRow goes through the default (a Row is made).
    let again = Row::from_data_row(&columns, row.data_row().clone()).unwrap();
    assert_eq!(again.get::<_, i64>("big"), 40_000);
}

/// What reading a DataRow `body` the usual way gives: the decode error, or the tuple (or its
/// error) built from the decoded row.
fn usual_path<T: FromRow>(columns: &std::sync::Arc<Columns>, body: &[u8]) -> Result<T, String> {
    let data = match BackendMessage::decode(b'D', bytes::Bytes::copy_from_slice(body)) {
        Ok(BackendMessage::DataRow(data)) => data,
        Ok(other) => panic!("not a DataRow: {other:?}"),
        Err(e) => return Err(format!("decode: {e}")),
    };
    T::from_data_row(columns, data).map_err(|e| e.to_string())
}

/// Reading in place gives what the usual path gives, or leaves the row to it (`None`) when
/// the row is malformed or does not have one value per column.
fn check_in_place<T: FromRow + PartialEq + Debug>(columns: &std::sync::Arc<Columns>, body: &[u8]) {
    let usual = usual_path::<T>(columns, body);
    match T::from_data_row_in_place(columns, body) {
        Some(Ok(v)) => assert_eq!(usual, Ok(v), "{body:?}"),
        Some(Err(e)) => {
            assert_eq!(usual, Err(e.to_string()), "{body:?}");
            assert_eq!(e.kind(), ErrorKind::Conversion);
        }
        None => assert!(
            usual.as_ref().is_err_and(|e| !e.contains("cannot load column")),
            "in place gave up on a row the usual path loads: {usual:?} {body:?}"
        ),
    }
}

/// The columns `(int8, text, float8)`, binary.
fn in_place_columns() -> std::sync::Arc<Columns> {
    let fields = [
        field("id", oid::INT8, Format::Binary),
        field("name", oid::TEXT, Format::Binary),
        field("x", oid::FLOAT8, Format::Binary),
    ];
    Columns::from_description(&RowDescription::new(&fields).unwrap())
}

type InPlace = (i64, String, Option<f64>);

#[test]
fn tuples_in_place_match_the_usual_path() {
    let columns = in_place_columns();
    let id = 7_i64.to_be_bytes();
    let x = 0.5_f64.to_be_bytes();
    let good = DataRow::new(&[Some(&id), Some(b"ann"), Some(&x)]).unwrap().body().to_vec();
    let got = <InPlace>::from_data_row_in_place(&columns, &good).unwrap().unwrap();
    assert_eq!(got, (7, "ann".to_owned(), Some(0.5)));
    check_in_place::<InPlace>(&columns, &good);
    let null = DataRow::new(&[Some(&id), Some(b"ann"), None]).unwrap().body().to_vec();
    check_in_place::<InPlace>(&columns, &null);
    // Load errors: NULL into a non-Option, invalid UTF-8, a value of the wrong size.
    check_in_place::<(i64, String, f64)>(&columns, &null);
    let bad_utf8 = DataRow::new(&[Some(&id), Some(b"\xff"), Some(&x)]).unwrap().body().to_vec();
    check_in_place::<InPlace>(&columns, &bad_utf8);
    let short = DataRow::new(&[Some(&id[..4]), Some(b"a"), None]).unwrap().body().to_vec();
    check_in_place::<InPlace>(&columns, &short);
    // A load error in a row malformed further on: the malformed row is what is reported.
    let mut bad_then_short = short.clone();
    bad_then_short.push(0);
    assert!(<InPlace>::from_data_row_in_place(&columns, &bad_then_short).is_none());
    check_in_place::<InPlace>(&columns, &bad_then_short);
    // Malformed rows: truncated anywhere, trailing bytes, a length below -1, another count.
    for cut in 0..good.len() {
        assert!(<InPlace>::from_data_row_in_place(&columns, &good[..cut]).is_none(), "{cut}");
        check_in_place::<InPlace>(&columns, &good[..cut]);
    }
    let mut trailing = good.clone();
    trailing.push(0);
    check_in_place::<InPlace>(&columns, &trailing);
    let mut minus_two = null.clone();
    let at = minus_two.len() - 4;
    minus_two[at..].copy_from_slice(&(-2_i32).to_be_bytes());
    assert!(<InPlace>::from_data_row_in_place(&columns, &minus_two).is_none());
    check_in_place::<(i64, String, Option<f64>)>(&columns, &minus_two);
    let two = DataRow::new(&[Some(&id), Some(b"ann")]).unwrap().body().to_vec();
    check_in_place::<InPlace>(&columns, &two);
    // A tuple of another arity, and a type that reads no rows in place.
    check_in_place::<(i64, String)>(&columns, &good);
    assert!(Row::from_data_row_in_place(&columns, &good).is_none());
}

proptest! {
    /// Any body, well-formed or not: reading in place agrees with the usual path.
    #[test]
    fn tuples_in_place_agree_on_any_body(
        values in proptest::collection::vec(
            proptest::option::of(proptest::collection::vec(any::<u8>(), 0..12)),
            0..5,
        ),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..3),
        cut in any::<prop::sample::Index>(),
        tail in proptest::collection::vec(any::<u8>(), 0..3),
    ) {
        let columns = in_place_columns();
        let values: Vec<Option<&[u8]>> = values.iter().map(Option::as_deref).collect();
        let mut body = DataRow::new(&values).unwrap().body().to_vec();
        check_in_place::<InPlace>(&columns, &body);
        for (i, byte) in edits {
            let i = i.index(body.len());
            body[i] = byte;
        }
        check_in_place::<InPlace>(&columns, &body);
        check_in_place::<(i64, String, f64)>(&columns, &body);
        body.truncate(cut.index(body.len() + 1));
        body.extend_from_slice(&tail);
        check_in_place::<InPlace>(&columns, &body);
    }
}
