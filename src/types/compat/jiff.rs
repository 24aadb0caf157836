//! jiff 0.2: `civil::Date` ↔ `date`, `civil::Time` ↔ `time`, `civil::DateTime` ↔ `timestamp`,
//! `Timestamp` ↔ `timestamptz`, `Zoned` → `timestamptz`, `Span` ↔ `interval`, through
//! pgtusk's own [`Date`], [`Time`], [`Timestamp`], [`TimestampTz`] and [`Interval`].
//!
//! Decisions (also in the `types` module docs): sub-microsecond digits are floored (toward
//! the past, or toward negative for a span); ±infinity and values beyond jiff's range (±9999
//! years) are errors on load; values before 4714-11-24 BC are errors on dump.
//!
//! A `Span` maps onto an `interval`'s three fields: years and months to months, weeks and
//! days to days, hours and smaller units to microseconds (an hour is always 3600 seconds in
//! both). An `interval` whose fields have different signs (`1 mon -2 days`) has no `Span`
//! (every unit of a `Span` shares one sign), so loading it is an error, as is a field beyond
//! jiff's limits; the loaded `Span` has only month, day and microsecond units.

use jiff::civil;
use jiff::{Span, Zoned};

use super::{
    dump_via, load_via, time_from_nanos, time_secs_nanos, timestamp_from_unix_nanos, unix_nanos,
};
use crate::Error;
use crate::protocol::Oid;
use crate::types::{Date, Dumper, Interval, IsNull, Time, Timestamp, TimestampTz, oid};

fn out_of_range(what: impl std::fmt::Display) -> Error {
    Error::conversion(format!("{what} is outside jiff's range"))
}

/// An error for a date before 4714-11-24 BC.
impl TryFrom<civil::Date> for Date {
    type Error = Error;
    fn try_from(d: civil::Date) -> Result<Date, Error> {
        // jiff's fields are always valid and positive where they must be.
        Date::from_ymd(d.year().into(), d.month() as u32, d.day() as u32)
    }
}

/// An error for ±infinity and dates beyond jiff's range.
impl TryFrom<Date> for civil::Date {
    type Error = Error;
    fn try_from(d: Date) -> Result<civil::Date, Error> {
        let err = || out_of_range(format_args!("date {d}"));
        let (y, m, day) = d.ymd().ok_or_else(|| {
            Error::conversion(format!("date {d} is infinite; the Rust type has no infinity"))
        })?;
        let y = i16::try_from(y).map_err(|_| err())?;
        // Month and day are at most 12 and 31.
        civil::Date::new(y, m as i8, day as i8).map_err(|_| err())
    }
}

/// Floors to the microsecond.
impl TryFrom<civil::Time> for Time {
    type Error = Error;
    fn try_from(t: civil::Time) -> Result<Time, Error> {
        // Every field of a jiff time is non-negative.
        let secs = (t.hour() as u64 * 60 + t.minute() as u64) * 60 + t.second() as u64;
        time_from_nanos(secs * 1_000_000_000 + t.subsec_nanosecond() as u64)
    }
}

/// An error for `24:00:00`, which jiff has not.
impl TryFrom<Time> for civil::Time {
    type Error = Error;
    fn try_from(t: Time) -> Result<civil::Time, Error> {
        let (secs, nanos) = time_secs_nanos(t)?;
        // secs < 86400 and nanos < 10^9, so each field fits.
        civil::Time::new(
            (secs / 3600) as i8,
            (secs / 60 % 60) as i8,
            (secs % 60) as i8,
            nanos as i32,
        )
        .map_err(|_| out_of_range(format_args!("time {t:?}")))
    }
}

/// Floors to the microsecond; an error before 4714-11-24 BC.
impl TryFrom<civil::DateTime> for Timestamp {
    type Error = Error;
    fn try_from(dt: civil::DateTime) -> Result<Timestamp, Error> {
        Timestamp::from_date_time(dt.date().try_into()?, dt.time().try_into()?)
    }
}

