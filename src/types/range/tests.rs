use std::ops::Bound::{Excluded, Included, Unbounded};

use proptest::prelude::*;

use super::*;
use crate::types::{Timestamp, TimestampTz};

fn dumped(d: &dyn Dumper) -> (Oid, Format, Vec<u8>) {
    let mut buf = BytesMut::new();
    assert_eq!(d.dump(&mut buf).unwrap(), IsNull::No);
    (d.type_oid(), d.format(), buf.to_vec())
}

fn int4(v: i32) -> Vec<u8> {
    let mut out = 4_i32.to_be_bytes().to_vec();
    out.extend(v.to_be_bytes());
    out
}

#[test]
fn oid_mapping() {
    assert_eq!(range_subtype(oid::INT4RANGE), Some(oid::INT4));
    assert_eq!(range_subtype(oid::TSTZRANGE), Some(oid::TIMESTAMPTZ));
    assert_eq!(range_subtype(oid::INT4), None);
    assert_eq!(range_of_subtype(oid::DATE), Some(oid::DATERANGE));
    assert_eq!(multirange_range(oid::NUMMULTIRANGE), Some(oid::NUMRANGE));
    assert_eq!(multirange_of_range(oid::INT8RANGE), Some(oid::INT8MULTIRANGE));
    assert!(Range::<i64>::accepts(oid::INT4RANGE));
    assert!(!Range::<i32>::accepts(oid::DATERANGE));
    assert!(Multirange::<Timestamp>::accepts(oid::TSMULTIRANGE));
    assert!(!Multirange::<Timestamp>::accepts(oid::TSRANGE));
}

#[test]
fn binary_fixtures() {
    let r = Range::new(Included(1), Excluded(5));
    let mut raw = vec![LB_INC];
    raw.extend(int4(1));
    raw.extend(int4(5));
    assert_eq!(dumped(&r), (oid::INT4RANGE, Format::Binary, raw.clone()));
    assert_eq!(Range::<i32>::load(oid::INT4RANGE, Format::Binary, &raw).unwrap(), r);
    let wide = Range::<i64>::load(oid::INT4RANGE, Format::Binary, &raw).unwrap();
    assert_eq!(wide, Range::new(Included(1_i64), Excluded(5)));
    for n in 0..raw.len() {
        assert!(Range::<i32>::load(oid::INT4RANGE, Format::Binary, &raw[..n]).is_err(), "{n}");
    }
    raw.push(0);
    assert!(Range::<i32>::load(oid::INT4RANGE, Format::Binary, &raw).is_err());

    let r = Range::new(Unbounded, Included(3));
    let mut raw = vec![LB_INF | UB_INC];
    raw.extend(int4(3));
    assert_eq!(dumped(&r), (oid::INT4RANGE, Format::Binary, raw.clone()));
    assert_eq!(Range::<i32>::load(oid::INT4RANGE, Format::Binary, &raw).unwrap(), r);
    // The server may set flags it ignores (contain-empty); a NULL bound is refused.
    raw[0] |= 0x80;
    assert_eq!(Range::<i32>::load(oid::INT4RANGE, Format::Binary, &raw).unwrap(), r);
    let null = [&[UB_INF][..], &(-1_i32).to_be_bytes()].concat();
    assert!(Range::<i32>::load(oid::INT4RANGE, Format::Binary, &null).is_err());

    assert_eq!(
        Range::<i32>::load(oid::INT4RANGE, Format::Binary, &[EMPTY]).unwrap(),
        Range::empty()
    );
    assert!(Range::<i32>::load(oid::INT4RANGE, Format::Binary, &[EMPTY, 0]).is_err());
    assert!(Range::<i32>::load(oid::INT4, Format::Binary, &[EMPTY]).is_err());

    // Multirange: a count, then length-prefixed ranges.
    let m = Multirange::new(vec![Range::new(Included(1), Excluded(3)), Range::empty()]);
    let mut raw = 2_i32.to_be_bytes().to_vec();
    raw.extend(17_i32.to_be_bytes()); // flags + two length-prefixed int4
    raw.push(LB_INC);
    raw.extend(int4(1));
    raw.extend(int4(3));
    raw.extend(1_i32.to_be_bytes());
    raw.push(EMPTY);
    assert_eq!(dumped(&m), (oid::INT4MULTIRANGE, Format::Binary, raw.clone()));
    assert_eq!(Multirange::<i32>::load(oid::INT4MULTIRANGE, Format::Binary, &raw).unwrap(), m);
    for n in 0..raw.len() {
        assert!(Multirange::<i32>::load(oid::INT4MULTIRANGE, Format::Binary, &raw[..n]).is_err());
    }
    let huge = i32::MAX.to_be_bytes();
    assert!(Multirange::<i32>::load(oid::INT4MULTIRANGE, Format::Binary, &huge).is_err());
}

