//! Ranges and multiranges against real servers: every built-in range type sent in binary and
//! read back in binary, compared with the server's text (which the text loader reads, directly
//! and through the simple query protocol); the server's canonical form for discrete ranges;
//! empty and unbounded ranges; infinite timestamps as bounds; text literals for string bounds;
//! multiranges; and an array of ranges.

use std::ops::Bound::{Excluded, Included, Unbounded};

use pgtusk::protocol::Format;
use pgtusk::types::{Date, Multirange, Numeric, Range, Timestamp, TimestampTz, oid};
use pgtusk::{Dumper, Loader};

use crate::common::dual_test;

fn num(s: &str) -> Numeric {
    s.parse().unwrap()
}

fn ts(y: i32, mo: u32, d: u32, h: u32) -> Timestamp {
    Timestamp::from_civil(y, mo, d, h, 0, 0, 0).unwrap()
}

fn tstz(y: i32, mo: u32, d: u32, h: u32) -> TimestampTz {
    TimestampTz::from_civil(y, mo, d, h, 0, 0, 0).unwrap()
}

fn date(y: i32, m: u32, d: u32) -> Date {
    Date::from_ymd(y, m, d).unwrap()
}

dual_test! {
    /// Every built-in range type: what is sent, what comes back (canonical for discrete types,
    /// exact for continuous ones), the server's text, and that text loaded in both ways.
    fn ranges_round_trip(t) {
        let mut conn = aw!(Conn::connect(&t.url)).unwrap();
        aw!(conn.batch_execute("SET TimeZone = 'UTC'")).unwrap();

        // Sends `$sent` as `$ty`, expects `$back` in binary and `$text` from the server.
        macro_rules! check {
            ($ty:literal, $oid:expr, $rust:ty, $sent:expr, $back:expr, $text:literal) => {{
                let sent: Range<$rust> = $sent;
                let back: Range<$rust> = $back;
                let label = format!("{}: {} {}", t.label, $ty, $text);
                let sql = concat!("SELECT $1::", $ty, ", $1::", $ty, "::text, pg_typeof($1)::text");
                let row = aw!(conn.query_one(sql, (&sent,))).unwrap();
                assert_eq!(row.columns()[0].type_oid(), $oid, "{label}");
                assert_eq!(row.get::<_, Range<$rust>>(0), back, "{label}: binary");
                let text: &str = row.get(1);
                assert_eq!(text, $text, "{label}: server text");
                assert_eq!(Range::<$rust>::load($oid, Format::Text, text.as_bytes()).unwrap(), back,
                    "{label}: text loaded");
                if sent.type_oid() != 0 {
                    assert_eq!(row.get::<_, &str>(2), $ty, "{label}: sent as the range type");
                }
                let sets = aw!(conn.query_multi(&format!("SELECT '{text}'::{}", $ty))).unwrap();
                let row = &sets[0].rows()[0];
                assert_eq!(row.columns()[0].format(), Format::Text);
                assert_eq!(row.get::<_, Range<$rust>>(0), back, "{label}: simple query");
            }};
        }

        // Discrete types are canonicalised to [lower,upper).
        check!("int4range", oid::INT4RANGE, i32, Range::from(1..=5), Range::from(1..6), "[1,6)");
        check!("int4range", oid::INT4RANGE, i32, Range::new(Excluded(1), Excluded(5)),
            Range::from(2..5), "[2,5)");
        check!("int4range", oid::INT4RANGE, i32, Range::from(3..3), Range::empty(), "empty");
        check!("int4range", oid::INT4RANGE, i32, Range::empty(), Range::empty(), "empty");
        check!("int4range", oid::INT4RANGE, i32, Range::new(Unbounded, Included(3)),
            Range::new(Unbounded, Excluded(4)), "(,4)");
        check!("int4range", oid::INT4RANGE, i32, Range::new(Unbounded, Unbounded),
            Range::new(Unbounded, Unbounded), "(,)");
        check!("int8range", oid::INT8RANGE, i64, Range::new(Included(i64::MIN), Unbounded),
            Range::new(Included(i64::MIN), Unbounded), "[-9223372036854775808,)");
        check!("int8range", oid::INT8RANGE, i64, Range::new(Excluded(-5), Included(7)),
            Range::from(-4..8), "[-4,8)");
        check!("daterange", oid::DATERANGE, Date,
            Range::new(Included(date(2024, 1, 1)), Included(date(2024, 2, 29))),
            Range::new(Included(date(2024, 1, 1)), Excluded(date(2024, 3, 1))),
            "[2024-01-01,2024-03-01)");
        check!("daterange", oid::DATERANGE, Date,
            Range::new(Included(Date::NEG_INFINITY), Excluded(Date::INFINITY)),
            Range::new(Included(Date::NEG_INFINITY), Excluded(Date::INFINITY)),
            "[-infinity,infinity)");

        // Continuous types keep exactly what was sent.
        check!("numrange", oid::NUMRANGE, Numeric,
            Range::new(Included(num("1.50")), Included(num("2.5"))),
            Range::new(Included(num("1.50")), Included(num("2.5"))), "[1.50,2.5]");
        check!("numrange", oid::NUMRANGE, Numeric,
            Range::new(Excluded(num("-0.001")), Unbounded),
            Range::new(Excluded(num("-0.001")), Unbounded), "(-0.001,)");
        check!("tsrange", oid::TSRANGE, Timestamp,
            Range::new(Included(ts(2024, 1, 1, 0)), Excluded(Timestamp::INFINITY)),
            Range::new(Included(ts(2024, 1, 1, 0)), Excluded(Timestamp::INFINITY)),
            "[\"2024-01-01 00:00:00\",infinity)");
        check!("tsrange", oid::TSRANGE, Timestamp,
            Range::new(Unbounded, Included(ts(1999, 12, 31, 23))),
            Range::new(Unbounded, Included(ts(1999, 12, 31, 23))),
            "(,\"1999-12-31 23:00:00\"]");
        check!("tstzrange", oid::TSTZRANGE, TimestampTz,
            Range::new(Excluded(TimestampTz::NEG_INFINITY), Included(tstz(2024, 6, 1, 12))),
            Range::new(Excluded(TimestampTz::NEG_INFINITY), Included(tstz(2024, 6, 1, 12))),
            "(-infinity,\"2024-06-01 12:00:00+00\"]");
        check!("tstzrange", oid::TSTZRANGE, TimestampTz, Range::empty(), Range::empty(), "empty");

        // Bounds given as strings go as a text literal the server types from the context.
        let r = Range::new(Included("2024-01-01"), Excluded("2024-02-01"));
        let row = aw!(conn.query_one("SELECT $1::daterange", (&r,))).unwrap();
        assert_eq!(row.get::<_, Range<Date>>(0),
            Range::new(Included(date(2024, 1, 1)), Excluded(date(2024, 2, 1))));
        let row = aw!(conn.query_one("SELECT '[2024-01-01,2024-02-01)'::daterange @> $1::date",
            (date(2024, 1, 31),))).unwrap();
        assert!(row.get::<_, bool>(0));

        // A range of the wrong subtype or a lower bound above the upper one.
        let row = aw!(conn.query_one("SELECT '[1,2)'::int8range", ())).unwrap();
        assert!(row.try_get::<_, Range<Date>>(0).is_err());
        assert!(row.try_get::<_, Range<i16>>(0).is_ok());
        let err = aw!(conn.query_one("SELECT $1::int4range", (Range::new(Included(5), Excluded(1)),))).unwrap_err();
        assert_eq!(err.code().map(|c| c.code()), Some("22000"), "{err}");
    }
}

