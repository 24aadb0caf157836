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
//! Invariant: this module does no IO, and nothing in it panics on data from the server except
//! the accessors documented to panic ([`Row::get`], [`Row::raw`], [`Row::get_bytes`]), which do
//! so exactly where their `try_` forms return an error.

mod adapters;
mod array;
mod bits;
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
mod system;
mod text_search;
mod uuid;
mod value;
mod xml;

#[cfg(test)]
mod tests;

// One list of everything this module offers.
pub use adapters::{AdaptersMap, TypeInfo, TypeKind, ValueLoader};
pub use array::{Array, Dimension, MAX_DIMENSIONS};
pub use bits::BitVec;
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
