//! Record codec tests: fixtures in both forms, malformed input, and round trips.

use bytes::{BufMut, BytesMut};
use proptest::prelude::*;

use super::*;

/// A binary record of `(oid, value)` fields.
fn binary(fields: &[(Oid, Option<&[u8]>)]) -> Vec<u8> {
    let mut out = BytesMut::new();
    out.put_i32(i32::try_from(fields.len()).unwrap());
    for (o, v) in fields {
        out.put_u32(*o);
        match v {
            Some(v) => {
                out.put_i32(i32::try_from(v.len()).unwrap());
                out.put_slice(v);
            }
            None => out.put_i32(-1),
        }
    }
    out.to_vec()
}

#[test]
fn binary_fields() {
    let raw = binary(&[
        (oid::INT4, Some(&7_i32.to_be_bytes())),
        (oid::TEXT, Some(b"a b")),
        (oid::INT8, None),
    ]);
    let mut r = RecordReader::new(Format::Binary, &raw).unwrap();
    assert_eq!(r.field_count(), Some(3));
    r.expect_fields(3, "T").unwrap();
    assert!(r.expect_fields(2, "T").is_err());
    assert_eq!(r.field::<i64>("a").unwrap(), 7);
    assert_eq!(r.field::<String>("b").unwrap(), "a b");
    assert_eq!(r.field::<Option<i64>>("c").unwrap(), None);
    r.finish().unwrap();
}

#[test]
fn binary_errors() {
    let raw = binary(&[(oid::INT4, Some(&7_i32.to_be_bytes())), (oid::INT8, None)]);
    // Too few fields read.
    let mut r = RecordReader::new(Format::Binary, &raw).unwrap();
    r.field::<i32>("a").unwrap();
    assert!(r.finish().is_err());
    // Too many read; NULL into a non-Option; a type that is not accepted (names the field).
    let mut r = RecordReader::new(Format::Binary, &raw).unwrap();
    let e = r.field::<String>("a").unwrap_err();
    assert!(e.to_string().contains("\"a\""), "{e}");
    let mut r = RecordReader::new(Format::Binary, &raw).unwrap();
    r.field::<i32>("a").unwrap();
    assert!(r.field::<i64>("b").is_err());
    assert!(r.field::<Option<i64>>("c").is_err());
    // Truncated anywhere.
    for n in 0..raw.len() {
        let cut = raw.get(..n).unwrap();
        let ok = RecordReader::new(Format::Binary, cut).and_then(|mut r| {
            r.field::<i32>("a")?;
            r.field::<Option<i64>>("b")?;
            r.finish()
        });
        assert!(ok.is_err(), "{n} bytes");
    }
    // Negative count and lengths below -1.
    assert!(RecordReader::new(Format::Binary, &(-1_i32).to_be_bytes()).is_err());
    let mut bad = binary(&[(oid::INT4, None)]);
    bad.splice(8..12, (-2_i32).to_be_bytes());
    let mut r = RecordReader::new(Format::Binary, &bad).unwrap();
    assert!(r.field::<Option<i32>>("a").is_err());
}

#[test]
fn user_defined_field_types_fall_back() {
    // A domain over int8 arrives with the domain's OID and int8's binary form.
    let raw = binary(&[(20_000, Some(&5_i64.to_be_bytes()))]);
    let mut r = RecordReader::new(Format::Binary, &raw).unwrap();
    assert_eq!(r.field::<i64>("a").unwrap(), 5);
    // A built-in type is never reinterpreted.
    let raw = binary(&[(oid::FLOAT8, Some(&5_i64.to_be_bytes()))]);
    let mut r = RecordReader::new(Format::Binary, &raw).unwrap();
    assert!(r.field::<i64>("a").is_err());
}

#[test]
fn text_fields() {
    let raw = br#" (1,"a b",,"x""y",\"q\\,"",  z ,"(,)") "#;
    let mut r = RecordReader::new(Format::Text, raw).unwrap();
    assert_eq!(r.field_count(), None);
    assert_eq!(r.field::<i32>("a").unwrap(), 1);
    assert_eq!(r.field::<String>("b").unwrap(), "a b");
    assert_eq!(r.field::<Option<String>>("c").unwrap(), None);
    assert_eq!(r.field::<String>("d").unwrap(), "x\"y");
    assert_eq!(r.field::<String>("e").unwrap(), "\"q\\");
    assert_eq!(r.field::<Option<String>>("f").unwrap().as_deref(), Some(""));
    assert_eq!(r.field::<String>("g").unwrap(), "  z ");
    assert_eq!(r.field::<String>("h").unwrap(), "(,)");
    r.finish().unwrap();
}

#[test]
fn text_counts_and_errors() {
    // One NULL field and zero fields are both "()", as in record_in.
    let mut r = RecordReader::new(Format::Text, b"()").unwrap();
    assert_eq!(r.field::<Option<i32>>("a").unwrap(), None);
    r.finish().unwrap();
    RecordReader::new(Format::Text, b"()").unwrap().finish().unwrap();
    // Too few fields read, too many asked for.
    let r = RecordReader::new(Format::Text, b"(1,2)").unwrap();
    assert!(r.finish().is_err());
    let mut r = RecordReader::new(Format::Text, b"(1)").unwrap();
    r.field::<i32>("a").unwrap();
    assert!(r.field::<i32>("b").is_err());
    for bad in [&b""[..], b"1,2", b"(1", b"(1,", b"(\"1)", b"(1\\", b"(1) x", b"(1)(2)"] {
        let ok = RecordReader::new(Format::Text, bad).and_then(|mut r| {
            r.field::<Option<i32>>("a")?;
            r.finish()
        });
        assert!(ok.is_err(), "{:?}", String::from_utf8_lossy(bad));
    }
}

