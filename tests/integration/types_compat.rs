//! The optional integrations (chrono, time, jiff, rust_decimal, serde_json) against real
//! servers: values sent in binary and read back in binary, the server's own text of what we
//! sent, text-format results from the simple query protocol, and the edges that must be
//! errors rather than clamped or rounded values. Each section builds only with its feature;
//! `cargo test --all-features --test integration types_compat` runs them all.

#![allow(unused_imports)]

use pgtusk::ErrorKind;

use crate::common::dual_test;

/// Session time zones that must not change any binary `timestamptz` result.
#[allow(dead_code)]
const ZONES: [&str; 3] = ["UTC", "Asia/Kolkata", "America/St_Johns"];

#[cfg(feature = "chrono")]
mod chrono_types {
    use chrono::{
        DateTime, FixedOffset, Local, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc,
    };

    use super::*;

    fn nd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn ndt(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32, nano: u32) -> NaiveDateTime {
        nd(y, mo, d).and_hms_nano_opt(h, mi, s, nano).unwrap()
    }

    dual_test! {
        /// Dates, times and timestamps round-trip in binary, and the server reads them as the
        /// civil values they are (its text equals chrono's ISO form, BC years included).
        fn chrono_round_trips(t) {
            let mut conn = aw!(Conn::connect(&t.url)).unwrap();
            aw!(conn.batch_execute("SET TimeZone = 'Asia/Kolkata'")).unwrap();
            let dates = [
                (nd(-4713, 11, 24), "4714-11-24 BC"),
                (nd(-43, 3, 15), "0044-03-15 BC"),
                (nd(0, 12, 31), "0001-12-31 BC"),
                (nd(2024, 2, 29), "2024-02-29"),
                (NaiveDate::MAX, "262142-12-31"),
            ];
            for (d, text) in dates {
                let row = aw!(conn.query_one("SELECT $1::date, $1::date::text", (d,))).unwrap();
                assert_eq!(row.get::<_, NaiveDate>(0), d, "{}", t.label);
                assert_eq!(row.get::<_, &str>(1), text, "{}", t.label);
            }
            let stamps = [
                (ndt(-4713, 11, 24, 0, 0, 0, 0), "4714-11-24 00:00:00 BC"),
                (ndt(2024, 2, 29, 23, 59, 59, 999_999_000), "2024-02-29 23:59:59.999999"),
                (ndt(1969, 12, 31, 23, 59, 59, 500_000_000), "1969-12-31 23:59:59.5"),
                (ndt(262_142, 12, 31, 23, 59, 59, 0), "262142-12-31 23:59:59"),
            ];
            for (v, text) in stamps {
                let row = aw!(conn.query_one("SELECT $1::timestamp, $1::timestamp::text", (v,))).unwrap();
                assert_eq!(row.get::<_, NaiveDateTime>(0), v, "{}", t.label);
                assert_eq!(row.get::<_, &str>(1), text, "{}", t.label);
            }
            for (v, text) in [
                (NaiveTime::MIN, "00:00:00"),
                (NaiveTime::from_hms_micro_opt(23, 59, 59, 999_999).unwrap(), "23:59:59.999999"),
                (NaiveTime::from_hms_micro_opt(1, 2, 3, 4).unwrap(), "01:02:03.000004"),
            ] {
                let row = aw!(conn.query_one("SELECT $1::time, $1::time::text", (v,))).unwrap();
                assert_eq!(row.get::<_, NaiveTime>(0), v, "{}", t.label);
                assert_eq!(row.get::<_, &str>(1), text, "{}", t.label);
            }
        }
    }

