//! pgtusk's own date/time types against real servers: parameters sent in binary and read
//! back, compared with the server's own text output; text-format results (simple query
//! protocol); `SystemTime`; and server-side arithmetic on values we send.

use std::time::{Duration, SystemTime};

use pgtusk::ErrorKind;
use pgtusk::types::{Date, Interval, Time, TimeTz, Timestamp, TimestampTz};

use crate::common::dual_test;

fn date(y: i32, m: u32, d: u32) -> Date {
    Date::from_ymd(y, m, d).unwrap()
}

fn ts(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32, us: u32) -> Timestamp {
    Timestamp::from_civil(y, mo, d, h, mi, s, us).unwrap()
}

fn time(h: u32, m: u32, s: u32, us: u32) -> Time {
    Time::from_hms_micro(h, m, s, us).unwrap()
}

fn dates() -> Vec<Date> {
    vec![
        Date::PG_EPOCH,
        Date::UNIX_EPOCH,
        Date::MIN,
        Date::MAX,
        Date::INFINITY,
        Date::NEG_INFINITY,
        date(2024, 2, 29),
        date(1900, 2, 28),
        date(-43, 3, 15), // 44 BC
        date(0, 12, 31),  // 1 BC
        date(1, 1, 1),
        date(9999, 12, 31),
        date(10_000, 1, 1),
    ]
}

fn timestamps() -> Vec<Timestamp> {
    vec![
        Timestamp::PG_EPOCH,
        Timestamp::UNIX_EPOCH,
        Timestamp::MIN,
        Timestamp::MAX,
        Timestamp::INFINITY,
        Timestamp::NEG_INFINITY,
        ts(2024, 2, 29, 23, 59, 59, 999_999),
        ts(1969, 12, 31, 23, 59, 59, 500_000),
        ts(-43, 3, 15, 12, 30, 0, 1),
        ts(0, 2, 29, 0, 0, 0, 0), // 1 BC was a leap year
        ts(1, 1, 1, 0, 0, 0, 0),
        ts(123_456, 7, 8, 9, 10, 11, 120_000),
    ]
}

fn times() -> Vec<Time> {
    vec![
        Time::MIDNIGHT,
        Time::MAX,
        time(23, 59, 59, 999_999),
        time(12, 0, 0, 100_000),
        time(1, 2, 3, 4),
    ]
}

fn time_tzs() -> Vec<TimeTz> {
    let mut out = Vec::new();
    for off in [0, 3600, -3600, 19_800, -34_200, 57_599, -57_599, 1, -1] {
        for t in [Time::MIDNIGHT, time(12, 34, 56, 789_000), Time::MAX] {
            out.push(TimeTz::new(t, off).unwrap());
        }
    }
    out
}

fn intervals() -> Vec<Interval> {
    vec![
        Interval::ZERO,
        Interval::new(14, 3, 14_706_789_000),
        Interval::new(-14, 3, -14_706_000_000),
        Interval::new(1, 0, 0),
        Interval::new(0, -1, 7_380_000_000),
        Interval::new(0, 1, -1),
        Interval::new(0, 0, i64::MAX),
        Interval::new(0, 0, -i64::MAX),
        Interval::new(i32::MAX, i32::MAX, 0),
        Interval::new(i32::MIN, i32::MIN, -i64::MAX),
        Interval::new(-1, 0, 3_600_000_000),
    ]
}

dual_test! {
    /// Every value goes out in binary, comes back in binary equal, and the server's text of it
    /// is our `Display`, which parses back.
    fn binary_params_match_server_text(t) {
        let mut conn = aw!(Conn::connect(&t.url)).unwrap();
        aw!(conn.batch_execute("SET TimeZone = 'UTC'")).unwrap();
        let version: i32 =
            aw!(conn.query_scalar("SELECT current_setting('server_version_num')::int4", ())).unwrap();

        macro_rules! check {
            ($sql_type:literal, $ty:ty, $values:expr) => {
                for v in $values {
                    let v: $ty = v;
                    let sql = concat!("SELECT $1::", $sql_type, ", $1::", $sql_type, "::text");
                    let row = aw!(conn.query_one(sql, (v,)))
                        .unwrap_or_else(|e| panic!("{}: {} {v:?}: {e}", t.label, $sql_type));
                    let back: $ty = row.get(0);
                    let text: String = row.get(1);
                    assert_eq!(back, v, "{}: {} binary round trip", t.label, $sql_type);
                    assert_eq!(text, v.to_string(), "{}: {} text of {v:?}", t.label, $sql_type);
                    assert_eq!(text.parse::<$ty>().unwrap(), v, "{}: parse {text}", t.label);
                }
            };
        }

        check!("date", Date, dates());
        check!("timestamp", Timestamp, timestamps());
        check!("timestamptz", TimestampTz, timestamps().into_iter().map(TimestampTz::from_utc));
        check!("time", Time, times());
        check!("timetz", TimeTz, time_tzs());
        // Before PostgreSQL 15, the text output of an interval keeps its hours in an int: more
        // than 2^31 - 1 hours is "interval out of range" there (binary is fine).
        let printable = |i: &Interval| {
            version >= 150_000 || (i.micros / 3_600_000_000).unsigned_abs() <= i32::MAX as u64
        };
        check!("interval", Interval, intervals().into_iter().filter(printable));
        if version >= 170_000 {
            check!("interval", Interval, [Interval::INFINITY, Interval::NEG_INFINITY]);
        }

        // Dates and timestamps agree with each other on the server.
        let row = aw!(conn.query_one(
            "SELECT $1::date::timestamp = $2::timestamp, ($3::timestamp)::date",
            (date(-43, 3, 15), ts(-43, 3, 15, 0, 0, 0, 0), ts(2024, 2, 29, 23, 0, 0, 0))
        ))
        .unwrap();
        assert!(row.get::<_, bool>(0), "{}", t.label);
        assert_eq!(row.get::<_, Date>(1), date(2024, 2, 29));

        // NULLs load as None.
        let row = aw!(conn.query_one("SELECT NULL::date, NULL::interval", ())).unwrap();
        assert_eq!(row.get::<_, Option<Date>>(0), None);
        assert_eq!(row.get::<_, Option<Interval>>(1), None);

        // A column of another type is a conversion error naming it.
        let e = aw!(conn.query_scalar::<Date, _, _>("SELECT now()", ())).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Conversion, "{}: {e}", t.label);
    }
}