#[test]
fn text_forms() {
    let load = |s: &'static str| Range::<i32>::load(oid::INT4RANGE, Format::Text, s.as_bytes());
    assert_eq!(load("empty").unwrap(), Range::empty());
    assert_eq!(load(" EMPTY ").unwrap(), Range::empty());
    assert_eq!(load("[1,5)").unwrap(), Range::new(Included(1), Excluded(5)));
    assert_eq!(load("(,3]").unwrap(), Range::new(Unbounded, Included(3)));
    assert_eq!(load("(,)").unwrap(), Range::new(Unbounded, Unbounded));
    assert_eq!(load("[\"1\",\"2\"]").unwrap(), Range::new(Included(1), Included(2)));
    for bad in
        ["", "[1,5", "1,5)", "[1;5)", "[1,5)x", "[\"1,5)", "emptyx", "[1,5)]", "[1\\", "{1,5}"]
    {
        assert!(load(bad).is_err(), "{bad:?}");
    }
    // Escaped bounds cannot be borrowed.
    let err = load("[\"1\\\"\",2)").unwrap_err();
    assert!(err.to_string().contains("binary"), "{err}");

    let ts =
        Range::<Timestamp>::load(oid::TSRANGE, Format::Text, b"[\"2024-01-01 00:00:00\",infinity)")
            .unwrap();
    let start = Timestamp::from_civil(2024, 1, 1, 0, 0, 0, 0).unwrap();
    assert_eq!(ts, Range::new(Included(start), Excluded(Timestamp::INFINITY)));

    let m = Multirange::<i32>::load(oid::INT4MULTIRANGE, Format::Text, b"{[1,3), [5,7)}").unwrap();
    assert_eq!(m.ranges(), &[Range::from(1..3), Range::from(5..7)]);
    let m = Multirange::<i32>::load(oid::INT4MULTIRANGE, Format::Text, b" { } ").unwrap();
    assert_eq!(m, Multirange::default());
    for bad in ["", "{", "{[1,3)", "{[1,3),}", "{[1,3)}x", "[1,3)"] {
        assert!(
            Multirange::<i32>::load(oid::INT4MULTIRANGE, Format::Text, bad.as_bytes()).is_err()
        );
    }
}

#[test]
fn text_literals_sent() {
    // No bound value: binary of unspecified type.
    assert_eq!(dumped(&Range::<i32>::empty()), (0, Format::Binary, vec![EMPTY]));
    let unbounded = Range::<i32>::new(Unbounded, Unbounded);
    assert_eq!(dumped(&unbounded), (0, Format::Binary, vec![LB_INF | UB_INF]));
    let r = Range::new(Included("2024-01-01 00:00"), Unbounded);
    assert_eq!(dumped(&r), (0, Format::Text, b"[\"2024-01-01 00:00\",)".to_vec()));
    let r = Range::new(Excluded("a\"b"), Included("c\\d"));
    assert_eq!(dumped(&r), (0, Format::Text, b"(\"a\\\"b\",\"c\\\\d\"]".to_vec()));
    let m = Multirange::new(vec![Range::new(Included("1"), Excluded("3")), Range::empty()]);
    assert_eq!(dumped(&m), (0, Format::Text, b"{[\"1\",\"3\"),empty}".to_vec()));
    assert_eq!(dumped(&Multirange::<i32>::default()), (0, Format::Binary, vec![0; 4]));
    // A subtype without a built-in range: binary of unspecified type.
    assert_eq!(dumped(&Range::from(1.0_f64..2.0)).0, 0);
    assert_eq!(dumped(&Range::from(1.0_f64..2.0)).1, Format::Binary);

    let mut buf = BytesMut::new();
    // In an array, an empty range takes the type of the others; alone, it has none, and the
    // array goes as a text literal of unspecified type.
    let ranges = vec![Range::empty(), Range::from(1..2)];
    assert_eq!(dumped(&ranges).0, oid::INT4RANGE_ARRAY);
    assert_eq!(dumped(&vec![Range::<i32>::empty()]), (0, Format::Text, b"{\"empty\"}".to_vec()));
    let mixed: Range<Box<dyn Dumper>> =
        Range::new(Included(Box::new(1_i32)), Excluded(Box::new(2_i64)));
    assert!(mixed.dump(&mut buf).is_err());
    assert!(Range::new(Included(None::<i32>), Included(Some(1))).dump(&mut buf).is_err());
    assert_eq!(TimestampTz::INFINITY.type_oid(), oid::TIMESTAMPTZ);
    assert_eq!(
        Range::from(TimestampTz::NEG_INFINITY..TimestampTz::INFINITY).type_oid(),
        oid::TSTZRANGE
    );
}

