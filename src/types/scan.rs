//! A byte cursor for the text forms the server writes (arrays, ranges, records): shared by
//! their parsers.

use crate::Error;

/// White space as the server's input functions skip it (C's `isspace` in the "C" locale).
pub(crate) fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

/// A position in a text form.
pub(crate) struct Cursor<'a> {
    pub(crate) s: &'a [u8],
    pub(crate) pos: usize,
    /// What is being read, for errors ("array", "range").
    form: &'static str,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(s: &'a [u8], form: &'static str) -> Self {
        Cursor { s, pos: 0, form }
    }

    /// An error at the current position, quoting the start of the input.
    pub(crate) fn error(&self, what: &str) -> Error {
        let shown = String::from_utf8_lossy(self.s.get(..self.s.len().min(60)).unwrap_or_default());
        Error::conversion(format!(
            "invalid {} text at byte {}: {what} (in {shown:?})",
            self.form, self.pos
        ))
    }

    pub(crate) fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    pub(crate) fn bump(&mut self) -> Option<u8> {
        let c = self.peek()?;
        self.pos += 1;
        Some(c)
    }
}