/// An error for ±infinity and timestamps beyond jiff's range.
impl TryFrom<Timestamp> for civil::DateTime {
    type Error = Error;
    fn try_from(ts: Timestamp) -> Result<civil::DateTime, Error> {
        let (Some(date), Some(time)) = (ts.date(), ts.time()) else {
            return Err(Error::conversion(format!(
                "timestamp {ts} is infinite; the Rust type has no infinity"
            )));
        };
        Ok(civil::DateTime::from_parts(date.try_into()?, time.try_into()?))
    }
}

/// The same instant; floors to the microsecond; an error before 4714-11-24 BC.
impl TryFrom<jiff::Timestamp> for TimestampTz {
    type Error = Error;
    fn try_from(ts: jiff::Timestamp) -> Result<TimestampTz, Error> {
        timestamp_from_unix_nanos(ts.as_nanosecond()).map(TimestampTz::from_utc)
    }
}

/// An error for ±infinity and instants beyond jiff's range.
impl TryFrom<TimestampTz> for jiff::Timestamp {
    type Error = Error;
    fn try_from(ts: TimestampTz) -> Result<jiff::Timestamp, Error> {
        jiff::Timestamp::from_nanosecond(unix_nanos(ts.to_utc())?)
            .map_err(|_| out_of_range(format_args!("timestamptz {ts}")))
    }
}

/// The instant of a zoned date-time (its time zone is not sent: PostgreSQL does not store it).
impl TryFrom<&Zoned> for TimestampTz {
    type Error = Error;
    fn try_from(z: &Zoned) -> Result<TimestampTz, Error> {
        TimestampTz::try_from(z.timestamp())
    }
}

/// Months (years × 12 + months), days (weeks × 7 + days) and microseconds (hours and
/// smaller units, floored); an error only if a sum overflows an `interval` field.
impl TryFrom<Span> for Interval {
    type Error = Error;
    fn try_from(s: Span) -> Result<Interval, Error> {
        let overflow = || Error::conversion(format!("span {s} does not fit in an interval"));
        let months = i64::from(s.get_years()) * 12 + i64::from(s.get_months());
        let days = i64::from(s.get_weeks()) * 7 + i64::from(s.get_days());
        let nanos = ((i128::from(s.get_hours()) * 60 + i128::from(s.get_minutes())) * 60
            + i128::from(s.get_seconds()))
            * 1_000_000_000
            + i128::from(s.get_milliseconds()) * 1_000_000
            + i128::from(s.get_microseconds()) * 1_000
            + i128::from(s.get_nanoseconds());
        let interval = Interval {
            months: i32::try_from(months).map_err(|_| overflow())?,
            days: i32::try_from(days).map_err(|_| overflow())?,
            micros: i64::try_from(nanos.div_euclid(1_000)).map_err(|_| overflow())?,
        };
        if !interval.is_finite() {
            return Err(overflow());
        }
        Ok(interval)
    }
}

/// A span of months, days and microseconds; an error for ±infinity, for fields of different
/// signs and for fields beyond jiff's limits.
impl TryFrom<Interval> for Span {
    type Error = Error;
    fn try_from(i: Interval) -> Result<Span, Error> {
        let signs = [i64::from(i.months).signum(), i64::from(i.days).signum(), i.micros.signum()];
        if signs.contains(&1) && signs.contains(&-1) {
            return Err(Error::conversion(format!(
                "interval {i} mixes signs; a jiff Span has one sign for every unit"
            )));
        }
        let err = |_| out_of_range(format_args!("interval {i}"));
        Span::new()
            .try_months(i.months)
            .and_then(|s| s.try_days(i.days))
            .and_then(|s| s.try_microseconds(i.micros))
            .map_err(err)
    }
}

load_via! {
    civil::Date => Date, "date";
    civil::Time => Time, "time";
    civil::DateTime => Timestamp, "timestamp";
    jiff::Timestamp => TimestampTz, "timestamptz";
    Span => Interval, "interval";
}

