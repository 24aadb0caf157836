//! [`Row`]: one row of a result, as a view over the DataRow message; [`Columns`]: the shared
//! description of a result's columns; [`FromRow`]: building a Rust value from a whole row.
//!
//! Nothing here allocates per row or per column:
//! - [`Columns`] is built once per result (or once per cached statement) from the
//!   RowDescription and shared by every row through an `Arc`;
//! - a [`Row`] is that `Arc`, the DataRow's `Bytes` (shared with the read buffer) and a small
//!   inline index of where the values start, filled by one walk over the row when it is built;
//! - `&str` and `&[u8]` loads borrow from the row; [`Row::get_bytes`] hands out a zero-copy
//!   slice; looking a column up by name compares strings in place.
//!
//! The index holds the position of up to 16 values. A row of up to 16 columns has every
//! position, so [`Row::get`] is O(1); a wider row keeps every k-th position (k = ⌈columns / 16⌉)
//! and walks at most k - 1 values from the nearest one. Measured against walking the DataRow
//! from its first value on every access (the ignored `bench_row_access` test): building the
//! index costs a few nanoseconds per row, which walking wins back only for rows of up to about
//! four columns; from eight columns on the index is faster, and at 32 columns reading every
//! value of a row is several times faster.
//!
//! Column names are looked up exactly first, then ignoring ASCII case: PostgreSQL already folds
//! unquoted identifiers to lower case, so `row.get("id")` finds a column `id`, and `"Id"` finds
//! it too unless the result also has a column named exactly `Id`. The first matching column
//! wins when several share a name (as in `SELECT a.id, b.id`); use positions to reach the others.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use bytes::Bytes;

use super::loader::{Loader, type_label};
use super::{AdaptersMap, Value, oid};
use crate::Error;
use crate::protocol::backend::{DataRow, FieldDescription, RowDescription};
use crate::protocol::{Format, Oid};

/// One column of a result, as the server described it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Column {
    name: Box<str>,
    table_oid: Oid,
    column_id: i16,
    type_oid: Oid,
    type_size: i16,
    type_modifier: i32,
    format: Format,
}

impl Column {
    /// A column of `name`, type `type_oid` and `format`, not taken from a table.
    pub fn new(name: impl Into<Box<str>>, type_oid: Oid, format: Format) -> Self {
        Self {
            name: name.into(),
            table_oid: 0,
            column_id: 0,
            type_oid,
            type_size: -1,
            type_modifier: -1,
            format,
        }
    }

    /// The column name (as the query named it: `SELECT x AS "Name"` gives `Name`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The OID of the column's type.
    pub fn type_oid(&self) -> Oid {
        self.type_oid
    }

    /// The name of the column's type, when it is a built-in type
    /// (see [`oid::type_name`](super::oid::type_name)).
    pub fn type_name(&self) -> Option<&'static str> {
        oid::type_name(self.type_oid)
    }

    /// The format the column's values arrive in.
    pub fn format(&self) -> Format {
        self.format
    }

    /// The OID of the table the column comes from, when it is a plain table column.
    pub fn table_oid(&self) -> Option<Oid> {
        (self.table_oid != 0).then_some(self.table_oid)
    }

    /// The attribute number of the column in its table, when it is a plain table column.
    pub fn column_id(&self) -> Option<i16> {
        (self.column_id != 0).then_some(self.column_id)
    }

    /// The type's size in bytes (`pg_type.typlen`); negative for variable-width types.
    pub fn type_size(&self) -> i16 {
        self.type_size
    }

    /// The type modifier (`pg_attribute.atttypmod`, e.g. the length of a `varchar(n)`); -1
    /// when there is none.
    pub fn type_modifier(&self) -> i32 {
        self.type_modifier
    }
}

impl From<FieldDescription<'_>> for Column {
    fn from(f: FieldDescription<'_>) -> Self {
        Self {
            name: f.name.into(),
            table_oid: f.table_oid,
            column_id: f.column_id,
            type_oid: f.type_oid,
            type_size: f.type_size,
            type_modifier: f.type_modifier,
            format: f.format,
        }
    }
}

/// The columns of a result: built once from its RowDescription and shared (through an `Arc`)
/// by every [`Row`] of the result.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Columns {
    columns: Box<[Column]>,
    /// The types registered on the connection the result came from (else the global map).
    types: AdaptersMap,
}

