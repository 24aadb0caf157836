//! Type adaptation between PostgreSQL values and Rust values: [`Dumper`] for parameters,
//! [`Loader`] for results, [`Row`] and [`FromRow`] for reading rows, [`Params`] for parameter
//! lists.
//!
//! The names come from psycopg 3's adaptation system; the shapes are Rust's.
//!
//! # Sending parameters
//!
//! A query's parameters are a tuple (up to 16), a slice, an array or a `Vec` of values that
//! implement [`Dumper`], or a list of `&dyn Dumper` / `Box<dyn Dumper>` for mixed types (see
//! [`Params`]). Each value names its PostgreSQL type and writes its bytes straight into the
//! Bind message:
//!
//! - values go in **binary** by default (`i64` as `int8`, `f64` as `float8`, `bool` as `bool`,
//!   `&[u8]` as `bytea`, ...);
//! - strings go as **text with an unspecified type** (OID 0), as psycopg sends them: the server
//!   infers the type from the context, so `"2024-01-31"` fills a `date` column and `"42"` an
//!   `int4` one;
//! - `None` is SQL NULL, also with an unspecified type (cast it in SQL where the context does
//!   not fix the type: `$1::int8`).
//!
//! # Reading results
//!
//! [`Row::get`] (or [`Row::try_get`]) loads a column, by position or by name, into any
//! [`Loader`]:
//!
//! - results arrive in binary wherever a loader exists, and in text from the simple query
//!   protocol: every loader reads both;
//! - integers load into any Rust integer wide enough for the value (`int2` into `i64` always
//!   works, `int8` into `i16` works when the value fits) and never truncate;
//! - `&str` and `&[u8]` borrow from the row; `String` and `Vec<u8>` copy;
//! - SQL NULL loads only into `Option<T>`;
//! - a column that does not fit the Rust type is an
//!   [`ErrorKind::Conversion`](crate::ErrorKind::Conversion) error that names the column, its
//!   PostgreSQL type and the Rust type.
//!
//! ```
//! use std::sync::Arc;
//! use pgtusk::protocol::Format;
//! use pgtusk::protocol::backend::DataRow;
//! use pgtusk::types::{oid, Column, Columns, Row};
//!
//! let columns: Columns = [
//!     Column::new("id", oid::INT4, Format::Binary),
//!     Column::new("name", oid::TEXT, Format::Text),
//!     Column::new("note", oid::TEXT, Format::Text),
//! ]
//! .into_iter()
//! .collect();
//! let data = DataRow::new(&[Some(&7_i32.to_be_bytes()), Some(b"ann"), None])?;
//! let row = Row::new(Arc::new(columns), data)?;
//!
//! let id: i64 = row.get("id");
//! let name: &str = row.get(1);
//! let note: Option<String> = row.get("note");
//! assert_eq!((id, name, note), (7, "ann", None));
//! assert!(row.try_get::<_, String>("note").is_err()); // NULL into a non-Option
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Optional integrations
//!
//! Other crates' value types load and dump behind features of the crate's name, all off by
//! default (`pgtusk = { features = ["chrono", "rust_decimal", ...] }`). Each converts through
//! pgtusk's own type with public `TryFrom`/`From` impls (for example
//! `NaiveDate::try_from(Date)`), so the wire formats, binary and text, are the own types'.
//!
//! The date/time integrations share these rules:
//! - **±infinity** and values outside the Rust type's range are errors on load, never clamped;
//!   values outside PostgreSQL's (before 4714-11-24 BC, after 294276 for timestamps) are
//!   errors on dump.
//! - **Sub-microsecond** digits are dropped by flooring (toward the past), as for
//!   `SystemTime`: PostgreSQL rounds such digits when it parses text, but a value floored never
//!   moves into a later second, day or year, and binary has no place for them anyway.
//! - **Time zones**: an aware value is sent as its instant (PostgreSQL stores no offset) and
//!   loads in UTC (chrono's `Local`: the process's local zone); the session's `TimeZone`
//!   setting does not change a binary `timestamptz`.
//! - `time` values of `24:00:00` have no equivalent in these crates: loading one is an error.
//!
//! | feature | Rust type | PostgreSQL | notes |
//! |---|---|---|---|
//! | `chrono` | `NaiveDate` | `date` | chrono holds ±262142 years: `Date::MAX` does not load |
//! | | `NaiveTime` | `time` | a leap second (`23:59:60`) is the next second, as PostgreSQL reads `:60`; `23:59:60` is `24:00:00` |
//! | | `NaiveDateTime` | `timestamp` | leap seconds as for `NaiveTime` |
//! | | `DateTime<Utc>`, `DateTime<FixedOffset>`, `DateTime<Local>` | `timestamptz` | any `DateTime<Tz>` dumps; `FixedOffset` loads as `+00:00` |
//! | `time` | `Date`, `Time`, `PrimitiveDateTime` | `date`, `time`, `timestamp` | ±9999 years (±999999 with time's `large-dates`) |
//! | | `OffsetDateTime` | `timestamptz` | sent as its instant (the `UtcOffset` is not sent); loads with `UtcOffset::UTC` |
//! | `jiff` | `civil::Date`, `civil::Time`, `civil::DateTime` | `date`, `time`, `timestamp` | ±9999 years |
//! | | `Timestamp` | `timestamptz` | `Zoned` dumps as its instant too (no loader: the zone is not stored) |
//! | | `Span` | `interval` | years+months → months, weeks+days → days, smaller units → µs (floored); an interval whose fields differ in sign, or beyond `Span`'s limits, is an error on load |
//! | `rust_decimal` | `Decimal` | `numeric` | exact both ways: `NaN`, ±`Infinity`, a magnitude of 2^96 or more, or a nonzero digit past the 28th decimal place is an error on load; the display scale is kept (trailing zeros are dropped only where the 96-bit mantissa needs it); `-0` is sent as `0` |
//! | `serde_json` | `serde_json::Value` | `json`, `jsonb` | loads from both, in both formats; sent as `jsonb` |
//! | | `SerdeJson<T>` | `json`, `jsonb` | `T: Serialize` sent as `jsonb`; `T: Deserialize` loads (and may borrow from the row) |
//!
//! [`Json`] and [`Jsonb`] stay raw-text wrappers with or without `serde_json`: a serde-based
//! `Json<T>` would overlap with them for `T = String` (which is both `AsRef<str>` and
//! `Serialize`), so the serde wrapper is its own type, `SerdeJson`. JSON numbers follow
//! serde_json: beyond `i64`/`u64` they are read as the nearest `f64` unless the application
//! enables serde_json's `arbitrary_precision` (pgtusk enables its `float_roundtrip`, so a
//! float sent comes back identical).
//!
//! Invariant: this module does no IO, and nothing in it panics on data from the server except
//! the accessors documented to panic ([`Row::get`], [`Row::raw`], [`Row::get_bytes`]), which do
//! so exactly where their `try_` forms return an error.

