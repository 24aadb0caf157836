//! chrono 0.4: `NaiveDate` ↔ `date`, `NaiveTime` ↔ `time`, `NaiveDateTime` ↔ `timestamp`,
//! `DateTime<Tz>` ↔ `timestamptz`, through pgtusk's own [`Date`], [`Time`], [`Timestamp`] and
//! [`TimestampTz`].
//!
//! Decisions (also in the `types` module docs):
//! - sub-microsecond digits are dropped by flooring (toward the past), as the `SystemTime`
//!   dumper does, so a value never moves into a later second, day or year;
//! - a leap second (chrono's nanosecond ≥ 1_000_000_000) is the next second, as PostgreSQL
//!   reads `23:59:60`: `23:59:60` becomes `24:00:00` as a `time` and midnight of the next day
//!   as a `timestamp`;
//! - ±infinity and values beyond chrono's range (±262142 years) are errors on load;
//!   values before 4714-11-24 BC are errors on dump. Nothing is clamped.

use chrono::{DateTime, FixedOffset, Local, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};

use super::{
    date_from_unix_days, dump_via, load_via, time_from_nanos, time_secs_nanos,
    timestamp_from_unix_nanos, unix_days, unix_nanos,
};
use crate::Error;
use crate::protocol::Oid;
use crate::types::{Date, Dumper, IsNull, Time, Timestamp, TimestampTz, oid};

/// `NaiveDate::num_days_from_ce` of 1970-01-01.
const UNIX_EPOCH_CE_DAYS: i64 = 719_163;

fn out_of_range(what: &str) -> Error {
    Error::conversion(format!("{what} is outside chrono's range"))
}

/// An error for a date before 4714-11-24 BC.
impl TryFrom<NaiveDate> for Date {
    type Error = Error;
    fn try_from(d: NaiveDate) -> Result<Date, Error> {
        use chrono::Datelike;
        date_from_unix_days(i64::from(d.num_days_from_ce()) - UNIX_EPOCH_CE_DAYS)
    }
}

/// An error for ±infinity and dates after chrono's last year (262142).
impl TryFrom<Date> for NaiveDate {
    type Error = Error;
    fn try_from(d: Date) -> Result<NaiveDate, Error> {
        let ce = unix_days(d)? + UNIX_EPOCH_CE_DAYS;
        i32::try_from(ce)
            .ok()
            .and_then(NaiveDate::from_num_days_from_ce_opt)
            .ok_or_else(|| out_of_range(&format!("date {d}")))
    }
}

/// Floors to the microsecond; a leap second is the next second (`23:59:60` is `24:00:00`),
/// and a leap second with a fraction (past `24:00:00`) is an error.
impl TryFrom<NaiveTime> for Time {
    type Error = Error;
    fn try_from(t: NaiveTime) -> Result<Time, Error> {
        use chrono::Timelike;
        let nanos =
            u64::from(t.num_seconds_from_midnight()) * 1_000_000_000 + u64::from(t.nanosecond());
        time_from_nanos(nanos)
    }
}

/// An error for `24:00:00`, which chrono has not.
impl TryFrom<Time> for NaiveTime {
    type Error = Error;
    fn try_from(t: Time) -> Result<NaiveTime, Error> {
        let (secs, nanos) = time_secs_nanos(t)?;
        NaiveTime::from_num_seconds_from_midnight_opt(secs, nanos)
            .ok_or_else(|| out_of_range(&format!("time {t:?}")))
    }
}

/// Nanoseconds since the Unix epoch of any chrono instant (a leap second counts as the next
/// second).
fn chrono_unix_nanos<Tz: TimeZone>(dt: &DateTime<Tz>) -> i128 {
    i128::from(dt.timestamp()) * 1_000_000_000 + i128::from(dt.timestamp_subsec_nanos())
}

/// The UTC `DateTime` of a finite timestamp's UTC civil time.
fn chrono_utc(ts: Timestamp) -> Result<DateTime<Utc>, Error> {
    let nanos = unix_nanos(ts)?;
    // A finite timestamp's seconds fit in an i64 and the remainder in a u32.
    let secs = nanos.div_euclid(1_000_000_000) as i64;
    let sub = nanos.rem_euclid(1_000_000_000) as u32;
    DateTime::from_timestamp(secs, sub).ok_or_else(|| out_of_range(&format!("timestamp {ts}")))
}

