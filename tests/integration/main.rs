//! Conformance tests against real PostgreSQL servers started by `pgtusk-testkit`.

mod common;

mod auth;
mod cancel_safety;
mod copy;
mod errors;
mod protocol;
mod queries;
mod query_async;
mod query_blocking;
mod session;
mod transactions;
mod pgbouncer;
mod pipeline;
mod client;
