//! [`Array`]: PostgreSQL arrays of any number of dimensions, and the array [`Loader`]s and
//! [`Dumper`]s of `Vec<T>`, `[T]` and `[T; N]`.
//!
//! # Wire formats
//!
//! Binary (`array_send` / `array_recv`): `int32` number of dimensions (0 to 6), `int32` flags
//! (1 when some element is NULL), the element type OID, then per dimension an `int32` length and
//! an `int32` lower bound, then every element in row-major order as an `int32` length (-1 for
//! NULL) and its bytes.
//!
//! Text (`array_out` / `array_in`): `{1,2,NULL}`, `{{1,2},{3,4}}`, with a `[lower:upper]...=`
//! prefix when a lower bound is not 1 (`[0:1]={a,b}`). An element is double-quoted when it is
//! empty, is `NULL` (any case), or holds a brace, a quote, a backslash, the delimiter or white
//! space; inside quotes (and outside them) a backslash takes the next character literally.
//!
//! How text-format elements that need unescaping are loaded is explained on [`Array`]
//! ("Borrowing text elements").
//!
//! Invariant: nothing here panics on any input bytes, and nothing is allocated from a length
//! read off the wire before that length is checked against the bytes that remain.

use std::borrow::Cow;

use bytes::{BufMut, BytesMut};

use super::loader::type_label;
use super::oid;
use super::oid::FIRST_NORMAL_OID;
use super::{AdaptersMap, Dumper, IsNull, Loader};
use crate::Error;
use crate::protocol::{Format, Oid};

/// The largest number of dimensions PostgreSQL allows (`MAXDIM`).
pub const MAX_DIMENSIONS: usize = 6;

/// One dimension of an [`Array`]: its length and the index of its first element.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Dimension {
    /// The number of elements along this dimension.
    pub len: usize,
    /// The index of the first element (1 unless the array was built otherwise).
    pub lower_bound: i32,
}

impl Dimension {
    /// A dimension of `len` elements starting at index 1 (PostgreSQL's default).
    pub const fn new(len: usize) -> Self {
        Self { len, lower_bound: 1 }
    }

    /// A dimension of `len` elements starting at index `lower_bound`.
    pub const fn with_lower_bound(len: usize, lower_bound: i32) -> Self {
        Self { len, lower_bound }
    }

    /// The index of the last element (`lower_bound + len - 1`), computed without overflow.
    pub fn upper_bound(&self) -> i64 {
        i64::from(self.lower_bound) + self.len as i64 - 1
    }
}

/// A PostgreSQL array: dimensions (each a length and a lower bound) and the elements in
/// row-major order.
///
/// - 0 dimensions is the empty array (`'{}'`); PostgreSQL has no empty array with dimensions,
///   so [`Array::new`] turns dimensions of total length 0 into none.
/// - Up to [`MAX_DIMENSIONS`] (6) dimensions; every sub-array of a dimension has the same
///   length (arrays are rectangular).
/// - Lower bounds other than 1 are kept (`'[0:2]={1,2,3}'`).
/// - NULL elements need an `Option` element type: `Array<Option<i32>>`.
///
/// # Borrowing text elements
///
/// An array loads into `Array<T>` / `Vec<T>` / `[T; N]` for any `T: Loader<'a>`, so elements
/// can borrow from the row (`Vec<&str>`). That always works in binary, which is how the
/// extended protocol reads every result. In text (the simple query protocol), an element
/// written with backslash escapes (a string holding `"` or `\`, or any `bytea`) has to be
/// unescaped into a new buffer, which cannot be lent for the row's lifetime, and a generic
/// loader cannot tell an owning `T` from a borrowing one: loading such an element is an error
/// that points to [`Array::load_owned`], which unescapes for element types that own their data
/// (`T: for<'b> Loader<'b>`, such as `String` or `Vec<u8>`).
///
/// Loaded from any built-in array type whose element type `T` accepts, and from any array type
/// that is not built in (arrays of enums, composites, domains) whose binary element OID `T`
/// accepts. Sent in binary as the array type of the elements' type (`int4[]` for `i32`), or as
/// a text literal of unspecified type when the elements are strings (see the `Dumper`
/// implementation).
///
/// ```
/// use pgtusk::types::{Array, Dimension};
///
/// let a = Array::new(
///     vec![Dimension::new(2), Dimension::with_lower_bound(3, 0)],
///     vec![1, 2, 3, 4, 5, 6],
/// )?;
/// assert_eq!(a.dimensions()[1].lower_bound, 0);
/// assert_eq!(a.elements(), &[1, 2, 3, 4, 5, 6]);
/// assert!(Array::new(vec![Dimension::new(4)], vec![1, 2, 3]).is_err()); // 4 != 3 elements
///
/// let v = Array::from_vec(vec!["a", "b"]);
/// assert_eq!(v.dimensions(), &[Dimension::new(2)]);
/// assert_eq!(v.into_elements(), vec!["a", "b"]);
/// # Ok::<(), pgtusk::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Array<T> {
    dims: Vec<Dimension>,
    elements: Vec<T>,
}