/// Floors to the microsecond; a leap second is the next second; an error before
/// 4714-11-24 BC.
impl TryFrom<NaiveDateTime> for Timestamp {
    type Error = Error;
    fn try_from(dt: NaiveDateTime) -> Result<Timestamp, Error> {
        timestamp_from_unix_nanos(chrono_unix_nanos(&dt.and_utc()))
    }
}

/// An error for ±infinity and timestamps after chrono's last year (262142).
impl TryFrom<Timestamp> for NaiveDateTime {
    type Error = Error;
    fn try_from(ts: Timestamp) -> Result<NaiveDateTime, Error> {
        chrono_utc(ts).map(|dt| dt.naive_utc())
    }
}

/// The same instant, whatever the time zone; floors to the microsecond; an error before
/// 4714-11-24 BC UTC.
impl<Tz: TimeZone> TryFrom<DateTime<Tz>> for TimestampTz {
    type Error = Error;
    fn try_from(dt: DateTime<Tz>) -> Result<TimestampTz, Error> {
        timestamp_from_unix_nanos(chrono_unix_nanos(&dt)).map(TimestampTz::from_utc)
    }
}

/// An error for ±infinity and instants after chrono's last year.
impl TryFrom<TimestampTz> for DateTime<Utc> {
    type Error = Error;
    fn try_from(ts: TimestampTz) -> Result<DateTime<Utc>, Error> {
        chrono_utc(ts.to_utc())
    }
}

/// The instant with the UTC offset `+00:00` (PostgreSQL does not store the offset a
/// `timestamptz` was written with); an error for ±infinity and instants after chrono's last
/// year.
impl TryFrom<TimestampTz> for DateTime<FixedOffset> {
    type Error = Error;
    fn try_from(ts: TimestampTz) -> Result<DateTime<FixedOffset>, Error> {
        chrono_utc(ts.to_utc()).map(|dt| dt.fixed_offset())
    }
}

/// The instant in the process's local time zone (chrono's [`Local`], not the session's
/// `TimeZone`); an error for ±infinity and instants after chrono's last year.
impl TryFrom<TimestampTz> for DateTime<Local> {
    type Error = Error;
    fn try_from(ts: TimestampTz) -> Result<DateTime<Local>, Error> {
        chrono_utc(ts.to_utc()).map(|dt| dt.with_timezone(&Local))
    }
}

load_via! {
    NaiveDate => Date, "date";
    NaiveTime => Time, "time";
    NaiveDateTime => Timestamp, "timestamp";
    DateTime<Utc> => TimestampTz, "timestamptz";
    DateTime<FixedOffset> => TimestampTz, "timestamptz";
    DateTime<Local> => TimestampTz, "timestamptz";
}

dump_via! {
    NaiveDate => Date, oid::DATE, "date";
    NaiveTime => Time, oid::TIME, "time";
    NaiveDateTime => Timestamp, oid::TIMESTAMP, "timestamp";
}

impl TimestampTz {
    /// The instant of a chrono date-time in any time zone.
    fn try_from_chrono<Tz: TimeZone>(t: &DateTime<Tz>) -> Result<TimestampTz, Error> {
        Ok(TimestampTz::from_utc(timestamp_from_unix_nanos(chrono_unix_nanos(t))?))
    }
}

/// Sent as `timestamptz` in binary: the instant, whatever the time zone (the offset itself is
/// not sent; PostgreSQL does not store it). Floors to the microsecond; an error before
/// 4714-11-24 BC UTC.
impl<Tz: TimeZone> Dumper for DateTime<Tz>
where
    DateTime<Tz>: Send + Sync,
{
    fn type_oid(&self) -> Oid {
        oid::TIMESTAMPTZ
    }
    fn dump(&self, buf: &mut bytes::BytesMut) -> Result<IsNull, Error> {
        TimestampTz::try_from_chrono(self)?.dump(buf)
    }
    fn dump_text(&self, buf: &mut bytes::BytesMut) -> Result<IsNull, Error> {
        TimestampTz::try_from_chrono(self)?.dump_text(buf)
    }
}

#[cfg(test)]
mod tests {
    use bytes::BytesMut;
    use chrono::{Datelike, Timelike};
    use proptest::prelude::*;

    use super::*;
    use crate::protocol::Format;
    use crate::types::Loader;

    fn nd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn dumped(v: &dyn Dumper) -> (Oid, Vec<u8>) {
        let mut buf = BytesMut::new();
        assert_eq!(v.dump(&mut buf).unwrap(), IsNull::No);
        (v.type_oid(), buf.to_vec())
    }

