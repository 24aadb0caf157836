//! [`Range`] and [`Multirange`]: PostgreSQL's range types (`int4range`, `tstzrange`, ...) and,
//! from PostgreSQL 14, their multiranges (`int4multirange`, ...).
//!
//! # Wire formats
//!
//! Binary range (`range_send` / `range_recv`): one flags byte (empty `0x01`, lower bound
//! inclusive `0x02`, upper bound inclusive `0x04`, lower bound infinite `0x08`, upper bound
//! infinite `0x10`; the server ignores the others on input), then each finite bound of a
//! non-empty range as an `int32` length and the subtype's binary value. Binary multirange: an
//! `int32` count, then each range as an `int32` length and its binary form.
//!
//! Text: `empty`, or `[` / `(`, the lower bound (nothing when infinite), `,`, the upper bound,
//! `]` / `)`; a bound is double-quoted when it holds white space, a quote, a backslash, a comma
//! or a bracket or parenthesis (`["2024-01-01 00:00:00",infinity)`), and inside quotes `""` or
//! `\"` is a quote. A multirange is `{}` or `{[1,3),[5,7)}`.
//!
//! Like arrays (see [`Array`](super::Array)), text-format bounds are borrowed from the row; a
//! bound written with escapes cannot be, and is an error (the subtypes of the built-in range
//! types never write one).
//!
//! Invariant: nothing here panics on any input bytes, and no allocation is sized from a length
//! read off the wire before that length is checked against the bytes that remain.

use std::borrow::Cow;
use std::ops::{Bound, RangeBounds};

use bytes::{BufMut, BytesMut};

use super::array::{Reader, write_quoted, write_value};
use super::loader::type_label;
use super::oid;
use super::{Dumper, IsNull, Loader};
use crate::Error;
use crate::protocol::{Format, Oid};

/// The built-in range types: (range, subtype, multirange).
const BUILT_IN: [(Oid, Oid, Oid); 6] = [
    (oid::INT4RANGE, oid::INT4, oid::INT4MULTIRANGE),
    (oid::INT8RANGE, oid::INT8, oid::INT8MULTIRANGE),
    (oid::NUMRANGE, oid::NUMERIC, oid::NUMMULTIRANGE),
    (oid::TSRANGE, oid::TIMESTAMP, oid::TSMULTIRANGE),
    (oid::TSTZRANGE, oid::TIMESTAMPTZ, oid::TSTZMULTIRANGE),
    (oid::DATERANGE, oid::DATE, oid::DATEMULTIRANGE),
];

/// The subtype of a built-in range type (`INT4RANGE` → `INT4`).
pub(crate) fn range_subtype(range: Oid) -> Option<Oid> {
    BUILT_IN.iter().find(|e| e.0 == range).map(|e| e.1)
}

/// The built-in range type over `subtype` (`INT4` → `INT4RANGE`).
fn range_of_subtype(subtype: Oid) -> Option<Oid> {
    BUILT_IN.iter().find(|e| e.1 == subtype).map(|e| e.0)
}

/// The range type of a built-in multirange type (`INT4MULTIRANGE` → `INT4RANGE`).
pub(crate) fn multirange_range(multirange: Oid) -> Option<Oid> {
    BUILT_IN.iter().find(|e| e.2 == multirange).map(|e| e.0)
}

/// The built-in multirange type of a range type (`INT4RANGE` → `INT4MULTIRANGE`).
fn multirange_of_range(range: Oid) -> Option<Oid> {
    BUILT_IN.iter().find(|e| e.0 == range).map(|e| e.2)
}

const EMPTY: u8 = 0x01;
const LB_INC: u8 = 0x02;
const UB_INC: u8 = 0x04;
const LB_INF: u8 = 0x08;
const UB_INF: u8 = 0x10;