impl<T> Default for Array<T> {
    fn default() -> Self {
        Self { dims: Vec::new(), elements: Vec::new() }
    }
}

impl<T> Array<T> {
    /// A one-dimensional array with lower bound 1 (or the empty array, for an empty `Vec`).
    ///
    /// The length must fit PostgreSQL's `int32` when the array is sent; sending a longer one
    /// is an error.
    pub fn from_vec(elements: Vec<T>) -> Self {
        let dims =
            if elements.is_empty() { Vec::new() } else { vec![Dimension::new(elements.len())] };
        Self { dims, elements }
    }

    /// An array of these dimensions and elements (row-major order).
    ///
    /// Fails when there are more than [`MAX_DIMENSIONS`] dimensions, when the lengths'
    /// product is not the number of elements (or overflows), when a length does not fit an
    /// `int32`, or when an upper bound would pass `i32::MAX`. Dimensions whose product is 0
    /// (with no elements) give the empty array.
    pub fn new(dims: Vec<Dimension>, elements: Vec<T>) -> Result<Self, Error> {
        let count = check_dimensions(&dims)?;
        if count != elements.len() {
            return Err(Error::conversion(format!(
                "the array dimensions hold {count} elements, but {} were given",
                elements.len()
            )));
        }
        if elements.is_empty() {
            return Ok(Self::default());
        }
        Ok(Self { dims, elements })
    }

    /// The dimensions, outermost first (none for the empty array).
    pub fn dimensions(&self) -> &[Dimension] {
        &self.dims
    }

    /// The elements in row-major order (the last index varies fastest).
    pub fn elements(&self) -> &[T] {
        &self.elements
    }

    /// The elements in row-major order, mutably (the shape cannot change).
    pub fn elements_mut(&mut self) -> &mut [T] {
        &mut self.elements
    }

    /// The elements in row-major order, dropping the dimensions.
    pub fn into_elements(self) -> Vec<T> {
        self.elements
    }

    /// The dimensions and the elements.
    pub fn into_parts(self) -> (Vec<Dimension>, Vec<T>) {
        (self.dims, self.elements)
    }

    /// The number of elements.
    pub fn len(&self) -> usize {
        self.elements.len()
    }

    /// True for the empty array.
    pub fn is_empty(&self) -> bool {
        self.elements.is_empty()
    }
}

impl<T> From<Vec<T>> for Array<T> {
    fn from(elements: Vec<T>) -> Self {
        Self::from_vec(elements)
    }
}

/// Checks dimensions as PostgreSQL does and returns the number of elements they hold.
fn check_dimensions(dims: &[Dimension]) -> Result<usize, Error> {
    if dims.len() > MAX_DIMENSIONS {
        return Err(Error::conversion(format!(
            "an array has at most {MAX_DIMENSIONS} dimensions, got {}",
            dims.len()
        )));
    }
    let mut count: usize = 1;
    for d in dims {
        if i32::try_from(d.len).is_err() || d.upper_bound() >= i64::from(i32::MAX) {
            return Err(Error::conversion(format!(
                "array dimension of length {} from {} is out of range",
                d.len, d.lower_bound
            )));
        }
        count = count
            .checked_mul(d.len)
            .ok_or_else(|| Error::conversion("the array dimensions overflow"))?;
    }
    Ok(if dims.is_empty() { 0 } else { count })
}