impl Columns {
    /// The columns a RowDescription describes, with the formats it gives.
    pub fn from_description(description: &RowDescription) -> Arc<Self> {
        Arc::new(description.fields().map(Column::from).collect())
    }

    /// The columns a RowDescription describes, loading values with `types` when given.
    pub(crate) fn describe(description: &RowDescription, types: Option<&AdaptersMap>) -> Arc<Self> {
        let mut columns: Columns = description.fields().map(Column::from).collect();
        if let Some(types) = types {
            columns.types = types.clone();
        }
        Arc::new(columns)
    }

    /// These columns with every value in `format` (a Describe of a statement reports text;
    /// Bind chooses the formats).
    pub(crate) fn with_format(&self, format: Format) -> Columns {
        Columns {
            columns: self.columns.iter().map(|c| Column { format, ..c.clone() }).collect(),
            types: self.types.clone(),
        }
    }

    /// These columns, loading values with the types registered in `types` (a connection's
    /// [`AdaptersMap`]) rather than the global map.
    pub fn with_types(mut self, types: AdaptersMap) -> Self {
        self.types = types;
        self
    }

    /// The registered types values of these columns load with.
    #[inline]
    pub fn types(&self) -> &AdaptersMap {
        &self.types
    }

    /// The columns a RowDescription describes, with the result formats requested in Bind
    /// instead of the description's own.
    ///
    /// The Describe of a *statement* reports every column as text, since the formats are chosen
    /// later, at Bind: a caller that describes a statement once and binds it many times passes
    /// the result-format codes it sends. They follow Bind's rule: none means all text, one
    /// applies to every column, otherwise there is one per column. Any other number of codes
    /// (which the server would refuse) leaves the description's formats.
    pub fn from_description_with_formats(
        description: &RowDescription,
        formats: &[Format],
    ) -> Arc<Self> {
        let count = description.len();
        let format_of = |i: usize, f: Format| match formats {
            [] => Format::Text,
            [one] => *one,
            many if many.len() == count => many.get(i).copied().unwrap_or(f),
            _ => f,
        };
        Arc::new(
            description
                .fields()
                .enumerate()
                .map(|(i, f)| Column { format: format_of(i, f.format), ..Column::from(f) })
                .collect(),
        )
    }

    /// The columns, in order.
    pub fn as_slice(&self) -> &[Column] {
        &self.columns
    }

    /// The number of columns.
    pub fn len(&self) -> usize {
        self.columns.len()
    }

    /// True when the result has no columns.
    pub fn is_empty(&self) -> bool {
        self.columns.is_empty()
    }

    /// Column `index`, if there is one.
    pub fn get(&self, index: usize) -> Option<&Column> {
        self.columns.get(index)
    }

    /// The position of the column called `name`: the first with exactly that name, else the
    /// first whose name matches ignoring ASCII case. Allocates nothing.
    pub fn position(&self, name: &str) -> Option<usize> {
        let columns = &self.columns;
        columns
            .iter()
            .position(|c| *c.name == *name)
            .or_else(|| columns.iter().position(|c| c.name.eq_ignore_ascii_case(name)))
    }
}

impl Default for Columns {
    fn default() -> Self {
        std::iter::empty().collect()
    }
}

impl FromIterator<Column> for Columns {
    fn from_iter<I: IntoIterator<Item = Column>>(iter: I) -> Self {
        Self { columns: iter.into_iter().collect(), types: AdaptersMap::global().clone() }
    }
}

mod sealed {
    /// Keeps [`RowIndex`](super::RowIndex) closed to other implementations, and builds its
    /// error.
    pub trait Sealed {
        /// The error for an index that names no column of a row of `len` columns.
        fn not_found(&self, len: usize) -> crate::Error;
    }
}

/// A way to name a column of a [`Row`]: its position (`usize`, from 0) or its name (`&str`,
/// `String`).
///
/// Names are matched exactly first, then ignoring ASCII case: PostgreSQL already folds
/// unquoted identifiers to lower case, so `row.get("id")` finds a column `id`, and `"Id"`
/// finds it too unless the result also has a column named exactly `Id`. When several columns
/// share a name (as in `SELECT a.id, b.id`), the first one wins; use positions to reach the
/// others. Lookup compares in place and allocates nothing.
///
/// This trait is sealed: it cannot be implemented outside pgtusk.
pub trait RowIndex: sealed::Sealed {
    /// The position of the column this index names, if `columns` has it.
    fn index_in(&self, columns: &Columns) -> Option<usize>;
}