/// A PostgreSQL range: empty, or a lower and an upper [`Bound`] (each included, excluded or
/// unbounded).
///
/// Loaded from `int4range`, `int8range`, `numrange`, `tsrange`, `tstzrange` and `daterange`
/// when `T` loads their subtype (`i32`, `i64`, [`Numeric`](super::Numeric),
/// [`Timestamp`](super::Timestamp), [`TimestampTz`](super::TimestampTz), [`Date`](super::Date)),
/// in both formats. Sent in binary as the range type of the bounds' type (`Range<i32>` as
/// `int4range`); see the `Dumper` implementation for the other cases.
///
/// The server canonicalises ranges of discrete types (`int4range`, `int8range`, `daterange`)
/// to the `[lower,upper)` form, so `[1,5]` comes back as `[1,6)`, and a range with nothing
/// in it (`[5,5)`) comes back empty. Nothing is canonicalised here: a `Range` holds what was
/// built or loaded. Infinite timestamps and dates (`Timestamp::INFINITY`) are bound values,
/// not [`Bound::Unbounded`], as in PostgreSQL.
///
/// Text-format bounds are borrowed from the row (as array elements are, see
/// [`Array`](super::Array#borrowing-text-elements)); a bound written with escapes is an error,
/// which the subtypes of the built-in range types never cause.
///
/// ```
/// use std::ops::Bound::{Excluded, Included, Unbounded};
/// use pgtusk::types::Range;
///
/// let r = Range::new(Included(1), Excluded(5));
/// assert!(r.contains(&1) && !r.contains(&5));
/// assert_eq!(r.lower(), Some(Included(&1)));
/// assert_eq!(Range::from(1..5), r);
///
/// let above = Range::new(Excluded(10), Unbounded);
/// assert!(above.contains(&11) && !above.contains(&10));
/// assert!(Range::<i32>::empty().is_empty());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Range<T> {
    bounds: Option<(Bound<T>, Bound<T>)>,
}

impl<T> Range<T> {
    /// The empty range.
    pub const fn empty() -> Self {
        Self { bounds: None }
    }

    /// The range from `lower` to `upper`. It is not checked here that `lower` is not above
    /// `upper`: the server refuses such a range (SQLSTATE 22000).
    pub const fn new(lower: Bound<T>, upper: Bound<T>) -> Self {
        Self { bounds: Some((lower, upper)) }
    }

    /// True for the empty range.
    pub fn is_empty(&self) -> bool {
        self.bounds.is_none()
    }

    /// The lower bound; `None` for the empty range.
    pub fn lower(&self) -> Option<Bound<&T>> {
        self.bounds.as_ref().map(|(lower, _)| lower.as_ref())
    }

    /// The upper bound; `None` for the empty range.
    pub fn upper(&self) -> Option<Bound<&T>> {
        self.bounds.as_ref().map(|(_, upper)| upper.as_ref())
    }

    /// Both bounds; `None` for the empty range.
    pub fn bounds(&self) -> Option<(&Bound<T>, &Bound<T>)> {
        self.bounds.as_ref().map(|(lower, upper)| (lower, upper))
    }

    /// Both bounds, by value; `None` for the empty range.
    pub fn into_bounds(self) -> Option<(Bound<T>, Bound<T>)> {
        self.bounds
    }

    /// Whether `value` lies in the range (never, for the empty range).
    pub fn contains(&self, value: &T) -> bool
    where
        T: PartialOrd,
    {
        self.bounds
            .as_ref()
            .is_some_and(|(lower, upper)| (lower.as_ref(), upper.as_ref()).contains(value))
    }
}

/// `start..end` is the range `[start,end)`.
impl<T> From<std::ops::Range<T>> for Range<T> {
    fn from(r: std::ops::Range<T>) -> Self {
        Self::new(Bound::Included(r.start), Bound::Excluded(r.end))
    }
}

/// `start..=end` is the range `[start,end]`.
impl<T> From<std::ops::RangeInclusive<T>> for Range<T> {
    fn from(r: std::ops::RangeInclusive<T>) -> Self {
        let (start, end) = r.into_inner();
        Self::new(Bound::Included(start), Bound::Included(end))
    }
}

/// A PostgreSQL multirange (PostgreSQL 14 and later): a list of ranges.
///
/// Loaded from `int4multirange`, `int8multirange`, `nummultirange`, `tsmultirange`,
/// `tstzmultirange` and `datemultirange` when `T` loads the subtype; sent like [`Range`]. The
/// server sorts and merges the ranges and drops empty ones, so what it returns is the
/// canonical form of what was sent.
///
/// ```
/// use pgtusk::types::{Multirange, Range};
///
/// let m = Multirange::new(vec![Range::from(1..3), Range::from(5..7)]);
/// assert_eq!(m.ranges().len(), 2);
/// assert!(Multirange::<i32>::default().ranges().is_empty());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Multirange<T> {
    ranges: Vec<Range<T>>,
}

impl<T> Default for Multirange<T> {
    fn default() -> Self {
        Self { ranges: Vec::new() }
    }
}

impl<T> Multirange<T> {
    /// The multirange of these ranges.
    pub fn new(ranges: Vec<Range<T>>) -> Self {
        Self { ranges }
    }

