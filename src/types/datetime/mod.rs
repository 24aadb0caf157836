//! pgtusk's own date and time types, for `date`, `time`, `timetz`, `timestamp`,
//! `timestamptz` and `interval`, with no external crate.
//!
//! Each type holds exactly what PostgreSQL stores, so every value the server accepts
//! round-trips unchanged, including `infinity` / `-infinity` and the full range (4714-11-24 BC
//! to 5874897-12-31 for dates, to 294276-12-31 23:59:59.999999 for timestamps):
//!
//! | Type | PostgreSQL | holds |
//! |---|---|---|
//! | [`Date`] | `date` | days since 2000-01-01, or ±infinity |
//! | [`Time`] | `time` | microseconds since midnight (`24:00:00` included) |
//! | [`TimeTz`] | `timetz` | a [`Time`] and a UTC offset in seconds east of Greenwich |
//! | [`Timestamp`] | `timestamp` | microseconds since 2000-01-01 00:00:00, or ±infinity |
//! | [`TimestampTz`] | `timestamptz` | microseconds since 2000-01-01 00:00:00 UTC, or ±infinity |
//! | [`Interval`] | `interval` | months, days and microseconds, kept apart as PostgreSQL does |
//!
//! Civil fields use the proleptic Gregorian calendar with astronomical year numbering: year
//! `0` is 1 BC and year `-43` is 44 BC. `Display` prints PostgreSQL's own output
//! (`DateStyle = ISO`, `IntervalStyle = postgres`), where BC years appear as
//! `0044-03-15 BC`; `FromStr` reads those forms back.
//!
//! Values are sent and read in binary. Text-format results (from the simple query protocol)
//! are read in the ISO output forms too, so text loading assumes `DateStyle` `ISO` and
//! `IntervalStyle` `postgres`, the server defaults which pgtusk sessions keep. `timestamptz`
//! text carries its UTC offset, so any `TimeZone` setting reads correctly.
//!
//! [`std::time::SystemTime`] also maps to `timestamptz` (microsecond precision; sub-microsecond
//! parts are truncated toward the past).
//!
//! ```
//! use pgtusk::types::{Date, Interval, Timestamp, TimestampTz};
//!
//! let d = Date::from_ymd(-43, 3, 15)?; // 44 BC
//! assert_eq!(d.to_string(), "0044-03-15 BC");
//! assert_eq!(Date::from_ymd(1970, 1, 1)?.pg_days(), -10957);
//!
//! let ts: Timestamp = "2024-02-29 12:34:56.5".parse()?;
//! assert_eq!(ts.to_string(), "2024-02-29 12:34:56.5");
//! let tz: TimestampTz = "2024-02-29 14:34:56.5+02".parse()?;
//! assert_eq!(tz.to_string(), "2024-02-29 12:34:56.5+00");
//! assert_eq!(Interval::new(14, -3, 3_600_000_000).to_string(), "1 year 2 mons -3 days +01:00:00");
//! # Ok::<(), pgtusk::Error>(())
//! ```

mod adapt;
mod text;

#[cfg(test)]
mod tests;

use std::time::{Duration, SystemTime};

use crate::Error;

/// Microseconds in a second.
const USECS_PER_SEC: i64 = 1_000_000;
/// Microseconds in a day.
const USECS_PER_DAY: i64 = 86_400 * USECS_PER_SEC;
/// Days from 1970-01-01 to 2000-01-01.
const UNIX_TO_PG_DAYS: i64 = 10_957;
/// The first valid date (4714-11-24 BC, Julian day 0), in days since 2000-01-01.
const MIN_DATE_DAYS: i32 = -2_451_545;
/// One past the last valid date (5874898-01-01), in days since 2000-01-01.
const END_DATE_DAYS: i32 = 2_145_031_949;
/// The first valid timestamp (4714-11-24 00:00:00 BC), in microseconds since 2000-01-01.
const MIN_TIMESTAMP: i64 = -211_813_488_000_000_000;
/// One past the last valid timestamp (294277-01-01 00:00:00).
const END_TIMESTAMP: i64 = 9_223_371_331_200_000_000;
/// A `timetz` offset must be strictly within ±16 hours.
const TZ_LIMIT_SECS: i32 = 16 * 3600;

