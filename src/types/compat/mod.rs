//! Optional integrations with other crates' value types, one file per crate, each behind the
//! feature of the same name (documented in the [`types`](crate::types) module docs).
//!
//! Every integration converts to and from pgtusk's own types ([`Date`], [`Timestamp`],
//! [`Numeric`](super::Numeric), ...) with public `TryFrom`/`From` impls, and its `Loader` and
//! `Dumper` go through those conversions: the wire codecs (binary and text) exist once, in the
//! own types, and an integration only maps values and checks ranges.
//!
//! The helpers below are the shared arithmetic of the date/time integrations: instants as
//! nanoseconds since the Unix epoch (`i128`, wide enough for every library's range), floored to
//! PostgreSQL's microseconds.

#[cfg(feature = "chrono")]
mod chrono;
#[cfg(feature = "jiff")]
mod jiff;
#[cfg(feature = "rust_decimal")]
mod rust_decimal;
#[cfg(feature = "serde_json")]
mod serde_json;
#[cfg(feature = "time")]
mod time;

#[cfg(feature = "serde_json")]
pub use self::serde_json::SerdeJson;

#[cfg(any(feature = "chrono", feature = "time", feature = "jiff"))]
pub(crate) use self::datetime::*;

#[cfg(any(feature = "chrono", feature = "time", feature = "jiff"))]
mod datetime {
    use crate::Error;
    use crate::types::{Date, Time, Timestamp};

    /// Nanoseconds in a microsecond.
    const NANOS_PER_MICRO: i128 = 1_000;
    /// Microseconds from 1970-01-01 to 2000-01-01 (PostgreSQL's epoch).
    const UNIX_TO_PG_MICROS: i128 = 946_684_800_000_000;
    /// Days from 1970-01-01 to 2000-01-01.
    #[cfg_attr(not(any(feature = "chrono", feature = "time")), allow(dead_code))]
    const UNIX_TO_PG_DAYS: i64 = 10_957;

    /// The finite [`Timestamp`] `nanos` nanoseconds after 1970-01-01 00:00:00, floored to the
    /// microsecond; an error outside PostgreSQL's range (never ±infinity).
    pub(crate) fn timestamp_from_unix_nanos(nanos: i128) -> Result<Timestamp, Error> {
        let micros = nanos.div_euclid(NANOS_PER_MICRO) - UNIX_TO_PG_MICROS;
        let lo = i128::from(Timestamp::MIN.pg_micros());
        let hi = i128::from(Timestamp::MAX.pg_micros());
        if !(lo..=hi).contains(&micros) {
            return Err(Error::conversion(
                "timestamp out of PostgreSQL's range (4714-11-24 BC to 294276-12-31)",
            ));
        }
        // In range, so it fits in an i64 and is not one of the infinity sentinels.
        Timestamp::from_pg_micros(micros as i64)
    }

    /// Nanoseconds since 1970-01-01 00:00:00 of a finite [`Timestamp`]; an error for
    /// ±infinity, which no other library's type holds.
    pub(crate) fn unix_nanos(ts: Timestamp) -> Result<i128, Error> {
        if !ts.is_finite() {
            return Err(Error::conversion(format!(
                "timestamp {ts} is infinite; the Rust type has no infinity"
            )));
        }
        Ok((i128::from(ts.pg_micros()) + UNIX_TO_PG_MICROS) * NANOS_PER_MICRO)
    }

    /// The finite [`Date`] `days` after 1970-01-01; an error outside PostgreSQL's range
    /// (the day-count helpers serve chrono and time; jiff goes through civil fields).
    #[cfg_attr(not(any(feature = "chrono", feature = "time")), allow(dead_code))]
    pub(crate) fn date_from_unix_days(days: i64) -> Result<Date, Error> {
        let pg = days.saturating_sub(UNIX_TO_PG_DAYS);
        let in_range =
            (i64::from(Date::MIN.pg_days())..=i64::from(Date::MAX.pg_days())).contains(&pg);
        if !in_range {
            return Err(Error::conversion(
                "date out of PostgreSQL's range (4714-11-24 BC to 5874897-12-31)",
            ));
        }
        // In range, so it fits in an i32 and is not one of the infinity sentinels.
        Date::from_pg_days(pg as i32)
    }

    /// Days since 1970-01-01 of a finite [`Date`]; an error for ±infinity.
    #[cfg_attr(not(any(feature = "chrono", feature = "time")), allow(dead_code))]
    pub(crate) fn unix_days(date: Date) -> Result<i64, Error> {
        if !date.is_finite() {
            return Err(Error::conversion(format!(
                "date {date} is infinite; the Rust type has no infinity"
            )));
        }
        Ok(i64::from(date.pg_days()) + UNIX_TO_PG_DAYS)
    }

    /// The [`Time`] `nanos` nanoseconds after midnight, floored to the microsecond; an error
    /// past 24:00:00.
    pub(crate) fn time_from_nanos(nanos: u64) -> Result<Time, Error> {
        // At most u64::MAX / 1000, which fits in an i64.
        Time::from_micros((nanos / 1_000) as i64)
    }

    /// `(seconds, nanoseconds)` since midnight of a [`Time`] before 24:00:00; an error for
    /// 24:00:00, which the other libraries do not have.
    pub(crate) fn time_secs_nanos(time: Time) -> Result<(u32, u32), Error> {
        if time == Time::MAX {
            return Err(Error::conversion("time 24:00:00 has no equivalent in the Rust type"));
        }
        let micros = time.micros();
        // 0 <= micros < 86_400_000_000, so both parts fit in a u32.
        Ok(((micros / 1_000_000) as u32, (micros % 1_000_000) as u32 * 1_000))
    }
}