// ---------------------------------------------------------------------------------------------
// A bounds-checked reader for binary values (shared with ranges)

/// A cursor over a binary value: every read checks the remaining length.
pub(crate) struct Reader<'a>(pub(crate) &'a [u8]);

impl<'a> Reader<'a> {
    fn truncated() -> Error {
        Error::conversion("the binary value is truncated")
    }

    /// The next `n` bytes.
    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], Error> {
        if n > self.0.len() {
            return Err(Self::truncated());
        }
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        Ok(head)
    }

    pub(crate) fn u8(&mut self) -> Result<u8, Error> {
        let (&b, tail) = self.0.split_first().ok_or_else(Self::truncated)?;
        self.0 = tail;
        Ok(b)
    }

    pub(crate) fn i32(&mut self) -> Result<i32, Error> {
        let bytes = self.take(4)?;
        bytes.try_into().map(i32::from_be_bytes).map_err(|_| Self::truncated())
    }

    /// An `int32` length (-1 for NULL) and that many bytes.
    pub(crate) fn value(&mut self) -> Result<Option<&'a [u8]>, Error> {
        match self.i32()? {
            -1 => Ok(None),
            n => {
                let n = usize::try_from(n)
                    .map_err(|_| Error::conversion(format!("invalid value length {n}")))?;
                self.take(n).map(Some)
            }
        }
    }

    pub(crate) fn remaining(&self) -> usize {
        self.0.len()
    }

    /// Fails if bytes are left over.
    pub(crate) fn finish(&self) -> Result<(), Error> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Error::conversion(format!("{} unexpected bytes after the value", self.0.len())))
        }
    }
}

/// Writes an `int32` length placeholder, runs `write` and back-patches the length of what it
/// wrote (-1, with nothing written, for NULL). Returns whether the value was NULL.
pub(crate) fn write_value(
    buf: &mut BytesMut,
    write: impl FnOnce(&mut BytesMut) -> Result<IsNull, Error>,
) -> Result<IsNull, Error> {
    let at = buf.len();
    buf.put_i32(0);
    let is_null = write(buf)?;
    let len = match is_null {
        IsNull::Yes => {
            buf.truncate(at + 4);
            -1
        }
        IsNull::No => i32::try_from(buf.len() - at - 4)
            .map_err(|_| Error::conversion("a value is longer than 2 GiB"))?,
    };
    if let Some(slot) = buf.get_mut(at..at + 4) {
        slot.copy_from_slice(&len.to_be_bytes());
    }
    Ok(is_null)
}

// ---------------------------------------------------------------------------------------------
// Loading

/// Whether a column of type `oid` can be an array of `T`.
fn accepts_array<'a, T: Loader<'a>>(types: &AdaptersMap, type_oid: Oid) -> bool {
    match oid::element_type(type_oid) {
        Some(element) => T::accepts_with(types, element),
        None => type_oid >= FIRST_NORMAL_OID,
    }
}

fn not_an_array(type_oid: Oid) -> Error {
    Error::conversion(format!("{} is not accepted as an array", type_label(type_oid)))
}

/// Adds the element's position to an element's error.
fn element_context<T>(index: usize, r: Result<T, Error>) -> Result<T, Error> {
    r.map_err(|e| e.conversion_context(format_args!("array element {}", index + 1)))
}

/// Loads an element with `T`'s loader (`None` is NULL).
fn load_element<'a, T: Loader<'a>>(
    types: &AdaptersMap,
    element: Oid,
    format: Format,
    raw: Option<&'a [u8]>,
) -> Result<T, Error> {
    match raw {
        Some(raw) => T::load_with(types, element, format, raw),
        None => T::load_null(element),
    }
}

/// Decodes the binary form (`array_recv`) with `T`'s loader.
fn load_binary<'a, T: Loader<'a>>(
    types: &AdaptersMap,
    type_oid: Oid,
    raw: &'a [u8],
) -> Result<Array<T>, Error> {
    load_binary_with(
        type_oid,
        raw,
        |e| T::accepts_with(types, e),
        |e, f, v| load_element(types, e, f, v),
    )
}