/// Days since 1970-01-01 of a proleptic Gregorian date (any year; no validation).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian date of a day count since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    // Both are small and positive by construction (1..=31 and 1..=12).
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Whether `year` (astronomical) is a Gregorian leap year.
fn is_leap(year: i64) -> bool {
    year.rem_euclid(4) == 0 && (year.rem_euclid(100) != 0 || year.rem_euclid(400) == 0)
}

/// The number of days in `month` of `year`.
fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 2000-01-01 of a validated civil date.
fn checked_days(year: i32, month: u32, day: u32) -> Result<i32, Error> {
    let y = i64::from(year);
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(y, month) {
        return Err(Error::conversion(format!(
            "invalid date: year {year}, month {month}, day {day}"
        )));
    }
    let days = days_from_civil(y, month, day) - UNIX_TO_PG_DAYS;
    match i32::try_from(days) {
        Ok(d) if (MIN_DATE_DAYS..END_DATE_DAYS).contains(&d) => Ok(d),
        _ => Err(Error::conversion(format!("date out of range: year {year}"))),
    }
}

/// Microseconds since midnight of validated clock fields (`24:00:00` allowed).
fn checked_time(hour: u32, minute: u32, second: u32, micro: u32) -> Result<i64, Error> {
    let valid = hour < 24 && minute < 60 && second < 60 && micro < 1_000_000
        || (hour, minute, second, micro) == (24, 0, 0, 0);
    if !valid {
        return Err(Error::conversion(format!(
            "invalid time {hour:02}:{minute:02}:{second:02}.{micro:06}"
        )));
    }
    Ok(((i64::from(hour) * 60 + i64::from(minute)) * 60 + i64::from(second)) * USECS_PER_SEC
        + i64::from(micro))
}

/// Splits microseconds since midnight into (hour, minute, second, microsecond).
fn split_time(micros: i64) -> (u32, u32, u32, u32) {
    let secs = micros.div_euclid(USECS_PER_SEC);
    // All in range by construction for 0 <= micros <= 24 h.
    let micro = micros.rem_euclid(USECS_PER_SEC) as u32;
    ((secs / 3600) as u32, (secs / 60 % 60) as u32, (secs % 60) as u32, micro)
}

// ---------------------------------------------------------------------------------------------
// Date

/// A PostgreSQL `date`: a day of the proleptic Gregorian calendar from 4714-11-24 BC to
/// 5874897-12-31, or `infinity` / `-infinity`.
///
/// Stored as PostgreSQL stores it, days since 2000-01-01; ordered as PostgreSQL orders it
/// ([`NEG_INFINITY`](Self::NEG_INFINITY) first, [`INFINITY`](Self::INFINITY) last).
/// Civil fields use astronomical years (`0` is 1 BC); `Display` and `FromStr` use
/// PostgreSQL's ISO text (`2024-02-29`, `0044-03-15 BC`, `infinity`).
///
/// ```
/// use pgtusk::types::Date;
///
/// let ides = Date::from_ymd(-43, 3, 15)?;
/// assert_eq!(ides.to_string(), "0044-03-15 BC");
/// assert_eq!("0044-03-15 BC".parse::<Date>()?, ides);
/// assert_eq!(Date::from_ymd(2000, 1, 1)?.pg_days(), 0);
/// assert_eq!(Date::INFINITY.ymd(), None);
/// # Ok::<(), pgtusk::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(i32);

