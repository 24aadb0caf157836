//! Unit and property tests of the date/time types: civil-field arithmetic, text forms, and
//! binary/text loading and dumping.

use std::time::{Duration, SystemTime};

use bytes::BytesMut;
use proptest::prelude::*;

use super::*;
use crate::ErrorKind;
use crate::protocol::{Format, Oid};
use crate::types::{Dumper, IsNull, Loader, oid};

/// The binary bytes of `value`.
fn dumped(value: &dyn Dumper) -> Vec<u8> {
    let mut buf = BytesMut::new();
    assert_eq!(value.dump(&mut buf).unwrap(), IsNull::No);
    assert_eq!(value.format(), Format::Binary);
    buf.to_vec()
}

/// Dumps `value`, checks its OID, and loads it back from binary.
fn binary_round_trip<T>(value: T, type_oid: Oid) -> T
where
    T: Dumper + for<'a> Loader<'a> + PartialEq + std::fmt::Debug,
{
    assert_eq!(value.type_oid(), type_oid);
    assert!(T::accepts(type_oid));
    let back = T::load(type_oid, Format::Binary, &dumped(&value)).unwrap();
    assert_eq!(back, value);
    back
}

/// Loads `text` as a text-format value of `type_oid`.
fn text<T: for<'a> Loader<'a>>(type_oid: Oid, text: &str) -> Result<T, crate::Error> {
    T::load(type_oid, Format::Text, text.as_bytes())
}

fn assert_conversion<T: std::fmt::Debug>(r: Result<T, crate::Error>) {
    let e = r.expect_err("a conversion error");
    assert_eq!(e.kind(), ErrorKind::Conversion, "{e}");
}

#[test]
fn civil_days_known_values() {
    assert_eq!(Date::from_ymd(2000, 1, 1).unwrap().pg_days(), 0);
    assert_eq!(Date::from_ymd(1970, 1, 1).unwrap().pg_days(), -10_957);
    assert_eq!(Date::from_ymd(2000, 3, 1).unwrap().pg_days(), 60); // 2000 is a leap year
    assert_eq!(Date::from_ymd(2024, 2, 29).unwrap().ymd(), Some((2024, 2, 29)));
    assert_eq!(Date::from_ymd(1, 1, 1).unwrap().pg_days(), -730_119);
    assert_eq!(Date::from_ymd(0, 12, 31).unwrap().pg_days(), -730_120);
    assert_eq!(Date::from_ymd(-4713, 11, 24).unwrap(), Date::MIN);
    assert_eq!(Date::from_ymd(5_874_897, 12, 31).unwrap(), Date::MAX);
    assert_eq!(Date::MIN.pg_days(), -2_451_545);
    assert_eq!(Date::MAX.pg_days(), 2_145_031_948);
    assert_eq!(Date::UNIX_EPOCH.ymd(), Some((1970, 1, 1)));
    assert_eq!(Date::INFINITY.ymd(), None);
    assert!(!Date::NEG_INFINITY.is_finite());
    assert!(Date::NEG_INFINITY < Date::MIN && Date::MAX < Date::INFINITY);

    assert_conversion(Date::from_ymd(-4713, 11, 23));
    assert_conversion(Date::from_ymd(5_874_898, 1, 1));
    assert_conversion(Date::from_ymd(2023, 2, 29));
    assert_conversion(Date::from_ymd(1900, 2, 29)); // not a leap year
    assert_conversion(Date::from_ymd(2024, 13, 1));
    assert_conversion(Date::from_ymd(2024, 4, 31));
    assert_conversion(Date::from_ymd(2024, 1, 0));
    assert_conversion(Date::from_pg_days(-2_451_546));
    assert_conversion(Date::from_pg_days(2_145_031_949));
    assert_eq!(Date::from_pg_days(i32::MAX).unwrap(), Date::INFINITY);
}