/// Implements `Loader` for a foreign type through a `TryFrom` conversion from one of
/// pgtusk's own types, which reads the wire format (binary and text).
#[cfg(any(feature = "chrono", feature = "time", feature = "jiff"))]
macro_rules! load_via {
    ($($rust:ty => $ours:ty, $name:literal;)*) => {$(
        #[doc = concat!("From `", $name, "`, in binary or text, through [`", stringify!($ours),
            "`](crate::types::", stringify!($ours), "); a value the Rust type cannot hold ",
            "(±infinity, out of its range) is an error.")]
        impl crate::types::Loader<'_> for $rust {
            fn accepts(oid: crate::protocol::Oid) -> bool {
                <$ours as crate::types::Loader<'_>>::accepts(oid)
            }
            fn load(
                oid: crate::protocol::Oid,
                format: crate::protocol::Format,
                raw: &[u8],
            ) -> Result<Self, crate::Error> {
                <$rust>::try_from(<$ours as crate::types::Loader<'_>>::load(oid, format, raw)?)
            }
        }
    )*};
}

/// Implements `Dumper` for a foreign `Copy` type through a `TryFrom` conversion to one of
/// pgtusk's own types, which writes the binary form.
#[cfg(any(feature = "chrono", feature = "time", feature = "jiff"))]
macro_rules! dump_via {
    ($($rust:ty => $ours:ty, $oid:expr, $name:literal;)*) => {$(
        #[doc = concat!("Sent as `", $name, "` in binary, through [`", stringify!($ours),
            "`](crate::types::", stringify!($ours), "); a value outside PostgreSQL's range ",
            "is an error.")]
        impl crate::types::Dumper for $rust {
            fn type_oid(&self) -> crate::protocol::Oid {
                $oid
            }
            fn dump(
                &self,
                buf: &mut bytes::BytesMut,
            ) -> Result<crate::types::IsNull, crate::Error> {
                crate::types::Dumper::dump(&<$ours>::try_from(*self)?, buf)
            }
            fn dump_text(
                &self,
                buf: &mut bytes::BytesMut,
            ) -> Result<crate::types::IsNull, crate::Error> {
                crate::types::Dumper::dump_text(&<$ours>::try_from(*self)?, buf)
            }
        }
    )*};
}

#[cfg(any(feature = "chrono", feature = "time", feature = "jiff"))]
use {dump_via, load_via};

#[cfg(all(test, any(feature = "chrono", feature = "time", feature = "jiff")))]
mod tests {
    use super::*;
    use crate::types::{Date, Time, Timestamp};

    #[test]
    fn epochs_and_edges() {
        assert_eq!(timestamp_from_unix_nanos(0).unwrap(), Timestamp::UNIX_EPOCH);
        assert_eq!(unix_nanos(Timestamp::PG_EPOCH).unwrap(), 946_684_800_000_000_000);
        // Floored: 1 ns before the epoch is the microsecond before it.
        assert_eq!(timestamp_from_unix_nanos(-1).unwrap().pg_micros(), -946_684_800_000_001);
        assert_eq!(timestamp_from_unix_nanos(999).unwrap(), Timestamp::UNIX_EPOCH);
        let min = unix_nanos(Timestamp::MIN).unwrap();
        let max = unix_nanos(Timestamp::MAX).unwrap();
        assert_eq!(timestamp_from_unix_nanos(min).unwrap(), Timestamp::MIN);
        assert_eq!(timestamp_from_unix_nanos(max + 999).unwrap(), Timestamp::MAX);
        assert!(timestamp_from_unix_nanos(min - 1).is_err());
        assert!(timestamp_from_unix_nanos(max + 1_000).is_err());
        assert!(timestamp_from_unix_nanos(i128::MAX).is_err());
        assert!(timestamp_from_unix_nanos(i128::MIN).is_err());
        assert!(unix_nanos(Timestamp::INFINITY).is_err());
        assert!(unix_nanos(Timestamp::NEG_INFINITY).is_err());

        assert_eq!(date_from_unix_days(0).unwrap(), Date::UNIX_EPOCH);
        for d in [Date::MIN, Date::MAX, Date::PG_EPOCH] {
            assert_eq!(date_from_unix_days(unix_days(d).unwrap()).unwrap(), d);
        }
        assert!(date_from_unix_days(unix_days(Date::MIN).unwrap() - 1).is_err());
        assert!(date_from_unix_days(unix_days(Date::MAX).unwrap() + 1).is_err());
        assert!(date_from_unix_days(i64::MIN).is_err());
        assert!(unix_days(Date::INFINITY).is_err());

        assert_eq!(time_from_nanos(1_999).unwrap().micros(), 1);
        assert_eq!(time_from_nanos(86_400_000_000_000).unwrap(), Time::MAX);
        assert!(time_from_nanos(86_400_000_001_000).is_err());
        assert!(time_from_nanos(u64::MAX).is_err());
        assert!(time_secs_nanos(Time::MAX).is_err());
        let t = Time::from_hms_micro(23, 59, 59, 999_999).unwrap();
        assert_eq!(time_secs_nanos(t).unwrap(), (86_399, 999_999_000));
    }
}