/// Decodes the binary form (`array_recv`), accepting the element type with `accepts` and
/// building each element with `load` (element type, format, bytes or `None` for NULL).
fn load_binary_with<'a, T>(
    type_oid: Oid,
    raw: &'a [u8],
    accepts: impl Fn(Oid) -> bool,
    mut load: impl FnMut(Oid, Format, Option<&'a [u8]>) -> Result<T, Error>,
) -> Result<Array<T>, Error> {
    let mut r = Reader(raw);
    let ndim = r.i32()?;
    let ndim = usize::try_from(ndim)
        .ok()
        .filter(|&n| n <= MAX_DIMENSIONS)
        .ok_or_else(|| Error::conversion(format!("invalid number of array dimensions {ndim}")))?;
    let flags = r.i32()?;
    if flags != 0 && flags != 1 {
        return Err(Error::conversion(format!("invalid array flags {flags}")));
    }
    let element = u32::from_be_bytes(r.i32()?.to_be_bytes());
    if let Some(expected) = oid::element_type(type_oid)
        && expected != element
    {
        return Err(Error::conversion(format!(
            "{} holds elements of {}",
            type_label(type_oid),
            type_label(element)
        )));
    }
    if !accepts(element) {
        return Err(Error::conversion(format!(
            "array elements of {} are not accepted",
            type_label(element)
        )));
    }
    let mut dims = Vec::with_capacity(ndim);
    for _ in 0..ndim {
        let len = r.i32()?;
        let lower_bound = r.i32()?;
        let len = usize::try_from(len)
            .map_err(|_| Error::conversion(format!("invalid array dimension length {len}")))?;
        dims.push(Dimension { len, lower_bound });
    }
    let count = check_dimensions(&dims)?;
    // Every element takes at least its 4-byte length: a count the input cannot hold is
    // refused before anything is allocated for it.
    if count > r.remaining() / 4 {
        return Err(Error::conversion(format!(
            "the array claims {count} elements but holds only {} bytes",
            r.remaining()
        )));
    }
    let mut elements = Vec::with_capacity(count);
    for index in 0..count {
        let value = r.value()?;
        elements.push(element_context(index, load(element, Format::Binary, value))?);
    }
    r.finish()?;
    if count == 0 {
        dims.clear();
    }
    Ok(Array { dims, elements })
}

/// Decodes an array in either format, building each element with `load` (element type,
/// format, bytes or `None` for NULL). Text elements are unescaped into temporary buffers, so
/// `load` keeps copies. `text_element` is the element type of a text-format array whose type
/// is not a built-in array type (a registered one, say).
pub(crate) fn load_array_with<T>(
    type_oid: Oid,
    format: Format,
    raw: &[u8],
    text_element: Option<Oid>,
    accepts: impl Fn(Oid) -> bool,
    mut load: impl FnMut(Oid, Format, Option<&[u8]>) -> Result<T, Error>,
) -> Result<Array<T>, Error> {
    match format {
        Format::Binary => load_binary_with(type_oid, raw, accepts, &mut load),
        Format::Text => {
            let (element, delimiter) = match text_element {
                Some(e) if oid::element_type(type_oid).is_none() => (e, delimiter_of(e)),
                _ => self::text_element(type_oid)?,
            };
            let parsed = text::parse(raw, delimiter)?;
            let elements = parsed
                .elements
                .into_iter()
                .enumerate()
                .map(|(index, value)| {
                    element_context(index, load(element, Format::Text, value.as_deref()))
                })
                .collect::<Result<Vec<T>, Error>>()?;
            Ok(Array { dims: parsed.dims, elements })
        }
    }
}

/// The element type and delimiter of a text-format array of type `type_oid`.
fn text_element(type_oid: Oid) -> Result<(Oid, u8), Error> {
    let element = oid::element_type(type_oid).ok_or_else(|| {
        Error::conversion(format!(
            "the element type of {} is unknown in text format; read the array in binary",
            type_label(type_oid)
        ))
    })?;
    Ok((element, delimiter_of(element)))
}

/// The array delimiter of an element type: `box` is the only built-in type whose delimiter is
/// not a comma.
fn delimiter_of(element: Oid) -> u8 {
    if element == oid::BOX { b';' } else { b',' }
}