#[test]
fn timestamp_civil_fields() {
    let ts = Timestamp::from_civil(1970, 1, 1, 0, 0, 0, 0).unwrap();
    assert_eq!(ts, Timestamp::UNIX_EPOCH);
    assert_eq!(ts.pg_micros(), -946_684_800_000_000);
    assert_eq!(Timestamp::from_civil(2000, 1, 1, 0, 0, 0, 0).unwrap(), Timestamp::PG_EPOCH);
    let max = Timestamp::from_civil(294_276, 12, 31, 23, 59, 59, 999_999).unwrap();
    assert_eq!(max, Timestamp::MAX);
    assert_eq!(max.date().unwrap().ymd(), Some((294_276, 12, 31)));
    assert_eq!(max.time().unwrap().hms_micro(), (23, 59, 59, 999_999));
    assert_eq!(Timestamp::from_civil(-4713, 11, 24, 0, 0, 0, 0).unwrap(), Timestamp::MIN);
    let before = Timestamp::from_civil(1969, 12, 31, 23, 59, 59, 999_999).unwrap();
    assert_eq!(before.date().unwrap().ymd(), Some((1969, 12, 31)));
    assert_eq!(Timestamp::INFINITY.date(), None);

    assert_conversion(Timestamp::from_civil(294_277, 1, 1, 0, 0, 0, 0));
    assert_conversion(Timestamp::from_civil(5_000_000, 1, 1, 0, 0, 0, 0));
    assert_conversion(Timestamp::from_civil(-4713, 11, 23, 23, 59, 59, 0));
    assert_conversion(Timestamp::from_civil(2000, 1, 1, 24, 0, 0, 0));
    assert_conversion(Timestamp::from_civil(2000, 1, 1, 0, 60, 0, 0));
    assert_conversion(Timestamp::from_civil(2000, 1, 1, 0, 0, 60, 0));
    assert_conversion(Timestamp::from_civil(2000, 1, 1, 0, 0, 0, 1_000_000));
    assert_conversion(Timestamp::from_pg_micros(END_TIMESTAMP));
    assert_conversion(Timestamp::from_pg_micros(MIN_TIMESTAMP - 1));
    assert_conversion(Timestamp::from_date_time(Date::INFINITY, Time::MIDNIGHT));
    // 24:00:00 is midnight of the next day.
    let next = Timestamp::from_date_time(Date::from_ymd(2024, 2, 28).unwrap(), Time::MAX).unwrap();
    assert_eq!(next.date().unwrap().ymd(), Some((2024, 2, 29)));
    assert_conversion(Timestamp::from_date_time(Date::MAX, Time::MIDNIGHT));
}

#[test]
fn time_fields() {
    let t = Time::from_hms_micro(13, 14, 15, 16).unwrap();
    assert_eq!(t.micros(), ((13 * 60 + 14) * 60 + 15) * 1_000_000 + 16);
    assert_eq!(t.hms_micro(), (13, 14, 15, 16));
    assert_eq!(Time::from_hms_micro(24, 0, 0, 0).unwrap(), Time::MAX);
    assert_eq!(Time::MAX.hms_micro(), (24, 0, 0, 0));
    assert_conversion(Time::from_hms_micro(24, 0, 0, 1));
    assert_conversion(Time::from_micros(-1));
    assert_conversion(Time::from_micros(86_400_000_001));
    assert!(TimeTz::new(t, 57_599).is_ok());
    assert_conversion(TimeTz::new(t, -57_600));
}

/// Hour, minute, second and microsecond.
type Hms = (u32, u32, u32, u32);