dual_test! {
    /// Literals the server parses, read in binary, equal our parse of the same text.
    fn server_literals(t) {
        let mut conn = aw!(Conn::connect(&t.url)).unwrap();
        aw!(conn.batch_execute("SET TimeZone = 'UTC'")).unwrap();
        let row = aw!(conn.query_one(
            "SELECT '4714-11-24 BC'::date, '5874897-12-31'::date, \
                    '294276-12-31 23:59:59.999999'::timestamp, \
                    '4714-11-24 00:00:00 BC'::timestamptz, \
                    '2000-01-01 00:00:00+05:30'::timestamptz, \
                    '1 year 2 mons -3 days 04:05:06.5'::interval, \
                    '24:00:00'::time, '01:02:03-04:30'::timetz, \
                    'infinity'::date, '-infinity'::timestamptz",
            ()
        ))
        .unwrap();
        assert_eq!(row.get::<_, Date>(0), Date::MIN);
        assert_eq!(row.get::<_, Date>(1), Date::MAX);
        assert_eq!(row.get::<_, Timestamp>(2), Timestamp::MAX);
        assert_eq!(row.get::<_, TimestampTz>(3), TimestampTz::MIN);
        assert_eq!(
            row.get::<_, TimestampTz>(4),
            "1999-12-31 18:30:00+00".parse::<TimestampTz>().unwrap()
        );
        assert_eq!(row.get::<_, Interval>(5), Interval::new(14, -3, 14_706_500_000));
        assert_eq!(row.get::<_, Time>(6), Time::MAX);
        assert_eq!(row.get::<_, TimeTz>(7), TimeTz::new(time(1, 2, 3, 0), -16_200).unwrap());
        assert_eq!(row.get::<_, Date>(8), Date::INFINITY);
        assert_eq!(row.get::<_, TimestampTz>(9), TimestampTz::NEG_INFINITY);
    }
}

dual_test! {
    /// Text-format results (simple query protocol) load into every type, whatever the session
    /// time zone (timestamptz text carries its offset, including LMT offsets with seconds).
    fn text_format_results(t) {
        let mut conn = aw!(Conn::connect(&t.url)).unwrap();
        for zone in ["UTC", "Asia/Kolkata", "America/St_Johns", "Europe/Amsterdam"] {
            aw!(conn.batch_execute(&format!("SET TimeZone = '{zone}'"))).unwrap();
            let sets = aw!(conn.query_multi(
                "SELECT '0044-03-15 BC'::date, 'infinity'::timestamp, \
                        '1850-06-01 12:00:00+00'::timestamptz, '2024-07-01 12:00:00.25+00'::timestamptz, \
                        '4714-11-24 00:00:00+00 BC'::timestamptz, '23:59:59.999999'::time, \
                        '12:00:00+05:45'::timetz, '-1 days +02:03:00'::interval, \
                        '1970-01-01 00:00:01+00'::timestamptz"
            ))
            .unwrap();
            let row = &sets[0].rows()[0];
            assert_eq!(row.get::<_, Date>(0), date(-43, 3, 15), "{}", t.label);
            assert_eq!(row.get::<_, Timestamp>(1), Timestamp::INFINITY);
            let utc = |s: &str| TimestampTz::from_utc(s.parse::<Timestamp>().unwrap());
            assert_eq!(row.get::<_, TimestampTz>(2), utc("1850-06-01 12:00:00"), "{zone}: {:?}",
                row.get::<_, &str>(2));
            assert_eq!(row.get::<_, TimestampTz>(3), utc("2024-07-01 12:00:00.25"), "{zone}");
            assert_eq!(row.get::<_, TimestampTz>(4), TimestampTz::MIN, "{zone}");
            assert_eq!(row.get::<_, Time>(5), time(23, 59, 59, 999_999));
            assert_eq!(row.get::<_, TimeTz>(6), TimeTz::new(time(12, 0, 0, 0), 20_700).unwrap());
            assert_eq!(row.get::<_, Interval>(7), Interval::new(0, -1, 7_380_000_000));
            assert_eq!(
                row.get::<_, SystemTime>(8),
                SystemTime::UNIX_EPOCH + Duration::from_secs(1),
                "{zone}"
            );
        }
    }
}