    dual_test! {
        /// A DateTime with a +05:30 offset is the same instant to the server and comes back as
        /// that instant (offset +00:00), whatever the session's TimeZone.
        fn chrono_time_zones(t) {
            let mut conn = aw!(Conn::connect(&t.url)).unwrap();
            let off = FixedOffset::east_opt(5 * 3600 + 1800).unwrap();
            let sent = off.with_ymd_and_hms(2024, 3, 1, 5, 30, 0).unwrap()
                + chrono::TimeDelta::microseconds(123_456);
            let utc = Utc.with_ymd_and_hms(2024, 3, 1, 0, 0, 0).unwrap()
                + chrono::TimeDelta::microseconds(123_456);
            for zone in ZONES {
                aw!(conn.batch_execute(&format!("SET TimeZone = '{zone}'"))).unwrap();
                let row = aw!(conn.query_one(
                    "SELECT $1::timestamptz, $1::timestamptz = '2024-03-01 00:00:00.123456+00', \
                            $1::timestamptz AT TIME ZONE 'UTC', $2::timestamptz, $3::timestamptz",
                    (sent, utc, sent.with_timezone(&Local))
                ))
                .unwrap();
                let back: DateTime<FixedOffset> = row.get(0);
                assert_eq!(back, sent, "{}: {zone}", t.label);
                assert_eq!(back.offset().local_minus_utc(), 0);
                assert!(row.get::<_, bool>(1), "{}: {zone}", t.label);
                assert_eq!(row.get::<_, NaiveDateTime>(2), utc.naive_utc(), "{zone}");
                assert_eq!(row.get::<_, DateTime<Utc>>(3), utc, "{zone}");
                assert_eq!(row.get::<_, DateTime<Local>>(4), utc, "{zone}");
            }
        }
    }

    dual_test! {
        /// Sub-microsecond digits are floored; a leap second is the next second, as the server
        /// reads `23:59:60`.
        fn chrono_precision_and_leap_seconds(t) {
            let mut conn = aw!(Conn::connect(&t.url)).unwrap();
            let v = ndt(2024, 1, 1, 0, 0, 0, 1_999);
            let text: String = aw!(conn.query_scalar("SELECT $1::timestamp::text", (v,))).unwrap();
            assert_eq!(text, "2024-01-01 00:00:00.000001", "{}", t.label);
            let v = ndt(1969, 12, 31, 23, 59, 59, 999_999_999);
            let text: String = aw!(conn.query_scalar("SELECT $1::timestamp::text", (v,))).unwrap();
            assert_eq!(text, "1969-12-31 23:59:59.999999", "{}", t.label);
            let leap = ndt(2016, 12, 31, 23, 59, 59, 1_000_000_000);
            let same: bool = aw!(conn.query_scalar(
                "SELECT $1::timestamp = '2016-12-31 23:59:60'::timestamp",
                (leap,)
            ))
            .unwrap();
            assert!(same, "{}", t.label);
            let leap_time = NaiveTime::from_hms_nano_opt(23, 59, 59, 1_000_000_000).unwrap();
            let text: String = aw!(conn.query_scalar("SELECT $1::time::text", (leap_time,))).unwrap();
            assert_eq!(text, "24:00:00", "{}", t.label);
        }
    }

