//! pgtusk: a PostgreSQL driver written from scratch.
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod protocol;
pub mod conn;
mod error;
pub use error::{DbError, Error, ErrorKind, ErrorPosition, SqlState};