    #[test]
    fn dates() {
        assert_eq!(Date::try_from(nd(2000, 1, 1)).unwrap(), Date::PG_EPOCH);
        assert_eq!(Date::try_from(nd(1970, 1, 1)).unwrap(), Date::UNIX_EPOCH);
        assert_eq!(Date::try_from(nd(-4713, 11, 24)).unwrap(), Date::MIN);
        assert!(Date::try_from(nd(-4713, 11, 23)).is_err());
        assert_eq!(NaiveDate::try_from(Date::MIN).unwrap(), nd(-4713, 11, 24));
        assert!(NaiveDate::try_from(Date::MAX).is_err());
        assert!(NaiveDate::try_from(Date::INFINITY).is_err());
        assert!(NaiveDate::try_from(Date::NEG_INFINITY).is_err());
        assert_eq!(
            NaiveDate::try_from(Date::from_ymd(262_142, 12, 31).unwrap()).unwrap(),
            NaiveDate::MAX
        );
        assert!(NaiveDate::try_from(Date::from_ymd(262_143, 1, 1).unwrap()).is_err());
        assert_eq!(dumped(&nd(2000, 1, 2)), (oid::DATE, 1_i32.to_be_bytes().to_vec()));
        assert_eq!(
            NaiveDate::load(oid::DATE, Format::Text, b"0044-03-15 BC").unwrap(),
            nd(-43, 3, 15)
        );
        assert!(NaiveDate::load(oid::DATE, Format::Text, b"infinity").is_err());
        assert!(NaiveDate::accepts(oid::DATE) && !NaiveDate::accepts(oid::TIMESTAMP));
        let mut buf = BytesMut::new();
        assert!(NaiveDate::MIN.dump(&mut buf).is_err());
    }

    #[test]
    fn times_and_leap_seconds() {
        let t = NaiveTime::from_hms_nano_opt(12, 34, 56, 789_012_999).unwrap();
        assert_eq!(Time::try_from(t).unwrap(), Time::from_hms_micro(12, 34, 56, 789_012).unwrap());
        let leap = NaiveTime::from_hms_nano_opt(23, 59, 59, 1_000_000_000).unwrap();
        assert_eq!(Time::try_from(leap).unwrap(), Time::MAX);
        let leap_frac = NaiveTime::from_hms_nano_opt(23, 59, 59, 1_500_000_000).unwrap();
        assert!(Time::try_from(leap_frac).is_err());
        let leap_noon = NaiveTime::from_hms_nano_opt(11, 59, 59, 1_250_000_000).unwrap();
        assert_eq!(
            Time::try_from(leap_noon).unwrap(),
            Time::from_hms_micro(12, 0, 0, 250_000).unwrap()
        );
        assert!(NaiveTime::try_from(Time::MAX).is_err());
        assert_eq!(
            NaiveTime::load(oid::TIME, Format::Text, b"01:02:03.5").unwrap(),
            NaiveTime::from_hms_milli_opt(1, 2, 3, 500).unwrap()
        );
        assert_eq!(dumped(&NaiveTime::MIN), (oid::TIME, 0_i64.to_be_bytes().to_vec()));
    }

    #[test]
    fn timestamps() {
        let dt = nd(2016, 12, 31).and_hms_nano_opt(23, 59, 59, 1_000_000_000).unwrap();
        assert_eq!(
            Timestamp::try_from(dt).unwrap(),
            Timestamp::from_civil(2017, 1, 1, 0, 0, 0, 0).unwrap()
        );
        let before_epoch = nd(1969, 12, 31).and_hms_nano_opt(23, 59, 59, 999_999_999).unwrap();
        assert_eq!(
            Timestamp::try_from(before_epoch).unwrap(),
            Timestamp::from_civil(1969, 12, 31, 23, 59, 59, 999_999).unwrap()
        );
        assert!(NaiveDateTime::try_from(Timestamp::MAX).is_err());
        assert!(NaiveDateTime::try_from(Timestamp::INFINITY).is_err());
        assert_eq!(
            NaiveDateTime::try_from(Timestamp::MIN).unwrap(),
            nd(-4713, 11, 24).and_hms_opt(0, 0, 0).unwrap()
        );
        assert!(Timestamp::try_from(NaiveDateTime::MIN).is_err());
        let v =
            NaiveDateTime::load(oid::TIMESTAMP, Format::Text, b"0001-01-01 00:00:00 BC").unwrap();
        assert_eq!((v.year(), v.hour()), (0, 0));
        assert!(NaiveDateTime::load(oid::TIMESTAMPTZ, Format::Binary, &[0; 8]).is_err());
    }