impl sealed::Sealed for usize {
    fn not_found(&self, len: usize) -> Error {
        Error::conversion(format!(
            "column index {self} is out of range (the row has {len} columns)"
        ))
    }
}

impl RowIndex for usize {
    fn index_in(&self, columns: &Columns) -> Option<usize> {
        (*self < columns.len()).then_some(*self)
    }
}

impl sealed::Sealed for str {
    fn not_found(&self, _len: usize) -> Error {
        Error::conversion(format!("no column named {self:?}"))
    }
}

impl RowIndex for str {
    fn index_in(&self, columns: &Columns) -> Option<usize> {
        columns.position(self)
    }
}

impl sealed::Sealed for String {
    fn not_found(&self, len: usize) -> Error {
        self.as_str().not_found(len)
    }
}

impl RowIndex for String {
    fn index_in(&self, columns: &Columns) -> Option<usize> {
        columns.position(self)
    }
}

impl<T: RowIndex + ?Sized> sealed::Sealed for &T {
    fn not_found(&self, len: usize) -> Error {
        (**self).not_found(len)
    }
}

impl<T: RowIndex + ?Sized> RowIndex for &T {
    fn index_in(&self, columns: &Columns) -> Option<usize> {
        (**self).index_in(columns)
    }
}

/// How many value positions a [`Row`] keeps inline.
const SLOTS: usize = 16;

/// One row of a result: a view over the DataRow message, sharing its bytes and the result's
/// [`Columns`].
///
/// Cloning a row is cheap (two reference-count increments and a small copy).
#[derive(Clone)]
pub struct Row {
    columns: Arc<Columns>,
    data: DataRow,
    /// Where in `data.body()` the length word of value `k * stride` starts, for each `k`.
    starts: [u32; SLOTS],
    /// The distance, in columns, between two entries of `starts` (at least 1).
    stride: u16,
}

impl Row {
    /// A row of `columns` holding the values of `data`.
    ///
    /// Fails with [`ErrorKind::Protocol`](crate::ErrorKind::Protocol) when the row does not
    /// have one value per column.
    #[inline]
    pub fn new(columns: Arc<Columns>, data: DataRow) -> Result<Self, Error> {
        let len = data.len();
        if len != columns.len() {
            return Err(Error::protocol(format!(
                "DataRow has {len} values for {} columns",
                columns.len()
            )));
        }
        let stride = len.div_ceil(SLOTS).max(1);
        let starts = index_values(data.body(), len, stride)
            .ok_or_else(|| Error::protocol("inconsistent DataRow"))?;
        // At most 32,767 columns, so the stride fits.
        let stride = u16::try_from(stride).map_err(|_| Error::protocol("too many columns"))?;
        Ok(Self { columns, data, starts, stride })
    }

    /// The number of columns.
    pub fn len(&self) -> usize {
        self.columns.len()
    }

    /// True when the row has no columns.
    pub fn is_empty(&self) -> bool {
        self.columns.is_empty()
    }

    /// The columns, in order.
    pub fn columns(&self) -> &[Column] {
        self.columns.as_slice()
    }

    /// The result's column description, shared with every row of the result.
    pub fn shared_columns(&self) -> &Arc<Columns> {
        &self.columns
    }

    /// The DataRow message the row reads from.
    pub fn data_row(&self) -> &DataRow {
        &self.data
    }

    /// The value of a column, loaded into `T`.
    ///
    /// # Panics
    ///
    /// When the column does not exist, its type does not fit `T`, or its value cannot be
    /// loaded (including NULL into a type that is not an `Option`): the panic message is the
    /// error [`try_get`](Self::try_get) would return. Use `try_get` to handle these cases.
    #[track_caller]
    pub fn get<'a, I: RowIndex, T: Loader<'a>>(&'a self, index: I) -> T {
        match self.try_get(index) {
            Ok(value) => value,
            Err(e) => panic!("{e}"),
        }
    }