fn any_bound() -> impl Strategy<Value = Bound<i64>> {
    prop_oneof![any::<i64>().prop_map(Included), any::<i64>().prop_map(Excluded), Just(Unbounded),]
}

fn any_range() -> impl Strategy<Value = Range<i64>> {
    prop_oneof![
        1 => Just(Range::empty()),
        5 => (any_bound(), any_bound()).prop_map(|(l, u)| Range::new(l, u)),
    ]
}

/// A bound written the way the server writes it (quoted when it needs to be).
fn bound_text(b: &Bound<i64>) -> String {
    match b {
        Included(v) | Excluded(v) => format!("\"{v}\""),
        Unbounded => String::new(),
    }
}

proptest! {
    #[test]
    fn binary_round_trip(r in any_range()) {
        let (type_oid, format, raw) = dumped(&r);
        let expected = if values(&r).next().is_none() { 0 } else { oid::INT8RANGE };
        prop_assert_eq!((type_oid, format), (expected, Format::Binary));
        prop_assert_eq!(Range::<i64>::load(oid::INT8RANGE, format, &raw).unwrap(), r);
    }

    #[test]
    fn multirange_round_trip(ranges in prop::collection::vec(any_range(), 0..5)) {
        let m = Multirange::new(ranges);
        let (_, format, raw) = dumped(&m);
        prop_assert_eq!(Multirange::<i64>::load(oid::INT8MULTIRANGE, format, &raw).unwrap(), m);
    }

    #[test]
    fn text_round_trip(r in any_range()) {
        let text = match r.bounds() {
            None => "empty".to_owned(),
            Some((l, u)) => format!(
                "{}{},{}{}",
                if matches!(l, Included(_)) { '[' } else { '(' },
                bound_text(l),
                bound_text(u),
                if matches!(u, Included(_)) { ']' } else { ')' },
            ),
        };
        prop_assert_eq!(Range::<i64>::load(oid::INT8RANGE, Format::Text, text.as_bytes()).unwrap(), r);
    }

    #[test]
    fn string_bounds_round_trip(l in "[a-z \"\\\\,()\\[\\]]{0,6}", u in "[a-z \"\\\\,]{0,6}") {
        let r = Range::new(Included(l.as_str()), Excluded(u.as_str()));
        let (_, _, raw) = dumped(&r);
        let text::Parsed::Bounds { lower, upper, lower_inc, upper_inc } = text::parse_range(&raw).unwrap() else {
            panic!("not empty");
        };
        prop_assert!(lower_inc && !upper_inc);
        prop_assert_eq!(lower.as_deref(), Some(l.as_bytes()));
        prop_assert_eq!(upper.as_deref(), Some(u.as_bytes()));
    }

    #[test]
    fn never_panics(raw in prop::collection::vec(any::<u8>(), 0..40), s in "[\\[\\](),\"\\\\{} a0-9emptyEMPTY]{0,24}") {
        let _ = Range::<i32>::load(oid::INT4RANGE, Format::Binary, &raw);
        let _ = Multirange::<i32>::load(oid::INT4MULTIRANGE, Format::Binary, &raw);
        let _ = Range::<i32>::load(oid::INT4RANGE, Format::Text, s.as_bytes());
        let _ = Multirange::<i32>::load(oid::INT4MULTIRANGE, Format::Text, s.as_bytes());
    }
}