    dual_test! {
        /// Values chrono cannot hold are errors, never clamped; so are chrono values before
        /// PostgreSQL's first day. The connection stays usable.
        fn chrono_edges_are_errors(t) {
            let mut conn = aw!(Conn::connect(&t.url)).unwrap();
            for sql in [
                "SELECT 'infinity'::date",
                "SELECT '-infinity'::date",
                "SELECT '5874897-12-31'::date",
            ] {
                let e = aw!(conn.query_scalar::<NaiveDate, _, _>(sql, ())).unwrap_err();
                assert_eq!(e.kind(), ErrorKind::Conversion, "{}: {sql}: {e}", t.label);
            }
            for sql in ["SELECT 'infinity'::timestamp", "SELECT '294276-12-31 23:59:59'::timestamp"] {
                let e = aw!(conn.query_scalar::<NaiveDateTime, _, _>(sql, ())).unwrap_err();
                assert_eq!(e.kind(), ErrorKind::Conversion, "{}: {sql}: {e}", t.label);
            }
            let e = aw!(conn.query_scalar::<DateTime<Utc>, _, _>("SELECT '-infinity'::timestamptz", ()))
                .unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Conversion, "{}: {e}", t.label);
            let e = aw!(conn.query_scalar::<NaiveTime, _, _>("SELECT '24:00:00'::time", ())).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Conversion, "{}: {e}", t.label);
            let e = aw!(conn.query_scalar::<NaiveDate, _, _>("SELECT $1::date", (nd(-4713, 11, 23),)))
                .unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Conversion, "{}: {e}", t.label);
            let e = aw!(conn.query_scalar::<NaiveDateTime, _, _>(
                "SELECT $1::timestamp",
                (NaiveDateTime::MIN,)
            ))
            .unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Conversion, "{}: {e}", t.label);
            let one: i32 = aw!(conn.query_scalar("SELECT 1", ())).unwrap();
            assert_eq!(one, 1);
        }
    }

    dual_test! {
        /// Text-format results (simple query protocol) load too.
        fn chrono_text_results(t) {
            let mut conn = aw!(Conn::connect(&t.url)).unwrap();
            aw!(conn.batch_execute("SET TimeZone = 'America/St_Johns'")).unwrap();
            let sets = aw!(conn.query_multi(
                "SELECT '0044-03-15 BC'::date, '12:34:56.789'::time, \
                        '2024-02-29 01:02:03.000004'::timestamp, '2024-03-01 05:30:00+05:30'::timestamptz"
            ))
            .unwrap();
            let row = &sets[0].rows()[0];
            assert_eq!(row.get::<_, NaiveDate>(0), nd(-43, 3, 15), "{}", t.label);
            assert_eq!(row.get::<_, NaiveTime>(1), NaiveTime::from_hms_milli_opt(12, 34, 56, 789).unwrap());
            assert_eq!(row.get::<_, NaiveDateTime>(2), ndt(2024, 2, 29, 1, 2, 3, 4_000));
            assert_eq!(
                row.get::<_, DateTime<Utc>>(3),
                Utc.with_ymd_and_hms(2024, 3, 1, 0, 0, 0).unwrap(),
                "{}", t.label
            );
        }
    }
}

#[cfg(feature = "time")]
mod time_types {
    use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

    use super::*;

    fn td(y: i32, m: u8, d: u8) -> Date {
        Date::from_calendar_date(y, Month::try_from(m).unwrap(), d).unwrap()
    }

    dual_test! {
        /// time's values round-trip and mean the same to the server; OffsetDateTime keeps its
        /// instant whatever the session time zone; edges are errors.
        fn time_crate_types(t) {
            let mut conn = aw!(Conn::connect(&t.url)).unwrap();
            for (d, text) in [(td(-4713, 11, 24), "4714-11-24 BC"), (td(9999, 12, 31), "9999-12-31"),
                              (td(-43, 3, 15), "0044-03-15 BC")] {
                let row = aw!(conn.query_one("SELECT $1::date, $1::date::text", (d,))).unwrap();
                assert_eq!(row.get::<_, Date>(0), d, "{}", t.label);
                assert_eq!(row.get::<_, &str>(1), text, "{}", t.label);
            }
            let pdt = PrimitiveDateTime::new(td(2024, 2, 29), Time::from_hms_nano(23, 59, 59, 999_999_999).unwrap());
            let row = aw!(conn.query_one("SELECT $1::timestamp, $1::timestamp::text", (pdt,))).unwrap();
            assert_eq!(row.get::<_, &str>(1), "2024-02-29 23:59:59.999999", "{}", t.label);
            assert_eq!(row.get::<_, PrimitiveDateTime>(0),
                pdt.replace_nanosecond(999_999_000).unwrap());
            let time = Time::from_hms_micro(1, 2, 3, 4).unwrap();
            assert_eq!(aw!(conn.query_scalar::<Time, _, _>("SELECT $1::time", (time,))).unwrap(), time);

            let utc = PrimitiveDateTime::new(td(2024, 3, 1), Time::MIDNIGHT).assume_utc();
            let sent = utc.to_offset(UtcOffset::from_hms(5, 30, 0).unwrap());
            for zone in ZONES {
                aw!(conn.batch_execute(&format!("SET TimeZone = '{zone}'"))).unwrap();
                let row = aw!(conn.query_one(
                    "SELECT $1::timestamptz, $1::timestamptz = '2024-03-01 00:00:00+00'",
                    (sent,)
                ))
                .unwrap();
                let back: OffsetDateTime = row.get(0);
                assert_eq!((back, back.offset()), (sent, UtcOffset::UTC), "{}: {zone}", t.label);
                assert!(row.get::<_, bool>(1), "{}: {zone}", t.label);
            }

            for sql in ["SELECT 'infinity'::date", "SELECT '10000-01-01'::date"] {
                let e = aw!(conn.query_scalar::<Date, _, _>(sql, ())).unwrap_err();
                assert_eq!(e.kind(), ErrorKind::Conversion, "{}: {sql}: {e}", t.label);
            }
            let e = aw!(conn.query_scalar::<OffsetDateTime, _, _>("SELECT 'infinity'::timestamptz", ()))
                .unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Conversion, "{}: {e}", t.label);
            let e = aw!(conn.query_scalar::<Date, _, _>("SELECT $1::date", (Date::MIN,))).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Conversion, "{}: {e}", t.label);