/// Decodes the text form, borrowing every element from `raw`.
fn load_text<'a, T: Loader<'a>>(
    types: &AdaptersMap,
    type_oid: Oid,
    raw: &'a [u8],
) -> Result<Array<T>, Error> {
    let (element, delimiter) = text_element(type_oid)?;
    let parsed = text::parse(raw, delimiter)?;
    let elements = parsed
        .elements
        .into_iter()
        .enumerate()
        .map(|(index, value)| match value {
            None => element_context(index, load_element(types, element, Format::Text, None)),
            Some(Cow::Borrowed(b)) => {
                element_context(index, load_element(types, element, Format::Text, Some(b)))
            }
            Some(Cow::Owned(_)) => Err(Error::conversion(format!(
                "array element {} is written with backslash escapes in text format, so it \
                 cannot be borrowed from the row; read the array in binary (the extended \
                 protocol does) or load it with Array::load_owned",
                index + 1
            ))),
        })
        .collect::<Result<Vec<T>, Error>>()?;
    Ok(Array { dims: parsed.dims, elements })
}

impl<T> Array<T> {
    /// Loads an array in either format where the elements own their data, unescaping text
    /// elements as needed.
    ///
    /// This is the way to read a text-format array (from the simple query protocol) whose
    /// elements are written with backslash escapes, which the `Loader` cannot lend for the
    /// row's lifetime (see [Borrowing text elements](Array#borrowing-text-elements)).
    ///
    /// ```
    /// use pgtusk::protocol::Format;
    /// use pgtusk::types::{oid, Array, Loader};
    ///
    /// let raw = br#"{"say \"hi\"",plain,NULL}"#;
    /// assert!(Vec::<Option<&str>>::load(oid::TEXT_ARRAY, Format::Text, raw).is_err());
    /// let a = Array::<Option<String>>::load_owned(oid::TEXT_ARRAY, Format::Text, raw)?;
    /// assert_eq!(a.elements(), &[Some("say \"hi\"".to_owned()), Some("plain".into()), None]);
    /// # Ok::<(), pgtusk::Error>(())
    /// ```
    pub fn load_owned(type_oid: Oid, format: Format, raw: &[u8]) -> Result<Self, Error>
    where
        T: for<'b> Loader<'b>,
    {
        let types = AdaptersMap::global();
        if !accepts_array::<T>(types, type_oid) {
            return Err(not_an_array(type_oid));
        }
        load_array_with(
            type_oid,
            format,
            raw,
            None,
            |e| T::accepts_with(types, e),
            |e, f, v| load_element(types, e, f, v),
        )
    }
}

/// From a built-in array type whose element type `T` accepts, or from an array type that is
/// not built in (in binary: its header's element OID must be accepted by `T`). Text-format
/// elements are borrowed from the row; see [Borrowing text elements](Array#borrowing-text-elements)
/// for escaped ones.
impl<'a, T: Loader<'a>> Loader<'a> for Array<T> {
    fn accepts(oid: Oid) -> bool {
        Self::accepts_with(AdaptersMap::global(), oid)
    }
    fn load(oid: Oid, format: Format, raw: &'a [u8]) -> Result<Self, Error> {
        Self::load_with(AdaptersMap::global(), oid, format, raw)
    }
    fn accepts_with(types: &AdaptersMap, oid: Oid) -> bool {
        accepts_array::<T>(types, oid)
    }
    fn load_with(
        types: &AdaptersMap,
        oid: Oid,
        format: Format,
        raw: &'a [u8],
    ) -> Result<Self, Error> {
        if !accepts_array::<T>(types, oid) {
            return Err(not_an_array(oid));
        }
        match format {
            Format::Binary => load_binary(types, oid, raw),
            Format::Text => load_text(types, oid, raw),
        }
    }
}