    /// The ranges, in order.
    pub fn ranges(&self) -> &[Range<T>] {
        &self.ranges
    }

    /// The ranges, by value.
    pub fn into_ranges(self) -> Vec<Range<T>> {
        self.ranges
    }
}

impl<T> From<Vec<Range<T>>> for Multirange<T> {
    fn from(ranges: Vec<Range<T>>) -> Self {
        Self::new(ranges)
    }
}

// ---------------------------------------------------------------------------------------------
// Loading

fn not_accepted(type_oid: Oid, what: &str) -> Error {
    Error::conversion(format!("{} is not accepted as {what}", type_label(type_oid)))
}

fn bound<T>(value: Option<T>, inclusive: bool) -> Bound<T> {
    match (value, inclusive) {
        (None, _) => Bound::Unbounded,
        (Some(v), true) => Bound::Included(v),
        (Some(v), false) => Bound::Excluded(v),
    }
}

/// Decodes a binary range (`range_recv`) whose bounds are of `subtype`.
fn load_range_binary<'a, T: Loader<'a>>(subtype: Oid, raw: &'a [u8]) -> Result<Range<T>, Error> {
    let mut r = Reader(raw);
    let flags = r.u8()?;
    if flags & EMPTY != 0 {
        r.finish()?;
        return Ok(Range::empty());
    }
    let mut value = |infinite: bool| -> Result<Option<T>, Error> {
        if infinite {
            return Ok(None);
        }
        let raw = r.value()?.ok_or_else(|| Error::conversion("a range bound is NULL"))?;
        T::load(subtype, Format::Binary, raw).map(Some)
    };
    let lower = value(flags & LB_INF != 0)?;
    let upper = value(flags & UB_INF != 0)?;
    r.finish()?;
    Ok(Range::new(bound(lower, flags & LB_INC != 0), bound(upper, flags & UB_INC != 0)))
}

/// Loads one text-format bound, which must be borrowable.
fn load_text_bound<'a, T: Loader<'a>>(
    subtype: Oid,
    value: Option<Cow<'a, [u8]>>,
) -> Result<Option<T>, Error> {
    match value {
        None => Ok(None),
        Some(Cow::Borrowed(raw)) => T::load(subtype, Format::Text, raw).map(Some),
        Some(Cow::Owned(_)) => Err(Error::conversion(
            "a range bound written with escapes in text format cannot be borrowed from the row; \
             read the range in binary",
        )),
    }
}

fn text_range<'a, T: Loader<'a>>(
    subtype: Oid,
    parsed: text::Parsed<'a>,
) -> Result<Range<T>, Error> {
    Ok(match parsed {
        text::Parsed::Empty => Range::empty(),
        text::Parsed::Bounds { lower, lower_inc, upper, upper_inc } => Range::new(
            bound(load_text_bound(subtype, lower)?, lower_inc),
            bound(load_text_bound(subtype, upper)?, upper_inc),
        ),
    })
}

/// From a built-in range type whose subtype `T` accepts, in either format.
impl<'a, T: Loader<'a>> Loader<'a> for Range<T> {
    fn accepts(oid: Oid) -> bool {
        range_subtype(oid).is_some_and(T::accepts)
    }
    fn load(oid: Oid, format: Format, raw: &'a [u8]) -> Result<Self, Error> {
        let subtype = range_subtype(oid)
            .filter(|&s| T::accepts(s))
            .ok_or_else(|| not_accepted(oid, "a range"))?;
        match format {
            Format::Binary => load_range_binary(subtype, raw),
            Format::Text => text_range(subtype, text::parse_range(raw)?),
        }
    }
}

/// From a built-in multirange type whose subtype `T` accepts, in either format.
impl<'a, T: Loader<'a>> Loader<'a> for Multirange<T> {
    fn accepts(oid: Oid) -> bool {
        multirange_range(oid).and_then(range_subtype).is_some_and(T::accepts)
    }
    fn load(oid: Oid, format: Format, raw: &'a [u8]) -> Result<Self, Error> {
        let subtype = multirange_range(oid)
            .and_then(range_subtype)
            .filter(|&s| T::accepts(s))
            .ok_or_else(|| not_accepted(oid, "a multirange"))?;
        let ranges = match format {
            Format::Binary => {
                let mut r = Reader(raw);
                let count = r.i32()?;
                // Each range takes at least its 4-byte length and a flags byte.
                let count = usize::try_from(count)
                    .ok()
                    .filter(|&n| n <= r.remaining() / 5)
                    .ok_or_else(|| Error::conversion(format!("invalid range count {count}")))?;
                let mut ranges = Vec::with_capacity(count);
                for _ in 0..count {
                    let raw = r.value()?.ok_or_else(|| Error::conversion("a range is NULL"))?;
                    ranges.push(load_range_binary(subtype, raw)?);
                }
                r.finish()?;
                ranges
            }
            Format::Text => text::parse_multirange(raw)?
                .into_iter()
                .map(|parsed| text_range(subtype, parsed))
                .collect::<Result<_, _>>()?,
        };
        Ok(Self { ranges })
    }
}

