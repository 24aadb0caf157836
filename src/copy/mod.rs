//! COPY: the binary COPY row codec, and the bookkeeping that the async and the blocking COPY
//! handles share.
//!
//! Invariant: no IO here. Bytes come in through [`BinaryDecoder::push`] and go out into the
//! caller's buffer ([`BinaryEncoder`]); the connection-side state (what the server answered,
//! how much output waits to be written) is passed in and out as values, so the async
//! `CopyIn`/`CopyOut` and their blocking mirrors behave identically by construction.
//!
//! # The binary format
//!
//! From the [`COPY` reference, "Binary Format"][binary]:
//!
//! ```text
//!   header   "PGCOPY\n\377\r\n\0"            11-byte signature
//!            Int32 flags                      bit 16: OIDs included; bits 17-31: reserved,
//!                                             critical (a reader must refuse unknown ones);
//!                                             bits 0-15: reserved, ignorable
//!            Int32 extension length, then that many bytes (skipped)
//!   tuple    Int16 field count
//!            per field: Int32 length (-1 = NULL), then that many bytes, each value in its
//!            type's binary send/recv form
//!   trailer  Int16 -1
//! ```
//!
//! A tuple has the layout of a [`DataRow`](crate::protocol::backend::DataRow) body, so the
//! decoder hands rows out as `DataRow`s and a typed reader wraps them in a
//! [`Row`](crate::Row).
//!
//! Decisions:
//! - The encoder writes flags 0 and no extension; OIDs are not supported (PostgreSQL 12 removed
//!   `WITH OIDS`), so the decoder refuses flag bit 16 as unsupported.
//! - The decoder never allocates from a length it read: a field is accumulated only as its
//!   bytes arrive, and a field longer than the configured maximum
//!   ([`BinaryDecoder::with_max_field_len`]) is refused as soon as its length word is read.
//! - Rows may span any number of input chunks; a row that lies inside one chunk is handed out
//!   as a zero-copy slice of it.
//! - Anything after the trailer is an error, and so is input that ends before it
//!   ([`BinaryDecoder::finish`]).
//!
//! [binary]: https://www.postgresql.org/docs/current/sql-copy.html

mod decode;
mod encode;
pub(crate) mod session;
pub(crate) mod table;

#[cfg(test)]
mod tests;

// One list of everything this module offers.
pub use decode::{BinaryDecoder, BinaryError, DEFAULT_MAX_FIELD_LEN};
pub use encode::{BinaryEncoder, CopyFields, HEADER, SIGNATURE, TRAILER};
