//! Conformance tests against real PostgreSQL servers started by `pgtusk-testkit`.

mod common;

mod auth;
mod cancel_safety;
mod client;
mod copy;
mod errors;
mod pgbouncer;
mod pipeline;
mod protocol;
mod queries;
mod query_async;
mod query_blocking;
mod session;
mod transactions;
mod types_compat;
mod types_datetime;
mod types_scalar;
