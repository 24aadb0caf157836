//! `Loader` and `Dumper` for the date/time types and for `SystemTime`.
//!
//! Binary forms (big-endian): `date` i32 days since 2000-01-01; `time` i64 µs since midnight;
//! `timetz` i64 µs then i32 offset in seconds **west** of UTC; `timestamp` / `timestamptz`
//! i64 µs since 2000-01-01 00:00:00; `interval` i64 µs, i32 days, i32 months. Text forms are
//! the ISO output forms (see the module docs).

use std::time::SystemTime;

use bytes::{BufMut, BytesMut};

use super::{Date, Interval, Time, TimeTz, Timestamp, TimestampTz, check_offset};
use crate::Error;
use crate::protocol::{Format, Oid};
use crate::types::loader::{type_label, wrong_size};
use crate::types::{Dumper, IsNull, Loader, oid};

/// Exactly `N` bytes of a binary value.
#[inline]
fn fixed<const N: usize>(type_oid: Oid, raw: &[u8]) -> Result<[u8; N], Error> {
    raw.try_into().map_err(|_| wrong_size(type_oid, N, raw.len()))
}

/// Parses a text-format value.
fn parse<T: std::str::FromStr<Err = Error>>(raw: &[u8]) -> Result<T, Error> {
    std::str::from_utf8(raw).map_err(|e| Error::conversion(format!("invalid UTF-8: {e}")))?.parse()
}

/// The error for a column type a loader does not accept.
#[cold]
fn not_accepted(type_oid: Oid) -> Error {
    Error::conversion(format!("{} is not accepted", type_label(type_oid)))
}

/// Implements `Loader` for a type read from one PostgreSQL type.
macro_rules! loader {
    ($ty:ty, $oid:expr, $name:literal, |$raw:ident| $binary:expr) => {
        #[doc = concat!("From `", $name, "`, in binary or text.")]
        ///
        /// Text is read in PostgreSQL's ISO output form, so text loading assumes the session's
        /// `DateStyle` is `ISO` and its `IntervalStyle` is `postgres` (the server defaults,
        /// which pgtusk sessions keep); binary, what pgtusk asks for, does not depend on them.
        impl Loader<'_> for $ty {
            #[inline]
            fn accepts(oid: Oid) -> bool {
                oid == $oid
            }
            #[inline]
            fn load(oid: Oid, format: Format, $raw: &[u8]) -> Result<Self, Error> {
                if oid != $oid {
                    return Err(not_accepted(oid));
                }
                match format {
                    Format::Binary => $binary,
                    Format::Text => parse($raw),
                }
            }
        }
    };
}

loader!(Date, oid::DATE, "date", |raw| Date::from_pg_days(i32::from_be_bytes(fixed(
    oid::DATE,
    raw
)?)));
loader!(Time, oid::TIME, "time", |raw| Time::from_micros(i64::from_be_bytes(fixed(
    oid::TIME,
    raw
)?)));
loader!(Timestamp, oid::TIMESTAMP, "timestamp", |raw| Timestamp::from_pg_micros(
    i64::from_be_bytes(fixed(oid::TIMESTAMP, raw)?)
));
loader!(TimestampTz, oid::TIMESTAMPTZ, "timestamptz", |raw| TimestampTz::from_pg_micros(
    i64::from_be_bytes(fixed(oid::TIMESTAMPTZ, raw)?)
));
loader!(TimeTz, oid::TIMETZ, "timetz", |raw| {
    let b: [u8; 12] = fixed(oid::TIMETZ, raw)?;
    let (time, zone) = b.split_at(8);
    let time = Time::from_micros(i64::from_be_bytes(fixed(oid::TIMETZ, time)?))?;
    let west = i32::from_be_bytes(fixed(oid::TIMETZ, zone)?);
    // Within ±16 h after the check, so the negation cannot overflow.
    check_offset(west)?;
    Ok(TimeTz { time, offset_secs_east: -west })
});
loader!(Interval, oid::INTERVAL, "interval", |raw| {
    let b: [u8; 16] = fixed(oid::INTERVAL, raw)?;
    let (micros, rest) = b.split_at(8);
    let (days, months) = rest.split_at(4);
    Ok(Interval {
        micros: i64::from_be_bytes(fixed(oid::INTERVAL, micros)?),
        days: i32::from_be_bytes(fixed(oid::INTERVAL, days)?),
        months: i32::from_be_bytes(fixed(oid::INTERVAL, months)?),
    })
});