dual_test! {
    /// `SystemTime` goes out and comes back as `timestamptz` (to the microsecond), and means
    /// the same instant to the server.
    fn system_time_round_trip(t) {
        let mut conn = aw!(Conn::connect(&t.url)).unwrap();
        aw!(conn.batch_execute("SET TimeZone = 'UTC'")).unwrap();
        let now = SystemTime::now();
        let back: SystemTime = aw!(conn.query_scalar("SELECT $1::timestamptz", (now,))).unwrap();
        let lost = now.duration_since(back).unwrap();
        assert!(lost < Duration::from_micros(1), "{}: lost {lost:?}", t.label);
        let epoch_secs = 1_700_000_000_u64;
        let then = SystemTime::UNIX_EPOCH + Duration::from_secs(epoch_secs);
        let same: bool = aw!(conn.query_scalar(
            "SELECT $1::timestamptz = to_timestamp($2::float8)",
            (then, epoch_secs as f64)
        ))
        .unwrap();
        assert!(same, "{}", t.label);
        let before_1970 = SystemTime::UNIX_EPOCH - Duration::from_secs(86_400);
        let text: String =
            aw!(conn.query_scalar("SELECT $1::timestamptz::text", (before_1970,))).unwrap();
        assert_eq!(text, "1969-12-31 00:00:00+00");
        let e = aw!(conn.query_scalar::<SystemTime, _, _>("SELECT 'infinity'::timestamptz", ()))
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Conversion, "{}: {e}", t.label);
    }
}

dual_test! {
    /// Interval arithmetic on the server with the values we send.
    fn interval_arithmetic(t) {
        let mut conn = aw!(Conn::connect(&t.url)).unwrap();
        aw!(conn.batch_execute("SET TimeZone = 'UTC'")).unwrap();
        let cases = [
            (ts(2024, 1, 31, 0, 0, 0, 0), Interval::new(1, 0, 0), ts(2024, 2, 29, 0, 0, 0, 0)),
            (ts(2023, 1, 31, 0, 0, 0, 0), Interval::new(1, 0, 0), ts(2023, 2, 28, 0, 0, 0, 0)),
            (ts(2024, 2, 28, 23, 0, 0, 0), Interval::new(0, 1, 3_600_000_000), ts(2024, 3, 1, 0, 0, 0, 0)),
            (ts(1, 1, 1, 0, 0, 0, 0), Interval::new(0, -1, 0), ts(0, 12, 31, 0, 0, 0, 0)),
            (ts(2000, 1, 1, 0, 0, 0, 0), Interval::new(-12 * 2000, 0, -1), ts(-1, 12, 31, 23, 59, 59, 999_999)),
            (Timestamp::INFINITY, Interval::new(0, 1, 0), Timestamp::INFINITY),
        ];
        for (start, step, expected) in cases {
            let got: Timestamp =
                aw!(conn.query_scalar("SELECT $1::timestamp + $2::interval", (start, step))).unwrap();
            assert_eq!(got, expected, "{}: {start} + {step}", t.label);
        }
        let diff: Interval = aw!(conn.query_scalar(
            "SELECT $1::timestamptz - $2::timestamptz",
            (TimestampTz::from_utc(ts(2024, 3, 1, 1, 0, 0, 0)), TimestampTz::from_utc(ts(2024, 2, 28, 0, 0, 0, 0)))
        ))
        .unwrap();
        assert_eq!(diff, Interval::new(0, 2, 3_600_000_000), "{}", t.label);
        let d: Date = aw!(conn.query_scalar("SELECT $1::date + $2::int4", (date(2024, 2, 28), 2_i32)))
            .unwrap();
        assert_eq!(d, date(2024, 3, 1));
        let justified: Interval = aw!(conn.query_scalar(
            "SELECT justify_interval($1::interval)",
            (Interval::new(0, 35, 90_000_000_000),)
        ))
        .unwrap();
        assert_eq!(justified, Interval::new(1, 6, 3_600_000_000), "{}", t.label);
        // A TimeTz with an offset out of range is refused before it is sent.
        let bad = TimeTz { time: Time::MIDNIGHT, offset_secs_east: 16 * 3600 };
        let e = aw!(conn.query_scalar::<TimeTz, _, _>("SELECT $1::timetz", (bad,))).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Conversion, "{}: {e}", t.label);
        // The connection is still usable.
        let one: i32 = aw!(conn.query_scalar("SELECT 1", ())).unwrap();
        assert_eq!(one, 1);
    }
}
