//! The text forms of the date/time types: PostgreSQL's output with `DateStyle = ISO` and
//! `IntervalStyle = postgres` (`Display`), and parsing of those forms (`FromStr`).

use std::fmt::{self, Display, Formatter, Write as _};
use std::str::FromStr;

use super::{
    Date, END_TIMESTAMP, Interval, MIN_TIMESTAMP, Time, TimeTz, Timestamp, TimestampTz,
    UNIX_TO_PG_DAYS, USECS_PER_DAY, USECS_PER_SEC, check_offset, civil_from_days, days_from_civil,
    days_in_month, split_time,
};
use crate::Error;

// ---------------------------------------------------------------------------------------------
// Output

/// Writes the date `days` after 2000-01-01 as `YYYY-MM-DD` (the year at least 4 digits, BC
/// years counted from 1); returns whether the year is BC, for the caller to add ` BC`.
fn write_date(f: &mut Formatter<'_>, days: i64) -> Result<bool, fmt::Error> {
    let (year, month, day) = civil_from_days(days + UNIX_TO_PG_DAYS);
    let (shown, bc) = if year <= 0 { (1 - year, true) } else { (year, false) };
    write!(f, "{shown:04}-{month:02}-{day:02}")?;
    Ok(bc)
}

/// Writes `micros` since midnight as `HH:MM:SS` and a fraction without trailing zeros.
fn write_time(f: &mut Formatter<'_>, micros: i64) -> fmt::Result {
    let (h, m, s, us) = split_time(micros);
    write!(f, "{h:02}:{m:02}:{s:02}")?;
    write_fraction(f, us)
}

/// Writes `.ffffff` without trailing zeros, or nothing for 0.
fn write_fraction(f: &mut Formatter<'_>, micro: u32) -> fmt::Result {
    if micro == 0 {
        return Ok(());
    }
    let mut digits = format!("{micro:06}");
    while digits.ends_with('0') {
        digits.pop();
    }
    write!(f, ".{digits}")
}

/// Writes a UTC offset (seconds east) as `+HH`, `+HH:MM` or `+HH:MM:SS`.
fn write_offset(f: &mut Formatter<'_>, secs_east: i32) -> fmt::Result {
    let sign = if secs_east < 0 { '-' } else { '+' };
    let a = secs_east.unsigned_abs();
    let (h, m, s) = (a / 3600, a / 60 % 60, a % 60);
    if s != 0 {
        write!(f, "{sign}{h:02}:{m:02}:{s:02}")
    } else if m != 0 {
        write!(f, "{sign}{h:02}:{m:02}")
    } else {
        write!(f, "{sign}{h:02}")
    }
}

/// Writes a finite timestamp, with `offset` (`+00`) before the ` BC` suffix when given.
fn write_timestamp(f: &mut Formatter<'_>, micros: i64, offset: Option<i32>) -> fmt::Result {
    let bc = write_date(f, micros.div_euclid(USECS_PER_DAY))?;
    f.write_char(' ')?;
    write_time(f, micros.rem_euclid(USECS_PER_DAY))?;
    if let Some(offset) = offset {
        write_offset(f, offset)?;
    }
    if bc {
        f.write_str(" BC")?;
    }
    Ok(())
}

/// `YYYY-MM-DD`, `YYYY-MM-DD BC`, `infinity` or `-infinity`, as PostgreSQL prints it.
impl Display for Date {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match *self {
            Date::INFINITY => f.write_str("infinity"),
            Date::NEG_INFINITY => f.write_str("-infinity"),
            Date(days) => {
                if write_date(f, i64::from(days))? {
                    f.write_str(" BC")?;
                }
                Ok(())
            }
        }
    }
}

/// `HH:MM:SS` with a fraction when there is one (`12:00:00.25`).
impl Display for Time {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write_time(f, self.0)
    }
}

/// `HH:MM:SS[.ffffff]` and the offset: `+HH`, `+HH:MM` or `+HH:MM:SS`.
impl Display for TimeTz {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write_time(f, self.time.0)?;
        write_offset(f, self.offset_secs_east)
    }
}

/// `YYYY-MM-DD HH:MM:SS[.ffffff][ BC]`, `infinity` or `-infinity`.
impl Display for Timestamp {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match *self {
            Timestamp::INFINITY => f.write_str("infinity"),
            Timestamp::NEG_INFINITY => f.write_str("-infinity"),
            Timestamp(micros) => write_timestamp(f, micros, None),
        }
    }
}

