//! time 0.3: `Date` ↔ `date`, `Time` ↔ `time`, `PrimitiveDateTime` ↔ `timestamp`,
//! `OffsetDateTime` ↔ `timestamptz`, through pgtusk's own [`Date`], [`Time`], [`Timestamp`]
//! and [`TimestampTz`].
//!
//! Decisions (also in the `types` module docs): sub-microsecond digits are floored (toward
//! the past); ±infinity and values beyond time's range (±9999 years, or ±999999 with time's
//! `large-dates` feature) are errors on load; values before 4714-11-24 BC are errors on dump.
//! An `OffsetDateTime` is sent as its instant (its `UtcOffset` is not sent: PostgreSQL does not
//! store it) and loads with the offset UTC; `to_offset` gives it any other.

use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

use super::{
    date_from_unix_days, dump_via, load_via, time_from_nanos, time_secs_nanos,
    timestamp_from_unix_nanos, unix_days, unix_nanos,
};
use crate::Error;
use crate::types::{Date, Time, Timestamp, TimestampTz, oid};

/// The Julian day number of 1970-01-01.
const UNIX_EPOCH_JULIAN_DAY: i64 = 2_440_588;

fn out_of_range(what: impl std::fmt::Display) -> Error {
    Error::conversion(format!("{what} is outside the time crate's range"))
}

/// An error for a date before 4714-11-24 BC.
impl TryFrom<time::Date> for Date {
    type Error = Error;
    fn try_from(d: time::Date) -> Result<Date, Error> {
        date_from_unix_days(i64::from(d.to_julian_day()) - UNIX_EPOCH_JULIAN_DAY)
    }
}

/// An error for ±infinity and dates beyond the time crate's range.
impl TryFrom<Date> for time::Date {
    type Error = Error;
    fn try_from(d: Date) -> Result<time::Date, Error> {
        let julian = unix_days(d)? + UNIX_EPOCH_JULIAN_DAY;
        i32::try_from(julian)
            .ok()
            .and_then(|j| time::Date::from_julian_day(j).ok())
            .ok_or_else(|| out_of_range(format_args!("date {d}")))
    }
}

/// Floors to the microsecond.
impl TryFrom<time::Time> for Time {
    type Error = Error;
    fn try_from(t: time::Time) -> Result<Time, Error> {
        let (h, m, s, ns) = t.as_hms_nano();
        let secs = (u64::from(h) * 60 + u64::from(m)) * 60 + u64::from(s);
        time_from_nanos(secs * 1_000_000_000 + u64::from(ns))
    }
}

/// An error for `24:00:00`, which the time crate has not.
impl TryFrom<Time> for time::Time {
    type Error = Error;
    fn try_from(t: Time) -> Result<time::Time, Error> {
        let (secs, nanos) = time_secs_nanos(t)?;
        // secs < 86400, so every field fits in a u8.
        time::Time::from_hms_nano(
            (secs / 3600) as u8,
            (secs / 60 % 60) as u8,
            (secs % 60) as u8,
            nanos,
        )
        .map_err(|_| out_of_range(format_args!("time {t:?}")))
    }
}

/// The UTC `OffsetDateTime` of a finite timestamp's UTC civil time.
fn time_utc(ts: Timestamp) -> Result<OffsetDateTime, Error> {
    OffsetDateTime::from_unix_timestamp_nanos(unix_nanos(ts)?)
        .map_err(|_| out_of_range(format_args!("timestamp {ts}")))
}

/// Floors to the microsecond; an error before 4714-11-24 BC.
impl TryFrom<PrimitiveDateTime> for Timestamp {
    type Error = Error;
    fn try_from(dt: PrimitiveDateTime) -> Result<Timestamp, Error> {
        timestamp_from_unix_nanos(dt.assume_utc().unix_timestamp_nanos())
    }
}

/// An error for ±infinity and timestamps beyond the time crate's range.
impl TryFrom<Timestamp> for PrimitiveDateTime {
    type Error = Error;
    fn try_from(ts: Timestamp) -> Result<PrimitiveDateTime, Error> {
        time_utc(ts).map(|dt| PrimitiveDateTime::new(dt.date(), dt.time()))
    }
}

/// The same instant, whatever the offset; floors to the microsecond; an error before
/// 4714-11-24 BC UTC.
impl TryFrom<OffsetDateTime> for TimestampTz {
    type Error = Error;
    fn try_from(dt: OffsetDateTime) -> Result<TimestampTz, Error> {
        timestamp_from_unix_nanos(dt.unix_timestamp_nanos()).map(TimestampTz::from_utc)
    }
}

/// The instant with the offset [`UtcOffset::UTC`]; an error for ±infinity and instants beyond
/// the time crate's range.
impl TryFrom<TimestampTz> for OffsetDateTime {
    type Error = Error;
    fn try_from(ts: TimestampTz) -> Result<OffsetDateTime, Error> {
        let dt = time_utc(ts.to_utc())?;
        debug_assert_eq!(dt.offset(), UtcOffset::UTC);
        Ok(dt)
    }
}

load_via! {
    time::Date => Date, "date";
    time::Time => Time, "time";
    PrimitiveDateTime => Timestamp, "timestamp";
    OffsetDateTime => TimestampTz, "timestamptz";
}