// ---------------------------------------------------------------------------------------------
// Dumping

/// How a range or multirange is sent, decided by its bounds' type OIDs and formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Plan {
    /// Binary, with bounds of type `subtype`, of type `range` (0: let the server infer it).
    Binary { subtype: Oid, range: Oid },
    /// The text literal, with bounds of type `subtype` (0: unspecified), of type `range`.
    Text { subtype: Oid, range: Oid },
}

/// The plan for bounds of these kinds: the first bound with a value decides. Without one
/// (empty, or unbounded on both sides) nothing names a type, but the binary form needs none:
/// it goes in binary of unspecified type, for the server to infer (`$1::int4range`), which
/// also lets such a range sit in a binary array of ranges of a known type.
fn plan<'v, T: Dumper + 'v>(mut values: impl Iterator<Item = &'v T>) -> Plan {
    match values.next().map(|v| (v.type_oid(), v.format())) {
        None => Plan::Binary { subtype: 0, range: 0 },
        Some((subtype, Format::Binary)) => {
            Plan::Binary { subtype, range: range_of_subtype(subtype).unwrap_or(0) }
        }
        Some((subtype, Format::Text)) => {
            Plan::Text { subtype, range: range_of_subtype(subtype).unwrap_or(0) }
        }
    }
}

impl Plan {
    fn format(self) -> Format {
        match self {
            Plan::Binary { .. } => Format::Binary,
            Plan::Text { .. } => Format::Text,
        }
    }
}

/// The values of a range's bounds.
fn values<T>(r: &Range<T>) -> impl Iterator<Item = &T> {
    let (lower, upper) = match &r.bounds {
        Some((lower, upper)) => (bound_value(lower), bound_value(upper)),
        None => (None, None),
    };
    lower.into_iter().chain(upper)
}

fn bound_value<T>(b: &Bound<T>) -> Option<&T> {
    match b {
        Bound::Included(v) | Bound::Excluded(v) => Some(v),
        Bound::Unbounded => None,
    }
}

/// Checks that a bound is of the planned type and format.
fn check_kind<T: Dumper>(value: &T, subtype: Oid, format: Format) -> Result<(), Error> {
    let kind = (value.type_oid(), value.format());
    if kind == (subtype, format) {
        Ok(())
    } else {
        Err(Error::conversion(format!(
            "a range bound is {} in {:?} format but another is {} in {:?} format",
            type_label(kind.0),
            kind.1,
            type_label(subtype),
            format
        )))
    }
}

/// Writes a range in binary (`range_send`).
fn dump_range_binary<T: Dumper>(
    r: &Range<T>,
    subtype: Oid,
    buf: &mut BytesMut,
) -> Result<(), Error> {
    let Some((lower, upper)) = &r.bounds else {
        buf.put_u8(EMPTY);
        return Ok(());
    };
    let mut flags = 0;
    for (b, inc, inf) in [(lower, LB_INC, LB_INF), (upper, UB_INC, UB_INF)] {
        flags |= match b {
            Bound::Included(_) => inc,
            Bound::Excluded(_) => 0,
            Bound::Unbounded => inf,
        };
    }
    buf.put_u8(flags);
    for value in [lower, upper].into_iter().filter_map(bound_value) {
        check_kind(value, subtype, Format::Binary)?;
        if write_value(buf, |buf| value.dump(buf))? == IsNull::Yes {
            return Err(null_bound());
        }
    }
    Ok(())
}

fn null_bound() -> Error {
    Error::conversion("a range bound is NULL; use Bound::Unbounded for an infinite bound")
}