            let sets = aw!(conn.query_multi(
                "SELECT '0044-03-15 BC'::date, '2024-03-01 05:30:00+05:30'::timestamptz"
            ))
            .unwrap();
            let row = &sets[0].rows()[0];
            assert_eq!(row.get::<_, Date>(0), td(-43, 3, 15), "{}", t.label);
            assert_eq!(row.get::<_, OffsetDateTime>(1), utc, "{}", t.label);
        }
    }
}

#[cfg(feature = "jiff")]
mod jiff_types {
    use jiff::civil::{self, date, time};
    use jiff::tz::{TimeZone, offset};
    use jiff::{Span, ToSpan};

    use super::*;

    dual_test! {
        /// jiff's civil types, Timestamp and Zoned mean the same to the server; infinities and
        /// dates past 9999 are errors.
        fn jiff_date_times(t) {
            let mut conn = aw!(Conn::connect(&t.url)).unwrap();
            let dt = date(-43, 3, 15).at(12, 30, 0, 1_000);
            let row = aw!(conn.query_one(
                "SELECT $1::timestamp, $1::timestamp::text, $2::date::text, $3::time::text",
                (dt, civil::Date::MAX, time(23, 59, 59, 999_999_999))
            ))
            .unwrap();
            assert_eq!(row.get::<_, civil::DateTime>(0), dt, "{}", t.label);
            assert_eq!(row.get::<_, &str>(1), "0044-03-15 12:30:00.000001 BC", "{}", t.label);
            assert_eq!(row.get::<_, &str>(2), "9999-12-31", "{}", t.label);
            assert_eq!(row.get::<_, &str>(3), "23:59:59.999999", "{}", t.label);

            let ts: jiff::Timestamp = "2024-03-01T00:00:00.5Z".parse().unwrap();
            let zoned = ts.to_zoned(TimeZone::fixed(offset(5)));
            for zone in ZONES {
                aw!(conn.batch_execute(&format!("SET TimeZone = '{zone}'"))).unwrap();
                let row = aw!(conn.query_one(
                    "SELECT $1::timestamptz, $1::timestamptz = $2::timestamptz, \
                            $1::timestamptz = '2024-03-01 00:00:00.5+00'",
                    (ts, &zoned)
                ))
                .unwrap();
                assert_eq!(row.get::<_, jiff::Timestamp>(0), ts, "{}: {zone}", t.label);
                assert!(row.get::<_, bool>(1) && row.get::<_, bool>(2), "{}: {zone}", t.label);
            }

            for sql in ["SELECT 'infinity'::date", "SELECT '10000-01-01'::date"] {
                let e = aw!(conn.query_scalar::<civil::Date, _, _>(sql, ())).unwrap_err();
                assert_eq!(e.kind(), ErrorKind::Conversion, "{}: {sql}: {e}", t.label);
            }
            let e = aw!(conn.query_scalar::<jiff::Timestamp, _, _>("SELECT 'infinity'::timestamptz", ()))
                .unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Conversion, "{}: {e}", t.label);
            let e = aw!(conn.query_scalar::<civil::Date, _, _>("SELECT $1::date", (civil::Date::MIN,)))
                .unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Conversion, "{}: {e}", t.label);