dump_via! {
    time::Date => Date, oid::DATE, "date";
    time::Time => Time, oid::TIME, "time";
    PrimitiveDateTime => Timestamp, oid::TIMESTAMP, "timestamp";
    OffsetDateTime => TimestampTz, oid::TIMESTAMPTZ, "timestamptz";
}

#[cfg(test)]
mod tests {
    use bytes::BytesMut;
    use proptest::prelude::*;
    use time::{Month, PrimitiveDateTime as Pdt};

    use super::*;
    use crate::protocol::Format;
    use crate::types::{Dumper, IsNull, Loader};

    fn td(y: i32, m: u8, d: u8) -> time::Date {
        time::Date::from_calendar_date(y, Month::try_from(m).unwrap(), d).unwrap()
    }

    fn dumped(v: &dyn Dumper) -> Vec<u8> {
        let mut buf = BytesMut::new();
        assert_eq!(v.dump(&mut buf).unwrap(), IsNull::No);
        buf.to_vec()
    }

    #[test]
    fn edges() {
        assert_eq!(Date::try_from(td(2000, 1, 1)).unwrap(), Date::PG_EPOCH);
        assert_eq!(Date::try_from(td(-43, 3, 15)).unwrap(), Date::from_ymd(-43, 3, 15).unwrap());
        assert_eq!(time::Date::try_from(Date::MIN).unwrap(), td(-4713, 11, 24));
        assert!(time::Date::try_from(Date::MAX).is_err());
        assert!(Date::try_from(time::Date::MIN).is_err());
        let mut buf = BytesMut::new();
        assert!(time::Date::MIN.dump(&mut buf).is_err());
        assert!(time::Date::try_from(Date::INFINITY).is_err());
        assert!(time::Date::load(oid::DATE, Format::Text, b"-infinity").is_err());
        assert_eq!(
            time::Time::try_from(Time::from_hms_micro(1, 2, 3, 4).unwrap()).unwrap(),
            time::Time::from_hms_micro(1, 2, 3, 4).unwrap()
        );
        assert!(time::Time::try_from(Time::MAX).is_err());
        let t = time::Time::from_hms_nano(23, 59, 59, 999_999_999).unwrap();
        assert_eq!(Time::try_from(t).unwrap(), Time::from_hms_micro(23, 59, 59, 999_999).unwrap());
        assert!(Pdt::try_from(Timestamp::MAX).is_err());
        assert!(Pdt::try_from(Timestamp::NEG_INFINITY).is_err());
        let pdt = Pdt::new(td(-4, 2, 29), time::Time::MIDNIGHT);
        assert_eq!(
            Timestamp::try_from(pdt).unwrap(),
            Timestamp::from_civil(-4, 2, 29, 0, 0, 0, 0).unwrap()
        );
        assert_eq!(dumped(&td(2000, 1, 2)), 1_i32.to_be_bytes());
    }

    #[test]
    fn offsets() {
        let utc = Pdt::new(td(2024, 3, 1), time::Time::MIDNIGHT).assume_utc();
        let plus = utc.to_offset(UtcOffset::from_hms(5, 30, 0).unwrap());
        assert_eq!(dumped(&plus), dumped(&utc));
        assert_eq!(plus.type_oid(), oid::TIMESTAMPTZ);
        let back = OffsetDateTime::load(oid::TIMESTAMPTZ, Format::Binary, &dumped(&plus)).unwrap();
        assert_eq!(back, plus);
        assert_eq!(back.offset(), UtcOffset::UTC);
        let text =
            OffsetDateTime::load(oid::TIMESTAMPTZ, Format::Text, b"2024-03-01 05:30:00+05:30");
        assert_eq!(text.unwrap(), utc);
        let sub = utc + time::Duration::nanoseconds(-1);
        assert_eq!(
            TimestampTz::try_from(sub).unwrap().to_utc(),
            Timestamp::from_civil(2024, 2, 29, 23, 59, 59, 999_999).unwrap()
        );
    }

    proptest! {
        #[test]
        fn round_trips(days in time::Date::MIN.to_julian_day()..=time::Date::MAX.to_julian_day(),
                       nanos in 0_u64..86_400_000_000_000) {
            let d = time::Date::from_julian_day(days).unwrap();
            let Ok(ours) = Date::try_from(d) else {
                prop_assert!(d < td(-4713, 11, 24));
                return Ok(());
            };
            prop_assert_eq!(time::Date::try_from(ours).unwrap(), d);
            let t = time::Time::MIDNIGHT + time::Duration::nanoseconds(nanos as i64);
            let floored = time::Time::from_hms_micro(t.hour(), t.minute(), t.second(), t.microsecond()).unwrap();
            let ours_t = Time::try_from(t).unwrap();
            prop_assert_eq!(time::Time::try_from(ours_t).unwrap(), floored);
            let pdt = Pdt::new(d, t);
            let ts = Timestamp::try_from(pdt).unwrap();
            prop_assert_eq!(ts, Timestamp::from_date_time(ours, ours_t).unwrap());
            prop_assert_eq!(Pdt::try_from(ts).unwrap(), Pdt::new(d, floored));
            let odt = pdt.assume_utc();
            let tz = TimestampTz::try_from(odt).unwrap();
            prop_assert_eq!(OffsetDateTime::try_from(tz).unwrap(), Pdt::new(d, floored).assume_utc());
        }
    }
}