#[test]
fn writer_quotes_like_record_out() {
    let mut buf = BytesMut::new();
    let mut w = RecordWriter::new(&mut buf);
    for v in ["plain", "", "a b", "x\"y", "b\\s", "(p)", "c,d", "tab\t", "vt\u{b}"] {
        w.field(v).unwrap();
    }
    w.field(&None::<i32>).unwrap();
    w.field(&true).unwrap();
    w.field(&b"\x01\xff"[..]).unwrap();
    w.field(&f64::NAN).unwrap();
    w.finish();
    assert_eq!(
        std::str::from_utf8(&buf).unwrap(),
        "(plain,\"\",\"a b\",\"x\"\"y\",\"b\\\\s\",\"(p)\",\"c,d\",\"tab\t\",\"vt\u{b}\",,t,\"\\\\x01ff\",NaN)"
    );
}

#[test]
fn writer_fails_without_a_text_form() {
    struct BinaryOnly;
    impl Dumper for BinaryOnly {
        fn type_oid(&self) -> Oid {
            oid::INT4
        }
        fn dump(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
            buf.put_i32(1);
            Ok(IsNull::No)
        }
    }
    let mut buf = BytesMut::new();
    let mut w = RecordWriter::new(&mut buf);
    assert!(w.field(&BinaryOnly).is_err());
}

#[test]
fn tuples_load_from_records() {
    let raw = binary(&[(oid::INT4, Some(&1_i32.to_be_bytes())), (oid::TEXT, Some(b"a"))]);
    let v = <(i32, String)>::load(oid::RECORD, Format::Binary, &raw).unwrap();
    assert_eq!(v, (1, "a".to_owned()));
    let v = <(i32, Option<String>)>::load(oid::RECORD, Format::Text, b"(1,)").unwrap();
    assert_eq!(v, (1, None));
    // Nested: a record inside a record, both forms.
    let v =
        <(i32, (bool, String))>::load(oid::RECORD, Format::Text, br#"(1,"(t,""x y"")")"#).unwrap();
    assert_eq!(v, (1, (true, "x y".to_owned())));
    assert!(<(i32,)>::load(oid::RECORD, Format::Binary, &raw).is_err());
    assert!(<(i32, String, i32)>::load(oid::RECORD, Format::Text, b"(1,a)").is_err());
    assert!(<(i32,)>::load(oid::TEXT, Format::Text, b"(1)").is_err());
    assert!(<(i32,)>::accepts(oid::RECORD) && !<(i32,)>::accepts(oid::INT4));
}

/// A field value for the round trips: a string, an integer or NULL.
#[derive(Clone, Debug, PartialEq)]
enum Field {
    Text(String),
    Int(i64),
    Null,
}

fn field() -> impl Strategy<Value = Field> {
    prop_oneof![
        "\\PC{0,12}".prop_map(Field::Text),
        "[ ,()\"\\\\a\t]{0,6}".prop_map(Field::Text),
        any::<i64>().prop_map(Field::Int),
        Just(Field::Null),
    ]
}

proptest! {
    #[test]
    fn text_round_trip(fields in prop::collection::vec(field(), 1..6)) {
        let mut buf = BytesMut::new();
        let mut w = RecordWriter::new(&mut buf);
        for f in &fields {
            match f {
                Field::Text(s) => w.field(s.as_str()).unwrap(),
                Field::Int(i) => w.field(i).unwrap(),
                Field::Null => w.field(&None::<i64>).unwrap(),
            }
        }
        w.finish();
        let mut r = RecordReader::new(Format::Text, &buf).unwrap();
        for f in &fields {
            let got = match f {
                Field::Text(_) => Field::Text(r.field::<String>("f").unwrap()),
                Field::Int(_) => Field::Int(r.field::<i64>("f").unwrap()),
                Field::Null => {
                    prop_assert_eq!(r.field::<Option<String>>("f").unwrap(), None);
                    Field::Null
                }
            };
            prop_assert_eq!(&got, f);
        }
        r.finish().unwrap();
    }

    #[test]
    fn binary_round_trip(values in prop::collection::vec(prop::option::of(any::<i64>()), 0..6)) {
        let encoded: Vec<Option<[u8; 8]>> = values.iter().map(|v| v.map(i64::to_be_bytes)).collect();
        let fields: Vec<(Oid, Option<&[u8]>)> =
            encoded.iter().map(|v| (oid::INT8, v.as_ref().map(|b| &b[..]))).collect();
        let raw = binary(&fields);
        let mut r = RecordReader::new(Format::Binary, &raw).unwrap();
        for v in &values {
            prop_assert_eq!(&r.field::<Option<i64>>("f").unwrap(), v);
        }
        r.finish().unwrap();
    }

    #[test]
    fn never_panics(raw in prop::collection::vec(any::<u8>(), 0..64), text in "[(),\"\\\\a1 ]{0,24}") {
        for (format, bytes) in [(Format::Binary, &raw[..]), (Format::Text, &raw[..]), (Format::Text, text.as_bytes())] {
            if let Ok(mut r) = RecordReader::new(format, bytes) {
                for _ in 0..4 {
                    let _ = r.field::<Option<String>>("f");
                }
                let _ = r.finish();
            }
            let _ = <(Option<i32>, Option<String>)>::load(oid::RECORD, format, bytes);
        }
    }
}