impl Date {
    /// `infinity`: later than every other date.
    pub const INFINITY: Date = Date(i32::MAX);
    /// `-infinity`: earlier than every other date.
    pub const NEG_INFINITY: Date = Date(i32::MIN);
    /// 2000-01-01, PostgreSQL's epoch (day 0).
    pub const PG_EPOCH: Date = Date(0);
    /// 1970-01-01, the Unix epoch.
    pub const UNIX_EPOCH: Date = Date(-10_957);
    /// The earliest finite date, 4714-11-24 BC.
    pub const MIN: Date = Date(MIN_DATE_DAYS);
    /// The latest finite date, 5874897-12-31.
    pub const MAX: Date = Date(END_DATE_DAYS - 1);

    /// The date of `year` (astronomical: `0` is 1 BC), `month` (1–12) and `day` (1–31);
    /// an error for a day that does not exist or lies outside PostgreSQL's range.
    pub fn from_ymd(year: i32, month: u32, day: u32) -> Result<Date, Error> {
        checked_days(year, month, day).map(Date)
    }

    /// The date `days` after 2000-01-01 (PostgreSQL's binary form): `i32::MAX` is
    /// `infinity`, `i32::MIN` is `-infinity`; any other value outside the range is an error.
    pub fn from_pg_days(days: i32) -> Result<Date, Error> {
        if days == i32::MAX || days == i32::MIN || (MIN_DATE_DAYS..END_DATE_DAYS).contains(&days) {
            Ok(Date(days))
        } else {
            Err(Error::conversion(format!("date out of range: {days} days after 2000-01-01")))
        }
    }

    /// Days since 2000-01-01 (PostgreSQL's binary form; `i32::MAX` / `i32::MIN` for
    /// ±infinity).
    pub fn pg_days(self) -> i32 {
        self.0
    }

    /// Whether the date is neither `infinity` nor `-infinity`.
    pub fn is_finite(self) -> bool {
        self != Self::INFINITY && self != Self::NEG_INFINITY
    }

    /// `(year, month, day)` with an astronomical year (`0` is 1 BC); `None` for ±infinity.
    pub fn ymd(self) -> Option<(i32, u32, u32)> {
        if !self.is_finite() {
            return None;
        }
        let (y, m, d) = civil_from_days(i64::from(self.0) + UNIX_TO_PG_DAYS);
        // The year of a valid date fits easily in an i32.
        Some((y as i32, m, d))
    }
}

// ---------------------------------------------------------------------------------------------
// Time

/// A PostgreSQL `time` (without time zone): microseconds since midnight, from `00:00:00` to
/// `24:00:00` inclusive. `Display` and `FromStr` use `HH:MM:SS[.ffffff]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Time(i64);

impl Time {
    /// `00:00:00`.
    pub const MIDNIGHT: Time = Time(0);
    /// `24:00:00`, the latest time PostgreSQL accepts.
    pub const MAX: Time = Time(USECS_PER_DAY);

    /// The time of clock fields: `hour` 0–23, `minute` 0–59, `second` 0–59, `micro`
    /// 0–999999, or exactly 24:00:00.
    pub fn from_hms_micro(hour: u32, minute: u32, second: u32, micro: u32) -> Result<Time, Error> {
        checked_time(hour, minute, second, micro).map(Time)
    }

    /// The time `micros` microseconds after midnight (PostgreSQL's binary form); an error
    /// outside `0..=86_400_000_000`.
    pub fn from_micros(micros: i64) -> Result<Time, Error> {
        if (0..=USECS_PER_DAY).contains(&micros) {
            Ok(Time(micros))
        } else {
            Err(Error::conversion(format!("time out of range: {micros} µs")))
        }
    }

    /// Microseconds since midnight.
    pub fn micros(self) -> i64 {
        self.0
    }

    /// `(hour, minute, second, microsecond)`; hour is 24 only for `24:00:00`.
    pub fn hms_micro(self) -> (u32, u32, u32, u32) {
        split_time(self.0)
    }
}

// ---------------------------------------------------------------------------------------------
// TimeTz