dual_test! {
    /// Multiranges (PostgreSQL 14+) of every built-in kind, and an array of ranges.
    fn multiranges_and_arrays_of_ranges(t) {
        let mut conn = aw!(Conn::connect(&t.url)).unwrap();
        aw!(conn.batch_execute("SET TimeZone = 'UTC'")).unwrap();

        macro_rules! check {
            ($ty:literal, $oid:expr, $rust:ty, $sent:expr, $back:expr, $text:literal) => {{
                let sent: Multirange<$rust> = Multirange::new($sent);
                let back: Multirange<$rust> = Multirange::new($back);
                let label = format!("{}: {} {}", t.label, $ty, $text);
                let sql = concat!("SELECT $1::", $ty, ", $1::", $ty, "::text");
                let row = aw!(conn.query_one(sql, (&sent,))).unwrap();
                assert_eq!(row.columns()[0].type_oid(), $oid, "{label}");
                assert_eq!(row.get::<_, Multirange<$rust>>(0), back, "{label}: binary");
                let text: &str = row.get(1);
                assert_eq!(text, $text, "{label}: server text");
                assert_eq!(Multirange::<$rust>::load($oid, Format::Text, text.as_bytes()).unwrap(),
                    back, "{label}: text loaded");
                let sets = aw!(conn.query_multi(&format!("SELECT '{text}'::{}", $ty))).unwrap();
                assert_eq!(sets[0].rows()[0].get::<_, Multirange<$rust>>(0), back,
                    "{label}: simple query");
            }};
        }

        // The server sorts, merges and drops empty ranges.
        check!("int4multirange", oid::INT4MULTIRANGE, i32,
            vec![Range::from(5..7), Range::empty(), Range::from(1..=2), Range::from(2..4)],
            vec![Range::from(1..4), Range::from(5..7)], "{[1,4),[5,7)}");
        check!("int4multirange", oid::INT4MULTIRANGE, i32, vec![], vec![], "{}");
        check!("int8multirange", oid::INT8MULTIRANGE, i64,
            vec![Range::new(Unbounded, Excluded(0)), Range::new(Excluded(10), Unbounded)],
            vec![Range::new(Unbounded, Excluded(0)), Range::new(Included(11), Unbounded)],
            "{(,0),[11,)}");
        check!("nummultirange", oid::NUMMULTIRANGE, Numeric,
            vec![Range::new(Excluded(num("0.5")), Included(num("1.25")))],
            vec![Range::new(Excluded(num("0.5")), Included(num("1.25")))], "{(0.5,1.25]}");
        check!("datemultirange", oid::DATEMULTIRANGE, Date,
            vec![Range::new(Included(date(2024, 1, 1)), Included(date(2024, 1, 31)))],
            vec![Range::new(Included(date(2024, 1, 1)), Excluded(date(2024, 2, 1)))],
            "{[2024-01-01,2024-02-01)}");
        check!("tsmultirange", oid::TSMULTIRANGE, Timestamp,
            vec![Range::new(Included(ts(2024, 1, 1, 8)), Excluded(Timestamp::INFINITY))],
            vec![Range::new(Included(ts(2024, 1, 1, 8)), Excluded(Timestamp::INFINITY))],
            "{[\"2024-01-01 08:00:00\",infinity)}");
        check!("tstzmultirange", oid::TSTZMULTIRANGE, TimestampTz,
            vec![Range::new(Unbounded, Excluded(tstz(2000, 1, 1, 0)))],
            vec![Range::new(Unbounded, Excluded(tstz(2000, 1, 1, 0)))],
            "{(,\"2000-01-01 00:00:00+00\")}");

        // An empty multirange names no type: sent in binary of unspecified type, which the
        // server types from the context.
        let m = Multirange::<i32>::default();
        assert_eq!((m.type_oid(), m.format()), (0, Format::Binary));
        let row = aw!(conn.query_one("SELECT $1::datemultirange = '{}'", (&m,))).unwrap();
        assert!(row.get::<_, bool>(0));

        // int4range[]: the array code carries ranges in both directions and both formats.
        let ranges = vec![Range::from(1..3), Range::empty(), Range::new(Unbounded, Included(9))];
        let row = aw!(conn.query_one("SELECT $1::int4range[], $1::int4range[]::text", (&ranges,)))
            .unwrap();
        assert_eq!(row.columns()[0].type_oid(), oid::INT4RANGE_ARRAY);
        let expected = vec![Range::from(1..3), Range::empty(), Range::new(Unbounded, Excluded(10))];
        assert_eq!(row.get::<_, Vec<Range<i32>>>(0), expected);
        let text: &str = row.get(1);
        assert_eq!(text, r#"{"[1,3)",empty,"(,10)"}"#);
        assert_eq!(Vec::<Range<i32>>::load(oid::INT4RANGE_ARRAY, Format::Text, text.as_bytes())
            .unwrap(), expected);
        let sets = aw!(conn.query_multi(&format!("SELECT '{text}'::int4range[]"))).unwrap();
        assert_eq!(sets[0].rows()[0].get::<_, Vec<Range<i32>>>(0), expected);
    }
}