/// In UTC, as PostgreSQL prints it with `TimeZone = 'UTC'`:
/// `YYYY-MM-DD HH:MM:SS[.ffffff]+00[ BC]`, `infinity` or `-infinity`.
impl Display for TimestampTz {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match *self {
            TimestampTz::INFINITY => f.write_str("infinity"),
            TimestampTz::NEG_INFINITY => f.write_str("-infinity"),
            TimestampTz(micros) => write_timestamp(f, micros, Some(0)),
        }
    }
}

/// Writes one `N unit(s)` part of an interval, PostgreSQL's way.
fn interval_part(
    f: &mut Formatter<'_>,
    value: i64,
    unit: &str,
    is_zero: &mut bool,
    is_before: &mut bool,
) -> fmt::Result {
    if value == 0 {
        return Ok(());
    }
    let space = if *is_zero { "" } else { " " };
    let plus = if *is_before && value > 0 { "+" } else { "" };
    let plural = if value == 1 { "" } else { "s" };
    write!(f, "{space}{plus}{value} {unit}{plural}")?;
    *is_before = value < 0;
    *is_zero = false;
    Ok(())
}

/// `IntervalStyle = postgres` output: `1 year 2 mons -3 days +04:05:06.5`, `00:00:00`,
/// `infinity` or `-infinity`.
impl Display for Interval {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if *self == Interval::INFINITY {
            return f.write_str("infinity");
        }
        if *self == Interval::NEG_INFINITY {
            return f.write_str("-infinity");
        }
        let (mut is_zero, mut is_before) = (true, false);
        let months = i64::from(self.months);
        interval_part(f, months / 12, "year", &mut is_zero, &mut is_before)?;
        interval_part(f, months % 12, "mon", &mut is_zero, &mut is_before)?;
        interval_part(f, i64::from(self.days), "day", &mut is_zero, &mut is_before)?;
        if is_zero || self.micros != 0 {
            let space = if is_zero { "" } else { " " };
            let sign = if self.micros < 0 {
                "-"
            } else if is_before {
                "+"
            } else {
                ""
            };
            let a = self.micros.unsigned_abs();
            let usecs = USECS_PER_SEC.unsigned_abs();
            let secs = a / usecs;
            write!(f, "{space}{sign}{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)?;
            // Below one million, so it fits.
            write_fraction(f, (a % usecs) as u32)?;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Input

/// The error for text that is not a valid `what`.
fn invalid(what: &str, text: &str) -> Error {
    let shown: String = text.chars().take(64).collect();
    Error::conversion(format!("invalid {what} text {shown:?}"))
}

/// A cursor over ASCII text.
struct Cursor<'a> {
    rest: &'a [u8],
}

impl<'a> Cursor<'a> {
    fn new(text: &'a str) -> Self {
        Cursor { rest: text.as_bytes() }
    }

    /// Consumes `c` if it comes next.
    fn eat(&mut self, c: u8) -> bool {
        match self.rest.split_first() {
            Some((&first, tail)) if first == c => {
                self.rest = tail;
                true
            }
            _ => false,
        }
    }

    /// Reads `min..=max` decimal digits.
    fn digits(&mut self, min: usize, max: usize) -> Option<u64> {
        let n = self.rest.iter().take_while(|c| c.is_ascii_digit()).count();
        if n < min || n > max {
            return None;
        }
        let (digits, tail) = self.rest.split_at(n);
        self.rest = tail;
        Some(digits.iter().fold(0, |acc, d| acc * 10 + u64::from(d - b'0')))
    }

    /// Reads exactly two digits (whatever follows) as a field no greater than `max`.
    fn field(&mut self, max: u32) -> Option<u32> {
        match self.rest {
            [a @ b'0'..=b'9', b @ b'0'..=b'9', tail @ ..] => {
                let v = u32::from(a - b'0') * 10 + u32::from(b - b'0');
                self.rest = tail;
                (v <= max).then_some(v)
            }
            _ => None,
        }
    }

    /// Reads an optional `.` and 1–6 fraction digits, as microseconds.
    fn fraction(&mut self) -> Option<u32> {
        if !self.eat(b'.') {
            return Some(0);
        }
        let n = self.rest.iter().take_while(|c| c.is_ascii_digit()).count();
        let v = self.digits(1, 6)?;
        u32::try_from(v * 10_u64.pow(6 - u32::try_from(n).ok()?)).ok()
    }

    fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }
}

/// Splits off a trailing ` BC`.
fn strip_bc(text: &str) -> (&str, bool) {
    match text.strip_suffix(" BC") {
        Some(rest) => (rest, true),
        None => (text, false),
    }
}

/// Reads `YYYY-MM-DD` (any number of year digits up to 7): days since 1970-01-01 (not
/// range-checked), given whether the year is BC.
fn parse_date(c: &mut Cursor<'_>, bc: bool) -> Option<i64> {
    let year = i64::try_from(c.digits(1, 7)?).ok()?;
    if !c.eat(b'-') {
        return None;
    }
    let month = c.digits(1, 2).and_then(|m| u32::try_from(m).ok())?;
    if !c.eat(b'-') {
        return None;
    }
    let day = c.digits(1, 2).and_then(|d| u32::try_from(d).ok())?;
    let year = match (bc, year) {
        (_, 0) => return None,
        (true, y) => 1 - y,
        (false, y) => y,
    };
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    Some(days_from_civil(year, month, day))
}

/// Reads `HH:MM:SS[.ffffff]` (`24:00:00` allowed): microseconds since midnight.
fn parse_time(c: &mut Cursor<'_>) -> Option<i64> {
    let h = c.field(24)?;
    if !c.eat(b':') {
        return None;
    }
    let m = c.field(59)?;
    if !c.eat(b':') {
        return None;
    }
    let s = c.field(59)?;
    let us = c.fraction()?;
    super::checked_time(h, m, s, us).ok()
}

/// Reads a UTC offset: `Z`, or `+`/`-` then `HH`, `HH:MM`, `HH:MM:SS` or `HHMM`; seconds east.
fn parse_offset(c: &mut Cursor<'_>) -> Option<i32> {
    if c.eat(b'Z') {
        return Some(0);
    }
    let negative = if c.eat(b'+') {
        false
    } else if c.eat(b'-') {
        true
    } else {
        return None;
    };
    let h = c.field(15)?;
    let mut m = 0;
    let mut s = 0;
    if c.eat(b':') {
        m = c.field(59)?;
        if c.eat(b':') {
            s = c.field(59)?;
        }
    } else if !c.is_empty() && c.rest[0].is_ascii_digit() {
        m = c.field(59)?;
    }
    let secs = i32::try_from((h * 60 + m) * 60 + s).ok()?;
    Some(if negative { -secs } else { secs })
}

/// Reads `YYYY-MM-DD HH:MM:SS[.ffffff]` (`T` also separates), then for `timestamptz` an
/// offset; returns UTC microseconds since 2000-01-01 if within range.
fn parse_timestamp(text: &str, with_offset: bool) -> Option<i64> {
    let (body, bc) = strip_bc(text);
    let mut c = Cursor::new(body);
    let days = parse_date(&mut c, bc)? - UNIX_TO_PG_DAYS;
    if !(c.eat(b' ') || c.eat(b'T')) {
        return None;
    }
    let time = parse_time(&mut c)?;
    let offset = if with_offset { parse_offset(&mut c)? } else { 0 };
    if !c.is_empty() {
        return None;
    }
    let micros = i128::from(days) * i128::from(USECS_PER_DAY) + i128::from(time)
        - i128::from(offset) * i128::from(USECS_PER_SEC);
    i64::try_from(micros).ok().filter(|m| (MIN_TIMESTAMP..END_TIMESTAMP).contains(m))
}

/// Reads `YYYY-MM-DD`, `YYYY-MM-DD BC`, `infinity` or `-infinity`.
impl FromStr for Date {
    type Err = Error;