mod adapters;
mod array;
mod bits;
mod compat;
mod datetime;
#[cfg(feature = "derive")]
pub mod derives;
mod dumper;
mod geo;
mod hstore;
mod json;
mod loader;
mod money;
mod net;
mod numeric;
pub mod oid;
mod params;
mod range;
pub mod record;
mod row;
mod scan;
mod system;
mod text_search;
mod uuid;
mod value;
mod xml;

#[cfg(test)]
mod tests;

// One list of everything this module offers.
pub use adapters::{AdaptersMap, TypeInfo, TypeKind, Typed, ValueLoader};
pub use array::{Array, Dimension, MAX_DIMENSIONS};
pub use bits::BitVec;
#[cfg(feature = "serde_json")]
#[cfg_attr(docsrs, doc(cfg(feature = "serde_json")))]
pub use compat::SerdeJson;
pub use datetime::{Date, Interval, Time, TimeTz, Timestamp, TimestampTz};
pub use dumper::{Dumper, IsNull};
pub use geo::{Circle, Line, LineSegment, Path, PgBox, Point, Polygon};
pub use json::{Json, Jsonb};
pub use loader::Loader;
pub(crate) use loader::type_label;
pub use money::Money;
pub use net::{IpNetwork, MacAddr, MacAddr8};
pub use numeric::Numeric;
pub use params::{BindAdapter, Params};
pub use range::{Multirange, Range};
pub use row::{Column, Columns, FromRow, Row, RowIndex};
pub use system::{Cid, PgLsn, Tid, Xid, Xid8};
pub use text_search::{Lexeme, LexemePosition, TsQuery, TsQueryItem, TsVector, Weight};
pub use uuid::Uuid;
pub use value::Value;
pub use xml::{JsonPath, Xml};
