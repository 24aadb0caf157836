//! # pgtusk
//!
//! A PostgreSQL driver written from scratch: its own wire-protocol codec, a sans-IO connection
//! core, an async connection on tokio and a blocking one on `std` sockets.
//!
//! ## Connect and query
//!
//! ```no_run
//! # async fn demo() -> Result<(), pgtusk::Error> {
//! use pgtusk::Connection;
//!
//! // A URL or libpq's key=value form; unset parameters come from PG* variables.
//! let mut conn = Connection::connect("postgresql://app:secret@db.example/app").await?;
//!
//! conn.execute("INSERT INTO t (a, b) VALUES ($1, $2)", (1_i64, "x")).await?; // -> rows affected
//! let rows = conn.query("SELECT a, b FROM t WHERE a > $1", (0_i64,)).await?;
//! for row in &rows {
//!     let a: i64 = row.get(0);
//!     let b: &str = row.get("b"); // borrows from the row: no copy
//! }
//! let n: i64 = conn.query_scalar("SELECT count(*) FROM t", ()).await?;
//! let maybe = conn.query_opt("SELECT b FROM t WHERE a = $1", (42_i64,)).await?;
//! let pairs: Vec<(i64, String)> = conn.query_as("SELECT a, b FROM t", ()).await?;
//! conn.batch_execute("CREATE TEMP TABLE x (a int); INSERT INTO x VALUES (1)").await?;
//! # Ok(()) }
//! ```
//!
//! Parameters are PostgreSQL's own `$1, $2, ...`, given as a tuple (up to 16), a slice of
//! `&dyn Dumper` or a `Vec<Box<dyn Dumper>>`. A statement's first execution costs one round
//! trip (Parse, Bind, Describe, Execute and Sync in one write); repeated SQL is prepared by the
//! automatic statement cache and then runs as Bind + Execute (see `conn::Config`'s
//! `statement_cache_size` and `prepare_threshold`, and `pooler_mode` for PgBouncer).
//!
//! Large answers (a result or a COPY TO STDOUT past 4 MiB) are read in batches on Linux: the
//! socket's receive low-water mark lets the kernel gather 64 KiB before it wakes the reader,
//! instead of once per 8 KiB the server writes, which saves both sides a wake-up each time and
//! lets a local server send faster. The async connection bounds those waits with tokio's
//! timer, so its runtime needs the time driver (`#[tokio::main]` and `Runtime::new` have it);
//! `read_batching=off` in `conn::Config` turns batching off.
//!
//! ## Types
//!
//! Rust values become parameters through [`Dumper`] and columns become Rust values through
//! [`Loader`] (named after psycopg 3's adaptation system). Results travel in binary. Strings
//! without a declared type are sent as text of unspecified type, so the server infers the
//! column's type (`WHERE uuid_col = $1` with a `&str` works). `Option<T>` is NULL. Loading a
//! column into a Rust type that does not fit is an error naming the column, its PostgreSQL type
//! and the Rust type; integers never truncate silently.
//!
//! Every built-in type has a Rust form (see [`types`]): arrays as `Vec<T>`, `[T; N]` or
//! [`types::Array`] (several dimensions, lower bounds, NULLs), ranges and multiranges, our own
//! arbitrary-precision [`types::Numeric`] and date/time types with ±infinity (and `chrono`,
//! `time`, `jiff`, `rust_decimal`, `serde_json` behind features), network, geometric,
//! text-search and system types. Your own types derive their adapters:
//!
//! ```no_run
//! # async fn demo(conn: &mut pgtusk::Connection) -> Result<(), pgtusk::Error> {
//! use pgtusk::types::Value;
//! use pgtusk::{Dumper, FromRow, Loader};
//!
//! #[derive(Debug, Dumper, Loader)]
//! #[pgtusk(rename_all = "lowercase")]
//! enum Mood { Sad, Ok, Happy }            // CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')
//!
//! #[derive(Debug, FromRow)]
//! struct Person { id: i64, name: String, #[pgtusk(rename = "current_mood")] mood: Mood }
//!
//! let people: Vec<Person> =
//!     conn.query_as("SELECT id, name, current_mood FROM person WHERE current_mood = $1",
//!                   (Mood::Happy,)).await?;
//! let tags: Vec<String> = conn.query_scalar("SELECT ARRAY['a', 'b']", ()).await?;
//!
//! // Dynamic rows, like psycopg's dict_row: column name -> Value.
//! conn.register_type("mood").await?;     // enums, composites... by name, from pg_type
//! let row = conn.query_one("SELECT * FROM person LIMIT 1", ()).await?;
//! let map = row.to_map();
//! assert!(matches!(map["current_mood"], Value::Enum { .. }));
//! # Ok(()) }
//! ```
//!
//! Table and column names go through [`sql`] (`sql::Identifier`, `sql::Literal`), never
//! through string formatting.
//!
//! ## Transactions
//!
//! ```no_run
//! # async fn demo(conn: &mut pgtusk::Connection) -> Result<(), pgtusk::Error> {
//! let mut tx = conn.transaction().await?;      // BEGIN
//! tx.execute("UPDATE t SET b = $1", ("y",)).await?;
//! {
//!     let mut sp = tx.transaction().await?;    // SAVEPOINT
//!     sp.execute("DELETE FROM t", ()).await?;
//! }                                            // dropped: ROLLBACK TO SAVEPOINT
//! tx.commit().await?;                          // dropping `tx` instead would roll back
//!
//! let tx = conn
//!     .build_transaction()
//!     .isolation_level(pgtusk::IsolationLevel::Serializable)
//!     .read_only(true)
//!     .start()
//!     .await?;
//! # Ok(()) }
//! ```
//!
//! ## Pipelines, COPY and shared connections
//!
//! ```no_run
//! # async fn demo(conn: &mut pgtusk::Connection) -> Result<(), pgtusk::Error> {
//! // Many statements, one round trip; an error aborts the rest of its sync group only.
//! let mut p = conn.pipeline();
//! let a = p.execute("INSERT INTO t (a) VALUES ($1)", (1_i64,));
//! let b = p.query("SELECT count(*) FROM t", ());
//! let out = p.run().await?;
//! let (inserted, rows) = (out.rows_affected(a)?, out.rows(b)?);
//!
//! // One statement, many parameter sets, one round trip, all or nothing.
//! let rows = vec![(2_i64, "b"), (3, "c")];
//! conn.execute_many("INSERT INTO t (a, b) VALUES ($1, $2)", &rows).await?;
//!
//! // COPY, typed and binary: rows are encoded by the same Dumpers as parameters.
//! let mut w = conn.copy_in("COPY t (a, b) FROM STDIN (FORMAT binary)").await?;
//! w.write_row((4_i64, "d")).await?;
//! let n = w.finish().await?;
//! # Ok(()) }
//! ```
//!
//! [`Connection::into_client`] turns a connection into a [`Client`] that many tasks share: their
//! calls are pipelined on the one socket by a driver task.
//!
//! ## Pools
//!
//! A [`Pool`] lends out up to `max_size` connections (opened on demand) and takes them back
//! when the guard is dropped, after rolling back whatever transaction a borrower left open
//! and reading what it left owed; dead, old and long-idle connections are replaced. See the
//! [`pool`] module for the guarantees and [`PoolOptions`] for the settings.
//!
//! ```no_run
//! # async fn demo() -> Result<(), pgtusk::Error> {
//! let pool = pgtusk::PoolOptions::new()
//!     .max_size(16)
//!     .build("postgresql://app:secret@localhost/app".parse()?);
//! let mut conn = pool.get().await?;
//! let mut tx = conn.transaction().await?;
//! tx.execute("UPDATE accounts SET balance = balance - 10 WHERE id = $1", (7_i64,)).await?;
//! tx.commit().await?;
//! # Ok(()) }
//! ```
//!
//! ## Blocking
//!
//! [`blocking::Connection`] has the same methods without `.await`, on plain system calls (no
//! runtime inside): a round trip whose answer fits the buffer is one `write` and one `read`.
//! [`blocking::Pool`] is the pool for it.
//!
//! ## Cancel safety
//!
//! Every async method can be dropped at any `.await`: the core keeps unwritten output and
//! remembers what the server still owes, and the next call drains the abandoned request before
//! its own results. A dropped `BEGIN` or [`Transaction`] is rolled back, never handed on open.
//! A statement can be cancelled on the server with a [`CancelToken`] from another task or
//! thread, and `Connection::set_query_timeout` does that by itself.
//!
//! ## TLS and authentication
//!
//! `sslmode` follows libpq (`disable`, `allow`, `prefer`, `require`, `verify-ca`,
//! `verify-full`), with `sslrootcert` (a file or `system`), client certificates and
//! `sslnegotiation=direct` (PostgreSQL 17+), on rustls. Authentication: trust, password, MD5,
//! SCRAM-SHA-256 and SCRAM-SHA-256-PLUS (`channel_binding`), certificates, and libpq 16's
//! `require_auth`. Passwords never appear in `Debug` output or errors.
//!
//! ## Embedding the sans-IO core
//!
//! [`conn::ConnectionCore`] is the whole protocol state machine with no IO, no clock and no
//! randomness: feed it bytes, write what it gives you, read its events. [`protocol`] has every
//! message's encoder and decoder for proxies, test servers and fuzzers.
//!
//! ## Features
//!
//! - `tokio` (default): the async [`Connection`].
//! - `rustls` (default): TLS with the ring provider. Without it, `sslmode=prefer` means
//!   plaintext and stricter modes fail.
//! - `derive` (default): `#[derive(FromRow)]`, and `#[derive(Dumper, Loader)]` for PostgreSQL
//!   enums, composite types and domains (see [`types::record`]).
//! - `chrono`, `time`, `jiff`, `rust_decimal`, `serde_json` (off): those crates' date/time,
//!   decimal and JSON types as parameters and results; see [`types`](crate::types#optional-integrations).
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod blocking;
pub mod conn;
pub mod copy;
mod driver;
mod error;
pub mod pipeline;
pub mod pool;
pub mod protocol;
pub mod sql;
#[cfg(feature = "rustls")]
pub mod tls;
pub mod types;

#[cfg(feature = "tokio")]
mod client;

pub use conn::{
    Config, CursorOptions, IsolationLevel, ResultSet, ScrollTo, Statement, ToStatement,
};
pub use driver::{CancelToken, Notification};
pub use error::{DbError, Error, ErrorKind, ErrorPosition, SqlState};
// The paved path: what most programs need, at the crate root.
pub use types::{Dumper, FromRow, Loader, Params, Row};
// The derive macros live in the macro namespace beside the traits of the same names.
#[cfg(feature = "derive")]
pub use pgtusk_derive::{Dumper, FromRow, Loader};

#[cfg(feature = "tokio")]
pub use client::{
    Client, Connection, CopyIn, CopyOut, Cursor, Pipeline, RowStream, Transaction,
    TransactionBuilder,
};
pub use pool::PoolOptions;
#[cfg(feature = "tokio")]
pub use pool::async_pool::{Pool, PooledConnection};
