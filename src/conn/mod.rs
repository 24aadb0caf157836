//! The connection's sans-IO core: configuration, startup and authentication, and the request
//! queue. No sockets, no tokio, no clock.

pub mod config;