/// Writes a range's text literal, every bound quoted; `subtype`, when given, is the type
/// and text format every bound must have (a text dump), else bounds write their text forms
/// ([`Dumper::dump_text`]) whatever they are.
fn dump_range_text<T: Dumper>(
    r: &Range<T>,
    subtype: Option<Oid>,
    buf: &mut BytesMut,
    scratch: &mut BytesMut,
) -> Result<(), Error> {
    let Some((lower, upper)) = &r.bounds else {
        buf.put_slice(b"empty");
        return Ok(());
    };
    buf.put_u8(if matches!(lower, Bound::Included(_)) { b'[' } else { b'(' });
    for (i, b) in [lower, upper].into_iter().enumerate() {
        if i == 1 {
            buf.put_u8(b',');
        }
        if let Some(value) = bound_value(b) {
            if let Some(subtype) = subtype {
                check_kind(value, subtype, Format::Text)?;
            }
            scratch.clear();
            if value.dump_text(scratch)? == IsNull::Yes {
                return Err(null_bound());
            }
            write_quoted(scratch, buf);
        }
    }
    buf.put_u8(if matches!(upper, Bound::Included(_)) { b']' } else { b')' });
    Ok(())
}

/// Sent in binary as the built-in range type over the bounds' type when they are sent in
/// binary (`Range<i32>` as `int4range`, `Range<TimestampTz>` as `tstzrange`), and as a binary
/// range of unspecified type (for the server to infer, e.g. from `$1::floatrange`) when that
/// type has no built-in range. Bounds sent as text (strings) go as the text literal
/// (`["2024-01-01","2024-02-01")`) of unspecified type.
///
/// A range with no bound value (empty, or unbounded on both sides) has no type to name; its
/// binary form does not depend on the subtype, so it goes in binary of unspecified type and
/// the server types it from the context (`$1::int4range`; a bare `SELECT $1` cannot type it).
/// Sent this way, an empty range can also be an element of a `Vec<Range<i32>>` sent as
/// `int4range[]`, provided some other element names the type.
///
/// Both bounds must be of the same type, and a bound must not be NULL.
impl<T: Dumper> Dumper for Range<T> {
    fn type_oid(&self) -> Oid {
        match plan(values(self)) {
            Plan::Binary { range, .. } | Plan::Text { range, .. } => range,
        }
    }
    fn format(&self) -> Format {
        plan(values(self)).format()
    }
    fn dump(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
        match plan(values(self)) {
            Plan::Binary { subtype, .. } => dump_range_binary(self, subtype, buf)?,
            Plan::Text { subtype, .. } => {
                dump_range_text(self, Some(subtype), buf, &mut BytesMut::new())?;
            }
        }
        Ok(IsNull::No)
    }
    fn dump_text(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
        dump_range_text(self, None, buf, &mut BytesMut::new())?;
        Ok(IsNull::No)
    }
}

/// Sent as [`Range`] is: in binary as the built-in multirange type over the bounds' type
/// (`Multirange<i32>` as `int4multirange`), else (or when no range has a bound value, as for
/// the empty multirange) in binary of unspecified type; as the text literal (`{[1,3),[5,7)}`)
/// of unspecified type for string bounds.
impl<T: Dumper> Dumper for Multirange<T> {
    fn type_oid(&self) -> Oid {
        match plan(self.ranges.iter().flat_map(values)) {
            Plan::Binary { range, .. } | Plan::Text { range, .. } => {
                multirange_of_range(range).unwrap_or(0)
            }
        }
    }
    fn format(&self) -> Format {
        plan(self.ranges.iter().flat_map(values)).format()
    }
    fn dump(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
        match plan(self.ranges.iter().flat_map(values)) {
            Plan::Binary { subtype, .. } => {
                let count = i32::try_from(self.ranges.len())
                    .map_err(|_| Error::conversion("too many ranges in a multirange"))?;
                buf.put_i32(count);
                for r in &self.ranges {
                    write_value(buf, |buf| {
                        dump_range_binary(r, subtype, buf).map(|()| IsNull::No)
                    })?;
                }
            }
            Plan::Text { subtype, .. } => dump_multirange_text(self, Some(subtype), buf)?,
        }
        Ok(IsNull::No)
    }
    fn dump_text(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
        dump_multirange_text(self, None, buf)?;
        Ok(IsNull::No)
    }
}

/// Writes a multirange's text literal (see [`dump_range_text`] for `subtype`).
fn dump_multirange_text<T: Dumper>(
    m: &Multirange<T>,
    subtype: Option<Oid>,
    buf: &mut BytesMut,
) -> Result<(), Error> {
    let mut scratch = BytesMut::new();
    buf.put_u8(b'{');
    for (i, r) in m.ranges.iter().enumerate() {
        if i > 0 {
            buf.put_u8(b',');
        }
        dump_range_text(r, subtype, buf, &mut scratch)?;
    }
    buf.put_u8(b'}');
    Ok(())
}

mod text;

#[cfg(test)]
mod tests;