#[test]
fn display_and_parse() {
    let cases: &[(&str, Date)] = &[
        ("2000-01-01", Date::PG_EPOCH),
        ("1970-01-01", Date::UNIX_EPOCH),
        ("0044-03-15 BC", Date::from_ymd(-43, 3, 15).unwrap()),
        ("0001-12-31 BC", Date::from_ymd(0, 12, 31).unwrap()),
        ("4714-11-24 BC", Date::MIN),
        ("5874897-12-31", Date::MAX),
        ("infinity", Date::INFINITY),
        ("-infinity", Date::NEG_INFINITY),
    ];
    for &(s, d) in cases {
        assert_eq!(d.to_string(), s);
        assert_eq!(s.parse::<Date>().unwrap(), d, "{s}");
    }
    let ts: &[(&str, Timestamp)] = &[
        ("2000-01-01 00:00:00", Timestamp::PG_EPOCH),
        ("1970-01-01 00:00:00", Timestamp::UNIX_EPOCH),
        ("294276-12-31 23:59:59.999999", Timestamp::MAX),
        ("4714-11-24 00:00:00 BC", Timestamp::MIN),
        ("2024-02-29 01:02:03.04", Timestamp::from_civil(2024, 2, 29, 1, 2, 3, 40_000).unwrap()),
        ("0044-03-15 12:00:00 BC", Timestamp::from_civil(-43, 3, 15, 12, 0, 0, 0).unwrap()),
        ("infinity", Timestamp::INFINITY),
        ("-infinity", Timestamp::NEG_INFINITY),
    ];
    for &(s, t) in ts {
        assert_eq!(t.to_string(), s);
        assert_eq!(s.parse::<Timestamp>().unwrap(), t, "{s}");
        let tz = TimestampTz::from_utc(t);
        let shown = tz.to_string();
        if t.is_finite() {
            let expected = match s.strip_suffix(" BC") {
                Some(body) => format!("{body}+00 BC"),
                None => format!("{s}+00"),
            };
            assert_eq!(shown, expected);
        } else {
            assert_eq!(shown, s);
        }
        assert_eq!(shown.parse::<TimestampTz>().unwrap(), tz, "{shown}");
        assert_eq!(tz.to_utc(), t);
    }
    // Offsets are applied; T separates too.
    let utc = Timestamp::from_civil(2024, 1, 1, 0, 0, 0, 0).unwrap();
    for s in [
        "2024-01-01 05:30:00+05:30",
        "2023-12-31 19:00:00-05",
        "2024-01-01T00:00:00Z",
        "2023-12-31 23:59:59-00:00:01",
        "2024-01-01 01:00:00+0100",
    ] {
        assert_eq!(s.parse::<TimestampTz>().unwrap().to_utc(), utc, "{s}");
    }
    assert_eq!("2024-01-01T00:00:00".parse::<Timestamp>().unwrap(), utc);

    let times: [(&str, Hms); 4] = [
        ("00:00:00", (0, 0, 0, 0)),
        ("24:00:00", (24, 0, 0, 0)),
        ("23:59:59.999999", (23, 59, 59, 999_999)),
        ("12:00:00.1", (12, 0, 0, 100_000)),
    ];
    for (s, (h, m, sec, us)) in times {
        let t = Time::from_hms_micro(h, m, sec, us).unwrap();
        assert_eq!(t.to_string(), s);
        assert_eq!(s.parse::<Time>().unwrap(), t);
    }
    let noon = Time::from_hms_micro(12, 0, 0, 0).unwrap();
    for (s, off) in [
        ("12:00:00+00", 0),
        ("12:00:00+05:30", 19_800),
        ("12:00:00-08", -28_800),
        ("12:00:00+15:59:59", 57_599),
        ("12:00:00-00:00:01", -1),
    ] {
        let tz = TimeTz::new(noon, off).unwrap();
        assert_eq!(tz.to_string(), s);
        assert_eq!(s.parse::<TimeTz>().unwrap(), tz);
    }

    let intervals: &[(&str, Interval)] = &[
        ("00:00:00", Interval::ZERO),
        ("1 year 2 mons 3 days 04:05:06.789", Interval::new(14, 3, 14_706_789_000)),
        ("-1 years -2 mons +3 days -04:05:06", Interval::new(-14, 3, -14_706_000_000)),
        ("1 mon", Interval::new(1, 0, 0)),
        ("-1 days +02:03:00", Interval::new(0, -1, 7_380_000_000)),
        ("1 day -00:00:00.000001", Interval::new(0, 1, -1)),
        ("1 year", Interval::new(12, 0, 0)),
        ("-11 mons", Interval::new(-11, 0, 0)),
        ("2562047788:00:54.775807", Interval::new(0, 0, i64::MAX)),
        ("-2562047788:00:54.775808", Interval::new(0, 0, i64::MIN)),
        (
            "-178956970 years -8 mons -2147483648 days -2562047788:00:54.775807",
            Interval::new(i32::MIN, i32::MIN, -i64::MAX),
        ),
        ("infinity", Interval::INFINITY),
        ("-infinity", Interval::NEG_INFINITY),
    ];
    for &(s, i) in intervals {
        assert_eq!(i.to_string(), s);
        assert_eq!(s.parse::<Interval>().unwrap(), i, "{s}");
    }
    // "2 years -1 mons" is the same interval as 23 months: the output splits months by 12.
    assert_eq!(Interval::new(23, 0, 0).to_string(), "1 year 11 mons");
    assert_eq!("2 years -1 mons".parse::<Interval>().unwrap(), Interval::new(23, 0, 0));
}

