//! pgtusk: a PostgreSQL driver written from scratch.
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod conn;
pub mod blocking;
mod driver;
mod error;
pub mod protocol;
#[cfg(feature = "rustls")]
pub mod tls;
pub mod types;

#[cfg(feature = "tokio")]
mod client;

pub use conn::{Config, IsolationLevel, Statement, ToStatement};
pub use driver::{CancelToken, Notification};
pub use error::{DbError, Error, ErrorKind, ErrorPosition, SqlState};
pub use types::{Dumper, FromRow, Loader, Params, Row};

#[cfg(feature = "tokio")]
pub use client::{Connection, RowStream, Transaction, TransactionBuilder};