            let sets = aw!(conn.query_multi("SELECT '2024-02-29 01:02:03.5'::timestamp")).unwrap();
            assert_eq!(sets[0].rows()[0].get::<_, civil::DateTime>(0), date(2024, 2, 29).at(1, 2, 3, 500_000_000));
        }
    }

    dual_test! {
        /// A Span is the interval the server computes with; mixed-sign intervals are errors.
        fn jiff_spans(t) {
            let mut conn = aw!(Conn::connect(&t.url)).unwrap();
            let span = 1.year().months(2).weeks(1).days(3).hours(4).minutes(5).seconds(6).microseconds(7);
            let row = aw!(conn.query_one(
                "SELECT $1::interval::text, $1::interval = '1 year 2 mons 10 days 04:05:06.000007', \
                        '2024-01-31'::timestamp + $1::interval, $1::interval",
                (span,)
            ))
            .unwrap();
            assert_eq!(row.get::<_, &str>(0), "1 year 2 mons 10 days 04:05:06.000007", "{}", t.label);
            assert!(row.get::<_, bool>(1), "{}", t.label);
            let expected = date(2024, 1, 31).at(0, 0, 0, 0).checked_add(span).unwrap();
            assert_eq!(row.get::<_, civil::DateTime>(2), expected, "{}", t.label);
            assert_eq!(
                row.get::<_, Span>(3).fieldwise(),
                14.months().days(10).microseconds(14_706_000_007_i64).fieldwise()
            );
            let neg: Span = aw!(conn.query_scalar("SELECT '-1 mons -2 days -00:00:03'::interval", ())).unwrap();
            assert_eq!(neg.fieldwise(), (-1).months().days(-2).microseconds(-3_000_000).fieldwise());
            for sql in ["SELECT '1 mon -2 days'::interval", "SELECT '-1 days +02:00:00'::interval",
                        "SELECT '178000000 years'::interval"] {
                let e = aw!(conn.query_scalar::<Span, _, _>(sql, ())).unwrap_err();
                assert_eq!(e.kind(), ErrorKind::Conversion, "{}: {sql}: {e}", t.label);
            }
            let sets = aw!(conn.query_multi("SELECT '3 days 00:00:01'::interval")).unwrap();
            assert_eq!(sets[0].rows()[0].get::<_, Span>(0).fieldwise(),
                3.days().microseconds(1_000_000).fieldwise());
        }
    }
}

#[cfg(feature = "rust_decimal")]
mod decimal_types {
    use std::str::FromStr;

    use rust_decimal::Decimal;