/// A PostgreSQL `timetz`: a time of day with a fixed UTC offset.
///
/// The offset is in seconds **east** of UTC (`+02` is `7200`), the usual convention;
/// PostgreSQL's binary form stores seconds west, and the conversion is done on the wire. It
/// must lie strictly within ±16 hours: [`TimeTz::new`] checks it, and sending a value built
/// with an offset outside that is an error.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TimeTz {
    /// The local time of day.
    pub time: Time,
    /// The UTC offset, in seconds east of UTC.
    pub offset_secs_east: i32,
}

impl TimeTz {
    /// A time with its UTC offset (seconds east, strictly within ±16 hours).
    pub fn new(time: Time, offset_secs_east: i32) -> Result<TimeTz, Error> {
        check_offset(offset_secs_east)?;
        Ok(TimeTz { time, offset_secs_east })
    }
}

/// Checks a `timetz` offset.
fn check_offset(offset_secs_east: i32) -> Result<(), Error> {
    if offset_secs_east.unsigned_abs() < TZ_LIMIT_SECS.unsigned_abs() {
        Ok(())
    } else {
        Err(Error::conversion(format!("time zone offset out of range: {offset_secs_east} s")))
    }
}

// ---------------------------------------------------------------------------------------------
// Timestamp and TimestampTz

/// The error for a binary timestamp outside PostgreSQL's range (`what`: the type).
#[cold]
fn timestamp_out_of_range(what: &str, micros: i64) -> Error {
    Error::conversion(format!("{what} out of range: {micros} µs after 2000-01-01"))
}

/// Implements the parts `Timestamp` and `TimestampTz` share.
macro_rules! timestamp_common {
    ($ty:ident, $what:literal) => {
        impl $ty {
            /// `infinity`: later than every other value.
            pub const INFINITY: $ty = $ty(i64::MAX);
            /// `-infinity`: earlier than every other value.
            pub const NEG_INFINITY: $ty = $ty(i64::MIN);
            /// 2000-01-01 00:00:00, PostgreSQL's epoch.
            pub const PG_EPOCH: $ty = $ty(0);
            /// 1970-01-01 00:00:00, the Unix epoch.
            pub const UNIX_EPOCH: $ty = $ty(-10_957 * USECS_PER_DAY);
            /// The earliest finite value, 4714-11-24 00:00:00 BC.
            pub const MIN: $ty = $ty(MIN_TIMESTAMP);
            /// The latest finite value, 294276-12-31 23:59:59.999999.
            pub const MAX: $ty = $ty(END_TIMESTAMP - 1);

            #[doc = concat!("The ", $what, " `micros` microseconds after 2000-01-01 00:00:00 ")]
            /// (PostgreSQL's binary form): `i64::MAX` is `infinity`, `i64::MIN` is `-infinity`;
            /// any other value outside the range is an error.
            #[inline]
            pub fn from_pg_micros(micros: i64) -> Result<$ty, Error> {
                if micros == i64::MAX
                    || micros == i64::MIN
                    || (MIN_TIMESTAMP..END_TIMESTAMP).contains(&micros)
                {
                    Ok($ty(micros))
                } else {
                    Err(timestamp_out_of_range($what, micros))
                }
            }

            /// Microseconds since 2000-01-01 00:00:00 (PostgreSQL's binary form;
            /// `i64::MAX` / `i64::MIN` for ±infinity).
            pub fn pg_micros(self) -> i64 {
                self.0
            }

            /// Whether the value is neither `infinity` nor `-infinity`.
            pub fn is_finite(self) -> bool {
                self != Self::INFINITY && self != Self::NEG_INFINITY
            }

            #[doc = concat!("The ", $what, " of a date and a time of day ")]
            /// (`24:00:00` is midnight of the next day); an error for an infinite date or a
            /// result outside the range.
            pub fn from_date_time(date: Date, time: Time) -> Result<$ty, Error> {
                if !date.is_finite() {
                    return Err(Error::conversion(concat!(
                        "an infinite date has no ",
                        $what,
                        "; use INFINITY or NEG_INFINITY"
                    )));
                }
                let micros = i128::from(date.pg_days()) * i128::from(USECS_PER_DAY)
                    + i128::from(time.micros());
                match i64::try_from(micros) {
                    Ok(m) if (MIN_TIMESTAMP..END_TIMESTAMP).contains(&m) => Ok($ty(m)),
                    _ => Err(Error::conversion(concat!($what, " out of range"))),
                }
            }

            #[doc = concat!("The ", $what, " of civil fields: an astronomical `year` ")]
            /// (`0` is 1 BC), `month` 1–12, `day` 1–31, `hour` 0–23, `minute` 0–59, `second`
            /// 0–59 and `micro` 0–999999.
            #[allow(clippy::too_many_arguments)]
            pub fn from_civil(
                year: i32,
                month: u32,
                day: u32,
                hour: u32,
                minute: u32,
                second: u32,
                micro: u32,
            ) -> Result<$ty, Error> {
                if hour >= 24 {
                    return Err(Error::conversion(format!("invalid hour {hour}")));
                }
                let time = Time::from_hms_micro(hour, minute, second, micro)?;
                Self::from_date_time(Date::from_ymd(year, month, day)?, time)
            }

            /// The date part; `None` for ±infinity.
            pub fn date(self) -> Option<Date> {
                // A finite value's day count is within the date range.
                self.is_finite().then(|| Date(self.0.div_euclid(USECS_PER_DAY) as i32))
            }

            /// The time-of-day part; `None` for ±infinity.
            pub fn time(self) -> Option<Time> {
                self.is_finite().then(|| Time(self.0.rem_euclid(USECS_PER_DAY)))
            }
        }
    };
}

