//! Conformance tests against real PostgreSQL servers started by `pgtusk-testkit`.

mod common;

mod auth;
mod cancel_safety;
mod client;
mod copy;
mod errors;
mod passfile;
mod pgbouncer;
mod pipeline;
mod pipeline_scenarios;
mod pool;
mod protocol;
mod queries;
mod query_async;
mod query_blocking;
mod read_batching;
mod session;
mod sql_compose;
mod transactions;
mod types_array;
mod types_compat;
mod types_datetime;
mod types_derive;
mod types_misc;
mod types_range;
mod types_scalar;
mod types_value;