    /// The value of a column, loaded into `T`.
    ///
    /// Fails with [`ErrorKind::Conversion`](crate::ErrorKind::Conversion) when the column does
    /// not exist, when `T` does not accept its type, or when its value cannot be loaded into
    /// `T` (out of range, malformed, NULL into a type that is not an `Option`); the message
    /// names the column, its PostgreSQL type and `T`.
    pub fn try_get<'a, I: RowIndex, T: Loader<'a>>(&'a self, index: I) -> Result<T, Error> {
        let i = self.position(&index)?;
        let Some(column) = self.columns.get(i) else {
            return Err(index.not_found(self.len()));
        };
        load_column(&self.columns.types, column, self.value(i))
    }

    /// Every column as a dynamic [`Value`], by name, like psycopg's `dict_row`. When several
    /// columns share a name, the first one is kept.
    ///
    /// # Panics
    ///
    /// When a value cannot be loaded, as [`try_to_map`](Self::try_to_map) reports.
    #[track_caller]
    pub fn to_map(&self) -> BTreeMap<String, Value> {
        match self.try_to_map() {
            Ok(map) => map,
            Err(e) => panic!("{e}"),
        }
    }

    /// Every column as a dynamic [`Value`], by name (see [`to_map`](Self::to_map)).
    ///
    /// Fails only on a malformed value or when a loader registered in the connection's
    /// [`AdaptersMap`] fails.
    pub fn try_to_map(&self) -> Result<BTreeMap<String, Value>, Error> {
        let mut map = BTreeMap::new();
        for (i, column) in self.columns.as_slice().iter().enumerate() {
            if !map.contains_key(column.name()) {
                map.insert(column.name().to_owned(), self.try_get(i)?);
            }
        }
        Ok(map)
    }

    /// The raw bytes of a column's value, in the column's [`format`](Column::format); `None`
    /// for NULL.
    ///
    /// # Panics
    ///
    /// When the column does not exist (see [`try_raw`](Self::try_raw)).
    #[track_caller]
    pub fn raw<I: RowIndex>(&self, index: I) -> Option<&[u8]> {
        match self.try_raw(index) {
            Ok(value) => value,
            Err(e) => panic!("{e}"),
        }
    }

    /// The raw bytes of a column's value; `Ok(None)` for NULL, an error when the column does
    /// not exist.
    pub fn try_raw<I: RowIndex>(&self, index: I) -> Result<Option<&[u8]>, Error> {
        let i = self.position(&index)?;
        Ok(self.value(i))
    }

    /// The raw bytes of a column's value as a zero-copy slice of the message (it keeps the
    /// read buffer it shares alive); `None` for NULL.
    ///
    /// # Panics
    ///
    /// When the column does not exist.
    #[track_caller]
    pub fn get_bytes<I: RowIndex>(&self, index: I) -> Option<Bytes> {
        match self.try_get_bytes(index) {
            Ok(value) => value,
            Err(e) => panic!("{e}"),
        }
    }

    /// The raw bytes of a column's value as a zero-copy slice of the message; `Ok(None)` for
    /// NULL, an error when the column does not exist.
    pub fn try_get_bytes<I: RowIndex>(&self, index: I) -> Result<Option<Bytes>, Error> {
        let i = self.position(&index)?;
        Ok(self.range(i).flatten().map(|range| self.data.body().slice(range)))
    }

    /// The position of the column `index` names.
    fn position<I: RowIndex + ?Sized>(&self, index: &I) -> Result<usize, Error> {
        index.index_in(&self.columns).ok_or_else(|| index.not_found(self.len()))
    }

    /// The bytes of value `i`, `None` for NULL (or, which cannot happen for a valid `i`, for
    /// a position outside the row).
    #[inline]
    fn value(&self, i: usize) -> Option<&[u8]> {
        self.range(i).flatten().and_then(|range| self.data.body().get(range))
    }