/// A PostgreSQL `timestamp` (without time zone): a date and time of day from
/// 4714-11-24 00:00:00 BC to 294276-12-31 23:59:59.999999, with microsecond precision, or
/// `infinity` / `-infinity`.
///
/// Stored as PostgreSQL stores it, microseconds since 2000-01-01 00:00:00. `Display` and
/// `FromStr` use PostgreSQL's ISO text (`2024-02-29 12:00:00.5`, `0044-03-15 12:00:00 BC`,
/// `infinity`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

timestamp_common!(Timestamp, "timestamp");

/// A PostgreSQL `timestamptz`: an instant, from 4714-11-24 00:00:00 BC UTC to
/// 294276-12-31 23:59:59.999999 UTC, with microsecond precision, or `infinity` / `-infinity`.
///
/// Stored as PostgreSQL stores it, microseconds since 2000-01-01 00:00:00 UTC; the civil
/// fields ([`date`](Self::date), [`time`](Self::time), `Display`) are in UTC. Converts to and
/// from [`SystemTime`] with `TryFrom`. `Display` prints UTC as PostgreSQL does with
/// `TimeZone = 'UTC'` (`2024-02-29 12:00:00+00`); `FromStr` requires an offset and converts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TimestampTz(i64);

timestamp_common!(TimestampTz, "timestamptz");

impl TimestampTz {
    /// The instant whose UTC civil time is `utc` (±infinity stay infinite).
    pub fn from_utc(utc: Timestamp) -> TimestampTz {
        TimestampTz(utc.0)
    }

    /// The UTC civil time of this instant (±infinity stay infinite).
    pub fn to_utc(self) -> Timestamp {
        Timestamp(self.0)
    }
}

/// Microseconds from the Unix epoch to 2000-01-01.
const UNIX_TO_PG_MICROS: i64 = UNIX_TO_PG_DAYS * USECS_PER_DAY;

/// An error for ±infinity or an instant `SystemTime` cannot hold.
impl TryFrom<TimestampTz> for SystemTime {
    type Error = Error;

    #[inline]
    fn try_from(ts: TimestampTz) -> Result<SystemTime, Error> {
        // The usual case, an instant after 1970 (so finite): its Unix microseconds in an i64.
        if let Some(unix @ 0..) = ts.0.checked_add(UNIX_TO_PG_MICROS) {
            let out =
                SystemTime::UNIX_EPOCH.checked_add(Duration::from_micros(unix.unsigned_abs()));
            return out.ok_or_else(out_of_system_time);
        }
        system_time_slow(ts)
    }
}