    fn from_str(text: &str) -> Result<Date, Error> {
        match text {
            "infinity" => return Ok(Date::INFINITY),
            "-infinity" => return Ok(Date::NEG_INFINITY),
            _ => {}
        }
        let (body, bc) = strip_bc(text);
        let mut c = Cursor::new(body);
        let days = parse_date(&mut c, bc)
            .filter(|_| c.is_empty())
            .and_then(|d| i32::try_from(d - UNIX_TO_PG_DAYS).ok())
            .ok_or_else(|| invalid("date", text))?;
        Date::from_pg_days(days).map_err(|_| invalid("date (out of range)", text))
    }
}

/// Reads `HH:MM:SS[.ffffff]` (up to `24:00:00`).
impl FromStr for Time {
    type Err = Error;

    fn from_str(text: &str) -> Result<Time, Error> {
        let mut c = Cursor::new(text);
        parse_time(&mut c).filter(|_| c.is_empty()).map(Time).ok_or_else(|| invalid("time", text))
    }
}

/// Reads `HH:MM:SS[.ffffff]` followed by an offset (`+HH`, `+HH:MM`, `+HH:MM:SS`, `Z`).
impl FromStr for TimeTz {
    type Err = Error;

    fn from_str(text: &str) -> Result<TimeTz, Error> {
        let mut c = Cursor::new(text);
        let time = parse_time(&mut c).ok_or_else(|| invalid("timetz", text))?;
        let offset =
            parse_offset(&mut c).filter(|_| c.is_empty()).ok_or_else(|| invalid("timetz", text))?;
        check_offset(offset)?;
        Ok(TimeTz { time: Time(time), offset_secs_east: offset })
    }
}

/// Reads `YYYY-MM-DD HH:MM:SS[.ffffff][ BC]` (or with `T`), `infinity` or `-infinity`.
impl FromStr for Timestamp {
    type Err = Error;

