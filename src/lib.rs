//! pgtusk: a PostgreSQL driver written from scratch.
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod protocol;
pub mod conn;