/// From `timestamptz`; ±infinity and instants `SystemTime` cannot hold are errors.
impl Loader<'_> for SystemTime {
    #[inline]
    fn accepts(oid: Oid) -> bool {
        oid == oid::TIMESTAMPTZ
    }
    #[inline]
    fn load(oid: Oid, format: Format, raw: &[u8]) -> Result<Self, Error> {
        TimestampTz::load(oid, format, raw)?.try_into()
    }
}

/// Implements `Dumper` for a type sent in binary; `field` gives the binary form of a fixed-size
/// one as an array, for `dump_field`.
macro_rules! dumper {
    (
        $ty:ty, $oid:expr, $name:literal, |$v:ident, $buf:ident| $body:expr
        $(, field: |$fv:ident| $field:expr)?
    ) => {
        #[doc = concat!("Sent as `", $name, "` in binary.")]
        impl Dumper for $ty {
            #[inline]
            fn type_oid(&self) -> Oid {
                $oid
            }
            #[inline]
            fn dump(&self, $buf: &mut BytesMut) -> Result<IsNull, Error> {
                let $v = self;
                $body;
                Ok(IsNull::No)
            }
            /// The `Display` form (PostgreSQL's ISO output), which the server reads back.
            fn dump_text(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
                // The binary form's checks (a time zone offset in range) apply to the text too.
                self.dump(&mut BytesMut::new())?;
                crate::types::dumper::put_display(self, buf);
                Ok(IsNull::No)
            }
            $(
                #[inline]
                fn dump_field(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
                    let $fv = self;
                    crate::types::dumper::put_fixed_field(buf, $field);
                    Ok(IsNull::No)
                }
            )?
        }
    };
}

dumper!(Date, oid::DATE, "date", |v, buf| buf.put_i32(v.0), field: |v| v.0.to_be_bytes());
dumper!(Time, oid::TIME, "time", |v, buf| buf.put_i64(v.0), field: |v| v.0.to_be_bytes());
dumper!(Timestamp, oid::TIMESTAMP, "timestamp", |v, buf| buf.put_i64(v.0), field: |v| {
    v.0.to_be_bytes()
});
dumper!(TimestampTz, oid::TIMESTAMPTZ, "timestamptz", |v, buf| buf.put_i64(v.0), field: |v| {
    v.0.to_be_bytes()
});
dumper!(TimeTz, oid::TIMETZ, "timetz", |v, buf| {
    check_offset(v.offset_secs_east)?;
    buf.put_i64(v.time.0);
    buf.put_i32(-v.offset_secs_east);
});
dumper!(Interval, oid::INTERVAL, "interval", |v, buf| {
    buf.put_i64(v.micros);
    buf.put_i32(v.days);
    buf.put_i32(v.months);
});

/// Sent as `timestamptz` in binary, truncated to the microsecond; an instant outside
/// PostgreSQL's range is an error.
impl Dumper for SystemTime {
    #[inline]
    fn type_oid(&self) -> Oid {
        oid::TIMESTAMPTZ
    }
    #[inline]
    fn dump(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
        TimestampTz::try_from(*self)?.dump(buf)
    }
    #[inline]
    fn dump_field(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
        TimestampTz::try_from(*self)?.dump_field(buf)
    }
    /// The instant in UTC, as [`TimestampTz`] writes it.
    fn dump_text(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
        TimestampTz::try_from(*self)?.dump_text(buf)
    }
}
