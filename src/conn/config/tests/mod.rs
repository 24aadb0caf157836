//! Tests for the connection configuration, one file per concern.

mod conninfo;
mod env;
mod errors;
mod pgpass;
mod resolve;
mod url;

use super::{Config, ConfigError};

/// Parses `s`, panicking with the error if it fails.
fn parse(s: &str) -> Config {
    match s.parse::<Config>() {
        Ok(config) => config,
        Err(e) => panic!("{s:?} should parse, got: {e}"),
    }
}

/// Parses `s`, panicking if it succeeds.
fn parse_err(s: &str) -> ConfigError {
    match s.parse::<Config>() {
        Ok(config) => panic!("{s:?} should fail, got: {config:?}"),
        Err(e) => e,
    }
}

/// A config built with the setters.
fn build(f: impl FnOnce(&mut Config)) -> Config {
    let mut config = Config::new();
    f(&mut config);
    config
}