    /// Where value `i` is in the body: `None` when `i` is out of range, `Some(None)` for NULL.
    #[inline]
    fn range(&self, i: usize) -> Option<Option<Range<usize>>> {
        if i >= self.len() {
            return None;
        }
        let stride = usize::from(self.stride);
        let body = self.data.body();
        // Up to 16 columns (stride 1), every position is kept: no division, no walk.
        let (slot, walk) = if stride == 1 { (i, 0) } else { (i / stride, i % stride) };
        let mut at = usize::try_from(*self.starts.get(slot)?).ok()?;
        for _ in 0..walk {
            at = skip_value(body, at)?;
        }
        let len = read_len(body, at)?;
        let Ok(len) = usize::try_from(len) else {
            // -1: NULL.
            return Some(None);
        };
        let start = at.checked_add(4)?;
        let end = start.checked_add(len)?;
        // Always true for a decoded DataRow; checked so that slicing can never panic.
        (end <= body.len()).then_some(Some(start..end))
    }
}

/// The positions of the length words of values `0, stride, 2 * stride, ...` of a DataRow
/// `body` of `len` values; `None` if the body is not a valid DataRow of `len` values.
fn index_values(body: &[u8], len: usize, stride: usize) -> Option<[u32; SLOTS]> {
    let mut starts = [0_u32; SLOTS];
    if stride == 1 {
        // Up to 16 values, each with its slot: one pass, no bookkeeping. Positions fit a
        // `u32` as long as the body does.
        u32::try_from(body.len()).ok()?;
        let mut at = 2_usize;
        for slot in starts.iter_mut().take(len) {
            *slot = at as u32;
            let word = body.get(at..at + 4)?;
            // -1 (NULL) has no bytes.
            let n = usize::try_from(i32::from_be_bytes(word.try_into().ok()?)).unwrap_or(0);
            at = at.checked_add(4)?.checked_add(n)?;
        }
        return (at <= body.len()).then_some(starts);
    }
    let mut slots = starts.iter_mut();
    // The values start after the Int16 column count.
    let mut rest = body.get(2..)?;
    let mut until_slot = 0;
    for _ in 0..len {
        if until_slot == 0 {
            // Counting down instead of `i % stride` keeps divisions out of the loop.
            until_slot = stride;
            if let Some(slot) = slots.next() {
                *slot = u32::try_from(body.len().saturating_sub(rest.len())).ok()?;
            }
        }
        until_slot -= 1;
        let (word, tail) = rest.split_first_chunk::<4>()?;
        // -1 (NULL) has no bytes.
        let n = usize::try_from(i32::from_be_bytes(*word)).unwrap_or(0);
        rest = tail.get(n..)?;
    }
    Some(starts)
}

/// The `Int32` length word at `at`.
#[inline]
fn read_len(body: &[u8], at: usize) -> Option<i32> {
    let word = body.get(at..at.checked_add(4)?)?;
    Some(i32::from_be_bytes(word.try_into().ok()?))
}

/// The position after the value whose length word is at `at`.
#[inline]
fn skip_value(body: &[u8], at: usize) -> Option<usize> {
    let len = read_len(body, at)?;
    // -1 (NULL) has no bytes.
    let len = usize::try_from(len).unwrap_or(0);
    let end = at.checked_add(4)?.checked_add(len)?;
    (end <= body.len()).then_some(end)
}

/// Loads the value of `column` (`None`: NULL) into `T`, with the column's name, type and `T`
/// in any error.
#[inline(always)]
fn load_column<'a, T: Loader<'a>>(
    types: &AdaptersMap,
    column: &Column,
    raw: Option<&'a [u8]>,
) -> Result<T, Error> {
    let oid = column.type_oid;
    let loaded = if !T::accepts_with(types, oid) {
        Err(Error::conversion("the type is not accepted"))
    } else {
        match raw {
            Some(raw) => T::load_with(types, oid, column.format, raw),
            None => T::load_null(oid),
        }
    };
    loaded.map_err(|e| column_error(e, column, std::any::type_name::<T>()))
}

/// `e` in the context of loading `column` into the Rust type named `rust_type`.
#[cold]
#[inline(never)]
fn column_error(e: Error, column: &Column, rust_type: &str) -> Error {
    e.conversion_context(format_args!(
        "cannot load column {:?} of type {} into {}",
        column.name(),
        type_label(column.type_oid),
        short_type_name(rust_type)
    ))
}

/// `std::any::type_name` without module paths: `Option<String>`, not
/// `core::option::Option<alloc::string::String>`.
pub(crate) fn short_type_name(full: &str) -> String {
    let mut out = String::with_capacity(full.len());
    for c in full.chars() {
        out.push(c);
        if out.ends_with("::") {
            out.truncate(out.len() - 2);
            let keep = out.trim_end_matches(|c: char| c.is_alphanumeric() || c == '_').len();
            out.truncate(keep);
        }
    }
    out
}