#[test]
fn malformed_text_is_an_error() {
    for s in [
        "",
        "2000",
        "2000-01",
        "2000-1-1x",
        "2000-02-30",
        "0000-01-01",
        "2000-13-01",
        "abc",
        "2000-01-01 BC BC",
        " 2000-01-01",
        "2000-01-01 ",
        "+infinity",
        "5874898-01-01",
        "4714-11-23 BC",
        "12345678-01-01",
        "２０００-01-01",
    ] {
        assert_conversion(s.parse::<Date>());
    }
    for s in ["", "24:00:01", "12:60:00", "12:00", "1:00:00", "12:00:00.1234567", "12:00:00."] {
        assert_conversion(s.parse::<Time>());
    }
    for s in ["12:00:00", "12:00:00+16", "12:00:00+1", "12:00:00+05:", "12:00:00 +05"] {
        assert_conversion(s.parse::<TimeTz>());
    }
    for s in [
        "2000-01-01",
        "2000-01-01 00:00:00+00",
        "2000-01-01  00:00:00",
        "294277-01-01 00:00:00",
        "4714-11-23 23:59:59 BC",
        "2000-01-01 24:00:01",
    ] {
        assert_conversion(s.parse::<Timestamp>());
    }
    for s in ["2000-01-01 00:00:00", "2000-01-01 00:00:00+", "294276-12-31 23:59:59-01"] {
        assert_conversion(s.parse::<TimestampTz>());
    }
    for s in [
        "",
        "1",
        "1 week",
        "1 day 1 year",
        "1 day 1 day",
        "00:00:00 1 day",
        "00:00:00 00:00:00",
        "1 day  00:00:00",
        "3000000000 days",
        "178956971 years",
        "2562047789:00:00",
        "++1 days",
        "1:60:00",
        "x years",
    ] {
        assert_conversion(s.parse::<Interval>());
    }
}

#[test]
fn binary_edges() {
    for d in [
        Date::PG_EPOCH,
        Date::UNIX_EPOCH,
        Date::MIN,
        Date::MAX,
        Date::INFINITY,
        Date::NEG_INFINITY,
        Date::from_ymd(2024, 2, 29).unwrap(),
        Date::from_ymd(-43, 3, 15).unwrap(),
    ] {
        binary_round_trip(d, oid::DATE);
    }
    assert_eq!(dumped(&Date::UNIX_EPOCH), (-10_957_i32).to_be_bytes());
    assert_eq!(dumped(&Date::INFINITY), i32::MAX.to_be_bytes());
    for t in [Timestamp::PG_EPOCH, Timestamp::UNIX_EPOCH, Timestamp::MIN, Timestamp::MAX] {
        binary_round_trip(t, oid::TIMESTAMP);
        binary_round_trip(TimestampTz::from_utc(t), oid::TIMESTAMPTZ);
    }
    for t in [Timestamp::INFINITY, Timestamp::NEG_INFINITY] {
        binary_round_trip(t, oid::TIMESTAMP);
        binary_round_trip(TimestampTz::from_utc(t), oid::TIMESTAMPTZ);
    }
    assert_eq!(dumped(&Timestamp::NEG_INFINITY), i64::MIN.to_be_bytes());
    for t in [Time::MIDNIGHT, Time::MAX, Time::from_hms_micro(1, 2, 3, 4).unwrap()] {
        binary_round_trip(t, oid::TIME);
        binary_round_trip(TimeTz::new(t, -57_599).unwrap(), oid::TIMETZ);
        binary_round_trip(TimeTz::new(t, 3600).unwrap(), oid::TIMETZ);
    }
    // The wire holds seconds west.
    let tz = TimeTz::new(Time::MIDNIGHT, 3600).unwrap();
    assert_eq!(dumped(&tz)[8..], (-3600_i32).to_be_bytes());
    for i in [
        Interval::ZERO,
        Interval::INFINITY,
        Interval::NEG_INFINITY,
        Interval::new(-1, 2, -3),
        Interval::new(i32::MAX, i32::MIN, 0),
    ] {
        binary_round_trip(i, oid::INTERVAL);
    }
    let mut expected = 3_i64.to_be_bytes().to_vec();
    expected.extend(2_i32.to_be_bytes());
    expected.extend(1_i32.to_be_bytes());
    assert_eq!(dumped(&Interval::new(1, 2, 3)), expected);
}

