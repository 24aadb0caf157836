//! The derive macros (feature `derive`, on by default): [`FromRow`](crate::FromRow) for
//! structs read from rows, and [`Dumper`](crate::Dumper) / [`Loader`](crate::Loader) for Rust
//! types that stand for PostgreSQL enums, composite types and domains.
//!
//! The macros are re-exported at the crate root beside the traits of the same names (as
//! serde does), so `use pgtusk::{FromRow, Dumper, Loader};` brings both. Attributes live under
//! `#[pgtusk(...)]`. The generated code names the crate `::pgtusk`; a crate that re-exports
//! pgtusk under another path says so with `#[pgtusk(crate = "my_db::pgtusk")]`.
//!
//! # `FromRow`
//!
//! A struct with named fields loads each field from the column of the same name (matched as
//! [`Row::try_get`](crate::Row::try_get) matches names); a tuple struct loads its fields by
//! position and needs exactly as many columns. A column that is missing, NULL into a
//! non-`Option`, or of a type the field does not accept is an error naming the column.
//!
//! | attribute | on | effect |
//! |---|---|---|
//! | `rename_all = "..."` | struct | columns named by the rule: `snake_case`, `lowercase`, `UPPERCASE`, `camelCase`, `PascalCase`, `SCREAMING_SNAKE_CASE`, `kebab-case` |
//! | `rename = "col"` | field | the column `col` |
//! | `default` | field | `Default::default()` when the row has no such column (a present column still loads, NULL included) |
//! | `flatten` | field | the field's type is itself `FromRow`, built from the same row |
//! | `try_from = "Type"` | field | load `Type`, then `TryFrom` it into the field (the error names the column) |
//! | `skip` | field | not read: `Default::default()` |
//!
//! Field types must load without borrowing from the row (`String`, not `&str`): a struct with
//! lifetime parameters is refused. Generic structs work; their type parameters get the bounds
//! their fields need.
//!
//! ```
//! use std::sync::Arc;
//! use pgtusk::protocol::{Format, backend::DataRow};
//! use pgtusk::types::{Column, Columns, Row, oid};
//! use pgtusk::FromRow;
//!
//! #[derive(Debug, Default, PartialEq, FromRow)]
//! struct Audit {
//!     created_by: String,
//! }
//!
//! #[derive(Debug, PartialEq, FromRow)]
//! #[pgtusk(rename_all = "camelCase")]
//! struct User {
//!     user_id: i64,                       // column "userId"
//!     #[pgtusk(rename = "full_name")]
//!     name: String,
//!     #[pgtusk(try_from = "i64")]
//!     age: u8,                            // an int8 column that must fit in a u8
//!     #[pgtusk(default)]
//!     nickname: Option<String>,           // the query has no such column
//!     #[pgtusk(flatten)]
//!     audit: Audit,                       // column "created_by"
//!     #[pgtusk(skip)]
//!     cache: Vec<u8>,
//! }
//!
//! #[derive(Debug, PartialEq, FromRow)]
//! struct Pair(i32, String);               // by position
//!
//! let columns: Columns = [
//!     Column::new("userId", oid::INT8, Format::Binary),
//!     Column::new("full_name", oid::TEXT, Format::Binary),
//!     Column::new("age", oid::INT8, Format::Binary),
//!     Column::new("created_by", oid::TEXT, Format::Binary),
//! ]
//! .into_iter()
//! .collect();
//! let data = DataRow::new(&[
//!     Some(&7_i64.to_be_bytes()),
//!     Some(b"Ann Lee"),
//!     Some(&42_i64.to_be_bytes()),
//!     Some(b"admin"),
//! ])?;
//! let row = Row::new(Arc::new(columns), data)?;
//! let user = User::from_row(&row)?;
//! assert_eq!(user.user_id, 7);
//! assert_eq!((user.name.as_str(), user.age, user.nickname), ("Ann Lee", 42, None));
//! assert_eq!(user.audit.created_by, "admin");
//! assert!(Pair::from_row(&row).is_err()); // four columns for two fields
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Enums: `Dumper` and `Loader` on a unit-only enum
//!
//! A Rust enum of unit variants maps to a PostgreSQL enum (`CREATE TYPE mood AS ENUM (...)`)
//! by label: the variant's name as written, or as `rename_all` / `rename` say. It is sent as
//! text with an unspecified type, so the server infers the enum type from the context (cast it
//! where the context does not fix it: `$1::mood`). It loads from the enum type (any
//! user-defined type OID) and from text-like columns; an unknown label is an error naming the
//! label and the Rust type.
//!
//! ```
//! use bytes::BytesMut;
//! use pgtusk::protocol::Format;
//! use pgtusk::{Dumper, Loader};
//!
//! #[derive(Debug, PartialEq, Dumper, Loader)]
//! #[pgtusk(rename_all = "snake_case")]
//! enum Mood {
//!     Happy,
//!     NotSure,                      // 'not_sure'
//!     #[pgtusk(rename = "SAD!")]
//!     Sad,
//! }
//!
//! let mut buf = BytesMut::new();
//! Mood::NotSure.dump(&mut buf)?;
//! assert_eq!((&buf[..], Mood::NotSure.type_oid()), (&b"not_sure"[..], 0));
//! let enum_oid = 16_500; // a user-defined type
//! assert_eq!(Mood::load(enum_oid, Format::Binary, b"SAD!")?, Mood::Sad);
//! assert!(Mood::load(enum_oid, Format::Binary, b"angry").is_err());
//! # Ok::<(), pgtusk::Error>(())
//! ```
//!
//! # Composites: `Dumper` and `Loader` on a struct
//!
//! A struct maps to a composite type (`CREATE TYPE item AS (...)`, or a table's row type) by
//! position, as PostgreSQL composites are positional: the field names do not matter, their
//! order and count do. It is sent in text form (`(1,"a b",)`, each field written with
//! [`Dumper::dump_text`](crate::Dumper::dump_text)) with an unspecified type; it loads from
//! the composite type or an anonymous `record` in binary or text, each field through its own
//! loader (see [`record`](super::record) for the forms and how text fields are typed). A
//! record with another number of fields is an error. Fields may be `Option`s (NULL), other
//! derived composites, enums or newtypes.
//!
//! ```
//! use bytes::BytesMut;
//! use pgtusk::protocol::Format;
//! use pgtusk::types::oid;
//! use pgtusk::{Dumper, Loader};
//!
//! #[derive(Debug, PartialEq, Dumper, Loader)]
//! struct Item {
//!     id: i32,
//!     name: String,
//!     note: Option<String>,
//! }
//!
//! let item = Item { id: 1, name: "a, \"b\"".into(), note: None };
//! let mut buf = BytesMut::new();
//! item.dump(&mut buf)?;
//! assert_eq!(&buf[..], br#"(1,"a, ""b""",)"#);
//! assert_eq!(Item::load(oid::RECORD, Format::Text, &buf)?, item);
//! # Ok::<(), pgtusk::Error>(())
//! ```
//!
//! # Newtypes and domains: `Dumper` and `Loader` on a one-field struct
//!
//! A tuple struct of one field (or any one-field struct marked `#[pgtusk(transparent)]`) is
//! sent and loaded exactly as its field is. That is how a domain maps: a domain over `int8`
//! arrives as `int8` in a result and is accepted as an `int8` parameter.
//!
//! ```
//! use bytes::BytesMut;
//! use pgtusk::protocol::Format;
//! use pgtusk::types::oid;
//! use pgtusk::{Dumper, Loader};
//!
//! #[derive(Debug, PartialEq, Dumper, Loader)]
//! struct UserId(i64);
//!
//! #[derive(Debug, PartialEq, Dumper, Loader)]
//! #[pgtusk(transparent)]
//! struct Email {
//!     address: String,
//! }
//!
//! assert_eq!(UserId(5).type_oid(), oid::INT8);
//! assert_eq!(UserId::load(oid::INT8, Format::Binary, &5_i64.to_be_bytes())?, UserId(5));
//! assert_eq!(Email::load(oid::TEXT, Format::Text, b"a@b.c")?.address, "a@b.c");
//! # Ok::<(), pgtusk::Error>(())
//! ```
//!
//! # Compile errors
//!
//! Shapes the derives cannot map are refused with an error at the offending item:
//!
//! ```compile_fail
//! #[derive(pgtusk::FromRow)]
//! struct Borrowed<'a> { name: &'a str } // lifetime parameters: use owned types
//! ```
//!
//! ```compile_fail
//! #[derive(pgtusk::Dumper)]
//! enum NotUnit { A(i32) } // a PostgreSQL enum has unit variants only
//! ```
//!
//! ```compile_fail
//! #[derive(pgtusk::Loader)]
//! enum Dup { A, #[pgtusk(rename = "A")] B } // two variants with one label
//! ```
//!
//! ```compile_fail
//! #[derive(pgtusk::FromRow)]
//! struct Unknown { #[pgtusk(renamed = "x")] a: i32 } // unknown attribute
//! ```
//!
//! ```compile_fail
//! #[derive(pgtusk::FromRow)]
//! #[pgtusk(rename_all = "Title Case")] // unknown rule
//! struct Rule { a: i32 }
//! ```
//!
//! ```compile_fail
//! #[derive(pgtusk::Loader)]
//! #[pgtusk(transparent)]
//! struct Two { a: i32, b: i32 } // transparent needs exactly one field
//! ```
//!
//! ```compile_fail
//! #[derive(pgtusk::FromRow)]
//! struct Skipped { #[pgtusk(skip, rename = "x")] a: i32 } // contradictory attributes
//! ```
//!
//! ```compile_fail
//! #[derive(pgtusk::FromRow)]
//! struct Pos(#[pgtusk(default)] i32); // tuple structs load by position
//! ```
//!
//! ```compile_fail
//! #[derive(pgtusk::FromRow)]
//! enum NotAStruct { A }
//! ```
//!
//! ```compile_fail
//! #[derive(pgtusk::Loader)]
//! struct NotLoadable { a: std::time::Duration } // a field type without a Loader
//! ```