/// From a one-dimensional or empty array (as [`Array<T>`] accepts it; the lower bound is
/// dropped). A multi-dimensional array is an error: load it into an `Array<T>`.
impl<'a, T: Loader<'a>> Loader<'a> for Vec<T> {
    fn accepts(oid: Oid) -> bool {
        Array::<T>::accepts(oid)
    }
    fn load(oid: Oid, format: Format, raw: &'a [u8]) -> Result<Self, Error> {
        Self::load_with(AdaptersMap::global(), oid, format, raw)
    }
    fn accepts_with(types: &AdaptersMap, oid: Oid) -> bool {
        Array::<T>::accepts_with(types, oid)
    }
    fn load_with(
        types: &AdaptersMap,
        oid: Oid,
        format: Format,
        raw: &'a [u8],
    ) -> Result<Self, Error> {
        let array = Array::<T>::load_with(types, oid, format, raw)?;
        if array.dims.len() > 1 {
            return Err(Error::conversion(format!(
                "a {}-dimensional array does not fit a Vec; load it into an Array",
                array.dims.len()
            )));
        }
        Ok(array.elements)
    }
}

/// From a one-dimensional array of exactly `N` elements (the empty array when `N` is 0).
impl<'a, T: Loader<'a>, const N: usize> Loader<'a> for [T; N] {
    fn accepts(oid: Oid) -> bool {
        Array::<T>::accepts(oid)
    }
    fn load(oid: Oid, format: Format, raw: &'a [u8]) -> Result<Self, Error> {
        Self::load_with(AdaptersMap::global(), oid, format, raw)
    }
    fn accepts_with(types: &AdaptersMap, oid: Oid) -> bool {
        Array::<T>::accepts_with(types, oid)
    }
    fn load_with(
        types: &AdaptersMap,
        oid: Oid,
        format: Format,
        raw: &'a [u8],
    ) -> Result<Self, Error> {
        let elements = Vec::<T>::load_with(types, oid, format, raw)?;
        let len = elements.len();
        elements.try_into().map_err(|_| {
            Error::conversion(format!("an array of {len} elements does not fit [T; {N}]"))
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Dumping

/// How an array is sent, decided by its elements' type OIDs and formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Plan {
    /// Binary `array_send` form, of type `array` (0: let the server infer it).
    Binary { element: Oid, array: Oid },
    /// The text literal, of type `array` (0: let the server infer it).
    Text { element: Oid, array: Oid },
}

impl Plan {
    fn array_oid(self) -> Oid {
        match self {
            Plan::Binary { array, .. } | Plan::Text { array, .. } => array,
        }
    }

    fn format(self) -> Format {
        match self {
            Plan::Binary { .. } => Format::Binary,
            Plan::Text { .. } => Format::Text,
        }
    }
}

/// The plan for sending `elements`: the first element that names a type or a text format
/// decides (a NULL `Option` names neither); without one (empty, all NULL), the text literal
/// of unspecified type.
fn plan<T: Dumper>(elements: &[T]) -> Plan {
    let first = elements
        .iter()
        .map(|e| (e.type_oid(), e.format()))
        .find(|&kind| kind != (0, Format::Binary));
    let array_of =
        |element: Oid| if element == 0 { 0 } else { oid::array_type(element).unwrap_or(0) };
    match first {
        None => Plan::Text { element: 0, array: 0 },
        Some((element, Format::Binary)) => Plan::Binary { element, array: array_of(element) },
        Some((element, Format::Text)) => Plan::Text { element, array: array_of(element) },
    }
}

/// Writes an array of these dimensions (already checked) and elements.
fn dump_array<T: Dumper>(
    dims: &[Dimension],
    elements: &[T],
    buf: &mut BytesMut,
) -> Result<IsNull, Error> {
    check_dimensions(dims)?;
    match plan(elements) {
        Plan::Binary { element, array } => {
            if array == 0 && element < FIRST_NORMAL_OID {
                return Err(no_array_type(element));
            }
            dump_binary(dims, elements, element, buf)?;
        }
        Plan::Text { element, .. } => {
            if !elements.is_empty() {
                write_bounds(dims, buf);
            }
            let mut scratch = BytesMut::new();
            dump_text(dims, elements, Some(element), buf, &mut scratch)?;
        }
    }
    Ok(IsNull::No)
}

fn no_array_type(element: Oid) -> Error {
    if oid::element_type(element).is_some() {
        Error::conversion(
            "an array of arrays cannot be sent: PostgreSQL arrays are rectangular; send an \
             Array with several dimensions",
        )
    } else {
        Error::conversion(format!("{} has no array type", type_label(element)))
    }
}

fn mixed_elements(index: usize, got: (Oid, Format), expected: (Oid, Format)) -> Error {
    Error::conversion(format!(
        "array element {} is {} in {:?} format but an earlier one is {} in {:?} format",
        index + 1,
        type_label(got.0),
        got.1,
        type_label(expected.0),
        expected.1
    ))
}

/// The binary form (`array_send`).
fn dump_binary<T: Dumper>(
    dims: &[Dimension],
    elements: &[T],
    element: Oid,
    buf: &mut BytesMut,
) -> Result<(), Error> {
    buf.put_i32(dims.len() as i32); // at most MAX_DIMENSIONS
    let flags_at = buf.len();
    buf.put_i32(0);
    buf.put_u32(element);
    for d in dims {
        buf.put_i32(d.len as i32); // checked to fit
        buf.put_i32(d.lower_bound);
    }
    let mut has_null = false;
    for (index, e) in elements.iter().enumerate() {
        let kind = (e.type_oid(), e.format());
        // A NULL `Option` reports no type: it may sit among any elements.
        if kind != (element, Format::Binary) && kind != (0, Format::Binary) {
            return Err(mixed_elements(index, kind, (element, Format::Binary)));
        }
        // An element of unspecified type that writes a value (an empty range) is sent as the
        // array's element type, as the server would type it from the context.
        let is_null = write_value(buf, |buf| e.dump(buf))
            .map_err(|err| err.conversion_context(format_args!("array element {}", index + 1)))?;
        has_null |= is_null == IsNull::Yes;
    }
    if has_null && let Some(slot) = buf.get_mut(flags_at..flags_at + 4) {
        slot.copy_from_slice(&1_i32.to_be_bytes());
    }
    Ok(())
}

/// The `[lower:upper]...=` prefix, when some lower bound is not 1.
fn write_bounds(dims: &[Dimension], buf: &mut BytesMut) {
    use std::fmt::Write as _;
    if dims.iter().all(|d| d.lower_bound == 1) {
        return;
    }
    let mut s = String::new();
    for d in dims {
        let _ = write!(s, "[{}:{}]", d.lower_bound, d.upper_bound());
    }
    s.push('=');
    buf.put_slice(s.as_bytes());
}

/// The text literal's braces and elements, every non-NULL element quoted. `element`, when
/// given, is the type every element must have in text format (a text dump); otherwise
/// elements write their text forms ([`Dumper::dump_text`]) whatever they are.
fn dump_text<T: Dumper>(
    dims: &[Dimension],
    elements: &[T],
    element: Option<Oid>,
    buf: &mut BytesMut,
    scratch: &mut BytesMut,
) -> Result<(), Error> {
    buf.put_u8(b'{');
    match dims {
        [] | [_] => {
            for (index, e) in elements.iter().enumerate() {
                if index > 0 {
                    buf.put_u8(b',');
                }
                dump_text_element(e, element, buf, scratch).map_err(|err| {
                    err.conversion_context(format_args!("array element {}", index + 1))
                })?;
            }
        }
        [outer, inner @ ..] => {
            // Each of the `outer.len` sub-arrays holds the same number of elements.
            let size = elements.len().checked_div(outer.len).unwrap_or(0).max(1);
            for (i, chunk) in elements.chunks(size).enumerate() {
                if i > 0 {
                    buf.put_u8(b',');
                }
                dump_text(inner, chunk, element, buf, scratch)?;
            }
        }
    }
    buf.put_u8(b'}');
    Ok(())
}

/// One element of the text literal: `NULL`, or the element's text in double quotes with `"`
/// and `\` escaped by a backslash.
fn dump_text_element<T: Dumper>(
    e: &T,
    element: Option<Oid>,
    buf: &mut BytesMut,
    scratch: &mut BytesMut,
) -> Result<(), Error> {
    let kind = (e.type_oid(), e.format());
    if let Some(element) = element
        && kind != (element, Format::Text)
        && kind != (0, Format::Binary)
    {
        return Err(Error::conversion(format!(
            "an element of {} in {:?} format cannot join an array of text elements of {}",
            type_label(kind.0),
            kind.1,
            type_label(element)
        )));
    }
    scratch.clear();
    if e.dump_text(scratch)? == IsNull::Yes {
        buf.put_slice(b"NULL");
        return Ok(());
    }
    write_quoted(scratch, buf);
    Ok(())
}

/// The text form of an array of these dimensions and elements, for nesting in a text
/// container (a composite's literal, say): every element in its text form.
fn dump_array_text<T: Dumper>(
    dims: &[Dimension],
    elements: &[T],
    buf: &mut BytesMut,
) -> Result<IsNull, Error> {
    check_dimensions(dims)?;
    if !elements.is_empty() {
        write_bounds(dims, buf);
    }
    dump_text(dims, elements, None, buf, &mut BytesMut::new())?;
    Ok(IsNull::No)
}

/// `text` in double quotes, with `"` and `\` escaped by a backslash.
pub(crate) fn write_quoted(text: &[u8], buf: &mut BytesMut) {
    buf.reserve(text.len() + 2);
    buf.put_u8(b'"');
    for &c in text {
        if c == b'"' || c == b'\\' {
            buf.put_u8(b'\\');
        }
        buf.put_u8(c);
    }
    buf.put_u8(b'"');
}

/// Calls `f` with the dimensions of a one-dimensional array of `elements` (none when empty).
fn as_list<T, R>(elements: &[T], f: impl FnOnce(&[Dimension], &[T]) -> R) -> R {
    let dim = [Dimension::new(elements.len())];
    f(if elements.is_empty() { &[] } else { &dim }, elements)
}

/// Implements `Dumper` for a one-dimensional array container.
macro_rules! list_dumper {
    ($(#[$doc:meta])* [$($gen:tt)*] $ty:ty) => {
        $(#[$doc])*
        impl<$($gen)*> Dumper for $ty {
            fn type_oid(&self) -> Oid {
                plan(self.as_ref()).array_oid()
            }
            fn format(&self) -> Format {
                plan(self.as_ref()).format()
            }
            fn dump(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
                as_list(self.as_ref(), |dims, elements| dump_array(dims, elements, buf))
            }
            fn dump_text(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
                as_list(self.as_ref(), |dims, elements| dump_array_text(dims, elements, buf))
            }
        }
    };
}

list_dumper! {
    /// A one-dimensional array (lower bound 1), or `'{}'` when empty. Sent in binary as the
    /// array type of the elements' type when they are sent in binary with a type that has one
    /// (`int4[]` for `i32`); as a text literal (`{"a","b"}`) when they are sent as text, of the
    /// array type of their type or of unspecified type (OID 0) for strings, so the server infers
    /// it from the context (`WHERE id = ANY($1)` with a `Vec<&str>` fills a `uuid[]`). An empty
    /// or all-NULL array has no element type to name and goes as text of unspecified type.
    ///
    /// Every non-NULL element must report the same type and format, and an element type that
    /// is itself an array (`Vec<Vec<i32>>`) is an error: send an [`Array`] with two
    /// dimensions. Binary elements of a type that is not built in (OID 16384 or more) are sent
    /// as a binary array of unspecified type whose header names the element type. Elements of
    /// unspecified type written in binary (empty ranges) take the type the other elements
    /// name; when none names one (`vec![Range::<i32>::empty()]`), the array goes as a text
    /// literal of unspecified type, each element in its text form (`{"empty"}`).
    [T: Dumper] [T]
}
list_dumper! {
    /// Sent as `[T]` is sent.
    [T: Dumper] Vec<T>
}
list_dumper! {
    /// Sent as `[T]` is sent.
    [T: Dumper, const N: usize] [T; N]
}

/// Sent as `[T]` is (see there), with its dimensions and lower bounds.
impl<T: Dumper> Dumper for Array<T> {
    fn type_oid(&self) -> Oid {
        plan(&self.elements).array_oid()
    }
    fn format(&self) -> Format {
        plan(&self.elements).format()
    }
    fn dump(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
        dump_array(&self.dims, &self.elements, buf)
    }
    fn dump_text(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
        dump_array_text(&self.dims, &self.elements, buf)
    }
}

// ---------------------------------------------------------------------------------------------
// The text form's parser

mod text;

#[cfg(test)]
mod tests;
