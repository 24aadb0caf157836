//! The one error type of the crate.

use std::fmt;

/// Why a server could not be prepared, started, queried or stopped.
///
/// The message is meant for a human reading a failed test: it names the step that failed and,
/// where there is one, carries the tail of the relevant log or command output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestkitError {
    message: String,
}

impl TestkitError {
    /// An error with this message.
    pub fn new(message: impl Into<String>) -> Self {
        TestkitError { message: message.into() }
    }

    /// Wraps an I/O error with a description of what was being done.
    pub(crate) fn io(what: impl fmt::Display, err: std::io::Error) -> Self {
        TestkitError::new(format!("{what}: {err}"))
    }

    /// The full, human-readable message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for TestkitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for TestkitError {}

/// `Result` with a [`TestkitError`].
pub type Result<T, E = TestkitError> = std::result::Result<T, E>;