impl fmt::Debug for Row {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for (i, column) in self.columns().iter().enumerate() {
            map.entry(&column.name(), &self.value(i).map(Bytes::copy_from_slice));
        }
        map.finish()
    }
}

/// A Rust value built from a whole row.
///
/// Implemented for [`Row`] itself (a cheap clone) and for tuples of up to 16 types that load
/// without borrowing (`for<'a> Loader<'a>`, such as `i64`, `String`, `Option<Vec<u8>>`),
/// filled by position. A tuple needs exactly as many columns as it has fields: fewer or more is
/// an [`ErrorKind::Conversion`](crate::ErrorKind::Conversion) error, since it is almost
/// always a query that does not match the code reading it.
///
/// `#[derive(FromRow)]` (feature `derive`) implements it for structs, by column name or
/// position: see the `pgtusk::types::derives` documentation.
pub trait FromRow: Sized {
    /// Builds the value from `row`.
    fn from_row(row: &Row) -> Result<Self, Error>;

    /// Builds the value straight from one DataRow of a result with these columns, without
    /// making a [`Row`]: what typed streaming (`next_as`) calls. The default makes the `Row`
    /// and calls [`from_row`](Self::from_row); tuples read their values in one pass over the
    /// message.
    fn from_data_row(columns: &Arc<Columns>, data: DataRow) -> Result<Self, Error> {
        Self::from_row(&Row::new(columns.clone(), data)?)
    }

    /// An implementation detail of typed streaming, not meant to be set outside pgtusk: true
    /// when [`from_data_row_in_place`](Self::from_data_row_in_place) reads rows (tuples), so
    /// that streams of other types do not even look at the read buffer for it.
    #[doc(hidden)]
    const READS_IN_PLACE: bool = false;

    /// An implementation detail of typed streaming, not meant to be implemented outside
    /// pgtusk: builds the value from the body of a DataRow still in the read buffer, not yet
    /// validated. `None` means "use [`from_data_row`](Self::from_data_row)": the type does not
    /// read rows in place (the default), or the body is not a well-formed DataRow of one value
    /// per column (the usual path then reports what is wrong with it). `Some` is exactly what
    /// `from_data_row` would have returned for the same row.
    #[doc(hidden)]
    #[inline]
    fn from_data_row_in_place(columns: &Arc<Columns>, body: &[u8]) -> Option<Result<Self, Error>> {
        let _ = (columns, body);
        None
    }
}

impl FromRow for Row {
    fn from_row(row: &Row) -> Result<Self, Error> {
        Ok(row.clone())
    }
}

/// The value whose length word is at `*at` in a DataRow body (`None`: NULL), moving `*at` past
/// it.
#[inline(always)]
fn next_value<'a>(body: &'a [u8], at: &mut usize) -> Result<Option<&'a [u8]>, Error> {
    let bad = || Error::protocol("inconsistent DataRow");
    let start = at.checked_add(4).ok_or_else(bad)?;
    let word: [u8; 4] = body.get(*at..start).and_then(|w| w.try_into().ok()).ok_or_else(bad)?;
    let Ok(len) = usize::try_from(i32::from_be_bytes(word)) else {
        *at = start;
        return Ok(None);
    };
    let end = start.checked_add(len).ok_or_else(bad)?;
    let value = body.get(start..end).ok_or_else(bad)?;
    *at = end;
    Ok(Some(value))
}

/// In a DataRow body not yet validated: the value whose length word is at `*at` (`None`:
/// NULL), moving `*at` past it; `None` when the length is neither -1 nor a length that fits in
/// the body (what [`DataRow::decode`] refuses).
#[inline(always)]
fn next_value_in_place<'a>(body: &'a [u8], at: &mut usize) -> Option<Option<&'a [u8]>> {
    let start = at.checked_add(4)?;
    let word: [u8; 4] = body.get(*at..start)?.try_into().ok()?;
    let len = i32::from_be_bytes(word);
    if len == -1 {
        *at = start;
        return Some(None);
    }
    let end = start.checked_add(usize::try_from(len).ok()?)?;
    let value = body.get(start..end)?;
    *at = end;
    Some(Some(value))
}