#[test]
fn binary_malformed_is_an_error() {
    assert_conversion(Date::load(oid::DATE, Format::Binary, &[0, 0, 0]));
    assert_conversion(Date::load(oid::DATE, Format::Binary, &(-2_451_546_i32).to_be_bytes()));
    assert_conversion(Date::load(oid::TIMESTAMP, Format::Binary, &0_i32.to_be_bytes()));
    assert_conversion(Time::load(oid::TIME, Format::Binary, &(-1_i64).to_be_bytes()));
    assert_conversion(Time::load(oid::TIME, Format::Binary, &[0; 9]));
    assert_conversion(Timestamp::load(
        oid::TIMESTAMP,
        Format::Binary,
        &END_TIMESTAMP.to_be_bytes(),
    ));
    assert_conversion(Timestamp::load(oid::TIMESTAMPTZ, Format::Binary, &0_i64.to_be_bytes()));
    assert_conversion(TimestampTz::load(oid::TIMESTAMPTZ, Format::Binary, &[]));
    let mut bad_zone = 0_i64.to_be_bytes().to_vec();
    bad_zone.extend(i32::MIN.to_be_bytes());
    assert_conversion(TimeTz::load(oid::TIMETZ, Format::Binary, &bad_zone));
    assert_conversion(Interval::load(oid::INTERVAL, Format::Binary, &[0; 15]));
    assert_conversion(Date::load(oid::DATE, Format::Text, b"\xff"));
    assert_conversion(SystemTime::load(oid::TIMESTAMPTZ, Format::Binary, &i64::MAX.to_be_bytes()));
    // A TimeTz built with a bad offset cannot be sent.
    let bad = TimeTz { time: Time::MIDNIGHT, offset_secs_east: 57_600 };
    assert_conversion(bad.dump(&mut BytesMut::new()));
}

#[test]
fn text_loading() {
    assert_eq!(
        text::<Date>(oid::DATE, "0044-03-15 BC").unwrap(),
        Date::from_ymd(-43, 3, 15).unwrap()
    );
    assert_eq!(text::<Timestamp>(oid::TIMESTAMP, "infinity").unwrap(), Timestamp::INFINITY);
    assert_eq!(
        text::<TimestampTz>(oid::TIMESTAMPTZ, "2000-01-01 02:00:00+02").unwrap(),
        TimestampTz::PG_EPOCH
    );
    assert_eq!(text::<Time>(oid::TIME, "24:00:00").unwrap(), Time::MAX);
    assert_eq!(
        text::<TimeTz>(oid::TIMETZ, "00:00:00-01").unwrap(),
        TimeTz::new(Time::MIDNIGHT, -3600).unwrap()
    );
    assert_eq!(text::<Interval>(oid::INTERVAL, "1 mon").unwrap(), Interval::new(1, 0, 0));
    assert_eq!(
        text::<SystemTime>(oid::TIMESTAMPTZ, "1970-01-01 00:00:01+00").unwrap(),
        SystemTime::UNIX_EPOCH + Duration::from_secs(1)
    );
    assert_conversion(text::<Date>(oid::DATE, "01/02/2000")); // not ISO DateStyle
    assert_conversion(text::<Interval>(oid::INTERVAL, "P1D")); // not IntervalStyle postgres
}

#[test]
fn system_time() {
    let epoch = TimestampTz::try_from(SystemTime::UNIX_EPOCH).unwrap();
    assert_eq!(epoch, TimestampTz::UNIX_EPOCH);
    assert_eq!(
        SystemTime::try_from(TimestampTz::PG_EPOCH).unwrap(),
        SystemTime::UNIX_EPOCH + Duration::from_secs(946_684_800)
    );
    // Sub-microsecond parts truncate toward the past, on both sides of 1970.
    let after = SystemTime::UNIX_EPOCH + Duration::from_nanos(1_999);
    assert_eq!(TimestampTz::try_from(after).unwrap().pg_micros(), epoch.pg_micros() + 1);
    let before = SystemTime::UNIX_EPOCH - Duration::from_nanos(1_001);
    assert_eq!(TimestampTz::try_from(before).unwrap().pg_micros(), epoch.pg_micros() - 2);
    let before = SystemTime::UNIX_EPOCH - Duration::from_nanos(1_000);
    assert_eq!(TimestampTz::try_from(before).unwrap().pg_micros(), epoch.pg_micros() - 1);
    assert_conversion(SystemTime::try_from(TimestampTz::INFINITY));
    assert_conversion(SystemTime::try_from(TimestampTz::NEG_INFINITY));
    let now = SystemTime::now();
    let back = SystemTime::try_from(TimestampTz::try_from(now).unwrap()).unwrap();
    assert!(now.duration_since(back).unwrap() < Duration::from_micros(1));
    assert_eq!(dumped(&SystemTime::UNIX_EPOCH), dumped(&TimestampTz::UNIX_EPOCH));
    // Far past the range (where SystemTime can hold it) is an error, not a panic.
    if let Some(far) = SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(10_000_000_000_000)) {
        assert_conversion(TimestampTz::try_from(far));
        assert_conversion(far.dump(&mut BytesMut::new()));
    }
}