#[cold]
fn out_of_system_time() -> Error {
    Error::conversion("timestamptz out of SystemTime's range")
}

/// [`SystemTime::try_from`] for every instant (before 1970, far in the future, infinite).
fn system_time_slow(ts: TimestampTz) -> Result<SystemTime, Error> {
    if !ts.is_finite() {
        return Err(Error::conversion("an infinite timestamptz has no SystemTime"));
    }
    let unix = i128::from(ts.0) + i128::from(UNIX_TO_PG_MICROS);
    let magnitude = u64::try_from(unix.unsigned_abs()).map_err(|_| out_of_system_time())?;
    let delta = Duration::from_micros(magnitude);
    let out = if unix >= 0 {
        SystemTime::UNIX_EPOCH.checked_add(delta)
    } else {
        SystemTime::UNIX_EPOCH.checked_sub(delta)
    };
    out.ok_or_else(out_of_system_time)
}

/// Truncates to the microsecond (toward the past); an error outside PostgreSQL's range.
impl TryFrom<SystemTime> for TimestampTz {
    type Error = Error;

    fn try_from(t: SystemTime) -> Result<TimestampTz, Error> {
        let unix: i128 = match t.duration_since(SystemTime::UNIX_EPOCH) {
            Ok(d) => i128::try_from(d.as_micros()).unwrap_or(i128::MAX),
            Err(e) => {
                let d = e.duration();
                // Round the magnitude up so the result truncates toward the past.
                let micros = d.as_micros() + u128::from(d.subsec_nanos() % 1000 != 0);
                i128::try_from(micros).map_or(i128::MIN, |m| -m)
            }
        };
        let pg = unix - i128::from(UNIX_TO_PG_MICROS);
        match i64::try_from(pg) {
            Ok(m) if (MIN_TIMESTAMP..END_TIMESTAMP).contains(&m) => Ok(TimestampTz(m)),
            _ => Err(Error::conversion("SystemTime out of timestamptz's range")),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Interval

/// A PostgreSQL `interval`: months, days and microseconds, kept apart as PostgreSQL keeps
/// them (a month is not a fixed number of days, nor a day of microseconds across a DST change).
///
/// The three parts may have different signs (`1 mon -2 days`). PostgreSQL 17 added
/// `infinity` / `-infinity` intervals: every field at its maximum / minimum
/// ([`INFINITY`](Self::INFINITY), [`NEG_INFINITY`](Self::NEG_INFINITY)).
///
/// Equality is field by field (`1 mon` differs from `30 days` here, though PostgreSQL's `=`
/// calls them equal). `Display` and `FromStr` use `IntervalStyle = postgres` text
/// (`1 year 2 mons -3 days +04:05:06.5`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Interval {
    /// Months (a year is 12 months).
    pub months: i32,
    /// Days.
    pub days: i32,
    /// Microseconds.
    pub micros: i64,
}

impl Interval {
    /// The empty interval, `00:00:00`.
    pub const ZERO: Interval = Interval { months: 0, days: 0, micros: 0 };
    /// `infinity` (PostgreSQL 17 and later).
    pub const INFINITY: Interval = Interval { months: i32::MAX, days: i32::MAX, micros: i64::MAX };
    /// `-infinity` (PostgreSQL 17 and later).
    pub const NEG_INFINITY: Interval =
        Interval { months: i32::MIN, days: i32::MIN, micros: i64::MIN };

    /// An interval of `months`, `days` and `micros`.
    pub fn new(months: i32, days: i32, micros: i64) -> Interval {
        Interval { months, days, micros }
    }

    /// Whether the interval is neither `infinity` nor `-infinity`.
    pub fn is_finite(self) -> bool {
        self != Self::INFINITY && self != Self::NEG_INFINITY
    }
}