    #[test]
    fn instants_and_offsets() {
        let off = FixedOffset::east_opt(5 * 3600 + 1800).unwrap();
        let local = off.with_ymd_and_hms(2024, 3, 1, 5, 30, 0).unwrap();
        let utc = Utc.with_ymd_and_hms(2024, 3, 1, 0, 0, 0).unwrap();
        assert_eq!(dumped(&local), dumped(&utc));
        assert_eq!(dumped(&local.with_timezone(&Local)), dumped(&utc));
        let (oid_, bytes) = dumped(&local);
        assert_eq!(oid_, oid::TIMESTAMPTZ);
        let back = DateTime::<FixedOffset>::load(oid::TIMESTAMPTZ, Format::Binary, &bytes).unwrap();
        assert_eq!(back, local);
        assert_eq!(back.offset().local_minus_utc(), 0);
        assert_eq!(DateTime::<Utc>::load(oid::TIMESTAMPTZ, Format::Binary, &bytes).unwrap(), utc);
        assert_eq!(DateTime::<Local>::load(oid::TIMESTAMPTZ, Format::Binary, &bytes).unwrap(), utc);
        let text =
            DateTime::<Utc>::load(oid::TIMESTAMPTZ, Format::Text, b"2024-03-01 05:30:00+05:30");
        assert_eq!(text.unwrap(), utc);
        assert!(DateTime::<Utc>::try_from(TimestampTz::INFINITY).is_err());
        assert!(DateTime::<Utc>::load(oid::TIMESTAMP, Format::Binary, &bytes).is_err());
    }

    fn naive_date() -> impl Strategy<Value = NaiveDate> {
        (NaiveDate::MIN.num_days_from_ce()..=NaiveDate::MAX.num_days_from_ce())
            .prop_map(|d| NaiveDate::from_num_days_from_ce_opt(d).unwrap())
    }

    fn naive_time() -> impl Strategy<Value = NaiveTime> {
        (0_u32..86_400, 0_u32..2_000_000_000).prop_map(|(s, n)| {
            // chrono allows a leap second only at a minute's last second.
            let n = if s % 60 == 59 { n } else { n % 1_000_000_000 };
            NaiveTime::from_num_seconds_from_midnight_opt(s, n).unwrap()
        })
    }

    proptest! {
        #[test]
        fn date_round_trip(d in naive_date()) {
            match Date::try_from(d) {
                Ok(ours) => {
                    prop_assert_eq!(NaiveDate::try_from(ours).unwrap(), d);
                    let (y, m, day) = ours.ymd().unwrap();
                    prop_assert_eq!((y, m, day), (d.year(), d.month(), d.day()));
                }
                Err(_) => prop_assert!(d < nd(-4713, 11, 24)),
            }
        }

        #[test]
        fn time_round_trip(t in naive_time()) {
            match Time::try_from(t) {
                Ok(ours) => {
                    let back = NaiveTime::try_from(ours);
                    if t.nanosecond() >= 1_000_000_000 {
                        // Leap seconds become the next second.
                        prop_assert!(ours.micros() % 1_000_000 == i64::from(t.nanosecond() / 1000 % 1_000_000));
                    } else {
                        prop_assert_eq!(back.unwrap(), t.with_nanosecond(t.nanosecond() / 1000 * 1000).unwrap());
                    }
                }
                Err(_) => prop_assert!(t.num_seconds_from_midnight() == 86_399 && t.nanosecond() >= 1_000_001_000),
            }
        }

        #[test]
        fn timestamp_round_trip(d in naive_date(), micros in 0_i64..86_400_000_000) {
            let Some(dt) = d.and_time(NaiveTime::MIN).checked_add_signed(chrono::TimeDelta::microseconds(micros)) else { return Ok(()) };
            match Timestamp::try_from(dt) {
                Ok(ts) => {
                    prop_assert_eq!(NaiveDateTime::try_from(ts).unwrap(), dt);
                    let tz = TimestampTz::try_from(dt.and_utc()).unwrap();
                    prop_assert_eq!(DateTime::<Utc>::try_from(tz).unwrap(), dt.and_utc());
                }
                Err(_) => prop_assert!(d < nd(-4713, 11, 24)),
            }
        }
    }
}