    fn from_str(text: &str) -> Result<Timestamp, Error> {
        match text {
            "infinity" => Ok(Timestamp::INFINITY),
            "-infinity" => Ok(Timestamp::NEG_INFINITY),
            _ => parse_timestamp(text, false)
                .map(Timestamp)
                .ok_or_else(|| invalid("timestamp", text)),
        }
    }
}

/// Reads `YYYY-MM-DD HH:MM:SS[.ffffff]` and a UTC offset (`+HH`, `+HH:MM`, `+HH:MM:SS`,
/// `Z`), then an optional ` BC`; `infinity` or `-infinity`. The offset is required, so that
/// the text names one instant.
impl FromStr for TimestampTz {
    type Err = Error;

    fn from_str(text: &str) -> Result<TimestampTz, Error> {
        match text {
            "infinity" => Ok(TimestampTz::INFINITY),
            "-infinity" => Ok(TimestampTz::NEG_INFINITY),
            _ => parse_timestamp(text, true)
                .map(TimestampTz)
                .ok_or_else(|| invalid("timestamptz", text)),
        }
    }
}

/// Reads a signed `[+-]H:MM:SS[.ffffff]` (any number of hour digits): microseconds.
fn parse_interval_time(token: &str) -> Option<i128> {
    let mut c = Cursor::new(token);
    let negative = if c.eat(b'-') {
        true
    } else {
        c.eat(b'+');
        false
    };
    let h = i128::from(c.digits(1, 12)?);
    if !c.eat(b':') {
        return None;
    }
    let m = i128::from(c.field(59)?);
    if !c.eat(b':') {
        return None;
    }
    let s = i128::from(c.field(59)?);
    let us = i128::from(c.fraction()?);
    if !c.is_empty() {
        return None;
    }
    let magnitude = ((h * 60 + m) * 60 + s) * 1_000_000 + us;
    Some(if negative { -magnitude } else { magnitude })
}

/// Reads `IntervalStyle = postgres` output: `N year(s)`, `N mon(s)`, `N day(s)` parts (each
/// signed) and a signed `H:MM:SS[.ffffff]`, in that order, any of them left out (`00:00:00`
/// for none); or `infinity` / `-infinity`.
impl FromStr for Interval {
    type Err = Error;

    fn from_str(text: &str) -> Result<Interval, Error> {
        match text {
            "infinity" => return Ok(Interval::INFINITY),
            "-infinity" => return Ok(Interval::NEG_INFINITY),
            _ => {}
        }
        let bad = || invalid("interval", text);
        let mut tokens = text.split(' ');
        let (mut months, mut days, mut micros) = (0_i64, 0_i64, 0_i128);
        // 0: nothing read, 1: years, 2: months, 3: days, 4: time
        let mut stage = 0;
        let mut any = false;
        while let Some(token) = tokens.next() {
            if token.contains(':') {
                if stage >= 4 {
                    return Err(bad());
                }
                micros = parse_interval_time(token).ok_or_else(bad)?;
                stage = 4;
                any = true;
                continue;
            }
            if token.starts_with("++") || token.starts_with("+-") {
                return Err(bad());
            }
            let value: i64 = token.parse().map_err(|_| bad())?;
            let (next, scale) = match tokens.next() {
                Some("year" | "years") => (1, 12),
                Some("mon" | "mons") => (2, 1),
                Some("day" | "days") => (3, 0),
                _ => return Err(bad()),
            };
            if next <= stage {
                return Err(bad());
            }
            stage = next;
            any = true;
            if scale == 0 {
                days = value;
            } else {
                months =
                    value.checked_mul(scale).and_then(|v| v.checked_add(months)).ok_or_else(bad)?;
            }
        }
        if !any {
            return Err(bad());
        }
        let out_of_range = || invalid("interval (out of range)", text);
        Ok(Interval {
            months: i32::try_from(months).map_err(|_| out_of_range())?,
            days: i32::try_from(days).map_err(|_| out_of_range())?,
            micros: i64::try_from(micros).map_err(|_| out_of_range())?,
        })
    }
}
