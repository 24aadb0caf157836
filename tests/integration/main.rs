//! Conformance tests against real PostgreSQL servers started by `pgtusk-testkit`.

mod common;
mod query_async;
mod query_blocking;