/// Whether the `left` values from `at` on, and nothing after them, make up the rest of a
/// DataRow `body` (see [`next_value_in_place`]).
#[cold]
fn rest_well_formed(body: &[u8], mut at: usize, left: usize) -> bool {
    for _ in 0..left {
        if next_value_in_place(body, &mut at).is_none() {
            return false;
        }
    }
    at == body.len()
}

/// The error for a row of `len` columns loaded into a tuple of `count`.
#[inline]
fn check_tuple_len(len: usize, count: usize) -> Result<(), Error> {
    if len == count { Ok(()) } else { Err(tuple_len_error(len, count)) }
}

#[cold]
fn tuple_len_error(len: usize, count: usize) -> Error {
    Error::conversion(format!("a row of {len} columns cannot be loaded into a tuple of {count}"))
}

/// Implements `FromRow` for a tuple, by position.
macro_rules! tuple_from_row {
    ($count:literal: $($ty:ident $i:tt),+) => {
        impl<$($ty),+> FromRow for ($($ty,)+)
        where
            $($ty: for<'a> Loader<'a>,)+
        {
            fn from_row(row: &Row) -> Result<Self, Error> {
                check_tuple_len(row.len(), $count)?;
                Ok(($(row.try_get::<usize, $ty>($i)?,)+))
            }

            fn from_data_row(columns: &Arc<Columns>, data: DataRow) -> Result<Self, Error> {
                check_tuple_len(columns.len(), $count)?;
                if data.len() != $count {
                    return Err(Error::protocol(format!(
                        "DataRow has {} values for {} columns",
                        data.len(),
                        $count
                    )));
                }
                let body = data.body();
                let cols = columns.as_slice();
                // The values start after the Int16 column count; DataRow::decode checked the
                // lengths, and `next_value` checks them again rather than trust them.
                let mut at = 2;
                Ok(($({
                    let column = cols.get($i).ok_or_else(|| Error::protocol("missing column"))?;
                    let raw = next_value(body, &mut at)?;
                    load_column::<$ty>(&columns.types, column, raw)?
                },)+))
            }

            /// Walks the body once, checking it as [`DataRow::decode`] does on the way: the
            /// count, each length, nothing after the last value. A load error is returned only
            /// for a well-formed row (else the usual path reports the malformed row instead,
            /// as it would have before loading anything).
            const READS_IN_PLACE: bool = true;

            #[inline]
            fn from_data_row_in_place(
                columns: &Arc<Columns>,
                body: &[u8],
            ) -> Option<Result<Self, Error>> {
                let cols = columns.as_slice();
                if cols.len() != $count {
                    return None;
                }
                let (count, _) = body.split_first_chunk::<2>()?;
                if i16::from_be_bytes(*count) != $count {
                    return None;
                }
                let mut at = 2;
                let row = ($({
                    let column = cols.get($i)?;
                    let raw = next_value_in_place(body, &mut at)?;
                    match load_column::<$ty>(&columns.types, column, raw) {
                        Ok(value) => value,
                        Err(e) => {
                            return rest_well_formed(body, at, $count - $i - 1).then_some(Err(e));
                        }
                    }
                },)+);
                (at == body.len()).then_some(Ok(row))
            }
        }
    };
}

tuple_from_row!(1: A 0);
tuple_from_row!(2: A 0, B 1);
tuple_from_row!(3: A 0, B 1, C 2);
tuple_from_row!(4: A 0, B 1, C 2, D 3);
tuple_from_row!(5: A 0, B 1, C 2, D 3, E 4);
tuple_from_row!(6: A 0, B 1, C 2, D 3, E 4, F 5);
tuple_from_row!(7: A 0, B 1, C 2, D 3, E 4, F 5, G 6);
tuple_from_row!(8: A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);
tuple_from_row!(9: A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8);
tuple_from_row!(10: A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9);
tuple_from_row!(11: A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10);
tuple_from_row!(12: A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11);
tuple_from_row!(13: A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12);
tuple_from_row!(14: A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12, N 13);
tuple_from_row!(15: A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12, N 13, O 14);
tuple_from_row!(16: A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12, N 13, O 14, P 15);