dump_via! {
    civil::Date => Date, oid::DATE, "date";
    civil::Time => Time, oid::TIME, "time";
    civil::DateTime => Timestamp, oid::TIMESTAMP, "timestamp";
    jiff::Timestamp => TimestampTz, oid::TIMESTAMPTZ, "timestamptz";
    Span => Interval, oid::INTERVAL, "interval";
}

/// Sent as `timestamptz` in binary: the instant (the time zone is not sent). Floors to the
/// microsecond.
impl Dumper for Zoned {
    fn type_oid(&self) -> Oid {
        oid::TIMESTAMPTZ
    }
    fn dump(&self, buf: &mut bytes::BytesMut) -> Result<IsNull, Error> {
        TimestampTz::try_from(self)?.dump(buf)
    }
    fn dump_text(&self, buf: &mut bytes::BytesMut) -> Result<IsNull, Error> {
        TimestampTz::try_from(self)?.dump_text(buf)
    }
}

#[cfg(test)]
mod tests {
    use bytes::BytesMut;
    use jiff::ToSpan;
    use jiff::civil::{date, time};
    use proptest::prelude::*;

    use super::*;
    use crate::protocol::Format;
    use crate::types::Loader;

    fn dumped(v: &dyn Dumper) -> Vec<u8> {
        let mut buf = BytesMut::new();
        assert_eq!(v.dump(&mut buf).unwrap(), IsNull::No);
        buf.to_vec()
    }

    #[test]
    fn civil_edges() {
        assert_eq!(Date::try_from(date(2000, 1, 1)).unwrap(), Date::PG_EPOCH);
        assert_eq!(civil::Date::try_from(Date::MIN).unwrap(), date(-4713, 11, 24));
        assert!(Date::try_from(civil::Date::MIN).is_err());
        assert!(civil::Date::try_from(Date::MAX).is_err());
        assert!(civil::Date::try_from(Date::INFINITY).is_err());
        assert_eq!(
            civil::Date::try_from(Date::from_ymd(9999, 12, 31).unwrap()).unwrap(),
            civil::Date::MAX
        );
        assert!(civil::Time::try_from(Time::MAX).is_err());
        let t = time(23, 59, 59, 999_999_999);
        assert_eq!(Time::try_from(t).unwrap(), Time::from_hms_micro(23, 59, 59, 999_999).unwrap());
        let dt = date(-43, 3, 15).at(12, 0, 0, 1_500);
        let ts = Timestamp::try_from(dt).unwrap();
        assert_eq!(ts, Timestamp::from_civil(-43, 3, 15, 12, 0, 0, 1).unwrap());
        assert_eq!(civil::DateTime::try_from(ts).unwrap(), date(-43, 3, 15).at(12, 0, 0, 1_000));
        assert!(civil::DateTime::try_from(Timestamp::INFINITY).is_err());
        assert_eq!(
            civil::DateTime::load(oid::TIMESTAMP, Format::Text, b"2024-02-29 01:02:03.5").unwrap(),
            date(2024, 2, 29).at(1, 2, 3, 500_000_000)
        );
        assert_eq!(dumped(&date(2000, 1, 2)), 1_i32.to_be_bytes());
    }

