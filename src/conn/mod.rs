//! The connection's sans-IO core: configuration, connection planning, startup and
//! authentication, and the request queue.
//!
//! Invariant: no sockets, no tokio, no clock, no randomness. Bytes come in through
//! [`ConnectionCore::recv_buf`] / [`ConnectionCore::handle_input`], go out through
//! [`ConnectionCore::poll_transmit`], and everything the server says comes out of
//! [`ConnectionCore::poll_event`]. The async and blocking drivers are thin loops around it, so
//! they behave identically by construction.

mod cache;
pub mod config;
mod connect;
mod core;
pub(crate) mod cursor;
mod event;
pub(crate) mod exec;
mod queue;
mod request;
mod startup;
pub(crate) mod txn;

#[cfg(feature = "tokio")]
pub(crate) use self::core::Detached;
pub use self::core::{ConnectionCore, CopyFrames, DetachedRequest, Mark};
pub use cache::DEFAULT_PREPARE_THRESHOLD;
pub use config::{Config, ConfigError};
pub(crate) use connect::config_error;
pub use connect::{Attempt, ConnectPlan};
pub use event::{Event, RequestId, Response};
pub use exec::{ResultSet, Statement, StatementRef, ToStatement};
pub use request::RequestBuilder;
pub use startup::{Retry, StartupConfig, TlsStart};
pub use txn::IsolationLevel;
#[cfg(test)]
mod tests;
pub use cursor::{CursorOptions, ScrollTo};