    use super::*;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    dual_test! {
        /// Decimals go out exactly (the server's text of them is theirs, scale included) and
        /// come back exactly; numeric(12,2) values load; too-large or too-precise values and
        /// NaN/Infinity are errors.
        fn decimal_round_trips(t) {
            let mut conn = aw!(Conn::connect(&t.url)).unwrap();
            let cases = [
                ("0", "0"),
                ("-0.00", "0.00"),
                ("12.50", "12.50"),
                ("-1234567890.12", "-1234567890.12"),
                ("0.0000000000000000000000000001", "0.0000000000000000000000000001"),
                ("7.9228162514264337593543950335", "7.9228162514264337593543950335"),
                ("79228162514264337593543950335", "79228162514264337593543950335"),
                ("-79228162514264337593543950335", "-79228162514264337593543950335"),
            ];
            for (s, text) in cases {
                let d = dec(s);
                let row = aw!(conn.query_one("SELECT $1::numeric, $1::numeric::text", (d,))).unwrap();
                let back: Decimal = row.get(0);
                assert_eq!(row.get::<_, &str>(1), text, "{}: {s}", t.label);
                assert_eq!((back, back.scale()), (d, d.scale()), "{}: {s}", t.label);
                assert_eq!(back.to_string(), text, "{}: {s}", t.label);
            }
            let sum: Decimal = aw!(conn.query_scalar("SELECT $1::numeric + $2::numeric", (dec("0.1"), dec("0.2"))))
                .unwrap();
            assert_eq!(sum.to_string(), "0.3", "{}", t.label);

            let rows = aw!(conn.query(
                "SELECT v::numeric(12,2) FROM (VALUES ('9999999999.99'), ('-0.01'), ('42'), ('0.005')) AS x(v)",
                ()
            ))
            .unwrap();
            let got: Vec<String> = rows.iter().map(|r| r.get::<_, Decimal>(0).to_string()).collect();
            assert_eq!(got, ["9999999999.99", "-0.01", "42.00", "0.01"], "{}", t.label);

            for sql in [
                "SELECT 'NaN'::numeric",
                "SELECT 'Infinity'::numeric",
                "SELECT '-Infinity'::numeric",
                "SELECT '79228162514264337593543950336'::numeric",
                "SELECT '1e40'::numeric",
                "SELECT '0.00000000000000000000000000001'::numeric",
                "SELECT '1.00000000000000000000000000001'::numeric",
            ] {
                let e = aw!(conn.query_scalar::<Decimal, _, _>(sql, ())).unwrap_err();
                assert_eq!(e.kind(), ErrorKind::Conversion, "{}: {sql}: {e}", t.label);
            }
            // Zeros past the 28th place are not digits lost.
            let d: Decimal = aw!(conn.query_scalar("SELECT '2.000000000000000000000000000000000'::numeric", ()))
                .unwrap();
            assert_eq!((d, d.scale()), (dec("2"), 28), "{}", t.label);

            let sets = aw!(conn.query_multi(
                "SELECT '-1234567890.12'::numeric(12,2), 'NaN'::numeric, 0.000::numeric"
            ))
            .unwrap();
            let row = &sets[0].rows()[0];
            assert_eq!(row.get::<_, Decimal>(0), dec("-1234567890.12"), "{}", t.label);
            assert!(row.try_get::<_, Decimal>(1).is_err(), "{}", t.label);
            assert_eq!(row.get::<_, Decimal>(2).scale(), 3, "{}", t.label);
        }
    }
}

#[cfg(feature = "serde_json")]
mod json_types {
    use pgtusk::types::SerdeJson;
    use serde::{Deserialize, Serialize};
    use serde_json::{Value, json};

    use super::*;

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Order {
        id: u64,
        customer: String,
        lines: Vec<Line>,
        note: Option<String>,
    }

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Line {
        sku: String,
        qty: i32,
        price: f64,
    }