    #[test]
    fn instants() {
        let ts: jiff::Timestamp = "2024-03-01T00:00:00Z".parse().unwrap();
        let zoned = ts.to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(5)));
        assert_eq!(dumped(&zoned), dumped(&ts));
        assert_eq!(zoned.type_oid(), oid::TIMESTAMPTZ);
        let back = jiff::Timestamp::load(oid::TIMESTAMPTZ, Format::Binary, &dumped(&ts)).unwrap();
        assert_eq!(back, ts);
        let text =
            jiff::Timestamp::load(oid::TIMESTAMPTZ, Format::Text, b"2024-03-01 05:30:00+05:30");
        assert_eq!(text.unwrap(), ts);
        assert!(jiff::Timestamp::try_from(TimestampTz::NEG_INFINITY).is_err());
        assert!(jiff::Timestamp::try_from(TimestampTz::MAX).is_err());
        assert!(jiff::Timestamp::try_from(TimestampTz::MIN).is_ok());
        let before = jiff::Timestamp::from_nanosecond(-1).unwrap();
        assert_eq!(
            TimestampTz::try_from(before).unwrap().to_utc().pg_micros(),
            -946_684_800_000_001
        );
    }

    #[test]
    fn spans() {
        let s = 1
            .year()
            .months(2)
            .weeks(1)
            .days(3)
            .hours(4)
            .minutes(5)
            .seconds(6)
            .milliseconds(7)
            .microseconds(8)
            .nanoseconds(999);
        assert_eq!(Interval::try_from(s).unwrap(), Interval::new(14, 10, 14_706_007_008));
        let neg = -s;
        assert_eq!(Interval::try_from(neg).unwrap(), Interval::new(-14, -10, -14_706_007_009));
        let i = Interval::new(-3, -2, -1);
        let back = Span::try_from(i).unwrap();
        assert_eq!(back.fieldwise(), (-3).months().days(-2).microseconds(-1).fieldwise());
        assert_eq!(Interval::try_from(back).unwrap(), i);
        assert_eq!(Span::try_from(Interval::new(0, -2, 0)).unwrap().get_days(), -2);
        assert!(Span::try_from(Interval::new(1, -2, 0)).is_err());
        assert!(Span::try_from(Interval::new(0, 1, -1)).is_err());
        assert!(Span::try_from(Interval::INFINITY).is_err());
        assert!(Span::try_from(Interval::new(i32::MAX, 0, 0)).is_err());
        assert!(Span::try_from(Interval::new(0, 0, i64::MAX)).is_err());
        assert_eq!(
            Span::load(oid::INTERVAL, Format::Text, b"1 year 2 mons 3 days 04:05:06")
                .unwrap()
                .fieldwise(),
            14.months().days(3).microseconds(14_706_000_000_i64).fieldwise()
        );
        assert!(Span::load(oid::INTERVAL, Format::Text, b"-1 days +02:03:00").is_err());
    }

    proptest! {
        #[test]
        fn date_time_round_trips(y in -9999_i16..=9999, doy in 0_i64..366, nanos in 0_i64..86_400_000_000_000) {
            let d = date(y, 1, 1).checked_add(doy.days()).unwrap_or(date(y, 12, 31));
            let t = civil::Time::MIN.checked_add(nanos.nanoseconds()).unwrap();
            let floored = t.with().subsec_nanosecond(t.subsec_nanosecond() / 1000 * 1000).build().unwrap();
            let Ok(ours) = Date::try_from(d) else {
                prop_assert!(d < date(-4713, 11, 24));
                return Ok(());
            };
            prop_assert_eq!(civil::Date::try_from(ours).unwrap(), d);
            prop_assert_eq!(civil::Time::try_from(Time::try_from(t).unwrap()).unwrap(), floored);
            let ts = Timestamp::try_from(d.to_datetime(t)).unwrap();
            prop_assert_eq!(civil::DateTime::try_from(ts).unwrap(), d.to_datetime(floored));
            if let Ok(inst) = d.to_datetime(floored).to_zoned(jiff::tz::TimeZone::UTC) {
                let tz = TimestampTz::try_from(inst.timestamp()).unwrap();
                prop_assert_eq!(tz.to_utc(), ts);
                prop_assert_eq!(jiff::Timestamp::try_from(tz).unwrap(), inst.timestamp());
            }
        }

        #[test]
        fn interval_round_trip(m in -239_976_i32..=239_976, d in -7_304_484_i32..=7_304_484,
                               us in -631_107_417_600_000_000_i64..=631_107_417_600_000_000) {
            let sign = if m < 0 || (m == 0 && d < 0) || (m == 0 && d == 0 && us < 0) { -1 } else { 1 };
            let i = Interval::new(m.abs() * sign, d.abs() * sign, us.abs() * i64::from(sign));
            let span = Span::try_from(i).unwrap();
            prop_assert_eq!(Interval::try_from(span).unwrap(), i);
        }
    }
}