proptest! {
    #[test]
    fn date_days_round_trip(days in MIN_DATE_DAYS..END_DATE_DAYS) {
        let d = Date::from_pg_days(days).unwrap();
        let (y, m, dd) = d.ymd().unwrap();
        prop_assert_eq!(Date::from_ymd(y, m, dd).unwrap(), d);
        prop_assert_eq!(d.to_string().parse::<Date>().unwrap(), d);
        prop_assert_eq!(Date::load(oid::DATE, Format::Binary, &dumped(&d)).unwrap(), d);
    }

    #[test]
    fn timestamp_round_trip(micros in MIN_TIMESTAMP..END_TIMESTAMP) {
        let ts = Timestamp::from_pg_micros(micros).unwrap();
        let (y, mo, d) = ts.date().unwrap().ymd().unwrap();
        let (h, mi, s, us) = ts.time().unwrap().hms_micro();
        prop_assert_eq!(Timestamp::from_civil(y, mo, d, h, mi, s, us).unwrap(), ts);
        prop_assert_eq!(ts.to_string().parse::<Timestamp>().unwrap(), ts);
        let tz = TimestampTz::from_utc(ts);
        prop_assert_eq!(tz.to_string().parse::<TimestampTz>().unwrap(), tz);
        prop_assert_eq!(TimestampTz::load(oid::TIMESTAMPTZ, Format::Text,
            tz.to_string().as_bytes()).unwrap(), tz);
    }

    #[test]
    fn time_round_trip(micros in 0..=USECS_PER_DAY, off in -57_599_i32..=57_599) {
        let t = Time::from_micros(micros).unwrap();
        let (h, m, s, us) = t.hms_micro();
        prop_assert_eq!(Time::from_hms_micro(h, m, s, us).unwrap(), t);
        prop_assert_eq!(t.to_string().parse::<Time>().unwrap(), t);
        let tz = TimeTz::new(t, off).unwrap();
        prop_assert_eq!(tz.to_string().parse::<TimeTz>().unwrap(), tz);
        prop_assert_eq!(TimeTz::load(oid::TIMETZ, Format::Binary, &dumped(&tz)).unwrap(), tz);
    }

    #[test]
    fn interval_round_trip(months in any::<i32>(), days in any::<i32>(), micros in any::<i64>()) {
        let i = Interval::new(months, days, micros);
        // The text splits months into years and months, which gives back the same total.
        prop_assert_eq!(i.to_string().parse::<Interval>().unwrap(), i);
        prop_assert_eq!(Interval::load(oid::INTERVAL, Format::Binary, &dumped(&i)).unwrap(), i);
    }

    #[test]
    fn loaders_never_panic(raw in proptest::collection::vec(any::<u8>(), 0..20)) {
        for format in [Format::Binary, Format::Text] {
            let _ = Date::load(oid::DATE, format, &raw);
            let _ = Time::load(oid::TIME, format, &raw);
            let _ = TimeTz::load(oid::TIMETZ, format, &raw);
            let _ = Timestamp::load(oid::TIMESTAMP, format, &raw);
            let _ = TimestampTz::load(oid::TIMESTAMPTZ, format, &raw);
            let _ = Interval::load(oid::INTERVAL, format, &raw);
            let _ = SystemTime::load(oid::TIMESTAMPTZ, format, &raw);
        }
    }

    #[test]
    fn text_parsers_never_panic(s in "[0-9:+\\- .BCTZa-z]{0,40}") {
        let _ = s.parse::<Date>();
        let _ = s.parse::<Time>();
        let _ = s.parse::<TimeTz>();
        let _ = s.parse::<Timestamp>();
        let _ = s.parse::<TimestampTz>();
        let _ = s.parse::<Interval>();
    }
}