    dual_test! {
        /// Values and typed documents round-trip through jsonb and json; the server sees the
        /// structure (nested paths, unicode, large numbers exactly).
        fn json_round_trips(t) {
            let mut conn = aw!(Conn::connect(&t.url)).unwrap();
            let doc = json!({
                "nested": {"deep": {"deeper": [1, {"k": "v"}, []]}},
                "unicode": "ünïcödé ✓ 日本語 🐘 \"quoted\" \\ \n",
                "max_u64": u64::MAX,
                "min_i64": i64::MIN,
                "float": 0.1,
                "big_float": 1.7976931348623157e308,
                "tiny": 5e-324,
                "null": null,
            });
            let row = aw!(conn.query_one(
                "SELECT $1::jsonb, $1::jsonb::json, $1::jsonb #>> '{nested,deep,deeper,1,k}', \
                        $1::jsonb ->> 'unicode', ($1::jsonb ->> 'max_u64')::numeric::text, \
                        ($1::jsonb ->> 'min_i64')::int8",
                (&doc,)
            ))
            .unwrap();
            assert_eq!(row.get::<_, Value>(0), doc, "{}", t.label);
            assert_eq!(row.get::<_, Value>(1), doc, "{}", t.label);
            assert_eq!(row.get::<_, &str>(2), "v", "{}", t.label);
            assert_eq!(row.get::<_, &str>(3), doc["unicode"].as_str().unwrap());
            assert_eq!(row.get::<_, &str>(4), "18446744073709551615", "{}", t.label);
            assert_eq!(row.get::<_, i64>(5), i64::MIN, "{}", t.label);

            let order = Order {
                id: 7,
                customer: "Zoë".into(),
                lines: vec![Line { sku: "A-1".into(), qty: 2, price: 9.99 }],
                note: None,
            };
            let row = aw!(conn.query_one(
                "SELECT $1::jsonb, ($1::jsonb -> 'lines' -> 0 ->> 'qty')::int4, $1::jsonb::text::json",
                (SerdeJson(&order),)
            ))
            .unwrap();
            assert_eq!(row.get::<_, SerdeJson<Order>>(0).0, order, "{}", t.label);
            assert_eq!(row.get::<_, i32>(1), 2, "{}", t.label);
            assert_eq!(row.get::<_, SerdeJson<Order>>(2).0, order, "{}", t.label);

            // Numbers beyond serde_json's range: 30 digits read as the nearest f64 (serde_json's
            // default), past f64's range an error; the text keeps them exactly.
            let row = aw!(conn.query_one(
                "SELECT '123456789012345678901234567890'::jsonb, '1e400'::jsonb, '1e400'::jsonb::text",
                ()
            ))
            .unwrap();
            assert_eq!(row.get::<_, Value>(0).as_f64(), Some(1.2345678901234568e29), "{}", t.label);
            assert!(row.try_get::<_, Value>(1).is_err(), "{}", t.label);
            assert!(row.get::<_, &str>(2).starts_with("1000000000"), "{}", t.label);

            // A document that does not fit the Rust type is a conversion error.
            let e = aw!(conn.query_scalar::<SerdeJson<Order>, _, _>("SELECT '{\"id\": -1}'::jsonb", ()))
                .unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Conversion, "{}: {e}", t.label);
            let e = aw!(conn.query_scalar::<Value, _, _>("SELECT 'x'::text", ())).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Conversion, "{}: {e}", t.label);
            let null: Option<Value> = aw!(conn.query_scalar("SELECT NULL::jsonb", ())).unwrap();
            assert_eq!(null, None);
            let json_null: Value = aw!(conn.query_scalar("SELECT 'null'::jsonb", ())).unwrap();
            assert_eq!(json_null, Value::Null);

            let sets = aw!(conn.query_multi(
                "SELECT '{\"a\": {\"b\": [1, 2.50, \"ü\"]}}'::jsonb, '[1, 2]'::json"
            ))
            .unwrap();
            let row = &sets[0].rows()[0];
            assert_eq!(row.get::<_, Value>(0), json!({"a": {"b": [1, 2.5, "ü"]}}), "{}", t.label);
            assert_eq!(row.get::<_, SerdeJson<Vec<i32>>>(1).0, vec![1, 2], "{}", t.label);
        }
    }

    dual_test! {
        /// Values sent as jsonb fill json and jsonb columns.
        fn json_columns(t) {
            let mut conn = aw!(Conn::connect(&t.url)).unwrap();
            aw!(conn.batch_execute("CREATE TEMP TABLE compat_docs (j json, b jsonb)")).unwrap();
            let doc = json!({"k": [true, "é"]});
            aw!(conn.execute("INSERT INTO compat_docs VALUES ($1, $1)", (&doc,))).unwrap();
            let row = aw!(conn.query_one("SELECT j, b, b @> '{\"k\": [true]}' FROM compat_docs", ())).unwrap();
            assert_eq!(row.get::<_, Value>(0), doc, "{}", t.label);
            assert_eq!(row.get::<_, Value>(1), doc, "{}", t.label);
            assert!(row.get::<_, bool>(2), "{}", t.label);
        }
    }
}
